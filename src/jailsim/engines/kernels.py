"""Sequential kernels: the only places where bookings compete for something.

Everything else in the vector engine is array code. Two things need a pass in order:
a first-come-first-served queue for officers whose number follows a weekly timetable (JEM
screening, WSO warrant service), and ICE transport runs with a seat limit. Both are tight
loops over people in the order they queue, O(n log c) with a heap of officers' free times.
They are the vector engine's own version of what the SimPy engine does with events
(:class:`jailsim.engines.events.Officers`); the two are written apart on purpose. Each can
take its line in pieces, carrying its state from one to the next (:class:`QueueState`,
:class:`Seats`): the stream engine (:mod:`jailsim.engines.stream`) feeds a chunk at a time.

The officer queue's loops are plain Python (:func:`_fcfs_general`, with a fast path for a
constant number of officers, :func:`_fcfs_constant`). Each has a *compiled twin*, the same
loop over float64 arrays with a hand-written heap (:func:`_general_loop`,
:func:`_constant_loop`), compiled by numba (a core dependency, which
:mod:`jailsim.model.philox` needs too) for queues of :data:`NUMBA_MIN_QUEUE` people or more,
about 20 times faster. The twins must give the same start times as the Python loops, every
step being the same float64 comparison or sum: ``tests/engines/test_kernels.py`` checks it,
and that the fast path equals the general loop. ``JAILSIM_NUMBA=0`` in the environment keeps
the Python loops.
"""

from __future__ import annotations

import functools
import heapq
import math
import os
from dataclasses import dataclass

import numpy as np

from jailsim.model.timetable import WeeklyStep

#: Shorter queues run the Python loop even with numba installed: importing numba and loading
#: the cached compiled loops (about 0.3 s a process) would cost more than the Python loop
#: (0.2 to 0.4 microseconds a person).
NUMBA_MIN_QUEUE = 500_000


def fcfs_shift_queue(
    arrival: np.ndarray,
    service: np.ndarray,
    deadline: np.ndarray,
    staff: WeeklyStep,
    cut: np.ndarray | None = None,
    state: QueueState | None = None,
    compiled: bool = False,
) -> np.ndarray:
    """Start times in a FCFS queue served by officers on a timetable; NaN if abandoned.

    A person arriving at ``arrival[k]`` (sorted ascending) waits in line and starts as soon as
    fewer officers are busy than are on duty (``staff.at``); they hold the officer for
    ``service[k]`` (finishing past the end of a shift if need be). A person who has not
    started by ``deadline[k]`` leaves the line. ``cut[k]``, if given, is the part of the
    service that needs the person there: if it would not be over by ``deadline[k]``, the
    officer is free at ``deadline[k]``.

    ``state``: the line as the people before ``arrival[0]`` left it (:class:`QueueState`),
    updated in place: a queue fed in consecutive pieces, each with the state the one before
    left, gives the start times of the whole (tested). None: an empty line.

    The loop is compiled (:func:`_compiled`) for queues of at least :data:`NUMBA_MIN_QUEUE`
    people, or of any length with ``compiled`` (a line fed in many pieces); the result is the
    same.
    """
    n = len(arrival)
    state = QueueState() if state is None else state
    if n == 0:
        return np.full(n, np.nan)
    fast = _compiled() if compiled or n >= NUMBA_MIN_QUEUE else None
    cut = np.full(n, -np.inf) if cut is None else cut
    arrival, service, deadline, cut = (np.ascontiguousarray(a, dtype=np.float64)
                                       for a in (arrival, service, deadline, cut))
    if isinstance(staff, WeeklyStep) and staff.is_constant:
        if state.busy is None:  # when each officer is next free: -inf, never busy yet
            state.busy = [-math.inf] * max(int(staff.at(0.0)), 0)
        if fast is not None and state.busy:
            out = np.full(n, np.nan)
            heap = np.array(state.busy)
            state.last = fast.constant(arrival, service, deadline, cut, heap, state.last, out)
            state.busy = heap.tolist()
            return out
        start, state.last = _fcfs_constant(arrival, service, deadline, cut, state.busy,
                                           state.last)
        return start
    finite = deadline[np.isfinite(deadline)]
    last_arrival = float(arrival[-1])
    horizon = max(last_arrival, float(finite.max()) if len(finite) else last_arrival) + 7.0
    cursor = _Cursor(staff, float(arrival[0]), horizon)
    start = np.full(n, np.nan)
    k, busy, last, j = 0, state.busy or [], state.last, 0
    if fast is not None and isinstance(staff, WeeklyStep):
        # In the last tabulated segment the next change is the first one at or after t1: the
        # same for every time in the segment (a WeeklyStep's points are exact).
        tail = float(staff.next_change(cursor.times[-2]))
        heap = np.empty(max(cursor.values) + 1 + len(busy))
        heap[:len(busy)] = busy
        k, size, last, j = fast.general(
            arrival, service, deadline, cut, np.array(cursor.times), np.array(cursor.values),
            tail, start, heap, len(busy), last,
        )
        busy = heap[:size].tolist()  # a valid heap for heapq
    if k < n:
        start[k:], last = _fcfs_general(arrival, service, deadline, cut, staff, cursor, k, busy,
                                        last, j)
    state.busy, state.last = busy, last
    return start


