"""The money as counties see it in 2025-26: every bed-day a program causes, the federal officer
reimbursement, state grants, the IGSA margin and fiscal years, against arithmetic by hand."""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.cli import budget as cli_budget
from jailsim.money.dollars import in_report_dollars
from jailsim.money.lines import DRIVEN_BY, LINES
from jailsim.money.tables import budget_difference, budget_lines, budget_notes, budget_table
from jailsim.money.workbook import build_budget, long_table, write_xlsx
from jailsim.scenario.prices import convert
from tests.conftest import SCENARIOS

DAYS = 200  # the base county starts on 2025-01-06 and warm-starts at steady state
START = dt.date(2025, 1, 6)
#: A JEM program paid whole salaries, with benefits and overtime: $60,000 a post, 3 posts.
PROGRAM = {"officers": 3, "salary_usd_per_year": 60000.0, "benefits_share": 0.4,
           "overtime_share": 0.1}


def run(name: str, changes: dict | None = None, reps: int = 2, days: float = DAYS, seed=7):
    sc = jailsim.load(SCENARIOS / name)
    if changes:
        sc = sc.with_(changes)
    return jailsim.simulate(sc, seed=seed, replications=reps, days=days, engine="vector")


def day(n: int) -> str:
    """The date ``n`` days after the base county's start."""
    return (START + dt.timedelta(days=n)).isoformat()


def identities_hold(x: pd.Series) -> None:
    """The sums of the budget, exactly (net = costs - reimbursements - grants + program)."""
    assert x.reimbursements_usd == (
        x.ice_hold_day_usd + x.ice_per_hold_usd + x.igsa_usd + x.scaap_usd
        + x.officer_reimbursement_usd + x.performance_awards_usd + x.equipment_reimbursement_usd
    )
    assert x.grants_usd == x.grants_lump_sum_usd + x.grants_per_officer_usd
    assert x.program_staff_net_usd == x.program_staff_usd - x.officer_reimbursement_usd
    assert x.net_cost_usd == (
        x.caused_cost_usd - x.reimbursements_usd - x.grants_usd + x.program_cost_usd
    )
    assert x.net_cost_marginal_usd == (
        x.caused_cost_marginal_usd - x.reimbursements_usd - x.grants_usd + x.program_cost_usd
    )


# ---------------------------------------------------------------------------------------------
# Every bed-day a program causes: the Task Force's own bookings


@pytest.fixture(scope="module")
def task_force():
    return run("task_force.yaml", {"costs.bed_day_cost_usd_per_day": 93.0}, reps=3)


@pytest.fixture(scope="module")
def wso():
    return run("wso.yaml", {"costs.bed_day_cost_usd_per_day": 93.0}, reps=3)


def test_task_force_bed_days_are_the_stays_of_its_bookings(task_force):
    lines = budget_lines(task_force, per="window")
    for r, b in task_force.bookings.groupby("replication"):
        tf = b[b["stream"] == "task_force"]
        enter = tf["booked_at"].to_numpy()
        leave = enter + tf["los_days"].to_numpy()
        by_hand = np.clip(np.minimum(leave, DAYS) - np.maximum(enter, 0.0), 0, None).sum()
        assert len(tf) > 100
        assert lines.loc[r, "task_force_bed_days"] == pytest.approx(by_hand, rel=1e-9)
    x = lines.iloc[0]
    assert x.caused_bed_days == pytest.approx(
        x.attributable_bed_days - x.task_force_attributable_bed_days + x.task_force_bed_days,
        rel=1e-12)
    assert 0 < x.task_force_attributable_bed_days < x.task_force_bed_days


