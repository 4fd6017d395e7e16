"""Census: how many people are in the jail over time, from entry and exit times.

The census is a step function N(t) that rises by one at each booking and falls by one at each
exit. Its integral over a day is that day's bed-days; over the measurement window divided by
the window's length it is the average daily population (ADP). The same integral of
max(0, N(t) - capacity) gives the boarded-out bed-days. The census is built from the bookings
table as a whole or in batches of rows, as they become final (:class:`RunningCensus`).
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


#: The census's groups, beside the total (columns of :func:`daily_census`).
GROUPS = ("with_detainer", "on_hold", "ice_detainees")


def _groups(b: pd.DataFrame):
    """Each of :data:`GROUPS` with who is in it from when to when, from the bookings ``b``.

    People with a detainer lodged, held for ICE (until it takes custody), ICE's detainees kept
    here under an IGSA.
    """
    exit_, custody = b["exit_at"].to_numpy(), b["ice_custody_at"].to_numpy()
    yield "with_detainer", b["detainer_at"].to_numpy(), exit_
    yield "on_hold", b["hold_start_at"].to_numpy(), np.fmin(custody, exit_)
    yield "ice_detainees", custody, exit_


def _add_days(outs, steps, edges: np.ndarray, lo: float, hi: float, *caps: float) -> None:
    """Add to ``outs`` (one array of days per cap) each day's integral over [lo, hi).

    The integrals of max(0, N(t) - cap) of the step function ``steps`` (:func:`_steps`), which
    must hold N(t) from ``lo`` on; only the days that meet [lo, hi) are touched.
    """
    j0 = max(int(np.searchsorted(edges, lo, side="right")) - 1, 0)
    j1 = min(int(np.searchsorted(edges, hi, side="left")), len(edges) - 1)
    if j1 > j0:
        days = np.clip(edges[j0:j1 + 1], lo, hi)
        for out, x in zip(outs, _integrals(*steps, days, *caps), strict=True):
            out[j0:j1] += x


def _from(x: np.ndarray, t: float) -> np.ndarray:
    """The values of ``x`` at or after ``t`` (``x`` itself when that is all of them)."""
    return x if t == -np.inf else x[x >= t]


def _split(x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """The values of ``x`` before ``t``, and the others."""
    if t == np.inf:
        return x, np.empty(0)
    before = x < t
    return x[before], x[~before]


def _join(*parts: np.ndarray) -> np.ndarray:
    """The arrays one after the other (the one array itself when the others are empty)."""
    full = [a for a in parts if len(a)]
    return full[0] if len(full) == 1 else np.concatenate(full or parts[:1])


class RunningCensus:
    """The daily census of one replication, from its bookings table in batches of rows.

    The table comes in batches (:meth:`add`) as its rows become final: every row in exactly
    one batch, rows in any order within a batch, a batch possibly empty. Each batch comes with
    a *frontier* ``F``: frontiers never decrease, and every row still to come after the batch
    leaves at or after ``F`` (or is still in at the horizon: NaN), though it may have been
    booked before ``F``; the batch gives the booking times of those rows (``pending_booked``).
    So the census N(t) is known up to ``F``: it is integrated from the previous frontier to
    ``F``, from the census carried at the previous frontier and the entries and exits in
    between, as boarded-out bed-days (not a sum over people) need. The groups (with a
    detainer, on hold, ICE's detainees) are sums over people, added batch by batch. The last
    batch has the frontier ``+inf``; :func:`daily_census` is the whole table as that batch.

    Memory held between batches: a few arrays of one value per day, and the entry and exit
    times, at or after the frontier, of rows handed in before those times (none when a batch
    holds rows that left before its frontier, and the people still in, last).

    Parameters
    ----------
    horizon : float
        The run's horizon (days): the census has a day per whole day to it, and a partial last
        day that ends at it.
    capacity : float
        Rated capacity: the census above it is boarded out.
    start_date
        The date of day 0.
    """

    def __init__(self, horizon: float, capacity: float, start_date):
        self.edges, self.dates = _days(float(horizon), start_date)
        self.capacity = capacity
        n = len(self.edges) - 1
        self._census, self._over = np.zeros(n), np.zeros(n)
        self._groups = {name: np.zeros(n) for name in GROUPS}
        self.frontier = -np.inf
        self._level = 0  # N(t) at the frontier
        self._censored = 0  # rows handed in still in at the horizon
        # entries and exits at or after the frontier of rows already handed in
        self._later_in, self._later_out = np.empty(0), np.empty(0)

    def add(self, part: pd.DataFrame, frontier: float = np.inf, pending_booked=()) -> None:
        """Add a batch of rows of the bookings table, final up to ``frontier``.

        Parameters
        ----------
        part : DataFrame
            Rows of the bookings table (``booked_at``, ``exit_at``, ``detainer_at``,
            ``hold_start_at``, ``ice_custody_at`` are read), each final: rows with a NaN
            ``booked_at`` are never in the jail.
        frontier : float
            No row still to come leaves before it; ``+inf`` (the default) for the last batch.
        pending_booked : array of float
            The ``booked_at`` of exactly the rows still to come that were booked before
            ``frontier`` (empty for the last batch).

        Raises
        ------
        ValueError
            Where the batch shows the stream broke its contract: a frontier before the
            previous one, a batch after the last, a row that left before the previous
            frontier, a pending booking at or after the frontier; or, at the last batch, a
            census left over that is not the people still in at the horizon (a batch lost,
            or pending bookings missing or counted twice). Nothing is added then.
        """
        lo, hi = self.frontier, float(frontier)
        if lo == np.inf or not hi >= lo:
            raise ValueError(f"frontier {hi} after the last batch or before the previous {lo}")
        booked = part["booked_at"].to_numpy(dtype=float)
        exit_ = part["exit_at"].to_numpy(dtype=float)
        has = ~np.isnan(booked)
        if not has.all():
            booked, exit_ = booked[has], exit_[has]
        pending = np.asarray(pending_booked, dtype=float)
        if (exit_ < lo).any() or not (pending < hi).all() or (hi == np.inf and len(pending)):
            raise ValueError(f"a row left before the previous frontier {lo}, or a pending "
                             f"booking is not before the frontier {hi}")
        left = exit_[np.isfinite(exit_)]
        censored = self._censored + len(exit_) - len(left)
        # entries not yet counted (earlier ones were pending before), exits, and those to come
        enter, later_in = _split(_join(_from(booked, lo), _from(pending, lo), self._later_in), hi)
        leave, later_out = _split(_join(left, self._later_out), hi)
        del booked, exit_, left
        if hi == np.inf and self._level + len(enter) - len(leave) != censored:
            raise ValueError(
                f"{self._level + len(enter) - len(leave):,} people in at the end, but "
                f"{censored:,} rows still in at the horizon: a batch or pending booking lost"
            )
        self._integrate(enter, leave, lo, hi)
        self.frontier, self._censored = hi, censored
        self._later_in, self._later_out = later_in, later_out
        for name, start, end in _groups(part):
            tau, total = _steps(*presence(start, end))
            if len(tau):  # nobody before its first change: the days from there on
                _add_days((self._groups[name],), (tau, total), self.edges, tau[0], np.inf, 0.0)

    def _integrate(self, enter: np.ndarray, leave: np.ndarray, lo: float, hi: float) -> None:
        """Add the census over [lo, hi), from its value at ``lo``, its entries and exits."""
        ordered = bool(np.all(enter[1:] >= enter[:-1]))  # the table is in booking order
        tau, total = _presence_steps(enter, leave) if ordered else _steps(*presence(enter, leave))
        if lo > -np.inf:  # from the census carried at lo (nobody before -inf)
            tau = np.concatenate(([lo], tau))
            total = np.concatenate(([self._level], total + self._level))
        self._level += len(enter) - len(leave)
        _add_days((self._census, self._over), (tau, total), self.edges, lo, hi, 0.0,
                  self.capacity)

    def table(self) -> pd.DataFrame:
        """The census of :func:`daily_census`, once the last batch (frontier +inf) is in."""
        if self.frontier < np.inf:
            raise ValueError(f"the census is known to day {self.frontier} only: the last "
                             "batch (frontier +inf) is still to come")
        width = np.diff(self.edges)
        out = {
            "day": np.arange(len(width), dtype=np.int32),
            "date": self.dates.copy(),
            "census": self._census / width,
            **{name: self._groups[name] / width for name in GROUPS},
            "boarded_out": self._over / width,
        }
        return pd.DataFrame(out, copy=False)  # fresh arrays: no copy stacking the float columns


def daily_census(
    bookings: pd.DataFrame, horizon: float, capacity: float, start_date
) -> pd.DataFrame:
    """Average census per day of one replication, in total and by group.

    Columns: ``day`` (0-based), ``date``, ``census`` (time-average people in the jail that day,
    = bed-days), ``with_detainer``, ``on_hold`` (held for ICE, until it takes custody),
    ``ice_detainees`` (ICE's detainees kept here under an IGSA), ``boarded_out`` (bed-days
    above capacity). The whole table as the one batch of a :class:`RunningCensus`.
    """
    census = RunningCensus(horizon, capacity, start_date)
    census.add(bookings)
    return census.table()


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
