"""The census and metrics from batches of rows equal those of the whole bookings table.

Each stream is cut from a whole table so that it keeps the contract of
:mod:`jailsim.results.running`: a batch holds the rows that left between the previous
frontier and its own (shuffled), the people still in at the horizon come last, and each batch
names the booking times of the rows still to come booked before its frontier.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.experiments.replication import run_replication
from jailsim.model.context import Context
from jailsim.results import quantiles
from jailsim.results.census import daily_census
from jailsim.results.metrics import METRICS, replication_metrics
from jailsim.results.running import RunningResults

#: Relative tolerance of every float (census days, metrics); counts are exact. Achieved:
#: below 2e-13 on these tables.
RTOL = 1e-9
#: Absolute slack of a day's census (bed-days): a day with a sliver of people above capacity
#: or on hold is a small difference of large running integrals in the whole-table census.
ATOL_DAY = 1e-9

# (scenario, changes): steady-state warm start and none; base_county's capacity lowered
# so that people are boarded out; wso_igsa keeps ICE's detainees in the jail.
TABLES = {
    "jem": ("jem.yaml", {"warm_start": {"kind": "steady_state"}}),
    "wso": ("wso.yaml", {"warm_start": {"kind": "none"}, "warmup": "20d"}),
    "base_county": ("base_county.yaml",
                    {"warm_start": {"kind": "steady_state"}, "jail.rated_capacity": 480}),
    "wso_igsa": ("wso_igsa.yaml",
                 {"warm_start": {"kind": "none"}, "warmup": "10d", "jail.rated_capacity": 300}),
}


@cache
def _run(name: str, horizon: str = "120d"):
    """A scenario's Context and the whole bookings table of one replication."""
    path, changes = TABLES[name]
    sc = jailsim.load(f"jailsim:{path}").with_({"horizon": horizon, **changes})
    ctx = Context.build(sc)
    bookings, _, _ = run_replication(ctx, 11, 2, "vector")
    return ctx, bookings


def _whole(ctx: Context, b: pd.DataFrame):
    sc = ctx.scenario
    census = daily_census(b, sc.horizon, sc.jail.rated_capacity, sc.start_date)
    return census, replication_metrics(ctx, b, census)


def _stream(b: pd.DataFrame, frontiers, rng: np.random.Generator, early: float = 0.0):
    """Batches of ``b`` that keep the contract: (rows, frontier, pending booking times).

    Batch k holds the rows that left in [frontier k-1, frontier k), shuffled; those still in
    at the horizon come in the last batch (frontier +inf). With ``early``, that share of the
    rows is handed in at a random earlier batch, before they leave.
    """
    f = np.sort(np.asarray(frontiers, dtype=float))
    k = len(f)
    exit_, booked = b["exit_at"].to_numpy(), b["booked_at"].to_numpy()
    batch = np.where(np.isnan(exit_), k, np.searchsorted(f, exit_, side="right"))
    if early:
        move = rng.random(len(b)) < early
        batch[move] = rng.integers(0, batch[move] + 1)
    for i in range(k + 1):
        frontier = f[i] if i < k else np.inf
        rows = rng.permutation(np.flatnonzero(batch == i))
        yield b.iloc[rows], frontier, rng.permutation(booked[(batch > i) & (booked < frontier)])


def _feed(ctx: Context, batches) -> RunningResults:
    running = RunningResults(ctx)
    for part, frontier, pending in batches:
        running.add(part, frontier, pending)
    return running


def _assert_equal(running: RunningResults, ctx: Context, b: pd.DataFrame, exact=False):
    """The running census and metrics are the whole table's (counts exactly)."""
    census, metrics = _whole(ctx, b)
    got_census, got = running.census(), running.metrics()
    assert list(got_census.columns) == list(census.columns)
    for col in census.columns:
        if exact or col in ("day", "date"):
            pd.testing.assert_series_equal(got_census[col], census[col], check_exact=True)
        else:
            np.testing.assert_allclose(got_census[col], census[col], rtol=RTOL, atol=ATOL_DAY,
                                       err_msg=col)
    assert list(got) == list(metrics)
    for name, want in metrics.items():
        if np.isnan(want):
            assert np.isnan(got[name]), name
        elif exact or METRICS[name][0] == "count":
            assert got[name] == want, name
        else:
            assert got[name] == pytest.approx(want, rel=RTOL, abs=0), name


@pytest.mark.parametrize("name", TABLES)
def test_the_whole_table_in_order_as_one_batch_is_the_whole_table_functions(name):
    ctx, b = _run(name)
    _assert_equal(_feed(ctx, [(b, np.inf, np.empty(0))]), ctx, b, exact=True)


def _frontiers(style: str, b: pd.DataFrame, horizon: float, rng: np.random.Generator):
    first = float(b["booked_at"].min())
    if style == "shuffled":  # one batch, rows in any order
        return []
    if style == "days":  # a batch a day
        return np.arange(0.0, horizon + 1.0)
    # random: some before day 0, repeated frontiers (empty batches), some past the horizon
    f = rng.uniform(first - 1.0, horizon + 2.0, 25)
    return np.concatenate([f, f[:3], [first - 5.0, horizon, horizon]])


@pytest.mark.parametrize("style", ["shuffled", "days", "random", "early"])
@pytest.mark.parametrize("name", TABLES)
def test_a_stream_gives_the_census_and_metrics_of_the_whole_table(name, style):
    ctx, b = _run(name)
    rng = np.random.default_rng(len(b))
    frontiers = _frontiers("random" if style == "early" else style, b, ctx.scenario.horizon, rng)
    batches = list(_stream(b, frontiers, rng, early=0.2 if style == "early" else 0.0))
    assert sum(len(part) for part, _, _ in batches) == len(b)
    if style == "random":
        assert any(len(part) == 0 for part, _, _ in batches)  # empty batches are exercised
        assert any(len(pending) for _, _, pending in batches)
    _assert_equal(_feed(ctx, batches), ctx, b)


