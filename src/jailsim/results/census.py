"""Census: how many people are in the jail over time, from entry and exit times.

The census is a step function N(t) that rises by one at each booking and falls by one at each
exit. Its integral over a day is that day's bed-days; over the measurement window divided by
the window's length it is the average daily population (ADP). The same integral of
max(0, N(t) - capacity) gives the boarded-out bed-days.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd


def step_integral(times: np.ndarray, deltas: np.ndarray, edges: np.ndarray, cap: float = 0.0):
    """Integrals of max(0, N(t) - cap) between consecutive ``edges``.

    ``N(t)`` starts at 0 and changes by ``deltas[k]`` at ``times[k]`` (any order; a NaN time
    never happens). Returns an array of ``len(edges) - 1`` integrals (units: count x days).
    """
    return _integrals(*_steps(times, deltas), edges, cap)[0]


def _steps(times: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The step function N(t): its change times in order and its value from each on.

    Changes at the same time may come in any order: between them the step has zero width, so
    no integral sees the values in between (the sort need not be stable).
    """
    ok = np.isfinite(times)  # NaN or inf: never happens within the edges
    tau = times[ok]
    order = np.argsort(tau)
    tau = tau[order]
    return tau, np.cumsum(deltas[ok][order], dtype=np.float64)


def _presence_steps(enter: np.ndarray, leave: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_steps(*presence(enter, leave))`` for ``enter`` sorted and never NaN (the bookings).

    Only the exits are sorted, then merged after the entries (at equal times, entries
    first): a stable sort of two sorted runs is a merge, far cheaper than sorting them all.
    """
    both = np.concatenate([enter, np.sort(leave[np.isfinite(leave)])])
    order = np.argsort(both, kind="stable")
    step = np.ones(len(both))
    step[len(enter):] = -1.0
    return both[order], np.cumsum(step[order])


def _integrals(tau: np.ndarray, total: np.ndarray, edges: np.ndarray, *caps: float):
    """:func:`step_integral` of the step function ``(tau, total)`` from :func:`_steps`.

    One array per cap in ``caps``: where the edges fall among the steps is found once.
    """
    if len(tau) == 0:
        return [np.zeros(len(edges) - 1) for _ in caps]
    width = np.diff(tau)
    k = np.searchsorted(tau, edges, side="right") - 1
    started = k >= 0
    kk = np.maximum(k, 0)
    since = edges - tau[kk]
    out = []
    for cap in caps:
        level = np.maximum(total - cap, 0.0)  # value from tau[k] on
        cum = np.empty(len(tau))  # integral to tau[k]
        cum[0] = 0.0
        np.cumsum(level[:-1] * width, out=cum[1:])
        out.append(np.diff(np.where(started, cum[kk] + level[kk] * since, 0.0)))
    return out


def presence(enter: np.ndarray, leave: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Events (times, deltas) for people present from ``enter`` to ``leave`` (NaN = still in).

    People with a NaN ``enter`` are never present. Deltas are int8 (+1, -1):
    :func:`step_integral` sums them in float64.
    """
    has = ~np.isnan(enter)
    if not has.all():
        enter, leave = enter[has], leave[has]
    times = np.concatenate([enter, leave])
    out = times[len(enter):]
    out[np.isnan(out)] = np.inf
    deltas = np.ones(len(times), dtype=np.int8)
    deltas[len(enter):] = -1
    return times, deltas


def daily_census(
    bookings: pd.DataFrame, horizon: float, capacity: float, start_date
) -> pd.DataFrame:
    """Average census per day of one replication, in total and by group.

    Columns: ``day`` (0-based), ``date``, ``census`` (time-average people in the jail that day,
    = bed-days), ``with_detainer``, ``on_hold`` (held for ICE, until it takes custody),
    ``ice_detainees`` (ICE's detainees kept here under an IGSA), ``boarded_out`` (bed-days
    above capacity).
    """
    edges, dates = _days(float(horizon), start_date)
    width = np.diff(edges)
    booked, exit_ = bookings["booked_at"].to_numpy(), bookings["exit_at"].to_numpy()
    # Sorted once for census and boarded_out; the table is in booking order.
    ordered = not np.isnan(booked).any() and bool(np.all(booked[1:] >= booked[:-1]))
    steps = _presence_steps(booked, exit_) if ordered else _steps(*presence(booked, exit_))
    census, boarded_out = (x / width for x in _integrals(*steps, edges, 0.0, capacity))
    del steps
    out = {
        "day": np.arange(len(width), dtype=np.int32),
        "date": dates.copy(),
        "census": census,
    }
    custody = bookings["ice_custody_at"].to_numpy()
    for name, enter, leave in (("with_detainer", bookings["detainer_at"].to_numpy(), exit_),
                               ("on_hold", bookings["hold_start_at"].to_numpy(),
                                np.fmin(custody, exit_)),
                               ("ice_detainees", custody, exit_)):
        t2, d2 = presence(enter, leave)
        out[name] = step_integral(t2, d2, edges) / width
    out["boarded_out"] = boarded_out
    return pd.DataFrame(out, copy=False)  # fresh arrays: no copy stacking the float columns


@lru_cache(maxsize=16)
def _days(horizon: float, start_date) -> tuple[np.ndarray, pd.arrays.DatetimeArray]:
    """The census days' edges (a partial last day ends at the horizon) and their dates.

    Built once per horizon and start date (the dates cost more than a day's census); shared,
    so the edges are read-only and a table gets a copy of the dates.
    """
    edges = np.arange(0.0, np.floor(horizon) + 1.0)
    if edges[-1] < horizon:
        edges = np.append(edges, horizon)
    edges.flags.writeable = False
    return edges, (pd.Timestamp(start_date) + pd.to_timedelta(edges[:-1], unit="D")).array
