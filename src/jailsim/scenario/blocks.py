"""The blocks of a scenario: one frozen, validated class per part of the jail model.

Each block mirrors a part of the model of DESIGN.md: where bookings come from (``Stream``),
what happens in court (``Charge``, ``Court``, ``Bond``), how immigration status is checked
(``Biometric``, ``Jem``), what happens at release (``Honor``, ``Hold``, ``Wso``, ``Ice``) and
where people sleep (``Jail``). :class:`~jailsim.scenario.schema.Scenario` puts them together.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from jailsim.base.terminal import printable
from jailsim.scenario.distributions import Distribution
from jailsim.scenario.units import (
    DAY_NAMES,
    Days,
    Duration,
    Rate,
    parse_days,
    parse_time_of_day,
)


def _not_bool(value):
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected a number")
    return value


Probability = Annotated[
    float, BeforeValidator(_not_bool), Field(ge=0.0, le=1.0, allow_inf_nan=False)
]
Weight = Annotated[float, BeforeValidator(_not_bool), Field(ge=0.0, le=1e6, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=100_000, strict=True)]


def _one_line(value: str) -> str:
    if printable(value) != value:
        raise ValueError(f"got {value!r}; expected one line of printable text, without control "
                         "characters (newline, tab, NUL, escape \\x1b and the like)")
    return value


#: A name shown in tables and reports (a scenario's, a charge class's): one line of text.
Name = Annotated[str, AfterValidator(_one_line)]


class Frozen(BaseModel):
    """Base of every scenario block: unknown keys are errors, values never change."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )


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

    def span(self) -> tuple[int, int]:
        """Start and end in minutes from 00:00 of each of its days, the end after the start.

        An ``end`` at or before ``start`` is the next day's (``"22:00"`` to ``"06:00"`` is
        8 hours, ``"08:00"`` to ``"08:00"`` 24 hours).
        """
        start, end = (round(parse_time_of_day(t) * 1440) for t in (self.start, self.end))
        return start, end + 1440 if end <= start else end


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
    civil_only_given_noncitizen: Probability = 0.0
    """P(arrested for immigration alone, no state charge | noncitizen): booked for ICE, no
    court case (Task Force arrests)."""
    prior_conviction_given_noncitizen: Probability = 0.0
    """P(a prior conviction that lets a conviction-based regime cooperate | noncitizen)
    (``honor.policy: convicted_only``)."""

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
    detainer_factor: Probability | None = None
    """Multiplies P(bail posted) for this charge when a detainer is lodged before posting;
    none: ``bond.detainer_factor``."""
    detainer_ror_factor: Probability | None = None
    """Multiplies P(released on recognizance) for this charge when a detainer is lodged by
    the appearance; none: ``bond.detainer_ror_factor``."""

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
    offenses: dict[str, Probability] = {}
    """Share of the class's bookings whose top charge is each named offense (``theft``,
    ``burglary``...); the rest are other offenses. For ``ice.mandatory_offenses``."""

    @field_validator("offenses")
    @classmethod
    def _offenses(cls, v):
        bad = [k for k in v if not k.isidentifier() or k == "other"]
        if bad:
            raise ValueError(f"offense names {bad} must be plain words (a-z, _), not 'other'")
        if sum(v.values()) > 1 + 1e-9:
            raise ValueError(f"shares sum to {sum(v.values()):.6g}; they must be at most 1")
        return v


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
    the person would post bail multiplies the chance of posting by ``detainer_factor``. A
    charge class may set its own (``charges.NAME.pretrial.detainer_factor``,
    ``detainer_ror_factor``): these are the defaults of the classes that do not.
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
    """Jail Enforcement Model: officers interview flagged bookings and lodge detainers.

    Every booking is asked where they were born (and the records checked); those flagged,
    mostly the foreign-born but a few U.S.-born by error, queue for an interview.

    A detainer needs a signed ICE warrant (I-200 or I-205), issued at or after the Notice to
    Appear, and takes effect when served: it is lodged ``nta_time`` plus ``detainer_delay``
    after the interview ends, not at its end.
    """

    queue_delay: Duration
    """Time from booking (or, with ``screens_at: sentence``, from disposition) to ready for a
    JEM interview."""
    screening_time: Distribution
    """Officer time of one interview with database checks."""
    p_lodge: Probability
    """P(detainer | screened person is removable)."""
    nta_time: Distribution
    """Officer time to prepare a Notice to Appear and the warrant after an interview that
    finds a person removable."""
    detainer_delay: Distribution = Field(default="0h", validate_default=True)
    """Time from the end of that paperwork to the detainer taking effect (review, service)."""
    p_lodge_citizen: Probability = 0.0
    """P(detainer | screened U.S. citizen, naturalized or U.S.-born): taken for removable."""
    p_flag_foreign_born: Probability = 1.0
    """P(a foreign-born booking is flagged for an interview by the question asked of all)."""
    p_flag_us_born: Probability = 0.0
    """P(a U.S.-born booking is flagged anyway: a wrong answer or record)."""
    screens_at: Literal["booking", "sentence"] = "booking"
    """When officers screen: ``booking`` (every flagged booking, ``queue_delay`` after it) or
    ``sentence`` (only people sentenced to jail, ``queue_delay`` after their case is disposed
    in custody: a detainer then comes too late to change bail, and the person is held for ICE
    at the end of the sentence)."""
    at_release: Literal["finish", "release"] = "finish"
    """A screening under way when the person is due for release: ``finish`` (the jail keeps
    them until the interview ends and, if it leads to a detainer the jail would honor, until
    the detainer takes effect, never past the hold cap dated from the release) or
    ``release`` (they leave: the interview is cut short, and a detainer whose paperwork is
    finished after they left is an at-large lead for ICE)."""


