"""The report's policy periods: the program timeline in words and the per-period table.

A scenario with dated changes (``changes:``, e.g. ``sb8_wso.yaml``: no 287(g) agreement, then
WSO from 1 January 2026) is told period by period: the sentence of
:func:`~jailsim.results.breakdown.timeline_in_words`, then the table ``jailsim periods``
prints (:func:`~jailsim.results.breakdown.period_table`): each metric's mean with its 95%
interval in every period, and beside each count and bed-day total its rate per day, since
periods are rarely of equal length.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from jailsim.model.context import Context
from jailsim.results.breakdown import PROGRAM_NAMES, period_table, timeline_in_words
from jailsim.results.metrics import METRICS
from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE, below_zero

__all__ = ["PERIOD_METRICS", "period_section", "program_sentence"]

#: Metrics of the report's per-period table (every metric is in ``jailsim periods``).
PERIOD_METRICS = ["adp", "bookings_per_day", "mean_los_days", "bed_days", "hold_bed_days",
                  "attributable_bed_days", "detainers", "holds", "ice_transfers",
                  "lapsed_detainers", "warrants_served", "citizen_detainers"]


def _num(x: float) -> str:
    """A number for a table cell, a true minus sign, never broken inside (``nobr``)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.3g}"
    return text.replace("-", "\u2212")


def _cell(mean: float, lo: float, hi: float, name: str) -> str:
    """``mean`` over its 95% interval, marked when a non-negative quantity's reaches below 0."""
    if isinstance(mean, float) and math.isnan(mean):
        return "<td>–</td>"
    if not (pd.notna(lo) and pd.notna(hi)):
        return f"<td><span class='num'>{_num(mean)}</span></td>"
    mark = f" {BELOW_ZERO}" if below_zero(float(lo), name) else ""
    return (f"<td><span class='num'>{_num(mean)}</span><br><span class='ci'>"
            f"<span class='num'>{_num(lo)}</span> to <span class='num'>{_num(hi)}</span>"
            f"{mark}</span></td>")


def program_sentence(scenario) -> str:
    """The 287(g) program in force, over time when it changes on dates (escaped HTML)."""
    return html.escape(timeline_in_words(scenario))


def period_section(result) -> list[str]:
    """The report's section on policy periods; empty without dated changes.

    A heading, the timeline in words, the table of :data:`PERIOD_METRICS` (per period: the
    total, then the rate per day of counts and bed-days) and its notes.
    """
    sc = result.scenario
    if not sc.timeline:
        return []
    table = period_table(result)
    labels = list(table.index.unique(0))
    programs = dict(zip(Context.of(result).policy.labels, (s.program for s in sc.periods()),
                        strict=True))
    head = "".join(
        f"<th colspan='2'>from {html.escape(p)}<br><span class='ci'>"
        f"{html.escape(PROGRAM_NAMES.get(programs[p], programs[p]))}, "
        f"{table.loc[(p, 'adp'), 'days']:g} days</span></th>" for p in labels)
    sub = "".join("<th>mean<br><span class='ci'>95% interval</span></th><th>per day</th>"
                  for _ in labels)
    rows = []
    for name in PERIOD_METRICS:
        cells = []
        for p in labels:
            r = table.loc[(p, name)]
            cells.append(_cell(r["mean"], r["ci_low"], r["ci_high"], name))
            cells.append(_cell(r["per_day"], r["per_day_ci_low"], r["per_day_ci_high"], name)
                         if pd.notna(r["per_day"]) else "<td class='ci'>–</td>")
        unit = METRICS[name][0]
        rows.append(f"<tr><td><code>{name}</code></td><td>{html.escape(unit)}</td>"
                    f"{''.join(cells)}</tr>")
    body = "".join(rows)
    note = f"<p class='note'>{html.escape(BELOW_ZERO_NOTE)}</p>" if BELOW_ZERO in body else ""
    return [
        "<h2>Policy periods</h2>",
        f"<p>Program over time: {program_sentence(sc)}. Each period is measured over its "
        "days inside the measurement window. Periods differ in length, so counts and "
        "bed-days are compared by their rate per day (the period's total divided by its "
        "days); shares, means and rates are shown as they are.</p>",
        "<table class='periods'><tr><th rowspan='2'>metric</th><th rowspan='2'>unit</th>"
        f"{head}</tr><tr class='sub'>{sub}</tr>{body}</table>",
        note,
        "<p class='note'>Every metric of every period: <code>jailsim periods FOLDER</code> "
        "(<code>--csv</code> for the table).</p>",
    ]
