"""The figure of a sweep: each metric against a varied parameter, with its 95% interval band.

Drawn from a sweep's tidy table (``Sweep.table``, or ``sweep.csv`` read back), in the style of
:mod:`jailsim.results.plots`: labeled axes with units, a title, a source line, line styles and
markers as well as gray levels, and a figure let go by pyplot so a notebook shows it once.
``Sweep.plot()`` draws it from a sweep, ``jailsim.plot_sweep`` from a table, and the sweep's
report embeds it; the panels of the sensitivity figure are laid out as here
(:func:`panel_grid`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd

from jailsim.results.metrics import METRICS, check_metrics
from jailsim.results.plots import STYLES, add_footer, new_figure

__all__ = ["MARKERS", "panel_grid", "sweep_metrics", "sweep_source"]

#: Markers of the series of a panel, in turn.
MARKERS = "osD^v<>"


def panel_grid(n: int, axes=None):
    """A figure with ``n`` panels (two columns), or the panels given; ``(figure, panels)``."""
    if axes is not None:
        axes = list(np.ravel(axes))
        return axes[0].figure, axes
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    fig, grid = new_figure(rows, cols, figsize=(7.5, 1.3 + 2.7 * rows), layout="constrained",
                           squeeze=False)
    panels = list(grid.ravel())
    for ax in panels[n:]:
        ax.set_visible(False)
    return fig, panels[:n]


def sweep_source(info: Mapping) -> str:
    """The footer of a sweep's figure, from its settings (``Sweep.to_dict()``, ``sweep.json``)."""
    return (f"jailsim — sweep of scenario '{info['scenario']}', seed {info['seed']}, "
            f"{info['replications']} replications per design point, engine {info['engine']}")


def sweep_metrics(table: pd.DataFrame, factor: str, metrics: list[str], *,
                  factor_unit: str = "", source: str = "", axes=None):
    """Each metric against one varied parameter: the mean and its 95% interval band.

    ``table`` is a sweep's tidy table: one row per design point and metric, with one column
    per varied parameter between ``point`` and ``metric``, and ``unit``, ``mean``,
    ``ci_low``, ``ci_high``. One panel per metric; the values of ``factor`` are the x axis
    (numbers to scale, anything else in design order). When other parameters vary too, each
    combination of their values is its own series, with its marker, line style, gray level
    and band, named in a legend right of the panels (off the data). ``factor_unit`` labels the
    x axis; ``source`` is the footer. Public as ``jailsim.plot_sweep``.

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
    groups = list(table.groupby(others, sort=False)) if others else [((), table)]
    fig, panels = panel_grid(len(metrics), axes)
    for ax, metric in zip(panels, metrics, strict=True):
        rows = table[table["metric"] == metric]
        unit = rows["unit"].iloc[0] if len(rows) else METRICS.get(metric, ("", ""))[0]
        for k, (key, group) in enumerate(groups):
            g = group[group["metric"] == metric]
            g = g.assign(_x=g[factor].map(position)).sort_values("_x")
            x = g["_x"].to_numpy(dtype=float)
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{o}={v}" for o, v in zip(others, key, strict=True)) or None
            style = STYLES[k % len(STYLES)]
            ax.fill_between(x, g["ci_low"].to_numpy(dtype=float),
                            g["ci_high"].to_numpy(dtype=float), color=style["color"],
                            alpha=0.12, linewidth=0)
            ax.plot(x, g["mean"].to_numpy(dtype=float), marker=MARKERS[k % len(MARKERS)],
                    markersize=4, label=label, **style)
        if not numeric or len(levels) <= 8:
            ax.set_xticks([position[v] for v in levels], [str(v) for v in levels])
        ax.set_xlabel(f"{factor} ({factor_unit})" if factor_unit else factor, fontsize=8)
        ax.set_ylabel(f"{metric} ({unit})" if unit else metric, fontsize=8)
        ax.set_title(textwrap.fill(METRICS.get(metric, ("", metric))[1], 42), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, color="0.9")
    if len(groups) > 1:
        fig.legend(*panels[0].get_legend_handles_labels(), loc="outside right center",
                   frameon=False, fontsize=7)
    fig.suptitle(f"Sweep over {factor}: mean and 95% interval band at each design point",
                 fontsize=11)
    if source:
        add_footer(fig, source)
    return fig
