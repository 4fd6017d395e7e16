"""Figures of one run, built on its tables: stays, census, holds, JEM officer use.

Every function takes a :class:`~jailsim.results.result.Result` (or several, for stays), draws
on a matplotlib ``Axes`` (a new figure when none is given) and returns the ``Figure``. Each
figure has labeled axes with units, a title and a source line (scenario, seed, replications),
and uses line styles, markers and hatching as well as gray levels, so it reads in grayscale.
``Result.plot`` gives the same functions bound to a result, and ``Comparison.plot`` the
figures of a comparison (its paired differences, its stays); a sweep's figure is in
:mod:`jailsim.results.sweepplot`, the other figures across runs from tables (budgets,
sensitivity) in :mod:`jailsim.present.figures`, all in this module's style. Legends sit off
the data (:func:`legend_beside`).

Shown once in a notebook. A new figure is made with pyplot and at once let go by it
(``plt.close``): the Figure returned is the caller's, drawn in full and saved with
``fig.savefig``. Jupyter shows it once when it is a cell's value (or with
``IPython.display.display(fig)``), and never a second time as a pyplot figure left open
(``plt.show()`` does not show it either). Given an ``ax``, the figure is the caller's and stays
as it was (a figure made with ``plt.subplots`` is shown at the end of its cell).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from jailsim.model.context import Context
from jailsim.results.breakdown import PROGRAM_NAMES
from jailsim.results.display import source_line
from jailsim.results.metrics import HEADLINE

#: Gray levels and line styles, so series differ without color.
STYLES = [
    {"color": "0.0", "linestyle": "-"},
    {"color": "0.45", "linestyle": "--"},
    {"color": "0.25", "linestyle": ":"},
    {"color": "0.6", "linestyle": "-."},
]
HATCHES = ["", "//", "..", "xx", "\\\\", "++"]


__all__ = ["HATCHES", "STYLES", "ComparisonPlotAccessor", "PlotAccessor", "add_footer", "census",
           "change_labels", "differences", "holds", "legend_beside", "los_survival", "new_axes",
           "new_figure", "screening", "source_line"]


def new_figure(*args, **kwargs):
    """``plt.subplots(*args, **kwargs)``, the figure let go by pyplot (see the module doc)."""
    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)  # returned to the caller: a notebook shows it once, as the cell's value
    return fig, axes


def new_axes(ax):
    """The figure and axes to draw on: those of ``ax``, or a new figure (not kept by pyplot)."""
    if ax is None:
        fig, ax = new_figure(figsize=(7.5, 4.5), layout="constrained")
    return ax.figure, ax


def add_footer(fig, text: str) -> None:
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


def legend_beside(ax, width: int = 26) -> None:
    """The legend right of the axes, off the data, its labels wrapped to ``width`` characters.

    A layout engine (the figures of this module have one) makes room for it.
    """
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, ["\n".join(textwrap.wrap(label, width)) for label in labels],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False,
              fontsize=8)


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
    fig, ax = new_axes(ax)
    for k, (label, res) in enumerate(results.items()):
        b = res.bookings_columns(["detainer_source", "los_days", "exit_reason"])
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
    legend_beside(ax)  # off the curves
    for res in results.values():
        add_footer(fig, source_line(res))
    return fig


def census(result, ax=None):
    """Average daily census over time: mean across replications, min–max band, capacity.

    Each dated change of policy inside the run is a vertical line labelled with its date and
    the program in force from then (:func:`change_labels`).
    """
    fig, ax = new_axes(ax)
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
    locator = mdates.AutoDateLocator(maxticks=8)  # labels that never run into each other
    ax.xaxis.set_major_locator(locator)
    dates = mdates.ConciseDateFormatter(locator, show_offset=False)
    dates.zero_formats[1:3] = ["%b\n%Y", "%b\n%Y"]  # each month's first tick with its year
    dates.formats[1] = "%b\n%Y"
    ax.xaxis.set_major_formatter(dates)
    ax.set_xlabel("date")
    ax.set_ylabel("people in jail (daily average)")
    top = max(float(c.max(axis=1).max()), float(sc.jail.rated_capacity))
    ax.set_ylim(0, top * 1.18)  # room above the data for the labels of dated changes
    first, last = pd.Timestamp(c.index.min()), pd.Timestamp(c.index.max())
    for k, (when, text) in enumerate(change_labels(result)):
        ax.axvline(when, color="0.15", linestyle=(0, (6, 2, 1, 2)), linewidth=1.2,
                   label="dated policy change" if k == 0 else None)
        # the label beside its line, on the side with room: left of a change late in the run
        late = (when - first) > 0.65 * (last - first)
        ax.annotate(text, (when, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-3 if late else 3, -3), textcoords="offset points",
                    ha="right" if late else "left", va="top", fontsize=8, color="0.1")
    ax.set_title(f"Jail census over time: {sc.name}")
    legend_beside(ax)
    add_footer(fig, source_line(result))
    return fig


def change_labels(result) -> list[tuple[pd.Timestamp, str]]:
    """Date and label (``2026-01-01: WSO``) of each dated change inside the run's horizon.

    The label names the program in force from that date, or, when the program stays, what the
    change sets.
    """
    sc = result.scenario
    end = pd.Timestamp(sc.start_date) + pd.Timedelta(days=sc.horizon)
    out = []
    periods = sc.periods()
    for change, before, now in zip(sc.timeline, periods, periods[1:], strict=False):
        when = pd.Timestamp(change.start)
        if when >= end:
            continue
        what = (PROGRAM_NAMES.get(now.program, now.program) if now.program != before.program
                else ", ".join(change.values) or "a change")
        out.append((when, f"{change.start.isoformat()}: {what}"))
    return out


def holds(result, ax=None):
    """Histogram of hold lengths for ICE against the cap, split by transfer and lapse."""
    fig, ax = new_axes(ax)
    b = result.bookings_columns(["hold_start_at", "exit_reason", "hold_hours"])
    held = b[b["hold_start_at"].notna() & (b["exit_reason"] != "censored")]
    periods = result.scenario.periods()
    cap_h = max([s.hold.cap for s in periods]
                + [s.wso.custody_cap for s in periods if s.uses_wso]) * 24
    top = max(float(held["hold_hours"].max()) if len(held) else cap_h, cap_h) * 1.05
    bins = np.linspace(0, top, 40)
    for k, reason in enumerate(("ice_transfer", "lapsed", "released")):
        h = held.loc[held["exit_reason"] == reason, "hold_hours"]
        if len(h):
            ax.hist(h, bins=bins, histtype="stepfilled", alpha=0.6, color=f"{0.25 + 0.3 * k}",
                    hatch=HATCHES[k], edgecolor="0.1", label=f"{reason} ({len(h):,})")
    dated = len(periods) > 1
    labels = Context.of(result).policy.labels
    for k, (hold, first) in enumerate(_distinct(((s.hold, d) for s, d in zip(
            periods, labels, strict=True)))):
        h = hold.cap * 24
        kind = ("calendar hours" if hold.rule == "calendar_48h"
                else "business hours: longer in clock time")
        when = f", from {first}" if dated and k else ""
        ax.axvline(h, color="0.0", linestyle=["--", "-."][k % 2],
                   label=f"cap: {h:g} h ({kind}{when})")
    wso = [(s.wso, d) for s, d in zip(periods, labels, strict=True) if s.uses_wso]
    for k, (block, first) in enumerate(_distinct(wso)):
        wso_h = block.custody_cap * 24
        when = f", from {first}" if dated else ""
        ax.axvline(wso_h, color="0.4", linestyle=[":", (0, (1, 3))][k % 2],
                   label=f"WSO custody cap after a served warrant: {wso_h:g} h{when}")
    ax.set_xlabel("hold past release-eligible time (hours)")
    ax.set_ylabel("holds (count, all replications)")
    ax.set_title("Holds for ICE: how long, and how they ended")
    legend_beside(ax)
    add_footer(fig, source_line(result))
    return fig


def _distinct(pairs) -> list:
    """The (value, label) pairs whose value was not seen before, first seen first."""
    out = []
    for value, label in pairs:
        if all(value != v for v, _ in out):
            out.append((value, label))
    return out


def screening(result, ax=None):
    """JEM officers by hour of week: officers on duty, officers busy, and the queue wait."""
    fig, ax = new_axes(ax)
    ctx = Context.of(result)
    if ctx.jem_staff is None:
        ax.text(0.5, 0.5, "no JEM screening in this scenario", ha="center",
                transform=ax.transAxes)
        return fig
    b = result.bookings_columns(["screened_at", "officer_free_at"])
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
    legend_beside(ax)  # off the bars
    add_footer(fig, source_line(result))
    return fig


def differences(table: pd.DataFrame, metrics: list[str] | None = None, ax=None, title=None,
                source: str = ""):
    """Paired differences with 95% intervals, one row per metric, in percent of the baseline.

    ``table`` has rows per metric and columns ``pct``, ``pct_ci_low``, ``pct_ci_high``
    (``Comparison.differences`` indexed by ``metric``); ``source`` is the footer line.
    """
    fig, ax = new_axes(ax)
    t = table.loc[metrics] if metrics else table
    y = np.arange(len(t))[::-1]
    ax.errorbar(t["pct"], y, xerr=[t["pct"] - t["pct_ci_low"], t["pct_ci_high"] - t["pct"]],
                fmt="o", color="0.0", ecolor="0.35", capsize=3)
    ax.axvline(0, color="0.5", linestyle="--")
    ax.set_yticks(y, t.index)
    ax.set_xlabel("difference (% of the first scenario), 95% interval")
    ax.set_title(title or "Paired differences between scenarios")
    if source:
        add_footer(fig, source)
    return fig


class PlotAccessor:
    """``result.plot.los()`` and friends: the functions of this module bound to a result.

    Each returns the ``Figure`` (see the module docstring: shown once in a notebook).
    """

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


class ComparisonPlotAccessor:
    """``comparison.plot.differences()`` and ``.los()``: the figures of a paired comparison.

    Each returns the ``Figure`` (see the module docstring: shown once in a notebook).
    """

    def __init__(self, comparison):
        self._comparison = comparison

    def source(self) -> str:
        """The footer: scenarios, seed, replications (paired or independent), engine."""
        c = self._comparison
        first = c.results[c.baseline]
        names = " and ".join(f"'{label}'" for label in c.results)
        pairs = "paired" if c.crn else "independent"
        return (f"jailsim — scenarios {names}, seed {c.seed}, {first.scenario.replications} "
                f"{pairs} replications, engine {first.engine}")

    def differences(self, metrics: list[str] | None = None, scenario: str | None = None, *,
                    title: str | None = None, ax=None):
        """Each metric's difference from the baseline in percent, with its 95% interval.

        ``scenario``: the label compared with the baseline (default: the second scenario);
        ``metrics``: default the headline metrics defined under both.
        """
        c = self._comparison
        others = [label for label in c.results if label != c.baseline]
        label = others[0] if scenario is None else scenario
        if label not in others:
            raise ValueError(f"scenario {label!r}: not compared with the baseline "
                             f"{c.baseline!r} (allowed: {others})")
        d = c.differences[c.differences["scenario"] == label].set_index("metric")
        if metrics is None:
            metrics = [m for m in HEADLINE if np.isfinite(d.loc[m, "pct"])]
        return differences(
            d.loc[list(metrics), ["pct", "pct_ci_low", "pct_ci_high"]],
            ax=ax, source=self.source(),
            title=title or f"{label} compared with {c.baseline}: paired differences")

    def los(self, ax=None):
        """Survival of stays with and without a detainer, one pair of curves per scenario."""
        return los_survival(self._comparison.results, ax=ax)
