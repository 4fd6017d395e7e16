"""Booking times: a non-homogeneous Poisson process with an hour-of-week profile and a trend.

The intensity is constant within each clock hour: the stream's mean rate times the weight of
that hour of the week (weights normalised to mean 1 over the week) times the growth factor
``(1 + trend_per_year) ** (t_mid / 365.25)`` evaluated at the middle ``t_mid`` of the hour, so
the trend moves in hourly steps. Times are sampled a calendar day at a time, each day from its
own draws (:class:`~jailsim.model.streams.Address`, the day as the item): the day's number of
bookings is Poisson, the inverse of its distribution function at the day's first draw; that
many sorted uniforms (normalised sums of exponentials, no sort needed) spread over the day's
cumulative intensity map back to times by linear interpolation within their hour. So the
bookings of a day do not depend on any other day: a longer horizon, or a warm start's history
further back, extends a shorter one.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from jailsim.model.clock import Clock
from jailsim.model.philox import block, to_uniform
from jailsim.model.streams import BLOCK_BITS, Address
from jailsim.scenario.blocks import Stream

__all__ = ["expected_count", "hour_of_week_weights", "hourly_intensity", "poisson_inverse",
           "sample_arrivals"]

HOURS_PER_WEEK = 168


def hour_of_week_weights(profile) -> np.ndarray:
    """Return the profile's 168 weights (Monday 00-01 first), normalised to mean 1.

    ``profile.hour_of_week`` when given, otherwise ``day_of_week[d] * hour_of_day[h]`` at index
    ``24 * d + h``.
    """
    if profile.hour_of_week is not None:
        w = np.asarray(profile.hour_of_week, dtype=float)
    else:
        w = np.outer(profile.day_of_week, profile.hour_of_day).ravel().astype(float)
    return w / w.mean()


def hourly_intensity(
    stream: Stream, clock: Clock, horizon_days: float, start_day: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Booking intensity as a step function over the clock hours of [start_day, horizon).

    Parameters
    ----------
    stream : Stream
        ``rate`` (bookings a day on average over a week) and ``profile``.
    clock : Clock
        Places hour 0 in the week (``start_date`` 00:00).
    horizon_days : float
        End of the span, in days.
    start_day : int
        Its start, a whole day (negative: before day 0, as a warm start's history).

    Returns
    -------
    knots : numpy.ndarray
        ``H + 1`` hour boundaries in days, ``start_day, start_day + 1/24, ...``, the last one
        ``horizon_days`` (so the last hour may be partial).
    rates : numpy.ndarray
        ``H`` intensities, bookings per day, each holding over one hour. The trend factor is
        taken at the middle of the full clock hour, even for a partial last hour.
    """
    if not horizon_days > start_day:
        raise ValueError(f"horizon_days must be after the start, got {horizon_days!r}")
    hours = max(math.ceil((horizon_days - start_day) * 24 - 1e-9), 1)
    idx = np.arange(hours) + 24 * int(start_day)
    knots = np.concatenate(([start_day], idx[1:] / 24.0, [float(horizon_days)]))
    rates = hour_of_week_weights(stream.profile)[(idx + 24 * clock.week_offset) % HOURS_PER_WEEK]
    rates *= float(stream.rate)
    if stream.profile.trend_per_year:
        rates *= (1.0 + stream.profile.trend_per_year) ** (((idx + 0.5) / 24.0) / 365.25)
    return knots, rates


def expected_count(stream: Stream, clock: Clock, horizon_days: float) -> float:
    """Return the expected number of bookings in [0, horizon), the integral of the intensity."""
    knots, rates = hourly_intensity(stream, clock, horizon_days)
    return float(np.sum(rates * np.diff(knots)))


def sample_arrivals(
    stream: Stream, clock: Clock, horizon_days: float, address: Address, start_day: int = 0
) -> np.ndarray:
    """Sorted booking times (float64 days) in [start_day, horizon), a day at a time.

    Draws of the purpose ``arrivals`` with the day (``floor(t)``, negative before day 0) as
    the item: draw 0 gives the day's count ``N ~ Poisson(Lambda_day)``, draws 1 to ``N + 1``
    the ``N + 1`` standard exponentials whose normalised partial sums are ``N`` sorted
    uniforms. Each uniform ``u`` becomes the time where the day's cumulative intensity reaches
    ``u * Lambda_day``.

    Parameters
    ----------
    stream, clock, horizon_days, start_day
        As for :func:`hourly_intensity`.
    address : Address
        The source's draws in this replication: the only source of randomness.
    """
    days = ArrivalDays(stream, clock, address, start_day, horizon_days)
    return days.times(0, len(days.days))


