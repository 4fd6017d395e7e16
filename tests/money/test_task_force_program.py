"""The Task Force Model's officers in the budget, a Hybrid county (JEM + Task Force) paying both
programs, and the Texas SB 8 scenarios side by side, against arithmetic by hand."""

from __future__ import annotations

import datetime as dt

import pytest

import jailsim
from jailsim.money.lines import DRIVEN_BY
from jailsim.money.tables import budget_lines, budget_notes
from tests.conftest import SCENARIOS
from tests.money.test_funding import identities_hold

DAYS = 60  # the base county starts on 2025-01-06 and warm-starts at steady state
#: Task Force deputies paid whole salaries with benefits and overtime: $60,000 a post, 4 posts.
TASK_FORCE = {"officers": 4, "salary_usd_per_year": 60000.0, "benefits_share": 0.3,
              "overtime_share": 0.2, "training_hours": 40, "backfill_share": 1.5}
#: A JEM program of 3 posts at $50,000, no benefits.
JEM = {"officers": 3, "salary_usd_per_year": 50000.0}
LOADED = 4 * 60000 * 1.5 / 365.25  # the Task Force staff line a day


def run(changes: dict, name: str = "task_force.yaml", days: float = DAYS):
    sc = jailsim.load(SCENARIOS / name).with_(
        {"costs.program.task_force": dict(TASK_FORCE), "costs.program.jem": dict(JEM), **changes})
    return jailsim.simulate(sc, seed=5, replications=1, days=days, engine="vector")


@pytest.fixture(scope="module")
def task_force_only():
    return run({"program": "none"})


def test_task_force_officers_cost_their_salaries_on_every_day_the_stream_runs(task_force_only):
    x = budget_lines(task_force_only, per="window").iloc[0]
    # no jail program: the staff line is the Task Force's alone, 4 x $60,000 x 1.5 / 365.25 a day
    assert x.program_staff_usd == pytest.approx(LOADED * DAYS, rel=1e-12)
    # in force from the first day with no start given: trained before, no refresher set
    assert x.program_training_usd == 0.0
    y = budget_lines(task_force_only, per="year").iloc[0]
    assert y.program_staff_usd == pytest.approx(LOADED * 365.25, rel=1e-12)
    identities_hold(x)
    identities_hold(y)


def test_a_task_force_block_costs_nothing_without_the_stream():
    res = run({"program": "none"}, name="no_287g.yaml")
    assert res.scenario.arrivals.task_force is None
    x = budget_lines(res, per="window").iloc[0]
    assert x.program_cost_usd == 0.0
    # the base county ships a Task Force block, and a jail without the stream pays none of it
    assert jailsim.load(SCENARIOS / "base_county.yaml").costs.program.task_force is not None


def test_initial_training_is_paid_on_the_cost_block_start():
    res = run({"program": "none", "costs.program.task_force.start": "2025-01-16"})
    x = budget_lines(res, per="window").iloc[0]
    hourly = 60000 / 2080
    assert x.program_training_usd == pytest.approx(4 * 40 * hourly * 1.5, rel=1e-12)
    assert x.program_staff_usd == pytest.approx(LOADED * (DAYS - 10), rel=1e-12)
    notes = budget_notes(res)
    assert any("the Task Force program is costed from 2025-01-16" in n
               and "arrivals.task_force" in n for n in notes), notes


def test_a_hybrid_county_pays_the_jem_and_the_task_force_officers(task_force_only):
    hybrid = run({"program": "jem"})
    jem = run({"program": "jem"}, name="jem.yaml")
    assert jem.scenario.arrivals.task_force is None
    h = budget_lines(hybrid, per="window").iloc[0]
    j = budget_lines(jem, per="window").iloc[0]
    jem_staff = 3 * 50000 / 365.25 * DAYS
    assert j.program_staff_usd == pytest.approx(jem_staff, rel=1e-12)
    assert h.program_staff_usd == pytest.approx(jem_staff + LOADED * DAYS, rel=1e-12)
    assert h.program_cost_usd == pytest.approx(
        j.program_cost_usd + budget_lines(task_force_only, per="window").iloc[0].program_cost_usd,
        rel=1e-12)
    identities_hold(h)
    for line in ("program_staff_usd", "program_cost_usd", "officer_reimbursement_usd",
                 "grants_per_officer_usd"):
        assert "JEM" in DRIVEN_BY[line] and "Task Force" in DRIVEN_BY[line], line


