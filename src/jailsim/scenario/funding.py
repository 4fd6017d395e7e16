"""Money paid to the county for its 287(g) officers: the federal reimbursement and state grants.

Both blocks of ``costs:`` are optional (absent: nothing paid) and have no amount by default:
a county, or a scenario of a year when a programme applies, sets them. Each amount may change on
dates (:mod:`jailsim.scenario.amounts`), so a programme that starts mid-year is paid only for
the days from its start.

- :class:`OfficerReimbursement`: what ICE pays back for the designated officers of the
  programs it covers. The 2025 programme (DHS, 2 September 2025; docs/sources.md §8) pays, from
  1 October 2025, the salary and benefits of each eligible trained 287(g) officer, overtime up
  to 25% of salary, and quarterly performance awards per officer ($1,000 / $750 / $500 at
  90-100% / 80-89% / 70-79% "success"). The release is about the Task Force Model, so its
  officers (``costs.program.task_force``) are covered by default, as are JEM's and WSO's.
  Equipment per officer and vehicles per agency are amounts a county enters itself: no amount
  is published.
- :class:`StateGrants`: what the state pays the sheriff (for example under Texas SB 8): dated
  lump sums and an amount per designated officer per year. No amount is sourced.

:mod:`jailsim.money.lines` prices them day by day.
"""

from __future__ import annotations

from typing import Literal

from jailsim.scenario.amounts import DatedShare, Payments, Period, Schedule, ShareSchedule
from jailsim.scenario.blocks import Frozen

__all__ = ["OfficerReimbursement", "StateGrants"]

#: The designated-officer programs a payment may cover.
ProgramName = Literal["jem", "wso", "task_force"]


class OfficerReimbursement(Frozen):
    """ICE's reimbursement of the designated officers of 287(g) programs (the 2025 programme).

    On each day a covered program is paid for (``costs.program.<model>``, on the days the
    scenario runs the model), ICE pays back ``salary_benefits_share`` of the officers' salary and
    benefits as the program's staff line costs them (whole salaries, or the hours worked), and
    their overtime up to ``overtime_cap_share`` of salary; so a share of 1 with a cap at least
    the program's ``overtime_share`` pays back the whole staff line. Awards, equipment and
    vehicles are paid per day of the year (an amount per quarter is x 4 / 365.25 a day).
    """

    programs: tuple[ProgramName, ...] = ("jem", "wso", "task_force")
    """Programs whose officers are reimbursed."""
    salary_benefits_share: ShareSchedule = (DatedShare(share=0.0),)
    """Share of the officers' salary and benefits paid back."""
    overtime_cap_share: ShareSchedule = (DatedShare(share=0.0),)
    """Overtime paid back, up to this share of salary."""
    award_usd_per_officer_per_quarter: Schedule = (Period(usd=0.0),)
    """Performance award per officer per quarter."""
    equipment_usd_per_officer_per_year: Schedule = (Period(usd=0.0),)
    """Equipment paid for per officer per year."""
    vehicles_usd_per_year: Schedule = (Period(usd=0.0),)
    """Vehicles paid for, per year for the agency."""


class StateGrants(Frozen):
    """State grants to the sheriff for the 287(g) programs (e.g. Texas SB 8): no default amount.

    ``lump_sums`` are paid on their day (counted when the day is in the measured window);
    ``per_officer_usd_per_year`` is paid per designated officer of the ``programs`` the
    scenario runs, day by day.
    """

    programs: tuple[ProgramName, ...] = ("jem", "wso", "task_force")
    """Programs whose officers count for the per-officer grant."""
    lump_sums: Payments = ()
    """One-off grants: a list of ``{date: DATE, usd: N, dollar_year: YEAR}``."""
    per_officer_usd_per_year: Schedule = (Period(usd=0.0),)
    """Grant per designated officer per year."""
