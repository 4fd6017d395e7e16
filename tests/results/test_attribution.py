"""Detainer attribution: the counterfactual on the same draws."""

from __future__ import annotations

import numpy as np
import pytest

import jailsim


def _run(path, **changes):
    sc = jailsim.load(path).with_({"horizon": "400d", "warmup": "60d", **changes})
    return jailsim.simulate(sc, seed=12, engine="vector")


def test_no_detainer_effects_means_no_attribution():
    res = _run(
        "scenarios/jem.yaml",
        **{"bond.detainer_factor": 1.0, "bond.detainer_ror_factor": 1.0, "honor.policy": "none"},
    )
    b = res.bookings
    assert (b.detainer_source != "none").sum() > 50  # detainers exist, they just change nothing
    for col in ("attributable_days", "attributable_days_pre_release", "attributable_days_hold"):
        assert (b[col] == 0).all(), col
    for name in ("attributable_bed_days", "attributable_bed_days_pre_release",
                 "attributable_bed_days_hold"):
        assert res.metrics[name].iloc[0] == 0.0


def test_hold_only_attribution_equals_hold_hours():
    res = _run(
        "scenarios/wso.yaml", **{"bond.detainer_factor": 1.0, "bond.detainer_ror_factor": 1.0}
    )
    b = res.bookings
    held = b.hold_start_at.notna()
    assert held.sum() > 30
    np.testing.assert_allclose(b.attributable_days[held], b.hold_hours[held] / 24, atol=1e-9)
    assert (b.attributable_days_pre_release.abs() < 1e-9).all()
    assert (b.attributable_days[~held] == 0).all()
    m = res.metrics.iloc[0]
    assert m.attributable_bed_days_hold == pytest.approx(m.attributable_bed_days, abs=1e-6)
    assert abs(m.attributable_bed_days_hold - m.hold_bed_days) < 1e-6


def test_bond_effect_is_pre_release_and_nonnegative_in_total():
    res = _run("scenarios/no_287g.yaml", **{"honor.policy": "none"})
    b = res.bookings
    assert (b.attributable_days_hold == 0).all()
    det = b.detainer_source != "none"
    assert b.attributable_days[det].sum() > 0
    # without JEM there is no queue, so no one else's detainer moves anyone: exact zeros
    assert (b.attributable_days[~det] == 0).all()
    assert (b.attributable_days >= -1e-12).all()


@pytest.mark.parametrize(
    "path, change",
    [
        ("scenarios/wso.yaml", {}),  # no JEM line: only those a detainer may reach recomputed
        ("scenarios/jem.yaml", {"biometric.p_lodge": 0.0, "jem.p_lodge": 0.0,
                                "jem.p_lodge_citizen": 0.0}),  # a line, but no detainer
        ("scenarios/jem.yaml", {}),  # a line and detainers: computed in full
    ],
)
def test_counterfactual_taken_from_the_factual_run_where_no_detainer_reaches(path, change):
    from jailsim.engines import vector
    from jailsim.model.context import Context
    from jailsim.model.population import Population

    sc = jailsim.load(path).with_({"horizon": "200d", "warmup": "20d", **change})
    ctx = Context.build(sc)
    pop = Population.sample(sc, 4, 0, context=ctx)
    # The counterfactual is the engine run with every detainer effect off; its exits are
    # computed alone, and partly taken from the factual run when it is at hand.
    reference = vector.run(ctx, pop, detainer_effects=False).exit_at
    np.testing.assert_array_equal(vector.exit_without_detainers(ctx, pop), reference)
    np.testing.assert_array_equal(vector.exit_without_detainers(ctx, pop, vector.run(ctx, pop)),
                                  reference)
