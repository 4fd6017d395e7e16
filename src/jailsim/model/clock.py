"""Clock time: engine time (float days since the start) as dates, weekdays and timestamps.

The engines keep time as float days since 00:00 of the scenario's ``start_date`` on a plain
24-hour local clock (no daylight-saving shifts): ``t = 2.75`` is 18:00 on the third day. A
:class:`Clock` turns engine times into weekdays, times of day and real timestamps, and lists
the US federal holidays the calendars of :mod:`jailsim.model.calendars` skip: from 14 days
before the earliest booking a warm start may hold to 10 years past the end of the horizon
(people can be released long after it).
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np
from pandas.tseries.holiday import USFederalHolidayCalendar

from jailsim.county.roster import MAX_DAYS_SERVED

__all__ = ["HOLIDAY_DAYS_AFTER", "HOLIDAY_DAYS_BEFORE", "Clock", "scalar"]

#: Holidays are listed from this many days before the start date (a warm-start history or a
#: roster reaches up to 10 years back) ...
HOLIDAY_DAYS_BEFORE = MAX_DAYS_SERVED + 14
#: ... to this many days (10 years) after the end of the horizon.
HOLIDAY_DAYS_AFTER = 3653


def scalar(t) -> bool:
    """Whether ``t`` is one number (the scalar path of a calendar look-up), not an array."""
    return isinstance(t, (float, int, np.floating, np.integer))


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
        if scalar(t):
            return (self.week_offset + math.floor(t)) % 7
        return ((self.week_offset + np.floor(t)) % 7).astype(np.int64)

    def time_of_day(self, t):
        """Fraction of the day elapsed at ``t`` (0 at midnight)."""
        if scalar(t):
            return t - math.floor(t)
        return np.asarray(t, dtype=float) - np.floor(t)

    def time_of_week(self, t):
        """Days since the latest Monday 00:00 at or before ``t``, in [0, 7)."""
        if scalar(t):
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
                days = _federal_holidays(str(lo), str(hi))
            self._holidays[key] = days
        return self._holidays[key]

    def _holiday_range(self, horizon_days: float) -> tuple[np.datetime64, np.datetime64]:
        lo = self.start - np.timedelta64(HOLIDAY_DAYS_BEFORE, "D")
        hi = self.start + np.timedelta64(math.ceil(horizon_days) + HOLIDAY_DAYS_AFTER, "D")
        return lo, hi


@functools.lru_cache(maxsize=32)
def _federal_holidays(lo: str, hi: str) -> np.ndarray:
    """US federal holidays (observed) from ``lo`` to ``hi``, computed once, read-only.

    Pandas' rules take a tenth of a second for the 20 years a run spans, and every Context of
    a run that draws its parameters per replication asks for the same range.
    """
    found = USFederalHolidayCalendar().holidays(lo, hi)
    days = np.unique(found.values.astype("datetime64[D]"))
    days.flags.writeable = False
    return days
