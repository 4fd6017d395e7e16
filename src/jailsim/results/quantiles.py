"""Exact quantiles of values that come in batches, keeping only the values near the answer.

The median stay of a replication is an order statistic of every stay: held whole, the stays
are the one per-booking array a streamed replication would keep (8 bytes a booking). No one
pass can find an exact quantile in less memory in every case, but once a replication's
stream is past its warm-up the values hardly change their distribution, so the owner of a
:class:`Quantile` may let it *settle* (:meth:`Quantile.settle_after`): once that many values
have come (at least :data:`SETTLE`), it fixes a *window* around the quantile of those (a
band of :data:`BAND` of the ranks each side, widened for the sampling error) and from then
on counts the values below it and keeps only those inside. At the end the order statistics
the quantile needs are found among those kept, exactly, and the result is bit for bit
numpy's (``np.median``, or ``np.quantile``'s linear rule) of all the values. Should the
values drift so far that an order statistic falls outside the window,
:meth:`Quantile.value` raises :class:`WindowMissed` and the caller makes it again keeping
every value: never an approximation.

Why the band is wide: the values of a stream before its warm-up ends are not like the rest
(the first to come are the long stays of people booked before day 0); the owner settles
only after :data:`AFTER` times as many values as came before the warm-up ended, so they are
at most a tenth of the values the window is fixed on, and at most that tenth of the ranks
away from where they stand among all values.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["AFTER", "BAND", "SETTLE", "Quantile", "WindowMissed"]

#: The fewest values a window is fixed on.
SETTLE = 1 << 16
#: A stream settles its quantiles after this many times the values that came before its
#: warm-up ended (see the module's docstring).
AFTER = 10
#: Half-width of the window, as a share of the ranks, beyond the sampling error of the
#: settled values' quantile: a tenth for the values before the warm-up, and a margin. The
#: values of about a quarter of the ranks are kept.
BAND = 0.12


class WindowMissed(RuntimeError):
    """An order statistic a quantile needs fell outside its window: keep every value."""


class Quantile:
    """The ``q`` quantile of values added in batches (:meth:`add`), exactly, in little memory.

    Parameters
    ----------
    q
        The quantile, in [0, 1].
    median
        Give ``np.median``'s value (the mean of the two middle values of an even count)
        rather than ``np.quantile``'s linear rule (the same at q = 0.5 but for the last bit).
    band
        The window's half-width in share of ranks (see :data:`BAND`).

    Every value is kept until :meth:`settle_after` is called and that many have come.
    """

    def __init__(self, q: float, *, median: bool = False, band: float = BAND):
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"q: {q!r} is not in [0, 1]")
        self.q, self.median, self.band = q, median, band
        self.settle: int | None = None  # values to fix the window on (None: never)
        self.kept: list[np.ndarray] = []
        self.count = 0  # values added
        self.below = 0  # values added below the window (once fixed)
        self.window: tuple[float, float] | None = None

    def add(self, values: np.ndarray) -> None:
        """Add a batch of values (no NaN)."""
        values = np.asarray(values, dtype=np.float64)
        self.count += len(values)
        if self.window is None:
            self.kept.append(values)
            if self.settle is not None and self.count >= self.settle:
                self._fix()
            return
        lo, hi = self.window
        self.below += int(np.count_nonzero(values < lo))
        inside = values[(values >= lo) & (values <= hi)]
        if len(inside):
            self.kept.append(inside)

    def settle_after(self, count: int) -> None:
        """Fix the window once ``count`` values (at least :data:`SETTLE`) have come."""
        if self.window is None:
            self.settle = max(int(count), SETTLE)
            if self.count >= self.settle:
                self._fix()

    def _fix(self) -> None:
        """Fix the window around the quantile of the values so far; keep only those in it."""
        values = self._joined()
        n = len(values)
        spread = self.band + 4.0 * math.sqrt(self.q * (1.0 - self.q) / n)
        ranks = [max(0, math.floor((self.q - spread) * (n - 1))),
                 min(n - 1, math.ceil((self.q + spread) * (n - 1)))]
        lo, hi = np.partition(values, ranks)[ranks]
        self.window = (-np.inf if ranks[0] == 0 else float(lo),
                       np.inf if ranks[1] == n - 1 else float(hi))
        self.kept, self.count = [], 0
        self.add(values)

    def _joined(self) -> np.ndarray:
        kept = np.concatenate(self.kept) if self.kept else np.empty(0)
        self.kept = [kept]
        return kept

    def value(self) -> float:
        """The quantile of every value added (NaN without any); see :class:`WindowMissed`."""
        n = self.count
        if not n:
            return float("nan")
        if self.median:
            ranks, gamma = sorted({(n - 1) // 2, n // 2}), None
        else:
            h = (n - 1) * self.q  # numpy's linear rule: between ranks floor(h) and the next
            first = math.floor(h)
            ranks, gamma = [first, min(first + 1, n - 1)], h - first
        kept = self._joined()
        at = [r - self.below for r in ranks]
        if at[0] < 0 or at[-1] >= len(kept):
            raise WindowMissed(f"the {self.q:g} quantile's order statistics {ranks} fell "
                               f"outside the window {self.window} of {n:,} values")
        x = np.partition(kept, at)[at]  # the order statistics, in order
        if self.median:
            return float(np.median(x))  # numpy's own arithmetic on the one or two values
        return float(np.quantile(x, gamma)) if len(x) == 2 else float(x[0])