class ArrivalDays:
    """The arrival days of one booking source in the run, or in its warm-start history.

    What :func:`sample_arrivals` makes for every day of
    ``[start_day, end)`` (the hourly intensity, each day's expected and drawn count of
    bookings, one draw a day: O(days) memory), so that the booking times of any run of days
    can be made alone, the very numbers the whole sample holds. ``cum[i]``: the bookings of
    the days before day index ``i``; ``n``: all of them.
    """

    def __init__(self, stream: Stream, clock: Clock, address: Address, start_day: int,
                 end: float):
        self.start_day = int(start_day)
        self.knots, self.rates = hourly_intensity(stream, clock, end, start_day)
        self.mass = self.rates * np.diff(self.knots)
        self.bounds = np.append(np.arange(0, len(self.rates), 24), len(self.rates))
        self.day_mass = day_mass(self.mass, self.bounds)
        self.days = np.arange(len(self.day_mass), dtype=np.int64) + self.start_day
        self.counts = poisson_inverse(address.uniforms("arrivals", self.days, 0), self.day_mass)
        if self.counts.max(initial=0) >= 4 << BLOCK_BITS or self.counts.sum() >= 1 << 31:
            raise ValueError("a booking source draws at most 2**31 bookings a replication and "
                             f"2**{BLOCK_BITS + 2} a day")
        self.cum = np.concatenate(([0], np.cumsum(self.counts)))
        self.n = int(self.cum[-1])
        self.key = address.key
        self.rest = np.array(address.rest("arrivals", 0), dtype=np.uint32)
        self.last = np.nextafter(float(end), -np.inf)

    def index(self, day: float) -> int:
        """The index of the day ``day`` (a whole number, or infinite), within ``[0, days]``."""
        return int(min(max(day - self.start_day, 0), len(self.days)))

    def times(self, i: int, j: int) -> np.ndarray:
        """The booking times (sorted float64 days) of the days of index ``i`` to ``j - 1``."""
        out = np.empty(int(self.cum[j] - self.cum[i]))
        if len(out):
            day_times(self.key, self.rest, self.days[i:j], self.counts[i:j], self.bounds[i:j + 1],
                   self.knots, self.rates, self.mass, self.day_mass[i:j], self.last, out)
        return out


#: Means up to this are inverted by summing the probabilities from 0 (their first, e**-mean,
#: stays far from underflow); larger ones by scipy.
SUMMED_MEAN = 500.0


def poisson_inverse(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The smallest ``k`` with ``P(N <= k) >= u`` for ``N ~ Poisson(mean)``, element-wise.

    A mean of 0 or less gives 0. Means up to :data:`SUMMED_MEAN` sum the probabilities in a
    compiled loop (a day's count of bookings: microseconds); larger ones call
    ``scipy.stats.poisson.ppf``. The two agree except where ``u`` is within rounding (about
    1e-14) of a step of the distribution function.
    """
    u, mean = np.asarray(u, dtype=float), np.asarray(mean, dtype=float)
    out = _summed_inverse(u, mean, SUMMED_MEAN)
    big = mean > SUMMED_MEAN
    if big.any():
        from scipy import stats  # loaded for large means only

        out[big] = stats.poisson.ppf(u[big], mean[big])
    return out


@numba.njit(cache=True, nogil=True)
def _summed_inverse(u, mean, most):  # pragma: no cover - compiled by numba
    out = np.zeros(len(u), dtype=np.int64)
    for i in range(len(u)):
        m = mean[i]
        if m <= 0.0 or m > most:
            continue
        p = np.exp(-m)
        cdf, k = p, 0
        while cdf < u[i] and p > 0.0:
            k += 1
            p *= m / k
            cdf += p
        out[i] = k
    return out


@numba.njit(cache=True, nogil=True)
def day_mass(mass, bounds):  # pragma: no cover - compiled by numba
    """Each day's expected bookings, summed hour by hour from the day's start.

    Sums within the day only, so a day's numbers do not depend on where the span starts.
    """
    out = np.zeros(len(bounds) - 1)
    for i in range(len(out)):
        for h in range(bounds[i], bounds[i + 1]):
            out[i] += mass[h]
    return out


@numba.njit(cache=True, nogil=True)
def day_times(key, rest, days, counts, bounds, knots, rates, mass, day_mass, last, out):
    """The times of :func:`sample_arrivals`, day by day, into ``out``."""
    k0, k1, w1, w2, w3 = key[0], key[1], rest[0], rest[1], rest[2]
    lanes = np.empty(4)
    pos = 0
    for i in range(len(days)):
        n = counts[i]
        if n == 0:
            continue
        item = numba.uint32(days[i])  # a negative day as its two's complement
        total = 0.0
        for j in range(n + 1):  # draw j + 1: lane (j + 1) % 4 of block (j + 1) // 4
            k = j + 1
            if k % 4 == 0 or j == 0:
                x0, x1, x2, x3 = block(k0, k1, item, w1 + numba.uint32(k // 4), w2, w3)
                lanes[0], lanes[1] = to_uniform(x0), to_uniform(x1)
                lanes[2], lanes[3] = to_uniform(x2), to_uniform(x3)
            total -= np.log1p(-lanes[k % 4])
            if j < n:
                out[pos + j] = total
        h, end, below = bounds[i], bounds[i + 1], 0.0  # below: the day's mass before hour h
        for j in range(n):
            target = out[pos + j] / total * day_mass[i]
            while h < end - 1 and below + mass[h] <= target:
                below += mass[h]
                h += 1
            rate = rates[h]
            t = knots[h] + ((target - below) / rate if rate > 0 else 0.0)
            # Keep rounding from pushing a time out of its hour (this keeps the times sorted).
            t = min(max(t, knots[h]), knots[h + 1])
            out[pos + j] = min(t, last)
        pos += n