def test_the_task_force_bookings_and_cases_are_priced_at_their_dated_costs(task_force):
    priced = task_force.with_costs({
        "costs.booking_usd": [{"usd": 150.0}],
        "costs.court_case_usd": [{"to": day(99), "usd": 2000.0}, {"from": day(100), "usd": 0.0}],
    })
    plain, lines = budget_lines(task_force, per="window"), budget_lines(priced, per="window")
    for r, b in task_force.bookings.groupby("replication"):
        tf = b[(b["stream"] == "task_force") & b["booked_at"].between(0.0, DAYS)]
        cases = ((~tf["civil_only"]) & (tf["booked_at"] < 100)).sum()
        x = lines.loc[r]
        assert x.task_force_booking_cost_usd == 150.0 * len(tf)
        assert x.task_force_court_cost_usd == 2000.0 * cases > 0
        extra = x.task_force_booking_cost_usd + x.task_force_court_cost_usd
        assert x.caused_cost_usd == pytest.approx(plain.loc[r, "caused_cost_usd"] + extra,
                                                  rel=1e-12)
        assert x.net_cost_usd == pytest.approx(plain.loc[r, "net_cost_usd"] + extra, rel=1e-12)
        identities_hold(x)


def test_net_cost_counts_the_task_force_bookings_whole(task_force, wso):
    # Paired (same seed): the Task Force scenario books the same local people plus its own,
    # so every bed-day it adds is a day the program caused, and the net cost follows the jail
    # cost. Before, the net counted only the detainer-caused days (a sixth of them here).
    d = budget_difference(wso, task_force, per="window")
    added = d.loc["bed_days", "mean"]
    assert added > 1000
    assert d.loc["caused_bed_days", "mean"] == pytest.approx(added, rel=0.005)
    assert d.loc["attributable_bed_days", "mean"] < 0.3 * added
    jail = d.loc["total_jail_cost_usd", "mean"] + d.loc["program_cost_usd", "mean"]
    assert d.loc["net_cost_usd", "mean"] == pytest.approx(jail, rel=0.005)


@pytest.mark.parametrize("per", ["year", "window"])
def test_caused_cost_and_net_identities_are_exact(task_force, per):
    for _, x in budget_lines(task_force, per=per).iterrows():
        assert x.task_force_cost_usd == x.task_force_bed_days * 93.0
        assert x.caused_cost_usd == x.caused_bed_days * 93.0
        assert x.caused_cost_marginal_usd == x.caused_cost_usd * 1.0
        identities_hold(x)


def test_every_line_says_what_drives_it(task_force):
    assert set(DRIVEN_BY) == set(LINES)
    t = budget_table(task_force)
    assert list(t.columns) == ["group", "driven_by", "unit", "mean", "ci_low", "ci_high", "n"]
    assert t.loc["task_force_bed_days", "driven_by"] == "Task Force"
    assert t.loc["warrants_served", "driven_by"] == "WSO"
    assert "Task Force" in t.loc["caused_cost_usd", "driven_by"]
    assert "JEM" in t.loc["program_staff_usd", "driven_by"]


# ---------------------------------------------------------------------------------------------
# The federal reimbursement of the designated officers (the 2025 programme)


def reimbursed(paid: dict, program: dict | None = None, reps: int = 1, **kw):
    return run("jem.yaml", {"costs.program.jem": program or PROGRAM,
                            "costs.officer_reimbursement": paid}, reps=reps, **kw)


def test_full_reimbursement_zeroes_the_staff_line():
    res = reimbursed({"salary_benefits_share": 1.0, "overtime_cap_share": 0.25}, reps=2)
    for per in ("year", "window"):
        for _, x in budget_lines(res, per=per).iterrows():
            assert x.program_staff_usd > 0
            assert x.officer_reimbursement_usd == x.program_staff_usd
            assert x.program_staff_net_usd == 0.0
            identities_hold(x)
    # by hand: 3 posts x $60,000 x (1 + 0.4 + 0.1) a year, for the 200 days of the window
    x = budget_lines(res, per="window").iloc[0]
    assert x.officer_reimbursement_usd == pytest.approx(3 * 60000 * 1.5 / 365.25 * DAYS,
                                                        rel=1e-12)


