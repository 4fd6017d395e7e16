"""A replication run in chunks gives the tables of the whole run, whatever the chunks.

The stream engine hands out rows as their timelines are known; the bookings table put back
in booking order is the whole run's, bit for bit, and the census and metrics summed batch by
batch are the whole table's to rounding (sums taken in another order: 1e-9 relative here,
about 1e-13 measured). A run without tables gives the same metrics, bit for bit, as one with.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.experiments import replication
from jailsim.experiments.replication import run_replication, stream_replication
from jailsim.model.context import Context
from jailsim.results import quantiles, tablefiles
from tests.conftest import SCENARIOS

SEED = 5


def _scenario(name: str, **changes):
    """A shipped scenario, shortened (a history of 300 days: fewer chunks to run)."""
    return jailsim.load(SCENARIOS / name).with_({
        "horizon": "150d", "warmup": "20d",
        "warm_start": {"kind": "steady_state", "history": "300d"}, **changes})


def _roster(sc):
    """``sc`` started from a roster: the people in custody at day 0 of one of its runs."""
    b, _, _ = run_replication(Context.build(sc), SEED, 0, "vector", chunked=False)
    start = pd.Timestamp(sc.start_date)
    held = b[(b.booked_at < 0) & ~(b.exit_at <= 0)].head(60)
    people = [{"id": f"p{k}", "booked": (start + pd.to_timedelta(t, unit="D")).isoformat(),
               "charge": c} for k, (t, c) in enumerate(zip(held.booked_at, held.charge,
                                                          strict=True))]
    return sc.with_(warm_start={"kind": "roster", "people": people})


def _assert_same_results(whole, streamed):
    (b0, c0, m0), (b1, c1, m1) = whole, streamed
    pd.testing.assert_frame_equal(b1, b0)  # bit for bit
    pd.testing.assert_frame_equal(c1, c0, check_exact=False, rtol=1e-9, atol=1e-9)
    assert m1.keys() == m0.keys()
    for k, v in m0.items():
        if np.isnan(v):
            assert np.isnan(m1[k]), k
        else:
            assert m1[k] == pytest.approx(v, rel=1e-9, abs=1e-9), k


@pytest.mark.parametrize("name", ["jem.yaml", "jem_wso.yaml", "wso_igsa.yaml", "task_force.yaml"])
def test_chunks_give_the_whole_run(name):
    ctx = Context.build(_scenario(name))
    whole = run_replication(ctx, SEED, 0, "vector", chunked=False)
    for days in (3, 40):
        _assert_same_results(whole, stream_replication(ctx, SEED, 0, days=days))


@pytest.mark.filterwarnings("ignore::jailsim.engines.roster.RosterWarning")
def test_chunks_give_the_whole_run_from_a_roster():
    ctx = Context.build(_roster(_scenario("jem_wso.yaml")))
    whole = run_replication(ctx, SEED, 1, "vector", chunked=False)
    _assert_same_results(whole, stream_replication(ctx, SEED, 1, days=3))


@pytest.mark.parametrize("days", [2, 25])
def test_a_table_written_as_it_comes_is_the_whole_runs_file(monkeypatch, days):
    """Streamed to a file in chunks, a row group at a time, the table is the bytes of the
    whole run's table written at once; the census and metrics are the kept table's."""
    monkeypatch.setattr(tablefiles, "ROW_GROUP_ROWS", 300)  # many row groups, cut anywhere
    sc = _scenario("jem.yaml")
    ctx = Context.build(sc)
    meta = tablefiles.table_metadata(sc)
    whole, _, _ = run_replication(ctx, SEED, 0, "vector", chunked=False)
    kept = stream_replication(ctx, SEED, 0, days=days)
    buf = io.BytesIO()
    with tablefiles.TableWriter(buf, meta) as sink:
        none, census, metrics = stream_replication(ctx, SEED, 0, days=days, sink=sink)
    assert none is None and sink.rows == len(whole) > 5 * 300
    assert buf.getvalue() == tablefiles.encode(whole, meta)
    _assert_same_results(kept, (kept[0], census, metrics))  # summed in the same order


def test_rows_are_handed_on_in_booking_order_once_nothing_before_them_is_pending():
    rng = np.random.default_rng(3)
    ids = rng.permutation(1000)
    got = []
    order = replication.InBookingOrder(got.append)
    cuts = np.sort(rng.choice(1000, 12, replace=False))
    seen = 0
    for part in np.split(ids, cuts):
        seen += len(part)
        order.add(pd.DataFrame({"booking_id": part}), int(ids[seen:].min(initial=10**9)))
        out = np.concatenate([g.booking_id.to_numpy() for g in got])
        # everything handed on so far is sorted, and everything smaller than what is still
        # to come: no row is handed on before one that precedes it
        assert (np.diff(out) > 0).all() and out.max(initial=-1) < ids[seen:].min(initial=10**9)
    assert (out == np.arange(1000)).all()


@pytest.mark.parametrize("seed", range(5))
def test_rows_of_batches_shaped_as_the_stream_gives_them_come_out_in_order(seed):
    """A batch holds earlier chunks' pending bookings now known, then its chunk's known ones
    in order; some of each wait. Handed on: every row once, in order, each at the first
    batch after which nothing before it waits."""
    rng = np.random.default_rng(seed)
    got, pending = [], np.empty(0, dtype=np.int64)
    order = replication.InBookingOrder(got.append)
    edges = np.sort(rng.choice(np.arange(1, 3000), 15, replace=False))
    for a, b in zip(np.r_[0, edges], np.r_[edges, 3000], strict=True):
        pool = np.r_[pending, np.arange(a, b)]
        waits = rng.random(len(pool)) < (0.0 if b == 3000 else rng.choice([0.0, 0.01, 0.3]))
        pending = pool[waits]
        first = int(pending.min()) if len(pending) else 2**62
        order.add(pd.DataFrame({"booking_id": pool[~waits], "x": pool[~waits] * 2.0}), first)
        out = np.concatenate([g.booking_id.to_numpy() for g in got])
        assert (np.diff(out) > 0).all()
        assert len(out) == min(first, b)  # every row before the first that waits
    assert (out == np.arange(3000)).all()
    assert all((g.x.to_numpy() == 2.0 * g.booking_id.to_numpy()).all() for g in got)


@pytest.mark.parametrize("name", ["jem.yaml", "task_force.yaml"])
def test_quantiles_settle_past_the_warm_up_and_their_windows_hold(monkeypatch, name):
    """On shipped scenarios the windows are fixed (a small SETTLE, as a large run has)
    and hold: no second run, the whole run's quantiles exactly."""
    monkeypatch.setattr(quantiles, "SETTLE", 100)
    fixed = []
    fix = quantiles.Quantile._fix
    monkeypatch.setattr(quantiles.Quantile, "_fix", lambda self: fixed.append(self.q) or fix(self))
    ctx = Context.build(_scenario(name, horizon="1000d"))  # ten times the warm-up's values
    _, _, whole = run_replication(ctx, SEED, 0, "vector", chunked=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", replication.QuantileRerun)
        _, _, streamed = stream_replication(ctx, SEED, 0, days=20, tables=False)
    assert sorted(fixed) == [0.5, 0.5, 0.9]  # every quantile settled once
    for k in ("median_los_days", "hold_hours_p50", "hold_hours_p90"):
        assert streamed[k] == whole[k] or (np.isnan(whole[k]) and np.isnan(streamed[k])), k


def test_a_quantile_window_missed_makes_the_metrics_again_keeping_every_value(monkeypatch):
    """Values that drift past a quantile's window never give a guess: the metrics are
    made once more with every value kept, the whole run's to rounding."""
    ctx = Context.build(_scenario("jem.yaml"))
    whole = run_replication(ctx, SEED, 0, "vector", chunked=False)
    value, settles = quantiles.Quantile.value, []

    def missed(self):
        settles.append(self.settle)
        if self.settle is not None:
            raise quantiles.WindowMissed("as if drifted")
        return value(self)

    monkeypatch.setattr(quantiles.Quantile, "value", missed)
    monkeypatch.setattr(quantiles, "SETTLE", 50)  # settles in this short run
    with pytest.warns(replication.QuantileRerun, match="replication 0: the values"):
        again = stream_replication(ctx, SEED, 0, days=7)
    _assert_same_results(whole, again)
    assert settles[0] is not None and settles[-1] is None


def test_a_run_without_tables_has_the_metrics_of_one_with_them():
    ctx = Context.build(_scenario("jem.yaml"))
    b, c, m = stream_replication(ctx, SEED, 0, days=10)
    none, c2, m2 = stream_replication(ctx, SEED, 0, days=10, tables=False)
    assert none is None
    pd.testing.assert_frame_equal(c2, c)
    assert m2 == m or all(np.isnan(m[k]) and np.isnan(m2[k]) for k in m if m[k] != m2[k])


def test_vector_replications_run_in_chunks_and_des_whole(monkeypatch):
    ctx = Context.build(_scenario("jem.yaml"))
    seen = []
    real = replication.stream_replication
    monkeypatch.setattr(replication, "stream_replication",
                        lambda *a, **k: seen.append(1) or real(*a, **k))
    run_replication(ctx, SEED, 0, "vector")
    assert seen == [1]
    run_replication(ctx, SEED, 0, "des")
    assert seen == [1]
    with pytest.raises(ValueError, match="only the vector engine runs in chunks"):
        run_replication(ctx, SEED, 0, "des", chunked=True)


def test_a_chunk_size_follows_the_booking_rate():
    sc = _scenario("jem.yaml")
    slow = replication.chunk_days(Context.build(sc))
    fast = replication.chunk_days(Context.build(sc.with_({"arrivals.bookings.rate": "20000/day"})))
    assert fast < slow and fast * 20000 == pytest.approx(replication.CHUNK_BOOKINGS, rel=0.1)