@dataclass
class QueueState:
    """What an officers' line carries from one piece of its queue to the next.

    ``busy``: when the busy officers are next free (a heap; with a constant number of
    officers, one entry per officer, ``-inf`` for one never busy yet; None before the first
    person); ``last``: the latest time the line has reached (no later person starts before).
    """

    busy: list[float] | None = None
    last: float = -math.inf


def _fcfs_general(arrival, service, deadline, cut, staff, cursor, k0, busy, last, j):
    """The queue from person ``k0`` on, given the officers' busy heap, ``last`` and segment.

    Returns the start times of persons ``k0`` on and ``last`` after them (``busy`` is
    updated in place). Segment ``j`` of the cursor holds ``values[j]`` officers on
    ``[times[j], times[j + 1])``.
    """
    heappop, heappush = heapq.heappop, heapq.heappush
    arr, svc, dl, part = arrival.tolist(), service.tolist(), deadline.tolist(), cut.tolist()
    times, values, t1 = cursor.times, cursor.values, cursor.t1
    start = [math.nan] * (len(arr) - k0)
    nxt = times[j + 1]
    for k in range(k0, len(arr)):
        t = arr[k] if arr[k] > last else last
        limit = dl[k]
        while t < limit:
            while busy and busy[0] <= t:
                heappop(busy)
            # Officers on duty at t and the next change after t (the cursor, inlined).
            if t >= t1:
                on_duty, change = int(staff.at(t)), staff.next_change(t)
            else:
                if nxt <= t:
                    while times[j + 1] <= t:
                        j += 1
                    nxt = times[j + 1]
                on_duty = values[j]
                change = staff.next_change(t) if nxt == t1 else nxt
            if len(busy) < on_duty:
                start[k - k0] = last = t
                heappush(busy, limit if t + part[k] > limit else t + svc[k])
                break
            t = min(busy[0] if busy else math.inf, change)
        else:
            if limit > last:
                # No officer was free before this person left, so nobody behind them can
                # start earlier either; searching from here keeps the heap consistent.
                last = limit
    return start, last


class _Cursor:
    """The officer timetable between ``t0`` and ``t1`` as segments, tabulated once.

    Segment ``j`` holds ``values[j]`` officers on ``[times[j], times[j + 1])``; the last
    segment ends at ``t1``, which is not a change of the timetable. Beyond ``t1`` (reached only
    when someone may wait forever) the kernel asks the WeeklyStep directly.
    """

    def __init__(self, staff: WeeklyStep, t0: float, t1: float):
        times, values = staff.changes(t0, t1)
        self.t1 = t1
        self.times = [t0, *times.tolist(), t1]
        self.values = [int(staff.at(t0)), *np.asarray(values, dtype=np.int64).tolist()]


