"""Booking arrivals: intensity by clock hour, and samples that follow it (stochastic, seeded)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from jailsim.model.arrivals import (
    expected_count,
    hour_of_week_weights,
    hourly_intensity,
    poisson_inverse,
    sample_arrivals,
)
from jailsim.model.clock import Clock
from jailsim.model.streams import Address
from tests.conftest import base

MONDAY = dt.date(2025, 1, 6)
WEDNESDAY = dt.date(2025, 1, 8)


def with_(s, **changes):
    """A copy of a scenario block with fields replaced."""
    return s.model_copy(update=changes)


BASE = base().arrivals.bookings
FLAT = with_(BASE, profile=type(BASE.profile)())
#: A peaked profile (evenings and weekends), for the checks that need one: the base county's
#: own profile is flat (no source).
PEAKED = with_(BASE, profile=type(BASE.profile)(
    hour_of_day=(1.3, 1.3, 1.2, 1.0, 0.7, 0.5, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
                 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.2, 1.2, 1.3, 1.3, 1.4, 1.4),
    day_of_week=(0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0)))


def rng(seed):
    """The draws of the bookings source of replication 0 under ``seed``."""
    return Address.of(seed, 0, "bookings")


def hour_of_week(times, clock):
    return np.floor(clock.time_of_week(times) * 24).astype(int) % 168


# ----------------------------------------------------------------------------- intensity
def test_weights_have_mean_one_and_follow_the_profile():
    w = hour_of_week_weights(PEAKED.profile)
    assert w.shape == (168,) and w.mean() == pytest.approx(1.0)
    p = PEAKED.profile
    # Saturday 22:00 over Tuesday 05:00 is the ratio of the products.
    ratio = (p.day_of_week[5] * p.hour_of_day[22]) / (p.day_of_week[1] * p.hour_of_day[5])
    assert w[5 * 24 + 22] / w[1 * 24 + 5] == pytest.approx(ratio)
    how = tuple(float(h % 24 == 3) for h in range(168))  # only 03:00-04:00, every day
    w = hour_of_week_weights(with_(p, hour_of_week=how))
    assert w[3] == pytest.approx(24.0) and w[4] == 0.0


def test_hourly_intensity_shapes_partial_hour_and_week_total():
    clock = Clock(WEDNESDAY)
    knots, rates = hourly_intensity(BASE, clock, 10.3)
    assert len(knots) == 249 and len(rates) == 248  # 10.3 d = 247 h and 0.2 h
    assert knots[0] == 0.0 and knots[-1] == 10.3 and knots[-2] == 247 / 24
    # Hour 0 is Wednesday 00-01 under a Wednesday start.
    w = hour_of_week_weights(BASE.profile)
    assert rates[0] == pytest.approx(15.6 * w[2 * 24])
    # A whole week without trend books rate * 7 whatever the profile.
    assert expected_count(BASE, clock, 7.0) == pytest.approx(15.6 * 7)
    assert expected_count(BASE, clock, 70.0) == pytest.approx(15.6 * 70)


def test_trend_is_applied_per_clock_hour():
    g = 0.25
    s = with_(FLAT, profile=with_(FLAT.profile, trend_per_year=g))
    knots, rates = hourly_intensity(s, Clock(MONDAY), 730.5)
    mid = (knots[:-1] + knots[1:]) / 2
    np.testing.assert_allclose(rates, 15.6 * (1 + g) ** (mid / 365.25), rtol=1e-12)
    # Over two years the hourly steps integrate the continuous growth almost exactly.
    exact = 15.6 * 365.25 * ((1 + g) ** 2 - 1) / math.log(1 + g)
    assert expected_count(s, Clock(MONDAY), 730.5) == pytest.approx(exact, rel=1e-8)


# ------------------------------------------------------------------------------- samples
def test_times_are_sorted_inside_the_horizon_and_reproducible():
    clock = Clock(WEDNESDAY)
    a = sample_arrivals(BASE, clock, 100.3, rng(7))
    b = sample_arrivals(BASE, clock, 100.3, rng(7))
    c = sample_arrivals(BASE, clock, 100.3, rng(8))
    assert a.dtype == np.float64 and np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.all(np.diff(a) >= 0) and a[0] >= 0 and a[-1] < 100.3
    tiny = sample_arrivals(BASE, clock, 0.01, rng(1))
    assert np.all((tiny >= 0) & (tiny < 0.01))


def test_each_day_is_poisson_then_spacings_of_its_own_draws():
    clock = Clock(MONDAY)
    address = rng(11)
    times = sample_arrivals(BASE, clock, 50.0, address)
    knots, rates = hourly_intensity(BASE, clock, 50.0)
    cum = np.concatenate(([0.0], np.cumsum(rates * np.diff(knots))))
    for day in (0, 17, 49):
        mass = cum[24 * (day + 1)] - cum[24 * day]
        mine = times[(times >= day) & (times < day + 1)]
        n = int(stats.poisson.ppf(address.uniforms("arrivals", np.array([day]))[0], mass))
        assert len(mine) == n
        # draws 1 to n + 1 of the day: exponentials whose normalised sums place the bookings
        u = np.concatenate([address.block("arrivals", np.array([day]), b)[:, 0]
                            for b in range(n // 4 + 1)])[1:n + 2]
        e = np.cumsum(-np.log1p(-u))
        placed = (np.interp(mine, knots, cum) - cum[24 * day]) / mass
        np.testing.assert_allclose(placed, e[:-1] / e[-1], rtol=1e-9)


def test_a_longer_span_extends_a_shorter_one_day_for_day():
    """Each day has draws of its own: the horizon or the history's length changes no day."""
    clock = Clock(WEDNESDAY)
    short, long = (sample_arrivals(PEAKED, clock, h, rng(3)) for h in (40.5, 90.0))
    assert np.array_equal(short[short < 40], long[long < 40])
    back, further = (sample_arrivals(PEAKED, clock, 0.0, rng(3), start_day=d) for d in (-30, -400))
    assert back[0] >= -30 and further[0] < -390 and np.array_equal(further[-len(back):], back)


