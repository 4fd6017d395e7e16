"""The Excel workbook a county budget office pastes into its budget, read back with openpyxl."""

from __future__ import annotations

import math
from dataclasses import replace

import openpyxl
import pytest

import jailsim
from jailsim.money.lines import DRIVEN_BY, LINES
from jailsim.money.workbook import SHEETS, build_budget, write_xlsx
from tests.conftest import SCENARIOS

#: The format a budget office expects of each unit of ``LINES`` (written out, not imported).
EXPECTED = {"USD": '"$"#,##0', "bed-days": "#,##0", "count": "#,##0", "share": "0.0%"}


def _run(name: str, **kw):
    kw = {"seed": 3, "replications": 2, "days": 60, "engine": "vector", **kw}
    return jailsim.simulate(SCENARIOS / name, **kw)


@pytest.fixture(scope="module")
def budget():
    return build_budget([_run("no_287g.yaml"), _run("jem.yaml")])


@pytest.fixture(scope="module")
def book(budget, tmp_path_factory):
    return openpyxl.load_workbook(write_xlsx(budget, tmp_path_factory.mktemp("wb") / "b.xlsx"))


def _header(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


def _rows(ws):
    """Data rows as {header: cell}."""
    names = [c.value for c in ws[1]]
    return [dict(zip(names, row, strict=True)) for row in ws.iter_rows(min_row=2)]


def _shown(value, fmt: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if fmt == '"$"#,##0':
        return ("-" if value < 0 else "") + f"${abs(value):,.0f}"
    if fmt == '"$"#,##0.00':
        return ("-" if value < 0 else "") + f"${abs(value):,.2f}"
    if fmt == "#,##0":
        return f"{value:,.0f}"
    if fmt == "0.0%":
        return f"{value:.1%}"
    if fmt == "0":
        return f"{value:.0f}"
    return f"{value:g}"


def test_means_and_intervals_are_numbers_in_columns_of_their_own(book, budget):
    ws = book["budget"]
    cols = _header(ws)
    for label in budget.tables:
        for stat in ("mean", "95% low", "95% high", "95% half-width"):
            assert f"{label}: {stat}" in cols
    for row in _rows(ws):
        low, high = row["JEM: 95% low"].value, row["JEM: 95% high"].value
        for stat in ("mean", "95% low", "95% high", "95% half-width"):
            assert isinstance(row[f"JEM: {stat}"].value, int | float), (row["line"].value, stat)
        assert row["JEM: 95% half-width"].value == pytest.approx((high - low) / 2, abs=0.5)
    net = next(r for r in _rows(ws) if r["line"].value == "net_cost_usd")
    assert net["JEM: mean"].value == pytest.approx(budget.tables["JEM"].loc["net_cost_usd",
                                                                           "mean"])


def test_inputs_sheet_stores_prices_and_years_as_numbers(book):
    rows = _rows(book["inputs"])
    bed = next(r for r in rows if r["input"].value == "bed_day_cost_usd_per_day")
    assert bed["value"].value == 93 and bed["value"].data_type == "n"
    assert bed["dollar_year"].value == 2017 and bed["dollar_year"].number_format == "0"
    assert bed["in 2025 dollars"].value == pytest.approx(122.15)
    assert bed["in 2025 dollars"].number_format == '"$"#,##0.00'
    share = next(r for r in rows if r["input"].value == "marginal_cost_share")
    assert share["value"].value == 1 and share["value"].number_format == "0.0%"


@pytest.mark.parametrize("sheet", SHEETS)
def test_every_sheet_has_a_bold_frozen_header_and_first_column_and_a_filter(book, sheet):
    ws = book[sheet]
    assert all(c.font.b for c in ws[1])
    assert all(row[0].font.b for row in ws.iter_rows(min_row=2))
    frozen = openpyxl.utils.cell.coordinate_from_string(ws.freeze_panes)
    assert frozen[1] == 2 and frozen[0] != "A"  # the header row and at least column A
    assert ws.auto_filter.ref == ws.dimensions


@pytest.mark.parametrize("sheet", ["budget", "comparison"])
def test_each_row_has_the_number_format_of_its_lines_unit(book, sheet):
    ws = book[sheet]
    seen = set()
    for row in _rows(ws):
        line = row["line"].value
        want = EXPECTED[LINES[line][1]]
        numbers = [c for name, c in row.items() if ": " in name]
        assert numbers and {c.number_format for c in numbers} == {want}, line
        seen.add(want)
    assert {'"$"#,##0', "#,##0"} <= seen


def test_values_that_round_to_zero_are_written_as_zero(budget, tmp_path):
    table = budget.tables["JEM"].copy()
    table.loc["net_cost_usd", ["mean", "ci_low", "ci_high"]] = [-0.004, -0.49, 0.3]
    table.loc["holds", ["mean", "ci_low", "ci_high"]] = [-1e-12, -0.0, -0.6]
    tweaked = replace(budget, tables={**budget.tables, "JEM": table})
    ws = openpyxl.load_workbook(write_xlsx(tweaked, tmp_path / "z.xlsx"))["budget"]
    rows = {r["line"].value: r for r in _rows(ws)}
    for line in ("net_cost_usd", "holds"):
        for stat in ("mean", "95% low"):
            value = rows[line][f"JEM: {stat}"].value
            assert value == 0 and math.copysign(1, value) == 1, (line, stat, value)
    assert rows["holds"]["JEM: 95% high"].value == pytest.approx(-0.6)  # shows -1: kept


def test_notes_sheet_says_what_lines_mean_the_sources_and_the_run(book, budget):
    rows = _rows(book["notes"])
    lines = {r["name"].value: r for r in rows if r["topic"].value == "line"}
    assert list(lines) == list(LINES)
    net = lines["net_cost_usd"]
    assert net["driven by"].value == DRIVEN_BY["net_cost_usd"]
    assert net["meaning or note"].value == LINES["net_cost_usd"][2]
    assert net["value"].value == "2025 USD/yr"
    sources = {(r["scenario"].value, r["name"].value): r["meaning or note"].value
               for r in rows if r["topic"].value == "source"}
    jem = jailsim.load(SCENARIOS / "jem.yaml").costs.sources
    assert jem and sources[("JEM", "program.jem.officers")] == jem["program.jem.officers"]
    run = {(r["name"].value, r["scenario"].value): r["value"].value
           for r in rows if r["topic"].value == "run"}
    assert run[("seed", "JEM")] == 3 and run[("replications", "JEM")] == 2
    assert run[("dollar year", None)] == 2025
    command = next(r for r in rows if r["name"].value == "command")["meaning or note"].value
    assert "--seed 3" in command and "--replications 2" in command and "--days 60" in command


def test_notes_sheet_gives_the_command_when_known(tmp_path):
    made = build_budget([_run("jem.yaml", days=30)], command="jailsim budget jem.yaml -r 2")
    ws = openpyxl.load_workbook(write_xlsx(made, tmp_path / "c.xlsx"))["notes"]
    command = next(r for r in _rows(ws) if r["name"].value == "command")
    assert command["meaning or note"].value == "jailsim budget jem.yaml -r 2"


@pytest.mark.parametrize("sheet", ["budget", "comparison", "inputs"])
def test_column_widths_fit_the_content(book, sheet):
    ws = book[sheet]
    for col in ws.iter_cols():
        letter = col[0].column_letter
        longest = max(len(_shown(c.value, c.number_format)) for c in col)
        width = ws.column_dimensions[letter].width
        assert min(longest, 80) + 1 <= width <= min(longest, 80) + 4, (col[0].value, width)


def test_fiscal_year_budget_freezes_year_and_line(tmp_path):
    made = build_budget([_run("sb8_wso.yaml", days=150)], per="fiscal_year")
    ws = openpyxl.load_workbook(write_xlsx(made, tmp_path / "fy.xlsx"))["budget"]
    assert [c.value for c in ws[1]][:2] == ["fiscal year", "line"]
    assert ws.freeze_panes == "C2"
    rows = _rows(ws)
    assert len({r["fiscal year"].value for r in rows}) >= 2
    mean = next(name for name in _header(ws) if name.endswith(": mean"))
    assert all(r[mean].number_format == EXPECTED[LINES[r["line"].value][1]] for r in rows)


def test_the_command_line_budget_records_the_command_as_typed(tmp_path, capsys):
    from jailsim.cli.main import main

    path = tmp_path / "budget.xlsx"
    argv = ["budget", "scenarios/jem.yaml", "-r", "2", "--days", "30", "--seed", "4",
            "--quiet", "--xlsx", str(path)]
    assert main(argv) == 0
    ws = openpyxl.load_workbook(path)["notes"]
    command = next(r for r in _rows(ws) if r["name"].value == "command")
    assert command["meaning or note"].value == "jailsim " + " ".join(argv)