def _fcfs_constant(
    arrival: np.ndarray, service: np.ndarray, deadline: np.ndarray, cut: np.ndarray,
    free: list[float], last: float,
) -> tuple[np.ndarray, float]:
    """:func:`fcfs_shift_queue` with ``len(free)`` officers at all times: a c-server heap.

    ``free`` holds when each officer is next free (``-inf``: never busy yet), a heap updated
    in place. A person who comes at ``t`` starts at ``t`` if some officer is free by then,
    else when the first one is; the same start times as the queue of busy officers in the
    general kernel. Returns the start times and ``last`` after them.
    """
    n = len(arrival)
    if not free:
        return np.full(n, np.nan), last
    start = [math.nan] * n
    heapreplace = heapq.heapreplace
    for k, (a, s, limit, c) in enumerate(
        zip(arrival.tolist(), service.tolist(), deadline.tolist(), cut.tolist(), strict=True)
    ):
        t = a if a > last else last
        first = free[0]
        if first > t:
            t = first
        if t < limit:
            heapreplace(free, limit if t + c > limit else t + s)
            start[k] = last = t
        elif limit > last:
            # No officer was free before this person left (see fcfs_shift_queue).
            last = limit
    return np.array(start), last


# ------------------------------------------------------------------ the compiled twins
# The same loops over float64 arrays with a hand-written binary min-heap, compiled by numba
# (a core dependency); :func:`_compiled` returns None when ``JAILSIM_NUMBA=0`` and
# the pure-Python loops above run. Both give the same start times: every step is the same
# float64 comparison or sum, and a heap only ever answers "the smallest end time". A change
# to a Python loop above is made to its twin here too (the equality tests fail otherwise).


def _sift_down_py(heap, size, x):  # pragma: no cover - compiled by numba
    """Put ``x`` at the root of the min-heap ``heap[:size]`` and sift it down."""
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c += 1
        if heap[c] < x:
            heap[i] = heap[c]
            i = c
        else:
            break
    heap[i] = x


#: The sift-down the loops call: compiled with them (see :class:`_Loops`).
_sift_down = _sift_down_py


def _constant_loop(arr, svc, dl, cut, heap, last, start):  # pragma: no cover - numba
    servers = len(heap)  # heap: when each officer is next free; heap[0] smallest
    for k in range(len(arr)):
        t = arr[k] if arr[k] > last else last
        if heap[0] > t:
            t = heap[0]
        limit = dl[k]
        if t < limit:
            start[k] = t
            last = t
            _sift_down(heap, servers, limit if t + cut[k] > limit else t + svc[k])  # the root
        elif limit > last:
            last = limit
    return last


def _general_loop(arr, svc, dl, cut, times, values, tail, start, heap, size, last):
    # pragma: no cover - compiled by numba; heap[:size] holds the busy officers' end times
    n = len(arr)
    t1 = times[-1]
    j = 0
    nxt = times[1]
    for k in range(n):
        limit = dl[k]
        if limit >= t1:  # may wait past the tabulated timetable: Python goes on from here
            return k, size, last, j
        t = arr[k] if arr[k] > last else last
        started = False
        while t < limit:
            while size > 0 and heap[0] <= t:  # pop the smallest end time
                size -= 1
                if size > 0:
                    _sift_down(heap, size, heap[size])  # the last one replaces the root
            if nxt <= t:
                while times[j + 1] <= t:
                    j += 1
                nxt = times[j + 1]
            change = tail if nxt == t1 else nxt
            if size < values[j]:
                start[k] = t
                last = t
                x = limit if t + cut[k] > limit else t + svc[k]  # push
                i = size
                size += 1
                while i > 0:
                    p = (i - 1) >> 1
                    if x < heap[p]:
                        heap[i] = heap[p]
                        i = p
                    else:
                        break
                heap[i] = x
                started = True
                break
            first = heap[0] if size > 0 else np.inf
            t = change if change < first else first
        if not started and limit > last:
            last = limit
    return n, size, last, j


