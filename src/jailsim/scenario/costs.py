"""The ``costs:`` block of a scenario: what a bed-day costs, what ICE pays, what the program costs.

Money is in US dollars and every money field says its unit in its name (``_usd``,
``_usd_per_day``, ``_usd_per_year``). A money value is a plain number, a price with the year its
dollars are in (``{usd: 93, dollar_year: 2017}``), or a list of dated values for a rate that
changes on a date (``[{to: 2025-09-30, usd: 84, dollar_year: 2020}, {from: 2025-10-01, usd:
100}]``; both ends inclusive, days outside every range count at $0). A price without its own
year is in the block's ``dollar_year``; with neither, in the dollars of ``report_in``, the year
the budget reports in (:mod:`jailsim.scenario.prices`). A designated-officer program can
start or end inside the horizon (``start:``/``end:``). The numbers themselves, each with its
source, are in ``scenarios/base_county.yaml``; the schema holds only structural defaults ($0,
off). :mod:`jailsim.money.costs` turns a run and this block into a budget.

This module must not import :mod:`jailsim.scenario.schema` (which imports it), so it has its
own small base class with the same configuration as the schema's ``Frozen``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    field_validator,
)

from jailsim.scenario.blocks import Frozen
from jailsim.scenario.prices import DollarYear, check_year, index_years
from jailsim.scenario.units import Duration

__all__ = [
    "Costs",
    "IcePayments",
    "OfficerProgram",
    "Period",
    "Programs",
    "Scaap",
    "Schedule",
    "input_rows",
    "input_paths",
    "schedule_by_day",
    "schedule_text",
]

#: Largest money amount accepted anywhere (a trillion dollars): above it is a typo.
MAX_USD = 1e12
#: Largest multiple of salary accepted for a share of salary (benefits, overtime, backfill).
MAX_SALARY_SHARE = 5.0


def _number(value: Any, what: str) -> float:
    """A finite, non-negative float from ``value``, or ValueError in plain words."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"got {_short(value)}; expected {what}")
    x = float(value) if abs(value) < 1e300 else math.inf
    if not math.isfinite(x):
        raise ValueError(f"got {_short(value)}; expected a finite number")
    if x < 0:
        raise ValueError(f"got {_short(value)}; cannot be negative")
    return x


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _usd(value: Any) -> float:
    x = _number(value, "an amount in US dollars")
    if x > MAX_USD:
        raise ValueError(f"got {_short(value)}; must be at most {MAX_USD:.0e} dollars")
    return x


def _share_of_salary(value: Any) -> float:
    x = _number(value, "a share of salary (0.3 = 30%)")
    if x > MAX_SALARY_SHARE:
        raise ValueError(f"got {_short(value)}; must be at most {MAX_SALARY_SHARE:g}")
    return x


def _share(value: Any) -> float:
    x = _number(value, "a share from 0 to 1")
    if x > 1:
        raise ValueError(f"got {_short(value)}; a share must be at most 1")
    return x


#: US dollars (or dollars per day or per year, as the field name says): finite, >= 0.
Usd = Annotated[float, BeforeValidator(_usd)]
#: A share from 0 to 1 (of a cost, of submitted costs, of officers).
Share = Annotated[float, BeforeValidator(_share)]
#: A multiple of salary (benefits, overtime, backfill premium): 0 to 5.
SalaryShare = Annotated[float, BeforeValidator(_share_of_salary)]
#: Work hours (training, refresher courses, a work year).
Hours = Annotated[float, BeforeValidator(lambda v: _number(v, "a number of work hours"))]


def _count(value: Any) -> int:
    whole = isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )
    if isinstance(value, bool) or not whole:
        raise ValueError(f"got {_short(value)}; expected a whole number of officers")
    if not 0 <= value <= 100_000:
        raise ValueError(f"got {_short(value)}; must be from 0 to 100000")
    return int(value)


Officers = Annotated[int, BeforeValidator(_count)]


# ---------------------------------------------------------------------------------------------
# Dated values


