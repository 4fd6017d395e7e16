"""Same seed, same result; a change to one part moves only the draws of that part."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.model.population import Population


def test_same_seed_same_bookings():
    a = jailsim.simulate("scenarios/jem.yaml", seed=9, days=120, warmup_days=20, engine="des")
    b = jailsim.simulate("scenarios/jem.yaml", seed=9, days=120, warmup_days=20, engine="des")
    pd.testing.assert_frame_equal(a.bookings, b.bookings)
    c = jailsim.simulate("scenarios/jem.yaml", seed=10, days=120, warmup_days=20, engine="des")
    assert not a.bookings["booked_at"].equals(c.bookings["booked_at"])


def test_replication_streams_do_not_depend_on_how_many_replications():
    a = jailsim.simulate("scenarios/wso.yaml", seed=4, replications=3, days=90, warmup_days=10)
    b = jailsim.simulate("scenarios/wso.yaml", seed=4, replications=1, days=90, warmup_days=10)
    pd.testing.assert_frame_equal(
        a.bookings[a.bookings.replication == 0].reset_index(drop=True), b.bookings
    )


def test_changing_pickup_delay_moves_only_pickup_draws():
    sc = jailsim.load("scenarios/jem.yaml").with_(horizon="200d", warmup="20d")
    other = sc.with_({"ice.pickup_delay": {"dist": "exponential", "mean": "30h"}})
    a = Population.sample(sc, seed=1, replication=0)
    b = Population.sample(other, seed=1, replication=0)
    changed = set()
    for f in dataclasses.fields(Population):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if not np.array_equal(x, y):
            changed.add(f.name)
    assert changed == {"pickup_delay"}


@pytest.mark.parametrize("path", ["scenarios/jem.yaml", "scenarios/task_force.yaml"])
def test_results_do_not_depend_on_the_chunk_size(path, monkeypatch):
    """Long arrays are worked through in chunks (jailsim.base.chunks): draws (generators advanced
    to each chunk), court dates and the counterfactual must not see the chunk size."""
    from jailsim.base import chunks
    from jailsim.experiments.replication import run_replication
    from jailsim.model.context import Context

    sc = jailsim.load(path).with_(horizon="100d", warmup="0d")
    ctx = Context.build(sc)

    def run():
        pops = [Population.sample(sc, 4, 2), Population.sample(sc, 4, 2, context=ctx)]
        return pops, run_replication(ctx, 4, 2, "vector")

    (whole, (b1, c1, m1)) = run()
    monkeypatch.setattr(chunks, "CHUNK", 97)
    (chunked, (b2, c2, m2)) = run()
    for a, b in zip(whole, chunked, strict=True):
        assert a.n > 10 * 97
        for f in dataclasses.fields(Population):
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert (x is None and y is None) or np.array_equal(x, y), f.name
    pd.testing.assert_frame_equal(b1, b2)
    pd.testing.assert_frame_equal(c1, c2)
    pd.testing.assert_series_equal(pd.Series(m1), pd.Series(m2))


def test_a_replication_s_parts_are_the_same_bytes_in_any_run(tmp_path):
    """Part r of a table depends on the scenario, the seed and r alone: the same bytes in a
    run of 3 replications on 2 workers and in a run of 2 saved from memory."""
    small = {"seed": 4, "days": 90, "warmup_days": 10, "engine": "vector"}
    jailsim.simulate("scenarios/wso.yaml", replications=3, out=tmp_path / "three", workers=2,
                     **small)
    jailsim.simulate("scenarios/wso.yaml", replications=2, **small).save(tmp_path / "two")
    for name in ("bookings", "census"):
        three = sorted(p.name for p in (tmp_path / "three" / f"{name}.parquet").iterdir())
        two = sorted(p.name for p in (tmp_path / "two" / f"{name}.parquet").iterdir())
        assert three[:2] == two and len(three) == 3
        for part in two:
            assert ((tmp_path / "three" / f"{name}.parquet" / part).read_bytes()
                    == (tmp_path / "two" / f"{name}.parquet" / part).read_bytes()), part
        first, last = (tmp_path / "three" / f"{name}.parquet" / p for p in three[::2])
        assert first.read_bytes() != last.read_bytes()
