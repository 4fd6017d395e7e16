"""Dated policy changes: the past stays as it was; each change applies from its date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re

import numpy as np
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.engines import des, vector
from jailsim.model.clock import Clock
from jailsim.model.context import Context
from jailsim.model.policy import DatedStep, Periods
from jailsim.model.population import Population
from jailsim.model.timeline import CODE_FIELDS, TIME_FIELDS
from jailsim.model.timetable import WeeklyStep
from jailsim.results.breakdown import metrics_by_period, period_metrics
from jailsim.results.metrics import METRICS, replication_metrics
from jailsim.scenario.loading import validate

DAY = 60  # the change: 2025-03-07, day 60 of a run starting Mon 6 Jan 2025
DATE = "2025-03-07"


def _base(**changes):
    return jailsim.load("scenarios/no_287g.yaml").with_(
        {"horizon": "150d", "warmup": "10d", **changes}
    )


def _timelines(sc):
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=11, replication=0)
    return ctx, pop, vector.run(ctx, pop), des.run(ctx, pop)


def _same_before(a, b, day):
    """Everything that happened before ``day`` is the same in Timelines a and b."""
    for f in TIME_FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        early = (x < day) | (y < day)
        np.testing.assert_array_equal(x[early], y[early], err_msg=f)
    gone = a.exit_at < day
    assert gone.sum() > 500
    for f in CODE_FIELDS:
        np.testing.assert_array_equal(getattr(a, f)[gone], getattr(b, f)[gone], err_msg=f)


@pytest.mark.parametrize("program", ["jem", "wso", "jem+wso"])
def test_a_program_starting_mid_horizon_leaves_the_period_before_identical(program):
    without = _base()
    with_program = _base(changes=[{"from": DATE, "set": {"program": program}}])
    ctx0, pop0, vec0, des0 = _timelines(without)
    ctx1, pop1, vec1, des1 = _timelines(with_program)
    for f in dataclasses.fields(Population):  # same draws
        np.testing.assert_array_equal(getattr(pop0, f.name), getattr(pop1, f.name), f.name)
    _same_before(vec0, vec1, DAY)
    _same_before(des0, des1, DAY)
    # and it does change what comes after
    if "jem" in program:
        assert np.nanmin(vec1.screen_start_at) >= DAY
        assert (vec1.detainer_source == 2).sum() > 0
    if "wso" in program:
        assert np.nanmin(vec1.warrant_start_at) >= DAY


def test_metrics_of_the_period_before_equal_a_run_without_the_program():
    without = jailsim.simulate(_base(), seed=11, engine="vector")
    sc = _base(changes=[{"from": DATE, "set": {"program": "jem"}}])
    res = jailsim.simulate(sc, seed=11, engine="vector")
    per = period_metrics(Context.build(sc), res.bookings, res.census)
    assert list(per["period"]) == ["2025-01-06", DATE]
    assert list(per["from_day"]) == [10.0, DAY] and list(per["to_day"]) == [DAY, 150.0]
    ref = replication_metrics(Context.build(without.scenario), without.bookings,
                              without.census, window=(10.0, DAY))
    before = per.iloc[0]
    for name in METRICS:
        np.testing.assert_allclose(before[name], ref[name], equal_nan=True, err_msg=name)
    table = metrics_by_period(res)
    assert table.loc[(DATE, "detainers_jem"), "mean"] > 0
    assert table.loc[("2025-01-06", "detainers_jem"), "mean"] == 0


def test_periods_count_an_event_at_a_change_instant_once():
    """Under business_48h a hold begun on a weekend lapses exactly at a midnight; a change
    applies from the midnight its date starts. Count metrics over the periods add up to the
    whole window's, the event at the boundary counted in the period it starts."""
    from jailsim.results.metrics import ADDITIVE

    base = jailsim.load("scenarios/regulation_hold.yaml").with_(
        {"horizon": "200d", "warmup": "10d"})
    for seed in range(2, 12):  # the first seed with a hold that lapses at a midnight
        exits = jailsim.simulate(base, seed=seed, engine="vector").bookings["exit_at"].to_numpy()
        at_midnight = exits[(exits == np.floor(exits)) & (exits > 20) & (exits < 190)]
        if len(at_midnight):
            break
    day = int(at_midnight[0])
    date = (base.start_date + dt.timedelta(days=day)).isoformat()
    same = base.honor.refusal_probability  # a change that changes nothing
    sc = base.with_({"changes": [{"from": date, "set": {"honor.refusal_probability": same}}]})
    res = jailsim.simulate(sc, seed=seed, engine="vector")
    assert (res.bookings["exit_at"] == day).any()  # an exit at the boundary
    per = period_metrics(Context.build(sc), res.bookings, res.census)
    assert list(per["to_day"]) == [day, 200.0]
    whole = res.metrics.iloc[0]
    counts = [m for m in ADDITIVE if METRICS[m][0] in ("count", "bed-days")]
    np.testing.assert_allclose(per[counts].sum(skipna=False).to_numpy(),
                               whole[counts].to_numpy(dtype=float),
                               rtol=1e-12, atol=1e-9)
    released = (per["releases_per_day"] * (per["to_day"] - per["from_day"])).sum()
    assert released == pytest.approx(whole["releases_per_day"] * 190, rel=1e-12)