class Period(Frozen):
    """One dated value: ``usd`` from ``from`` to ``to`` (both inclusive; missing = open)."""

    from_: dt.date | None = Field(default=None, alias="from")
    """First day the value holds (inclusive); none: open."""
    to: dt.date | None = None
    """Last day the value holds (inclusive); none: open."""
    usd: Usd
    """The amount, in the unit of the field that holds it."""
    dollar_year: DollarYear | None = None
    """Year whose dollars ``usd`` is in; none: the block's ``dollar_year``."""

    def text(self) -> str:
        """``"84 from 2025-01-01 to 2025-09-30"``."""
        span = ""
        if self.from_ is not None:
            span += f" from {self.from_.isoformat()}"
        if self.to is not None:
            span += f" to {self.to.isoformat()}"
        return f"{self.usd:g}{span}"


def _schedule_in(value: Any) -> Any:
    """A number or a mapping is one value for every day; a list holds dated Periods."""
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected an amount in US dollars")
    if isinstance(value, int | float):
        return ({"usd": _usd(value)},)
    if isinstance(value, dict):  # {usd: 93, dollar_year: 2017}
        if value.get("dollar_year") is not None:
            try:
                check_year(value["dollar_year"])
            except ValueError as exc:
                raise ValueError(f"dollar_year {exc}") from None
        return (value,)
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError("empty list; give a number or at least one {from, to, usd}")
        return value
    raise ValueError(
        f"got {_short(value)}; expected an amount in US dollars, {{usd: 88, dollar_year: 2025}}"
        " or a list of dated values like [{from: 2025-07-01, usd: 88.0}]"
    )


def _schedule_checked(periods: tuple[Period, ...]) -> tuple[Period, ...]:
    """Every range runs forward and no two ranges share a day."""
    lo, hi = dt.date.min, dt.date.max
    for p in periods:
        if p.from_ is not None and p.to is not None and p.to < p.from_:
            raise ValueError(f"range {_span(p)} ends before it starts")
    ordered = sorted(periods, key=lambda p: p.from_ or lo)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if (a.to or hi) >= (b.from_ or lo):
            raise ValueError(
                f"date ranges {_span(a)} and {_span(b)} overlap; each day may have one value "
                "(ranges include both ends)"
            )
    return tuple(ordered)


def _span(p: Period) -> str:
    a = p.from_.isoformat() if p.from_ else "(open)"
    b = p.to.isoformat() if p.to else "(open)"
    return f"{a}..{b}"


def _schedule_out(periods: tuple[Period, ...]) -> Any:
    if len(periods) == 1 and periods[0].from_ is None and periods[0].to is None:
        one = periods[0]
        if one.dollar_year is None:
            return one.usd
        return {"usd": one.usd, "dollar_year": one.dollar_year}
    return [p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in periods]


#: Dollars that may change on dates: a number, ``{usd, dollar_year}``, or a list of
#: ``{from, to, usd, dollar_year}``.
Schedule = Annotated[
    tuple[Period, ...],
    BeforeValidator(_schedule_in),
    AfterValidator(_schedule_checked),
    PlainSerializer(_schedule_out),
]


def schedule_by_day(periods: tuple[Period, ...], dates: np.ndarray) -> np.ndarray:
    """The value in force on each of ``dates`` (datetime64[D]); 0 where no range covers it."""
    days = np.asarray(dates, dtype="datetime64[D]")
    out = np.zeros(len(days))
    for p in periods:
        inside = np.ones(len(days), dtype=bool)
        if p.from_ is not None:
            inside &= days >= np.datetime64(p.from_, "D")
        if p.to is not None:
            inside &= days <= np.datetime64(p.to, "D")
        out[inside] = p.usd
    return out


def schedule_text(periods: tuple[Period, ...]) -> str:
    """A schedule written for people: ``"93"`` or ``"84 to 2025-09-30; 100 from 2025-10-01"``."""
    return "; ".join(p.text() for p in periods)


# ---------------------------------------------------------------------------------------------
# Blocks


class IcePayments(Frozen):
    """What ICE pays the county: per hold day, per hold, and per IGSA day of its detainees."""

    per_hold_day_usd_per_day: Schedule = (Period(usd=0.0),)
    """ICE pays per day of a detainer hold."""
    per_hold_usd: Schedule = (Period(usd=0.0),)
    """ICE pays per hold, flat (a Basic Ordering Agreement)."""
    igsa_usd_per_day: Schedule = (Period(usd=0.0),)
    """ICE pays per day for its detainees kept in the jail under an IGSA (``ice.igsa``)."""


