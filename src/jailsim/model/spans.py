"""Spans of bookings: a replication's Population a span of booking times at a time.

:meth:`jailsim.model.population.Population.sample` with ``span=(a, b)`` gives the rows of the
whole Population booked in ``[a, b)``, bit for bit, drawing only those bookings (and one draw
a day for every day's count, to number them): draws are addressed by booking
(:mod:`jailsim.model.streams`) and arrivals are drawn a day at a time
(:class:`~jailsim.model.arrivals.ArrivalDays`). The stream engine
(:mod:`jailsim.engines.stream`) runs a replication span by span in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import weakref

import numpy as np

from jailsim.model.arrivals import ArrivalDays
from jailsim.model.clock import Clock
from jailsim.model.context import Context
from jailsim.model.draws import booking_sources, draw_rows
from jailsim.model.history import court_wait
from jailsim.model.policy import dated_durations
from jailsim.model.streams import Address
from jailsim.scenario.blocks import Stream
from jailsim.scenario.schema import Scenario

__all__ = ["booking_days", "rank_among", "span_arrays"]


def booking_days(
    scenario: Scenario, roster: dict[str, np.ndarray] | None = None
) -> tuple[int, int]:
    """The whole days ``(first, end)`` a replication's bookings fall in: ``first <= t < end``.

    From the first day of a steady-state warm start's history (``-ceil(history)``; day 0
    without one) to the end of the horizon's last day (``ceil(horizon)``), widened to the
    days of a roster warm start's people: those of ``roster`` (their draws, as for
    :meth:`Population.sample`) or, without it, of the scenario's roster. Spans that cover
    ``[first, end)`` (:meth:`Population.sample` with ``span``) hold every booking once.

    Examples
    --------
    >>> import jailsim
    >>> sc = jailsim.load("jailsim:jem.yaml").with_(
    ...     {"horizon": "30d", "warm_start": {"kind": "steady_state", "history": "10d"}})
    >>> booking_days(sc)
    (-10, 30)
    """
    ws = scenario.warm_start
    first = -math.ceil(ws.history) if ws.kind == "steady_state" else 0
    end = math.ceil(scenario.horizon)
    if ws.kind == "roster":
        if roster is not None:
            booked = np.asarray(roster["booked_at"], dtype=float)
        else:  # as jailsim.engines.roster reads them
            start = dt.datetime.combine(scenario.start_date, dt.time())
            booked = np.array([(p.booked - start) / dt.timedelta(days=1) for p in ws.people])
        if len(booked):
            first = min(first, math.floor(booked.min()))
            end = max(end, math.floor(booked.max()) + 1)
    return first, end


#: How many sources' arrival days :func:`_source_days` keeps: the spans of a replication (a
#: few sources, run and history) share theirs.
DAYS_KEPT = 8
_kept: dict[tuple, tuple[Stream, ArrivalDays]] = {}
_kept_lock = threading.Lock()


def _source_days(
    stream: Stream, clock: Clock, address: Address, start_day: int, end: float
) -> ArrivalDays:
    """The :class:`~jailsim.model.arrivals.ArrivalDays` of a source, made once per replication.

    The last :data:`DAYS_KEPT` are kept (a few MB at most), so that spans do not draw every
    day's count again; each holds the stream it was made for, so an id that Python reuses
    for another stream is not taken for it.
    """
    key = (id(stream), clock.week_offset, address, int(start_day), float(end))
    with _kept_lock:
        hit = _kept.get(key)
    if hit is not None and hit[0] is stream:
        return hit[1]
    days = ArrivalDays(stream, clock, address, start_day, end)
    with _kept_lock:
        _kept.pop(key, None)
        _kept[key] = (stream, days)
        while len(_kept) > DAYS_KEPT:
            del _kept[next(iter(_kept))]
    return days


#: The court wait (:func:`_history_wait`) of each history's days, by Context.
_waits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _history_wait(days: ArrivalDays, ctx: Context) -> int:
    """:func:`~jailsim.model.history.court_wait` of all the bookings of ``days`` under ``ctx``.

    The whole history's, as the whole sample trims it; it depends on the first and last
    booking times alone, made here from their days.
    """
    by_ctx = _waits.setdefault(days, {})
    if id(ctx) not in by_ctx or by_ctx[id(ctx)][0] is not ctx:
        full = np.flatnonzero(days.counts)
        ends = np.empty(0)
        if len(full):
            i, j = int(full[0]), int(full[-1])
            ends = np.array([days.times(i, i + 1)[0], days.times(j, j + 1)[-1]])
        by_ctx[id(ctx)] = (ctx, court_wait(ctx, ends))
    return by_ctx[id(ctx)][1]


def rank_among(place: np.ndarray, x: np.ndarray, k: int,
               others: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Where the bookings ``x`` of part ``k`` stand among all parts' (their ``booking_id``).

    ``place``: their places within part ``k``. ``others``: per part, booking times (sorted)
    and how many of its bookings come before those. Each other part puts first its bookings
    booked earlier, or at the same time if it is an earlier part: a stable order by booking
    time of the parts in turn.
    """
    rank = place.astype(np.int64)  # a copy
    if not len(x):
        return rank
    for m, (other, before) in enumerate(others):
        if m == k:
            continue
        if not len(other) or x[-1] < other[0]:  # all before them (as a horizon's history)
            rank += before
        elif x[0] > other[-1]:  # all after them
            rank += before + len(other)
        else:
            rank += before + np.searchsorted(other, x, side="right" if m < k else "left")
    return rank


