"""Weekly timetables: officers on duty by shift, and ICE transport runs at set times.

Things that repeat every week are anchored to the Monday 00:00 on or before the start date.
A :class:`WeeklyStep` is a step function of time repeating weekly (officers on duty); a
:class:`TransportSchedule` is a set of instants repeating weekly (transport runs), or
``continuous`` (ICE comes whenever a person is ready). Every function takes a float or a numpy
array of times; scalar calls take a pure-Python path and give bit-identical results.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from jailsim.model.clock import Clock, scalar
from jailsim.scenario.units import parse_days, parse_time_of_day

__all__ = ["MINUTES_PER_DAY", "MINUTES_PER_WEEK", "TransportSchedule", "WeeklyStep"]

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def _minutes(text: str) -> int:
    return round(parse_time_of_day(text) * MINUTES_PER_DAY)


class _WeeklyPoints:
    """Instants repeating every 7 days: point ``n`` is ``7 * (n // m) + phase[n % m]``.

    ``phase`` holds the instants of one week in days since ``t = 0``. Every point is computed by
    that one formula, and :meth:`last_le` is corrected against it, so a time returned by one
    method is recognised exactly by the others despite float rounding.
    """

    def __init__(self, minutes: np.ndarray, week_offset: int):
        # Move the timetable from Monday-based minutes to minutes since t = 0, exactly.
        shifted = (np.asarray(minutes, dtype=np.int64) - week_offset * MINUTES_PER_DAY) % (
            MINUTES_PER_WEEK
        )
        self.order = np.argsort(shifted, kind="stable")
        self.minutes = shifted[self.order]
        self.phase = self.minutes / MINUTES_PER_DAY
        self.m = len(self.phase)
        self._phase = self.phase.tolist()

    def point(self, n):
        """Time of point ``n`` (int or int array)."""
        if isinstance(n, int):
            q, r = divmod(n, self.m)
            return 7.0 * q + self._phase[r]
        q, r = np.divmod(n, self.m)
        return 7.0 * q + self.phase[r]

    def last_le(self, t):
        """Index ``n`` of the last point at or before ``t``."""
        if scalar(t):
            t = float(t)
            q = math.floor(t / 7.0)
            n = q * self.m + bisect_right(self._phase, t - 7.0 * q) - 1
            if self.point(n + 1) <= t:
                return n + 1
            return n - 1 if self.point(n) > t else n
        t = np.asarray(t, dtype=float)
        q = np.floor(t / 7.0)
        j = np.searchsorted(self.phase, t - 7.0 * q, side="right") - 1
        n = q.astype(np.int64) * self.m + j
        n = n + (self.point(n + 1) <= t)
        return n - (self.point(n) > t)

    def first_ge(self, t):
        """Index of the first point at or after ``t``."""
        if scalar(t):
            t = float(t)
            n = self.last_le(t)
            return n + 1 if self.point(n) < t else n
        n = self.last_le(t)
        return n + (self.point(n) < t)

    def between(self, t0: float, t1: float) -> np.ndarray:
        """Return the indices of every point in [t0, t1)."""
        a = int(self.first_ge(float(t0)))
        b = int(self.first_ge(float(t1)))
        return np.arange(a, max(a, b), dtype=np.int64)


class WeeklyStep:
    """A step function of time that repeats every week, e.g. officers on duty.

    Parameters
    ----------
    minutes : array of int
        Minutes since Monday 00:00 (0 ... 10079) at which the value changes.
    values : array
        ``values[i]`` holds from ``minutes[i]`` until the next change (cyclically).
    week_offset : int
        :attr:`Clock.week_offset` of the clock whose ``t = 0`` the function is read against.

    Notes
    -----
    The function is right-continuous: at a change time it already has the new value.
    """

    def __init__(self, minutes, values, week_offset: int = 0):
        minutes = np.asarray(minutes, dtype=np.int64)
        values = np.asarray(values)
        if minutes.shape != values.shape or minutes.ndim != 1 or len(minutes) == 0:
            raise ValueError("minutes and values must be 1-d arrays of the same nonzero length")
        if np.any((minutes < 0) | (minutes >= MINUTES_PER_WEEK)):
            raise ValueError("change minutes must be in [0, 10080)")
        self._points = _WeeklyPoints(minutes, week_offset)
        self._values = values[self._points.order]
        self._vlist = self._values.tolist()
        self.is_constant = bool(np.all(values == values[0]))
        if self.is_constant:
            self._vlist = [self._vlist[0]]
        # Integral from t = 0 to each change point of the first week, in value-minutes.
        m, mins = self._points.m, self._points.minutes
        width = np.diff(np.append(mins, mins[0] + MINUTES_PER_WEEK))
        self._week_total = float(np.sum(self._values * width)) / MINUTES_PER_DAY
        before = self._values[-1] * mins[0] + np.concatenate(
            ([0], np.cumsum(self._values[: m - 1] * width[: m - 1]))
        )
        self._cum = before / MINUTES_PER_DAY
        self._cumlist = self._cum.tolist()

    @classmethod
    def constant(cls, value) -> WeeklyStep:
        """Build a function with the same value at all times."""
        return cls([0], [value])

    @classmethod
    def from_staffing(cls, staffing, clock: Clock) -> WeeklyStep:
        """Officers on duty from a ``Staffing`` block (``officers`` and ``shifts``).

        Each shift covers its ``days`` from ``start`` to ``end``; an ``end`` at or before
        ``start`` runs past midnight into the next day (``"07:00"`` to ``"07:00"`` is 24 hours)
        and ``"24:00"`` is midnight. Overlapping shifts add up; hours in no shift have 0
        officers; no shifts at all means ``officers`` around the clock.
        """
        if not staffing.shifts:
            return cls([0], [int(staffing.officers)], clock.week_offset)
        delta = np.zeros(MINUTES_PER_WEEK + 1, dtype=np.int64)
        for shift in staffing.shifts:
            n = staffing.officers if shift.officers is None else shift.officers
            s, e = shift.span()
            for day in parse_days(shift.days):
                a, b = day * MINUTES_PER_DAY + s, day * MINUTES_PER_DAY + e
                if a >= MINUTES_PER_WEEK:  # "24:00" start on Sunday: Monday 00:00
                    a, b = a - MINUTES_PER_WEEK, b - MINUTES_PER_WEEK
                delta[a] += n
                delta[min(b, MINUTES_PER_WEEK)] -= n
                if b > MINUTES_PER_WEEK:  # runs past Sunday midnight into Monday
                    delta[0] += n
                    delta[b - MINUTES_PER_WEEK] -= n
        level = np.cumsum(delta[:MINUTES_PER_WEEK])
        change = np.flatnonzero(level != np.roll(level, 1))
        if len(change) == 0:
            return cls([0], [int(level[0])], clock.week_offset)
        return cls(change, level[change], clock.week_offset)

    def __repr__(self) -> str:
        if self.is_constant:
            return f"WeeklyStep.constant({self._vlist[0]!r})"
        return f"WeeklyStep({len(self._vlist)} changes a week, max {self.max()!r})"

    def at(self, t):
        """Value at time(s) ``t`` (the new value at a change time)."""
        if self.is_constant:
            return self._vlist[0] if scalar(t) else np.full(np.shape(t), self._values[0])
        n = self._points.last_le(t)
        if scalar(t):
            return self._vlist[n % self._points.m]
        return self._values[n % self._points.m]

    def next_change(self, t):
        """First change time strictly after ``t``; ``inf`` if the value never changes."""
        if self.is_constant:
            return math.inf if scalar(t) else np.full(np.shape(t), np.inf)
        return self._points.point(self._points.last_le(t) + 1)

    def changes(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Every change time in [t0, t1) and the value from that time on."""
        if self.is_constant:
            return np.array([], dtype=float), self._values[:0]
        n = self._points.between(t0, t1)
        return self._points.point(n), self._values[n % self._points.m]

    def _cumulative(self, t):
        """Integral of the function from 0 to ``t`` (negative for ``t < 0``)."""
        if self.is_constant:
            return self._vlist[0] * (float(t) if scalar(t) else np.asarray(t, dtype=float))
        p = self._points
        n = p.last_le(t)
        if scalar(t):
            q, r = divmod(n, p.m)
            return q * self._week_total + self._cumlist[r] + self._vlist[r] * (t - p.point(n))
        q, r = np.divmod(n, p.m)
        return q * self._week_total + self._cum[r] + self._values[r] * (t - p.point(n))

    def integral(self, t0, t1):
        """Value-days between ``t0`` and ``t1`` (officer-days on duty); signed, vectorized."""
        out = self._cumulative(t1) - self._cumulative(t0)
        return float(out) if scalar(t0) and scalar(t1) else out

    def max(self):
        """Largest value over the week."""
        return max(self._vlist)

    def min(self):
        """Smallest value over the week."""
        return min(self._vlist)

    def mean(self) -> float:
        """Average value over the week."""
        return self._week_total / 7.0


class TransportSchedule:
    """ICE transport runs: ``continuous`` (pickup whenever ready) or set times on set weekdays.

    Runs repeat weekly, with seats by weekday; with ``holidays: us_federal`` no run leaves on
    a federal holiday (the clock's list), so runs on ``Mon-Fri`` are runs on business days.

    Parameters
    ----------
    transport : Transport
        Scenario block with ``times``, ``days``, ``holidays`` and ``seats`` (``None``: no
        limit; a mapping: by weekday).
    clock : Clock
    horizon_days : float
        Length of the run (the holiday list reaches well past it).
    """

    def __init__(self, transport, clock: Clock, horizon_days: float = 0.0):
        self.seats = transport.seats
        self.is_continuous = transport.times == "continuous"
        self._points = None
        self._holidays: np.ndarray | None = None
        if not self.is_continuous:
            by_day = _seats_by_day(transport.seats)
            seats = {
                day * MINUTES_PER_DAY + _minutes(time): by_day.get(day, math.inf)
                for day in parse_days(transport.days)
                for time in transport.times
            }
            minutes = sorted(seats)
            self._points = _WeeklyPoints(np.array(minutes), clock.week_offset)
            self._seats = np.array([seats[m] for m in minutes], dtype=float)[self._points.order]
            if transport.holidays != "none":
                days = clock.holidays(transport.holidays, horizon_days) - clock.start
                self._holidays = np.sort(days.astype(np.int64))
        #: Scheduled runs in a week (0 when continuous).
        self.runs_per_week = 0 if self._points is None else self._points.m

    def _on_holiday(self, t):
        if self._holidays is None:
            return np.zeros(np.shape(t), dtype=bool) if np.ndim(t) else False
        day = np.floor(t).astype(np.int64)
        at = np.searchsorted(self._holidays, day)
        found = self._holidays[np.minimum(at, len(self._holidays) - 1)] == day
        return found if np.ndim(t) else bool(found)

    def _next_index(self, t: float) -> int:
        n = int(self._points.first_ge(float(t)))
        while self._on_holiday(self._points.point(n)):
            n += 1
        return n

    def next_run(self, t):
        """First run at or after ``t`` (``t`` itself when continuous)."""
        if self.is_continuous:
            return float(t) if scalar(t) else np.array(t, dtype=float)
        if scalar(t) and not math.isfinite(t):
            return float(t)
        if scalar(t):
            return self._points.point(self._next_index(t))
        return np.array([self.next_run(float(x)) for x in np.asarray(t, dtype=float)])

    def next_run_seats(self, t: float) -> tuple[float, float]:
        """First run at or after ``t`` and its seats (``inf``: no limit)."""
        n = self._next_index(t)
        return self._points.point(n), float(self._seats[n % self._points.m])

    def runs(self, t0: float, t1: float) -> np.ndarray:
        """Every run time in [t0, t1), sorted; empty when continuous."""
        return self.runs_seats(t0, t1)[0]

    def runs_seats(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Every run in [t0, t1), sorted, and the seats of each (empty when continuous)."""
        if self.is_continuous:
            return np.array([], dtype=float), np.array([], dtype=float)
        n = self._points.between(t0, t1)
        times = self._points.point(n)
        keep = ~self._on_holiday(times)
        return times[keep], self._seats[n[keep] % self._points.m]


def _seats_by_day(seats) -> dict[int, float]:
    """Seats of a run by weekday (Mon=0) from the block's number or mapping."""
    if seats is None:
        return {}
    if isinstance(seats, dict):
        return {d: float(v) for spec, v in seats.items() for d in parse_days(spec)}
    return {d: float(seats) for d in range(7)}
