"""The static rules of the jail (model/rules.py) against their definitions, scalar and array.

Both engines and the history trimming, attribution, metrics and explain call these rules; the
SimPy engine calls some with one booking at a time (scalars), the vector engine with arrays.
Each test states the rule from its definition on a Population's draws and checks both forms.
"""

from __future__ import annotations

import numpy as np
import pytest

import jailsim
from jailsim.model import rules
from jailsim.model.codes import BAIL, HONOR_CODES, ROR, SENTENCE_JAIL, SENTENCE_TIME_SERVED
from jailsim.model.context import Context
from jailsim.model.population import Population


@pytest.fixture(scope="module")
def drawn():
    sc = jailsim.load("scenarios/sb8_wso.yaml").with_(
        {"program": "jem", "honor.refusal_probability": 0.2, "horizon": "400d",
         "warm_start": {"kind": "none"}, "changes": [
             {"from": "2025-11-01", "set": {"honor.policy": "felony_only",
                                            "ice.p_pickup": 0.9}},
             {"from": "2026-02-01", "set": {"honor.policy": "none"}}]}
    )
    ctx = Context.build(sc)
    return ctx, Population.sample(sc, seed=5, replication=0, context=ctx)


def test_court_path_follows_its_definition(drawn):
    ctx, pop = drawn
    sc = ctx.scenario
    path = rules.CourtPath(ctx, pop)
    ia = ctx.court.next_session(pop.booked_at + sc.court.min_time_to_appearance)
    np.testing.assert_array_equal(path.appearance, ia)
    disposition = np.maximum(ia, pop.booked_at + pop.time_to_disposition.astype(float))
    np.testing.assert_array_equal(path.disposition, disposition)
    np.testing.assert_array_equal(path.post_at, ia + pop.post_delay.astype(float))
    after = np.select(
        [pop.sentence == SENTENCE_TIME_SERVED, pop.sentence == SENTENCE_JAIL],
        [pop.release_processing, pop.jail_days], pop.prison_delay,
    ).astype(float)
    for detained in (False, True):
        at = np.full(pop.n, -np.inf if detained else np.inf)  # lodged at booking, or never
        pretrial, in_time, posts = path.decide(at)
        expect_pretrial = np.where(detained & pop.ror_lost, BAIL, pop.pretrial)
        np.testing.assert_array_equal(pretrial, expect_pretrial)
        pts = [sc.charges[c].pretrial for c in sc.charge_names]
        post = np.array([p.post for p in pts])[pop.charge]
        factor = np.array([sc.bond.detainer_factor if p.detainer_factor is None
                           else p.detainer_factor for p in pts])[pop.charge]
        chance = post * factor if detained else post
        expect_posts = (pretrial == BAIL) & (path.post_at < disposition) & (pop.u_post < chance)
        np.testing.assert_array_equal(posts, expect_posts)
        leave = np.where(pretrial == ROR, ia + pop.release_processing,
                         np.where(posts, path.post_at, disposition + after))
        np.testing.assert_array_equal(path.leave(pretrial, posts), leave)
    assert (path.decide(None)[0] == pop.pretrial).all()  # no detainer has any effect


def test_a_detainer_turns_release_on_recognizance_into_bail_only_where_the_draws_say():
    pretrial = np.array([ROR, ROR, BAIL], dtype=np.int8)
    lost = np.array([True, False, False])
    assert rules.pretrial_decision(pretrial, lost, True).tolist() == [BAIL, ROR, BAIL]
    assert rules.pretrial_decision(pretrial, lost, False).tolist() == [ROR, ROR, BAIL]
    assert rules.pretrial_decision(pretrial, lost, np.array([False, True, True])).tolist() == [
        ROR, ROR, BAIL]
    assert float(rules.chance_of_ror(0.5, 0.2, True)) == 0.1
    assert float(rules.chance_of_posting(0.5, 0.2, False)) == 0.5


def test_walking_out_waits_for_an_interview_begun_before_leaving():
    leave = np.array([10.0, 10.0, 10.0, 10.0])
    start = np.array([np.nan, 9.0, 9.0, 10.0])  # none; begun before; begun before; at leaving
    end = np.array([np.nan, 9.5, 10.5, 10.5])
    assert rules.walks_out_at(leave, start, end).tolist() == [10.0, 10.0, 10.5, 10.0]


