"""Sampling a Population a span of booking times at a time gives the rows of the whole sample.

``Population.sample(..., span=(a, b))`` must hold exactly the rows of the whole Population
(``span=None``) booked in ``[a, b)``: every array bit for bit, in the same order, with the
booking ids of the whole sample, for every warm start and booking source, and must draw the
bookings of its own days alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import numpy as np
import pytest

import jailsim
from jailsim.engines.roster import roster_draws
from jailsim.model import draws as draws_module
from jailsim.model.arrivals import ArrivalDays
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.model.spans import booking_days

SEED, REP = 7, 3


def _roster_people(sc, served_days) -> list[dict]:
    """Inline roster rows booked ``served_days`` before the scenario's start."""
    start = dt.datetime.combine(sc.start_date, dt.time())
    return [{"booked": (start - dt.timedelta(days=float(a))).isoformat()} for a in served_days]


def _steady(name: str, horizon: str = "60d", history: str = "20d"):
    return jailsim.load(f"jailsim:{name}").with_(
        {"horizon": horizon, "warm_start": {"kind": "steady_state", "history": history}})


def _none(name: str, horizon: str = "90d"):
    return jailsim.load(f"jailsim:{name}").with_(
        {"horizon": horizon, "warmup": "10d", "warm_start": {"kind": "none"}})


def _roster(name: str, horizon: str = "60d"):
    sc = jailsim.load(f"jailsim:{name}").with_({"horizon": horizon})
    served = [0.25, 0.5, 1.0, 2.0, 2.0, 3.5, 6.0, 9.0, 14.0, 30.0, 45.5, 80.0]
    return sc.with_(warm_start={"kind": "roster", "people": _roster_people(sc, served)})


#: name -> (scenario, whether the history is trimmed by the Context)
CASES = {
    "jem_steady_trimmed": lambda: (_steady("jem.yaml"), True),
    "jem_steady_whole": lambda: (_steady("jem.yaml"), False),
    "wso_none": lambda: (_none("wso.yaml"), False),
    "base_county_steady_trimmed": lambda: (_steady("base_county.yaml", "70.5d", "15.3d"), True),
    "task_force_steady_trimmed": lambda: (_steady("task_force.yaml", "64.25d"), True),
    "task_force_none": lambda: (_none("task_force.yaml", "61d"), False),
    "pickup_slows_dated": lambda: (_steady("ice_pickup_slows.yaml", "130d", "10d"), True),
    "wso_igsa_steady": lambda: (_steady("wso_igsa.yaml", "60d", "10d"), True),
    "jem_roster": lambda: (_roster("jem.yaml"), True),
    "task_force_roster": lambda: (_roster("task_force.yaml", "45.5d"), True),
}

_cache: dict[str, tuple] = {}


def _case(name: str):
    """The scenario, sample arguments and whole Population of a case (made once)."""
    if name not in _cache:
        sc, trimmed = CASES[name]()
        ctx = Context.build(sc)
        kwargs = {"context": ctx if trimmed else None}
        if sc.warm_start.kind == "roster":
            kwargs["roster"] = roster_draws(ctx, SEED, REP)
        _cache[name] = sc, kwargs, Population.sample(sc, SEED, REP, **kwargs)
    return _cache[name]


def _assert_same(expected: Population, got: Population, ids: np.ndarray) -> None:
    """Every field equal, bit for bit (NaNs alike), dtypes and shapes too; ids ``ids``."""
    assert got.replication == expected.replication
    for f in fields(Population):
        if f.name in ("replication", "booking_id"):
            continue
        a, b = getattr(expected, f.name), getattr(got, f.name)
        if a is None:
            assert b is None, f.name
            continue
        assert a.dtype == b.dtype and a.shape == b.shape, (f.name, a.dtype, b.dtype, a.shape,
                                                            b.shape)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f.name
    assert got.booking_id is not None and got.booking_id.dtype == np.int64
    np.testing.assert_array_equal(got.booking_id, ids)
    if expected.booking_id is not None:
        np.testing.assert_array_equal(got.booking_id, expected.booking_id)


def _joined(pops: list[Population]) -> Population:
    """Populations one after another, as one."""
    arrays = {}
    for f in fields(Population):
        if f.name == "replication":
            continue
        parts = [getattr(p, f.name) for p in pops]
        arrays[f.name] = None if parts[0] is None else np.concatenate(parts, axis=-1)
    return Population(replication=pops[0].replication, **arrays)


def _cuts(first: int, end: int, step: float | None) -> list[float]:
    """Cuts covering [first, end): every ``step`` days, or odd float cuts (``None``)."""
    if step is not None:
        return [*np.arange(first, end, step).tolist(), float(end)]
    inner = np.sort(np.random.default_rng(1).uniform(first, end, 9)).tolist()
    return [-np.inf, first - 3.7, *inner, 0.0, 0.5, end + 2.25, np.inf]