@pytest.mark.parametrize("name, horizon", [("wso", "25d"), ("jem", "4d")])
def test_one_row_per_batch(name, horizon):
    # Rows in order of their exits, each its own batch up to its own exit, an empty batch
    # now and then; the people still in come one by one at the horizon.
    ctx, b = _run(name, horizon)
    exit_, booked = b["exit_at"].to_numpy(), b["booked_at"].to_numpy()
    order = np.argsort(exit_, kind="stable")  # NaN last
    frontier = np.where(np.isnan(exit_[order]), ctx.scenario.horizon, exit_[order])

    def batches():
        for i, row in enumerate(order):
            to_come = order[i + 1:]
            pending = booked[to_come][booked[to_come] < frontier[i]]
            yield b.iloc[[row]], frontier[i], pending
            if i % 7 == 0:
                yield b.iloc[:0], frontier[i], pending
        yield b.iloc[:0], np.inf, np.empty(0)

    _assert_equal(_feed(ctx, batches()), ctx, b)


def test_a_lost_batch_changes_the_metrics():
    # The check can fail: a stream that never hands in one batch (told consistently of the
    # rows to come) gives the census and metrics of the table without that batch.
    ctx, b = _run("jem")
    rng = np.random.default_rng(5)
    frontiers = np.arange(0.0, 121.0, 10.0)
    exit_ = b["exit_at"].to_numpy()
    lost = (exit_ >= 40.0) & (exit_ < 50.0)
    assert lost.sum() > 100
    running = _feed(ctx, _stream(b[~lost], frontiers, rng))
    _assert_equal(running, ctx, b[~lost])
    with pytest.raises(AssertionError):
        _assert_equal(running, ctx, b)
    whole = _whole(ctx, b)[1]
    got = running.metrics()
    for name in ("releases_per_day", "bed_days", "mean_los_days", "detainers"):
        assert got[name] != pytest.approx(whole[name], rel=1e-6), name


def test_a_batch_lost_from_a_stream_is_refused():
    # Its rows were pending at earlier frontiers: their entries are counted, never their
    # exits, so the census left at the end is not the people still in at the horizon.
    ctx, b = _run("jem")
    batches = list(_stream(b, np.arange(0.0, 121.0, 10.0), np.random.default_rng(5)))
    del batches[5]
    running = RunningResults(ctx)
    with pytest.raises(ValueError, match="lost"):
        for part, frontier, pending in batches:
            running.add(part, frontier, pending)


def test_a_stream_that_breaks_the_contract_is_refused():
    ctx, b = _run("wso")
    exit_ = b["exit_at"].to_numpy()
    early, rest = b[exit_ < 30.0], b[~(exit_ < 30.0)]
    pending = rest["booked_at"].to_numpy()
    running = RunningResults(ctx)
    running.add(early, 30.0, pending[pending < 30.0])
    with pytest.raises(ValueError, match="census is known to day 30"):
        running.census()
    with pytest.raises(ValueError, match="before the previous"):
        running.add(rest.iloc[:0], 20.0, np.empty(0))  # a frontier going back
    with pytest.raises(ValueError, match="left before the previous frontier"):
        running.add(early.iloc[:1], 40.0, np.empty(0))  # a row that left before 30
    with pytest.raises(ValueError, match="pending booking"):
        running.add(rest.iloc[:0], 40.0, np.array([45.0]))  # booked after the frontier
    running.add(rest, np.inf, np.empty(0))
    with pytest.raises(ValueError, match="after the last batch"):
        running.add(rest.iloc[:0], np.inf, np.empty(0))
    _assert_equal(running, ctx, b)


def _held(obj, seen=None) -> int:
    """Values in the numpy arrays an accumulator holds (walking its attributes)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.size
    if isinstance(obj, dict):
        return sum(_held(v, seen) for v in obj.values())
    if isinstance(obj, list | tuple):
        return sum(_held(v, seen) for v in obj)
    if hasattr(obj, "__dict__") and type(obj).__module__.startswith("jailsim.results"):
        return sum(_held(v, seen) for k, v in vars(obj).items() if k != "ctx")
    return 0


def test_between_batches_only_days_and_the_quantiles_values_are_held(monkeypatch):
    monkeypatch.setattr(quantiles, "SETTLE", 200)  # a small run settles too
    ctx, b = _run("base_county")
    days = len(_whole(ctx, b)[0])
    sc = ctx.scenario
    left = b["exit_at"].between(sc.warmup, sc.horizon)
    hold_end = np.fmin(b["ice_custody_at"], b["exit_at"])
    ended = b["hold_start_at"].notna() & hold_end.between(sc.warmup, sc.horizon)
    # kept whole: the stays of people who left in the window, the lengths of holds ended
    # (twice: a quantile each); settled once past the warm-up, only those near each
    for settle, most in ((False, left.sum() + 2 * ended.sum()), (True, 0.6 * left.sum())):
        running = RunningResults(ctx, settle=settle)
        for part, frontier, pending in _stream(b, np.arange(0.0, 121.0),
                                               np.random.default_rng(1)):
            running.add(part, frontier, pending)
            values = sum(len(v) for _, q in running._sums.quantiles.values() for v in q.kept)
            assert _held(running) <= 10 * (days + 1) + values
        assert values <= most < len(b)
        if not settle:
            assert values == most