def test_overtime_is_paid_back_only_up_to_its_cap():
    res = reimbursed({"salary_benefits_share": 1.0, "overtime_cap_share": 0.04})
    x = budget_lines(res, per="window").iloc[0]
    kept = 3 * 60000 * (0.1 - 0.04) / 365.25 * DAYS  # the overtime above the cap
    assert x.program_staff_net_usd == pytest.approx(kept, rel=1e-9)
    half = reimbursed({"salary_benefits_share": 0.5})  # half of salary and benefits, no overtime
    y = budget_lines(half, per="window").iloc[0]
    assert y.officer_reimbursement_usd == pytest.approx(3 * 60000 * 0.5 * 1.4 / 365.25 * DAYS,
                                                        rel=1e-12)


def test_hours_worked_officers_are_paid_back_their_hours():
    res = run("wso.yaml", {"costs.officer_reimbursement": {"salary_benefits_share": 1.0}})
    for _, x in budget_lines(res, per="window").iterrows():
        assert x.program_staff_usd > 0 and x.program_staff_net_usd == 0.0


def test_a_reimbursement_from_mid_window_is_paid_for_its_days_exactly():
    # from day 50 of the 200: exactly 150/200 of the staff line, awards, equipment, vehicles
    paid = {
        "salary_benefits_share": [{"from": day(50), "share": 1.0}],
        "overtime_cap_share": [{"from": day(50), "share": 0.25}],
        "award_usd_per_officer_per_quarter": [{"from": day(50), "usd": 1000.0}],
        "equipment_usd_per_officer_per_year": [{"from": day(50), "usd": 2000.0}],
        "vehicles_usd_per_year": [{"from": day(50), "usd": 36525.0}],
    }
    res = reimbursed(paid)
    for per, scale in (("window", 1.0), ("year", 365.25 / DAYS)):
        x = budget_lines(res, per=per).iloc[0]
        assert x.officer_reimbursement_usd == pytest.approx(x.program_staff_usd * 150 / 200,
                                                            rel=1e-12)
        assert x.performance_awards_usd == pytest.approx(
            3 * 1000 * 4 / 365.25 * 150 * scale, rel=1e-12)
        assert x.equipment_reimbursement_usd == pytest.approx(
            (3 * 2000 + 36525) / 365.25 * 150 * scale, rel=1e-12)
        identities_hold(x)


def test_a_reimbursement_from_1_october_pays_its_share_of_the_fiscal_year():
    # The 2025 programme from 1 October 2025 in a calendar-year budget: 92 of 2025's 365 days.
    sc = jailsim.load(SCENARIOS / "jem.yaml").with_({
        "start_date": "2025-01-01", "costs.program.jem": PROGRAM,
        "costs.officer_reimbursement": {
            "salary_benefits_share": [{"from": "2025-10-01", "share": 1.0}],
            "overtime_cap_share": [{"from": "2025-10-01", "share": 0.25}]},
    })
    res = jailsim.simulate(sc, seed=3, replications=1, days=365, engine="vector")
    x = budget_lines(res, per="fiscal_year").loc[(0, "FY2025")]
    assert x.program_staff_usd == pytest.approx(3 * 60000 * 1.5 / 365.25 * 365, rel=1e-12)
    assert x.officer_reimbursement_usd == pytest.approx(x.program_staff_usd * 92 / 365,
                                                        rel=1e-12)


def test_a_program_not_covered_is_not_reimbursed_and_absent_means_none():
    res = reimbursed({"programs": ["wso"], "salary_benefits_share": 1.0,
                      "award_usd_per_officer_per_quarter": 1000.0})
    x = budget_lines(res).iloc[0]
    assert x.officer_reimbursement_usd == 0.0 and x.performance_awards_usd == 0.0
    plain = run("jem.yaml", reps=1)
    assert plain.scenario.costs.officer_reimbursement is None
    y = budget_lines(plain).iloc[0]
    assert y.officer_reimbursement_usd == y.grants_usd == 0.0 and y.program_staff_usd > 0


