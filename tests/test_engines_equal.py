"""The heart of the project: both engines give the same timeline for the same draws."""

from __future__ import annotations

import numpy as np
import pytest

import jailsim
from _support import SHIPPED
from jailsim.context import Context
from jailsim.engines import des, vector
from jailsim.population import Population
from jailsim.timeline import CODE_FIELDS, TIME_FIELDS


def assert_same_timeline(a, b, tol=1e-9):
    for f in TIME_FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=f)
        ok = ~np.isnan(x)
        np.testing.assert_allclose(x[ok], y[ok], rtol=0, atol=tol, err_msg=f)
    for f in CODE_FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_engines_agree_on_shipped_scenarios(path):
    sc = jailsim.load(path).with_(horizon="150d", warmup="30d")
    ctx = Context.build(sc)
    for rep in range(2):
        pop = Population.sample(sc, seed=7, replication=rep)
        assert_same_timeline(des.run(ctx, pop), vector.run(ctx, pop))


def test_engines_agree_on_summary():
    sc = jailsim.load("scenarios/jem_wso.yaml")
    a = jailsim.simulate(sc, seed=3, replications=2, days=200, warmup_days=50, engine="des")
    b = jailsim.simulate(sc, seed=3, replications=2, days=200, warmup_days=50, engine="vector")
    np.testing.assert_allclose(
        a.summary()["mean"].to_numpy(), b.summary()["mean"].to_numpy(), rtol=1e-9, atol=1e-9
    )
