"""Figures across runs: paired differences, budgets, sweeps and sensitivity indices.

Every function takes a table (a comparison's differences, a budget, a sweep's summary, a
sensitivity analysis's indices), draws on a matplotlib ``Axes`` (a new figure when none is
given; several panels for sweeps and sensitivity) and returns the ``Figure``, in the style of
the per-run figures of :mod:`jailsim.results.plots`: labeled axes with units, a title, a source
line, and line styles and hatching as well as gray levels, so it reads in grayscale. A new
figure is let go by pyplot, so a notebook shows it once, as a cell's value (as in
:mod:`jailsim.results.plots`). The paired differences are drawn by
:func:`jailsim.results.plots.differences` (a Comparison draws its own:
``comparison.plot.differences()``); the others are public as ``jailsim.plot_budget``,
``jailsim.plot_sweep`` and ``jailsim.plot_sensitivity``.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from jailsim.results.metrics import METRICS, check_metrics
from jailsim.results.plots import HATCHES, STYLES, add_footer, differences, new_axes, new_figure

__all__ = ["budget", "differences", "plot_budget", "plot_sensitivity", "plot_sweep",
           "sensitivity_indices", "sweep_metrics"]


def budget(table: pd.DataFrame, ax=None, title=None, source: str = ""):
    """Stacked yearly cost lines per scenario, with the net cost marked.

    ``table``: rows = scenarios, columns = budget lines in USD per year; a ``net_cost_usd``
    column, when present, is drawn as a marker instead of a bar; ``source`` is the footer line.
    Public as ``jailsim.plot_budget``.

    Examples
    --------
    >>> import pandas as pd, jailsim
    >>> cost = pd.DataFrame({"attributable_cost_usd": [0.0, 2.1e5],
    ...                      "program_cost_usd": [0.0, 1.9e5], "net_cost_usd": [0.0, 4.0e5]},
    ...                     index=["no 287(g)", "JEM"])
    >>> fig = jailsim.plot_budget(cost, source="jailsim — an example")
    >>> fig.axes[0].get_ylabel()
    'USD per year'
    """
    fig, ax = new_axes(ax)
    net = table.get("net_cost_usd")
    parts = table.drop(columns=[c for c in ("net_cost_usd",) if c in table])
    bottom = np.zeros(len(parts))
    x = np.arange(len(parts))
    for k, col in enumerate(parts.columns):
        vals = parts[col].to_numpy(dtype=float)
        ax.bar(x, vals, bottom=bottom, color=f"{0.2 + 0.6 * k / max(len(parts.columns), 1)}",
               hatch=HATCHES[k % len(HATCHES)], edgecolor="0.2", label=col)
        bottom = bottom + vals
    if net is not None:
        ax.plot(x, net.to_numpy(dtype=float), "D", color="0.0", label="net cost")
    ax.set_xticks(x, parts.index)
    ax.set_ylabel("USD per year")
    ax.set_title(title or "Yearly cost by line and scenario")
    ax.legend(frameon=False, fontsize=8)
    if source:
        add_footer(fig, source)
    return fig



def _grid(n: int, axes):
    """A figure with ``n`` panels (two columns), or the panels given."""
    if axes is not None:
        axes = list(np.ravel(axes))
        return axes[0].figure, axes
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    fig, grid = new_figure(rows, cols, figsize=(7.5, 1.0 + 2.7 * rows), layout="constrained",
                           squeeze=False)
    panels = list(grid.ravel())
    for ax in panels[n:]:
        ax.set_visible(False)
    return fig, panels[:n]


def _wrap(text: str, width: int = 42) -> str:
    return textwrap.fill(text, width)


def sweep_metrics(table: pd.DataFrame, factor: str, metrics: list[str], *,
                  factor_unit: str = "", source: str = "", axes=None):
    """Each metric against one varied parameter: mean and 95% interval at every design point.

    ``table`` is a sweep's tidy table (``Sweep.table``, or ``sweep.csv`` read back): one row
    per design point and metric, with one column per varied parameter between ``point`` and
    ``metric``, and ``unit``, ``mean``, ``ci_low``, ``ci_high``. One panel per metric; the
    values of ``factor`` are the x axis (numbers to scale, anything else in design order);
    when other parameters vary too, each combination of their values is its own series, with
    its marker, line style and gray level. Series are nudged sideways so their bars do not
    hide one another. ``factor_unit`` labels the x axis; ``source`` is the footer. Public as
    ``jailsim.plot_sweep``.

    Examples
    --------
    >>> import jailsim
    >>> s = jailsim.sweep("jailsim:jem.yaml", {"jem.officers": [1, 2]}, seed=1,
    ...                   replications=2, days=30)
    >>> fig = jailsim.plot_sweep(s.table, "jem.officers", ["adp", "detainers"])
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['adp (people)', 'detainers (count)']
    """
    metrics = check_metrics(metrics)
    cols = list(table.columns)
    factors = cols[cols.index("point") + 1:cols.index("metric")]
    others = [f for f in factors if f != factor]
    levels = list(dict.fromkeys(table[factor]))
    numeric = pd.api.types.is_numeric_dtype(table[factor])
    position = {v: (float(v) if numeric else float(k)) for k, v in enumerate(levels)}
    span = (max(position.values()) - min(position.values())) or 1.0
    groups = list(table.groupby(others, sort=False)) if others else [((), table)]
    fig, panels = _grid(len(metrics), axes)
    for ax, metric in zip(panels, metrics, strict=True):
        rows = table[table["metric"] == metric]
        unit = rows["unit"].iloc[0] if len(rows) else METRICS.get(metric, ("", ""))[0]
        for k, (key, group) in enumerate(groups):
            g = group[group["metric"] == metric]
            g = g.assign(_x=g[factor].map(position)).sort_values("_x")
            nudge = (k - (len(groups) - 1) / 2) * 0.03 * span
            mean = g["mean"].to_numpy(dtype=float)
            lo = np.nan_to_num(mean - g["ci_low"].to_numpy(dtype=float))
            hi = np.nan_to_num(g["ci_high"].to_numpy(dtype=float) - mean)
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{o}={v}" for o, v in zip(others, key, strict=True)) or None
            style = STYLES[k % len(STYLES)]
            ax.errorbar(g["_x"] + nudge, mean, yerr=[lo, hi], capsize=3, markersize=4,
                        marker="osD^v<>"[k % 7], ecolor=style["color"], label=label, **style)
        if not numeric or len(levels) <= 8:
            ax.set_xticks([position[v] for v in levels], [str(v) for v in levels])
        ax.set_xlabel(f"{factor} ({factor_unit})" if factor_unit else factor, fontsize=8)
        ax.set_ylabel(f"{metric} ({unit})" if unit else metric, fontsize=8)
        ax.set_title(_wrap(METRICS.get(metric, ("", metric))[1]), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, color="0.9")
    if len(groups) > 1:
        panels[0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"Sweep over {factor}: mean and 95% interval at each design point",
                 fontsize=11)
    if source:
        add_footer(fig, source)
    return fig


def sensitivity_indices(indices: pd.DataFrame, metrics: list[str], *, source: str = "",
                        axes=None):
    """Sensitivity indices with 95% bootstrap intervals: one panel per metric.

    ``indices`` is :attr:`jailsim.Sensitivity.indices` (or ``sensitivity.csv``): columns
    ``metric``, ``parameter``, ``index``, ``value``, ``ci_low``, ``ci_high``. Sobol results
    show first-order ``S1`` and total ``ST`` side by side (plain and hatched bars); Morris
    results show ``mu_star``, the mean absolute elementary effect, in the metric's unit.
    Public as ``jailsim.plot_sensitivity``.

    Examples
    --------
    >>> import pandas as pd, jailsim
    >>> indices = pd.DataFrame({"metric": "adp", "parameter": ["jem.officers", "hold.cap"],
    ...                         "index": "mu_star", "value": [4.0, 0.5],
    ...                         "ci_low": [3.0, 0.1], "ci_high": [5.0, 0.9]})
    >>> fig = jailsim.plot_sensitivity(indices, ["adp"], source="jailsim — an example")
    >>> fig.axes[0].get_xlabel()
    'mu_star (people)'
    """
    metrics = check_metrics(metrics)
    shown = [i for i in ("S1", "ST") if i in set(indices["index"])] or ["mu_star"]
    fig, panels = _grid(len(metrics), axes)
    for ax, metric in zip(panels, metrics, strict=True):
        t = indices[(indices["metric"] == metric) & indices["index"].isin(shown)]
        params = list(dict.fromkeys(t["parameter"]))
        y = np.arange(len(params))[::-1].astype(float)
        height = 0.8 / len(shown)
        for k, name in enumerate(shown):
            r = t[t["index"] == name].set_index("parameter").reindex(params)
            v = r["value"].to_numpy(dtype=float)
            err = [np.nan_to_num(v - r["ci_low"].to_numpy(dtype=float)),
                   np.nan_to_num(r["ci_high"].to_numpy(dtype=float) - v)]
            ax.barh(y + (k - (len(shown) - 1) / 2) * height, v, height=height, xerr=err,
                    color=f"{0.35 + 0.4 * k}", hatch=HATCHES[k], edgecolor="0.2",
                    error_kw={"ecolor": "0.0", "capsize": 2}, label=name)
        ax.set_yticks(y, params, fontsize=7)
        unit = METRICS.get(metric, ("", ""))[0]
        ax.set_xlabel("index (share of variance)" if shown != ["mu_star"]
                      else f"mu_star ({unit})", fontsize=8)
        ax.set_ylabel("parameter", fontsize=8)
        ax.set_title(_wrap(f"{metric}: {METRICS.get(metric, ('', ''))[1]}"), fontsize=8)
        ax.axvline(0, color="0.5", linewidth=0.8)
        ax.tick_params(labelsize=7)
    panels[0].legend(frameon=False, fontsize=7)
    method = "Sobol" if shown != ["mu_star"] else "Morris"
    fig.suptitle(f"{method} sensitivity indices with 95% bootstrap intervals", fontsize=11)
    if source:
        add_footer(fig, source)
    return fig


#: The public names of the figures drawn from tables (``jailsim.plot_budget``, ...).
plot_budget = budget
plot_sweep = sweep_metrics
plot_sensitivity = sensitivity_indices
