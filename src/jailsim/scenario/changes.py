"""Dated changes of policy: a scenario's ``changes:`` list, what may change and when it applies.

A scenario's ``changes:`` list cuts time into *periods*. Period 0 runs from the beginning
(including a warm-start history) to the first change; each change starts a period at 00:00 of
its ``from`` date and sets dotted parameters until the next one. Each period is a whole
scenario, validated like any other (:meth:`jailsim.scenario.schema.Scenario.periods`).

Only parameters whose change the engines can honor at the moment of the decision they govern
may change (:data:`ALLOWED_PATHS`), and each has one moment that decides which period applies:

- ``program``, JEM side: screening applies to people *booked* in a period with JEM;
- ``program``, WSO side, ``honor.*``, ``hold.*``, ``ice.p_pickup``, ``ice.pickup_delay``,
  ``ice.p_cancel``, ``ice.cancel_delay``, ``ice.igsa``: the period in force when the person
  would otherwise be released (the start of a hold);
- ``jem.officers|shifts``, ``wso.officers|shifts``: the officer timetable in force at each
  instant; no officers in a period without the program;
- ``ice.transport``: the transport runs in force at each instant.

``ice_capacity:`` (:class:`IceCapacity`) adds changes of its own: ICE's detention occupancy
over time, and what ICE does at each level of it; they join ``changes:`` date by date
(:func:`timeline`).

The model applies them (:mod:`jailsim.model.policy`). Every random draw is made whatever the
period, so a change on a date leaves the timeline of everything before that date exactly as
in a run without the change.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from pydantic import Field, field_validator

from jailsim.scenario.blocks import Frozen
from jailsim.scenario.paths import set_dotted

__all__ = [
    "ALLOWED_PATHS", "Change", "IceCapacity", "date_problems", "path_problems", "period_data",
    "timeline",
]

#: Parameters a dated change may set, with when each one applies.
ALLOWED_PATHS: dict[str, str] = {
    "program": "JEM for bookings booked in the period; WSO for holds starting in it",
    "jem.officers": "officers on duty at each time",
    "jem.shifts": "officers on duty at each time",
    "wso.officers": "officers on duty at each time",
    "wso.shifts": "officers on duty at each time",
    "honor.policy": "at the hold decision (when the person would otherwise leave)",
    "honor.refusal_probability": "at the hold decision",
    "honor.judicial_warrant_share": "at the hold decision",
    "honor.database_only_void": "at the hold decision",
    "hold.rule": "at the start of the hold",
    "hold.cap": "at the start of the hold",
    "ice.p_pickup": "at the start of the hold",
    "ice.pickup_delay": "at the start of the hold",
    "ice.p_cancel": "at the start of the hold",
    "ice.cancel_delay": "at the start of the hold",
    "ice.igsa": "at the start of the hold",
    "ice.transport": "transport runs in force at each time",
}


def path_problems(values: dict[str, Any]) -> list[str]:
    """Problems with the dotted paths of one change's ``set`` mapping."""
    allowed = ", ".join(ALLOWED_PATHS)
    bad = [
        path
        for path in values
        if not any(path == a or path.startswith(a + ".") for a in ALLOWED_PATHS)
    ]
    return [f"cannot change {path!r} on a date (allowed: {allowed})" for path in bad]


class Change(Frozen):
    """A dated change of policy: ``{from: 2026-03-01, set: {program: jem, jem.officers: 3}}``.

    From 00:00 of ``from`` the dotted paths in ``set`` take the values given, until a later
    change; only the parameters of :data:`ALLOWED_PATHS` may change (those the engines can
    apply at the time of the decision they govern).
    """

    start: dt.date = Field(alias="from")
    """First day of the change, YYYY-MM-DD (from 00:00)."""
    values: dict[str, Any] = Field(alias="set", min_length=1)
    """Dotted path -> new value, as in a scenario file."""

    @field_validator("values")
    @classmethod
    def _allowed(cls, v):
        problems = path_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v


class Occupancy(Frozen):
    """ICE's detention occupancy from a date: its detained population over its funded beds."""

    start: dt.date = Field(alias="from")
    """First day, YYYY-MM-DD (from 00:00)."""
    share: float = Field(ge=0.0, le=5.0, allow_inf_nan=False)
    """Detained population / funded beds (1.0: full)."""


