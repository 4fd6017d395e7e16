"""Figures across runs: paired differences, budgets, sweeps and sensitivity indices.

Every function takes a table (a comparison's differences, a budget, a sweep's summary, a
sensitivity analysis's indices), draws on a matplotlib ``Axes`` (a new figure when none is
given; several panels for sweeps and sensitivity) and returns the ``Figure``, in the style of
the per-run figures of :mod:`jailsim.results.plots`: labeled axes with units, a title, a source
line, and line styles and hatching as well as gray levels, so it reads in grayscale. A new
figure is let go by pyplot, so a notebook shows it once, as a cell's value (as in
:mod:`jailsim.results.plots`); every legend sits off the data. The paired differences are
drawn by :func:`jailsim.results.plots.differences` (a Comparison draws its own:
``comparison.plot.differences()``) and a sweep's metrics by
:func:`jailsim.results.sweepplot.sweep_metrics` (a Sweep draws its own: ``sweep.plot()``);
they are here for the report. The figures are public as ``jailsim.plot_budget``,
``jailsim.plot_sweep`` and ``jailsim.plot_sensitivity``.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from jailsim.results.metrics import METRICS, check_metrics
from jailsim.results.plots import HATCHES, add_footer, differences, legend_beside, new_axes
from jailsim.results.sweepplot import panel_grid, sweep_metrics

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
    legend_beside(ax)
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
    fig, panels = panel_grid(len(metrics), axes)
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
        ax.set_title(textwrap.fill(f"{metric}: {METRICS.get(metric, ('', ''))[1]}", 42),
                     fontsize=8)
        ax.axvline(0, color="0.5", linewidth=0.8)
        ax.tick_params(labelsize=7)
    fig.legend(*panels[0].get_legend_handles_labels(), loc="outside right center",
               frameon=False, fontsize=7)
    method = "Sobol" if shown != ["mu_star"] else "Morris"
    fig.suptitle(f"{method} sensitivity indices with 95% bootstrap intervals", fontsize=11)
    if source:
        add_footer(fig, source)
    return fig


#: The public names of the figures drawn from tables (``jailsim.plot_budget``, ...).
plot_budget = budget
plot_sweep = sweep_metrics
plot_sensitivity = sensitivity_indices