@pytest.mark.parametrize("step", [1, 7, 30, None], ids=["1d", "7d", "30d", "odd"])
@pytest.mark.parametrize("name", list(CASES))
def test_spans_one_after_another_give_the_whole_sample(name, step):
    sc, kwargs, full = _case(name)
    first, end = booking_days(sc, kwargs.get("roster"))
    assert full.n and first <= full.booked_at.min() and full.booked_at.max() < end
    cuts = sorted(set(_cuts(first, end, step)))
    pops = [Population.sample(sc, SEED, REP, span=(a, b), **kwargs)
            for a, b in zip(cuts, cuts[1:], strict=False)]
    _assert_same(full, _joined(pops), full.ids())


@pytest.mark.parametrize("name", list(CASES))
def test_a_span_is_the_rows_of_the_whole_sample(name):
    sc, kwargs, full = _case(name)
    first, end = booking_days(sc, kwargs.get("roster"))
    t = full.booked_at
    spans = [
        (-5.0, 3.0),  # across day 0: history or roster and run
        (first + 2.3, first + 4.1),  # within the history (or the first days)
        (t[len(t) // 2], t[len(t) // 2 + 5]),  # from one booking to another, exactly
        (np.nextafter(t[10], np.inf), t[40]),
        (17.0, 18.0),
        (end - 1.5, end + 40.0),  # past the horizon
        (first - 100.0, first - 50.0),  # before everything: empty
        (5.0, 5.0),  # empty
        (-np.inf, np.inf),  # everything
    ]
    for a, b in spans:
        mask = (a <= t) & (t < b)
        got = Population.sample(sc, SEED, REP, span=(a, b), **kwargs)
        _assert_same(full.rows(mask), got, full.ids()[mask])


def test_booking_days_cover_history_horizon_and_roster():
    sc = _steady("jem.yaml", "60.5d", "20.2d")
    assert booking_days(sc) == (-21, 61)
    assert booking_days(_none("wso.yaml", "90d")) == (0, 90)
    roster = _roster("jem.yaml")
    assert booking_days(roster) == (-80, 60)  # 80 days served: the earliest booking
    _, kwargs, _ = _case("jem_roster")
    assert booking_days(roster, kwargs["roster"]) == (-80, 60)


def test_a_far_span_draws_its_own_days_alone(monkeypatch):
    """Only the span's bookings are drawn; times are made for its days and the day before."""
    sc = _steady("task_force.yaml", "300d", "200d")
    ctx = Context.build(sc)
    drawn, timed = [], []
    real_draws, real_times = draws_module.draw_chunk, ArrivalDays.times

    def draws(sc, stream, source, booked_at, *args):
        drawn.append(len(booked_at))
        return real_draws(sc, stream, source, booked_at, *args)

    def times(self, i, j):
        out = real_times(self, i, j)
        timed.append(len(out))
        return out

    monkeypatch.setattr(draws_module, "draw_chunk", draws)
    monkeypatch.setattr(ArrivalDays, "times", times)
    a, b = 250.0, 252.0
    got = Population.sample(sc, SEED, REP, span=(a, b), context=ctx)
    monkeypatch.undo()
    full = Population.sample(sc, SEED, REP, context=ctx)
    whole = Population.sample(sc, SEED, REP)
    mask = (a <= full.booked_at) & (full.booked_at < b)
    _assert_same(full.rows(mask), got, full.ids()[mask])
    assert sum(drawn) == got.n > 0  # the draws of the span's bookings alone
    # The times of days 249 to 251 of the run's two sources alone: three days of 500.
    days = np.isin(np.floor(whole.booked_at), [249, 250, 251])
    assert sum(timed) == np.count_nonzero(days) < whole.n / 50


def test_a_span_with_history_trims_as_the_whole_history_does():
    """The trimmed history's rows are those the whole sample keeps, ids as in the untrimmed."""
    sc, kwargs, full = _case("jem_steady_trimmed")
    whole = Population.sample(sc, SEED, REP)  # nothing trimmed
    first, _ = booking_days(sc)
    got = Population.sample(sc, SEED, REP, span=(first, 0.0), **kwargs)
    assert 0 < got.n < np.count_nonzero(whole.booked_at < 0)
    np.testing.assert_array_equal(whole.booked_at[got.booking_id], got.booked_at)
    np.testing.assert_array_equal(whole.u_pickup[got.booking_id], got.u_pickup)


def test_a_span_of_nan_is_refused():
    sc, kwargs, _ = _case("wso_none")
    with pytest.raises(ValueError, match="span"):
        Population.sample(sc, SEED, REP, span=(float("nan"), 3.0), **kwargs)
