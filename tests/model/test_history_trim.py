"""Trimming a warm start's history changes nothing anyone can see.

``Population.sample(..., context=ctx)`` (what every run does) drops the history bookings that
left before day 0 without meeting anyone in a queue. The bookings table, census and metrics
must be the very ones of the whole history, booking ids included, on both engines.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jailsim
from jailsim.engines import ENGINES
from jailsim.experiments.replication import bookings_frame
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.results.census import daily_census
from jailsim.results.metrics import replication_metrics
from tests.conftest import SHIPPED
from tests.engines.conftest import scenarios

WARM = [p for p in SHIPPED if jailsim.load(p).warm_start.kind == "steady_state"]


def _tables(sc, seed: int, engine: str, trim: bool):
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed, 1, context=ctx if trim else None)
    b = bookings_frame(ctx, pop, ENGINES[engine](ctx, pop))
    census = daily_census(b, sc.horizon, sc.jail.rated_capacity, sc.start_date)
    return pop.n, b, census, replication_metrics(ctx, b, census)


def _assert_same(whole, trimmed):
    pd.testing.assert_frame_equal(whole[1], trimmed[1])
    pd.testing.assert_frame_equal(whole[2], trimmed[2])
    a, b = whole[3], trimmed[3]
    assert a.keys() == b.keys()
    assert all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


@pytest.mark.parametrize("engine", ["des", "vector"])
@pytest.mark.parametrize("path", WARM, ids=[p.stem for p in WARM])
def test_trimmed_history_gives_the_same_tables(path, engine):
    sc = jailsim.load(path).with_(horizon="200d", warmup="20d")
    whole, trimmed = _tables(sc, 5, engine, False), _tables(sc, 5, engine, True)
    _assert_same(whole, trimmed)
    assert trimmed[0] < 0.5 * whole[0]  # it does drop most of a 4-year history


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32))
def test_trimmed_history_gives_the_same_tables_on_random_scenarios(sc, seed):
    sc = sc.with_(warm_start={"kind": "steady_state", "history": "60d"})
    for engine in ("des", "vector"):
        _assert_same(_tables(sc, seed, engine, False), _tables(sc, seed, engine, True))


def test_booking_ids_count_the_whole_history():
    sc = jailsim.load("scenarios/task_force.yaml").with_(horizon="60d")
    ctx = Context.build(sc)
    whole = Population.sample(sc, 2, 0)
    trimmed = Population.sample(sc, 2, 0, context=ctx)
    ids = trimmed.ids()
    assert np.all(np.diff(ids) > 0) and ids[-1] == whole.n - 1
    np.testing.assert_array_equal(whole.booked_at[ids], trimmed.booked_at)
    np.testing.assert_array_equal(whole.source[ids], trimmed.source)


def test_keeping_only_who_is_in_custody_at_day_zero_would_not_do():
    """The control: people who left before day 0 still shaped the JEM line of those who had not.

    Keeping only the history bookings in custody at day 0 moves screening times in the
    bookings table, which is why the trim keeps everyone who queued.
    """
    sc = jailsim.load("scenarios/jem.yaml").with_(horizon="200d", warmup="20d")
    ctx = Context.build(sc)
    whole = Population.sample(sc, 5, 1)
    keep = (whole.booked_at >= 0) | (ENGINES["vector"](ctx, whole).exit_at >= 0)
    arrays = {
        f: getattr(whole, f)[..., keep]
        for f in whole.__dataclass_fields__
        if f not in ("replication", "booking_id") and getattr(whole, f) is not None
    }
    in_custody = Population(replication=1, booking_id=np.flatnonzero(keep), **arrays)
    a = _tables(sc, 5, "vector", False)[1]
    b = bookings_frame(ctx, in_custody, ENGINES["vector"](ctx, in_custody))
    assert len(a) == len(b)
    moved = ~np.isclose(a.screened_at, b.screened_at, rtol=0, atol=1e-9, equal_nan=True)
    assert moved.sum() > 0
