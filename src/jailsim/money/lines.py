"""Budget lines: what a county budget counts, and how one replication's days are priced.

Every line is a sum over the days of the measurement window [warm-up, horizon] (or of the part
of one fiscal year inside it) of a daily quantity (bed-days, hold days, officer hours) times the
rate in force on that day's date, so a per-diem that changes on a date, or a program that
starts mid-horizon, is priced exactly (:mod:`jailsim.money.days`). Lines are per year (x 365.25
/ window days), window totals, or totals of each fiscal year. Within a replication the
identities hold exactly: a line priced at one rate is that rate times its bed-day line, and
``net_cost_usd = caused_cost_usd - reimbursements_usd - grants_usd + program_cost_usd``, where
the caused cost prices every bed-day the programs cause (the days detainers add to local
bookings' stays and every day of the Task Force's own bookings) and adds the booking and court
costs of the Task Force's bookings. Every rate is first put in the
dollars of the scenario's report year (:mod:`jailsim.money.dollars`). :data:`DRIVEN_BY` says
which program drives each line; the program lines add up the officers of every model the
scenario runs (a Hybrid county, JEM and a Task Force stream, pays both).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.money.days import DAYS_PER_YEAR, Days, price
from jailsim.money.dollars import in_report_dollars
from jailsim.money.officers import (
    MODELS,
    grant_lines,
    no_hours,
    program_lines,
    reimbursement_lines,
)
from jailsim.money.per import PER
from jailsim.scenario.costs import Costs, schedule_by_day
from jailsim.scenario.schema import Scenario

__all__ = [
    "DRIVEN_BY",
    "LINES",
    "PER",
    "costs_of",
    "replication_budget",
    "unit",
]

#: Every budget line: name -> (group, unit over the window, meaning). Order is table order.
LINES: dict[str, tuple[str, str, str]] = {
    "bed_days": ("bed-days", "bed-days", "occupied bed-days, in the jail or boarded out"),
    "in_house_bed_days": ("bed-days", "bed-days", "bed-days up to rated capacity"),
    "boarded_out_bed_days": ("bed-days", "bed-days", "bed-days above rated capacity"),
    "detainer_bed_days": (
        "bed-days",
        "bed-days",
        "bed-days of people with a detainer lodged, from the detainer on (the Texas TCJS "
        "convention behind the Bell County figures)",
    ),
    "attributable_bed_days": (
        "bed-days",
        "bed-days",
        "bed-days caused by detainers (vs the same people without detainer effects)",
    ),
    "attributable_bed_days_pre_release": (
        "bed-days", "bed-days", "part of attributable_bed_days before release (bail not posted)"
    ),
    "attributable_bed_days_hold": (
        "bed-days", "bed-days", "part of attributable_bed_days held for ICE past release"
    ),
    "attributable_bed_days_igsa": (
        "bed-days", "bed-days", "part of attributable_bed_days as ICE's detainee here (IGSA)"
    ),
    "hold_bed_days": (
        "bed-days", "bed-days", "bed-days held for ICE past release, until ICE took custody"
    ),
    "paid_hold_bed_days": (
        "bed-days", "bed-days", "hold bed-days paid per hold day (the hold_bed_days)"
    ),
    "igsa_bed_days": (
        "bed-days", "bed-days", "bed-days of ICE's detainees kept here under an IGSA (ice.igsa)"
    ),
    "task_force_bed_days": (
        "bed-days",
        "bed-days",
        "every bed-day of the Task Force's own bookings (arrivals.task_force): bookings the "
        "program makes, none of which the county would have without it",
    ),
    "task_force_attributable_bed_days": (
        "bed-days",
        "bed-days",
        "part of attributable_bed_days that is the Task Force bookings' (inside "
        "task_force_bed_days already)",
    ),
    "caused_bed_days": (
        "bed-days",
        "bed-days",
        "every bed-day the programs cause: attributable_bed_days - "
        "task_force_attributable_bed_days + task_force_bed_days",
    ),
    "detainers": ("counts", "count", "detainers lodged on people in custody"),
    "detainer_person_months": (
        "counts",
        "count",
        "people in custody with a detainer in each calendar month, summed over months (how a "
        "monthly report such as Texas TCJS's counts them)",
    ),
    "holds": ("counts", "count", "holds for ICE that started"),
    "warrants_served": ("counts", "count", "ICE warrants served by WSO officers"),
    "ice_transfers": ("counts", "count", "people transferred to ICE"),
    "jail_cost_usd": (
        "cost", "USD", "in_house_bed_days x average bed-day cost (the county's jail cost)"
    ),
    "boarding_cost_usd": (
        "cost", "USD", "boarded_out_bed_days x per-diem paid to other jails"
    ),
    "total_jail_cost_usd": ("cost", "USD", "jail_cost_usd + boarding_cost_usd"),
    "detainer_cost_usd": ("cost", "USD", "detainer_bed_days x average bed-day cost"),
    "attributable_cost_usd": (
        "cost", "USD", "attributable_bed_days x average bed-day cost"
    ),
    "attributable_cost_marginal_usd": (
        "cost", "USD", "attributable_cost_usd x marginal_cost_share"
    ),
    "task_force_cost_usd": ("cost", "USD", "task_force_bed_days x average bed-day cost"),
    "task_force_booking_cost_usd": (
        "cost", "USD", "the Task Force's bookings in the window x cost of a booking (booking_usd)"
    ),
    "task_force_court_cost_usd": (
        "cost", "USD",
        "the Task Force's bookings with a state charge x cost of a case (court_case_usd)",
    ),
    "caused_cost_usd": (
        "cost", "USD",
        "caused_bed_days x average bed-day cost + task_force_booking_cost_usd + "
        "task_force_court_cost_usd",
    ),
    "caused_cost_marginal_usd": (
        "cost", "USD",
        "caused_bed_days x average bed-day cost x marginal_cost_share + "
        "task_force_booking_cost_usd + task_force_court_cost_usd",
    ),
    "ice_hold_day_usd": (
        "reimbursements", "USD", "paid_hold_bed_days x ICE payment per hold day"
    ),
    "ice_per_hold_usd": ("reimbursements", "USD", "holds x ICE flat payment per hold (BOA)"),
    "igsa_usd": ("reimbursements", "USD", "igsa_bed_days x IGSA per-diem"),
    "scaap_usd": (
        "reimbursements",
        "USD",
        "SCAAP: paid_share x eligible_cost_share x cost of the eligible detainer bed-days",
    ),
    "officer_reimbursement_usd": (
        "reimbursements",
        "USD",
        "federal reimbursement of the designated officers' salary and benefits, and overtime "
        "up to a cap (costs.officer_reimbursement)",
    ),
    "performance_awards_usd": (
        "reimbursements", "USD", "federal performance awards per officer per quarter"
    ),
    "equipment_reimbursement_usd": (
        "reimbursements", "USD", "federal payment for equipment per officer and vehicles"
    ),
    "reimbursements_usd": (
        "reimbursements",
        "USD",
        "ice_hold_day_usd + ice_per_hold_usd + igsa_usd + scaap_usd + officer_reimbursement_usd "
        "+ performance_awards_usd + equipment_reimbursement_usd",
    ),
    "grants_lump_sum_usd": (
        "grants", "USD", "state grants paid as lump sums on a day of the window"
    ),
    "grants_per_officer_usd": (
        "grants", "USD", "state grants per designated officer per year, day by day"
    ),
    "grants_usd": ("grants", "USD", "grants_lump_sum_usd + grants_per_officer_usd"),
    "igsa_cost_usd": (
        "IGSA margin", "USD", "igsa_bed_days x average bed-day cost: what those beds cost"
    ),
    "igsa_cost_marginal_usd": (
        "IGSA margin", "USD", "igsa_cost_usd x marginal_cost_share"
    ),
    "igsa_margin_usd": (
        "IGSA margin",
        "USD",
        "igsa_usd - igsa_cost_usd: above 0 the IGSA per-diem earns, below 0 it costs (not "
        "added to the net: its days and payment are in it already)",
    ),
    "igsa_margin_marginal_usd": (
        "IGSA margin", "USD", "igsa_usd - igsa_cost_marginal_usd"
    ),
    "program_staff_usd": (
        "program",
        "USD",
        "designated officers' salary, benefits and overtime (JEM, WSO and Task Force officers, "
        "each on the days its model runs)",
    ),
    "program_training_usd": (
        "program", "USD", "backfill and travel for initial, replacement and refresher training"
    ),
    "program_supervision_usd": ("program", "USD", "supervision of the program"),
    "program_cost_usd": (
        "program",
        "USD",
        "program_staff_usd + program_training_usd + program_supervision_usd",
    ),
    "program_staff_net_usd": (
        "program",
        "USD",
        "program_staff_usd - officer_reimbursement_usd: the officers' pay the county keeps",
    ),
    "net_cost_usd": (
        "net",
        "USD",
        "caused_cost_usd - reimbursements_usd - grants_usd + program_cost_usd",
    ),
    "net_cost_marginal_usd": (
        "net",
        "USD",
        "caused_cost_marginal_usd - reimbursements_usd - grants_usd + program_cost_usd",
    ),
}

_ALL = "all bookings"
_DETAINERS = "detainers (JEM, WSO, Task Force, remote)"
_CAUSED = "JEM, WSO, Task Force"
_OFFICERS = "JEM, WSO, Task Force officers"
#: Which program (or what) drives each line: a program changes the lines that name it.
DRIVEN_BY: dict[str, str] = {
    **dict.fromkeys(("bed_days", "in_house_bed_days", "boarded_out_bed_days", "jail_cost_usd",
                     "boarding_cost_usd", "total_jail_cost_usd"), _ALL),
    **dict.fromkeys(("detainer_bed_days", "attributable_bed_days",
                     "attributable_bed_days_pre_release", "attributable_bed_days_hold",
                     "hold_bed_days", "paid_hold_bed_days", "detainers",
                     "detainer_person_months", "holds", "ice_transfers", "detainer_cost_usd",
                     "attributable_cost_usd", "attributable_cost_marginal_usd",
                     "ice_hold_day_usd", "ice_per_hold_usd", "scaap_usd"), _DETAINERS),
    **dict.fromkeys(("attributable_bed_days_igsa", "igsa_bed_days", "igsa_usd", "igsa_cost_usd",
                     "igsa_cost_marginal_usd", "igsa_margin_usd", "igsa_margin_marginal_usd"),
                    "ICE's IGSA (ice.igsa)"),
    "warrants_served": "WSO",
    **dict.fromkeys(("task_force_bed_days", "task_force_attributable_bed_days",
                     "task_force_cost_usd", "task_force_booking_cost_usd",
                     "task_force_court_cost_usd"), "Task Force"),
    **dict.fromkeys(("caused_bed_days", "caused_cost_usd", "caused_cost_marginal_usd"), _CAUSED),
    **dict.fromkeys(("officer_reimbursement_usd", "performance_awards_usd",
                     "equipment_reimbursement_usd", "grants_per_officer_usd",
                     "program_staff_usd", "program_training_usd", "program_supervision_usd",
                     "program_cost_usd", "program_staff_net_usd"), _OFFICERS),
    "reimbursements_usd": "every payment above",
    "grants_lump_sum_usd": "the state",
    "grants_usd": "the state",
    **dict.fromkeys(("net_cost_usd", "net_cost_marginal_usd"), "every program"),
}


def unit(line: str, per: str = "year", dollar_year: int | None = None) -> str:
    """The unit of a line on a basis: ``"2025 USD/yr"``, ``"bed-days"``, ...

    Money lines carry the year of their dollars when ``dollar_year`` is given.
    """
    base = LINES[line][1]
    if base == "USD" and dollar_year is not None:
        base = f"{dollar_year} USD"
    return f"{base}/yr" if per == "year" else base


# ---------------------------------------------------------------------------------------------
# One replication


def costs_of(scenario: Scenario) -> Costs:
    """The scenario's ``costs`` block; a ``ScenarioError`` when it has none."""
    if scenario.costs is None:
        raise ScenarioError(
            [
                f"{scenario.name}: costs: missing; add a costs: block (see docs/budget.md) or "
                "extend a scenario that has one (base_county.yaml)"
            ]
        )
    return scenario.costs


