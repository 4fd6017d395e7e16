"""The designated officers' money: what the 287(g) programs cost, what the county is paid back.

For each program the scenario runs (``costs.program.jem``, ``.wso``, ``.task_force``; on the
days it runs it, the Task Force's the days its stream of field arrests runs; a Hybrid county
pays both JEM and Task Force officers):
staff (salary, benefits, overtime), training and supervision, priced day by day
(:func:`program_lines`); the federal reimbursement of those officers (``costs.
officer_reimbursement``: salary and benefits, overtime up to a cap, performance awards,
equipment and vehicles; :func:`reimbursement_lines`) and the state's grants (``costs.
state_grants``: lump sums on their day, an amount per officer; :func:`grant_lines`). Every
rate is a dated value in the dollars of the report year, so a reimbursement that starts
mid-year is paid for exactly the days from its start.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from jailsim.money.days import DAYS_PER_YEAR, Days
from jailsim.scenario.costs import Costs, OfficerProgram, schedule_by_day

__all__ = [
    "MODELS", "grant_lines", "no_hours", "officer_days", "program_lines", "reimbursement_lines",
]

#: The designated-officer programs, in the order their costs are added.
MODELS = ("jem", "wso", "task_force")
#: Quarters per year: an amount per quarter is paid at 4 / 365.25 of it a day.
QUARTERS_PER_YEAR = 4


def no_hours() -> np.ndarray:
    """No simulated hours: a program paid whole salaries (the Task Force's field work)."""
    raise ValueError("a program without simulated officer time is paid whole salaries")


def _staff_base(program: OfficerProgram, days: Days, busy: Callable[[], np.ndarray],
                on: np.ndarray) -> np.ndarray:
    """Salary alone (no benefits, no overtime) of each day the program is paid for."""
    salary = schedule_by_day(program.salary_usd_per_year, days.dates)
    if program.salary_basis == "full_time":
        return program.officers * salary / DAYS_PER_YEAR * on
    # hours the simulation kept the officers busy (average busy officers x 24 h)
    return busy() * 24.0 * (salary / program.hours_per_year) * on


def program_lines(
    model: str, program: OfficerProgram, days: Days, busy: Callable[[], np.ndarray]
) -> dict[str, float]:
    """Staff, training and supervision dollars of one designated-officer program."""
    on = days.active(model, program)
    salary = schedule_by_day(program.salary_usd_per_year, days.dates)
    loaded = 1.0 + program.benefits_share + program.overtime_share
    hourly = salary / program.hours_per_year
    staff_per_day = _staff_base(program, days, busy, on) * loaded
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
    # Initial training, a one-off on each day the program starts inside the span: a
    # cost-block start, or a dated change that puts the model in force. A program in force
    # from the first day with no start given is taken to exist already (trained before).
    starts = np.flatnonzero(np.diff(on, prepend=0.0) > 0)
    given = np.datetime64(program.start, "D") if program.start is not None else None
    for i in starts:
        first = days.dates[i]
        if (i > 0 or first == given) and days.on_day(first):
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


def officer_days(costs: Costs, days: Days, models: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """For each day: the designated officers paid for, and whether any program of ``models`` is.

    Only programs the scenario runs that have a cost block (``costs.program.<model>``) count.
    """
    officers = np.zeros(len(days.dates))
    any_on = np.zeros(len(days.dates))
    for model in models:
        block = getattr(costs.program, model)
        if block is not None and days.running[model].any():
            on = days.active(model, block)
            officers = officers + block.officers * on
            any_on = np.maximum(any_on, on)
    return officers, any_on


def reimbursement_lines(costs: Costs, days: Days,
                        busy_of: dict[str, Callable[[], np.ndarray]]) -> dict[str, float]:
    """The federal reimbursement of the designated officers (``costs.officer_reimbursement``).

    ``officer_reimbursement_usd``: ``salary_benefits_share`` x (salary + benefits) + overtime
    up to ``overtime_cap_share`` x salary, on the same basis as the program's staff line (so a
    share of 1 and a cap at least the program's ``overtime_share`` pay back the staff line
    exactly); ``performance_awards_usd``: the award per officer per quarter, x 4 / 365.25 a day;
    ``equipment_reimbursement_usd``: equipment per officer and vehicles per year, a day at a
    time.
    """
    out = dict.fromkeys(("officer_reimbursement_usd", "performance_awards_usd",
                         "equipment_reimbursement_usd"), 0.0)
    paid = costs.officer_reimbursement
    if paid is None:
        return out
    share = schedule_by_day(paid.salary_benefits_share, days.dates)
    cap = schedule_by_day(paid.overtime_cap_share, days.dates)
    for model in paid.programs:
        block = getattr(costs.program, model)
        if block is None or not days.running[model].any():
            continue
        on = days.active(model, block)
        covered = share * (1.0 + block.benefits_share) + np.minimum(block.overtime_share, cap)
        base = _staff_base(block, days, busy_of.get(model, no_hours), on)
        out["officer_reimbursement_usd"] += float(days.amounts(base * covered).sum())
    officers, any_on = officer_days(costs, days, paid.programs)
    award = schedule_by_day(paid.award_usd_per_officer_per_quarter, days.dates)
    out["performance_awards_usd"] = float(
        days.amounts(officers * award * QUARTERS_PER_YEAR / DAYS_PER_YEAR).sum()
    )
    equipment = schedule_by_day(paid.equipment_usd_per_officer_per_year, days.dates) * officers
    vehicles = schedule_by_day(paid.vehicles_usd_per_year, days.dates) * any_on
    out["equipment_reimbursement_usd"] = float(
        days.amounts((equipment + vehicles) / DAYS_PER_YEAR).sum()
    )
    return out


def grant_lines(costs: Costs, days: Days) -> dict[str, float]:
    """State grants (``costs.state_grants``): lump sums paid on a day of the span, per officer."""
    out = {"grants_lump_sum_usd": 0.0, "grants_per_officer_usd": 0.0}
    grants = costs.state_grants
    if grants is None:
        return out
    out["grants_lump_sum_usd"] = float(sum(
        p.usd * days.scale for p in grants.lump_sums if days.on_day(np.datetime64(p.date, "D"))
    ))
    officers, _ = officer_days(costs, days, grants.programs)
    rate = schedule_by_day(grants.per_officer_usd_per_year, days.dates)
    out["grants_per_officer_usd"] = float(days.amounts(officers * rate / DAYS_PER_YEAR).sum())
    return out
