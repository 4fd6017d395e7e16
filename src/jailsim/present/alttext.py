"""The alt text of every figure of the reports: what the figure shows, written from its data.

A reader who cannot see the image (a screen reader, a text-only copy, an image that fails to
load) gets what it shows and its main numbers: the scenarios and dates it covers, the sizes
that a sighted reader takes from it. Each function takes what its figure was drawn from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from jailsim.present.formats import interval, number, signed
from jailsim.present.meaning import join_words
from jailsim.results.plots import change_labels

__all__ = ["census", "differences", "holds", "screening", "sensitivity", "stays", "sweep"]


def stays(results: Mapping[str, object]) -> str:
    """Kaplan–Meier curves of stays, with and without a detainer, of one or more runs."""
    with_d, without = [], []
    for label, r in results.items():
        s = r.summary()
        with_d.append(f"{number(s.loc['mean_los_days_detainer', 'mean'])} days under {label}")
        without.append(number(s.loc["mean_los_days_no_detainer", "mean"]))
    return (f"Share of people still in jail against days since booking (log scale), with and "
            f"without an ICE detainer, under {join_words(list(results))}. People who left with a "
            f"detainer had stayed {join_words(with_d)} on average; the others "
            f"{join_words(without)} days.")


def census(result) -> str:
    """The daily census against capacity, with the dated policy changes."""
    sc = result.scenario
    c = result.census.pivot_table(index="date", columns="replication", values="census")
    mean = c.mean(axis=1)
    first, last = pd.Timestamp(c.index.min()), pd.Timestamp(c.index.max())
    cap = sc.jail.rated_capacity
    side = ("above the rated capacity of" if mean.max() > cap
            else "below the rated capacity of")
    changes = "; ".join(f"a dated policy change on {text}" for _, text in change_labels(result))
    return (f"Daily census under {sc.name} from {first:%Y-%m-%d} to {last:%Y-%m-%d}, mean of "
            f"{c.shape[1]} replication{'s' if c.shape[1] != 1 else ''} with their range: "
            f"between {number(mean.min())} and {number(mean.max())} people "
            f"({number(mean.mean())} on average), {side} {number(cap)}"
            + (f"; {changes}." if changes else "."))


def holds(result) -> str:
    """The histogram of hold lengths for ICE against the cap."""
    sc = result.scenario
    b = result.bookings_columns(["hold_start_at", "exit_reason"])
    held = b[b["hold_start_at"].notna() & (b["exit_reason"] != "censored")]
    caps = sorted({s.hold.cap * 24 for s in sc.periods()})
    cap = " and ".join(f"{number(h)} hours" for h in caps)
    if held.empty:
        return (f"Hold lengths for ICE under {sc.name}: no one was held past release in this "
                f"run; the figure marks the cap of {cap}.")
    n = held["exit_reason"].value_counts()
    return (f"Histogram of hold lengths for ICE in hours under {sc.name}: {number(len(held))} "
            f"holds over {sc.replications} replications, {number(n.get('ice_transfer', 0))} "
            f"ended with ICE taking custody, {number(n.get('lapsed', 0))} lapsed at the cap "
            f"and {number(n.get('released', 0))} were released otherwise; the cap is {cap}.")


def screening(result) -> str:
    """JEM officers on duty and busy by hour of the week."""
    s = result.summary()["mean"]
    return (f"JEM officers on duty and busy (on average) by hour of the week under "
            f"{result.scenario.name}: screening reached {number(100 * s['screening_coverage'])}% "
            f"of the people flagged, the mean wait was {number(s['mean_screening_wait_hours'])} "
            f"hours and officers were busy {number(100 * s['officer_utilization'])}% of their "
            "time on duty.")


def differences(frame: pd.DataFrame, label: str, baseline: str) -> str:
    """Paired differences in percent (``pct``, ``pct_ci_low``, ``pct_ci_high`` by metric)."""
    told = "; ".join(
        f"{name} {signed(r['pct'])}% "
        f"({interval(r['pct_ci_low'], r['pct_ci_high'], sep=' to ')})"
        for name, r in frame.iterrows())
    return (f"Paired differences of {label} from {baseline} in percent of {baseline}, with "
            f"95% intervals: {told}.")


def sweep(table: pd.DataFrame, factor: str, metrics: Sequence[str], scenario: str) -> str:
    """Each metric against one varied parameter (a sweep's tidy table)."""
    values = ", ".join(str(v) for v in dict.fromkeys(table[factor]))
    told = []
    for m in metrics:
        means = table.loc[table["metric"] == m, "mean"].dropna()
        if len(means):
            told.append(f"{m} from {number(means.min())} to {number(means.max())}")
    return (f"{join_words(list(metrics))} against {factor} ({values}) in the sweep of {scenario}: "
            f"the mean and its 95% interval at each design point; "
            f"{'; '.join(told) or 'no metric defined'}.")


def sensitivity(indices: pd.DataFrame, metrics: Sequence[str], method: str) -> str:
    """Sensitivity indices with intervals, one panel per metric."""
    told = []
    for m in metrics:
        t = indices[(indices["metric"] == m) & indices["value"].notna()]
        if len(t):
            top = t.loc[t["value"].idxmax()]
            told.append(f"for {m} the largest is {top['index']} of {top['parameter']}, "
                        f"{number(top['value'])}")
    params = join_words(list(dict.fromkeys(indices["parameter"])))
    return (f"{method.capitalize()} sensitivity indices with 95% bootstrap intervals of "
            f"{params} for {join_words(list(metrics))}; {'; '.join(told)}.")