def test_hours_with_zero_weight_get_no_bookings():
    how = tuple(0.0 if h % 24 < 6 else 1.0 for h in range(168))
    s = with_(FLAT, profile=with_(FLAT.profile, hour_of_week=how))
    clock = Clock(WEDNESDAY)
    times = sample_arrivals(s, clock, 60.0, rng(2))
    assert len(times) > 500
    assert np.all(clock.time_of_day(times) >= 0.25)


def test_count_matches_expectation():
    clock = Clock(MONDAY)
    mean = expected_count(BASE, clock, 3 * 365.25)
    counts = np.array([len(sample_arrivals(BASE, clock, 3 * 365.25, rng(s))) for s in range(40)])
    se = math.sqrt(mean / len(counts))
    assert abs(counts.mean() - mean) < 4 * se
    # Poisson: variance equals the mean (index of dispersion test, 39 df).
    disp = counts.var(ddof=1) * (len(counts) - 1) / mean
    assert stats.chi2(len(counts) - 1).sf(disp) > 0.001
    assert stats.chi2(len(counts) - 1).cdf(disp) > 0.001


def expected_by_hour_of_week(s, clock, horizon):
    knots, rates = hourly_intensity(s, clock, horizon)
    how = (np.arange(len(rates)) + 24 * clock.week_offset) % 168
    return np.bincount(how, weights=rates * np.diff(knots), minlength=168)


def test_bookings_by_hour_of_week_follow_the_profile():
    clock, horizon = Clock(WEDNESDAY), 364.0
    times = sample_arrivals(PEAKED, clock, horizon, rng(2025))
    observed = np.bincount(hour_of_week(times, clock), minlength=168)
    p = expected_by_hour_of_week(PEAKED, clock, horizon)
    p = p / p.sum()
    assert stats.chisquare(observed, p * observed.sum()).pvalue > 0.001
    # The same test has the power to reject a flat profile ...
    flat = np.full(168, observed.sum() / 168)
    assert stats.chisquare(observed, flat).pvalue < 1e-6


def test_hour_of_week_profile_with_a_midweek_start():
    pattern = np.random.default_rng(0).uniform(0.2, 3.0, 168)
    s = with_(FLAT, profile=with_(FLAT.profile, hour_of_week=tuple(pattern)))
    clock, horizon = Clock(WEDNESDAY), 200.0
    times = sample_arrivals(s, clock, horizon, rng(99))
    observed = np.bincount(hour_of_week(times, clock), minlength=168)
    p = expected_by_hour_of_week(s, clock, horizon)
    np.testing.assert_allclose(p / p.sum(), pattern / pattern.sum(), rtol=0.03)  # 28-29 weeks
    assert stats.chisquare(observed, p / p.sum() * observed.sum()).pvalue > 0.001
    # The test would catch a profile placed on the wrong weekdays (start taken as a Monday).
    wrong = np.roll(p / p.sum(), -48) * observed.sum()
    assert stats.chisquare(observed, wrong).pvalue < 1e-6


def test_time_rescaled_gaps_are_unit_exponential():
    """Time-rescaling theorem: Lambda(t_i) is a unit-rate Poisson process."""
    clock, horizon = Clock(MONDAY), 200.0
    s = with_(BASE, profile=with_(BASE.profile, trend_per_year=1.0))
    times = sample_arrivals(s, clock, horizon, rng(5))
    knots, rates = hourly_intensity(s, clock, horizon)
    cum = np.concatenate(([0.0], np.cumsum(rates * np.diff(knots))))
    gaps = np.diff(np.interp(times, knots, cum), prepend=0.0)
    assert stats.kstest(gaps, "expon").pvalue > 0.001


def test_trend_shifts_bookings_to_the_second_half():
    clock, horizon = Clock(MONDAY), 730.5
    s = with_(BASE, profile=with_(BASE.profile, trend_per_year=0.5))
    times = sample_arrivals(s, clock, horizon, rng(31))
    n1 = np.sum(times < horizon / 2)
    n2 = len(times) - n1
    e1 = expected_count(s, clock, horizon / 2)
    e2 = expected_count(s, clock, horizon) - e1
    assert e2 / e1 == pytest.approx(1.5, rel=0.01)
    se = math.sqrt(1 / n1 + 1 / n2)  # of the log ratio
    assert abs(math.log(n2 / n1) - math.log(e2 / e1)) < 4 * se
    # Without the trend the halves are alike: the check has power against a missing trend.
    assert abs(math.log(n2 / n1)) > 4 * se


def test_poisson_inverse_is_scipys_on_both_paths():
    g = np.random.default_rng(4)
    u = g.random(20_000)
    mean = np.concatenate([g.uniform(0, 30, 10_000), g.uniform(30, 2_000, 10_000)])
    mean[:50] = 0.0
    want = np.where(mean > 0, stats.poisson.ppf(u, np.maximum(mean, 1e-300)), 0)
    np.testing.assert_array_equal(poisson_inverse(u, mean), want)