def test_full_reimbursement_zeroes_the_task_force_staff_line():
    paid = {"salary_benefits_share": 1.0, "overtime_cap_share": 0.25}
    res = run({"program": "none", "costs.officer_reimbursement": paid})
    x = budget_lines(res, per="window").iloc[0]
    assert x.program_staff_usd == pytest.approx(LOADED * DAYS, rel=1e-12)
    assert x.officer_reimbursement_usd == x.program_staff_usd
    assert x.program_staff_net_usd == 0.0
    identities_hold(x)
    # overtime above the cap is kept: 20% of salary, 10% paid back
    capped = run({"program": "none", "costs.officer_reimbursement":
                  {**paid, "overtime_cap_share": 0.1}})
    y = budget_lines(capped, per="window").iloc[0]
    assert y.program_staff_net_usd == pytest.approx(4 * 60000 * 0.1 / 365.25 * DAYS, rel=1e-9)
    # a reimbursement of JEM and WSO only pays nothing for the Task Force
    other = run({"program": "none", "costs.officer_reimbursement":
                 {**paid, "programs": ["jem", "wso"]}})
    assert budget_lines(other, per="window").iloc[0].officer_reimbursement_usd == 0.0


def test_task_force_officers_draw_per_officer_grants_and_awards():
    res = run({"program": "none",
               "costs.officer_reimbursement": {"award_usd_per_officer_per_quarter": 500.0},
               "costs.state_grants": {"per_officer_usd_per_year": 3652.5}})
    x = budget_lines(res, per="window").iloc[0]
    assert x.performance_awards_usd == pytest.approx(4 * 500 * 4 / 365.25 * DAYS, rel=1e-12)
    assert x.grants_per_officer_usd == pytest.approx(4 * 10.0 * DAYS, rel=1e-12)


def test_a_scenario_with_the_stream_and_no_task_force_costs_says_so():
    sc = jailsim.load(SCENARIOS / "task_force.yaml").with_(
        {"costs.program.task_force": None, "program": "none"})
    res = jailsim.simulate(sc, seed=5, replications=1, days=20, engine="vector")
    assert any("runs Task Force but costs.program.task_force is missing" in n
               for n in budget_notes(res))


# ---------------------------------------------------------------------------------------------
# Texas SB 8: the three choices side by side


SB8 = ("sb8_wso.yaml", "sb8_jem.yaml", "sb8_task_force.yaml", "sb8_hybrid.yaml")


def test_the_sb8_scenarios_differ_only_in_the_model_chosen():
    scs = {name: jailsim.load(SCENARIOS / name) for name in SB8}
    wso = scs["sb8_wso.yaml"]
    for name, sc in scs.items():
        assert sc.start_date == dt.date(2025, 9, 1) and sc.horizon == wso.horizon, name
        assert sc.costs.fiscal_year_start_month == 10, name
        assert sc.costs.officer_reimbursement == wso.costs.officer_reimbursement, name
        assert sc.honor == wso.honor and sc.program == "none", name
        assert sc.arrivals.bookings == wso.arrivals.bookings, name
        program = sc.costs.program
        assert (program.jem, program.wso) == (wso.costs.program.jem, wso.costs.program.wso), name
        # the Task Force unit is costed, and trained, from the first day its stream runs
        assert program.task_force == wso.costs.program.task_force.model_copy(
            update={"start": dt.date(2025, 9, 1) if sc.arrivals.task_force else None}), name
    assert [(c.start, c.values) for c in wso.changes] == [(dt.date(2026, 1, 1), {"program": "wso"})]
    for name in ("sb8_jem.yaml", "sb8_hybrid.yaml"):
        assert [(c.start, c.values) for c in scs[name].changes] == [
            (dt.date(2026, 1, 1), {"program": "jem"})], name
    assert scs["sb8_task_force.yaml"].changes == ()
    for name in ("sb8_wso.yaml", "sb8_jem.yaml"):
        assert scs[name].arrivals.task_force is None, name
    for name in ("sb8_task_force.yaml", "sb8_hybrid.yaml"):
        assert scs[name].arrivals.task_force is not None, name
    assert scs["sb8_task_force.yaml"].arrivals == scs["sb8_hybrid.yaml"].arrivals
    # the reimbursement of 2025 covers every model's officers, the Task Force's among them
    assert "task_force" in wso.costs.officer_reimbursement.programs


def test_the_workbook_inputs_count_the_task_force_and_dated_programs_as_running(
        task_force_only):
    from jailsim.money.workbook import build_budget

    used = build_budget([task_force_only]).inputs.set_index("input")["used"]
    assert used["program.task_force.officers"] == "yes"  # runs with its stream
    assert used["program.jem.officers"].startswith("no (program none")
    sb8 = jailsim.simulate(SCENARIOS / "sb8_wso.yaml", seed=5, replications=1, days=150,
                           engine="vector")
    used = build_budget([sb8]).inputs.set_index("input")["used"]
    assert used["program.wso.officers"] == "yes"  # WSO from a dated change, not the first day
