"""Dollar years: every price of a ``costs:`` block in the dollars of the year the budget reports.

Each price carries the year its dollars are in (its own ``dollar_year``, else the block's); the
budget reports in ``costs.report_in`` (by default the latest year of the price index). A
price of year ``y`` is multiplied by ``CPI(report) / CPI(y)`` (:func:`jailsim.scenario.prices
.convert`; a price already in the report year is left as it is). A price with no year at all is
taken to be in report-year dollars, not converted, and the budget's notes warn about it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from jailsim.scenario.costs import Costs, Payment, Period, input_rows
from jailsim.scenario.prices import INDEX_NAME, convert

__all__ = [
    "dollars_note",
    "in_report_dollars",
    "price_rows",
    "report_year",
    "undated_prices",
    "year_text",
]


def report_year(costs: Costs) -> int:
    """The year whose dollars the budget of ``costs`` is in."""
    if costs.report_in is None:  # pragma: no cover - the schema fills it in
        raise ValueError("costs.report_in is not set")
    return costs.report_in


def _is_schedule(value: Any) -> bool:
    """A price: dated values (:class:`Period`) or one-off payments (:class:`Payment`)."""
    return isinstance(value, tuple) and bool(value) and isinstance(value[0], Period | Payment)


def _schedules(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, tuple]]:
    """Every money value of ``model`` (a Costs block), as (dotted path, its periods)."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{field.alias or name}"
        if _is_schedule(value):
            yield path, value
        elif isinstance(value, BaseModel):
            yield from _schedules(value, f"{path}.")


def _year(period: Period | Payment, costs: Costs) -> int | None:
    return period.dollar_year if period.dollar_year is not None else costs.dollar_year


def _converted(model: BaseModel, costs: Costs, to_year: int) -> Any:
    update: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if _is_schedule(value):
            update[name] = tuple(
                p.model_copy(update={
                    "usd": convert(p.usd, _year(p, costs) or to_year, to_year),
                    "dollar_year": to_year,
                })
                for p in value
            )
        elif isinstance(value, BaseModel):
            update[name] = _converted(value, costs, to_year)
    return model.model_copy(update=update)


def in_report_dollars(costs: Costs) -> Costs:
    """``costs`` with every price in dollars of its report year (and that year as its own).

    Examples
    --------
    >>> import jailsim
    >>> from jailsim.scenario.prices import convert
    >>> costs = jailsim.load("jailsim:base_county.yaml").costs
    >>> given = costs.bed_day_cost_usd_per_day[0]
    >>> given.usd, given.dollar_year, costs.report_in
    (93.0, 2017, 2025)
    >>> now = in_report_dollars(costs).bed_day_cost_usd_per_day[0]
    >>> now.usd == convert(93.0, 2017, 2025), now.dollar_year
    (True, 2025)
    """
    return _converted(costs, costs, report_year(costs))


def undated_prices(costs: Costs) -> list[str]:
    """Inputs with an amount other than $0 and no dollar year (own or the block's)."""
    return [
        path for path, periods in _schedules(costs)
        if any(p.usd != 0 and _year(p, costs) is None for p in periods)
    ]


def year_text(periods: tuple[Period, ...] | tuple[Payment, ...], costs: Costs) -> str:
    """The dollar year(s) of a price for people: ``"2017"``, ``"2020; 2025"``, ..."""
    years = []
    for p in periods:
        if p.dollar_year is not None:
            years.append(str(p.dollar_year))
        elif costs.dollar_year is not None:
            years.append(f"{costs.dollar_year} (costs.dollar_year)")
        elif p.usd == 0:
            years.append("none ($0 in any year)")
        else:
            years.append(f"none: taken as {report_year(costs)}")
    return "; ".join(dict.fromkeys(years))


def price_rows(costs: Costs) -> list[dict[str, str]]:
    """:func:`~jailsim.scenario.costs.input_rows`, with each price's year and converted value.

    Adds ``dollar_year`` (the year(s) the price as given is in, see :func:`year_text`) and
    ``in_report_dollars`` (the price in dollars of :func:`report_year`, cents shown); both
    are ``""`` for inputs that are not prices.
    """
    given = dict(_schedules(costs))
    now = dict(_schedules(in_report_dollars(costs)))
    rows = []
    for row in input_rows(costs):
        path = row["input"]
        extra = {"dollar_year": "", "in_report_dollars": ""}
        if path in given:
            cents = "; ".join(  # "122.15", "91.38 to 2025-09-30; 100.00 from 2025-10-01"
                f"{p.usd:.2f}{p.text().removeprefix(f'{p.usd:g}')}" for p in now[path]
            )
            extra = {"dollar_year": year_text(given[path], costs), "in_report_dollars": cents}
        rows.append({**row, **extra})
    return rows


def dollars_note(costs: Costs) -> str:
    """One sentence: the report year and how prices get there."""
    return (
        f"dollars: every amount is in {report_year(costs)} dollars; a price given in the "
        f"dollars of year Y is multiplied by CPI({report_year(costs)}) / CPI(Y), with the "
        f"{INDEX_NAME} shipped in src/jailsim/scenario/cpi_u.csv; the inputs sheet lists each "
        "price as given, its year and its value in report dollars."
    )
