"""Exact quantiles of values that come in batches, keeping only the values near the answer.

The median stay of a replication is an order statistic of every stay: held whole, the stays
are the one per-booking array a streamed replication would keep (8 bytes a booking). No one
pass can find an exact quantile in less memory in every case, but a replication's values
come in an order that hardly matters to their distribution, so :class:`Quantile` keeps all
values only until it has :data:`SETTLE` of them, then fixes a *window* around the quantile
of those (a band of :data:`BAND` of the ranks each side, widened for the sampling error) and
from then on counts the values below and above it, keeping only those inside. At the end
the order statistics the quantile needs are found among those kept, exactly, and the result
is bit for bit numpy's (``np.median``, or ``np.quantile``'s linear rule) of all the values.
Should a replication's values drift so far that an order statistic falls outside the
window, :meth:`Quantile.value` raises :class:`WindowMissed` and the caller runs again
keeping every value (``settle=None``): never an approximation.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["BAND", "SETTLE", "Quantile", "WindowMissed"]

#: Values kept whole before the window is fixed (a few MB at most).
SETTLE = 1 << 16
#: Half-width of the window, as a share of the ranks, beyond the sampling error of the
#: settled values' quantile: the values of about a tenth of the ranks are kept in all.
BAND = 0.05


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
    settle
        Values kept whole before the window is fixed; None: keep every value.
    band
        The window's half-width in share of ranks (see :data:`BAND`).
    """

    def __init__(self, q: float, *, median: bool = False, settle: int | None = SETTLE,
                 band: float = BAND):
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"q: {q!r} is not in [0, 1]")
        self.q, self.median, self.settle, self.band = q, median, settle, band
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
