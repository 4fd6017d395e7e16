"""Legal regimes: who is held, who is only reported to ICE, and detainers ICE must lodge.

Each regime is run on both engines (they must agree) and checked against what it means:
a notification-only jail holds no one for a single hour; a judicial-warrant regime holds the
share of detainers that come with a warrant; a conviction-based regime cooperates only on
felonies and prior convictions; a void database-only detainer holds no one; and a charge-based
mandate lodges a detainer on every removable person identified with an eligible offense.
"""

from __future__ import annotations

import numpy as np
import pytest

import jailsim
from jailsim.engines import des, vector
from jailsim.experiments.replication import bookings_frame, sample_population
from jailsim.model.context import Context
from tests.conftest import SCENARIOS
from tests.engines.conftest import assert_same_timeline


def _scenario(**changes):
    """The JEM county, a year, many detainers; ICE ready at once when it comes."""
    base = {
        "horizon": "240d", "warmup": "0d", "warm_start": {"kind": "none"},
        "arrivals.bookings.foreign_born": 0.4,
        "arrivals.bookings.prior_conviction_given_noncitizen": 0.3,
        "ice.pickup_delay": "0h", "ice.p_pickup": 0.6, "ice.p_cancel": 0.0,
    }
    return jailsim.load(SCENARIOS / "jem.yaml").with_({**base, **changes})


def _run(**changes):
    ctx = Context.build(_scenario(**changes))
    pop = sample_population(ctx, seed=8, replication=0)
    tl = vector.run(ctx, pop)
    assert_same_timeline(des.run(ctx, pop), tl)
    return ctx, pop, tl, bookings_frame(ctx, pop, tl)


def _reached(b):
    """People with a detainer in force when due for release (not sent to prison)."""
    return b[b.detainer_source.ne("none") & b.release_eligible_at.notna()
             & b.exit_reason.ne("censored")]


def _binomial_ok(hits: int, n: int, p: float) -> bool:
    """``hits`` of ``n`` within four standard errors of ``n p``."""
    return abs(hits - n * p) <= 4 * np.sqrt(n * p * (1 - p)) + 1e-9


def test_notify_only_holds_no_one_and_ice_takes_its_share_at_the_door():
    _, _, _, b = _run(**{"honor.policy": "notify_only"})
    assert b.hold_start_at.isna().all()  # not one hour of hold
    r = _reached(b)
    door = r.exit_reason.eq("ice_transfer")
    assert len(r) > 150
    # ICE comes with p_pickup, ready at once: custody exactly at the release.
    assert _binomial_ok(int(door.sum()), len(r), 0.6)
    np.testing.assert_array_equal(r.ice_custody_at[door], r.exit_at[door])
    res = jailsim.simulate(_scenario(**{"honor.policy": "notify_only"}), seed=8,
                           engine="vector")
    m = res.metrics.iloc[0]
    assert m.hold_bed_days == 0.0 and m.holds == 0
    assert m.transfers_at_release == m.ice_transfers > 0


def test_judicial_warrant_only_holds_the_share_with_a_warrant():
    _, _, _, b = _run(**{"honor.policy": "judicial_warrant_only",
                         "honor.judicial_warrant_share": 0.25})
    r = _reached(b)
    held = r.hold_start_at.notna()
    assert len(r) > 150
    assert _binomial_ok(int(held.sum()), len(r), 0.25)
    assert r.exit_reason[~held].eq("released").all()  # no notification either


def test_convicted_only_reports_felonies_and_prior_convictions_and_holds_no_one():
    _, _, _, b = _run(**{"honor.policy": "convicted_only"})
    assert b.hold_start_at.isna().all()
    r = _reached(b)
    told = r.felony | r.prior_conviction
    door = r.exit_reason.eq("ice_transfer")
    assert door.sum() > 30 and (~told).sum() > 30
    assert told[door].all()  # ICE at the door only when the jail may tell it
    assert _binomial_ok(int(door.sum()), int(told.sum()), 0.6)


def test_a_void_database_only_detainer_holds_no_one():
    _, _, _, b = _run(**{"honor.database_only_void": True})
    r = _reached(b)
    remote = r.detainer_source.eq("remote")
    assert remote.sum() > 50 and r.detainer_source.eq("jem").sum() > 50
    assert r.hold_start_at[remote].isna().all()
    assert r.exit_reason[remote].eq("released").all()
    assert r.hold_start_at[r.detainer_source.eq("jem")].notna().mean() > 0.9  # refusals aside


def test_a_charge_based_mandate_lodges_on_every_eligible_booking():
    mandate = {
        "charges.felony.offenses": {"burglary": 0.15, "assault_officer": 0.05},
        "charges.misdemeanor.offenses": {"theft": 0.3, "shoplifting": 0.1},
        "ice.mandatory_offenses": ["theft", "shoplifting", "burglary", "assault_officer"],
        "biometric.p_lodge": 0.2, "jem.p_lodge": 0.2,
    }
    ctx, pop, _, b = _run(**mandate)
    names = np.array(ctx.scenario.offense_names)
    eligible = pop.removable & np.isin(names[pop.offense], mandate["ice.mandatory_offenses"])
    assert (eligible & pop.record_hit).sum() > 50 and (eligible & pop.jem_flagged).sum() > 50
    assert pop.remote_lodge[eligible & pop.record_hit].all()
    assert pop.jem_lodge[eligible & pop.jem_flagged].all()
    # Everyone else eligible by record or interview keeps the ordinary chance (0.2).
    other = pop.removable & pop.record_hit & ~eligible & ~pop.civil_only
    assert _binomial_ok(int(pop.remote_lodge[other].sum()), int(other.sum()), 0.2)
    # Offenses are drawn with their shares within each charge class.
    mis = b[b.charge.eq("misdemeanor")]
    assert _binomial_ok(int(mis.offense.eq("theft").sum()), len(mis), 0.3)
    assert not b.offense[b.charge.eq("felony")].isin(["theft", "shoplifting"]).any()
    m = jailsim.simulate(_scenario(**mandate), seed=8, engine="vector").metrics.iloc[0]
    assert 0 < m.mandatory_detainers < m.detainers


@pytest.mark.parametrize("bad, message", [
    ({"ice.mandatory_offenses": ["theft"]}, "ice.mandatory_offenses names ['theft']"),
    ({"charges.felony.offenses": {"other": 0.1}}, "not 'other'"),
    ({"charges.felony.offenses": {"theft": 0.7, "burglary": 0.6}}, "at most 1"),
    ({"honor.policy": "sometimes"}, "notify_only"),
])
def test_bad_regime_inputs_are_one_line_errors(bad, message):
    with pytest.raises(jailsim.ScenarioError) as err:
        jailsim.load(SCENARIOS / "jem.yaml").with_(bad)
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)
