"""Slices of a run's metrics: by a booking attribute (groups) and by policy period (windows).

A *group* is the set of bookings sharing a value of one column of the bookings table (``charge``,
``foreign_born``, ``status``, ``stream``, ``period``, ``detainer_source``...). Every metric is
computed on the group's own bookings, with the group's census rebuilt from them, so counts and
bed-days of the groups add up to the run's totals (:data:`jailsim.results.metrics.ADDITIVE`). Beds
above rated capacity are a property of the whole jail: a group's boarded-out bed-days are its
share of each day's census times that day's boarded-out bed-days.

A *period* is a window of time between two dated policy changes (:mod:`jailsim.model.policy`):
metrics per period answer "what happened to ADP when the agreement started" from one run.
Periods are rarely of equal length, so :func:`period_table` gives each count and bed-day
total beside its rate per day of the period measured (:data:`PER_DAY_UNITS`), and
:func:`timeline_in_words` says which 287(g) program was in force when.

The functions take anything with ``scenario``, ``bookings`` and ``census`` (a ``Result``, or
a run folder read back), and return plain tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from jailsim.model.context import Context
from jailsim.results.census import daily_census
from jailsim.results.metrics import METRICS, replication_metrics, summarize

__all__ = [
    "MAX_GROUPS",
    "PER_DAY_UNITS",
    "PROGRAM_NAMES",
    "breakdown",
    "compare_groups",
    "group_metrics",
    "group_values",
    "metrics_by_period",
    "period_days",
    "period_metrics",
    "period_table",
    "timeline_in_words",
]

#: Most distinct values a column may have to be broken down by.
MAX_GROUPS = 50


def group_values(bookings: pd.DataFrame, by: str) -> list:
    """The values of column ``by`` that occur, in the column's own order.

    Raises
    ------
    ValueError
        When ``by`` is not a column, or has more than :data:`MAX_GROUPS` values.
    """
    if by not in bookings.columns:
        choices = [c for c in bookings.columns if _groupable(bookings[c])]
        raise ValueError(f"by: no column {by!r} (choose from {', '.join(choices)})")
    col = bookings[by]
    if not _groupable(col):
        raise ValueError(
            f"by: column {by!r} has {col.nunique():,} distinct values; break down by a column "
            f"with at most {MAX_GROUPS} (e.g. charge, foreign_born, status, stream, period)"
        )
    if isinstance(col.dtype, pd.CategoricalDtype):
        seen = set(col.dropna().unique())
        return [c for c in col.cat.categories if c in seen]
    return sorted(col.dropna().unique().tolist())


def _groupable(col: pd.Series) -> bool:
    if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == bool:
        return True
    return pd.api.types.is_integer_dtype(col) and col.nunique() <= MAX_GROUPS and (
        col.name not in ("replication", "booking_id")
    )


def _group_census(ctx: Context, b: pd.DataFrame, total: pd.DataFrame) -> pd.DataFrame:
    """Daily census of one group; boarded-out bed-days shared by census."""
    sc = ctx.scenario
    census = daily_census(b, sc.horizon, np.inf, sc.start_date)
    everyone = total["census"].to_numpy()
    share = np.divide(
        census["census"].to_numpy(), everyone, out=np.zeros(len(census)), where=everyone > 0
    )
    census["boarded_out"] = total["boarded_out"].to_numpy() * share
    return census


def group_metrics(ctx: Context, bookings: pd.DataFrame, census: pd.DataFrame, by: str):
    """Every metric per replication and value of ``by``: one row each (tidy).

    Columns ``replication``, ``by``, then the metrics. Groups missing from a replication get
    counts of zero.
    """
    values = group_values(bookings, by)
    rows = []
    for rep, b in bookings.groupby("replication", sort=True):
        total = census[census["replication"] == rep].reset_index(drop=True)
        for value in values:
            sub = b[b[by] == value]
            m = replication_metrics(ctx, sub, _group_census(ctx, sub, total))
            rows.append({"replication": rep, by: value, **m})
    out = pd.DataFrame(rows, columns=["replication", by, *METRICS])
    if isinstance(bookings[by].dtype, pd.CategoricalDtype):
        out[by] = pd.Categorical(out[by], categories=values)
    return out


def _summaries(per_rep: pd.DataFrame, key: str, confidence: float) -> pd.DataFrame:
    parts = {
        value: summarize(rows, confidence)
        for value, rows in per_rep.groupby(key, sort=False, observed=True)
    }
    out = pd.concat(parts, names=[key, "metric"])
    return out


def breakdown(result: Any, by: str, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of every metric for each value of the bookings column ``by``.

    Index (value, metric); columns ``unit``, ``mean``, ``ci_low``, ``ci_high``, ``n``.

    Examples
    --------
    >>> import jailsim
    >>> from jailsim.results.breakdown import breakdown
    >>> res = jailsim.simulate("scenarios/jem.yaml", seed=1, days=60, warmup_days=10)
    >>> table = breakdown(res, "foreign_born")
    >>> bool(table.loc[(True, "detainers"), "mean"] == res.summary().loc["detainers", "mean"])
    True
    """
    ctx = Context.of(result)
    per_rep = group_metrics(ctx, result.bookings, result.census, by)
    return _summaries(per_rep, by, confidence)


def compare_groups(a: Any, b: Any, by: str, confidence: float = 0.95) -> pd.DataFrame:
    """Paired differences ``b - a`` of every metric per value of ``by`` (same replications).

    Replication ``r`` of two runs with the same seed shares its random streams, so the
    difference is taken replication by replication, then summarised like a metric.
    """
    per = [
        group_metrics(Context.of(x), x.bookings, x.census, by).set_index(
            ["replication", by]
        )
        for x in (a, b)
    ]
    common = per[0].index.intersection(per[1].index)
    diff = (per[1].loc[common] - per[0].loc[common]).reset_index()
    return _summaries(diff, by, confidence)


