"""Budget lines: what a county budget counts, and how one replication's days are priced.

Every line is a sum over the days of the measurement window [warm-up, horizon] of a daily
quantity (bed-days, hold days, officer hours) times the rate in force on that day's date, so a
per-diem that changes on a date, or a program that starts mid-horizon, is priced exactly.
Lines are per year (x 365.25 / window days) or window totals. Within a replication the
identities hold exactly: a line priced at one rate is that rate times its bed-day line, and
``net_cost_usd = attributable_cost_usd - reimbursements_usd + program_cost_usd``. Every rate is
first put in the dollars of the scenario's report year (:mod:`jailsim.money.dollars`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.model.policy import Policy
from jailsim.money.dollars import in_report_dollars
from jailsim.results.census import presence, step_integral
from jailsim.scenario.costs import Costs, OfficerProgram, schedule_by_day
from jailsim.scenario.schema import Scenario

__all__ = [
    "LINES",
    "PER",
    "replication_budget",
    "unit",
]

#: Bases of a budget: a year (window totals x 365.25 / window days) or the whole window.
PER = ("year", "window")
DAYS_PER_YEAR = 365.25

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
    "reimbursements_usd": (
        "reimbursements", "USD", "ice_hold_day_usd + ice_per_hold_usd + igsa_usd + scaap_usd"
    ),
    "program_staff_usd": (
        "program", "USD", "designated officers' salary, benefits and overtime"
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
    "net_cost_usd": (
        "net", "USD", "attributable_cost_usd - reimbursements_usd + program_cost_usd"
    ),
    "net_cost_marginal_usd": (
        "net", "USD", "attributable_cost_marginal_usd - reimbursements_usd + program_cost_usd"
    ),
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


def _price(rates: np.ndarray, amounts: np.ndarray) -> float:
    """Sum of ``rates x amounts``, grouped by rate: one rate gives ``rate * amounts.sum()``."""
    values = np.unique(rates)
    if len(values) == 1:
        return float(values[0]) * float(amounts.sum())
    return float(sum(float(v) * float(amounts[rates == v].sum()) for v in values))


class _Days:
    """The days of one replication's census, with their share of the window and their dates."""

    def __init__(self, scenario: Scenario, census: pd.DataFrame, scale: float):
        lo, hi = scenario.warmup, scenario.horizon
        day = census["day"].to_numpy(dtype=float)
        self.edges = np.append(day, min(day[-1] + 1.0, hi)) if len(day) else np.zeros(1)
        self.width = np.diff(self.edges)
        inside = np.clip(np.minimum(day + 1, hi) - np.maximum(day, lo), 0.0, None)
        self.weight = inside * scale  # window days of each day, times the basis scale
        self.dates = census["date"].to_numpy().astype("datetime64[D]")
        self.start = np.datetime64(scenario.start_date, "D")
        self.lo, self.hi, self.scale = lo, hi, scale
        policy = Policy.build(scenario)
        period = policy.periods.of(day)
        #: Whether each model is in force on each day, by the scenario's policy timeline.
        self.running = {"jem": policy.jem_on[period], "wso": policy.wso_on[period]}

    def amounts(self, daily_average: np.ndarray) -> np.ndarray:
        """Bed-days (or any daily average) of each day, weighted into the window and basis."""
        return np.asarray(daily_average, dtype=float) * self.weight

    def occupancy(self, enter: np.ndarray, leave: np.ndarray) -> np.ndarray:
        """Daily average number present from ``enter`` to ``leave`` (NaN leave = still in)."""
        t, d = presence(np.asarray(enter, dtype=float), np.asarray(leave, dtype=float))
        return step_integral(t, d, self.edges) / self.width

    def events(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Events in the window: their dates and their weight (the basis scale each)."""
        t = np.asarray(times, dtype=float)
        t = t[(t >= self.lo) & (t <= self.hi)]
        dates = self.start + np.floor(t).astype("timedelta64[D]")
        return dates, np.full(len(t), self.scale)

    def person_months(self, enter: np.ndarray, leave: np.ndarray) -> float:
        """Calendar months each person is present in the window, summed (times the scale)."""
        enter, leave = np.asarray(enter, dtype=float), np.asarray(leave, dtype=float)
        has = ~np.isnan(enter)
        s = np.maximum(enter[has], self.lo)
        e = np.minimum(np.where(np.isnan(leave[has]), self.hi, leave[has]), self.hi)
        s, e = s[s < e], e[s < e]
        first = (self.start + np.floor(s).astype("timedelta64[D]")).astype("datetime64[M]")
        last_day = np.floor(np.nextafter(e, -np.inf)).astype("timedelta64[D]")
        last = (self.start + last_day).astype("datetime64[M]")
        return float(((last - first).astype(int) + 1).sum()) * self.scale

    def active(self, model: str, program: OfficerProgram) -> np.ndarray:
        """1.0 on the days the program is paid for, else 0.0.

        Those are the days the scenario runs ``model`` (its ``program``, and the dated
        ``changes:``) within the cost block's ``start``..``end`` (inclusive).
        """
        on = self.running[model].astype(float)
        if program.start is not None:
            on *= self.dates >= np.datetime64(program.start, "D")
        if program.end is not None:
            on *= self.dates <= np.datetime64(program.end, "D")
        return on


def _program_lines(
    model: str, program: OfficerProgram, days: _Days, busy: Callable[[], np.ndarray]
) -> dict[str, float]:
    """Staff, training and supervision dollars of one designated-officer program."""
    on = days.active(model, program)
    salary = schedule_by_day(program.salary_usd_per_year, days.dates)
    loaded = 1.0 + program.benefits_share + program.overtime_share
    hourly = salary / program.hours_per_year
    if program.salary_basis == "full_time":
        staff_per_day = program.officers * salary / DAYS_PER_YEAR * loaded * on
    else:  # hours the simulation kept the officers busy (average busy officers x 24 h)
        staff_per_day = busy() * 24.0 * hourly * loaded * on
    travel = schedule_by_day(program.travel_usd_per_training, days.dates)
    per_training = program.training_hours * hourly * program.backfill_share + travel
    training_per_day = program.officers * program.turnover_share_per_year / DAYS_PER_YEAR
    training_per_day = training_per_day * per_training * on
    if program.refresher_every is not None:
        refresher = program.refresher_hours * hourly * program.backfill_share
        refresher = refresher + travel * (program.refresher_hours > 0)
        training_per_day = training_per_day + (
            program.officers * refresher / program.refresher_every * on
        )
    training = float(days.amounts(training_per_day).sum())
    # Initial training, a one-off on each day the program starts inside the window: a
    # cost-block start, or a dated change that puts the model in force. A program in force
    # from the first day with no start given is taken to exist already (trained before).
    starts = np.flatnonzero(np.diff(on, prepend=0.0) > 0)
    given = np.datetime64(program.start, "D") if program.start is not None else None
    for i in starts:
        first = days.dates[i]
        t0 = float((first - days.start) / np.timedelta64(1, "D"))
        if (i > 0 or first == given) and days.lo <= t0 < days.hi:
            rate = schedule_by_day(program.salary_usd_per_year, np.array([first]))[0]
            one = program.training_hours * rate / program.hours_per_year * program.backfill_share
            one += schedule_by_day(program.travel_usd_per_training, np.array([first]))[0]
            training += program.officers * one * days.scale
    supervision = schedule_by_day(program.supervision_usd_per_year, days.dates) / DAYS_PER_YEAR
    return {
        "program_staff_usd": float(days.amounts(staff_per_day).sum()),
        "program_training_usd": training,
        "program_supervision_usd": float(days.amounts(supervision * on).sum()),
    }


def replication_budget(
    scenario: Scenario, bookings: pd.DataFrame, census: pd.DataFrame, per: str = "year"
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
        ``"year"`` (window totals x 365.25 / window days) or ``"window"``.

    Returns
    -------
    dict
        Line name -> value, in the order of ``LINES``.
    """
    if per not in PER:
        raise ValueError(f"per must be one of {PER}, got {per!r}")
    costs = in_report_dollars(costs_of(scenario))
    window = scenario.horizon - scenario.warmup
    days = _Days(scenario, census, DAYS_PER_YEAR / window if per == "year" else 1.0)
    b = bookings
    col = {k: b[k].to_numpy(dtype=float) for k in (
        "booked_at", "los_days", "counterfactual_los_days", "attributable_days_hold",
        "attributable_days_igsa", "detainer_at", "hold_start_at", "exit_at",
        "warrant_served_at", "warrant_start_at", "screened_at", "officer_free_at",
    )}
    end = col["booked_at"] + col["los_days"]
    end_without = col["booked_at"] + col["counterfactual_los_days"]

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

    bed_rate = schedule_by_day(costs.bed_day_cost_usd_per_day, days.dates)
    board_rate = schedule_by_day(costs.boarded_out_usd_per_day, days.dates)
    ice = costs.ice_payments
    igsa_rate = schedule_by_day(ice.igsa_usd_per_day, days.dates)
    hold_rate = schedule_by_day(ice.per_hold_day_usd_per_day, days.dates)
    paid_hold = on_hold

    hold_dates, hold_weight = days.events(col["hold_start_at"])
    flat = schedule_by_day(ice.per_hold_usd, hold_dates)

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
        "detainers": count(col["detainer_at"]),
        "detainer_person_months": days.person_months(col["detainer_at"], col["exit_at"]),
        "holds": float(hold_weight.sum()),
        "warrants_served": count(col["warrant_served_at"]),
        "ice_transfers": count(col["exit_at"][b["exit_reason"].to_numpy() == "ice_transfer"]),
        "jail_cost_usd": _price(bed_rate, in_house),
        "boarding_cost_usd": _price(board_rate, boarded),
        "detainer_cost_usd": _price(bed_rate, detainer),
        "attributable_cost_usd": _price(bed_rate, attributable),
        "ice_hold_day_usd": _price(hold_rate, paid_hold),
        "ice_per_hold_usd": _price(flat, hold_weight) if len(flat) else 0.0,
        "igsa_usd": _price(igsa_rate, igsa),
        "scaap_usd": 0.0,
    }
    m["total_jail_cost_usd"] = m["jail_cost_usd"] + m["boarding_cost_usd"]
    m["attributable_cost_marginal_usd"] = m["attributable_cost_usd"] * costs.marginal_cost_share
    if costs.scaap is not None:
        eligible = detainer
        if costs.scaap.felony_only:
            fel = b["felony"].to_numpy(dtype=bool)
            eligible = days.amounts(days.occupancy(col["detainer_at"][fel], col["exit_at"][fel]))
        share = costs.scaap.paid_share * costs.scaap.eligible_cost_share
        m["scaap_usd"] = share * _price(bed_rate, eligible)
    m["reimbursements_usd"] = (
        m["ice_hold_day_usd"] + m["ice_per_hold_usd"] + m["igsa_usd"] + m["scaap_usd"]
    )

    program = dict.fromkeys(("program_staff_usd", "program_training_usd",
                             "program_supervision_usd"), 0.0)
    busy_of = {
        "jem": lambda: days.occupancy(col["screened_at"], col["officer_free_at"]),
        "wso": lambda: days.occupancy(col["warrant_start_at"], col["warrant_served_at"]),
    }
    for model, block in (("jem", costs.program.jem), ("wso", costs.program.wso)):
        if block is not None and days.running[model].any():
            for k, v in _program_lines(model, block, days, busy_of[model]).items():
                program[k] += v
    m.update(program)
    m["program_cost_usd"] = (
        m["program_staff_usd"] + m["program_training_usd"] + m["program_supervision_usd"]
    )
    m["net_cost_usd"] = m["attributable_cost_usd"] - m["reimbursements_usd"] + m["program_cost_usd"]
    m["net_cost_marginal_usd"] = (
        m["attributable_cost_marginal_usd"] - m["reimbursements_usd"] + m["program_cost_usd"]
    )
    return {k: float(m[k]) for k in LINES}
