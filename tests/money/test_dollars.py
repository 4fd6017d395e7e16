"""Dollar years in the budget: every price in the report year's dollars, stated everywhere.

The converted rates are checked exactly against the shipped CPI-U read here on its own: a
price given in the report year is unchanged, a 2017 price is multiplied by CPI(report) /
CPI(2017). Prices do not change the simulated jail, so one run is re-priced in other years.
"""

from __future__ import annotations

import argparse
import dataclasses

import openpyxl
import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.cli import budget as cli_budget
from jailsim.money.dollars import in_report_dollars, price_rows, undated_prices
from jailsim.money.tables import budget_difference, budget_lines, budget_notes, budget_table
from jailsim.money.workbook import build_budget, write_xlsx
from jailsim.scenario.prices import INDEX_FILE
from tests.conftest import SCENARIOS

CPI = pd.read_csv(INDEX_FILE, comment="#").set_index("year")["cpi_u"]
DAYS = 60


@pytest.fixture(scope="module")
def jem():
    """JEM in a small jail (people are boarded out), priced with the shipped years."""
    sc = jailsim.load(SCENARIOS / "jem.yaml").with_({"jail.rated_capacity": 470})
    return jailsim.simulate(sc, seed=5, replications=2, days=DAYS, engine="vector")


def repriced(result, changes: dict):
    return dataclasses.replace(result, scenario=result.scenario.with_(changes))


def test_prices_are_converted_to_the_report_year_exactly(jem):
    costs = jem.scenario.costs
    assert costs.report_in == 2025
    bed = 93.0 * CPI[2025] / CPI[2017]  # Pew's $93 in 2017 dollars
    lines = budget_lines(jem, per="window")
    assert (lines.boarded_out_bed_days > 0).all()
    for _, x in lines.iterrows():
        assert x.jail_cost_usd == x.in_house_bed_days * bed
        assert x.detainer_cost_usd == x.detainer_bed_days * bed
        assert x.boarding_cost_usd == x.boarded_out_bed_days * 88.0  # given in 2025: unchanged
        salary = 95667.0 * CPI[2025] / CPI[2020]
        assert x.program_staff_usd == pytest.approx(3 * salary / 365.25 * DAYS, rel=1e-12)
    assert bed == pytest.approx(122.15, abs=0.005)


def test_reporting_in_the_price_year_leaves_the_price_as_given(jem):
    in_2017 = budget_lines(repriced(jem, {"costs.report_in": 2017}), per="window")
    in_2025 = budget_lines(jem, per="window")
    for (_, x), (_, y) in zip(in_2017.iterrows(), in_2025.iterrows(), strict=True):
        assert x.jail_cost_usd == x.in_house_bed_days * 93.0
        assert x.boarding_cost_usd == x.boarded_out_bed_days * (88.0 * CPI[2017] / CPI[2025])
        assert x.bed_days == y.bed_days  # the same simulated days, other dollars
    assert budget_table(repriced(jem, {"costs.report_in": 2017})).attrs["dollar_year"] == 2017


def test_without_any_year_prices_are_taken_as_report_dollars_and_flagged(jem):
    plain = repriced(jem, {"costs.bed_day_cost_usd_per_day": 93.0,
                           "costs.program.jem.salary_usd_per_year": 95667.0})
    assert undated_prices(plain.scenario.costs) == [
        "bed_day_cost_usd_per_day", "program.jem.salary_usd_per_year"]
    lines = budget_lines(plain, per="window")
    for _, x in lines.iterrows():
        assert x.jail_cost_usd == x.in_house_bed_days * 93.0  # not converted
    (warning,) = [n for n in budget_notes(plain) if "no dollar year" in n]
    assert warning.startswith("warning: ") and "taken as 2025 dollars" in warning
    assert "bed_day_cost_usd_per_day, program.jem.salary_usd_per_year" in warning
    assert not [n for n in budget_notes(jem) if "no dollar year" in n]
    rows = {r["input"]: r for r in price_rows(plain.scenario.costs)}
    assert rows["bed_day_cost_usd_per_day"]["dollar_year"] == "none: taken as 2025"
    # a block year applies to every price without its own; a price's own year wins
    block = repriced(plain, {"costs.dollar_year": 2017})
    for _, x in budget_lines(block, per="window").iterrows():
        assert x.jail_cost_usd == x.in_house_bed_days * (93.0 * CPI[2025] / CPI[2017])
        assert x.boarding_cost_usd == x.boarded_out_bed_days * 88.0


