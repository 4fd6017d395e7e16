"""Stochastic results against queueing theory, with tolerances from standard errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import jailsim
from tests.conftest import infinite_server


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C), in the units of 1/lam."""
    a = lam / mu
    rho = a / c
    assert rho < 1
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


@pytest.mark.parametrize("engine", ["des", "vector"])
def test_infinite_server_adp_equals_rate_times_mean_stay(engine):
    """M/G/inf: E[census] = lam * E[S]; Var(time-average over T) ~ lam * E[S^2] / T."""
    sc = infinite_server(rate="40/day", horizon="600d", warmup="100d")
    res = jailsim.simulate(sc, seed=11, replications=4, engine=engine)
    stay = sc.charges["felony"].disposition.time_to_disposition
    lam, es = 40.0, stay.mean()
    u = np.linspace(0, 1, 200_001)[1:-1]
    es2 = float(np.mean(stay.ppf(u) ** 2))  # E[S^2] by quadrature of the quantile function
    window = sc.horizon - sc.warmup
    adp = res.metrics["adp"].to_numpy()
    se = math.sqrt(lam * es2 / window / len(adp))
    assert abs(adp.mean() - lam * es) < 4 * se, (adp.mean(), lam * es, se)
    # and the mean stay of exits is the analytic mean (exit cohort, stationary)
    los = res.bookings.loc[res.bookings.exit_reason != "censored"]
    los = los.loc[los.exit_at >= sc.warmup, "los_days"].to_numpy()
    assert abs(los.mean() - es) < 4 * los.std() / math.sqrt(len(los))


@pytest.mark.parametrize("engine", ["des", "vector"])
def test_littles_law_on_full_jem_model(engine):
    """L = lam W in each replication: the paired differences average zero.

    Within a two-sided t-interval at 0.9998 over 20 replications (4.6 standard errors).
    """
    sc = jailsim.load("scenarios/jem.yaml").with_(
        {
            "horizon": "1200d",
            "warmup": "500d",
            "charges.felony.disposition.time_to_disposition": {
                "dist": "lognormal", "median": "20d", "p90": "60d"
            },
            "charges.felony.disposition.jail_days": {"dist": "lognormal", "median": "20d",
                                                     "p90": "60d"},
        }
    )
    res = jailsim.simulate(sc, seed=5, replications=20, engine=engine)
    m = res.metrics
    diff = m["adp"] - m["bookings_per_day"] * m["mean_los_days"]
    se = diff.std(ddof=1) / math.sqrt(len(diff))
    t_crit = stats.t.ppf(0.9999, len(diff) - 1)
    assert abs(diff.mean()) < t_crit * se + 1e-9, (diff.mean(), se)
    # and the interval is informative: a 3% error in ADP would be detected
    assert t_crit * se < 0.03 * m["adp"].mean()


@pytest.mark.parametrize("engine", ["des", "vector"])
def test_jem_screening_wait_matches_erlang_c(engine):
    """Constant officers, Poisson foreign-born arrivals, exponential interviews: M/M/c."""
    c, mean_service_h, rate_fb = 2, 1.5, 24.0  # per day; rho = 24*1.5/24/2 = 0.75
    sc = infinite_server(
        rate=f"{rate_fb}/day",
        horizon="400d",
        warmup="40d",
        stay="10d",  # everyone stays far longer than any wait: no one leaves unscreened
        program="jem",
        **{
            "arrivals.bookings.foreign_born": 1.0,
            "jem.officers": c,
            "jem.shifts": [],
            "jem.p_lodge": 0.0,
            "jem.screening_time": {"dist": "exponential", "mean": f"{mean_service_h}h"},
            "biometric.p_lodge": 0.0,
        },
    )
    res = jailsim.simulate(sc, seed=3, replications=8, engine=engine)
    waits = res.metrics["mean_screening_wait_hours"].to_numpy()
    expected = erlang_c_wait(rate_fb / 24, 1 / mean_service_h, c)  # hours
    se = waits.std(ddof=1) / math.sqrt(len(waits))
    assert abs(waits.mean() - expected) < 4 * se, (waits.mean(), expected, se)
    assert 4 * se < 0.25 * expected  # the test can fail: the tolerance is tight
    # everyone is held for days, so every foreign-born booking is screened
    assert res.metrics["screening_coverage"].min() == 1.0
    util = res.metrics["officer_utilization"].to_numpy()
    se = util.std(ddof=1) / math.sqrt(len(util))
    assert abs(util.mean() - rate_fb / 24 * mean_service_h / c) < 4 * se
    assert 4 * se < 0.025  # 2.5 points of utilization would be seen


def test_erlang_c_formula_known_value():
    # M/M/1: Wq = rho / (mu - lam)
    assert erlang_c_wait(0.5, 1.0, 1) == pytest.approx(1.0)
    # M/M/2 with a = 1: P(wait) = 1/3, Wq = (1/3)/(2-1)
    assert erlang_c_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)


@pytest.mark.parametrize("engine", ["des", "vector"])
def test_cancellation_and_pickup_race_before_the_cap(engine):
    """ICE comes at rate mu, cancels at rate theta, the cap is c: the hold lasts
    min(Exp(mu + theta), c) and ends in ICE custody with probability
    mu / (mu + theta) (1 - exp(-(mu + theta) c)).

    Everyone is a removable noncitizen with a detainer lodged at booking, held at release
    (honor all, no refusals); ICE always comes and always cancels, each after an exponential
    delay from the start of the hold, and comes whenever ready (continuous transport).
    Tolerances: 4 standard errors of the mean hold and of the share.
    """
    mu, theta, c = 1 / 1.0, 1 / 2.0, 2.0  # per day; cap 48 h
    sc = infinite_server(rate="30/day", horizon="300d", warmup="30d").with_({
        "arrivals.bookings.foreign_born": 1.0,
        "arrivals.bookings.citizen_given_foreign_born": 0.0,
        "arrivals.bookings.removable_given_noncitizen": 1.0,
        "arrivals.bookings.dhs_record_given_noncitizen": 1.0,
        "biometric.p_lodge": 1.0, "biometric.delay": "0h", "biometric.missed_record": 0.0,
        "honor.policy": "all", "honor.refusal_probability": 0.0,
        "hold.rule": "calendar_48h", "hold.cap": f"{c}d",
        "ice.p_pickup": 1.0, "ice.pickup_delay": {"dist": "exponential", "mean": "1d"},
        "ice.p_cancel": 1.0, "ice.cancel_delay": {"dist": "exponential", "mean": "2d"},
        "ice.transport": {"times": "continuous"},
    })
    res = jailsim.simulate(sc, seed=5, replications=2, engine=engine)
    b = res.bookings
    done = b[b.hold_start_at.notna() & b.exit_reason.isin(["ice_transfer", "cancelled",
                                                           "lapsed"])]
    assert len(done) > 10_000
    rate = mu + theta
    hours = done.hold_hours.to_numpy()
    mean = (1 - math.exp(-rate * c)) / rate * 24  # E[min(Exp(rate), c)], hours
    assert abs(hours.mean() - mean) < 4 * hours.std() / math.sqrt(len(hours))
    share = mu / rate * (1 - math.exp(-rate * c))
    got = (done.exit_reason == "ice_transfer").mean()
    assert abs(got - share) < 4 * math.sqrt(share * (1 - share) / len(done))
    cancelled = theta / rate * (1 - math.exp(-rate * c))
    got = (done.exit_reason == "cancelled").mean()
    assert abs(got - cancelled) < 4 * math.sqrt(cancelled * (1 - cancelled) / len(done))
    assert (done.hold_hours <= c * 24 + 1e-6).all()
