"""Figures built on the result tables: stays, census, holds, screening, comparisons, budgets.

Every function takes tables (a :class:`~jailsim.results.result.Result`, or DataFrames from it), draws
on a matplotlib ``Axes`` (a new figure when none is given; several panels for sweeps and
sensitivity) and returns the ``Figure``. Each
figure has labeled axes with units, a title and a source line (scenario, seed,
replications), and uses line styles, markers and hatching as well as gray levels, so it reads
in grayscale. ``Result.plot`` gives the same functions bound to a result.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

#: Gray levels and line styles, so series differ without color.
STYLES = [
    {"color": "0.0", "linestyle": "-"},
    {"color": "0.45", "linestyle": "--"},
    {"color": "0.25", "linestyle": ":"},
    {"color": "0.6", "linestyle": "-."},
]
HATCHES = ["", "//", "..", "xx", "\\\\", "++"]


def source_line(result) -> str:
    """``scenario 'X', seed S, N replications, engine E`` for a figure's footer."""
    sc = result.scenario
    return (f"jailsim — scenario '{sc.name}', seed {result.seed}, {sc.replications} "
            f"replication{'s' if sc.replications != 1 else ''}, engine {result.engine}")


def _axes(ax):
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
    return ax.figure, ax


def _footer(fig, text: str) -> None:
    """Write the source line; panels drawn on one figure share one line."""
    old = getattr(fig, "_jailsim_footer", None)
    if old is not None and text in old.get_text():
        return
    if old is not None:
        text = f"{old.get_text()}\n{text}"
        old.remove()
    lines = text.count("\n") + 1
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        # keep a bottom strip for the source line(s)
        engine.set(rect=(0, 0.05 * lines, 1, 1 - 0.05 * lines))
    fig._jailsim_footer = fig.text(0.01, 0.01, text, fontsize=7, color="0.3", ha="left",
                                   va="bottom")


