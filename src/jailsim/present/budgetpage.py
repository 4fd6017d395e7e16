"""The budget as one self-contained HTML page: ``jailsim budget ... --report FILE``.

The tables ``jailsim budget`` prints, as HTML: every budget line of every scenario (mean with
its 95% interval) and each later scenario's paired difference from the first, grouped as in
:data:`~jailsim.money.lines.LINES` (one table per fiscal year with ``--per fiscal_year``);
then the prices as given and converted, and the budget's notes. Built from a
:class:`~jailsim.money.workbook.Budget`, with the reports' page and stylesheet
(:mod:`jailsim.present.page`): no scripts, fonts or styles from the network.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from jailsim.base.atomic import atomic_write_text
from jailsim.money.lines import LINES
from jailsim.money.workbook import Budget
from jailsim.present.page import page
from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE, below_zero

__all__ = ["budget_page", "write_budget_report"]

_PER = {"year": "per year", "window": "totals over the measured window",
        "fiscal_year": "totals per fiscal year"}


def _num(x: float) -> str:
    """A number with thousands separators and a true minus sign."""
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"
    return text.replace("-", "\u2212")


def _cell(row, name: str | None = None) -> str:
    """``mean ± half-width`` in one unbroken cell; a fixed amount (no spread) alone."""
    mean, lo, hi = row["mean"], row["ci_low"], row["ci_high"]
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "<td>–</td>"
    if not (isinstance(lo, float) and not math.isnan(lo)) or abs(hi - lo) <= 1e-9 * max(
            1.0, abs(mean)):
        return f"<td>{_num(mean)}</td>"
    mark = f" {BELOW_ZERO}" if name is not None and below_zero(float(lo), name) else ""
    return f"<td>{_num(mean)} ± {_num((hi - lo) / 2)}{mark}</td>"


def _table(budget: Budget) -> str:
    """The lines of every scenario and the differences, a heading row per group of lines."""
    first = next(iter(budget.tables.values()))
    heads = ["line", "unit", *budget.tables, *budget.differences]
    rows, group = [], None
    for name in LINES:
        if name not in first.index:
            continue
        if LINES[name][0] != group:
            group = LINES[name][0]
            rows.append(f"<tr><th colspan='{len(heads)}'>{html.escape(group)}</th></tr>")
        rows.append(
            f"<tr><td><code>{name}</code></td><td>{html.escape(str(first.loc[name, 'unit']))}"
            "</td>" + "".join(_cell(t.loc[name], name) for t in budget.tables.values())
            + "".join(_cell(t.loc[name]) for t in budget.differences.values()) + "</tr>")
    body = "".join(rows)
    note = f"<p class='note'>{html.escape(BELOW_ZERO_NOTE)}</p>" if BELOW_ZERO in body else ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return f"<table><tr>{head}</tr>{body}</table>{note}"


def _prices(budget: Budget) -> str:
    """Every price other than $0 a run uses: as given, its dollar year, converted, source."""
    rows = []
    for r in budget.inputs.itertuples(index=False):
        if r.dollar_year == "" or r.used != "yes" or str(r.dollar_year).startswith("none ($0"):
            continue
        cells = (r.scenario, r.input, r.value, r.unit, r.dollar_year, r.in_report_dollars,
                 r.source)
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("scenario", "price", "given", "unit", "dollar year",
                                             f"in {budget.dollar_year} $", "source"))
    return f"<table class='prices'><tr>{head}</tr>{''.join(rows)}</table>"


def budget_page(budget: Budget) -> str:
    """The HTML page of a budget (see the module docstring)."""
    names = " vs ".join(budget.tables)
    if budget.fiscal_years:
        tables = [f"<h3>{html.escape(fy)}</h3>" + _table(budget.fiscal_year(fy))
                  for fy in budget.fiscal_years]
    else:
        tables = [_table(budget)]
    body = [
        f"<h1>jailsim budget: {html.escape(names)}</h1>",
        f"<p class='note'>{html.escape(_PER[budget.per])}, in {budget.dollar_year} dollars; "
        "each cell is the mean ± the half-width of its 95% t-interval over replications, and "
        "each difference is paired by replication (every scenario on the same seed).</p>",
        "<h2>Budget lines</h2>", *tables,
        f"<h2>Prices, as given and in {budget.dollar_year} dollars</h2>", _prices(budget),
        "<h2>Notes</h2><ul>", *(f"<li>{html.escape(n)}</li>" for n in budget.notes), "</ul>",
    ]
    return page(f"jailsim budget: {names}", body)


def write_budget_report(budget: Budget, path: str | Path) -> Path:
    """Write :func:`budget_page` to ``path``; return the path."""
    return atomic_write_text(Path(path), budget_page(budget))