def test_in_report_dollars_converts_every_price_and_nothing_else():
    costs = jailsim.load(SCENARIOS / "base_county.yaml").with_({
        "costs.ice_payments.per_hold_day_usd_per_day": [
            {"to": "2025-09-30", "usd": 84.0, "dollar_year": 2020},
            {"from": "2025-10-01", "usd": 100.0, "dollar_year": 2025}],
        "costs.program.jem.travel_usd_per_training": {"usd": 1500.0, "dollar_year": 2018},
        "costs.report_in": 2024,
    }).costs
    now = in_report_dollars(costs)
    hold = now.ice_payments.per_hold_day_usd_per_day
    assert [p.usd for p in hold] == [84.0 * CPI[2024] / CPI[2020], 100.0 * CPI[2024] / CPI[2025]]
    assert [(p.from_, p.to) for p in hold] == [
        (p.from_, p.to) for p in costs.ice_payments.per_hold_day_usd_per_day]
    assert now.program.jem.travel_usd_per_training[0].usd == 1500.0 * CPI[2024] / CPI[2018]
    assert now.program.jem.training_hours == costs.program.jem.training_hours
    assert now.marginal_cost_share == costs.marginal_cost_share
    rows = {r["input"]: r for r in price_rows(costs)}
    assert rows["ice_payments.per_hold_day_usd_per_day"]["dollar_year"] == "2020; 2025"
    assert rows["program.jem.training_hours"]["dollar_year"] == ""


def test_budgets_in_different_dollars_are_not_compared(jem):
    older = repriced(jem, {"costs.report_in": 2020})
    with pytest.raises(ScenarioError) as exc:
        budget_difference(jem, older)
    assert len(exc.value.lines) == 1 and "2020 dollars" in exc.value.lines[0]
    with pytest.raises(ScenarioError, match="different years"):
        build_budget([jem, older])


# ---------------------------------------------------------------------------------------------
# The tables, the workbook and the command state the dollar year


def test_table_workbook_and_notes_state_the_dollar_year(jem, tmp_path):
    t = budget_table(jem)
    assert t.attrs["dollar_year"] == 2025
    assert t.loc["net_cost_usd", "unit"] == "2025 USD/yr" and t.loc["bed_days", "unit"] == (
        "bed-days/yr")
    budget = build_budget([jem])
    assert budget.dollar_year == 2025
    assert any("in 2025 dollars" in n for n in budget.notes)
    assert any(n.startswith("dollars: every amount is in 2025 dollars") for n in budget.notes)
    path = write_xlsx(budget, tmp_path / "b.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    assert set(sheets["budget"]["unit"]) >= {"2025 USD/yr", "bed-days/yr"}
    inputs = sheets["inputs"].set_index("input")
    assert "in 2025 dollars" in inputs.columns and "dollar_year" in inputs.columns
    bed = inputs.loc["bed_day_cost_usd_per_day"]
    assert (bed["value"], bed["dollar_year"], bed["in 2025 dollars"]) == ("93", "2017", "122.15")
    assert "Pew" in bed["source"] and bed["unit"] == "USD/day"
    salary = inputs.loc["program.jem.salary_usd_per_year"]
    assert (salary["dollar_year"], salary["in 2025 dollars"]) == ("2020", "119003.14")
    assert openpyxl.load_workbook(path).sheetnames[2] == "inputs"


def main(argv):
    p = argparse.ArgumentParser(prog="jailsim")
    cli_budget.add_parsers(p.add_subparsers(dest="command", required=True))
    args = p.parse_args(argv)
    return cli_budget.COMMANDS[args.command](args)


SMALL = ["--days", "40", "--engine", "vector", "-r", "2", "--seed", "2"]


def test_cli_states_the_dollar_year_and_lists_prices(capsys):
    assert main(["budget", str(SCENARIOS / "jem.yaml"), *SMALL]) == 0
    out = capsys.readouterr().out
    assert "in 2025 dollars" in out and "2025 USD/yr" in out
    (bed,) = [line for line in out.splitlines() if line.startswith("bed_day_cost_usd_per_day")]
    assert bed.split()[:5] == ["bed_day_cost_usd_per_day", "93", "USD/day", "2017", "122.15"]
    assert "Pew" in bed


def test_cli_report_in_overrides_the_scenarios_year(capsys):
    assert main(["budget", str(SCENARIOS / "bell_county.yaml"), *SMALL]) == 0
    assert "in 2014 dollars" in capsys.readouterr().out  # Bell's own report year
    assert main(["budget", str(SCENARIOS / "bell_county.yaml"), *SMALL,
                 "--report-in", "2025"]) == 0
    out = capsys.readouterr().out
    (bed,) = [line for line in out.splitlines() if line.startswith("bed_day_cost_usd_per_day")]
    assert bed.split()[3:5] == ["2014", f"{67.35 * CPI[2025] / CPI[2014]:.2f}"]


def test_cli_report_in_outside_the_index_exit_2_one_line(capsys):
    assert main(["budget", str(SCENARIOS / "jem.yaml"), *SMALL, "--report-in", "1999"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--report-in" in err[0] and "from 2007 to 2025" in err[0]
