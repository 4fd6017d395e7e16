"""No output opens as a live formula: a name or a source beginning with ``=`` stays text.

A scenario named ``=HYPERLINK("http://x")`` with a ``costs.sources`` value ``=1+1`` goes
through the budget workbook and CSV, and through a comparison's CSV: no workbook cell holds a
formula (data type ``f``), every CSV field beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a number (a negative value stays a number) or quoted, and the text itself
is kept.
"""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest
import yaml

import jailsim
from jailsim.base.spreadsheet import FORMULA_STARTS, formula_safe, formula_safe_frame
from jailsim.money.workbook import build_budget, write_csv, write_xlsx
from tests.conftest import SCENARIOS

NAME = '=HYPERLINK("http://x")'
SOURCE = "=1+1"
RUN = {"seed": 3, "replications": 2, "days": 60, "engine": "vector"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.yaml"
    path.write_text(yaml.safe_dump({
        "extends": str(SCENARIOS / "jem.yaml"), "name": NAME,
        "costs": {"sources": {"bed_day_cost_usd_per_day": SOURCE}},
    }))
    return path


@pytest.fixture(scope="module")
def budget(hostile):
    return build_budget([jailsim.simulate(SCENARIOS / "no_287g.yaml", **RUN),
                         jailsim.simulate(hostile, **RUN)])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fields(path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [field for row in csv.reader(f) for field in row]


def check_csv(path) -> list[str]:
    """Every field of a CSV that begins as a formula would is a number; return the fields."""
    fields = _fields(path)
    live = [f for f in fields if f.startswith(FORMULA_STARTS) and not _is_number(f)]
    assert live == [], f"{path.name}: fields a spreadsheet would run: {live[:5]}"
    return fields


def test_budget_workbook_holds_no_formula_and_keeps_the_text(budget, tmp_path):
    book = openpyxl.load_workbook(write_xlsx(budget, tmp_path / "b.xlsx"))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert NAME in texts and SOURCE in texts  # the text as the user wrote it
    assert f"{NAME}: mean" in texts  # a header made from the name
    quoted = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert quoted and all(c.data_type == "s" and c.quotePrefix for c in quoted)
    negative = [c for c in cells if isinstance(c.value, int | float) and c.value < 0]
    assert negative and all(c.data_type == "n" for c in negative)


def test_budget_csv_quotes_formulas_and_keeps_negative_numbers(budget, tmp_path):
    fields = check_csv(write_csv(budget, tmp_path / "b.csv"))
    assert f"'{NAME}" in fields and f"'{NAME} - no 287(g)" in fields
    assert any(_is_number(f) and float(f) < 0 for f in fields)
    frame = pd.read_csv(tmp_path / "b.csv")
    numbers = frame[["mean", "ci_low", "ci_high"]]
    assert all(map(pd.api.types.is_float_dtype, numbers.dtypes)) and (numbers < 0).any().any()


def test_comparison_csv_quotes_the_scenario_name(hostile, tmp_path):
    comp = jailsim.compare([SCENARIOS / "no_287g.yaml", hostile], **RUN)
    out = comp.save(tmp_path / "cmp")
    fields = check_csv(out / "comparison.csv")
    assert f"'{NAME}" in fields
    frame = pd.read_csv(out / "comparison.csv")
    assert (frame["diff"] < 0).any()  # the differences stay numbers


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1",
                                  "-cmd|' /C calc'!A0"])
def test_each_formula_start_is_quoted(text):
    assert formula_safe(text) == f"'{text}"
    frame = formula_safe_frame(pd.DataFrame({text: [text, -1.5, "ok"]}, index=[text, "b", "c"]))
    assert frame.columns[0] == frame.index[0] == frame.iloc[0, 0] == f"'{text}"
    assert frame.iloc[1, 0] == -1.5 and frame.iloc[2, 0] == "ok"


@pytest.mark.parametrize("value", [-5, -1.5, "-5", "-1.5e3", "+2", "jem", "", None])
def test_numbers_and_plain_text_are_left_alone(value):
    assert formula_safe(value) == value or (value is None and formula_safe(value) is None)
    frame = pd.DataFrame({"x": [-2.0, 3.0], "n": [-1, 2],
                          "when": pd.to_datetime(["2024-01-01"] * 2)})
    assert formula_safe_frame(frame) is frame


def test_a_multiindex_table_as_breakdown_and_periods_write_it():
    index = pd.MultiIndex.from_tuples([("=a", "adp"), ("'=a", "adp"), ("b", "-x")],
                                      names=["@group", "metric"])
    frame = formula_safe_frame(pd.DataFrame({"mean": [-1.0, 2.0, 3.0]}, index=index))
    assert frame.to_csv().splitlines() == ["'@group,metric,mean", "'=a,adp,-1.0",
                                           "'=a,adp,2.0", "b,'-x,3.0"]