class _Loops:
    """The compiled loops."""

    def __init__(self, jit):
        global _sift_down  # the loops look it up when numba compiles them: compile it too
        _sift_down = jit(_sift_down_py)
        self.constant = jit(_constant_loop)
        self.general = jit(_general_loop)


@functools.cache
def _compiled() -> _Loops | None:
    """numba-compiled loops if numba is installed and ``JAILSIM_NUMBA`` is not ``0``."""
    if os.environ.get("JAILSIM_NUMBA", "1") == "0":
        return None
    try:
        import numba
    except ImportError:
        return None
    return _Loops(numba.njit(cache=True, nogil=True))


def _board(eligible, deadline, runs, left, full) -> np.ndarray:
    """Boarding time on scheduled transport runs with limited seats; NaN if none in time.

    People are taken in order of ``eligible`` (sorted ascending); each boards the first run at
    or after ``eligible[k]`` with a free seat, if that run leaves no later than
    ``deadline[k]``. ``runs`` must be sorted and cover every deadline; ``left``: the seats
    left on each (``inf``: no limit); ``full``: whether each is full. Both are updated in
    place: a run is full once a boarding leaves it no seat.
    """
    n = len(eligible)
    out = np.full(n, np.nan)
    first = np.searchsorted(runs, eligible, side="left")
    # union-find: the next run that may still have a seat
    nxt = np.arange(len(runs) + 1)
    nxt[:-1][full] += 1

    def find(j: int) -> int:
        root = j
        while nxt[root] != root:
            root = nxt[root]
        while nxt[j] != root:
            nxt[j], j = root, nxt[j]
        return root

    for k in range(n):
        j = find(int(first[k]))
        if j < len(runs) and runs[j] <= deadline[k]:
            out[k] = runs[j]
            left[j] -= 1
            if left[j] <= 0:
                nxt[j] = j + 1
                full[j] = True
    return out


class Seats:
    """ICE transport's boardings and the seats left on each, for boarding in pieces.

    :meth:`board` takes people in order of eligibility, a whole line at once or piece after
    piece (each piece's ``eligible`` at or after the last one's): the same boardings either
    way, on the boardings from the first eligible person to a week past the last deadline
    (tested). ``transport``: the run's :class:`~jailsim.model.policy.DatedTransport`.
    """

    def __init__(self, transport):
        self.transport = transport
        self.runs = np.empty(0)
        self.left = np.empty(0)
        self.full = np.empty(0, dtype=bool)
        self.until: float | None = None  # boardings are known up to here

    def board(self, eligible: np.ndarray, deadline: np.ndarray) -> np.ndarray:
        """Boarding times of the people ``eligible`` (sorted) by ``deadline``; NaN if none."""
        if not len(eligible):
            return np.full(0, np.nan)
        start, until = float(eligible[0]), float(deadline.max()) + 8.0  # 8 days past it
        if self.until is None or until > self.until:
            runs, seats = self.transport.boardings(start if self.until is None else self.until,
                                                   until)
            self.runs = np.concatenate([self.runs, runs])
            self.left = np.concatenate([self.left, seats])
            self.full = np.concatenate([self.full, np.zeros(len(runs), dtype=bool)])
            self.until = until
        gone = int(np.searchsorted(self.runs, start, side="left"))  # no one can board these
        if gone:
            self.runs, self.left, self.full = self.runs[gone:], self.left[gone:], self.full[gone:]
        return _board(eligible, deadline, self.runs, self.left, self.full)