class Response(Frozen):
    """What ICE does from an occupancy level up (until the next level)."""

    occupancy: float = Field(ge=0.0, le=5.0, allow_inf_nan=False)
    """Lowest occupancy share this response applies to."""
    values: dict[str, Any] = Field(alias="set", min_length=1)
    """ICE's parameters at that level: dotted ``ice.*`` paths a change may set."""

    @field_validator("values")
    @classmethod
    def _ice_only(cls, v):
        problems = path_problems(v)
        problems += [f"{p!r}: only ICE's parameters (ice.*) answer its occupancy"
                     for p in v if not p.startswith("ice.")]
        if problems:
            raise ValueError("; ".join(problems))
        return v


class IceCapacity(Frozen):
    """ICE's detention occupancy over time, and how its pickups answer it.

    On each ``occupancy`` date, the response of the highest level at or below the share
    applies its ``set`` from that date: a dated change like those of ``changes:``, with
    which they are merged (:func:`timeline`).
    """

    occupancy: tuple[Occupancy, ...] = Field(min_length=1)
    """Dated occupancy shares, dates increasing, after the start date."""
    response: tuple[Response, ...] = Field(min_length=1)
    """Levels from occupancy 0 up, increasing, each with ICE's parameters."""

    @field_validator("response")
    @classmethod
    def _levels(cls, v):
        levels = [r.occupancy for r in v]
        if levels[0] != 0.0:
            raise ValueError("the first level must be occupancy 0 (so every share has one)")
        if any(b <= a for a, b in zip(levels, levels[1:], strict=False)):
            raise ValueError(f"levels must increase (got {levels})")
        return v

    def changes(self) -> list[Change]:
        """The dated changes the occupancy series implies, one per occupancy date."""
        out = []
        for level in self.occupancy:
            row = [r for r in self.response if r.occupancy <= level.share][-1]
            out.append(Change.model_validate({"from": level.start, "set": row.values}))
        return out


def timeline(changes: Sequence[Change], capacity: IceCapacity | None) -> tuple[Change, ...]:
    """``changes`` with those of ``capacity`` merged in, by date (one change per date).

    A path set on the same date by both is an error (:class:`ValueError`).
    """
    if capacity is None:
        return tuple(changes)
    by_date: dict[dt.date, dict[str, Any]] = {}
    for change in (*changes, *capacity.changes()):
        values = by_date.setdefault(change.start, {})
        both = sorted(set(values) & set(change.values))
        if both:
            raise ValueError(
                f"{change.start.isoformat()}: {both} set by both changes and ice_capacity"
            )
        values.update(change.values)
    return tuple(Change.model_validate({"from": d, "set": v}) for d, v in sorted(by_date.items()))


def date_problems(changes: Sequence[Change], start: dt.date, horizon: float) -> list[str]:
    """Problems with the dates of ``changes``: inside the run, strictly increasing."""
    problems = []
    last = None
    for k, change in enumerate(changes):
        day = (change.start - start).days
        where = f"[{k}] from {change.start.isoformat()}"
        if not 0 < day < horizon:
            end = start + dt.timedelta(days=math.ceil(horizon) - 1)
            problems.append(
                f"{where}: must be after start_date {start.isoformat()} and before the end of "
                f"the run ({end.isoformat()})"
            )
        if last is not None and change.start <= last:
            problems.append(f"{where}: dates must increase (the one before is {last.isoformat()})")
        last = change.start
    return problems


def period_data(data: dict, changes: Sequence[Change]) -> list[dict]:
    """The plain data of each period's scenario, period 0 first (without ``changes``).

    ``data`` is a scenario's plain data (``Scenario.to_dict()``); each later period is the one
    before with its change's dotted paths set.
    """
    data = copy.deepcopy(data)
    data.pop("changes", None)
    data.pop("ice_capacity", None)
    out = [copy.deepcopy(data)]
    for change in changes:
        for path, value in change.values.items():
            set_dotted(data, path, copy.deepcopy(value))
        out.append(copy.deepcopy(data))
    return out
