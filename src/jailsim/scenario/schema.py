"""The scenario: every input of a run, validated once into a frozen object.

A :class:`Scenario` puts together the blocks of :mod:`jailsim.scenario.blocks` (the jail
model, part by part), the warm start (:mod:`jailsim.scenario.warm_start`), the costs
(:mod:`jailsim.scenario.costs`) and the dated changes (:mod:`jailsim.scenario.changes`), and
checks what no block can check alone. Durations and rates carry units in the text (see
:mod:`jailsim.scenario.units`); probabilities are plain numbers in [0, 1]. The numbers
themselves live in ``scenarios/base_county.yaml``, each with its source; the schema holds only
structural defaults (switches that are off unless asked for).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from jailsim.base import markup
from jailsim.base.errors import ScenarioError
from jailsim.base.terminal import printable
from jailsim.scenario import notes
from jailsim.scenario.blocks import (
    Arrivals,
    Biometric,
    Bond,
    Charge,
    Court,
    Frozen,
    Hold,
    Honor,
    Ice,
    Jail,
    Jem,
    Name,
    Wso,
)
from jailsim.scenario.changes import Change, IceCapacity, date_problems, period_data, timeline
from jailsim.scenario.costs import Costs
from jailsim.scenario.messages import format_validation_error
from jailsim.scenario.paths import set_dotted
from jailsim.scenario.uncertainty import Uncertainty, check_uncertainty
from jailsim.scenario.units import Duration
from jailsim.scenario.warm_start import ROSTER_SOURCE_KEYS, WarmStart, resolve

__all__ = ["Scenario", "from_data"]

#: Where a validated scenario keeps its periods (see :meth:`Scenario.periods`).
_PERIODS = "_periods"
_TIMELINE = "_timeline"
#: Fields a run fixes that no policy period depends on.
_RUN_SETTINGS = {"seed", "replications", "jailsim_version", "streams_version"}
#: The dates a run may span, ``start_date`` to the end of the horizon. The calendars list
#: holidays from 10 years before the start (a roster's history) to 10 years after the end (the
#: releases of people still held), as timestamps, which stop at 2262-04-11.
EARLIEST_START = dt.date(1900, 1, 1)
LATEST_END = dt.date(2250, 12, 31)
#: Most a trend may raise a stream's booking rate over a run: at the end of the horizon, or
#: (a falling trend, read backwards) at the start of a steady-state warm start's history;
#: beyond it one replication's bookings outgrow any machine (10 a year over 15 years: 4e15).
MAX_GROWTH = 1000.0


class Scenario(Frozen):
    """Everything one run needs. Build it with :func:`jailsim.load`; change it with ``with_``.

    Examples
    --------
    >>> import jailsim
    >>> sc = jailsim.load("jailsim:jem.yaml")
    >>> sc.program, sc.uses_jem, sc.uses_wso
    ('jem', True, False)
    >>> more = sc.with_({"jem.officers": 4, "hold.cap": "72h"})
    >>> more.jem.officers, more.hold.cap, sc.jem.officers
    (4, 3.0, 2)
    """

    name: Name = Field(min_length=1, max_length=200)
    """Name shown in tables, figures and reports."""
    description: str = ""
    """Free text: what this scenario is. Never inherited through ``extends:``: a file without
    its own gets one derived from its name and program."""
    program: Literal["none", "jem", "wso", "jem+wso"]
    """287(g) models the jail runs."""
    start_date: dt.date
    """Calendar date of day 0, YYYY-MM-DD (00:00)."""
    horizon: Duration
    """Simulated time from day 0."""
    warmup: Duration
    """Time at the start left out of the metrics."""
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, strict=True)
    """Seed of the random streams; none: given at run time."""
    replications: int = Field(default=1, ge=1, le=100_000, strict=True)
    """Independent runs of the scenario."""
    jailsim_version: str | None = None
    """jailsim version that wrote a resolved scenario (informative)."""
    streams_version: int | None = Field(default=None, ge=1, strict=True)
    """Layout of the random draws of the jailsim that wrote a resolved scenario: the same seed
    gives the same numbers only within a streams version (a note says when it differs)."""
    jail: Jail
    """Beds."""
    arrivals: Arrivals
    """Booking streams."""
    charges: dict[Name, Charge]
    """Charge classes by name, each with its court path."""
    court: Court
    """Court calendar."""
    bond: Bond
    """Effect of a detainer on pretrial release."""
    biometric: Biometric
    """Fingerprint check at booking."""
    honor: Honor
    """Detainer policy of the jail."""
    hold: Hold
    """Cap on holds for ICE."""
    ice: Ice
    """ICE pickups."""
    jem: Jem | None = None
    """JEM screening; used when ``program`` names jem."""
    wso: Wso | None = None
    """WSO warrant service; used when ``program`` names wso."""
    warm_start: WarmStart = WarmStart()
    costs: Costs | None = None
    """Money, for ``jailsim budget``; does not change the simulation."""
    changes: tuple[Change, ...] = ()
    """Dated policy changes within the horizon."""
    ice_capacity: IceCapacity | None = None
    """ICE's detention occupancy over time and how its pickups answer it: more dated
    changes (docs/ice.md); absent: none."""
    uncertainty: Uncertainty | None = None
    """How far inputs may be off: a dotted path (or a label, with ``of:``) to the
    distribution of its value; drawn once per replication with ``--parameter-uncertainty``,
    ignored otherwise (docs/calibration.md)."""

    @field_validator("description")
    @classmethod
    def _text(cls, v):
        if printable(v, keep="\n\t") != v:
            raise ValueError(f"got {v!r}; expected text without control characters (NUL, "
                             "escape \\x1b and the like; line breaks and tabs are allowed)")
        return v

    @field_validator("start_date")
    @classmethod
    def _start(cls, v):
        if not EARLIEST_START <= v <= LATEST_END:
            raise ValueError(f"got {v.isoformat()}; expected a date from "
                             f"{EARLIEST_START.isoformat()} to {LATEST_END.isoformat()}")
        return v

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v, info):
        if not 0 < v <= 100 * 365.25:
            raise ValueError("must be more than 0 and at most 100 years")
        start = info.data.get("start_date")
        if start is not None and start + dt.timedelta(days=math.ceil(v)) > LATEST_END:
            end = start + dt.timedelta(days=math.ceil(v))
            raise ValueError(
                f"got {v:g} days from start_date {start.isoformat()}, ending "
                f"{end.isoformat()}; a run must end by {LATEST_END.isoformat()}, the last date "
                "the calendars reach (give a shorter horizon or an earlier start_date)")
        return v

    @field_validator("warm_start")
    @classmethod
    def _roster(cls, v, info):
        start, charges = info.data.get("start_date"), info.data.get("charges")
        if v.kind != "roster" or start is None:
            return v
        names = tuple(charges) if charges is not None else None
        return resolve(v, start, names, (info.context or {}).get("base_dir"))

    @field_validator("changes")
    @classmethod
    def _dates(cls, v, info):
        start, horizon = info.data.get("start_date"), info.data.get("horizon")
        if start is None or horizon is None:
            return v
        problems = date_problems(v, start, horizon)
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("uncertainty")
    @classmethod
    def _uncertain(cls, v, info):
        return check_uncertainty(v, info.data)

    @model_validator(mode="after")
    def _consistent(self):
        problems = []
        if self.warmup >= self.horizon:
            problems.append("warmup must be shorter than horizon")
        if "jem" in self.program.split("+") and self.jem is None:
            problems.append(f"program {self.program!r} needs a 'jem' block")
        if "wso" in self.program.split("+") and self.wso is None:
            problems.append(f"program {self.program!r} needs a 'wso' block")
        streams = [("arrivals.bookings", self.arrivals.bookings)]
        if self.arrivals.task_force is not None:
            streams.append(("arrivals.task_force", self.arrivals.task_force))
        for where, stream in streams:
            unknown = sorted(set(stream.charge_mix) - set(self.charges))
            if unknown:
                problems.append(
                    f"{where}.charge_mix names {unknown}, not in charges "
                    f"(allowed: {sorted(self.charges)})"
                )
            problems += _growth(self, where, stream.profile.trend_per_year)
        unknown = sorted(set(self.ice.mandatory_offenses) - set(self.offense_names[1:]))
        if unknown:
            problems.append(
                f"ice.mandatory_offenses names {unknown}, no offense of any charge class "
                f"(charges.<name>.offenses; allowed: {list(self.offense_names[1:])})"
            )
        if self.ice_capacity is not None:
            try:
                dated = self.timeline
            except ValueError as exc:
                problems.append(f"ice_capacity: {exc}")
            else:
                problems += [f"ice_capacity: occupancy{p}" for p in date_problems(
                    self.ice_capacity.occupancy, self.start_date, self.horizon)]
                if not problems:
                    self.__dict__[_TIMELINE] = dated
        if not problems and self.timeline:
            # Each period is a whole scenario: check it, and keep it for periods().
            periods, problems = _periods(self)
            self.__dict__[_PERIODS] = periods
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ----------------------------------------------------------------------------------------
    @property
    def uses_jem(self) -> bool:
        """Whether designated officers screen bookings (JEM)."""
        return "jem" in self.program.split("+")

    @property
    def uses_wso(self) -> bool:
        """Whether designated officers serve ICE warrants at release (WSO)."""
        return "wso" in self.program.split("+")

    @property
    def charge_names(self) -> tuple[str, ...]:
        """Charge classes in a fixed order (the integer codes used in the Population)."""
        return tuple(self.charges)

    @property
    def offense_names(self) -> tuple[str, ...]:
        """Offense categories in a fixed order, ``other`` first (the codes of ``offense``)."""
        return ("other", *sorted({o for c in self.charges.values() for o in c.offenses}))

    @property
    def timeline(self) -> tuple[Change, ...]:
        """The dated changes in force: ``changes`` with those of ``ice_capacity``, by date."""
        found = self.__dict__.get(_TIMELINE)
        if found is None:
            found = self.__dict__[_TIMELINE] = timeline(self.changes, self.ice_capacity)
        return found

    def periods(self) -> tuple[Scenario, ...]:
        """The scenario in force in each policy period, period 0 first (``(self,)`` if none).

        Computed once, when the scenario is validated (:mod:`jailsim.scenario.changes`), and
        shared by everything that looks up the policy of a period. Only their policy is read:
        a copy with another seed (``model_copy``) keeps the periods computed before.
        """
        if not self.timeline:
            return (self,)
        found = self.__dict__.get(_PERIODS)
        if found is None:  # a copy made with model_copy(update=...): compute them anew
            found, _ = _periods(self)
            self.__dict__[_PERIODS] = found
        return found

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Scenario:
        """A copy (see pydantic); updating a field the policy depends on drops its periods.

        Its periods are then computed anew when asked; a copy with another seed, number of
        replications or version stamp (what a run fixes) keeps them.
        """
        out = super().model_copy(update=update, deep=deep)
        if update and not set(update) <= _RUN_SETTINGS:
            out.__dict__.pop(_PERIODS, None)
            out.__dict__.pop(_TIMELINE, None)
        return out

    def facts(self) -> dict[str, str]:
        """The scenario at a glance, as text: what a notebook shows of it and of its runs.

        Name, description, program, dates (day 0 to the horizon), warm-up, warm start, dated
        changes (if any), replications and seed; the whole scenario is :meth:`to_dict`.

        Examples
        --------
        >>> import jailsim
        >>> facts = jailsim.load("jailsim:jem.yaml").facts()
        >>> facts["program"], facts["dates"]
        ('jem', '2025-01-06 to 2027-01-06 12:00 (730.5 days)')
        """
        def when(days: float) -> str:
            t = dt.datetime.combine(self.start_date, dt.time()) + dt.timedelta(days=days)
            return t.strftime("%Y-%m-%d %H:%M" if t.time() != dt.time() else "%Y-%m-%d")

        facts = {"name": self.name, "description": self.description, "program": self.program,
                 "dates": f"{when(0)} to {when(self.horizon)} ({self.horizon:g} days)",
                 "warm-up": (f"{self.warmup:g} days (measured from {when(self.warmup)})"
                             if self.warmup else "none (measured from day 0)"),
                 "warm start": self.warm_start.kind}
        if self.timeline:
            facts["dated changes"] = ", ".join(c.start.isoformat() for c in self.timeline)
        facts["replications"] = f"{self.replications:,}"
        facts["seed"] = "given at run time" if self.seed is None else str(self.seed)
        return facts

    def __repr_args__(self):
        """What ``repr`` shows: name, program, dates, replications, seed (not every field)."""
        yield "name", self.name
        yield "program", self.program
        yield "start_date", self.start_date.isoformat()
        yield "horizon_days", self.horizon
        yield "warmup_days", self.warmup
        yield "replications", self.replications
        yield "seed", self.seed

    def _repr_html_(self) -> str:
        """A notebook's view: :meth:`facts` as a table (escaped, a few hundred characters)."""
        return markup.panel(f"jailsim Scenario: {self.name}", markup.facts_table(self.facts()),
                            notes=["every input: Scenario.to_dict()"])

    def to_dict(self) -> dict[str, Any]:
        """Plain data with units written back as text; loads again to the same Scenario."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def with_(self, changes: dict[str, Any] | None = None, /, **dotted: Any) -> Scenario:
        """Return a copy with fields changed by dotted path, validated again.

        ``sc.with_({"jem.officers": 4, "bond.detainer_factor": 0.5})`` or
        ``sc.with_(program="wso")``.
        """
        data = self.to_dict()
        changes = {**(changes or {}), **dotted}
        for path, value in changes.items():
            set_dotted(data, path, copy.deepcopy(value))  # a later path must not edit the caller's
        if "warm_start.people" not in changes and any(
            f"warm_start.{k}" in changes for k in ROSTER_SOURCE_KEYS
        ):
            data["warm_start"].pop("people", None)  # read the new roster
        changed = from_data(data, "<with_>", warn=False)
        before = set(notes.notes(self))  # said when this scenario was loaded
        notes.warn([line for line in notes.notes(changed) if line not in before], "<with_>")
        return changed


def from_data(data: dict, source: str, base_dir: Path | None = None, *,
              warn: bool = True) -> Scenario:
    """Validate plain data (no ``extends:``) into a Scenario; problems as a ScenarioError.

    ``base_dir``: the folder relative paths in the data (a roster file) are read from.
    ``warn``: give the :func:`~jailsim.scenario.notes.notes` of the scenario (inputs that run
    but may not mean what was meant) as warnings naming ``source``.
    """
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": base_dir or Path(".")})
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, Scenario)) from None
    if warn:
        notes.warn(notes.notes(scenario), source)
    return scenario


def _growth(scenario: Scenario, where: str, trend: float) -> list[str]:
    """The problem with a trend that changes a booking rate more than :data:`MAX_GROWTH`-fold."""
    after = scenario.horizon / 365.25
    before = (scenario.warm_start.history / 365.25
              if scenario.warm_start.kind == "steady_state" else 0.0)
    for years, when in ((after, "at the end of the horizon"),
                        (-before, "at the start of the warm-start history")):
        factor = (1.0 + trend) ** years
        if factor > MAX_GROWTH:  # (a rate that falls to almost nothing costs nothing)
            return [f"{where}.profile.trend_per_year of {trend:g} a year makes the booking rate "
                    f"{factor:.3g} times day 0's {when}, more than the {MAX_GROWTH:,.0f}-fold "
                    "a trend may raise it over a run (give a smaller trend, or a shorter "
                    "horizon or history)"]
    return []


def _periods(scenario: Scenario) -> tuple[tuple[Scenario, ...], list[str]]:
    """The scenario of each period, and the problems of those that do not validate."""
    dated = scenario.timeline
    datas = period_data(scenario.to_dict(), dated)
    periods, problems = [scenario.model_copy(update={"changes": (), "ice_capacity": None})], []
    for k, data in enumerate(datas[1:]):
        where = f"changes[{k}] (from {dated[k].start.isoformat()})"
        try:
            periods.append(from_data(data, where, warn=False))  # notes: said of the whole
        except ScenarioError as exc:
            # one line each: the schema splits a scenario-level message at "; "
            problems.extend(
                line.replace(": (top level):", ":").replace("; ", ", ") for line in exc.lines
            )
    return tuple(periods), problems
