"""The SimPy engine's own pieces: the officers' line, events per booking, the collector."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import simpy

from jailsim.engines import des, events
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.model.timetable import WeeklyStep
from tests.conftest import infinite_server

HOUR = 1.0 / 24.0


def _serve(step, requests, work, cancels=()):
    """Run an Officers line: ``requests`` (who, when), ``work`` per person, ``cancels``."""
    env = simpy.Environment()
    log = []

    def start(who):
        log.append((who, env.now))
        env.process(busy(who))

    def busy(who):
        yield env.timeout(work[who])
        officers.release()

    def at(when, action):
        yield env.timeout(when)
        action()

    officers = events.Officers(env, step, start)
    for who, when in requests:
        env.process(at(when, lambda who=who: officers.request(who)))
    for who, when in cancels:
        env.process(at(when, lambda who=who: log.append((who, "left", officers.cancel(who)))))
    env.run(until=30.0)
    return log


def test_officers_finish_their_work_when_the_timetable_drops():
    # Monday 00:00-08:00 two officers, one after. a and b start at once; at 08:00 both are
    # still busy (overtime); c starts only when the number busy falls below one: when b ends.
    step = WeeklyStep([0, 8 * 60], [2, 1])
    log = _serve(step, [("a", 0.0), ("b", 0.0), ("c", 0.0)], {"a": 0.5, "b": 0.6, "c": 0.1})
    assert log == [("a", 0.0), ("b", 0.0), ("c", 0.6)]


def test_an_officer_done_at_the_end_of_a_shift_starts_nobody_new():
    # One officer Monday 00:00-08:00. a's screening ends exactly at 08:00, the release comes
    # before the timetable's own event of that instant: b still waits for next Monday, as in
    # the vector engine's line (found by the randomized engines-equal test, fixed screening).
    step = WeeklyStep([0, 8 * 60], [1, 0])
    assert step.next_change(0.0) == 8 * HOUR
    log = _serve(step, [("a", 0.0), ("b", 0.0)], {"a": 8 * HOUR, "b": HOUR})
    assert log == [("a", 0.0), ("b", 7.0)]


def test_officers_start_when_the_timetable_rises_and_skip_who_left():
    # No officer before 08:00 Monday. d leaves the line before then, e is served at 08:00,
    # then f; an officer who has started is not taken back by a late cancel.
    step = WeeklyStep([0, 8 * 60], [0, 1])
    log = _serve(
        step,
        [("d", 1 * HOUR), ("e", 2 * HOUR), ("f", 3 * HOUR)],
        {"d": 1.0, "e": 2 * HOUR, "f": 1 * HOUR},
        cancels=[("d", 4 * HOUR), ("e", 9 * HOUR)],
    )
    assert log == [
        ("d", "left", True),
        ("e", pytest.approx(8 * HOUR, abs=1e-12)),
        ("e", "left", False),
        ("f", pytest.approx(10 * HOUR, abs=1e-12)),
    ]


def _screened_stays(n_days="200d"):
    """Everyone screened by two officers, then held to disposition; no detainer possible."""
    return infinite_server(
        rate="40/day",
        horizon=n_days,
        warmup="20d",
        stay="10d",
        program="jem",
        **{
            "arrivals.bookings.foreign_born": 1.0,
            "jem.officers": 2,
            "jem.shifts": [],
            "jem.queue_delay": "0h",
            "jem.p_lodge": 0.0,
            "jem.p_lodge_citizen": 0.0,
            "jem.screening_time": {"dist": "exponential", "mean": "48min"},
            "biometric.p_lodge": 0.0,
        },
    )


def test_a_booking_with_no_possible_detainer_is_three_events(monkeypatch):
    """Arrival, end of screening, release: no event for steps that cannot change anything."""
    sc = _screened_stays()
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=1, replication=0)
    assert not pop.remote_lodge.any() and not pop.jem_lodge.any()
    steps = 0
    step = simpy.Environment.step

    def counting(env):
        nonlocal steps
        steps += 1
        step(env)

    monkeypatch.setattr(simpy.Environment, "step", counting)
    timeline = des.run(ctx, pop)
    assert np.isfinite(timeline.screen_start_at).all()  # everyone was screened
    assert pop.n > 5000
    assert 3 * pop.n <= steps <= 3 * pop.n + 5  # + the officers' timetable process


@pytest.mark.parametrize("collecting", [True, False])
def test_the_collector_is_off_during_the_run_and_restored_after(collecting, monkeypatch):
    sc = _screened_stays("30d")
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=1, replication=0)
    seen = []
    step = simpy.Environment.step

    def watching(env):
        seen.append(gc.isenabled())
        step(env)

    monkeypatch.setattr(simpy.Environment, "step", watching)
    was = gc.isenabled()
    try:
        gc.enable() if collecting else gc.disable()
        des.run(ctx, pop)
        assert gc.isenabled() is collecting
    finally:
        gc.enable() if was else gc.disable()
    assert seen and not any(seen)


def test_an_officer_coming_on_duty_at_a_deadline_is_too_late():
    """Ties: a WSO shift starts at Wed 00:00, exactly the business-hours cap of holds that
    start at the weekend. Service must start before the cap (the vector engine's rule), so
    those holds lapse on both engines, and everyone behind them is served at the same times."""
    from jailsim.engines import vector
    from tests.conftest import base
    from tests.engines.conftest import assert_same_timeline

    sc = base().with_({
        "horizon": "60d", "warmup": "5d", "program": "wso",
        "arrivals.bookings.rate": "40/day", "arrivals.bookings.foreign_born": 1.0,
        "arrivals.bookings.removable_given_noncitizen": 1.0,
        "arrivals.bookings.dhs_record_given_noncitizen": 1.0,
        "arrivals.bookings.citizen_given_foreign_born": 0.0,
        "honor.policy": "all", "honor.refusal_probability": 0.0, "hold.rule": "business_48h",
        "wso.officers": 1,
        "wso.shifts": [{"days": "Wed", "start": "00:00", "end": "04:00", "officers": 1}],
        "wso.custody_cap": "72h", "warm_start": {"kind": "none"},
    })
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=0, replication=0)
    a, b = des.run(ctx, pop), vector.run(ctx, pop)
    cap = np.array([ctx.hold.cap(float(x)) for x in a.hold_start_at])
    at_cap = np.isfinite(a.hold_start_at) & (cap % 7 == 2.0)  # a Wednesday 00:00 cap
    assert at_cap.sum() > 0
    assert not (a.warrant_start_at[at_cap] == cap[at_cap]).any()  # nobody starts at the cap
    assert_same_timeline(a, b, tol=0.0)