class Wso(Staffing):
    """Warrant Service Officers: serve ICE warrants at release, then hold for ICE."""

    service_time: Distribution
    """Officer time to serve an ICE warrant at release."""
    custody_cap: Duration
    """Longest hold for ICE after the warrant is served."""


class Honor(Frozen):
    """Which detainers the jail holds people on, or tells ICE about (docs/regimes.md).

    ``all``, ``felony_only`` (people charged with a felony) and ``none`` hold on detainers;
    ``judicial_warrant_only`` holds only on a detainer that comes with a judge's warrant;
    ``notify_only`` holds no one but tells ICE the release time (ICE takes custody at the
    door if it is there); ``convicted_only`` does that only for people charged with a felony
    or with a prior qualifying conviction (California SB 54).
    """

    policy: Literal["all", "none", "felony_only", "judicial_warrant_only", "notify_only",
                    "convicted_only"]
    """Which detainers the jail holds people on, or tells ICE about."""
    refusal_probability: Probability = 0.0
    """P(the jail declines a detainer it would honor) (``all``, ``felony_only``)."""
    judicial_warrant_share: Probability = 0.0
    """P(a detainer comes with a judicial warrant) (``judicial_warrant_only``)."""
    database_only_void: bool = False
    """Detainers lodged remotely on database checks alone are void: the jail holds no one
    on them and tells ICE nothing (Gonzalez v. ICE, C.D. Cal. 2020)."""


class Hold(Frozen):
    """The cap on a detainer hold past the time a person would otherwise be released."""

    rule: Literal["calendar_48h", "business_48h"]
    """Clock of the cap: calendar hours, or hours without weekends and holidays."""
    cap: Duration = Days(2.0)
    """Longest hold past the time the person would otherwise be released."""


class Transport(Frozen):
    """ICE transport runs: ``continuous`` (pickup when ready) or set times on set days."""

    times: tuple[str, ...] | Literal["continuous"] = "continuous"
    """ICE pickup times of day, 'HH:MM', or 'continuous' (when ready)."""
    days: str = "daily"
    """Days with transport runs: 'Mon-Fri', 'daily', ..."""
    holidays: Literal["none", "us_federal"] = "none"
    """'us_federal': no run on a US federal holiday (runs on business days, with
    ``days: Mon-Fri``); 'none': holidays are days like any other."""
    seats: Count | dict[str, Count] | None = None
    """Seats per transport run: one number, or by weekday (``{Mon-Thu: 4, Fri: 2}``: every
    day with runs named once); none: no limit."""

    @field_validator("seats")
    @classmethod
    def _seats(cls, v):
        if isinstance(v, dict):
            seen: set[int] = set()
            for spec in v:
                days = set(parse_days(spec))
                if days & seen:
                    raise ValueError(f"a weekday is given seats twice (in {spec!r})")
                seen |= days
        return v

    @model_validator(mode="after")
    def _seats_cover_days(self):
        if isinstance(self.seats, dict) and self.times != "continuous":
            covered = {d for spec in self.seats for d in parse_days(spec)}
            missing = sorted(set(parse_days(self.days)) - covered)
            if missing:
                names = ", ".join(DAY_NAMES[d] for d in missing)
                raise ValueError(f"seats: no number for {names}, a day with transport runs")
        return self

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


class Igsa(Frozen):
    """An intergovernmental service agreement: ICE keeps its detainee in this jail, paid per day.

    When ICE takes custody of a person held for it, with probability ``share`` it does so in
    place: the person stays in the jail as an ICE detainee for ``stay``, then leaves for ICE.
    """

    share: Probability
    """P(ICE keeps the person in this jail under the IGSA | ICE takes custody)."""
    stay: Distribution
    """Time held in this jail as an ICE detainee, from ICE taking custody."""


class Ice(Frozen):
    """Whether and when ICE takes custody of a person held for it, or cancels the detainer.

    At the start of a hold (when the person would otherwise be released) ICE comes with
    ``p_pickup`` after ``pickup_delay``, and cancels the detainer with ``p_cancel`` after
    ``cancel_delay``, whichever is first; if neither happens by the cap, the detainer lapses.
    """

    p_pickup: Probability
    """P(ICE comes for a person held on its detainer, unless it cancels or the cap passes)."""
    pickup_delay: Distribution
    """Time from the start of a hold to ICE ready to pick up."""
    p_cancel: Probability = 0.0
    """P(ICE cancels the detainer of a person held, unless it takes custody first)."""
    cancel_delay: Distribution = Field(default="1d", validate_default=True)
    """Time from the start of a hold to ICE cancelling (when it cancels)."""
    transport: Transport = Transport()
    """When ICE transport runs."""
    igsa: Igsa | None = None
    """ICE detainees kept in this jail under an IGSA; absent: none (ICE moves everyone)."""
    mandatory_offenses: tuple[str, ...] = ()
    """Offenses (``charges.<name>.offenses``) on which ICE must lodge a detainer on every
    removable noncitizen it identifies (the Laken Riley Act, 2025)."""


class Jail(Frozen):
    """Beds: census above rated capacity is boarded out (no one is refused)."""

    rated_capacity: Count
    """Rated beds; census above it is boarded out."""
