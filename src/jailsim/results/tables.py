"""Plain-text tables for the terminal: metrics side by side, mean with its 95% interval."""

from __future__ import annotations

import math

import pandas as pd

from jailsim.results.metrics import METRICS


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def cell(row: pd.Series) -> str:
    """``mean`` or ``mean ± half-width`` of one summary row."""
    mean, lo, hi = row["mean"], row["ci_low"], row["ci_high"]
    if isinstance(lo, float) and not math.isnan(lo):
        return f"{_fmt(mean)} ± {_fmt((hi - lo) / 2)}"
    return _fmt(mean)


def side_by_side(summaries: dict[str, pd.DataFrame], metrics: list[str] | None = None) -> str:
    """One row per metric, one column per labelled summary (from ``Result.summary()``)."""
    names = metrics or list(METRICS)
    header = ["metric", "unit", *summaries]
    rows = [header]
    for name in names:
        rows.append([name, METRICS[name][0], *(cell(s.loc[name]) for s in summaries.values())])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for k, r in enumerate(rows):
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(r[2:], widths[2:], strict=True)]
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
