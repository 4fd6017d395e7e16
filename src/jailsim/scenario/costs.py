"""The ``costs:`` block of a scenario: what a bed-day costs, what ICE pays, what the program costs.

Money is in US dollars and every money field says its unit in its name (``_usd``,
``_usd_per_day``, ``_usd_per_year``). A money value is a plain number, a price with the year its
dollars are in (``{usd: 93, dollar_year: 2017}``), or a list of dated values for a rate that
changes on a date (``[{to: 2025-09-30, usd: 84, dollar_year: 2020}, {from: 2025-10-01, usd:
100}]``; both ends inclusive, days outside every range count at $0): the types are in
:mod:`jailsim.scenario.amounts`. A price without its own year is in the block's
``dollar_year``; with neither, in the dollars of ``report_in``, the year the budget reports in
(:mod:`jailsim.scenario.prices`). A designated-officer program can start or end inside the
horizon (``start:``/``end:``). What the county is paid for its officers (the federal
reimbursement, state grants) is in :mod:`jailsim.scenario.funding`. The numbers themselves,
each with its source, are in ``scenarios/base_county.yaml``; the schema holds only structural
defaults ($0, off). :mod:`jailsim.money.lines` turns a run and this block into a budget.

This module must not import :mod:`jailsim.scenario.schema` (which imports it).
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from jailsim.scenario.amounts import (
    DatedShare,
    Hours,
    Month,
    Officers,
    Payment,
    Period,
    SalaryShare,
    Schedule,
    Share,
    payments_text,
    schedule_by_day,
    schedule_text,
)
from jailsim.scenario.blocks import Frozen
from jailsim.scenario.funding import OfficerReimbursement, StateGrants
from jailsim.scenario.prices import DollarYear, index_years
from jailsim.scenario.units import Duration

__all__ = [
    "Costs",
    "DatedShare",
    "IcePayments",
    "OfficerProgram",
    "OfficerReimbursement",
    "Payment",
    "Period",
    "Programs",
    "Scaap",
    "Schedule",
    "Share",
    "StateGrants",
    "input_paths",
    "input_rows",
    "schedule_by_day",
    "schedule_text",
]

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
    """Program costs of each 287(g) model; a block counts only when the scenario runs it.

    JEM and WSO run on the days ``program`` (and the dated ``changes:``) names them; the Task
    Force Model runs on the days its stream of field arrests does (``arrivals.task_force``:
    every day of a scenario that has one). A Hybrid county (JEM in the jail and a Task Force in
    the field) pays both ``jem`` and ``task_force``. The Task Force's field work is not
    simulated, so its officers are paid whole salaries (``salary_basis: full_time``).
    """

    jem: OfficerProgram | None = None
    """Costs of the JEM program."""
    wso: OfficerProgram | None = None
    """Costs of the WSO program."""
    task_force: OfficerProgram | None = None
    """Costs of the Task Force Model's officers."""

    @field_validator("task_force")
    @classmethod
    def _whole_salaries(cls, v):
        if v is not None and v.salary_basis != "full_time":
            raise ValueError(
                f"salary_basis: got {v.salary_basis!r}; the Task Force's field work is not "
                "simulated, so its officers have no simulated hours: use full_time"
            )
        return v


class Costs(Frozen):
    """Everything the budget needs. See docs/budget.md for each field, its unit and source."""

    bed_day_cost_usd_per_day: Schedule
    """Average cost of one occupied bed for one day."""
    marginal_cost_share: Share = 1.0
    """Share of the bed-day cost that one more bed-day adds."""
    boarded_out_usd_per_day: Schedule = (Period(usd=0.0),)
    """Price of a bed-day in another jail (census above capacity)."""
    booking_usd: Schedule = (Period(usd=0.0),)
    """Cost of one booking beyond its bed-days (intake, release processing), by booking
    date; priced for the Task Force's own bookings (none published: 0)."""
    court_case_usd: Schedule = (Period(usd=0.0),)
    """Cost to the county of one criminal case (court, prosecution, defense), by booking
    date; priced for the Task Force's bookings with a state charge (none published: 0)."""
    ice_payments: IcePayments = IcePayments()
    """What ICE pays the county."""
    scaap: Scaap | None = None
    """SCAAP reimbursement; absent: none."""
    program: Programs = Programs()
    """Program costs of each 287(g) model."""
    officer_reimbursement: OfficerReimbursement | None = None
    """Federal reimbursement of the designated officers (the 2025 programme); absent: none."""
    state_grants: StateGrants | None = None
    """State grants to the sheriff for the 287(g) programs; absent: none."""
    fiscal_year_start_month: Month = 1
    """Month the county's fiscal year starts (1 = January: the calendar year)."""
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
                if isinstance(a, type) and issubclass(a, BaseModel)
                and a not in (Period, DatedShare, Payment)
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
        ("_usd_per_officer_per_year", "USD per officer per year"),
        ("per_officer_usd_per_year", "USD per officer per year"),
        ("_usd_per_officer_per_quarter", "USD per officer per quarter"),
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
    return {"start": "date", "end": "date", "dollar_year": "year", "report_in": "year",
            "lump_sums": "USD, paid on a day", "fiscal_year_start_month": "month (1-12)",
            "programs": "programs"}.get(leaf, "")


def _value_text(node: Any) -> str:
    if node is None:
        return "(none)"
    if isinstance(node, tuple) and node and isinstance(node[0], Period | DatedShare):
        return schedule_text(node)
    if isinstance(node, tuple) and (not node or isinstance(node[0], Payment)):
        return payments_text(node)
    if isinstance(node, tuple):
        return ", ".join(str(x) for x in node)
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
    if leaf == "fiscal_year_start_month":
        return "schema default: the calendar year (January)"
    if leaf == "programs":
        return "schema default: the officers of JEM, WSO and the Task Force"
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
