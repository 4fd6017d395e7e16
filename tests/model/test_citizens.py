"""Detainers on U.S. citizens come only from database and screening errors, at their rates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import jailsim
from jailsim.model.codes import BAIL
from jailsim.model.codes import SENTENCE_JAIL as JAIL
from jailsim.model.codes import SENTENCE_PRISON as PRISON
from jailsim.model.population import Population
from tests.conftest import infinite_server


def _everyone_foreign_born(citizen_share: float, **extra):
    """M/G/inf jail where everyone is born abroad and stays 30 days: in custody when lodged."""
    return infinite_server(
        rate="40/day",
        stay="30d",
        horizon="200d",
        warmup="0d",
        **{
            "arrivals.bookings.foreign_born": 1.0,
            "arrivals.bookings.citizen_given_foreign_born": citizen_share,
            "biometric.delay": "1h",
            **extra,
        },
    )


def _within_se(count: int, n: int, q: float, k: float = 3.0) -> None:
    se = np.sqrt(n * q * (1 - q))
    assert abs(count - n * q) < k * se, (count, n * q, se)


def _lodged(res) -> tuple:
    """Bookings whose detainer (if any) is lodged before the horizon, and their detainers."""
    b = res.bookings
    b = b[b.booked_at < res.scenario.horizon - 1]
    return b, b.detainer_source.astype(str)


def test_no_error_no_citizen_detainer():
    sc = jailsim.load("scenarios/jem_wso.yaml").with_(
        {
            "horizon": "200d",
            "warmup": "20d",
            "arrivals.bookings.foreign_born": 0.6,
            "arrivals.bookings.citizen_given_foreign_born": 0.5,
            "biometric.citizen_record_hit": 0.0,
            "jem.p_lodge_citizen": 0.0,
        }
    )
    res = jailsim.simulate(sc, seed=2, replications=2, engine="vector")
    b = res.bookings
    assert (b.detainer_source[b.citizen] == "none").all()
    assert (b.detainer_source[~b.citizen] != "none").sum() > 100
    for name in ("citizen_detainers", "citizen_holds", "citizen_detainer_bed_days",
                 "citizen_attributable_bed_days"):
        assert (res.metrics[name] == 0).all(), name


def test_database_hits_on_citizens_match_their_expectation():
    h, p = 0.05, 0.5
    sc = _everyone_foreign_born(
        1.0, **{"biometric.citizen_record_hit": h, "biometric.p_lodge": p}
    )
    res = jailsim.simulate(sc, seed=4, engine="vector")
    b, source = _lodged(res)
    _within_se(int((source == "remote").sum()), len(b), h * p)
    assert (source[~b.record_hit] == "none").all()  # no detainer without a (false) hit
    _within_se(int(b.record_hit.sum()), len(b), h)
    # everyone is a citizen: the citizen metrics are the metrics
    m = res.metrics.iloc[0]
    assert m.citizen_detainers == m.detainers > 0
    assert m.citizen_holds == m.holds > 0
    assert m.citizen_attributable_bed_days == pytest.approx(m.attributable_bed_days)
    assert m.citizen_detainer_bed_days == pytest.approx(m.detainer_bed_days)


def test_jem_misclassifications_match_their_expectation():
    q = 0.05
    sc = _everyone_foreign_born(
        1.0,
        program="jem",
        **{
            "biometric.citizen_record_hit": 0.0,
            "jem.p_lodge_citizen": q,
            "jem.officers": 10,
            "jem.shifts": [],
            "jem.queue_delay": "0h",
        },
    )
    res = jailsim.simulate(sc, seed=6, engine="vector")
    b, source = _lodged(res)
    assert b.screened_at.notna().all()  # everyone screened: the expectation is exact
    _within_se(int((source == "jem").sum()), len(b), q)
    assert res.metrics.citizen_detainers.iloc[0] > 0


def test_missed_records_match_their_expectation():
    m = 0.2
    sc = _everyone_foreign_born(
        0.0,
        **{
            "arrivals.bookings.removable_given_noncitizen": 1.0,
            "arrivals.bookings.dhs_record_given_noncitizen": 1.0,
            "biometric.p_lodge": 1.0,
            "biometric.missed_record": m,
        },
    )
    res = jailsim.simulate(sc, seed=9, engine="vector")
    b, source = _lodged(res)
    _within_se(int((source == "none").sum()), len(b), m)
    assert (b.record_hit == (source == "remote")).all()
    assert res.metrics.citizen_detainers.iloc[0] == 0


@pytest.mark.parametrize(
    "change, moved",
    [
        ({"biometric.citizen_record_hit": 0.3}, {"record_hit", "remote_lodge"}),
        ({"biometric.missed_record": 0.3}, {"record_hit", "remote_lodge"}),
        ({"jem.p_lodge_citizen": 0.3}, {"jem_lodge"}),
    ],
)
def test_error_rates_move_only_their_own_draws(change, moved):
    """A duration is turned from its uniform only where a path of that booking may use it
    (zero elsewhere): compared where both populations use it, and zero where unused."""
    sc = jailsim.load("scenarios/jem.yaml").with_(horizon="200d", warmup="20d")
    a = Population.sample(sc, seed=1, replication=0)
    b = Population.sample(sc.with_(change), seed=1, replication=0)

    def used(pop: Population) -> dict[str, np.ndarray]:
        detainer = pop.remote_lodge | pop.jem_lodge
        return {
            "remote_delay": pop.remote_lodge,
            "screening_time": pop.jem_flagged,
            "nta_time": pop.jem_lodge,
            "jem_detainer_delay": pop.jem_lodge,
            "post_delay": (pop.pretrial == BAIL) | pop.ror_lost,
            "jail_days": pop.sentence == JAIL,
            "prison_delay": pop.sentence == PRISON,
            "pickup_delay": detainer,
            "cancel_delay": detainer,
            "service_time": detainer,
        }

    ua, ub = used(a), used(b)
    changed = set()
    for f in (f.name for f in dataclasses.fields(Population)):
        x, y = getattr(a, f), getattr(b, f)
        if f in ua:
            for pop, mask in ((x, ua[f]), (y, ub[f])):
                assert not pop[..., ~mask].any(), f  # zero where no path uses it
            both = ua[f] & ub[f]
            x, y = x[..., both], y[..., both]
        if not np.array_equal(x, y):
            changed.add(f)
    assert changed == moved