def test_the_shipped_sb8_scenario_is_reimbursed_from_1_october_2025():
    paid = jailsim.load(SCENARIOS / "sb8_wso.yaml").costs.officer_reimbursement
    assert paid is not None
    assert [(p.from_, p.share) for p in paid.salary_benefits_share] == [
        (dt.date(2025, 10, 1), 1.0)]
    assert [(p.from_, p.share) for p in paid.overtime_cap_share] == [
        (dt.date(2025, 10, 1), 0.25)]
    for amount in (paid.award_usd_per_officer_per_quarter,
                   paid.equipment_usd_per_officer_per_year, paid.vehicles_usd_per_year):
        assert [p.usd for p in amount] == [0.0]  # no amount sourced: none set
    assert jailsim.load(SCENARIOS / "base_county.yaml").costs.officer_reimbursement is None


# ---------------------------------------------------------------------------------------------
# State grants


def test_state_grants_lump_sums_on_their_day_and_per_officer():
    grants = {
        "lump_sums": [{"date": day(20), "usd": 100000.0, "dollar_year": 2020},
                      {"date": day(400), "usd": 999999.0}],  # after the window: not counted
        "per_officer_usd_per_year": [{"from": day(100), "usd": 5000.0}],
    }
    res = run("jem.yaml", {"costs.program.jem": PROGRAM, "costs.state_grants": grants}, reps=1)
    lump = convert(100000.0, 2020, 2025)
    for per, scale in (("window", 1.0), ("year", 365.25 / DAYS)):
        x = budget_lines(res, per=per).iloc[0]
        assert x.grants_lump_sum_usd == pytest.approx(lump * scale, rel=1e-12)
        assert x.grants_per_officer_usd == pytest.approx(3 * 5000 / 365.25 * 100 * scale,
                                                         rel=1e-12)
        identities_hold(x)
    given = in_report_dollars(res.scenario.costs).state_grants.lump_sums
    assert [p.usd for p in given] == [lump, 999999.0]  # converted to 2025 dollars


# ---------------------------------------------------------------------------------------------
# The IGSA margin


def test_igsa_margin_sets_the_per_diem_against_the_cost_of_the_beds():
    # Orange County, FL 2025: $88 paid for a bed that costs $180 (sources §8)
    res = run("wso_igsa.yaml", {"costs.bed_day_cost_usd_per_day": 180.0,
                                "costs.ice_payments.igsa_usd_per_day": 88.0,
                                "costs.marginal_cost_share": 0.3})
    for _, x in budget_lines(res, per="window").iterrows():
        assert x.igsa_bed_days > 0
        assert x.igsa_cost_usd == x.igsa_bed_days * 180.0
        assert x.igsa_cost_marginal_usd == x.igsa_cost_usd * 0.3
        assert x.igsa_margin_usd == x.igsa_usd - x.igsa_cost_usd
        assert x.igsa_margin_usd == pytest.approx((88 - 180) * x.igsa_bed_days, rel=1e-9)
        assert x.igsa_margin_marginal_usd == pytest.approx((88 - 54) * x.igsa_bed_days,
                                                           rel=1e-9)
        assert x.igsa_margin_usd < 0 < x.igsa_margin_marginal_usd  # costs on average, earns
        identities_hold(x)                                        # at the margin


# ---------------------------------------------------------------------------------------------
# Fiscal years


@pytest.fixture(scope="module")
def october():
    # 200 days from 6 Jan 2025, fiscal years from 1 October: FY2025 to 30 Sep, FY2026 after
    changes = {"costs.fiscal_year_start_month": 10, "costs.program.jem": PROGRAM,
               "costs.state_grants": {"lump_sums": [{"date": "2025-07-01", "usd": 5e4}]}}
    return (run("jem.yaml", changes, days=300), run("no_287g.yaml", changes, days=300))


def test_fiscal_years_cut_the_window_and_add_up_to_it(october):
    jem, _ = october
    fy = budget_lines(jem, per="fiscal_year")
    assert list(fy.index.names) == ["replication", "fiscal_year"]
    assert list(fy.loc[0].index) == ["FY2025", "FY2026"]
    window = budget_lines(jem, per="window")
    by_year = fy.groupby(level="replication").sum()
    pd.testing.assert_frame_equal(by_year, window, rtol=1e-9, atol=1e-6)
    first = (dt.date(2025, 10, 1) - START).days  # 268 days of the window in FY2025
    x = fy.loc[(0, "FY2025")]
    assert x.program_staff_usd == pytest.approx(3 * 60000 * 1.5 / 365.25 * first, rel=1e-12)
    assert x.grants_lump_sum_usd == 5e4 and fy.loc[(0, "FY2026")].grants_lump_sum_usd == 0
    identities_hold(x)


