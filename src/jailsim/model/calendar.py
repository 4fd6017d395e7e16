"""Clock time, weekly timetables, court days, detainer hold caps and ICE transport runs.

The engines keep time as float days since 00:00 of the scenario's ``start_date`` on a plain
24-hour local clock (no daylight-saving shifts): ``t = 2.75`` is 18:00 on the third day. Things
that repeat every week, such as officers on a shift timetable or scheduled transport runs, are
weekly timetables anchored to the Monday 00:00 on or before the start date. Business days are
Monday to Friday less US federal holidays; courts may sit on other weekdays. A detainer hold
lasts at most 48 hours, counted either in calendar hours (the wording of Form I-247A) or, under
8 CFR 287.7(d), only in hours that fall on business days, so a person eligible for release on a
Friday evening before a holiday Monday may be held until Wednesday evening.

Holidays are listed from 14 days before the start date to 10 years past the end of the
horizon (people can be released long after it). Every function takes a float or a numpy array
of times. Scalar calls (one per person in the SimPy engine) take a pure-Python path of about a
microsecond; array calls are vectorized with numpy's business-day functions. Both give
bit-identical results.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right

import numpy as np
from pandas.tseries.holiday import USFederalHolidayCalendar

from jailsim.base import chunks
from jailsim.scenario.schema import parse_days, parse_time_of_day

__all__ = ["Clock", "CourtCalendar", "HoldCalendar", "TransportSchedule", "WeeklyStep"]

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
#: Holidays are listed from this many days before the start date ...
HOLIDAY_DAYS_BEFORE = 3653 + 14  # a warm-start history reaches up to 10 years back
#: ... to this many days (10 years) after the end of the horizon.
HOLIDAY_DAYS_AFTER = 3653
#: Business-time counts that land within this many days (9 microseconds) of a whole number of
#: days are taken to end exactly at that midnight, so rounding never pushes a hold cap over a
#: weekend.
_TOL = 1e-10


def _scalar(t) -> bool:
    return isinstance(t, (float, int, np.floating, np.integer))


def _minutes(text: str) -> int:
    return round(parse_time_of_day(text) * MINUTES_PER_DAY)


class Clock:
    """Converts engine time (float days since ``start_date`` 00:00) to calendar quantities.

    Parameters
    ----------
    start_date : datetime.date or str
        The date at ``t = 0``.
    """

    def __init__(self, start_date):
        self.start = np.datetime64(start_date, "D")
        self.start_date: dt.date = self.start.astype(dt.date)
        #: Days from the Monday on or before ``start_date`` to ``start_date`` (0 on a Monday).
        self.week_offset: int = self.start_date.weekday()
        self._holidays: dict[tuple[str, int], np.ndarray] = {}

    def __repr__(self) -> str:
        return f"Clock({str(self.start)!r})"

    def weekday(self, t):
        """Day of the week of ``t`` (Monday = 0 ... Sunday = 6)."""
        if _scalar(t):
            return (self.week_offset + math.floor(t)) % 7
        return ((self.week_offset + np.floor(t)) % 7).astype(np.int64)

    def time_of_day(self, t):
        """Fraction of the day elapsed at ``t`` (0 at midnight)."""
        if _scalar(t):
            return t - math.floor(t)
        return np.asarray(t, dtype=float) - np.floor(t)

    def time_of_week(self, t):
        """Days since the latest Monday 00:00 at or before ``t``, in [0, 7)."""
        if _scalar(t):
            return (t + self.week_offset) % 7.0
        return np.mod(np.asarray(t, dtype=float) + self.week_offset, 7.0)

    def to_datetime64(self, t) -> np.ndarray:
        """Real timestamps (``datetime64[ns]``) of engine times; NaN and infinity give NaT."""
        t = np.asarray(t, dtype=float)
        ok = np.isfinite(t)
        tt = np.where(ok, t, 0.0)
        day = np.floor(tt)
        ns = np.round((tt - day) * 86_400e9).astype(np.int64)
        out = (self.start + day.astype(np.int64).astype("timedelta64[D]")).astype(
            "datetime64[ns]"
        ) + ns.astype("timedelta64[ns]")
        return np.where(ok, out, np.datetime64("NaT", "ns"))

    def to_days(self, when) -> np.ndarray:
        """Engine times (float days) of timestamps: the inverse of :meth:`to_datetime64`."""
        delta = np.asarray(when, dtype="datetime64[ns]") - self.start.astype("datetime64[ns]")
        return delta.astype("timedelta64[ns]").astype(np.int64) / 86_400e9

    def holidays(self, kind: str, horizon_days: float) -> np.ndarray:
        """Holidays (``datetime64[D]``) from ``start_date - 10 y`` to ``start + horizon + 10 y``.

        Parameters
        ----------
        kind : {'us_federal', 'none'}
            ``'us_federal'``: pandas' ``USFederalHolidayCalendar`` (observed dates, so a
            holiday on a Saturday is kept on the Friday before). ``'none'``: no holidays.
        horizon_days : float
            Length of the run. People can be released long after it, hence the 10-year margin;
            past the end of the range every weekday counts as a business day.
        """
        if kind not in ("us_federal", "none"):
            raise ValueError(f"got holidays {kind!r}; expected 'us_federal' or 'none'")
        key = (kind, math.ceil(horizon_days))
        if key not in self._holidays:
            if kind == "none":
                days = np.array([], dtype="datetime64[D]")
            else:
                lo, hi = self._holiday_range(horizon_days)
                found = USFederalHolidayCalendar().holidays(str(lo), str(hi))
                days = np.unique(found.values.astype("datetime64[D]"))
            self._holidays[key] = days
        return self._holidays[key]

    def _holiday_range(self, horizon_days: float) -> tuple[np.datetime64, np.datetime64]:
        lo = self.start - np.timedelta64(HOLIDAY_DAYS_BEFORE, "D")
        hi = self.start + np.timedelta64(math.ceil(horizon_days) + HOLIDAY_DAYS_AFTER, "D")
        return lo, hi


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
        if _scalar(t):
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
        if _scalar(t):
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
            s, e = _minutes(shift.start), _minutes(shift.end)
            if e <= s:
                e += MINUTES_PER_DAY
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
            return self._vlist[0] if _scalar(t) else np.full(np.shape(t), self._values[0])
        n = self._points.last_le(t)
        if _scalar(t):
            return self._vlist[n % self._points.m]
        return self._values[n % self._points.m]

    def next_change(self, t):
        """First change time strictly after ``t``; ``inf`` if the value never changes."""
        if self.is_constant:
            return math.inf if _scalar(t) else np.full(np.shape(t), np.inf)
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
            return self._vlist[0] * (float(t) if _scalar(t) else np.asarray(t, dtype=float))
        p = self._points
        n = p.last_le(t)
        if _scalar(t):
            q, r = divmod(n, p.m)
            return q * self._week_total + self._cumlist[r] + self._vlist[r] * (t - p.point(n))
        q, r = np.divmod(n, p.m)
        return q * self._week_total + self._cum[r] + self._values[r] * (t - p.point(n))

    def integral(self, t0, t1):
        """Value-days between ``t0`` and ``t1`` (officer-days on duty); signed, vectorized."""
        out = self._cumulative(t1) - self._cumulative(t0)
        return float(out) if _scalar(t0) and _scalar(t1) else out

    def max(self):
        """Largest value over the week."""
        return max(self._vlist)

    def min(self):
        """Smallest value over the week."""
        return min(self._vlist)

    def mean(self) -> float:
        """Average value over the week."""
        return self._week_total / 7.0


class _BusinessDays:
    """Business days (a weekmask less holidays) as integer day numbers since ``start_date``.

    Scalar look-ups bisect a precomputed list over the holiday range and array look-ups index
    tables over it (whole arrays at a time); anything outside that range uses
    ``numpy.busday_offset`` and ``numpy.is_busday``.
    """

    def __init__(self, clock: Clock, days, holiday_kind: str, horizon_days: float):
        mask = [0] * 7
        for d in days:
            mask[d] = 1
        self.start = clock.start
        self.cal = np.busdaycalendar(
            weekmask=mask, holidays=clock.holidays(holiday_kind, horizon_days)
        )
        lo, hi = clock._holiday_range(horizon_days)
        self.lo = int((lo - self.start).astype(np.int64))
        self.hi = int((hi - self.start).astype(np.int64))
        dates = self._date(np.arange(self.lo, self.hi + 1))
        is_bd = np.is_busday(dates, busdaycal=self.cal)
        self._days = np.flatnonzero(is_bd) + self.lo  # every business day in [lo, hi]
        self._list = self._days.tolist()
        self._is_bd = is_bd  # by day number - lo
        self._count = np.cumsum(is_bd)  # business days in [lo, d], by d - lo

    def _inside_tables(self, d) -> tuple[np.ndarray, np.ndarray]:
        """Day numbers ``d`` as int64 ``d - lo``, and whether each is inside the tables."""
        i = np.asarray(d, dtype=np.int64) - self.lo
        return i, (i >= 0) & (i < len(self._is_bd))

    def _date(self, d):
        return self.start + np.asarray(d, dtype=np.int64).astype("timedelta64[D]")

    def _inside(self, d: int) -> bool:
        # The scalar path needs the list to reach the answer: a margin of a few weeks.
        return self.lo <= d and d + 40 <= self.hi

    def is_bd(self, d):
        """Whether day number(s) ``d`` is a business day."""
        if isinstance(d, int) and self._inside(d):
            i = bisect_left(self._list, d)
            return i < len(self._list) and self._list[i] == d
        if np.ndim(d) == 0:
            out = np.is_busday(self._date(d), busdaycal=self.cal)
            return bool(out) if isinstance(d, int) else out
        i, inside = self._inside_tables(d)
        out = self._is_bd[np.where(inside, i, 0)]
        if not inside.all():
            out[~inside] = np.is_busday(self._date(np.asarray(d)[~inside]), busdaycal=self.cal)
        return out

    def after(self, d, n=0):
        """Day number of the ``n``-th business day after the first one strictly after ``d``."""
        if isinstance(d, int) and isinstance(n, int) and self._inside(d + 2 * n):
            return self._list[bisect_right(self._list, d) + n]
        if np.ndim(d) == 0 and np.ndim(n) == 0:
            out = self._offset(d, n)
            return int(out) if isinstance(d, int) and isinstance(n, int) else out
        d, n = np.broadcast_arrays(np.asarray(d, dtype=np.int64), np.asarray(n, dtype=np.int64))
        i, inside = self._inside_tables(d)
        k = self._count[np.where(inside, i, 0)] + n  # bisect_right(list, d) + n
        inside &= (k >= 0) & (k < len(self._days))
        out = self._days[np.where(inside, k, 0)]
        if not inside.all():
            out[~inside] = self._offset(d[~inside], n[~inside])
        return out

    def _offset(self, d, n):
        first = np.busday_offset(self._date(np.add(d, 1)), 0, roll="forward", busdaycal=self.cal)
        out = np.busday_offset(first, n, roll="forward", busdaycal=self.cal) - self.start
        return out.astype(np.int64)


class CourtCalendar:
    """Court sessions: set times of day on court days (``court.weekmask`` less holidays).

    Parameters
    ----------
    court : Court
        Scenario block with ``weekmask``, ``holidays`` and ``sessions``.
    clock : Clock
    horizon_days : float
        Length of the run; holidays are known to 10 years past it.
    """

    def __init__(self, court, clock: Clock, horizon_days: float):
        self.clock = clock
        self.sessions = np.unique([parse_time_of_day(s) for s in court.sessions])
        self._slist = self.sessions.tolist()
        self.days = _BusinessDays(clock, parse_days(court.weekmask), court.holidays, horizon_days)

    def next_session(self, t):
        """Start of the first session at or after ``t`` on a court day; NaN stays NaN."""
        s, days = self._slist, self.days
        if _scalar(t):
            t = float(t)
            if not math.isfinite(t):
                return t
            d = math.floor(t)
            j = bisect_left(s, t - d)
            if j > 0 and d + s[j - 1] >= t:
                j -= 1
            if j < len(s) and days.is_bd(d):
                return d + s[j]
            return days.after(d) + s[0]
        t = np.asarray(t, dtype=float)
        if t.size <= chunks.CHUNK:
            return self._next_sessions(t)
        flat, out = t.reshape(-1), np.empty(t.shape)
        for a, b in chunks.spans(t.size):  # small temporaries (see jailsim.base.chunks)
            out.reshape(-1)[a:b] = self._next_sessions(flat[a:b])
        return out

    def _next_sessions(self, t: np.ndarray) -> np.ndarray:
        """:meth:`next_session` of an array of times."""
        s, days = self._slist, self.days
        ok = np.isfinite(t)
        every = bool(ok.all())
        tt = t if every else np.where(ok, t, 0.0)
        d = np.floor(tt)
        di = d.astype(np.int64)
        # Court days and the next court day are looked up once per calendar day spanned.
        first = int(di.min()) if di.size else 0
        span = np.arange(first, int(di.max()) + 1 if di.size else 0)
        if len(span) > 2 * di.size + 1024:  # a few scattered times: look each one up
            span, first = di, None
        is_court_day = days.is_bd(span)
        later = days.after(span) + s[0]
        if first is not None:
            di -= first
            is_court_day, later = is_court_day[di], later[di]
        # j = first session at or after the time of day (searchsorted, side="left"), then one
        # back if rounding put that session's start at or before t.
        frac = tt - d
        j = np.zeros(tt.shape, dtype=np.int8)
        for start in self.sessions:
            j += frac > start
        j -= (j > 0) & (d + self.sessions[np.maximum(j - 1, 0)] >= tt)
        same = (j < len(s)) & is_court_day
        out = np.where(same, d + self.sessions[np.minimum(j, len(s) - 1)], later)
        return out if every else np.where(ok, out, t)


class HoldCalendar:
    """The latest time a detainer hold that starts at ``t`` may last until.

    Parameters
    ----------
    hold : Hold
        Scenario block: ``rule`` ('calendar_48h' or 'business_48h') and ``cap`` (days).
    clock : Clock
    horizon_days : float
        Length of the run; US federal holidays are known to 10 years past it.

    Notes
    -----
    Under 'business_48h' only time on business days (Monday to Friday, not a US federal
    holiday) counts; a hold starting on another day starts counting at 00:00 of the next
    business day. When the count is used up exactly at a midnight, the cap is the end of the
    earlier business day (the earliest instant the count is complete).
    """

    def __init__(self, hold, clock: Clock, horizon_days: float):
        self.rule = hold.rule
        self.length = float(hold.cap)
        self.days = _BusinessDays(clock, range(5), "us_federal", horizon_days)

    def cap(self, t):
        """Latest release time for holds starting at ``t`` (time(s) the person would leave)."""
        c = self.length
        if self.rule == "calendar_48h":
            return t + c if _scalar(t) else np.asarray(t, dtype=float) + c
        if _scalar(t):
            t = float(t)
            if not math.isfinite(t):
                return t
            d = math.floor(t)
            left = 1.0 - (t - d) if self.days.is_bd(d) else 0.0
            if c <= left:
                return t + c
            rest = c - left
            full = max(math.ceil(rest - _TOL) - 1, 0)
            return self.days.after(d, full) + min(rest - full, 1.0)
        t = np.asarray(t, dtype=float)
        ok = np.isfinite(t)
        tt = np.where(ok, t, 0.0)
        d = np.floor(tt)
        di = d.astype(np.int64)
        left = np.where(self.days.is_bd(di), 1.0 - (tt - d), 0.0)
        rest = c - left
        full = np.maximum(np.ceil(rest - _TOL) - 1, 0)
        end = self.days.after(di, full.astype(np.int64)) + np.minimum(rest - full, 1.0)
        return np.where(ok, np.where(c <= left, tt + c, end), t)


class TransportSchedule:
    """ICE transport runs: ``continuous`` (pickup whenever ready) or set times on set weekdays.

    Parameters
    ----------
    transport : Transport
        Scenario block with ``times``, ``days`` and ``seats`` (``None``: no seat limit).
    clock : Clock
    """

    def __init__(self, transport, clock: Clock):
        self.seats = transport.seats
        self.is_continuous = transport.times == "continuous"
        self._points = None
        if not self.is_continuous:
            minutes = sorted(
                {
                    day * MINUTES_PER_DAY + _minutes(time)
                    for day in parse_days(transport.days)
                    for time in transport.times
                }
            )
            self._points = _WeeklyPoints(np.array(minutes), clock.week_offset)
        #: Scheduled runs in a week (0 when continuous).
        self.runs_per_week = 0 if self._points is None else self._points.m

    def next_run(self, t):
        """First run at or after ``t`` (``t`` itself when continuous)."""
        if self.is_continuous:
            return float(t) if _scalar(t) else np.array(t, dtype=float)
        if _scalar(t) and not math.isfinite(t):
            return float(t)
        return self._points.point(self._points.first_ge(t))

    def runs(self, t0: float, t1: float) -> np.ndarray:
        """Every run time in [t0, t1), sorted; empty when continuous."""
        if self.is_continuous:
            return np.array([], dtype=float)
        return self._points.point(self._points.between(t0, t1))