def period_metrics(ctx: Context, bookings: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """Every metric per replication and policy period, over the part of the period measured.

    Columns ``replication``, ``period`` (the date it starts), ``from_day``, ``to_day`` (the
    window in days), then the metrics. A period outside [warm-up, horizon] is left out.
    """
    sc, policy = ctx.scenario, ctx.policy
    windows = [
        (label, policy.window(k, sc.warmup, sc.horizon))
        for k, label in enumerate(policy.labels)
    ]
    windows = [(label, w) for label, w in windows if w[1] > w[0]]
    rows = []
    for rep, b in bookings.groupby("replication", sort=True):
        c = census[census["replication"] == rep].reset_index(drop=True)
        for label, (lo, hi) in windows:
            m = replication_metrics(ctx, b, c, window=(lo, hi))
            rows.append({"replication": rep, "period": label, "from_day": lo, "to_day": hi, **m})
    return pd.DataFrame(rows, columns=["replication", "period", "from_day", "to_day", *METRICS])


def metrics_by_period(result: Any, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of every metric per policy period (index: period, metric).

    With no dated changes there is one period, the whole window: the run's summary.

    Examples
    --------
    >>> import jailsim
    >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, replications=2, days=60)
    >>> t = jailsim.metrics_by_period(res)
    >>> t.index.names, list(t.columns)
    (FrozenList(['period', 'metric']), ['unit', 'mean', 'ci_low', 'ci_high', 'n'])
    >>> t.index.get_level_values("period").unique().tolist()  # no changes: one period
    ['2025-01-06']
    """
    per_rep = period_metrics(Context.of(result), result.bookings, result.census)
    return _summaries(per_rep.drop(columns=["from_day", "to_day"]), "period", confidence)


#: Units of the metrics that are totals over a period (a rate per day is given beside them);
#: shares, means, ratios and metrics already per day or per year are left as they are.
PER_DAY_UNITS = ("count", "bed-days")

#: The 287(g) programs, as short as a sentence about a timeline needs them.
PROGRAM_NAMES = {"none": "no 287(g) agreement", "jem": "JEM", "wso": "WSO",
                 "jem+wso": "JEM and WSO"}


def period_days(result: Any) -> dict[str, float]:
    """Days measured of each policy period (label -> days), periods outside the window left out.

    The measured part of a period is the period clipped to [warm-up, horizon].
    """
    sc, policy = result.scenario, Context.of(result).policy
    days = {}
    for k, label in enumerate(policy.labels):
        lo, hi = policy.window(k, sc.warmup, sc.horizon)
        if hi > lo:
            days[label] = hi - lo
    return days


def period_table(result: Any, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`metrics_by_period` with each period's length and the totals per day.

    Index (period, metric); columns ``unit``, ``mean``, ``ci_low``, ``ci_high``, ``n``,
    ``days`` (days of the period measured), ``per_day``, ``per_day_ci_low``,
    ``per_day_ci_high``: a total (unit in :data:`PER_DAY_UNITS`) divided by ``days``, NaN for
    every other metric.

    Examples
    --------
    >>> import jailsim
    >>> from jailsim.results.breakdown import period_table
    >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, replications=2, days=60)
    >>> t = period_table(res)
    >>> row = t.loc[("2025-01-06", "bed_days")]
    >>> bool(abs(row["per_day"] * row["days"] - row["mean"]) < 1e-9)
    True
    """
    table = metrics_by_period(result, confidence)
    days = period_days(result)
    out = table.copy()
    out["days"] = [days[p] for p in table.index.get_level_values("period")]
    totals = table["unit"].isin(PER_DAY_UNITS).to_numpy()
    for col in ("mean", "ci_low", "ci_high"):
        name = "per_day" if col == "mean" else f"per_day_{col}"
        out[name] = np.where(totals, table[col].to_numpy(dtype=float) / out["days"], np.nan)
    return out


def _value(v) -> str:
    """A value set by a dated change; a distribution as ``lognormal (median 24h, p90 72h)``."""
    if isinstance(v, dict):
        rest = ", ".join(f"{k} {x}" for k, x in v.items() if k != "dist")
        return f"{v['dist']} ({rest})" if "dist" in v else f"({rest})"
    return str(v)


def timeline_in_words(scenario: Any) -> str:
    """Which 287(g) program was in force when, from the scenario's policy periods.

    Each dated change that leaves the program as it was is told by what it sets.

    Examples
    --------
    >>> import jailsim
    >>> from jailsim.results.breakdown import timeline_in_words
    >>> timeline_in_words(jailsim.load("jailsim:sb8_wso.yaml"))
    'no 287(g) agreement until 2026-01-01, then WSO'
    >>> timeline_in_words(jailsim.load("jailsim:jem.yaml"))
    'JEM throughout'
    """
    periods = scenario.periods()
    text = PROGRAM_NAMES.get(periods[0].program, periods[0].program)
    if len(periods) == 1:
        return f"{text} throughout"
    for change, before, now in zip(scenario.timeline, periods, periods[1:], strict=False):
        if now.program != before.program:
            what = PROGRAM_NAMES.get(now.program, now.program)
        else:
            what = ", ".join(f"{k} = {_value(v)}" for k, v in change.values.items())
            what = f"{PROGRAM_NAMES.get(now.program, now.program)} with {what}"
        text += f" until {change.start.isoformat()}, then {what}"
    return text
