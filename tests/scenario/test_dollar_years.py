"""Dollar years in the ``costs:`` block: the price index, how a price gives its year, the errors.

Every bad file is a small YAML that extends the real base_county.yaml and changes one thing; a
year outside the shipped price index is one line naming the file, the field and the years
allowed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.scenario import load
from jailsim.scenario.prices import INDEX_FILE, convert, index_years, price_index

#: The shipped index, read here with pandas on its own (not through jailsim).
CPI = pd.read_csv(INDEX_FILE, comment="#").set_index("year")["cpi_u"]
FIRST, LAST = int(CPI.index.min()), int(CPI.index.max())


@pytest.fixture
def bad(tmp_path, scenarios_dir):
    """Write a scenario extending base_county.yaml; return (its path, the lines load() reports)."""

    def write(costs: str) -> tuple[str, list[str]]:
        path = tmp_path / "bad.yaml"
        path.write_text(f"extends: {scenarios_dir / 'base_county.yaml'}\ncosts:\n"
                        + textwrap.indent(textwrap.dedent(costs), "  "), encoding="utf-8")
        with pytest.raises(ScenarioError) as exc:
            load(path)
        for line in exc.value.lines:
            assert "\n" not in line and line.startswith(f"{path}: costs."), line
        return str(path), exc.value.lines

    return write


# ---------------------------------------------------------------------------------------------
# The index


def test_the_index_is_cpi_u_annual_averages_year_by_year():
    assert list(CPI.index) == list(range(FIRST, LAST + 1))
    assert (index_years()) == (FIRST, LAST) and LAST == 2025
    pd.testing.assert_series_equal(price_index(), CPI.astype(float), check_names=False)
    # the values docs/sources.md quotes, each read in a BLS table or computed from its months
    assert CPI[2017] == 245.120 and CPI[2020] == 258.811
    assert CPI[2024] == 313.689 and CPI[2025] == 321.943
    assert (CPI.diff().dropna() != 0).all() and (CPI > 0).all()
    text = INDEX_FILE.read_text()
    assert "CUUR0000SA0" in text and "bls.gov" in text  # the file names its source


def test_conversion_is_the_ratio_of_the_index_exactly():
    assert convert(93.0, 2017, 2025) == 93.0 * CPI[2025] / CPI[2017]
    assert convert(67.35, 2014, 2025) == 67.35 * CPI[2025] / CPI[2014]
    assert convert(88.0, 2025, 2014) == 88.0 * CPI[2014] / CPI[2025]  # back to older dollars
    for usd in (93.0, 0.1, 95667.0, 1e-9):  # in its own year a price is left exactly as it is
        assert convert(usd, 2017, 2017) == usd
    with pytest.raises(ValueError, match=f"from {FIRST} to {LAST}"):
        convert(93.0, FIRST - 1, 2025)


# ---------------------------------------------------------------------------------------------
# How a scenario gives years


def test_shipped_prices_carry_the_years_of_their_sources():
    costs = load("jailsim:base_county.yaml").costs
    assert costs.report_in == LAST and costs.dollar_year is None
    assert costs.bed_day_cost_usd_per_day[0].dollar_year == 2017  # Pew 2021, 2017 dollars
    assert costs.boarded_out_usd_per_day[0].dollar_year == 2025  # Orange Co. IGSA 2025
    assert costs.ice_payments.igsa_usd_per_day[0].dollar_year == 2025
    assert costs.program.jem.salary_usd_per_year[0].dollar_year == 2020  # PWC FY2020
    assert costs.program.wso.salary_usd_per_year[0].dollar_year == 2020
    for key in ("bed_day_cost_usd_per_day", "boarded_out_usd_per_day",
                "ice_payments.igsa_usd_per_day", "program.jem.salary_usd_per_year"):
        assert "dollars" in costs.sources[key], key
    bell = load("jailsim:bell_county.yaml").costs
    assert bell.bed_day_cost_usd_per_day[0].dollar_year == 2014 and bell.report_in == 2014
    assert "2014 dollars" in bell.sources["bed_day_cost_usd_per_day"]


def test_the_block_year_and_the_default_report_year(tmp_path, scenarios_dir):
    path = tmp_path / "county.yaml"
    path.write_text(f"extends: {scenarios_dir / 'base_county.yaml'}\n"
                    "costs: {dollar_year: 2019, bed_day_cost_usd_per_day: 120}\n")
    costs = load(path).costs
    assert costs.dollar_year == 2019 and costs.bed_day_cost_usd_per_day[0].dollar_year is None
    assert costs.report_in == LAST  # filled in, so a resolved scenario records it
    assert costs.boarded_out_usd_per_day[0].dollar_year == 2025  # a price's own year wins
    again = jailsim.scenario.validate(load(path).to_dict(), source="again")
    assert again.costs == costs


def test_a_price_given_anew_does_not_keep_the_parents_year(tmp_path, scenarios_dir):
    # base_county's bed-day cost is {usd: 93, dollar_year: 2017}: a child's {usd: ...} mapping
    # replaces it whole, like a distribution, and does not inherit 2017
    path = tmp_path / "county.yaml"
    path.write_text(f"extends: {scenarios_dir / 'base_county.yaml'}\n"
                    "costs: {bed_day_cost_usd_per_day: {usd: 120.0}}\n")
    assert load(path).costs.bed_day_cost_usd_per_day[0].dollar_year is None
    path.write_text(f"extends: {scenarios_dir / 'base_county.yaml'}\n"
                    "costs: {bed_day_cost_usd_per_day: {usd: 120.0, dollar_year: 2023}}\n")
    (price,) = load(path).costs.bed_day_cost_usd_per_day
    assert (price.usd, price.dollar_year) == (120.0, 2023)
    # a mapping without usd merges: it changes the year of the parent's price only
    path.write_text(f"extends: {scenarios_dir / 'base_county.yaml'}\n"
                    "costs: {bed_day_cost_usd_per_day: {dollar_year: 2019}}\n")
    (price,) = load(path).costs.bed_day_cost_usd_per_day
    assert (price.usd, price.dollar_year) == (93.0, 2019)


def test_dated_prices_each_carry_a_year(tmp_path, scenarios_dir):
    path = tmp_path / "county.yaml"
    path.write_text(f"extends: {scenarios_dir / 'base_county.yaml'}\n"
                    "costs:\n  ice_payments:\n    per_hold_day_usd_per_day:\n"
                    "      - {to: 2025-09-30, usd: 84.0, dollar_year: 2020}\n"
                    "      - {from: 2025-10-01, usd: 100.0, dollar_year: 2025}\n")
    periods = load(path).costs.ice_payments.per_hold_day_usd_per_day
    assert [(p.usd, p.dollar_year) for p in periods] == [(84.0, 2020), (100.0, 2025)]


# ---------------------------------------------------------------------------------------------
# Errors: one line, naming the file, the field and the years allowed


@pytest.mark.parametrize(
    "costs, where",
    [
        ("report_in: 2030\n", "costs.report_in"),
        (f"report_in: {FIRST - 1}\n", "costs.report_in"),
        ("dollar_year: 1990\n", "costs.dollar_year"),
        ("bed_day_cost_usd_per_day: {usd: 93, dollar_year: 2031}\n",
         "costs.bed_day_cost_usd_per_day"),
        ("boarded_out_usd_per_day: [{usd: 88, dollar_year: 1999}]\n",
         "costs.boarded_out_usd_per_day.0.dollar_year"),
        ("program: {jem: {salary_usd_per_year: {usd: 90000, dollar_year: 2099}}}\n",
         "costs.program.jem.salary_usd_per_year"),
    ],
)
def test_a_year_outside_the_index_is_a_one_line_error(bad, costs, where):
    f, lines = bad(costs)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{f}: {where}: "), lines[0]
    assert f"give a year from {FIRST} to {LAST}" in lines[0] and "cpi_u.csv" in lines[0]


@pytest.mark.parametrize("year", ["2017.5", "'2017'", "true", "[2017]"])
def test_a_year_that_is_not_a_whole_number_is_a_one_line_error(bad, year):
    f, lines = bad(f"report_in: {year}\n")
    assert len(lines) == 1 and lines[0].startswith(f"{f}: costs.report_in: got "), lines
    assert f"expected a year like {LAST}, from {FIRST} to {LAST}" in lines[0]


def test_an_unknown_key_in_a_price_is_named(bad):
    f, lines = bad("bed_day_cost_usd_per_day: {usd: 93, year: 2017}\n")
    assert len(lines) == 1 and "unknown key 'year'" in lines[0] and "dollar_year" in lines[0]


def test_the_index_file_is_the_one_shipped():
    assert INDEX_FILE == Path(jailsim.__file__).parent / "scenario" / "cpi_u.csv"
