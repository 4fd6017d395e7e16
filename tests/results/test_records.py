"""Conservation, censoring and the hold cap, on the records of both engines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.engines import ENGINES, des, vector
from jailsim.experiments.replication import bookings_frame
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.results.census import daily_census, presence, step_integral

EXITS = {"released", "ice_transfer", "lapsed", "prison", "cancelled", "censored"}


@pytest.fixture(scope="module")
def jem_run():
    return jailsim.simulate("scenarios/jem_wso.yaml", seed=21, replications=2, days=300,
                            warmup_days=60, engine="vector")


def test_every_booking_has_exactly_one_exit_or_is_censored(jem_run):
    b = jem_run.bookings
    assert set(b.exit_reason.unique()) <= EXITS
    assert b.exit_reason.notna().all()
    done = b.exit_reason != "censored"
    assert b.loc[done, "exit_at"].notna().all()
    assert b.loc[~done, "exit_at"].isna().all()
    assert (b.loc[done, "exit_at"] >= b.loc[done, "booked_at"]).all()
    horizon = jem_run.scenario.horizon
    np.testing.assert_allclose(
        b.loc[~done, "los_days"], horizon - b.loc[~done, "booked_at"], rtol=0, atol=1e-9
    )
    assert (b.groupby("replication").booking_id.count() > 0).all()


def test_nothing_is_recorded_after_the_horizon(jem_run):
    b = jem_run.bookings
    horizon = jem_run.scenario.horizon
    for col in b.columns:
        if col.endswith("_at"):
            assert (b[col].dropna() <= horizon).all(), col


def test_outcomes_decided_after_the_horizon_are_pending():
    """The table shows a decision only if it was made by the horizon (no peeking ahead)."""
    sc = jailsim.load("scenarios/jem.yaml").with_({"horizon": "60d", "warmup": "0d"})
    ctx = Context.build(sc)
    pop = Population.sample(sc, 1, 0, context=ctx)
    tl = ENGINES["vector"](ctx, pop)
    b = bookings_frame(ctx, pop, tl)
    rows = np.flatnonzero(tl.exit_at >= 0)  # the bookings the table holds, in its order
    later = tl.initial_appearance_at[rows] > sc.horizon
    assert later.sum() > 0  # some first appearances fall after the horizon
    np.testing.assert_array_equal(b["pretrial_decision"] == "pending", later)
    # "none": released before any disposition, known only once bail was posted or
    # recognizance granted by the horizon; a bond still pending leaves the sentence pending
    bond_later = tl.bond_decided_at[rows] > sc.horizon
    no_disposition = np.isnan(tl.disposition_at[rows])
    assert (bond_later & no_disposition).sum() > 0  # would have shown "none" before
    np.testing.assert_array_equal(b["sentence"] == "none", no_disposition & ~bond_later)
    assert (b.loc[b["bond_outcome"] == "pending", "sentence"] == "pending").all()


def test_a_stay_ratio_over_zero_days_is_nan(jem_run):
    """Tables read back or made by hand may hold zero-day stays: no division by zero."""
    from jailsim.results.metrics import replication_metrics

    b = jem_run.bookings
    b = b[(b.replication == 0) & b.exit_at.notna() & (b.booked_at > jem_run.scenario.warmup)]
    held = b.detainer_source != "none"
    sub = pd.concat([b[~held].head(1), b[held].head(1)])
    sub.loc[sub.index[0], ["exit_at", "los_days"]] = [sub["booked_at"].iloc[0], 0.0]
    ctx = Context.build(jem_run.scenario)
    census = daily_census(sub, jem_run.scenario.horizon, 1e9, jem_run.scenario.start_date)
    m = replication_metrics(ctx, sub, census)
    assert m["mean_los_days_no_detainer"] == 0.0 and np.isnan(m["los_ratio_detainer"])


def test_census_rebuilt_from_bookings_equals_the_des_census_log():
    sc = jailsim.load("scenarios/jem.yaml").with_(horizon="200d", warmup="20d")
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=2, replication=0)
    timeline, log = des.run_logged(ctx, pop)
    b = bookings_frame(ctx, pop, timeline)
    edges = np.arange(0.0, 201.0)
    from_log = step_integral(log[:, 0], log[:, 1], edges)
    census = daily_census(b, sc.horizon, sc.jail.rated_capacity, sc.start_date)
    np.testing.assert_allclose(census["census"].to_numpy(), from_log, rtol=0, atol=1e-6)
    # and the census counts every person once: its integral is the sum of stays
    stays = np.minimum(b.exit_at.fillna(sc.horizon), sc.horizon) - np.maximum(b.booked_at, 0)
    assert census["census"].sum() == pytest.approx(stays.sum(), rel=1e-9)


def test_step_integral_by_hand():
    # one person from 0.5 to 2.25, one from 1.0 on: N = 1 on [0.5,1), 2 on [1,2.25), 1 after
    t, d = presence(np.array([0.5, 1.0]), np.array([2.25, np.nan]))
    got = step_integral(t, d, np.array([0.0, 1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got, [0.5, 2.0, 0.25 * 2 + 0.75])
    over = step_integral(t, d, np.array([0.0, 1.0, 2.0, 3.0]), cap=1.0)
    np.testing.assert_allclose(over, [0.0, 1.0, 0.25])


@pytest.mark.parametrize("rule", ["calendar_48h", "business_48h"])
def test_holds_never_exceed_the_cap(rule):
    sc = jailsim.load("scenarios/jem.yaml").with_(
        {"hold.rule": rule, "ice.p_pickup": 0.5, "horizon": "300d", "warmup": "30d"}
    )
    res = jailsim.simulate(sc, seed=8, engine="vector")
    b = res.bookings
    held = b[b.hold_start_at.notna() & b.exit_at.notna()]
    assert len(held) > 30
    cap = Context.build(sc).hold.cap(held.hold_start_at.to_numpy())
    assert (held.exit_at.to_numpy() <= cap + 1e-9).all()
    if rule == "calendar_48h":
        assert held.hold_hours.max() <= 48 + 1e-6
    # lapses end exactly at the cap; transfers no later
    lapsed = held.exit_reason == "lapsed"
    np.testing.assert_allclose(held.exit_at[lapsed], cap[lapsed.to_numpy()], atol=1e-9)


def test_pickup_after_the_cap_is_a_lapse():
    sc = jailsim.load("scenarios/jem.yaml").with_(
        {"ice.p_pickup": 1.0, "ice.pickup_delay": "60h", "ice.p_cancel": 0.0, "horizon": "200d",
         "warmup": "20d"}
    )
    b = jailsim.simulate(sc, seed=1, engine="vector").bookings
    held = b[b.hold_start_at.notna() & (b.exit_reason != "censored")]
    assert len(held) > 10
    assert (held.exit_reason == "lapsed").all()
    np.testing.assert_allclose(held.hold_hours, 48.0, atol=1e-6)


def test_decline_policy_holds_no_one():
    b = jailsim.simulate("scenarios/decline_detainers.yaml", seed=4, days=200, warmup_days=20,
                         engine="vector").bookings
    assert b.hold_start_at.isna().all()
    assert (b.detainer_source != "none").sum() > 10


def test_bookings_table_columns(jem_run):
    required = {
        "replication", "booking_id", "stream", "booked_at", "charge", "foreign_born",
        "removable", "screened_at", "detainer_at", "detainer_source", "bond_outcome",
        "release_eligible_at", "hold_hours", "exit_at", "exit_reason", "los_days",
    }
    assert required <= set(jem_run.bookings.columns)
    assert isinstance(jem_run.bookings.exit_reason.dtype, pd.CategoricalDtype)


def test_the_table_built_while_releasing_its_inputs_is_the_same_table():
    """run_replication builds the table from Recorded with release=True (to save memory):
    the same table as bookings_frame, with the Timeline and Recorded emptied as it goes."""
    from jailsim.results.records import Recorded, table

    sc = jailsim.load("scenarios/jem_wso.yaml").with_(horizon="200d", warmup="20d")
    ctx = Context.build(sc)
    pop = Population.sample(sc, 3, 0, context=ctx)
    timeline = ENGINES["vector"](ctx, pop)
    expected = bookings_frame(ctx, pop, timeline)
    recorded = Recorded.of(pop, timeline, vector.exit_without_detainers(ctx, pop, timeline))
    got = table(ctx, recorded, timeline, release=True)
    pd.testing.assert_frame_equal(got, expected)
    assert all(a is None for a in timeline.arrays().values())
    assert recorded.people == {}


def test_census_from_sorted_bookings_merges_exits_into_the_entries():
    """daily_census sorts only the exits when the bookings are in booking order: the same
    integrals as sorting every event, ties between entries and exits included."""
    from jailsim.results.census import _integrals, _presence_steps, _steps

    rng = np.random.default_rng(5)
    enter = np.sort(np.round(rng.uniform(-5, 30, 5000), 1))  # many ties
    leave = np.round(enter + rng.exponential(3.0, len(enter)), 1)
    leave[rng.random(len(enter)) < 0.1] = np.nan  # still in
    edges = np.arange(0.0, 31.0)
    both = _steps(*presence(enter, leave)), _presence_steps(enter, leave)
    for cap in (0.0, 40.0):
        a, b = (_integrals(*s, edges, cap) for s in both)
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(both[0][0], both[1][0])  # the same change times


def test_the_readme_names_every_column_of_the_bookings_table(jem_run):
    from tests.conftest import REPO

    text = (REPO / "README.md").read_text()
    start = text.index("`bookings.parquet` columns:")
    listed = text[start:text.index("\n\n", start)]
    missing = [c for c in jem_run.bookings.columns if f"`{c}`" not in listed]
    assert not missing, f"README's bookings.parquet columns lack {missing}"