def test_fiscal_year_tables_differences_workbook_and_notes(october, tmp_path):
    jem, none = october
    t = budget_table(jem, per="fiscal_year")
    assert list(t.index.names) == ["fiscal_year", "line"]
    assert t.loc[("FY2026", "bed_days"), "unit"] == "bed-days"
    assert [y[:3] for y in t.attrs["fiscal_years"]] == [
        ("FY2025", "2025-01-06", "2025-09-30"), ("FY2026", "2025-10-01", "2025-11-01")]
    d = budget_difference(none, jem, per="fiscal_year")
    lines = budget_lines(jem, per="fiscal_year") - budget_lines(none, per="fiscal_year")
    assert d.loc[("FY2025", "net_cost_usd"), "mean"] == pytest.approx(
        lines.xs("FY2025", level="fiscal_year")["net_cost_usd"].mean(), rel=1e-12)
    notes = " ".join(budget_notes(jem, per="fiscal_year"))
    assert "FY2025: 2025-01-06 to 2025-09-30, 268 days" in notes and "a part year" in notes
    budget = build_budget([none, jem], per="fiscal_year")
    assert budget.fiscal_years == ["FY2025", "FY2026"]
    used = budget.inputs.set_index(["scenario", "input"])["used"]
    assert used[("JEM", "state_grants.lump_sums")] == "yes"
    assert used[("no 287(g)", "state_grants.lump_sums")] == "no (none of jem, wso, task_force runs)"
    assert used[("JEM", "officer_reimbursement.salary_benefits_share")] == (
        "no (no officer_reimbursement)")
    assert list(budget.fiscal_year("FY2026").tables["JEM"].index) == list(LINES)
    frame = long_table(budget)
    assert list(frame.columns[:4]) == ["table", "scenario", "fiscal_year", "line"]
    assert len(frame) == len(LINES) * 2 * 3
    sheet = pd.read_excel(write_xlsx(budget, tmp_path / "fy.xlsx"), sheet_name="budget")
    assert list(sheet.columns[:2]) == ["fiscal year", "line"]
    assert len(sheet) == 2 * len(LINES)


def test_budgets_with_different_fiscal_years_are_not_paired(october):
    jem, _ = october
    other = run("no_287g.yaml", {"costs.fiscal_year_start_month": 7}, days=300)
    with pytest.raises(jailsim.ScenarioError) as exc:
        budget_difference(other, jem, per="fiscal_year")
    assert len(exc.value.lines) == 1 and "fiscal_year_start_month" in exc.value.lines[0]


def test_cli_budget_per_fiscal_year_prints_one_table_a_year(capsys, tmp_path):
    p = argparse.ArgumentParser(prog="jailsim")
    cli_budget.add_parsers(p.add_subparsers(dest="command", required=True))
    csv = tmp_path / "fy.csv"
    args = p.parse_args(["budget", str(SCENARIOS / "sb8_wso.yaml"), "--per", "fiscal_year",
                         "--days", "130", "--engine", "vector", "-r", "2", "--seed", "2",
                         "--csv", str(csv)])
    assert cli_budget.COMMANDS["budget"](args) == 0
    out = capsys.readouterr().out
    # sb8_wso.yaml budgets from 1 October (Texas): 1 Sep 2025 + 130 days spans FY2025, FY2026
    assert "totals per fiscal year" in out and "FY2025:\n" in out and "FY2026:\n" in out
    assert "FY2025: 2025-09-01 to 2025-09-30, 30 days of the window" in out
    assert set(pd.read_csv(csv)["fiscal_year"]) == {"FY2025", "FY2026"}
