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
    busy: list[float] = []  # end times of jobs in service
    last = -math.inf
    at, next_change = staff.at, staff.next_change
    arr, svc, dl = arrival.tolist(), service.tolist(), deadline.tolist()
    for k in range(n):
        t = arr[k] if arr[k] > last else last
        limit = dl[k]
        started = False
        while t < limit:
            while busy and busy[0] <= t:
                heapq.heappop(busy)
            if len(busy) < at(t):
                started = True
                break
            t = min(busy[0] if busy else math.inf, next_change(t))
        if started:
            start[k] = t
            last = t
            heapq.heappush(busy, t + svc[k])
        elif limit > last:
            # No officer was free before this person left, so nobody behind them can start
            # earlier either; searching from here keeps the heap consistent.
            last = limit
    return start


def board_transport(
    eligible: np.ndarray, deadline: np.ndarray, runs: np.ndarray, seats: float
) -> np.ndarray:
    """Boarding time on scheduled transport runs with limited seats; NaN if none in time.

    People are taken in order of ``eligible`` (sorted ascending); each boards the first run at
    or after ``eligible[k]`` with a free seat, if that run leaves no later than
    ``deadline[k]``. ``runs`` must be sorted and cover every deadline.
    """
    n = len(eligible)
    out = np.full(n, np.nan)
    first = np.searchsorted(runs, eligible, side="left")
    left = np.full(len(runs), seats, dtype=float)
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
