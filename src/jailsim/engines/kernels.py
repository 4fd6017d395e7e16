"""Sequential kernels: the only places where bookings compete for something.

Everything else in the vector engine is array code. Two things need a pass in order:
a first-come-first-served queue for officers whose number follows a weekly timetable (JEM
screening, WSO warrant service), and ICE transport runs with a seat limit. Both are tight
loops over people in the order they queue, O(n log c) with a heap of officers' free times.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from jailsim.calendar import WeeklyStep


def fcfs_shift_queue(
    arrival: np.ndarray, service: np.ndarray, deadline: np.ndarray, staff: WeeklyStep
) -> np.ndarray:
    """Start times in a FCFS queue served by officers on a timetable; NaN if abandoned.

    A person arriving at ``arrival[k]`` (sorted ascending) waits in line and starts as soon as
    fewer officers are busy than are on duty (``staff.at``); they hold the officer for
    ``service[k]`` (finishing past the end of a shift if need be). A person who has not
    started by ``deadline[k]`` leaves the line.
    """
    n = len(arrival)
    start = np.full(n, np.nan)
    if n == 0:
        return start
    busy: list[float] = []  # end times of jobs in service
    last = -math.inf
    arr, svc, dl = arrival.tolist(), service.tolist(), deadline.tolist()
    finite = deadline[np.isfinite(deadline)]
    horizon = max(arr[-1], float(finite.max()) if len(finite) else arr[-1]) + 7.0
    cursor = _Cursor(staff, arr[0], horizon)
    for k in range(n):
        t = arr[k] if arr[k] > last else last
        limit = dl[k]
        started = False
        while t < limit:
            while busy and busy[0] <= t:
                heapq.heappop(busy)
            on_duty, change = cursor.at(t)
            if len(busy) < on_duty:
                started = True
                break
            t = min(busy[0] if busy else math.inf, change)
        if started:
            start[k] = t
            last = t
            heapq.heappush(busy, t + svc[k])
        elif limit > last:
            # No officer was free before this person left, so nobody behind them can start
            # earlier either; searching from here keeps the heap consistent.
            last = limit
    return start


class _Cursor:
    """Officers on duty at a time that only moves forward: a walk over precomputed segments.

    The timetable between ``t0`` and ``t1`` is tabulated once; beyond ``t1`` (reached only
    when someone may wait forever) it asks the WeeklyStep directly.
    """

    def __init__(self, staff: WeeklyStep, t0: float, t1: float):
        times, values = staff.changes(t0, t1)
        self.staff, self.t1 = staff, t1
        self.times = [t0, *times.tolist(), t1]
        self.values = [int(staff.at(t0)), *(int(v) for v in values)]
        self.j = 0

    def at(self, t: float) -> tuple[int, float]:
        """(officers on duty at ``t``, time of the next change after ``t``)."""
        if t >= self.t1:
            return int(self.staff.at(t)), self.staff.next_change(t)
        times, j = self.times, self.j
        while times[j + 1] <= t:
            j += 1
        self.j = j
        nxt = times[j + 1]
        return self.values[j], (self.staff.next_change(t) if nxt == self.t1 else nxt)


def board_transport(
    eligible: np.ndarray, deadline: np.ndarray, runs: np.ndarray, seats
) -> np.ndarray:
    """Boarding time on scheduled transport runs with limited seats; NaN if none in time.

    People are taken in order of ``eligible`` (sorted ascending); each boards the first run at
    or after ``eligible[k]`` with a free seat, if that run leaves no later than
    ``deadline[k]``. ``runs`` must be sorted and cover every deadline; ``seats`` is one number
    for every run or one per run (``inf``: no limit).
    """
    n = len(eligible)
    out = np.full(n, np.nan)
    first = np.searchsorted(runs, eligible, side="left")
    left = np.array(np.broadcast_to(np.asarray(seats, dtype=float), (len(runs),)))
    nxt = np.arange(len(runs) + 1)  # union-find: next run that may still have a seat

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
    return out
