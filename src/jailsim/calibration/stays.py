"""Stays as an export records them: each known only to lie in an interval of time.

People still held when an export is taken have a stay that is only known to exceed the time
served so far (right-censored), and a date-only release time only says "sometime that day"
(interval-censored). :class:`Stays` keeps every stay as the interval ``(lo, hi]`` known to
contain it, and groups exact stays into narrow log-spaced bins (40 per decade, a 6% width), so
that a fit (:mod:`jailsim.calibration.stayfit`) costs the same for 1,000 or 1,000,000 bookings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["BINS_PER_DECADE", "MIN_EDGE", "MIN_WITHOUT_HOLD", "Stays", "fitted_bookings"]

#: Bins per decade for grouping exact stays.
BINS_PER_DECADE = 40
#: Shortest bin edge (days): one minute.
MIN_EDGE = 1 / 1440
#: Stays of bookings with an immigration hold are left out of the stay fit when at least this
#: many bookings have none (the model adds the detainer's effects and the hold itself).
MIN_WITHOUT_HOLD = 30


def fitted_bookings(hold: np.ndarray) -> np.ndarray:
    """Which bookings' stays are fitted: those without a hold, if there are enough of them."""
    hold = np.asarray(hold, dtype=bool)
    if hold.any() and (~hold).sum() >= MIN_WITHOUT_HOLD:
        return ~hold
    return np.ones(len(hold), dtype=bool)


@dataclass(frozen=True, eq=False)
class Stays:
    """Stays known to lie in ``(lo, hi]`` (days); ``lo == hi`` exact, ``hi = inf`` still held.

    ``shift`` marks bookings recorded with a date only: their bounds count from the start of
    the booking day, and the stay is ``x - u`` with ``u`` the unknown time of day, uniform on
    (0, 1 day). Such a stay contributes ``E_u[S(lo - u) - S(hi - u)]`` to the likelihood (and a
    timed release ``x`` the interval ``(x - 1, x]``), which is what makes a booking day and a
    release day, both without times, informative without bias.
    """

    lo: np.ndarray
    hi: np.ndarray
    shift: np.ndarray | None = None

    def __post_init__(self):
        object.__setattr__(self, "lo", np.asarray(self.lo, dtype=float))
        object.__setattr__(self, "hi", np.asarray(self.hi, dtype=float))
        shift = np.zeros(len(self.lo), bool) if self.shift is None else self.shift
        object.__setattr__(self, "shift", np.asarray(shift, dtype=bool))

    @property
    def n(self) -> int:
        """Number of stays."""
        return len(self.lo)

    @property
    def held(self) -> np.ndarray:
        """Right-censored (still held)."""
        return np.isinf(self.hi)

    @property
    def point(self) -> np.ndarray:
        """One number per stay: exact value, interval midpoint, or time served so far."""
        mid = np.where(self.held, self.lo, (self.lo + np.where(self.held, 0, self.hi)) / 2)
        return np.maximum(mid - 0.5 * self.shift, 0.0)

    def naive_mean(self) -> float:
        """Mean stay of the people released (what ignoring censoring gives)."""
        released = ~self.held
        return float(np.mean(self.point[released])) if released.any() else float("nan")

    def _plain(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds that hold whatever the time of day of a date-only booking."""
        return np.maximum(self.lo - self.shift, 0.0), self.hi

    def censored_data(self) -> stats.CensoredData:
        """The stays as scipy CensoredData: exact, right-censored and interval-censored.

        Date-only bookings enter with their widest bounds (a day less at the low end).
        """
        lo, hi = self._plain()
        exact = (lo == hi) & ~self.shift
        interval = ~exact & ~self.held
        return stats.CensoredData(
            uncensored=np.maximum(lo[exact], MIN_EDGE / 2),
            right=np.maximum(lo[self.held], MIN_EDGE / 2),
            interval=np.column_stack([lo[interval], hi[interval]]),
        )

    def km(self):
        """Kaplan–Meier estimate (scipy ``ecdf``); interval stays enter at their midpoint."""
        data = stats.CensoredData(
            uncensored=np.maximum(self.point[~self.held], 1e-9),
            right=np.maximum(self.point[self.held], 1e-9),
        )
        return stats.ecdf(data)

    def grouped(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Intervals ``(lo, hi]`` with counts and shift flags, for the likelihood.

        Exact stays are binned on the log grid, censoring times floored to it; a date-only
        booking with a timed release becomes the plain interval ``(x - 1, x]`` (``x`` on the
        grid); other date-only bookings keep their bounds, rounded to the minute.
        """
        top = max(float(np.max(np.where(np.isinf(self.hi), self.lo, self.hi))), 1.0) * 1.1
        decades = np.log10(top / MIN_EDGE)
        edges = np.concatenate(
            ([0.0], MIN_EDGE * np.logspace(0, decades, int(np.ceil(decades * BINS_PER_DECADE))))
        )
        exact = self.lo == self.hi
        k = np.clip(np.searchsorted(edges, self.lo, side="right") - 1, 0, len(edges) - 2)
        plain = ~self.shift
        lo = np.where(exact | self.held, edges[k], self.lo)
        hi = np.where(exact, edges[k + 1], self.hi)
        day_exact = self.shift & exact
        lo = np.where(day_exact, np.maximum(edges[k + 1] - 1.0, 0.0), lo)
        shift = self.shift & ~exact
        minute = 1 / 1440
        lo = np.where(shift, np.round(self.lo / minute) * minute, np.where(plain | day_exact,
                                                                          lo, self.lo))
        hi = np.where(shift & ~self.held, np.round(self.hi / minute) * minute, hi)
        table = np.column_stack([lo, hi, shift])
        rows, count = np.unique(table, axis=0, return_counts=True)
        return rows[:, 0], rows[:, 1], count.astype(float), rows[:, 2].astype(bool)
