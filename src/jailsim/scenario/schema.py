"""The scenario: every input of a run, validated once into a frozen object.

The schema mirrors the jail model of DESIGN.md, block by block: where bookings come from
(``arrivals``), who they are (stream attributes), what happens in court (``court``, ``charges``,
``bond``), how immigration status is checked (``biometric``, ``jem``), what happens at release
(``honor``, ``hold``, ``wso``, ``ice``) and where people sleep (``jail``). Durations and rates
carry units in the text (see :mod:`jailsim.scenario.units`); probabilities are plain numbers in
[0, 1]. The numbers themselves live in ``scenarios/base_county.yaml``, each with its source;
the schema holds only structural defaults (switches that are off unless asked for).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

from jailsim.scenario.costs import Costs
from jailsim.scenario.distributions import Distribution
from jailsim.scenario.units import Duration, Rate


def _not_bool(value):
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected a number")
    return value


Probability = Annotated[
    float, BeforeValidator(_not_bool), Field(ge=0.0, le=1.0, allow_inf_nan=False)
]
Weight = Annotated[float, BeforeValidator(_not_bool), Field(ge=0.0, le=1e6, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=100_000, strict=True)]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME_RE = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
PROGRAMS = ("none", "jem", "wso", "jem+wso")


class Frozen(BaseModel):
    """Base of every scenario block: unknown keys are errors, values never change."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )


def parse_time_of_day(text: str) -> float:
    """``"09:30"`` -> 0.3958 (fraction of a day). ``"24:00"`` is allowed as end of day."""
    m = _TIME_RE.match(str(text).strip())
    if not m or (int(m.group(1)) == 24 and m.group(2) != "00"):
        raise ValueError(f"got {text!r}; expected a time of day 'HH:MM' from 00:00 to 24:00")
    return (int(m.group(1)) * 60 + int(m.group(2))) / 1440


def parse_days(text: str) -> tuple[int, ...]:
    """``"Mon-Fri"``, ``"Sat,Sun"``, ``"daily"`` -> weekday numbers (Mon=0)."""
    text = str(text).strip()
    if text.lower() in ("daily", "all", "every day"):
        return tuple(range(7))
    out: list[int] = []
    for part in re.split(r"[,\s]+", text):
        if not part:
            continue
        ends = part.split("-")
        try:
            idx = [DAY_NAMES.index(e.strip()[:3].title()) for e in ends]
        except ValueError:
            raise ValueError(
                f"got {text!r}; expected day names like 'Mon-Fri', 'Sat,Sun' or 'daily'"
            ) from None
        if len(idx) == 1:
            out.append(idx[0])
        elif len(idx) == 2:
            a, b = idx
            out.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            raise ValueError(f"got {text!r}; a day range is 'Mon-Fri'")
    if not out:
        raise ValueError(f"got {text!r}; expected at least one day")
    return tuple(sorted(set(out)))


class Shift(Frozen):
    """A weekly staffed window: ``{days: Mon-Fri, start: "08:00", end: "16:00"}``.

    ``end`` before ``start`` runs past midnight. ``officers`` overrides the block's count.
    """

    days: str = "daily"
    """Weekdays of the shift: 'Mon-Fri', 'Sat,Sun' or 'daily'."""
    start: str = "00:00"
    """Start time of day, 'HH:MM' (24-hour clock)."""
    end: str = "24:00"
    """End time of day, 'HH:MM'; before ``start`` runs past midnight."""
    officers: Count | None = None
    """Officers on duty in this shift; none: the block's ``officers``."""

    @field_validator("days")
    @classmethod
    def _days(cls, v):
        parse_days(v)
        return v

    @field_validator("start", "end")
    @classmethod
    def _time(cls, v):
        parse_time_of_day(v)
        return v


class Staffing(Frozen):
    """Designated officers on a weekly timetable; no shifts means around the clock."""

    officers: Count
    """Designated officers on duty at once (unless a shift says otherwise)."""
    shifts: tuple[Shift, ...] = ()
    """Weekly timetable of shifts; empty: on duty around the clock."""


