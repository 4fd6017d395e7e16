"""Plain-text tables for the terminal: metrics side by side, mean with its 95% interval.

Every table the command line prints is laid out by :func:`text_table`: names aligned left,
numbers right, a rule under the header.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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
    return text_table(rows)


def text_table(
    rows: list[list[str]],
    left: int = 2,
    heading: Callable[[int, list[str]], str | None] | None = None,
) -> str:
    """Rows of cells (the first is the header) as aligned text, a rule under the header.

    The first ``left`` columns are aligned left (names), the others right (numbers).
    ``heading(k, row)``: a line to put before row ``k`` (a section heading), or None.
    """
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        line = heading(k, r) if heading is not None and k else None
        if line is not None:
            lines.append(line)
        cells = [c.ljust(w) if i < left else c.rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
