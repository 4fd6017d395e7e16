"""The price index that puts every price of a budget in one year's dollars.

A price in the ``costs:`` block is in the dollars of a year (its ``dollar_year``); the budget
reports in the dollars of one year (``costs.report_in``, by default the latest year of the
index). A price of year ``y`` becomes ``usd * index[report] / index[y]`` (a price already in
the report year is left as it is). The index is BLS's CPI-U, U.S. city average, all items,
annual averages (series CUUR0000SA0), shipped as ``cpi_u.csv`` beside this module with the
source of every value; docs/budget.md says why that index.

It lives with the scenario (not with the budget, :mod:`jailsim.money`) because a year outside
the index is an error of the scenario file, reported when the file is loaded.
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "INDEX_FILE",
    "INDEX_NAME",
    "DollarYear",
    "check_year",
    "convert",
    "index_years",
    "price_index",
]

#: The shipped index: ``year,cpi_u,source`` after comment lines naming the sources.
INDEX_FILE = Path(__file__).with_name("cpi_u.csv")
#: The index, named for people.
INDEX_NAME = "CPI-U (BLS series CUUR0000SA0: U.S. city average, all items, annual average)"


@functools.cache
def _years() -> tuple[int, int]:
    """First and last year of the shipped index, read without pandas, the file checked.

    Validating a scenario needs only the years (:func:`check_year`); the values are read
    (with pandas) by :func:`_table` when a price is converted.
    """
    with open(INDEX_FILE, newline="") as fh:  # "#" starts a comment, as for _table
        lines = [text for line in fh if (text := line.partition("#")[0]).strip()]
    rows = list(csv.DictReader(lines))
    years = [int(r["year"]) for r in rows]
    if not years or any(b != a + 1 for a, b in zip(years, years[1:], strict=False)):
        raise ValueError(f"{INDEX_FILE}: years must run one by one, without gaps")
    if not all(float(r["cpi_u"]) > 0 for r in rows):
        raise ValueError(f"{INDEX_FILE}: every index value must be positive")
    return years[0], years[-1]


@functools.cache
def _table() -> pd.DataFrame:
    import pandas as pd  # for the values; the years alone (validation) come from _years

    _years()  # the file checked
    table = pd.read_csv(INDEX_FILE, comment="#", dtype={"year": int, "cpi_u": float})
    return table.set_index("year")


def price_index() -> pd.Series:
    """Year -> CPI-U annual average (a copy of the shipped table)."""
    return _table()["cpi_u"].copy()


def index_years() -> tuple[int, int]:
    """First and last year of the index."""
    return _years()


def check_year(value: Any) -> int:
    """``value`` as a year of the index, or ValueError saying which years are allowed."""
    first, last = index_years()
    whole = isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )
    if isinstance(value, bool) or not whole:
        text = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise ValueError(f"got {text}; expected a year like {last}, from {first} to {last}")
    if not first <= value <= last:
        raise ValueError(
            f"got {int(value)}; not a year of the price index (CPI-U, "
            f"src/jailsim/scenario/cpi_u.csv): give a year from {first} to {last}"
        )
    return int(value)


#: A year of the price index (the dollars a price is in, or the dollars of the report).
DollarYear = Annotated[int, BeforeValidator(check_year)]


def convert(usd: float, from_year: int, to_year: int) -> float:
    """``usd`` of ``from_year`` in dollars of ``to_year``: ``usd * index[to] / index[from]``.

    A price already in ``to_year`` dollars is returned as it is.

    Examples
    --------
    >>> from jailsim.scenario.prices import convert, price_index
    >>> convert(93.0, 2025, 2025)
    93.0
    >>> cpi = price_index()
    >>> bool(convert(93.0, 2017, 2025) == 93.0 * cpi[2025] / cpi[2017]), float(cpi[2017])
    (True, 245.12)
    """
    if from_year == to_year:
        return usd
    index = _table()["cpi_u"]
    return usd * float(index[check_year(to_year)]) / float(index[check_year(from_year)])
