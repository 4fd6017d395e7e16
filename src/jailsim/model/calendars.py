"""Court days and detainer hold caps: business days with US federal holidays.

Business days are Monday to Friday less US federal holidays (the clock's holiday list); courts
may sit on other weekdays (``court.weekmask``). A detainer hold lasts at most 48 hours,
counted either in calendar hours (the wording of Form I-247A) or, under 8 CFR 287.7(d), only
in hours that fall on business days, so a person eligible for release on a Friday evening
before a holiday Monday may be held until Wednesday evening.

Every function takes a float or a numpy array of times. Scalar calls (one per person in the
SimPy engine) take a pure-Python path of about a microsecond; array calls are vectorized with
numpy's business-day functions. Both give bit-identical results.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

import numpy as np

from jailsim.base import chunks
from jailsim.model.clock import Clock, scalar
from jailsim.scenario.units import parse_days, parse_time_of_day

__all__ = ["CourtCalendar", "HoldCalendar"]

#: Business-time counts that land within this many days (9 microseconds) of a whole number of
#: days are taken to end exactly at that midnight, so rounding never pushes a hold cap over a
#: weekend.
_TOL = 1e-10


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
        if scalar(t):
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
            return t + c if scalar(t) else np.asarray(t, dtype=float) + c
        if scalar(t):
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
