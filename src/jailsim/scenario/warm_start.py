"""Who is in the jail at day 0: nobody, the steady state, or the people of a roster.

:class:`WarmStart` is the scenario's ``warm_start`` block. A roster (``warm_start: roster.csv``)
is read once, when the scenario is validated (:func:`resolve`, with
:func:`jailsim.county.roster.read_roster`), into ``people``: the resolved scenario carries the
roster itself and runs again without the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import field_validator, model_serializer, model_validator

from jailsim.scenario.blocks import Frozen
from jailsim.scenario.units import Days, Duration

__all__ = ["ROSTER_SOURCE_KEYS", "RosterPerson", "WarmStart", "expand_warm_start", "resolve"]


#: Keys that say where a roster comes from: changing one makes the people read before stale.
ROSTER_SOURCE_KEYS = ("roster", "columns", "timezone")


def expand_warm_start(data):
    """Return the mapping a ``warm_start`` value stands for.

    ``"steady_state"`` is ``{kind: steady_state}``, ``"roster.csv"`` is
    ``{kind: roster, roster: roster.csv}``; anything else is returned as it is.
    """
    if isinstance(data, str) and data.strip():
        data = data.strip()
        return {"kind": data} if data in ("none", "steady_state") else {
            "kind": "roster", "roster": data}
    return data


class RosterPerson(Frozen):
    """One person of a roster warm start, in custody at ``start_date`` since ``booked``.

    Times are local wall-clock times; a field left out is not conditioned on.
    """

    booked: dt.datetime
    """Booking time, before ``start_date``."""
    id: str | None = None
    """The jail's id, kept for reference."""
    charge: str | None = None
    """A charge name of the scenario."""
    foreign_born: bool | None = None
    """Born outside the U.S."""
    citizen: bool | None = None
    """A U.S. citizen, by birth or naturalization."""
    detainer: bool | None = None
    """An immigration detainer was lodged before ``start_date``."""
    detainer_at: dt.datetime | None = None
    """When the detainer was lodged (checked; conditioned on only as lodged by day 0)."""

    @field_validator("booked", "detainer_at")
    @classmethod
    def _local(cls, v):
        if v is not None and v.tzinfo is not None:
            raise ValueError(f"got {v.isoformat()}; give the jail's local wall-clock time "
                             "without a UTC offset (e.g. 2024-12-30T14:05)")
        return v


class WarmStart(Frozen):
    """How the jail is populated at day 0.

    ``none``: empty (use ``warmup`` to let it fill). ``steady_state``: the jail as it would be
    after running for ``history`` with the same inputs: bookings of that period are simulated
    and those still in custody at day 0 are kept. For the infinite-server parts of the model
    this is the equilibrium exactly (a Poisson number of people with equilibrium residual
    stays), and it also fills the officer queues. ``roster``: the people of a roster CSV
    (``roster``, relative to the scenario file; ``warm_start: roster.csv`` for short), each
    with a stay sampled given the time already served (:mod:`jailsim.engines.roster`); the
    file is read into ``people``, which the resolved scenario keeps (and does not read again).
    """

    kind: Literal["none", "steady_state", "roster"] = "none"
    """Who is in the jail at day 0: nobody, the steady state, or a roster."""
    history: Duration = Days(2 * 365.25)
    """Bookings simulated before day 0 for ``steady_state`` (1 day to 10 years)."""
    roster: str | None = None
    """Roster CSV (kind ``roster``), relative to the scenario file."""
    columns: dict[str, str] | None = None
    """Roster column for a role (``booked``, ``id``, ``charge``, ``foreign_born``, ``citizen``,
    ``detainer``, ``detainer_at``) where the name is not guessed."""
    timezone: str | None = None
    """The jail's IANA time zone, for roster times with a UTC offset."""
    people: tuple[RosterPerson, ...] | None = None
    """The roster's rows, read from ``roster`` (or given inline)."""

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data):
        return expand_warm_start(data)

    @field_validator("history")
    @classmethod
    def _history(cls, v):
        if not 1 <= v <= 10 * 365.25:
            raise ValueError("must be from 1 day to 10 years")
        return v

    @model_validator(mode="after")
    def _exclusive(self):
        roster = ("roster", "columns", "timezone", "people")
        if self.kind != "roster":
            given = [k for k in roster if getattr(self, k) is not None]
            if given:
                raise ValueError(f"{', '.join(given)}: given with kind {self.kind!r}; "
                                 "these keys belong to kind 'roster'")
        elif "history" in self.model_fields_set:
            raise ValueError("history applies to kind 'steady_state' only: a roster is the "
                             "population at day 0")
        elif self.roster is None and self.people is None:
            raise ValueError("kind 'roster' needs 'roster: FILE.csv' (or 'people')")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        data = handler(self)
        if self.kind == "roster":
            data.pop("history", None)
        return data


def check_people(people, start_date: dt.date, charges: tuple[str, ...] | None) -> list[str]:
    """Problems of roster rows given inline (``warm_start.people``), one line each."""
    # the roster reader (and pandas) only for a roster warm start, not to validate the others
    from jailsim.county.roster import MAX_DAYS_SERVED

    start = dt.datetime.combine(start_date, dt.time())
    problems = [] if people else ["people: empty; a roster lists at least one person"]
    for i, p in enumerate(people):
        at = f"people[{i}]"
        if p.booked >= start:
            problems.append(f"{at}.booked: {p.booked} is not before start_date {start_date}")
        elif (start - p.booked).days > MAX_DAYS_SERVED:
            problems.append(f"{at}.booked: {p.booked} is more than 10 years before start_date")
        if charges is not None and p.charge is not None and p.charge not in charges:
            problems.append(f"{at}.charge: {p.charge!r} (allowed: {', '.join(charges)})")
        if p.detainer_at is not None and not p.booked <= p.detainer_at < start:
            problems.append(f"{at}.detainer_at: {p.detainer_at} is not in [booked, start_date)")
        if p.foreign_born is False and p.citizen is False:
            problems.append(f"{at}: born in the U.S. (foreign_born false) but not a citizen "
                            "(citizen false): citizen means a U.S. citizen, by birth or "
                            "naturalization")
        if p.detainer_at is not None and p.detainer is False:
            problems.append(f"{at}: detainer_at given but detainer is false")
    return problems


def resolve(warm_start, start_date: dt.date, charges, base_dir):
    """``warm_start`` with its roster file read into ``people`` (and the people checked).

    Raises
    ------
    ValueError
        With one line per problem.
    """
    if warm_start.people is None:
        from jailsim.county.roster import read_roster

        path = Path(base_dir or ".") / warm_start.roster
        people = read_roster(path, start_date, charges, warm_start.columns,
                             warm_start.timezone)
        people = tuple(RosterPerson.model_validate(p) for p in people)
        warm_start = warm_start.model_copy(update={"people": people})
    problems = check_people(warm_start.people, start_date, charges)
    if problems:
        raise ValueError("; ".join(problems))
    return warm_start