class Profile(Frozen):
    """Relative booking intensity over the week (weights are normalised to mean 1)."""

    hour_of_day: tuple[Weight, ...] = Field(default=(1.0,) * 24, min_length=24, max_length=24)
    """24 relative weights of bookings by hour, 00 to 23 (normalised to mean 1)."""
    day_of_week: tuple[Weight, ...] = Field(default=(1.0,) * 7, min_length=7, max_length=7)
    """7 relative weights of bookings by weekday, Mon to Sun (normalised to mean 1)."""
    hour_of_week: tuple[Weight, ...] | None = Field(default=None, min_length=168, max_length=168)
    """168 weights by hour of the week from Mon 00:00; replaces hour_of_day x day_of_week."""
    trend_per_year: float = Field(default=0.0, ge=-0.99, le=10.0, allow_inf_nan=False)
    """Growth of the booking rate per year, as a fraction (0.02 = +2% a year)."""

    @model_validator(mode="after")
    def _not_all_zero(self):
        if self.hour_of_week is not None and sum(self.hour_of_week) <= 0:
            raise ValueError("hour_of_week weights are all zero")
        if self.hour_of_week is None and (sum(self.hour_of_day) <= 0 or sum(self.day_of_week) <= 0):
            raise ValueError("hour_of_day and day_of_week need at least one positive weight")
        return self


class Stream(Frozen):
    """One source of bookings and who the people booked from it are."""

    rate: Rate
    """Mean bookings per day over the week (before the trend)."""
    profile: Profile = Profile()
    """Shape of bookings over the week and trend."""
    charge_mix: dict[str, Probability]
    """Share of bookings in each charge class (names from ``charges``; sum 1)."""
    foreign_born: Probability
    """P(a booked person is foreign-born)."""
    citizen_given_foreign_born: Probability
    """P(naturalized U.S. citizen | foreign-born)."""
    removable_given_noncitizen: Probability
    """P(removable | noncitizen): could be the subject of a detainer."""
    dhs_record_given_noncitizen: Probability
    """P(fingerprints on file with DHS | noncitizen)."""

    @field_validator("charge_mix")
    @classmethod
    def _sums_to_one(cls, v):
        if not v:
            raise ValueError("needs at least one charge")
        if abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"shares sum to {sum(v.values()):.6g}; they must sum to 1")
        return v


class Arrivals(Frozen):
    """Bookings from local policing, and optionally Task Force field arrests."""

    bookings: Stream
    """Bookings from local policing."""
    task_force: Stream | None = None
    """Task Force field arrests, a second stream; absent: none."""


class Pretrial(Frozen):
    """Decision at initial appearance; whoever is not released waits for disposition."""

    ror: Probability
    """P(released on recognizance at the initial appearance)."""
    bail: Probability
    """P(bail set at the initial appearance); the rest are held without bail."""
    post: Probability
    """P(bail posted | bail set)."""
    post_delay: Distribution
    """Time from the bail decision to posting bail."""

    @model_validator(mode="after")
    def _shares(self):
        if self.ror + self.bail > 1 + 1e-9:
            raise ValueError(f"ror + bail = {self.ror + self.bail:.6g}; must be at most 1")
        return self


class Disposition(Frozen):
    """How a detained person's case ends: time served, more jail time, or prison."""

    time_to_disposition: Distribution
    """Time from booking to disposition of a detained person."""
    time_served: Probability
    """P(released at disposition: dismissal, time served)."""
    jail: Probability
    """P(jail sentence at disposition: more days in this jail)."""
    prison: Probability
    """P(prison sentence at disposition: transfer to prison)."""
    jail_days: Distribution
    """Jail time still to serve after a jail sentence."""
    prison_transfer_delay: Distribution
    """Time from a prison sentence to the transfer."""

    @model_validator(mode="after")
    def _shares(self):
        total = self.time_served + self.jail + self.prison
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"time_served + jail + prison = {total:.6g}; must be 1")
        return self


class Charge(Frozen):
    """A charge class (e.g. felony, misdemeanor) with its court path."""

    felony: bool
    """Whether the charge class is a felony (for ``honor.policy: felony_only``)."""
    pretrial: Pretrial
    """Decision at initial appearance."""
    disposition: Disposition
    """How the case of a detained person ends."""