def test_each_dated_parameter_applies_from_its_date():
    sc = jailsim.load("scenarios/jem_wso.yaml").with_(
        horizon="150d",
        warmup="10d",
        changes=[
            {"from": DATE, "set": {"jem.officers": 0, "jem.shifts": [],
                                   "honor.policy": "none"}},
            {"from": "2025-04-21", "set": {"honor.policy": "all", "hold.rule": "business_48h",
                                           "ice.transport": {"times": ["10:00"]},
                                           "ice.p_pickup": 1.0}},
        ],
    )
    ctx, pop, t, t_des = _timelines(sc)
    np.testing.assert_allclose(t.exit_at, t_des.exit_at, atol=1e-9)
    second = 105  # 2025-04-21
    # no officer on duty from the first change: no interview starts in the second period
    starts = t.screen_start_at[~np.isnan(t.screen_start_at)]
    assert (starts < DAY).all() and (starts < DAY).sum() > 50
    # no one is held in the second period; holds before and after
    holds = t.hold_start_at[~np.isnan(t.hold_start_at)]
    assert not ((holds >= DAY) & (holds < second)).any()
    assert (holds < DAY).sum() > 5 and (holds >= second).sum() > 5
    # third period: ICE always comes, on the 10:00 run
    later = (t.hold_start_at >= second) & (t.exit_reason == 1)
    minutes = np.round((t.exit_at[later] % 1) * 1440)
    assert later.sum() > 5 and (minutes == 600).all()
    # calendar caps before, business-day caps in the third period: a hold from Thursday noon
    # ends Saturday noon; from Friday noon, the weekend does not count: Tuesday noon
    cap = ctx.hold.cap(np.array([10.5, second + 4.5]))
    assert cap[0] == 12.5 and cap[1] == second + 8.5


@pytest.mark.parametrize(
    "changes, message",
    [
        ([{"from": "2024-12-01", "set": {"program": "jem"}}], "must be after start_date"),
        ([{"from": "2030-01-01", "set": {"program": "jem"}}], "before the end of the run"),
        ([{"from": "2025-03-01", "set": {"program": "jem"}},
          {"from": "2025-02-01", "set": {"program": "none"}}], "dates must increase"),
        ([{"from": "2025-03-01", "set": {"bond.detainer_factor": 0.5}}],
         "cannot change 'bond.detainer_factor' on a date \\(allowed: program, jem.officers"),
        ([{"from": "2025-03-01", "set": {"honor.policy": "sometimes"}}],
         "changes\\[0\\] \\(from 2025-03-01\\): honor.policy: got 'sometimes'"),
        ([{"from": "2025-03-01", "set": {}}], "changes.0.set"),
    ],
)
def test_bad_changes_are_one_line_each(changes, message):
    with pytest.raises(ScenarioError, match=message) as info:
        _base(changes=changes)
    assert all("\n" not in line for line in info.value.lines)


def test_a_program_needs_its_block_in_every_period():
    sc = _base()
    data = sc.to_dict()
    del data["jem"]
    data["changes"] = [{"from": DATE, "set": {"program": "jem"}}]
    with pytest.raises(ScenarioError, match="needs a 'jem' block"):
        validate(data)


def test_changes_survive_the_resolved_dump(tmp_path):
    sc = jailsim.load("scenarios/sb8_wso.yaml")
    again = validate(sc.to_dict())
    assert again == sc
    assert again.changes[0].values == {"program": "wso"}


def test_dated_step_is_the_timetable_in_force():
    clock = Clock("2025-01-06")
    day = WeeklyStep([8 * 60, 16 * 60], [2, 0], clock.week_offset)  # Monday 08-16 only
    step = DatedStep(Periods([-math.inf, 10.0, 20.0]),
                     [day, WeeklyStep.constant(0), WeeklyStep.constant(3)])
    assert step.at(0.5) == 2 and step.at(0.7) == 0 and step.at(12.0) == 0 and step.at(25) == 3
    assert step.next_change(0.1) == pytest.approx(8 / 24)
    assert step.next_change(9.0) == 10.0 and step.next_change(12.0) == 20.0
    assert step.next_change(25.0) == math.inf
    times, values = step.changes(0.0, 30.0)
    assert list(values) == [2, 0, 2, 0, 0, 3]
    np.testing.assert_allclose(times, [1 / 3, 2 / 3, 7 + 1 / 3, 7 + 2 / 3, 10.0, 20.0])
    assert step.integral(0.0, 30.0) == pytest.approx(2 * 2 / 3 + 3 * 10)
    np.testing.assert_array_equal(step.at(np.array([0.5, 12.0, 25.0])), [2, 0, 3])
    assert step.max() == 3


def test_periods_command(tmp_path, capsys):
    import argparse

    from jailsim.cli.explain import add_parsers

    res = jailsim.simulate("scenarios/sb8_wso.yaml", seed=1, replications=2, days=200,
                           warmup_days=0, engine="vector")
    res.save(tmp_path / "run")
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["periods", str(tmp_path / "run"), "--metrics", "adp,holds"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    days = {m.group(1): int(m.group(3))
            for m in re.finditer(r"^(\d{4}-\d\d-\d\d)\s+(\w+)\s+(\d+)$", out, re.M)}
    assert days == {"2025-09-01": 122, "2026-01-01": 78}
    assert "from 2025-09-01" in out and "2026-01-01 per day" in out
