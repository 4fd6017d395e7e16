"""Plain-text tables for the terminal: metrics side by side, mean with its 95% interval.

Every table the command line prints is laid out by :func:`text_table`: names aligned left,
numbers right, a rule under the header.

Intervals below zero. An interval is printed as computed, ``mean ± half-width`` of the
t-interval over replications, symmetric about the mean, the same numbers as in the CSV and
JSON files. A count, days, bed-days or dollars cannot be negative, yet with few replications
or a rare event the lower end of that interval can fall below 0. The rule, wherever intervals
of replications are printed (a run's summary, each side of a comparison, a sweep, a budget,
the HTML report): such an interval is never clipped; it is marked :data:`BELOW_ZERO` and the
table is followed by the one-line :data:`BELOW_ZERO_NOTE` (:func:`with_note`). Quantities that
can be negative (:func:`can_be_negative`: what detainers add against the same people without
detainer effects, net costs) and differences between scenarios are never marked.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from jailsim.base.terminal import printable
from jailsim.results.metrics import METRICS, check_metrics


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    ax = abs(x)
    if ax >= 1000:
        text = f"{x:,.0f}"
    elif ax >= 100:
        text = f"{x:.1f}"
    elif ax >= 1:
        text = f"{x:.2f}"
    else:
        text = f"{x:.3f}"
    return text.lstrip("-") if not text.strip("-0.,") else text  # no "-0.000"


#: Mark after an interval that reaches below 0 for a quantity that cannot be negative.
BELOW_ZERO = "†"
#: The note under a table with a cell marked :data:`BELOW_ZERO`.
BELOW_ZERO_NOTE = (f"{BELOW_ZERO} the 95% interval reaches below 0, which this quantity cannot: "
                   "a symmetric t-interval over few replications or a rare event; read its "
                   "lower end as 0 (intervals are printed as computed, never clipped)")


def can_be_negative(name: str) -> bool:
    """Whether a metric or budget line may be below 0 (its intervals are never marked).

    Those with ``attributable`` in the name are differences from the same people without
    detainer effects, and a detainer can also shorten a stay (a transfer to ICE before the
    case ends); their hold and IGSA parts (``_hold``, ``_igsa``) are time spent, never
    negative. The budget's days the programs cause (``caused_``) hold such differences, so
    may be below 0 too. Net costs (``net_``, ``_net_usd``) subtract reimbursements, and a
    margin (``margin``) may be a loss. Every other metric of
    :data:`~jailsim.results.metrics.METRICS` is a count, a rate, days, hours, bed-days, a share
    or a ratio.

    Examples
    --------
    >>> can_be_negative("attributable_bed_days"), can_be_negative("attributable_bed_days_hold")
    (True, False)
    >>> can_be_negative("adp"), can_be_negative("net_cost_usd")
    (False, True)
    """
    if name.startswith(("net_", "caused_")) or name.endswith("_net_usd") or "margin" in name:
        return True
    return "attributable" in name and not name.endswith(("_hold", "_igsa"))


def below_zero(lo: float, name: str) -> bool:
    """Whether the interval of ``name`` with lower end ``lo`` gets the :data:`BELOW_ZERO` mark."""
    return isinstance(lo, float) and lo < 0 and not can_be_negative(name)


def cell(row: pd.Series, name: str | None = None) -> str:
    """``mean`` or ``mean ± half-width`` of one summary row.

    With the ``name`` of a quantity that cannot be negative, an interval whose lower end is
    below 0 is marked :data:`BELOW_ZERO` (see the module docstring).

    Examples
    --------
    >>> cell({"mean": 0.5, "ci_low": -0.7, "ci_high": 1.7}, "lapsed_detainers")
    '0.500 ± 1.20 †'
    >>> cell({"mean": 0.5, "ci_low": -0.7, "ci_high": 1.7})  # no name: a difference
    '0.500 ± 1.20'
    """
    mean, lo, hi = row["mean"], row["ci_low"], row["ci_high"]
    if isinstance(lo, float) and not math.isnan(lo):
        text = f"{_fmt(mean)} ± {_fmt((hi - lo) / 2)}"
        return f"{text} {BELOW_ZERO}" if name is not None and below_zero(lo, name) else text
    return _fmt(mean)


def with_note(table: str) -> str:
    """``table`` and, if a cell of it is marked :data:`BELOW_ZERO`, the note under it."""
    return f"{table}\n{BELOW_ZERO_NOTE}" if BELOW_ZERO in table else table


def side_by_side(summaries: dict[str, pd.DataFrame], metrics: list[str] | None = None) -> str:
    """One row per metric, one column per labelled summary (from ``Result.summary()``).

    An interval below 0 of a metric that cannot be negative is marked, with a note under the
    table (see the module docstring).
    """
    names = check_metrics(metrics) if metrics else list(METRICS)
    header = ["metric", "unit", *summaries]
    rows = [header]
    for name in names:
        rows.append([name, METRICS[name][0],
                     *(cell(s.loc[name], name) for s in summaries.values())])
    return with_note(text_table(rows))


def text_table(
    rows: list[list[str]],
    left: int = 2,
    heading: Callable[[int, list[str]], str | None] | None = None,
) -> str:
    """Rows of cells (the first is the header) as aligned text, a rule under the header.

    The first ``left`` columns are aligned left (names), the others right (numbers).
    ``heading(k, row)``: a line to put before row ``k`` (a section heading), or None. A control
    character in a cell or heading (a name's newline or escape) is written escaped.
    """
    rows = [[printable(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        line = heading(k, r) if heading is not None and k else None
        if line is not None:
            lines.append(printable(line))
        cells = [c.ljust(w) if i < left else c.rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
