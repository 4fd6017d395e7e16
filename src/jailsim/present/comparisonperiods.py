"""A comparison's policy periods: each scenario and the paired difference, period by period.

When a scenario of a comparison changes its policy on dates (``sb8_wso.yaml`` against
``sb8_jem.yaml``, or against ``no_287g.yaml``), the report splits the measured window at every
change date of every scenario and, in each part, compares the scenarios as the whole comparison
does: the metrics of replication *r* of each scenario over that part, and their paired
difference with its 95% t-interval (:func:`~jailsim.experiments.comparison.paired_differences`).
Counts and bed-days are given per day, since the parts are rarely of equal length. Scenarios
on different calendars (``--allow-mismatch``) cannot be split at common dates: each dated one
then gets its own table (:func:`~jailsim.present.periods.period_section`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from jailsim.experiments.comparison import paired_differences
from jailsim.model.context import Context
from jailsim.present.blocks import Table
from jailsim.present.formats import MISSING, interval, number, signed
from jailsim.present.periods import PERIOD_METRICS, Periods, period_section, program_sentence
from jailsim.results.breakdown import PER_DAY_UNITS, PROGRAM_NAMES
from jailsim.results.metrics import METRICS, replication_metrics

__all__ = ["comparison_periods", "windows"]


def windows(results: Mapping[str, object]) -> list[tuple[float, float]]:
    """The measured window split at every change date of every scenario, in days."""
    sc = next(iter(results.values())).scenario
    cuts = {float(t) for r in results.values()
            for t in Context.of(r).policy.periods.starts[1:] if sc.warmup < t < sc.horizon}
    edges = [float(sc.warmup), *sorted(cuts), float(sc.horizon)]
    return list(zip(edges, edges[1:], strict=False))


def _per_replication(result, window: tuple[float, float]) -> pd.DataFrame:
    """Every metric of each replication of ``result`` over ``window``."""
    ctx = Context.of(result)
    rows = []
    for rep, b in result.bookings.groupby("replication", sort=True):
        c = result.census[result.census["replication"] == rep].reset_index(drop=True)
        rows.append({"replication": rep, **replication_metrics(ctx, b, c, window=window)})
    return pd.DataFrame(rows, columns=["replication", *METRICS])


def _value(x: float, scale: float) -> str:
    return MISSING if pd.isna(x) else number(x * scale)


def _difference(d: pd.Series, scale: float):
    """The paired difference over its 95% interval (a pair), or a dash when undefined."""
    if pd.isna(d["diff"]):
        return MISSING
    if d["n"] < 2 or pd.isna(d["diff_ci_low"]) or d["diff_ci_low"] == d["diff_ci_high"]:
        return signed(d["diff"] * scale)  # one pair, or the same in every replication
    return (signed(d["diff"] * scale),
            interval(d["diff_ci_low"] * scale, d["diff_ci_high"] * scale, sep=" to "))


def _programs(results: Mapping[str, object], t: float) -> str:
    """The program of each scenario at time ``t``: ``A: WSO; B: JEM``."""
    return "; ".join(
        f"{label}: {PROGRAM_NAMES.get(p, p)}"
        for label, r in results.items()
        for p in [Context.of(r).policy.at(t).program])


def _table(results: Mapping[str, object], window: tuple[float, float]) -> Table:
    labels = list(results)
    base, others = labels[0], labels[1:]
    per_rep = {label: _per_replication(r, window) for label, r in results.items()}
    diffs = {label: paired_differences(per_rep[base], per_rep[label]) for label in others}
    days = window[1] - window[0]
    head = ["metric", "unit", *labels,
            *((f"{label} − {base}", "95% interval") for label in others)]
    rows = []
    for name in PERIOD_METRICS:
        unit = METRICS[name][0]
        scale = 1.0 / days if unit in PER_DAY_UNITS else 1.0
        # each scenario's own mean, defined even where the other's is not (JEM or WSO alone)
        cells = [name, f"{unit} per day" if scale != 1.0 else unit,
                 *(_value(per_rep[label][name].mean(), scale) for label in labels),
                 *(_difference(diffs[label].loc[name], scale) for label in others)]
        rows.append(cells)
    return Table(head, rows, names=2, kind="periods")


def comparison_periods(results: Mapping[str, object]) -> Periods | None:
    """The per-period section of a comparison (baseline first); None without dated changes."""
    dated = {label: r for label, r in results.items() if r.scenario.timeline}
    if not dated:
        return None
    timeline = [f"{label}: {program_sentence(r.scenario)}" for label, r in results.items()]
    calendars = {(r.scenario.start_date, r.scenario.warmup, r.scenario.horizon)
                 for r in results.values()}
    if len(calendars) > 1:
        tables = [(label, s.tables[0][1]) for label, r in dated.items()
                  for s in [period_section(r)]]
        return Periods(timeline, tables)
    start = next(iter(results.values())).scenario.start_date
    tables = []
    for lo, hi in windows(results):
        when = start + dt.timedelta(days=lo)
        heading = (f"From {when.isoformat()}, {hi - lo:g} days measured "
                   f"({_programs(results, lo)})")
        tables.append((heading, _table(results, (lo, hi))))
    return Periods(timeline, tables)
