"""The stream engine gives the whole run's timelines, bit for bit, whatever the chunks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jailsim
from jailsim.engines import stream, vector
from jailsim.model.context import Context
from jailsim.model.population import Population
from tests.conftest import SHIPPED
from tests.engines.conftest import scenarios


def _chunks(pop: Population, cuts):
    """``pop`` cut at the booking times ``cuts``: (chunk, end) in booking order."""
    at = np.searchsorted(pop.booked_at, cuts, side="left")
    bounds = [0, *at.tolist(), pop.n]
    ends = [*map(float, cuts), np.inf]
    for a, b, end in zip(bounds[:-1], bounds[1:], ends, strict=True):
        yield pop.rows(slice(a, b)), end


def _streamed(ctx, pop, cuts):
    """The batches' timelines and counterfactual exits, put back in booking order."""
    batches = list(stream.run_chunks(ctx, _chunks(pop, cuts)))
    ids = np.concatenate([b.pop.ids() for b in batches])
    order = np.argsort(ids)
    np.testing.assert_array_equal(ids[order], pop.ids())  # every booking once
    arrays = {k: np.concatenate([getattr(b.timeline, k) for b in batches])[order]
              for k in batches[0].timeline.arrays()}
    without = np.concatenate([b.exit_without for b in batches])[order]
    return batches, arrays, without


def _check(ctx, pop, cuts):
    whole = vector.run(ctx, pop)
    batches, arrays, without = _streamed(ctx, pop, cuts)
    for k, v in whole.arrays().items():
        np.testing.assert_array_equal(arrays[k], v, err_msg=k)
    np.testing.assert_array_equal(without, vector.exit_without_detainers(ctx, pop, whole))
    # The frontier: every booking in a later batch leaves at that batch's frontier or later.
    frontiers = [b.frontier for b in batches]
    assert frontiers == sorted(frontiers) and frontiers[-1] == np.inf
    for k, b in enumerate(batches[:-1]):
        later = np.concatenate([x.timeline.exit_at for x in batches[k + 1:]])
        assert not (later < b.frontier).any()
        booked = np.sort(np.concatenate([x.pop.booked_at for x in batches[k + 1:]]))
        np.testing.assert_array_equal(b.pending_booked, booked[booked < b.frontier])
    return batches


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_the_stream_is_the_whole_run_on_shipped_scenarios(path):
    sc = jailsim.load(path).with_(horizon="150d", warmup="30d")
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=7, replication=0, context=ctx)
    lo = float(np.floor(pop.booked_at[0]))
    for step in (5.0,):
        _check(ctx, pop, np.arange(lo + step, 150.0, step))


def test_people_wait_in_the_lines_across_chunks():
    """Scarce officers and seats: lines run across chunk ends, and the stream still agrees."""
    sc = jailsim.load("scenarios/jem_wso.yaml").with_({
        "horizon": "120d", "warmup": "10d", "jem.officers": 1, "jem.shifts": [],
        "ice.p_pickup": 0.9, "ice.transport": {"times": ["06:00"], "seats": 1},
    })
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=3, replication=0, context=ctx)
    batches = _check(ctx, pop, np.arange(1.0, 120.0, 1.0))
    carried = sum(int((b.pop.booked_at < b.frontier - 1.0).sum()) for b in batches[:-1])
    assert carried > 50  # many people were pending for more than a day


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32), step=st.sampled_from([0.5, 3.0, 20.0]))
def test_the_stream_is_the_whole_run_on_random_scenarios(sc, seed, step):
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=seed, replication=0)
    if pop.n == 0:
        return
    lo = float(np.floor(pop.booked_at[0]))
    _check(ctx, pop, np.arange(lo + step, float(sc.horizon), step))