class Court(Frozen):
    """Court calendar for initial appearances and release processing."""

    weekmask: str = "Mon Tue Wed Thu Fri"
    """Days the court sits: 'Mon-Fri', 'daily', ..."""
    holidays: Literal["us_federal", "none"] = "us_federal"
    """Days the court is closed besides the weekmask."""
    sessions: tuple[str, ...] = Field(min_length=1, max_length=48)
    """Start times of the initial-appearance sessions, 'HH:MM'."""
    min_time_to_appearance: Duration
    """Least time from booking to an initial appearance (paperwork)."""
    release_processing: Distribution
    """Time from a release decision to leaving the jail."""

    @field_validator("weekmask")
    @classmethod
    def _weekmask(cls, v):
        parse_days(v)
        return v

    @field_validator("sessions")
    @classmethod
    def _sessions(cls, v):
        times = [parse_time_of_day(t) for t in v]
        if any(t >= 1.0 for t in times):
            raise ValueError("a session must start before 24:00")
        return v


class Bond(Frozen):
    """How a detainer changes pretrial release (the main source of longer stays).

    A detainer lodged by the initial appearance multiplies the chance of release on
    recognizance by ``detainer_ror_factor`` (bail is set instead); a detainer lodged before
    the person would post bail multiplies the chance of posting by ``detainer_factor``.
    """

    detainer_factor: Probability
    """Multiplies P(bail posted) when a detainer is lodged before posting."""
    detainer_ror_factor: Probability
    """Multiplies P(release on recognizance) when a detainer is lodged by then."""


class Biometric(Frozen):
    """Fingerprints checked against DHS records at booking (every configuration).

    A hit on a removable person, or a false hit on a naturalized U.S. citizen (an old record
    that does not show the naturalization), makes ICE lodge a detainer with ``p_lodge``; ICE
    cannot tell the two apart. ``missed_record`` is the chance the check misses a record.
    """

    p_lodge: Probability
    """P(ICE lodges a detainer | fingerprint hit)."""
    delay: Distribution
    """Time from booking to a remote detainer."""
    missed_record: Probability = 0.0
    """P(the check misses an existing DHS record)."""
    citizen_record_hit: Probability = 0.0
    """P(false hit on a naturalized citizen: an old record without the naturalization)."""


class Jem(Staffing):
    """Jail Enforcement Model: officers interview foreign-born bookings, lodge detainers."""

    queue_delay: Duration
    """Time from booking to ready for a JEM interview."""
    screening_time: Distribution
    """Officer time of one interview with database checks."""
    p_lodge: Probability
    """P(detainer | screened person is removable)."""
    nta_time: Distribution
    """Officer time to prepare a Notice to Appear after a detainer."""
    p_lodge_citizen: Probability = 0.0
    """P(detainer | screened naturalized citizen): a citizen taken for removable."""


class Wso(Staffing):
    """Warrant Service Officers: serve ICE warrants at release, then hold for ICE."""

    service_time: Distribution
    """Officer time to serve an ICE warrant at release."""
    custody_cap: Duration
    """Longest hold for ICE after the warrant is served."""


class Honor(Frozen):
    """Which detainers the jail holds people on."""

    policy: Literal["all", "none", "felony_only"]
    """Which detainers the jail holds people on."""
    refusal_probability: Probability = 0.0
    """P(the jail declines a detainer it would honor)."""


class Hold(Frozen):
    """The cap on a detainer hold past the time a person would otherwise be released."""

    rule: Literal["calendar_48h", "business_48h"]
    """Clock of the cap: calendar hours, or hours without weekends and holidays."""
    cap: Duration = 2.0
    """Longest hold past the time the person would otherwise be released."""


class Transport(Frozen):
    """ICE transport runs: ``continuous`` (pickup when ready) or set times on set days."""

    times: tuple[str, ...] | Literal["continuous"] = "continuous"
    """ICE pickup times of day, 'HH:MM', or 'continuous' (when ready)."""
    days: str = "daily"
    """Days with transport runs: 'Mon-Fri', 'daily', ..."""
    seats: Count | None = None
    """Seats per transport run; none: no limit."""

    @field_validator("times")
    @classmethod
    def _times(cls, v):
        if v != "continuous":
            if not v:
                raise ValueError("give at least one time, or 'continuous'")
            for t in v:
                if parse_time_of_day(t) >= 1.0:
                    raise ValueError("a transport time must be before 24:00")
        return v

    @field_validator("days")
    @classmethod
    def _days(cls, v):
        parse_days(v)
        return v