def span_arrays(
    sc: Scenario,
    seed: int,
    rep: int,
    span: tuple[float, float],
    context: Context | None,
    roster: dict[str, np.ndarray] | None,
) -> dict[str, np.ndarray]:
    """The arrays of :meth:`Population.sample` for the bookings of ``span`` alone.

    Each part of the whole sample (the run's sources, then their history or the roster)
    gives the bookings of the span (the times of the span's days and the day before it: a
    booking may fall on the stroke of midnight), their numbers in the part and their
    ``booking_id``: their place in the part plus, for every other part, how many of its
    bookings come first (booked earlier, or at the same time in an earlier part), as
    :func:`number` counts. Only those bookings are drawn; the rows are then put in order of
    ``booking_id``, the order of the whole sample.
    """
    a, b = (float(x) for x in span)
    if math.isnan(a) or math.isnan(b):
        raise ValueError(f"a span is two times in days, got {span!r}")
    clock = Clock(sc.start_date)
    durations = dated_durations(sc)
    parts = booking_sources(sc)
    specs = [(source, stream, False) for source, stream in parts]
    if sc.warm_start.kind == "steady_state":
        specs += [(source, stream, True) for source, stream in parts]

    def day(x: float, f) -> float:  # the whole day f(x) (floor, ceil) of a time, or +-inf
        return float(f(x)) if math.isfinite(x) else x

    # Per part: its times on the span's days and the day before (sorted), how many of its
    # bookings come before those, and the places in the part and times of the span's own.
    found = []
    days_of = []
    for source, stream, history in specs:
        address = Address.of(seed, rep, source)
        days = (_source_days(stream, clock, address, -math.ceil(sc.warm_start.history), 0.0)
                if history else _source_days(stream, clock, address, 0, sc.horizon))
        i = days.index(day(a, math.floor) - 1)  # the day before: a time may be its midnight
        j = max(i, days.index(day(b, math.ceil)))
        t, before = days.times(i, j), int(days.cum[i])
        rows = np.flatnonzero((a <= t) & (t < b))
        found.append((t, before, rows + np.int64(before), t[rows]))
        days_of.append(days)
    if roster is not None:
        t = np.asarray(roster["booked_at"])
        order = np.argsort(t, kind="stable")
        place = np.empty(len(t), dtype=np.int64)
        place[order] = np.arange(len(t), dtype=np.int64)  # its place among the roster's
        roster_rows = np.flatnonzero((a <= t) & (t < b))
        found.append((t[order], 0, place[roster_rows], t[roster_rows]))
    pieces: list[dict[str, list[np.ndarray]]] = []
    ranks = []
    for k, (_, _, place, x) in enumerate(found):
        rank = rank_among(place, x, k, [(other, before) for other, before, _, _ in found])
        if k == len(specs):  # the roster's people
            pieces.append({key: [v[..., roster_rows]] for key, v in roster.items()})
            ranks.append(rank)
            continue
        if not len(x) and (k or any(len(f[3]) for f in found[1:len(specs)])):
            continue  # nothing to draw (with none at all, the first part gives the dtypes)
        source, stream, history = specs[k]
        items = place - days_of[k].n if history else place  # numbered back from day 0
        trim = None
        if history and context is not None:  # the wait the whole history gives
            trim = (context, _history_wait(days_of[k], context))
        piece, kept = draw_rows(sc, stream, source, x, Address.of(seed, rep, source), items,
                                durations, trim)
        pieces.append(piece)
        ranks.append(rank if kept is None else rank[kept])
    rank = np.concatenate(ranks)
    order = np.argsort(rank, kind="stable")
    in_order = bool(np.all(order == np.arange(len(order))))  # a gather saved
    out = {}
    for key in list(pieces[0]):
        joined = np.concatenate([x for p in pieces for x in p.pop(key)], axis=-1)
        out[key] = joined if in_order else joined[..., order]
    out["booking_id"] = rank[order]
    return out
