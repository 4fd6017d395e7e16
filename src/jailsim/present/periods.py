"""A run's policy periods in the report: the program timeline in words and the per-period table.

A scenario with dated changes (``changes:``, e.g. ``sb8_wso.yaml``: no 287(g) agreement, then
WSO from 1 January 2026) is told period by period: the sentence of
:func:`~jailsim.results.breakdown.timeline_in_words`, then the table ``jailsim periods``
prints (:func:`~jailsim.results.breakdown.period_table`): each metric's mean with its 95%
interval in every period, and beside each count and bed-day total its rate per day, since
periods are rarely of equal length. A comparison's periods are in
:mod:`jailsim.present.comparisonperiods`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jailsim.model.context import Context
from jailsim.present.blocks import Table
from jailsim.present.formats import MISSING, interval, number
from jailsim.results.breakdown import PROGRAM_NAMES, period_table, timeline_in_words
from jailsim.results.metrics import METRICS

__all__ = ["PERIOD_METRICS", "PERIODS_NOTE", "Periods", "period_section", "program_names",
           "program_sentence"]

#: Metrics of the reports' per-period tables (every metric is in ``jailsim periods``).
PERIOD_METRICS = ["adp", "bookings_per_day", "mean_los_days", "bed_days", "hold_bed_days",
                  "attributable_bed_days", "detainers", "holds", "ice_transfers",
                  "lapsed_detainers", "warrants_served", "citizen_detainers"]

#: How periods are measured and compared (under the heading of every per-period section).
PERIODS_NOTE = ("Each period is measured over its days inside the measurement window. Periods "
                "differ in length, so counts and bed-days are compared by their rate per day "
                "(the period's total divided by its days); shares, means and rates are shown "
                "as they are.")


@dataclass(frozen=True)
class Periods:
    """A per-period section: the program over time in words, then its tables.

    Attributes
    ----------
    timeline
        The program over time in words, one entry per scenario (``label: ...`` when several).
    tables
        ``(heading, table)`` pairs; the heading is ``""`` for a run's one table.
    """

    timeline: list[str]
    tables: list[tuple[str, Table]]
    note: str = PERIODS_NOTE


def program_sentence(scenario) -> str:
    """The 287(g) program in force, over time when it changes on dates (plain text)."""
    return timeline_in_words(scenario)


def program_names(result) -> dict[str, str]:
    """The program in force in each policy period of a run, by the date the period starts."""
    labels = Context.of(result).policy.labels
    return {p: PROGRAM_NAMES.get(s.program, s.program)
            for p, s in zip(labels, result.scenario.periods(), strict=True)}


def _cell(mean: float, lo: float, hi: float, name: str):
    """``mean`` over its 95% interval (a pair), marked when a quantity's reaches below 0."""
    if pd.isna(mean):
        return MISSING
    if not (pd.notna(lo) and pd.notna(hi)):
        return number(mean)
    return number(mean), interval(lo, hi, name, sep=" to ")


def period_section(result) -> Periods | None:
    """The report's section on a run's policy periods; None without dated changes.

    The table holds :data:`PERIOD_METRICS`: per period the total, then the rate per day of
    counts and bed-days.
    """
    sc = result.scenario
    if not sc.timeline:
        return None
    table = period_table(result)
    labels = list(table.index.unique(0))
    programs = program_names(result)
    over = [("", 2), *(((f"from {p}", f"{programs[p]}, {table.loc[(p, 'adp'), 'days']:g} days"),
                        2) for p in labels)]
    head = ["metric", "unit", *[c for _ in labels
                                for c in (("mean", "95% interval"), "per day")]]
    rows = []
    for name in PERIOD_METRICS:
        cells = [name, METRICS[name][0]]
        for p in labels:
            r = table.loc[(p, name)]
            cells.append(_cell(r["mean"], r["ci_low"], r["ci_high"], name))
            cells.append(_cell(r["per_day"], r["per_day_ci_low"], r["per_day_ci_high"], name)
                         if pd.notna(r["per_day"]) else MISSING)
        rows.append(cells)
    return Periods([program_sentence(sc)],
                   [("", Table(head, rows, names=2, kind="periods", over=over))])
