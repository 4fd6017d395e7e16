"""Booking times: a non-homogeneous Poisson process with an hour-of-week profile and a trend.

The intensity is constant within each clock hour: the stream's mean rate times the weight of
that hour of the week (weights normalised to mean 1 over the week) times the growth factor
``(1 + trend_per_year) ** (t_mid / 365.25)`` evaluated at the middle ``t_mid`` of the hour, so
the trend moves in hourly steps. Times are sampled by inverting the cumulative intensity: draw
the number of bookings, spread that many sorted uniforms over the total intensity, and map each
back to a time by linear interpolation within its hour.
"""

from __future__ import annotations

import math

import numpy as np

from jailsim.base.chunks import spans
from jailsim.model.clock import Clock
from jailsim.scenario.blocks import Stream

__all__ = ["expected_count", "hourly_intensity", "hour_of_week_weights", "sample_arrivals"]

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
    stream: Stream, clock: Clock, horizon_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Booking intensity as a step function over the clock hours of [0, horizon).

    Parameters
    ----------
    stream : Stream
        ``rate`` (bookings a day on average over a week) and ``profile``.
    clock : Clock
        Places hour 0 in the week (``start_date`` 00:00).
    horizon_days : float
        End of the run, in days.

    Returns
    -------
    knots : numpy.ndarray
        ``H + 1`` hour boundaries in days, ``0, 1/24, ...``, the last one ``horizon_days`` (so
        the last hour may be partial).
    rates : numpy.ndarray
        ``H`` intensities, bookings per day, each holding over one hour. The trend factor is
        taken at the middle of the full clock hour, even for a partial last hour.
    """
    if not horizon_days > 0:
        raise ValueError(f"horizon_days must be positive, got {horizon_days!r}")
    hours = max(math.ceil(horizon_days * 24 - 1e-9), 1)
    idx = np.arange(hours)
    knots = np.append(idx[1:] / 24.0, float(horizon_days))
    knots = np.concatenate(([0.0], knots))
    w = hour_of_week_weights(stream.profile)[(idx + 24 * clock.week_offset) % HOURS_PER_WEEK]
    growth = (1.0 + stream.profile.trend_per_year) ** (((idx + 0.5) / 24.0) / 365.25)
    return knots, float(stream.rate) * w * growth


def expected_count(stream: Stream, clock: Clock, horizon_days: float) -> float:
    """Return the expected number of bookings in [0, horizon), the integral of the intensity."""
    knots, rates = hourly_intensity(stream, clock, horizon_days)
    return float(np.sum(rates * np.diff(knots)))


def sample_arrivals(
    stream: Stream,
    clock: Clock,
    horizon_days: float,
    rng: np.random.Generator,
    *,
    shift: float = 0.0,
) -> np.ndarray:
    """Sorted booking times (float64 days) in [0, horizon), less ``shift``.

    Draws, in this order: the count ``N ~ Poisson(Lambda)`` with ``Lambda`` the integral of the
    intensity, then ``N + 1`` standard exponentials whose normalised partial sums are ``N``
    sorted uniforms (no sort needed). Each uniform ``u`` becomes the time where the cumulative
    intensity reaches ``u * Lambda``. The times are computed a chunk at a time, over the
    partial sums (:mod:`jailsim.base.chunks`).

    Parameters
    ----------
    stream, clock, horizon_days
        As for :func:`hourly_intensity`.
    rng : numpy.random.Generator
        The only source of randomness.
    shift : float
        Subtracted from every time (a warm-start history is drawn on its own clock, then
        moved before day 0).
    """
    knots, rates = hourly_intensity(stream, clock, horizon_days)
    mass = rates * np.diff(knots)
    cum = np.concatenate(([0.0], np.cumsum(mass)))
    total = float(cum[-1])
    n = int(rng.poisson(total))
    spacing = rng.standard_exponential(n + 1)
    if n == 0:
        return np.array([], dtype=np.float64)
    np.cumsum(spacing, out=spacing)
    scale = total / spacing[-1]
    last = np.nextafter(float(horizon_days), -np.inf)
    top = len(rates) - 1
    times = spacing[:-1]  # each chunk's partial sums become its times
    for a, b in spans(n):
        target = times[a:b] * scale
        hour = np.searchsorted(cum, target, side="right") - 1
        np.minimum(np.maximum(hour, 0, out=hour), top, out=hour)
        rate = rates[hour]
        positive = rate > 0
        t = knots[hour] + np.where(positive, (target - cum[hour]) / np.where(positive, rate, 1.0),
                                   0.0)
        # Keep rounding from pushing a time out of its hour (this also keeps the times sorted).
        np.minimum(np.maximum(t, knots[hour], out=t), knots[hour + 1], out=t)
        np.minimum(t, last, out=times[a:b])
    if shift:
        times -= shift
    return times