def _per_event(schedule, dates: np.ndarray, weight: np.ndarray) -> float:
    """A dated price per event (a booking, a case) times the events, each at its date."""
    return price(schedule_by_day(schedule, dates), weight) if len(dates) else 0.0


def replication_budget(
    scenario: Scenario, bookings: pd.DataFrame, census: pd.DataFrame, per: str = "year",
    span: tuple[float, float] | None = None,
) -> dict[str, float]:
    """Every line of ``LINES`` for one replication's bookings and daily census.

    Parameters
    ----------
    scenario
        The scenario as run; its ``costs`` block, in dollars of ``costs.report_in``, prices
        the days.
    bookings, census
        One replication's rows of ``Result.bookings`` and ``Result.census``.
    per
        ``"year"`` (window totals x 365.25 / window days), ``"window"`` (totals), or
        ``"fiscal_year"`` (totals over ``span``).
    span
        ``(first, end)`` in days since the start: price only this part of the window (a fiscal
        year's, :func:`jailsim.money.days.fiscal_years`); none: the whole window.

    Returns
    -------
    dict
        Line name -> value, in the order of ``LINES``.
    """
    if per not in PER:
        raise ValueError(f"per must be one of {PER}, got {per!r}")
    costs = in_report_dollars(costs_of(scenario))
    window = scenario.horizon - scenario.warmup
    days = Days(scenario, census, DAYS_PER_YEAR / window if per == "year" else 1.0, span)
    b = bookings
    col = {k: b[k].to_numpy(dtype=float) for k in (
        "booked_at", "los_days", "counterfactual_los_days", "attributable_days_hold",
        "attributable_days_igsa", "detainer_at", "hold_start_at", "exit_at",
        "warrant_served_at", "warrant_start_at", "screened_at", "officer_free_at",
    )}
    end = col["booked_at"] + col["los_days"]
    end_without = col["booked_at"] + col["counterfactual_los_days"]
    task_force = (b["stream"] == "task_force").to_numpy(dtype=bool)

    total = days.amounts(census["census"].to_numpy())
    boarded = days.amounts(census["boarded_out"].to_numpy())
    in_house = days.amounts(census["census"].to_numpy() - census["boarded_out"].to_numpy())
    detainer = days.amounts(census["with_detainer"].to_numpy())
    on_hold = days.amounts(census["on_hold"].to_numpy())
    attributable = days.amounts(
        days.occupancy(col["booked_at"], end) - days.occupancy(col["booked_at"], end_without)
    )
    hold_end = end - col["attributable_days_igsa"]  # where an IGSA stay begins
    attr_hold = days.amounts(days.occupancy(hold_end - col["attributable_days_hold"], hold_end))
    attr_igsa = days.amounts(days.occupancy(hold_end, end))
    igsa = days.amounts(census["ice_detainees"].to_numpy())
    tf_booked = col["booked_at"][task_force]
    tf_days = days.amounts(days.occupancy(tf_booked, end[task_force]))
    tf_attributable = days.amounts(
        days.occupancy(tf_booked, end[task_force])
        - days.occupancy(tf_booked, end_without[task_force])
    )
    caused = attributable - tf_attributable + tf_days

    bed_rate = schedule_by_day(costs.bed_day_cost_usd_per_day, days.dates)
    board_rate = schedule_by_day(costs.boarded_out_usd_per_day, days.dates)
    ice = costs.ice_payments
    igsa_rate = schedule_by_day(ice.igsa_usd_per_day, days.dates)
    hold_rate = schedule_by_day(ice.per_hold_day_usd_per_day, days.dates)
    paid_hold = on_hold

    hold_dates, hold_weight = days.events(col["hold_start_at"])
    flat = schedule_by_day(ice.per_hold_usd, hold_dates)
    tf_dates, tf_weight = days.events(tf_booked)  # the Task Force's bookings in the window
    charged = days.events(tf_booked[~b["civil_only"].to_numpy(dtype=bool)[task_force]])

    def count(times: np.ndarray) -> float:
        return float(days.events(times)[1].sum())

    m: dict[str, float] = {
        "bed_days": float(total.sum()),
        "in_house_bed_days": float(in_house.sum()),
        "boarded_out_bed_days": float(boarded.sum()),
        "detainer_bed_days": float(detainer.sum()),
        "attributable_bed_days": float(attributable.sum()),
        "attributable_bed_days_pre_release": float((attributable - attr_hold - attr_igsa).sum()),
        "attributable_bed_days_hold": float(attr_hold.sum()),
        "attributable_bed_days_igsa": float(attr_igsa.sum()),
        "hold_bed_days": float(on_hold.sum()),
        "paid_hold_bed_days": float(paid_hold.sum()),
        "igsa_bed_days": float(igsa.sum()),
        "task_force_bed_days": float(tf_days.sum()),
        "task_force_attributable_bed_days": float(tf_attributable.sum()),
        "caused_bed_days": float(caused.sum()),
        "detainers": count(col["detainer_at"]),
        "detainer_person_months": days.person_months(col["detainer_at"], col["exit_at"]),
        "holds": float(hold_weight.sum()),
        "warrants_served": count(col["warrant_served_at"]),
        "ice_transfers": count(col["exit_at"][b["exit_reason"].to_numpy() == "ice_transfer"]),
        "jail_cost_usd": price(bed_rate, in_house),
        "boarding_cost_usd": price(board_rate, boarded),
        "detainer_cost_usd": price(bed_rate, detainer),
        "attributable_cost_usd": price(bed_rate, attributable),
        "task_force_cost_usd": price(bed_rate, tf_days),
        "task_force_booking_cost_usd": _per_event(costs.booking_usd, tf_dates, tf_weight),
        "task_force_court_cost_usd": _per_event(costs.court_case_usd, *charged),
        "caused_cost_usd": price(bed_rate, caused),
        "ice_hold_day_usd": price(hold_rate, paid_hold),
        "ice_per_hold_usd": price(flat, hold_weight) if len(flat) else 0.0,
        "igsa_usd": price(igsa_rate, igsa),
        "scaap_usd": 0.0,
        "igsa_cost_usd": price(bed_rate, igsa),
    }
    share = costs.marginal_cost_share
    m["total_jail_cost_usd"] = m["jail_cost_usd"] + m["boarding_cost_usd"]
    m["attributable_cost_marginal_usd"] = m["attributable_cost_usd"] * share
    m["caused_cost_marginal_usd"] = m["caused_cost_usd"] * share
    for line in ("task_force_booking_cost_usd", "task_force_court_cost_usd"):
        m["caused_cost_usd"] += m[line]
        m["caused_cost_marginal_usd"] += m[line]
    m["igsa_cost_marginal_usd"] = m["igsa_cost_usd"] * share
    m["igsa_margin_usd"] = m["igsa_usd"] - m["igsa_cost_usd"]
    m["igsa_margin_marginal_usd"] = m["igsa_usd"] - m["igsa_cost_marginal_usd"]
    if costs.scaap is not None:
        eligible = detainer
        if costs.scaap.felony_only:
            fel = b["felony"].to_numpy(dtype=bool)
            eligible = days.amounts(days.occupancy(col["detainer_at"][fel], col["exit_at"][fel]))
        scaap = costs.scaap.paid_share * costs.scaap.eligible_cost_share
        m["scaap_usd"] = scaap * price(bed_rate, eligible)

    program = dict.fromkeys(("program_staff_usd", "program_training_usd",
                             "program_supervision_usd"), 0.0)
    busy_of = {
        "jem": lambda: days.occupancy(col["screened_at"], col["officer_free_at"]),
        "wso": lambda: days.occupancy(col["warrant_start_at"], col["warrant_served_at"]),
    }
    for model in MODELS:
        block = getattr(costs.program, model)
        if block is not None and days.running[model].any():
            busy = busy_of.get(model, no_hours)  # the Task Force: whole salaries, no hours
            for k, v in program_lines(model, block, days, busy).items():
                program[k] += v
    m.update(program)
    m.update(reimbursement_lines(costs, days, busy_of))
    m.update(grant_lines(costs, days))
    m["reimbursements_usd"] = (
        m["ice_hold_day_usd"] + m["ice_per_hold_usd"] + m["igsa_usd"] + m["scaap_usd"]
        + m["officer_reimbursement_usd"] + m["performance_awards_usd"]
        + m["equipment_reimbursement_usd"]
    )
    m["grants_usd"] = m["grants_lump_sum_usd"] + m["grants_per_officer_usd"]
    m["program_cost_usd"] = (
        m["program_staff_usd"] + m["program_training_usd"] + m["program_supervision_usd"]
    )
    m["program_staff_net_usd"] = m["program_staff_usd"] - m["officer_reimbursement_usd"]
    m["net_cost_usd"] = (
        m["caused_cost_usd"] - m["reimbursements_usd"] - m["grants_usd"] + m["program_cost_usd"]
    )
    m["net_cost_marginal_usd"] = (
        m["caused_cost_marginal_usd"] - m["reimbursements_usd"] - m["grants_usd"]
        + m["program_cost_usd"]
    )
    return {k: float(m[k]) for k in LINES}
