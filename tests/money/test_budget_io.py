"""Budget outputs: the workbook, the CSV, and the ``jailsim budget`` command."""

from __future__ import annotations

import argparse

import openpyxl
import pandas as pd
import pytest

import jailsim
from jailsim.cli import budget as cli_budget
from jailsim.money.lines import LINES
from jailsim.money.workbook import SHEETS, build_budget, long_table, write_csv, write_xlsx
from tests.conftest import SCENARIOS

SMALL = ["--days", "150", "--engine", "vector"]


@pytest.fixture(scope="module")
def budget():
    results = [
        jailsim.simulate(SCENARIOS / name, seed=3, replications=3, days=150, engine="vector")
        for name in ("no_287g.yaml", "jem.yaml", "wso.yaml")
    ]
    return build_budget(results)


def parser():
    p = argparse.ArgumentParser(prog="jailsim")
    cli_budget.add_parsers(p.add_subparsers(dest="command", required=True))
    return p


def main(argv):
    args = parser().parse_args(argv)
    return cli_budget.COMMANDS[args.command](args)


def test_budget_holds_tables_differences_inputs_notes(budget):
    assert list(budget.tables) == ["no 287(g)", "JEM", "WSO"]
    assert list(budget.differences) == ["JEM - no 287(g)", "WSO - no 287(g)"]
    assert set(budget.inputs["scenario"]) == set(budget.tables)
    used = budget.inputs.set_index(["scenario", "input"])["used"]
    assert used[("JEM", "program.jem.officers")] == "yes"
    assert used[("no 287(g)", "program.jem.officers")].startswith("no")
    assert any("common random numbers" in n for n in budget.notes)
    assert any(n.startswith("line net_cost_usd") for n in budget.notes)


def test_xlsx_has_the_four_sheets(budget, tmp_path):
    path = write_xlsx(budget, tmp_path / "out" / "budget.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS) == ["budget", "comparison", "inputs", "notes"]
    sheet = pd.read_excel(path, sheet_name=None)
    assert list(sheet["budget"]["line"]) == list(LINES)
    assert "JEM: mean" in sheet["budget"].columns and "JEM: 95% high" in sheet["budget"].columns
    assert "JEM - no 287(g): mean" in sheet["comparison"].columns
    assert {"input", "value", "unit", "source"} <= set(sheet["inputs"].columns)
    assert sheet["inputs"]["source"].notna().all()
    jem = budget.tables["JEM"]
    got = sheet["budget"].set_index("line").loc["net_cost_usd", "JEM: mean"]
    assert got == pytest.approx(jem.loc["net_cost_usd", "mean"])
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_xlsx_of_one_scenario_says_there_is_no_comparison(tmp_path):
    res = jailsim.simulate(SCENARIOS / "jem.yaml", seed=1, replications=2, days=60,
                           engine="vector")
    path = write_xlsx(build_budget([res]), tmp_path / "one.xlsx")
    comparison = pd.read_excel(path, sheet_name="comparison")
    assert "one scenario" in comparison.iloc[0, 0]


def test_csv_is_one_tidy_table(budget, tmp_path):
    path = write_csv(budget, tmp_path / "budget.csv")
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["table", "scenario", "line", "group", "driven_by", "unit",
                                   "mean", "ci_low", "ci_high", "n"]
    assert len(frame) == len(LINES) * (3 + 2)
    assert set(frame["table"]) == {"budget", "comparison"}
    pd.testing.assert_frame_equal(frame, long_table(budget), check_dtype=False)


def test_cli_budget_prints_and_writes(tmp_path, capsys):
    xlsx, csv = tmp_path / "b.xlsx", tmp_path / "b.csv"
    code = main(["budget", str(SCENARIOS / "no_287g.yaml"), str(SCENARIOS / "jem.yaml"),
                 "-r", "2", "--seed", "4", *SMALL, "--xlsx", str(xlsx), "--csv", str(csv)])
    out = capsys.readouterr().out
    assert code == 0
    assert "seed 4" in out and "net_cost_usd" in out and "JEM - no 287(g)" in out
    assert xlsx.is_file() and csv.is_file()
    assert openpyxl.load_workbook(xlsx).sheetnames == list(SHEETS)


def test_cli_budget_per_window_and_default_replications(capsys, monkeypatch):
    monkeypatch.setattr(cli_budget, "DEFAULT_REPLICATIONS", 2)
    assert main(["budget", str(SCENARIOS / "bell_county.yaml"), "--per", "window",
                 "--seed", "1", "--days", "60", "--engine", "vector"]) == 0
    out = capsys.readouterr().out
    assert "2 replications" in out and "totals over the window" in out
    assert "USD/yr" not in out and "detainer_cost_usd" in out


def test_cli_budget_bad_cost_input_exit_2_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {(SCENARIOS / 'jem.yaml').resolve()}\n"
                   "costs: {bed_day_cost_usd_per_day: -1}\n")
    assert main(["budget", str(bad), *SMALL]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0] and "cannot be negative" in err[0]


def test_cli_budget_scenario_without_costs_exit_2(tmp_path, capsys):
    data = jailsim.load(SCENARIOS / "jem.yaml").to_dict()
    del data["costs"]
    import yaml

    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(data))
    assert main(["budget", str(plain), *SMALL]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "costs: missing" in err[0]


def test_cli_budget_bad_option_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["budget", str(SCENARIOS / "jem.yaml"), "--per", "month"])
    assert exc.value.code == 2