class Scaap(Frozen):
    """DOJ's State Criminal Alien Assistance Program: a partial, after-the-fact reimbursement.

    The county submits the correctional-officer salary part (``eligible_cost_share``) of the
    cost of the bed-days of people with a detainer (all of them, or felony charges only); DOJ
    pays ``paid_share`` of what was submitted.
    """

    paid_share: Share
    """Share of submitted costs that DOJ pays."""
    eligible_cost_share: Share
    """Share of a bed-day's cost that is eligible (officer salaries)."""
    felony_only: bool = False
    """Submit only people charged with a felony."""


class OfficerProgram(Frozen):
    """Designated officers of one 287(g) model: pay, training, supervision, dates.

    ``salary_basis: full_time`` counts every designated officer's whole salary (dedicated posts,
    as in JEM); ``hours_worked`` counts only the hours the simulation keeps them busy
    (screening, or serving warrants) at the hourly rate ``salary / hours_per_year``. Benefits
    and overtime are shares of salary. Training: ``training_hours`` when the program starts
    (a one-off on the ``start`` date, only when a start is given) and for each replacement
    officer (``turnover_share_per_year``), ``refresher_hours`` every ``refresher_every``
    (spread evenly over the cycle); each training hour costs the post's backfill,
    ``backfill_share`` x hourly salary (1.5 = covered at time-and-a-half), plus
    ``travel_usd_per_training`` per officer trained.
    """

    officers: Officers
    """Designated officers paid by the program."""
    salary_basis: Literal["full_time", "hours_worked"] = "full_time"
    """Whole salaries, or only the simulated busy hours."""
    salary_usd_per_year: Schedule
    """Salary of one officer per year."""
    hours_per_year: Hours = 2080.0
    """Paid work hours of one officer per year."""
    benefits_share: SalaryShare = 0.0
    """Benefits, as a share of salary."""
    overtime_share: SalaryShare = 0.0
    """Overtime, as a share of salary."""
    training_hours: Hours = 0.0
    """Initial training of one officer."""
    refresher_hours: Hours = 0.0
    """Refresher training of one officer per cycle."""
    refresher_every: Duration | None = None
    """Length of the refresher cycle; none: no refreshers."""
    turnover_share_per_year: Share = 0.0
    """Share of officers replaced (and trained) each year."""
    backfill_share: SalaryShare = 0.0
    """Cost of covering a post per training hour, as a multiple of hourly salary."""
    travel_usd_per_training: Schedule = (Period(usd=0.0),)
    """Travel cost per officer trained."""
    supervision_usd_per_year: Schedule = (Period(usd=0.0),)
    """Supervision and administration per year."""
    start: dt.date | None = None
    """Program start, YYYY-MM-DD; none: before the horizon."""
    end: dt.date | None = None
    """Program end, YYYY-MM-DD; none: after the horizon."""

    @field_validator("hours_per_year")
    @classmethod
    def _work_year(cls, v):
        if not 1 <= v <= 8784:
            raise ValueError(f"got {v:g}; a work year is from 1 to 8784 hours")
        return v

    @field_validator("refresher_every")
    @classmethod
    def _cycle(cls, v):
        if v is not None and not 1 <= v <= 100 * 365.25:
            raise ValueError("must be from 1 day to 100 years")
        return v

    @field_validator("end")
    @classmethod
    def _ends_after_start(cls, v, info):
        start = info.data.get("start")
        if v is not None and start is not None and v < start:
            raise ValueError(f"program ends ({v}) before it starts ({start})")
        return v


class Programs(Frozen):
    """Program costs of each 287(g) model; a block counts only when the scenario runs it."""

    jem: OfficerProgram | None = None
    """Costs of the JEM program."""
    wso: OfficerProgram | None = None
    """Costs of the WSO program."""