class Ice(Frozen):
    """Whether and when ICE takes custody of a person held for it."""

    p_pickup: Probability
    """P(ICE takes custody | person held on a detainer)."""
    pickup_delay: Distribution
    """Time from the start of a hold to ICE ready to pick up."""
    transport: Transport = Transport()
    """When ICE transport runs."""


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
    with a stay sampled given the time already served (:mod:`jailsim.engines.roster`); the file is read
    into ``people``, which the resolved scenario keeps (and then does not read the file again).
    """

    kind: Literal["none", "steady_state", "roster"] = "none"
    """Who is in the jail at day 0: nobody, the steady state, or a roster."""
    history: Duration = 2 * 365.25
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


class Change(Frozen):
    """A dated change of policy: ``{from: 2026-03-01, set: {program: jem, jem.officers: 3}}``.

    From 00:00 of ``from`` the dotted paths in ``set`` take the values given, until a later
    change; only the parameters of :data:`jailsim.model.policy.ALLOWED_PATHS` may change (those the
    engines can apply at the time of the decision they govern).
    """

    start: dt.date = Field(alias="from")
    """First day of the change, YYYY-MM-DD (from 00:00)."""
    values: dict[str, Any] = Field(alias="set", min_length=1)
    """Dotted path -> new value, as in a scenario file."""

    @field_validator("values")
    @classmethod
    def _allowed(cls, v):
        from jailsim.model.policy import path_problems

        problems = path_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v


class Jail(Frozen):
    """Beds: census above rated capacity is boarded out (no one is refused)."""

    rated_capacity: Count
    """Rated beds; census above it is boarded out."""


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

    name: str = Field(min_length=1, max_length=200)
    """Name shown in tables, figures and reports."""
    description: str = ""
    """Free text."""
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
    jail: Jail
    """Beds."""
    arrivals: Arrivals
    """Booking streams."""
    charges: dict[str, Charge]
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

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v):
        if not 0 < v <= 100 * 365.25:
            raise ValueError("must be more than 0 and at most 100 years")
        return v

    @field_validator("warm_start")
    @classmethod
    def _roster(cls, v, info):
        start, charges = info.data.get("start_date"), info.data.get("charges")
        if v.kind != "roster" or start is None:
            return v
        from jailsim.engines.roster import resolve

        names = tuple(charges) if charges is not None else None
        return resolve(v, start, names, (info.context or {}).get("base_dir"))

    @field_validator("changes")
    @classmethod
    def _dates(cls, v, info):
        start, horizon = info.data.get("start_date"), info.data.get("horizon")
        if start is None or horizon is None:
            return v
        from jailsim.model.policy import date_problems

        problems = date_problems(v, start, horizon)
        if problems:
            raise ValueError("; ".join(problems))
        return v

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
        if not problems and self.changes:
            from jailsim.model.policy import period_problems

            problems = period_problems(self)  # each period is a whole scenario: check it
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

    def to_dict(self) -> dict[str, Any]:
        """Plain data with units written back as text; loads again to the same Scenario."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def with_(self, changes: dict[str, Any] | None = None, /, **dotted: Any) -> Scenario:
        """Return a copy with fields changed by dotted path, validated again.

        ``sc.with_({"jem.officers": 4, "bond.detainer_factor": 0.5})`` or
        ``sc.with_(program="wso")``.
        """
        from jailsim.scenario.loading import set_dotted, validate

        data = self.to_dict()
        changes = {**(changes or {}), **dotted}
        for path, value in changes.items():
            set_dotted(data, path, value)
        if "warm_start.people" not in changes and any(
            f"warm_start.{k}" in changes for k in ROSTER_SOURCE_KEYS
        ):
            data["warm_start"].pop("people", None)  # read the new roster
        return validate(data, source="<with_>")
