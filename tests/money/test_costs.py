"""Costs: the budget of a run, line by line, against arithmetic done by hand on its tables."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.money.lines import LINES
from jailsim.money.tables import budget_difference, budget_lines, budget_notes, budget_table
from jailsim.scenario.costs import input_paths, input_rows
from jailsim.scenario.loading import validate
from tests.conftest import SCENARIOS

DAYS = 200  # short horizons: the base county warm-starts at steady state, no warm-up needed
INDEX = Path(jailsim.__file__).parent / "scenario" / "cpi_u.csv"


def cpi() -> pd.Series:
    """The shipped CPI-U, read here on its own: year -> annual average."""
    return pd.read_csv(INDEX, comment="#").set_index("year")["cpi_u"]


def run(name: str, changes: dict | None = None, reps: int = 3, seed: int = 7, days=DAYS):
    sc = jailsim.load(SCENARIOS / name)
    if changes:
        sc = sc.with_(changes)
    return jailsim.simulate(sc, seed=seed, replications=reps, days=days, engine="vector")


#: Every payment switched on, a small jail (so people are boarded out), SCAAP, WSO officers
#: paid by the hour: every line of the budget is non-zero somewhere.
EVERYTHING = {
    "jail.rated_capacity": 470,
    "costs.bed_day_cost_usd_per_day": 93.0,
    "costs.marginal_cost_share": 0.3,
    "costs.boarded_out_usd_per_day": 71.5,
    "costs.ice_payments": {
        "per_hold_day_usd_per_day": 84.0,
        "per_hold_usd": 50.0,
        "igsa_usd_per_day": 88.0,
    },
    "costs.scaap": {"paid_share": 0.23, "eligible_cost_share": 0.6},
}


@pytest.fixture(scope="module")
def wso():
    return run("wso_igsa.yaml", EVERYTHING)


@pytest.fixture(scope="module")
def jem():
    return run("jem.yaml", {**EVERYTHING, "costs.ice_payments.igsa_usd_per_day": 0.0})


# ---------------------------------------------------------------------------------------------
# Bed-days agree with the metrics


def test_bed_day_lines_are_the_metrics_of_the_window(wso):
    lines = budget_lines(wso, per="window")
    metrics = wso.metrics.set_index("replication")
    for name in ("bed_days", "boarded_out_bed_days", "detainer_bed_days", "hold_bed_days",
                 "attributable_bed_days", "attributable_bed_days_pre_release",
                 "attributable_bed_days_hold", "detainers", "holds", "warrants_served",
                 "ice_transfers"):
        np.testing.assert_allclose(lines[name], metrics[name], rtol=1e-9, atol=1e-9,
                                   err_msg=name)
    assert (lines["boarded_out_bed_days"] > 0).all()  # the small jail does board people out


def test_per_year_is_window_total_times_365_25_over_window(wso):
    window, year = budget_lines(wso, per="window"), budget_lines(wso, per="year")
    np.testing.assert_allclose(year, window * 365.25 / DAYS, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Identities, exactly


@pytest.mark.parametrize("per", ["year", "window"])
def test_priced_lines_are_bed_days_times_rate_exactly(wso, jem, per):
    for result in (wso, jem):
        c = result.scenario.costs
        for _, x in budget_lines(result, per=per).iterrows():
            assert x.jail_cost_usd == x.in_house_bed_days * 93.0
            assert x.boarding_cost_usd == x.boarded_out_bed_days * 71.5
            assert x.detainer_cost_usd == x.detainer_bed_days * 93.0
            assert x.attributable_cost_usd == x.attributable_bed_days * 93.0
            assert x.attributable_cost_marginal_usd == x.attributable_cost_usd * 0.3
            assert x.ice_hold_day_usd == x.paid_hold_bed_days * 84.0
            assert x.ice_per_hold_usd == x.holds * 50.0
            assert x.igsa_usd == x.igsa_bed_days * c.ice_payments.igsa_usd_per_day[0].usd
            assert x.scaap_usd == 0.23 * 0.6 * x.detainer_cost_usd
            assert x.total_jail_cost_usd == x.jail_cost_usd + x.boarding_cost_usd
            assert x.reimbursements_usd == (
                x.ice_hold_day_usd + x.ice_per_hold_usd + x.igsa_usd + x.scaap_usd
                + x.officer_reimbursement_usd + x.performance_awards_usd
                + x.equipment_reimbursement_usd
            )
            assert x.program_cost_usd == (
                x.program_staff_usd + x.program_training_usd + x.program_supervision_usd
            )
            # no Task Force stream: the days the programs cause are the detainers' days
            assert x.caused_cost_usd == x.attributable_cost_usd
            assert x.net_cost_usd == (
                x.caused_cost_usd - x.reimbursements_usd - x.grants_usd + x.program_cost_usd
            )
            assert x.net_cost_marginal_usd == (
                x.caused_cost_marginal_usd - x.reimbursements_usd - x.grants_usd
                + x.program_cost_usd
            )


def test_hold_days_and_igsa_days_are_paid_apart(wso, jem):
    w = budget_lines(wso, per="window")
    # every hold day (release to ICE custody) at the hold-day rate; the days ICE's detainees
    # stay here under the IGSA at the IGSA per-diem, and they are the census's IGSA days
    assert (w.paid_hold_bed_days == w.hold_bed_days).all()
    assert (w.igsa_bed_days > 0).all()
    np.testing.assert_allclose(w.igsa_usd, 88.0 * w.igsa_bed_days, rtol=1e-9)
    census = wso.census
    days = census[census.day < DAYS].groupby("replication")["ice_detainees"].sum().to_numpy()
    np.testing.assert_allclose(w.igsa_bed_days.to_numpy(), days, rtol=1e-9)
    j = budget_lines(jem, per="window")  # no IGSA: no IGSA days
    assert (j.igsa_bed_days == 0).all() and (j.igsa_usd == 0).all()


def test_table_means_keep_the_identities(wso):
    t = budget_table(wso)
    assert t.loc["net_cost_usd", "mean"] == pytest.approx(
        t.loc["caused_cost_usd", "mean"] - t.loc["reimbursements_usd", "mean"]
        - t.loc["grants_usd", "mean"] + t.loc["program_cost_usd", "mean"], rel=1e-12
    )
    assert list(t.index) == list(LINES)
    assert t.loc["jail_cost_usd", "unit"] == "2025 USD/yr"  # the dollars of costs.report_in
    assert (t["n"] == 3).all()
    # the interval is a t-interval over the replications' budget lines
    x = budget_lines(wso)["jail_cost_usd"].to_numpy()
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert t.loc["jail_cost_usd", "mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert t.loc["jail_cost_usd", "ci_high"] - t.loc["jail_cost_usd", "mean"] == pytest.approx(
        half, rel=1e-9)
    assert t.attrs["scenario"] == "WSO with an IGSA" and t.attrs["seed"] == 7


def test_hours_worked_salary_is_simulated_service_time(wso):
    prog = wso.scenario.costs.program.wso
    assert prog.salary_basis == "hours_worked"
    lines = budget_lines(wso, per="window")
    for r, b in wso.bookings.groupby("replication"):
        start = b["warrant_start_at"].to_numpy()
        end = b["warrant_served_at"].to_numpy()
        has = ~np.isnan(start)
        busy = np.clip(np.minimum(end[has], DAYS) - np.maximum(start[has], 0), 0, None).sum()
        salary = prog.salary_usd_per_year[0]  # $95,667 in 2020 dollars, reported in 2025's
        assert salary.dollar_year == 2020 and wso.scenario.costs.report_in == 2025
        hourly = salary.usd * cpi()[2025] / cpi()[2020] / prog.hours_per_year
        loaded = 1 + prog.benefits_share + prog.overtime_share
        expected = busy * 24 * hourly * loaded
        assert lines.loc[r, "program_staff_usd"] == pytest.approx(expected, rel=1e-9)


# ---------------------------------------------------------------------------------------------
# Dated values


def test_dated_rate_switches_on_its_date_exactly():
    switch = dt.date(2025, 3, 1)  # base county starts 2025-01-06: day 54
    dated = [{"to": "2025-02-28", "usd": 80.0}, {"from": "2025-03-01", "usd": 120.0}]
    res = run("no_287g.yaml", {"costs.bed_day_cost_usd_per_day": dated}, reps=2)
    lines = budget_lines(res, per="window")
    for r, c in res.census.groupby("replication"):
        before = c["date"].dt.date < switch
        in_house = (c["census"] - c["boarded_out"]).to_numpy()
        expected = 80.0 * in_house[before].sum() + 120.0 * in_house[~before].sum()
        assert lines.loc[r, "jail_cost_usd"] == pytest.approx(expected, rel=1e-12)
        assert 0 < before.sum() < len(c)
    # the same days at one rate: the dated cost lies strictly between 80 and 120 per day
    per_day = lines["jail_cost_usd"] / lines["in_house_bed_days"]
    assert ((per_day > 80) & (per_day < 120)).all()


def test_a_gap_in_dated_values_costs_nothing_and_is_noted():
    res = run("no_287g.yaml", {"costs.bed_day_cost_usd_per_day": [{"from": "2025-03-01",
                                                                    "usd": 93.0}]}, reps=2)
    notes = " ".join(budget_notes(res))
    assert "$0 on 54 days" in notes


def test_program_starting_mid_horizon_counts_only_the_days_after():
    start = dt.date(2025, 1, 6) + dt.timedelta(days=50)
    prog = {
        "officers": 3, "salary_usd_per_year": 60000.0, "benefits_share": 0.4,
        "overtime_share": 0.1, "training_hours": 160, "backfill_share": 1.5,
        "travel_usd_per_training": 2000.0, "supervision_usd_per_year": 36525.0,
        "start": start.isoformat(),
    }
    res = run("jem.yaml", {"costs.program.jem": prog}, reps=2)
    lines = budget_lines(res, per="window")
    days_after = DAYS - 50
    staff = 3 * 60000.0 / 365.25 * 1.5 * days_after
    training = 3 * (160 * 60000.0 / 2080 * 1.5 + 2000.0)  # once, on the start date
    supervision = 36525.0 / 365.25 * days_after
    for _, x in lines.iterrows():
        assert x.program_staff_usd == pytest.approx(staff, rel=1e-12)
        assert x.program_training_usd == pytest.approx(training, rel=1e-12)
        assert x.program_supervision_usd == pytest.approx(supervision, rel=1e-12)
    notes = " ".join(budget_notes(res))
    assert f"costed from {start}" in notes

    # ending 100 days after it starts; a refresher every 2 years, spread over the cycle
    ended = {**prog, "end": (start + dt.timedelta(days=99)).isoformat(),
             "refresher_every": "2y", "refresher_hours": 40}
    lines = budget_lines(run("jem.yaml", {"costs.program.jem": ended}, reps=1), per="window")
    refresher = 3 * (40 * 60000.0 / 2080 * 1.5 + 2000.0) / 730.5 * 100
    assert lines.iloc[0].program_staff_usd == pytest.approx(staff / days_after * 100, rel=1e-12)
    assert lines.iloc[0].program_training_usd == pytest.approx(training + refresher, rel=1e-12)


def test_program_started_before_the_window_has_no_initial_training():
    prog = {"officers": 2, "salary_usd_per_year": 50000.0, "training_hours": 160,
            "backfill_share": 1.0, "start": "2020-01-01"}
    lines = budget_lines(run("jem.yaml", {"costs.program.jem": prog}, reps=1), per="window")
    assert lines.iloc[0].program_training_usd == 0.0
    assert lines.iloc[0].program_staff_usd == pytest.approx(2 * 50000 / 365.25 * DAYS)


def test_program_costs_count_only_when_the_scenario_runs_the_model():
    res = run("no_287g.yaml", reps=1)
    assert res.scenario.costs.program.jem is not None  # inherited from the base county
    assert budget_lines(res).iloc[0].program_cost_usd == 0.0


def test_scaap_felony_only_counts_part_of_the_detainer_days(wso):
    felony = run("wso.yaml", {**EVERYTHING, "costs.scaap.felony_only": True})
    a, b = budget_lines(wso), budget_lines(felony)
    assert ((b.scaap_usd > 0) & (b.scaap_usd < a.scaap_usd)).all()


# ---------------------------------------------------------------------------------------------
# Paired differences


def test_budget_difference_pairs_replications():
    a = run("no_287g.yaml", reps=4)
    b = run("jem.yaml", reps=4)
    diff = budget_difference(a, b)
    ta, tb = budget_table(a), budget_table(b)
    assert diff.loc["net_cost_usd", "mean"] == pytest.approx(
        tb.loc["net_cost_usd", "mean"] - ta.loc["net_cost_usd", "mean"], rel=1e-9
    )
    assert diff.attrs["paired"] is True
    # common random numbers: the paired interval of bed-days is narrower than either run's
    width = diff.loc["bed_days", "ci_high"] - diff.loc["bed_days", "ci_low"]
    assert width < ta.loc["bed_days", "ci_high"] - ta.loc["bed_days", "ci_low"]
    # What JEM adds to the jail is what detainers add (the same people, the same draws), but
    # for the interviews in progress JEM finishes before a release, which its counterfactual
    # keeps too: they only lengthen stays, by hours, for a handful of people.
    rest = (b.metrics.bed_days - b.metrics.attributable_bed_days) - (
        a.metrics.bed_days - a.metrics.attributable_bed_days)
    assert ((rest >= -1e-6) & (rest < 1.0)).all(), rest.to_numpy()
    assert diff.loc["bed_days", "mean"] > 1000  # against thousands of bed-days
    with pytest.raises(ValueError, match="cannot pair"):
        budget_difference(a, run("jem.yaml", reps=2))


def test_a_scenario_without_costs_is_a_one_line_error():
    sc = jailsim.load(SCENARIOS / "jem.yaml").model_copy(update={"costs": None})
    res = jailsim.simulate(sc, seed=1, days=30, engine="vector")
    with pytest.raises(ScenarioError) as exc:
        budget_table(res)
    assert len(exc.value.lines) == 1 and "costs" in exc.value.lines[0]


# ---------------------------------------------------------------------------------------------
# Bell County, Texas, October 2011 - May 2014


def test_bell_county_scenario_reproduces_the_cost_arithmetic():
    res = jailsim.simulate(SCENARIOS / "bell_county.yaml", seed=1, replications=80,
                           engine="vector")
    sc = res.scenario
    assert (sc.start_date, sc.horizon) == (dt.date(2011, 10, 1), 974.0)
    assert sc.start_date + dt.timedelta(days=sc.horizon - 1) == dt.date(2014, 5, 31)
    lines = budget_lines(res, per="window")
    assert (lines.detainer_cost_usd == lines.detainer_bed_days * 67.35).all()
    assert (lines.reimbursements_usd == 0).all() and (lines.program_cost_usd == 0).all()
    assert (lines.net_cost_usd == lines.attributable_cost_usd).all()
    # The published totals (21,136 jail days of 1,200 people at $67.35 a day: $1,423,510,
    # not the article's "$1.2 million") are consistent with the scenario: within 4 standard
    # errors of its 80-replication mean, and 4 SE is under 7% of each.
    for line, published in {"detainer_bed_days": 21_136, "detainer_person_months": 1_200,
                            "detainer_cost_usd": 21_136 * 67.35}.items():
        x = lines[line].to_numpy()
        se = x.std(ddof=1) / np.sqrt(len(x))
        assert abs(x.mean() - published) < 4 * se, (line, x.mean(), se)
        assert 4 * se < 0.07 * published, (line, se)
    t = budget_table(res, per="window")
    # the detainer cost counts every jail day of people with detainers; the days detainers
    # caused (holds: calibration found no bond effect in Bell) are a few percent of it
    assert t.loc["attributable_cost_usd", "mean"] < 0.1 * t.loc["detainer_cost_usd", "mean"]


# ---------------------------------------------------------------------------------------------
# Inputs: validation and listing


def bad(costs_changes: dict, tmp_path) -> list[str]:
    body = "\n".join(f"  {k}: {v}" for k, v in costs_changes.items())
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {(SCENARIOS / 'base_county.yaml').resolve()}\ncosts:\n{body}\n")
    with pytest.raises(ScenarioError) as exc:
        jailsim.load(path)
    for line in exc.value.lines:
        assert line.startswith(f"{path}: costs.") and "\n" not in line
    return exc.value.lines


@pytest.mark.parametrize(
    "changes, where, words",
    [
        ({"bed_day_cost_usd_per_day": -93}, "costs.bed_day_cost_usd_per_day",
         "cannot be negative"),
        ({"boarded_out_usd_per_day": "[{from: 2025-01-01, usd: -5}]"},
         "costs.boarded_out_usd_per_day.0.usd", "cannot be negative"),
        ({"ice_payments": "{igsa_usd_per_day: [{to: 2025-09-30, usd: 84}, "
                          "{from: 2025-09-01, usd: 100}]}"},
         "costs.ice_payments.igsa_usd_per_day", "overlap"),
        ({"bed_day_cost_usd_per_day": "[{from: 2025-01-01, usd: 84}, {from: 2026-01-01, usd: 9}]"},
         "costs.bed_day_cost_usd_per_day", "2025-01-01..(open) and 2026-01-01..(open) overlap"),
        ({"bed_day_cost_usd_per_day": "[{from: 2025-10-01, to: 2025-01-01, usd: 84}]"},
         "costs.bed_day_cost_usd_per_day", "ends before it starts"),
        ({"marginal_cost_share": 1.5}, "costs.marginal_cost_share", "at most 1"),
        ({"bed_day_cost_usd_per_day": "$93"}, "costs.bed_day_cost_usd_per_day",
         "expected an amount in US dollars"),
        ({"program": "{jem: {officers: 2.5}}"}, "costs.program.jem.officers", "whole number"),
        ({"program": "{jem: {start: 2026-01-01, end: 2025-01-01}}"}, "costs.program.jem.end",
         "ends (2025-01-01) before it starts"),
        ({"sources": "{bed_day_cost: Pew}"}, "costs.sources",
         "did you mean 'bed_day_cost_usd_per_day'"),
        ({"scaap": "{paid_share: 0.23}"}, "costs.scaap.eligible_cost_share", "missing"),
    ],
)
def test_bad_cost_inputs_are_one_line_errors(changes, where, words, tmp_path):
    lines = bad(changes, tmp_path)
    assert len(lines) == 1, lines
    assert f": {where}: " in lines[0] and words in lines[0], lines[0]


def test_dated_values_round_trip_through_the_resolved_scenario(tmp_path):
    sc = jailsim.load(SCENARIOS / "base_county.yaml").with_({
        "costs.ice_payments.per_hold_day_usd_per_day": [
            {"from": "2025-10-01", "usd": 100.0}, {"to": "2025-09-30", "usd": 84.0}],
        "costs.program.jem.start": "2025-07-01",
    })
    periods = sc.costs.ice_payments.per_hold_day_usd_per_day
    assert [p.usd for p in periods] == [84.0, 100.0]  # kept in date order
    again = validate(sc.to_dict(), source="again")
    assert again == sc
    assert sc.to_dict()["costs"]["bed_day_cost_usd_per_day"] == {"usd": 93.0, "dollar_year": 2017}
    plain = sc.with_({"costs.bed_day_cost_usd_per_day": 93})
    assert plain.to_dict()["costs"]["bed_day_cost_usd_per_day"] == 93.0  # a number stays one


def test_every_input_is_listed_with_a_unit_and_a_source():
    costs = jailsim.load(SCENARIOS / "jem.yaml").costs
    rows = input_rows(costs)
    assert [r["input"] for r in rows] == input_paths()
    by_name = {r["input"]: r for r in rows}
    assert by_name["bed_day_cost_usd_per_day"]["unit"] == "USD/day"
    assert "Pew" in by_name["bed_day_cost_usd_per_day"]["source"]
    assert by_name["program.jem.salary_usd_per_year"]["unit"] == "USD/year"
    for row in rows:  # the base county gives a source for everything it sets
        assert row["source"] != "set in the scenario; no source given", row


def test_shipped_defaults_cite_sources_section_8_or_say_why_not():
    costs = jailsim.load(SCENARIOS / "base_county.yaml").costs
    for key, text in costs.sources.items():
        assert "sources §" in text or "assumption" in text or "no figure" in text \
            or "derived" in text or "included in" in text, (key, text)
    assert not math.isnan(costs.bed_day_cost_usd_per_day[0].usd)


def test_program_started_by_a_dated_change_is_paid_from_that_day():
    # no 287(g) for 50 days, then JEM from a dated change: the program's staff and
    # supervision are paid for the days after it, its initial training once on that day.
    start = dt.date(2025, 1, 6) + dt.timedelta(days=50)
    prog = {"officers": 3, "salary_usd_per_year": 60000.0, "training_hours": 160,
            "backfill_share": 1.5, "supervision_usd_per_year": 36525.0}
    res = run("no_287g.yaml", {
        "jem": jailsim.load(SCENARIOS / "jem.yaml").to_dict()["jem"],
        "costs.program.jem": prog,
        "changes": [{"from": start.isoformat(), "set": {"program": "jem"}}],
    }, reps=1)
    x = budget_lines(res, per="window").iloc[0]
    days_after = DAYS - 50
    assert x.program_staff_usd == pytest.approx(3 * 60000.0 / 365.25 * days_after, rel=1e-12)
    assert x.program_supervision_usd == pytest.approx(36525.0 / 365.25 * days_after, rel=1e-12)
    assert x.program_training_usd == pytest.approx(3 * 160 * 60000.0 / 2080 * 1.5, rel=1e-12)
    assert "JEM program costs follow the dated changes" in " ".join(budget_notes(res))
