"""Figures of the fit report and the back-test: an export set against its simulated jail.

Every figure is a PNG drawn in black and greys (observed: black; model: grey, dashed; the
simulation's band: light grey), with units on the axes and a source line under it. Matplotlib
is imported only when a figure is drawn, so importing this module stays cheap.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.scenario.units import DAY_NAMES

__all__ = ["plot_census", "plot_hour_of_week", "plot_monthly", "plot_stays", "plot_weekday"]


def _figure(width=8.0, height=4.5, rows=1, cols=1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(rows, cols, squeeze=False)


def _finish(fig, path: Path, title: str, source: str) -> Path:
    width, height = fig.get_size_inches()
    lines = textwrap.wrap(source, int(width * 17))
    fig.suptitle(title)
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=7, color="0.35", ha="left", va="bottom")
    bottom = (0.03 + 0.13 * len(lines)) / height
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    fig.savefig(path, dpi=120)
    return path


def plot_census(census: pd.DataFrame, path, source: str, level: float, title: str) -> Path:
    """Daily census: observed line over the simulation's mean and band."""
    fig, ax = _figure()
    ax = ax[0, 0]
    ax.fill_between(census["date"], census["sim_low"], census["sim_high"], color="0.82",
                    label=f"simulated, central {level:.0%} of replications")
    ax.plot(census["date"], census["sim_mean"], color="0.45", ls="--", lw=1.2,
            label="simulated, mean")
    ax.plot(census["date"], census["observed"], color="black", lw=1.0, label="export")
    ax.set_xlabel("date")
    ax.set_ylabel("people in jail (daily average)")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(color="0.92")
    return _finish(fig, Path(path), title, source)


def plot_monthly(monthly: pd.DataFrame, path, source: str, level: float) -> Path:
    """Bookings per calendar month: observed points over the simulated band."""
    fig, ax = _figure()
    ax = ax[0, 0]
    x = monthly["month"].dt.to_timestamp()
    ax.fill_between(x, monthly["sim_low"], monthly["sim_high"], step="mid", color="0.82",
                    label=f"simulated, central {level:.0%} of replications")
    ax.step(x, monthly["sim_mean"], where="mid", color="0.45", ls="--", label="simulated, mean")
    ax.plot(x, monthly["observed"], "o", color="black", ms=4, label="export")
    ax.set_xlabel("month (first and last may be partial)")
    ax.set_ylabel("bookings per month")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(color="0.92")
    return _finish(fig, Path(path), "Monthly admissions: export vs simulation", source)


def plot_stays(curves: pd.DataFrame, path, source: str) -> Path:
    """Kaplan–Meier survival of the stays, export vs simulation, one panel per group."""
    names = [c[: -len("_observed")] for c in curves.columns if c.endswith("_observed")]
    cols, rows = min(len(names), 3), -(-len(names) // 3)
    fig, axes = _figure(4.2 * cols, 3.8 * rows + 0.6, rows, cols)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        ax.step(curves["days"], curves[f"{name}_observed"], where="post", color="black",
                label="export (Kaplan-Meier)")
        ax.step(curves["days"], curves[f"{name}_simulated"], where="post", color="0.5",
                ls="--", label="simulated (Kaplan-Meier)")
        ax.set_xscale("log")
        ax.set_xticks([1 / 24, 1, 7, 30, 365])
        ax.set_xticklabels(["1h", "1d", "1w", "1mo", "1y"])
        ax.set_xlabel("time since booking (log scale)")
        ax.set_ylabel("share still in jail")
        ax.set_title(name)
        ax.grid(color="0.92")
        ax.legend(loc="lower left", frameon=False, fontsize=8)
    return _finish(fig, Path(path), "Length of stay: survival curves, export vs calibrated model",
                   source)


def plot_hour_of_week(how: pd.DataFrame, r: float, path, source: str) -> Path:
    """Bookings per clock hour over the week: export vs the calibrated model's intensity."""
    fig, ax = _figure(9, 4)
    ax = ax[0, 0]
    x = how["hour_of_week"] + 0.5
    ax.plot(x, how["observed_per_hour"], color="black", lw=1, label="export")
    ax.plot(x, how["scenario_per_hour"], color="0.5", ls="--", lw=1.5, label="calibrated model")
    ax.set_xticks(np.arange(0, 169, 24), [*DAY_NAMES, ""])
    ax.set_xlim(0, 168)
    ax.set_xlabel("hour of the week (ticks at midnight starting each day)")
    ax.set_ylabel("bookings per clock hour")
    ax.set_ylim(0, float(how[["observed_per_hour", "scenario_per_hour"]].max().max()) * 1.3)
    ax.legend(loc="upper left", ncols=2, frameon=False,
              title=f"profile correlation r = {r:.3f}")
    ax.grid(color="0.92")
    return _finish(fig, Path(path), "Arrivals by hour of the week", source)


def plot_weekday(wk: pd.DataFrame, path, source: str) -> Path:
    """Average bookings per day by weekday: export vs the calibrated model."""
    fig, ax = _figure(6, 4)
    ax = ax[0, 0]
    x = np.arange(7)
    ax.bar(x - 0.2, wk["observed_per_day"], 0.4, color="black", label="export")
    ax.bar(x + 0.2, wk["scenario_per_day"], 0.4, color="0.7", hatch="//", edgecolor="0.3",
           label="calibrated model")
    ax.set_xticks(x, DAY_NAMES)
    ax.set_xlabel("weekday")
    ax.set_ylabel("bookings per day (average)")
    top = float(max(wk["observed_per_day"].max(), wk["scenario_per_day"].max()))
    ax.set_ylim(0, top * 1.25)
    ax.legend(loc="upper center", ncols=2, frameon=False)
    return _finish(fig, Path(path), "Arrivals by weekday", source)
