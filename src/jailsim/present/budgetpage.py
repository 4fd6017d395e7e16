"""The budget as one self-contained HTML page: ``jailsim budget ... --report FILE``.

The tables ``jailsim budget`` prints, as HTML: every budget line of every scenario (mean with
its 95% interval) and each later scenario's paired difference from the first, grouped as in
:data:`~jailsim.money.lines.LINES` (one table per fiscal year with ``--per fiscal_year``);
then the prices as given and converted, with their sources, and the budget's notes. Built from
a :class:`~jailsim.money.workbook.Budget` and laid out by ``templates/budget.html``, with the
reports' page and stylesheet (:mod:`jailsim.present.page`): no scripts, fonts or styles from
the network.
"""

from __future__ import annotations

from pathlib import Path

from jailsim.base.atomic import atomic_write_text
from jailsim.money.lines import LINES
from jailsim.money.workbook import Budget
from jailsim.present.blocks import Table
from jailsim.present.formats import plus_minus
from jailsim.present.page import render

__all__ = ["budget_page", "write_budget_report"]

_PER = {"year": "per year", "window": "totals over the measured window",
        "fiscal_year": "totals per fiscal year"}


def _cell(row, name: str | None = None) -> str:
    """``mean ± half-width``; a fixed amount (no spread) alone; marked below 0 for ``name``."""
    return plus_minus(row["mean"], row["ci_low"], row["ci_high"], name)


def _table(budget: Budget) -> Table:
    """The lines of every scenario and the differences, a heading row per group of lines."""
    first = next(iter(budget.tables.values()))
    rows, group = [], None
    for name in LINES:
        if name not in first.index:
            continue
        if LINES[name][0] != group:
            group = LINES[name][0]
            rows.append(group)
        rows.append([name, str(first.loc[name, "unit"]),
                     *(_cell(t.loc[name], name) for t in budget.tables.values()),
                     *(_cell(t.loc[name]) for t in budget.differences.values())])
    return Table(["line", "unit", *budget.tables, *budget.differences], rows, names=2)


def _prices(budget: Budget) -> Table:
    """Every price other than $0 a run uses: as given, its dollar year, converted, source."""
    rows = [[str(c) for c in (r.scenario, r.input, r.value, r.unit, r.dollar_year,
                              r.in_report_dollars, r.source)]
            for r in budget.inputs.itertuples(index=False)
            if r.dollar_year != "" and r.used == "yes"
            and not str(r.dollar_year).startswith("none ($0")]
    head = ["scenario", "price", "given", "unit", "dollar year",
            f"in {budget.dollar_year} $", "source"]
    return Table(head, rows, names=len(head), kind="prices", code=False)


def budget_page(budget: Budget) -> str:
    """The HTML page of a budget (see the module docstring)."""
    names = " vs ".join(budget.tables)
    if budget.fiscal_years:
        tables = [(fy, _table(budget.fiscal_year(fy))) for fy in budget.fiscal_years]
    else:
        tables = [("", _table(budget))]
    facts = (f"{_PER[budget.per]}, in {budget.dollar_year} dollars; each cell is the mean ± "
             "the half-width of its 95% t-interval over replications, and each difference is "
             "paired by replication (every scenario on the same seed).")
    return render("budget.html", title=f"jailsim budget: {names}", facts=facts, tables=tables,
                  dollar_year=budget.dollar_year, prices=_prices(budget), notes=budget.notes)


def write_budget_report(budget: Budget, path: str | Path) -> Path:
    """Write :func:`budget_page` to ``path``; return the path."""
    return atomic_write_text(Path(path), budget_page(budget))