class Costs(Frozen):
    """Everything the budget needs. See docs/budget.md for each field, its unit and source."""

    bed_day_cost_usd_per_day: Schedule
    """Average cost of one occupied bed for one day."""
    marginal_cost_share: Share = 1.0
    """Share of the bed-day cost that one more bed-day adds."""
    boarded_out_usd_per_day: Schedule = (Period(usd=0.0),)
    """Price of a bed-day in another jail (census above capacity)."""
    ice_payments: IcePayments = IcePayments()
    """What ICE pays the county."""
    scaap: Scaap | None = None
    """SCAAP reimbursement; absent: none."""
    program: Programs = Programs()
    """Program costs of each 287(g) model."""
    dollar_year: DollarYear | None = None
    """Year whose dollars every price without its own ``dollar_year`` is in."""
    report_in: DollarYear | None = Field(default=None, validate_default=True)
    """Year whose dollars the budget reports in; none: the latest year of the price index."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Input path -> where its value comes from (listed in the budget workbook)."""

    @field_validator("report_in")
    @classmethod
    def _latest_year(cls, v):
        return index_years()[1] if v is None else v

    @field_validator("sources")
    @classmethod
    def _known_inputs(cls, v):
        known = input_paths()
        bad = [k for k in v if k not in known]
        if bad:
            hint = difflib.get_close_matches(bad[0], known, n=1, cutoff=0.6)
            also = f"; did you mean {hint[0]!r}?" if hint else f" (inputs: {', '.join(known)})"
            raise ValueError(f"names {bad[0]!r}, not an input of costs{also}")
        for k, text in v.items():
            if len(text) > 1000:
                raise ValueError(f"source of {k!r} is longer than 1000 characters")
        return v


# ---------------------------------------------------------------------------------------------
# The inputs, listed for people (the "inputs" sheet of the workbook)


def _fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in ("sources", "dollar_year", "report_in"):  # about the inputs, not inputs
            continue
        ann = field.annotation
        sub = next(
            (
                a
                for a in (ann, *getattr(ann, "__args__", ()))
                if isinstance(a, type) and issubclass(a, BaseModel) and a is not Period
            ),
            None,
        )
        if sub is not None:
            out += _fields(sub, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key}")
    return out


def input_paths() -> list[str]:
    """Every input of the ``costs:`` block as a dotted path (``ice_payments.igsa_usd_per_day``)."""
    return _fields(Costs)


def _unit(path: str) -> str:
    leaf = path.rsplit(".", 1)[-1]
    for suffix, unit in (
        ("_usd_per_day", "USD/day"),
        ("_usd_per_year", "USD/year"),
        ("_usd_per_training", "USD per officer trained"),
        ("_usd", "USD"),
        ("_share_per_year", "share per year"),
        ("_share", "share"),
        ("_hours", "work hours"),
        ("hours_per_year", "work hours/year"),
        ("officers", "officers"),
        ("refresher_every", "days"),
    ):
        if leaf.endswith(suffix):
            return unit
    return {"start": "date", "end": "date", "dollar_year": "year", "report_in": "year"}.get(
        leaf, ""
    )


def _value_text(node: Any) -> str:
    if node is None:
        return "(none)"
    if isinstance(node, tuple) and node and isinstance(node[0], Period):
        return schedule_text(node)
    if isinstance(node, dt.date):
        return node.isoformat()
    if isinstance(node, float):
        return f"{node:g}"
    return str(node)


def _default_source(leaf: str, default: Any) -> str:
    if leaf == "hours_per_year":
        return "schema default: a full-time work year, 40 h x 52 weeks"
    if leaf == "marginal_cost_share":
        return "schema default: marginal cost = average cost"
    if leaf == "salary_basis":
        return "schema default: whole salaries of the designated officers"
    if default is None or default is False:
        return "schema default: not used"
    return "schema default: 0, not counted"


def input_rows(costs: Costs) -> list[dict[str, str]]:
    """One row per input: ``input``, ``value`` (as text), ``unit``, ``source``.

    The source is the scenario's ``sources:`` entry for the input; an input left at its
    schema default says so; an input set without a source says that. Inputs of an absent
    block (no SCAAP, no WSO program) are listed as ``(none)``.
    """
    rows = []
    for path in input_paths():
        node: Any = costs
        default: Any = None
        for key in path.split("."):
            if node is None:
                break
            name, field = next(
                (n, f) for n, f in type(node).model_fields.items() if (f.alias or n) == key
            )
            default = field.get_default(call_default_factory=True)
            node = getattr(node, name)
        if path in costs.sources:
            source = costs.sources[path]
        elif node == default or node is None:
            source = _default_source(path.rsplit(".", 1)[-1], default)
        else:
            source = "set in the scenario; no source given"
        rows.append(
            {"input": path, "value": _value_text(node), "unit": _unit(path), "source": source}
        )
    return rows
