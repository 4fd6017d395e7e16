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

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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
    start: str = "00:00"
    end: str = "24:00"
    officers: Count | None = None

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
    shifts: tuple[Shift, ...] = ()


class Profile(Frozen):
    """Relative booking intensity over the week (weights are normalised to mean 1)."""

    hour_of_day: tuple[Weight, ...] = Field(default=(1.0,) * 24, min_length=24, max_length=24)
    day_of_week: tuple[Weight, ...] = Field(default=(1.0,) * 7, min_length=7, max_length=7)
    hour_of_week: tuple[Weight, ...] | None = Field(default=None, min_length=168, max_length=168)
    trend_per_year: float = Field(default=0.0, ge=-0.99, le=10.0, allow_inf_nan=False)

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
    profile: Profile = Profile()
    charge_mix: dict[str, Probability]
    foreign_born: Probability
    citizen_given_foreign_born: Probability
    removable_given_noncitizen: Probability
    dhs_record_given_noncitizen: Probability

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
    task_force: Stream | None = None


class Pretrial(Frozen):
    """Decision at initial appearance; whoever is not released waits for disposition."""

    ror: Probability
    bail: Probability
    post: Probability
    post_delay: Distribution

    @model_validator(mode="after")
    def _shares(self):
        if self.ror + self.bail > 1 + 1e-9:
            raise ValueError(f"ror + bail = {self.ror + self.bail:.6g}; must be at most 1")
        return self


class Disposition(Frozen):
    """How a detained person's case ends: time served, more jail time, or prison."""

    time_to_disposition: Distribution
    time_served: Probability
    jail: Probability
    prison: Probability
    jail_days: Distribution
    prison_transfer_delay: Distribution

    @model_validator(mode="after")
    def _shares(self):
        total = self.time_served + self.jail + self.prison
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"time_served + jail + prison = {total:.6g}; must be 1")
        return self


class Charge(Frozen):
    """A charge class (e.g. felony, misdemeanor) with its court path."""

    felony: bool
    pretrial: Pretrial
    disposition: Disposition


class Court(Frozen):
    """Court calendar for initial appearances and release processing."""

    weekmask: str = "Mon Tue Wed Thu Fri"
    holidays: Literal["us_federal", "none"] = "us_federal"
    sessions: tuple[str, ...] = Field(min_length=1, max_length=48)
    min_time_to_appearance: Duration
    release_processing: Distribution

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
    detainer_ror_factor: Probability


class Biometric(Frozen):
    """Fingerprints checked against DHS records at booking (every configuration).

    A hit on a removable person, or a false hit on a naturalized U.S. citizen (an old record
    that does not show the naturalization), makes ICE lodge a detainer with ``p_lodge``; ICE
    cannot tell the two apart. ``missed_record`` is the chance the check misses a record.
    """

    p_lodge: Probability
    delay: Distribution
    missed_record: Probability = 0.0
    citizen_record_hit: Probability = 0.0


class Jem(Staffing):
    """Jail Enforcement Model: officers interview foreign-born bookings, lodge detainers."""

    queue_delay: Duration
    screening_time: Distribution
    p_lodge: Probability
    nta_time: Distribution
    p_lodge_citizen: Probability = 0.0  # a screened naturalized citizen taken for removable


class Wso(Staffing):
    """Warrant Service Officers: serve ICE warrants at release, then hold for ICE."""

    service_time: Distribution
    custody_cap: Duration


class Honor(Frozen):
    """Which detainers the jail holds people on."""

    policy: Literal["all", "none", "felony_only"]
    refusal_probability: Probability = 0.0


class Hold(Frozen):
    """The cap on a detainer hold past the time a person would otherwise be released."""

    rule: Literal["calendar_48h", "business_48h"]
    cap: Duration = 2.0


class Transport(Frozen):
    """ICE transport runs: ``continuous`` (pickup when ready) or set times on set days."""

    times: tuple[str, ...] | Literal["continuous"] = "continuous"
    days: str = "daily"
    seats: Count | None = None

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
    pickup_delay: Distribution
    transport: Transport = Transport()


class WarmStart(Frozen):
    """How the jail is populated at day 0.

    ``none``: empty (use ``warmup`` to let it fill). ``steady_state``: the jail as it would be
    after running for ``history`` with the same inputs: bookings of that period are simulated
    and those still in custody at day 0 are kept. For the infinite-server parts of the model
    this is the equilibrium exactly (a Poisson number of people with equilibrium residual
    stays), and it also fills the officer queues.
    """

    kind: Literal["none", "steady_state"] = "none"
    history: Duration = 2 * 365.25

    @field_validator("history")
    @classmethod
    def _history(cls, v):
        if not 1 <= v <= 10 * 365.25:
            raise ValueError("must be from 1 day to 10 years")
        return v


class Change(Frozen):
    """A dated change of policy: ``{from: 2026-03-01, set: {program: jem, jem.officers: 3}}``.

    From 00:00 of ``from`` the dotted paths in ``set`` take the values given, until a later
    change; only the parameters of :data:`jailsim.policy.ALLOWED_PATHS` may change (those the
    engines can apply at the time of the decision they govern).
    """

    start: dt.date = Field(alias="from")
    values: dict[str, Any] = Field(alias="set", min_length=1)

    @field_validator("values")
    @classmethod
    def _allowed(cls, v):
        from jailsim.policy import path_problems

        problems = path_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v


class Jail(Frozen):
    """Beds: census above rated capacity is boarded out (no one is refused)."""

    rated_capacity: Count


class Scenario(Frozen):
    """Everything one run needs. Build it with :func:`jailsim.load`; change it with ``with_``."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    program: Literal["none", "jem", "wso", "jem+wso"]
    start_date: dt.date
    horizon: Duration
    warmup: Duration
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, strict=True)
    replications: int = Field(default=1, ge=1, le=100_000, strict=True)
    jailsim_version: str | None = None
    jail: Jail
    arrivals: Arrivals
    charges: dict[str, Charge]
    court: Court
    bond: Bond
    biometric: Biometric
    honor: Honor
    hold: Hold
    ice: Ice
    jem: Jem | None = None
    wso: Wso | None = None
    warm_start: WarmStart = WarmStart()
    costs: Costs | None = None
    changes: tuple[Change, ...] = ()

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v):
        if not 0 < v <= 100 * 365.25:
            raise ValueError("must be more than 0 and at most 100 years")
        return v

    @field_validator("changes")
    @classmethod
    def _dates(cls, v, info):
        start, horizon = info.data.get("start_date"), info.data.get("horizon")
        if start is None or horizon is None:
            return v
        from jailsim.policy import date_problems

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
            from jailsim.policy import period_problems

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
        for path, value in {**(changes or {}), **dotted}.items():
            set_dotted(data, path, value)
        return validate(data, source="<with_>")
