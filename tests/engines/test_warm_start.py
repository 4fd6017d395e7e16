"""Warm start at steady state: the jail is full from day 0, with the equilibrium census."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

import jailsim
from jailsim.model.population import Population
from tests.conftest import infinite_server

WARM = {"kind": "steady_state", "history": "120d"}


def test_infinite_server_census_is_at_equilibrium_from_day_zero():
    """M/G/inf in steady state: N(t) ~ Poisson(lam E[S]) at every t, so E[N(0)] = lam E[S]."""
    sc = infinite_server(rate="40/day", horizon="20d", warmup="0d", warm_start=WARM)
    res = jailsim.simulate(sc, seed=2, replications=30, engine="vector")
    lam_es = 40.0 * sc.charges["felony"].disposition.time_to_disposition.mean()
    day0 = res.census.loc[res.census.day == 0, "census"].to_numpy()
    # The time-average over day 0 varies less than N(0) itself: Var <= lam E[S].
    se = math.sqrt(lam_es / len(day0))
    assert abs(day0.mean() - lam_es) < 4 * se, (day0.mean(), lam_es, se)
    cold = jailsim.simulate(sc.with_(warm_start={"kind": "none"}), seed=2, replications=3,
                            engine="vector")
    assert cold.census.loc[cold.census.day == 0, "census"].max() < 0.2 * lam_es


def test_full_model_census_has_no_trend_from_day_zero():
    """First 60 days vs last 60 days of a year, paired by replication: no difference."""
    sc = jailsim.load("scenarios/jem.yaml").with_(
        {"warm_start": {"kind": "steady_state", "history": "4y"}, "warmup": "0d",
         "horizon": "1y"}
    )
    diffs = []
    for engine_seed in range(8):
        c = jailsim.simulate(sc, seed=engine_seed, engine="vector").census.census.to_numpy()
        diffs.append(c[-60:].mean() - c[:60].mean())
    diffs = np.array(diffs)
    se = diffs.std(ddof=1) / math.sqrt(len(diffs))
    assert abs(diffs.mean()) < 4 * se, (diffs.mean(), se)
    # the same comparison detects the fill-up of a cold start
    cold = jailsim.simulate(sc.with_(warm_start={"kind": "none"}), seed=0, engine="vector")
    c = cold.census.census.to_numpy()
    assert c[-60:].mean() - c[:60].mean() > 8 * max(se, 1.0)


def test_warm_start_leaves_the_simulated_period_draws_unchanged():
    sc = jailsim.load("scenarios/jem.yaml").with_(
        horizon="100d", warmup="0d", warm_start={"kind": "none"}
    )
    warm = sc.with_(warm_start=WARM)
    a = Population.sample(sc, seed=3, replication=0)
    b = Population.sample(warm, seed=3, replication=0)
    keep = b.booked_at >= 0
    assert (~keep).sum() > 100
    for f in dataclasses.fields(Population):
        if f.name not in ("replication", "booking_id") and getattr(b, f.name) is not None:
            np.testing.assert_array_equal(
                getattr(a, f.name), getattr(b, f.name)[..., keep], f.name
            )


def test_no_one_who_left_before_day_zero_is_recorded():
    sc = jailsim.load("scenarios/wso.yaml").with_(
        {"warm_start": WARM, "horizon": "60d", "warmup": "0d"}
    )
    b = jailsim.simulate(sc, seed=1, engine="des").bookings
    early = b.booked_at < 0
    assert early.sum() > 50
    assert (b.exit_at[early].isna() | (b.exit_at[early] >= 0)).all()