def _survival(los: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier survival of stays with right-censoring (scipy.stats.ecdf)."""
    from scipy import stats

    data = stats.CensoredData(uncensored=los[~censored], right=los[censored])
    res = stats.ecdf(data)
    return res.sf.quantiles, res.sf.probabilities


def los_survival(results: Mapping[str, object] | object, ax=None):
    """Share still held against time since booking (log axis), with and without a detainer.

    ``results`` is one Result or a mapping label -> Result (one curve pair per scenario).
    Stays still running at the horizon are right-censored (Kaplan–Meier).
    """
    results = results if isinstance(results, Mapping) else {"": results}
    fig, ax = _axes(ax)
    for k, (label, res) in enumerate(results.items()):
        b = res.bookings
        for has, marker in ((True, "o"), (False, None)):
            sel = (b["detainer_source"] != "none") == has
            los = np.maximum(b.loc[sel, "los_days"].to_numpy(), 1e-3)
            cens = (b.loc[sel, "exit_reason"] == "censored").to_numpy()
            if len(los) < 2:
                continue
            x, s = _survival(los, cens)
            name = f"{label} " if label else ""
            ax.step(x, s, where="post", label=f"{name}{'with' if has else 'without'} detainer",
                    marker=marker, markevery=max(len(x) // 12, 1), markersize=4,
                    **STYLES[(2 * k + (0 if has else 1)) % len(STYLES)])
    ax.set_xscale("log")
    ax.set_xlabel("time since booking (days, log scale)")
    ax.set_ylabel("share still in jail")
    ax.set_ylim(0, 1.02)
    ax.set_title("Length of stay: survival with and without an ICE detainer")
    ax.grid(True, which="both", color="0.9")
    ax.legend(frameon=False, fontsize=8)
    for res in results.values():
        _footer(fig, source_line(res))
    return fig


def census(result, ax=None):
    """Average daily census over time: mean across replications, min–max band, capacity."""
    fig, ax = _axes(ax)
    sc = result.scenario
    c = result.census.pivot_table(index="date", columns="replication", values="census")
    ax.fill_between(c.index, c.min(axis=1), c.max(axis=1), color="0.85",
                    label="replication range")
    ax.plot(c.index, c.mean(axis=1), label="mean census", **STYLES[0])
    ax.axhline(sc.jail.rated_capacity, label="rated capacity", **STYLES[1])
    if sc.warmup > 0:
        start = pd.Timestamp(sc.start_date)
        ax.axvspan(start, start + pd.Timedelta(days=sc.warmup), color="0.93", hatch="//",
                   label="warm-up (not measured)")
    ax.set_xlabel("date")
    ax.set_ylabel("people in jail (daily average)")
    ax.set_ylim(0, None)
    ax.set_title("Jail census over time")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    _footer(fig, source_line(result))
    return fig


def holds(result, ax=None):
    """Histogram of hold lengths for ICE against the cap, split by transfer and lapse."""
    fig, ax = _axes(ax)
    b = result.bookings
    held = b[b["hold_start_at"].notna() & (b["exit_reason"] != "censored")]
    cap_h = result.scenario.hold.cap * 24
    top = max(float(held["hold_hours"].max()) if len(held) else cap_h, cap_h) * 1.05
    bins = np.linspace(0, top, 40)
    for k, reason in enumerate(("ice_transfer", "lapsed", "released")):
        h = held.loc[held["exit_reason"] == reason, "hold_hours"]
        if len(h):
            ax.hist(h, bins=bins, histtype="stepfilled", alpha=0.6, color=f"{0.25 + 0.3 * k}",
                    hatch=HATCHES[k], edgecolor="0.1", label=f"{reason} ({len(h):,})")
    rule = result.scenario.hold.rule
    kind = "calendar hours" if rule == "calendar_48h" else "business hours: longer in clock time"
    ax.axvline(cap_h, color="0.0", linestyle="--", label=f"cap: {cap_h:g} h ({kind})")
    if result.scenario.uses_wso:
        wso_h = result.scenario.wso.custody_cap * 24
        ax.axvline(wso_h, color="0.4", linestyle=":",
                   label=f"WSO custody cap after a served warrant: {wso_h:g} h")
    ax.set_xlabel("hold past release-eligible time (hours)")
    ax.set_ylabel("holds (count, all replications)")
    ax.set_title("Holds for ICE: how long, and how they ended")
    ax.legend(frameon=False, fontsize=8)
    _footer(fig, source_line(result))
    return fig


def screening(result, ax=None):
    """JEM officers by hour of week: officers on duty, officers busy, and the queue wait."""
    from jailsim.model.context import Context

    fig, ax = _axes(ax)
    ctx = Context.build(result.scenario)
    if ctx.jem_staff is None:
        ax.text(0.5, 0.5, "no JEM screening in this scenario", ha="center",
                transform=ax.transAxes)
        return fig
    b = result.bookings
    lo, hi = result.scenario.warmup, result.scenario.horizon
    grid = np.arange(lo, hi, 1 / 24) + 1 / 48  # mid-hours of the window
    how = (ctx.clock.time_of_week(grid) * 24).astype(int)
    start, free = b["screened_at"].to_numpy(), b["officer_free_at"].to_numpy()
    ok = ~np.isnan(start)
    start, free = start[ok], np.where(np.isnan(free[ok]), hi, free[ok])
    order = np.argsort(start)
    start, free = start[order], free[order]
    busy = np.array([((start <= g) & (free > g)).sum() for g in grid]) / max(
        result.scenario.replications, 1
    )
    on_duty = ctx.jem_staff.at(grid)
    frame = pd.DataFrame({"how": how, "busy": busy, "on_duty": on_duty}).groupby("how").mean()
    ax.step(frame.index, frame["on_duty"], where="post", label="officers on duty", **STYLES[0])
    ax.bar(frame.index, frame["busy"], width=1.0, align="edge", color="0.75", hatch="//",
           edgecolor="0.4", label="officers busy (average)")
    ax.set_xticks(range(0, 169, 24), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", ""])
    ax.set_xlabel("hour of the week")
    ax.set_ylabel("officers")
    cov = result.summary().loc["screening_coverage", "mean"]
    wait = result.summary().loc["mean_screening_wait_hours", "mean"]
    ax.set_title(f"JEM screening: officer use by hour of week "
                 f"(coverage {cov:.0%}, mean wait {wait:.1f} h)")
    ax.legend(frameon=False, fontsize=8)
    _footer(fig, source_line(result))
    return fig


def differences(table: pd.DataFrame, metrics: list[str] | None = None, ax=None, title=None,
                source: str = ""):
    """Paired differences with 95% intervals, one row per metric, in percent of the baseline.

    ``table`` has rows per metric and columns ``pct``, ``pct_ci_low``, ``pct_ci_high``
    (``Comparison.differences`` indexed by ``metric``); ``source`` is the footer line.
    """
    fig, ax = _axes(ax)
    t = table.loc[metrics] if metrics else table
    y = np.arange(len(t))[::-1]
    ax.errorbar(t["pct"], y, xerr=[t["pct"] - t["pct_ci_low"], t["pct_ci_high"] - t["pct"]],
                fmt="o", color="0.0", ecolor="0.35", capsize=3)
    ax.axvline(0, color="0.5", linestyle="--")
    ax.set_yticks(y, t.index)
    ax.set_xlabel("difference (% of the first scenario), 95% interval")
    ax.set_title(title or "Paired differences between scenarios")
    if source:
        _footer(fig, source)
    return fig


def budget(table: pd.DataFrame, ax=None, title=None, source: str = ""):
    """Stacked yearly cost lines per scenario, with the net cost marked.

    ``table``: rows = scenarios, columns = budget lines in USD per year; a ``net_cost_usd``
    column, when present, is drawn as a marker instead of a bar; ``source`` is the footer line.
    """
    fig, ax = _axes(ax)
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
        _footer(fig, source)
    return fig



def _grid(n: int, axes):
    """A figure with ``n`` panels (two columns), or the panels given."""
    if axes is not None:
        axes = list(np.ravel(axes))
        return axes[0].figure, axes
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    fig, grid = plt.subplots(rows, cols, figsize=(7.5, 1.0 + 2.7 * rows), layout="constrained",
                             squeeze=False)
    panels = list(grid.ravel())
    for ax in panels[n:]:
        ax.set_visible(False)
    return fig, panels[:n]


def _wrap(text: str, width: int = 42) -> str:
    import textwrap

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
    hide one another. ``factor_unit`` labels the x axis; ``source`` is the footer.
    """
    from jailsim.results.metrics import METRICS

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
        _footer(fig, source)
    return fig


def sensitivity_indices(indices: pd.DataFrame, metrics: list[str], *, source: str = "",
                        axes=None):
    """Sensitivity indices with 95% bootstrap intervals: one panel per metric.

    ``indices`` is :attr:`jailsim.Sensitivity.indices` (or ``sensitivity.csv``): columns
    ``metric``, ``parameter``, ``index``, ``value``, ``ci_low``, ``ci_high``. Sobol results
    show first-order ``S1`` and total ``ST`` side by side (plain and hatched bars); Morris
    results show ``mu_star``, the mean absolute elementary effect, in the metric's unit.
    """
    from jailsim.results.metrics import METRICS

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
        _footer(fig, source)
    return fig


class PlotAccessor:
    """``result.plot.los()`` and friends: the functions of this module bound to a result."""

    def __init__(self, result):
        self._result = result

    def los(self, ax=None):
        """Survival of stays with and without a detainer."""
        return los_survival(self._result, ax=ax)

    def census(self, ax=None):
        """Census over time against capacity."""
        return census(self._result, ax=ax)

    def holds(self, ax=None):
        """Hold lengths against the cap."""
        return holds(self._result, ax=ax)

    def screening(self, ax=None):
        """JEM officer use by hour of week."""
        return screening(self._result, ax=ax)