def test_hold_and_pickup_rules_agree_scalar_and_array_in_every_period(drawn):
    ctx, pop = drawn
    policy = ctx.policy
    assert policy.periods.n == 3
    t = np.linspace(-10.0, 390.0, pop.n)  # times across all three periods
    held = rules.held_for_ice(policy, t, pop.felony, pop.u_refuse)
    k = policy.periods.of(t)
    code = policy.honor[k]
    expect = ((code == HONOR_CODES["all"])
              | ((code == HONOR_CODES["felony_only"]) & pop.felony)) & (
        pop.u_refuse >= policy.refusal[k])
    np.testing.assert_array_equal(held, expect)
    assert held.any() and not held.all()
    comes = rules.ice_comes(policy, k, pop.u_pickup)
    np.testing.assert_array_equal(comes, pop.u_pickup < policy.p_pickup[k])
    rows = np.arange(pop.n)
    ready = rules.ice_ready_at(policy, k, t, pop, rows)
    for i in range(0, pop.n, max(pop.n // 300, 1)):  # the SimPy engine's scalar calls
        assert bool(rules.held_for_ice(policy, float(t[i]), pop.felony[i], pop.u_refuse[i])) \
            == held[i]
        assert bool(rules.ice_comes(policy, int(k[i]), pop.u_pickup[i])) == comes[i]
        assert float(rules.ice_ready_at(policy, int(k[i]), float(t[i]), pop, i)) == ready[i]


def test_jem_screens_the_foreign_born_booked_while_it_is_in_force():
    sc = jailsim.load("scenarios/sb8_wso.yaml").with_(
        {"changes": [{"from": "2026-01-01", "set": {"program": "jem"}}]})
    policy = Context.build(sc).policy
    day = (np.datetime64("2026-01-01") - np.datetime64(str(sc.start_date))).astype(int)
    booked = np.array([day - 0.5, day, day + 3.0])
    foreign = np.array([True, True, False])
    anything = np.array([SENTENCE_TIME_SERVED, SENTENCE_JAIL, SENTENCE_JAIL])
    assert rules.jem_screens(policy, foreign, booked, anything).tolist() == [False, True, False]
    assert not rules.jem_screens(policy, True, float(day - 1), SENTENCE_JAIL)
    assert rules.jem_screens(policy, True, float(day), SENTENCE_TIME_SERVED)


def test_jem_after_sentence_screens_those_sentenced_to_jail_from_their_disposition():
    booking = jailsim.load("scenarios/jem.yaml")
    sentence = booking.with_({"jem.screens_at": "sentence"})
    codes = np.array([SENTENCE_TIME_SERVED, SENTENCE_JAIL, -1])
    booked, disposed = np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, np.nan])
    assert rules.jem_screens(Context.build(booking).policy, True, booked, codes).all()
    assert rules.jem_screens(Context.build(sentence).policy, True, booked, codes).tolist() \
        == [False, True, False]
    delay = booking.jem.queue_delay
    np.testing.assert_array_equal(rules.screen_ready_at(booking, booked, disposed),
                                  booked + delay)
    np.testing.assert_array_equal(rules.screen_ready_at(sentence, booked, disposed),
                                  disposed + delay)


def test_detainer_factors_are_the_charge_class_own_else_the_bond_block():
    sc = jailsim.load("scenarios/base_county.yaml")
    post, ror = rules.detainer_factors(sc)
    names = list(sc.charge_names)
    assert post[names.index("felony")] == sc.bond.detainer_factor
    assert ror[names.index("felony")] == sc.bond.detainer_ror_factor
    assert post[names.index("misdemeanor")] == 1.0 == ror[names.index("misdemeanor")]
    sc2 = sc.with_({"charges.felony.pretrial.detainer_factor": 0.5, "bond.detainer_factor": 0.1})
    post2, _ = rules.detainer_factors(sc2)
    assert post2[names.index("felony")] == 0.5 and post2[names.index("misdemeanor")] == 1.0


def test_a_detainer_leaves_misdemeanor_bail_alone_and_lowers_felony_posting():
    # Same draws, effects on and off: with the base county's factors (misdemeanor 1), the
    # misdemeanor bookings post exactly as without a detainer; felony ones post less.
    sc = jailsim.load("scenarios/base_county.yaml").with_(horizon="200d")
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=2, replication=0)
    path = rules.CourtPath(ctx, pop)
    every = np.zeros(len(pop.booked_at))  # a detainer lodged at time 0 for everyone
    _, _, posts_with = path.decide(every - 1e9)
    _, _, posts_without = path.decide(None)
    misd = pop.charge == list(sc.charge_names).index("misdemeanor")
    assert (posts_with[misd] == posts_without[misd]).all()
    assert posts_with[~misd].sum() < 0.5 * posts_without[~misd].sum()
