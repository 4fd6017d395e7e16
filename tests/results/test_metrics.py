"""Metrics recomputed another way, or pinned by a scenario where their value is known."""

from __future__ import annotations

import numpy as np
import pytest

import jailsim
from jailsim.results.metrics import METRICS
from tests.conftest import REPO, SCENARIOS, infinite_server

ALL_ROR = {"ror": 1.0, "bail": 0.0, "post": 0.0, "post_delay": "1h"}
NONE_RELEASED = {"ror": 0.0, "bail": 0.0, "post": 0.0, "post_delay": "1h"}
# A detainer changes no pretrial decision.
NO_DETAINER_EFFECT = {"bond.detainer_factor": 1.0, "bond.detainer_ror_factor": 1.0}


def _run(scenario, **kw):
    return jailsim.simulate(scenario, seed=5, replications=2, engine="vector", **kw)


def _window(res, col):
    """Rows of each replication whose ``col`` falls in the measurement window."""
    sc = res.scenario
    v = res.bookings[col].to_numpy()
    return (v >= sc.warmup) & (v <= sc.horizon)


def test_hours_held_without_a_detainer_from_the_interview_times():
    # Long interviews that start at booking: people released on recognizance at their first
    # appearance are often still in one, and stay until it ends. No detainer can come, so
    # that is all the time anyone is kept past release.
    sc = jailsim.load(SCENARIOS / "jem.yaml").with_({
        "jem.officers": 200, "jem.shifts": [], "jem.queue_delay": "0h",
        "jem.screening_time": {"dist": "lognormal", "mean": "12h", "sd": "4h"},
        "jem.p_lodge": 0.0, "jem.p_lodge_citizen": 0.0, "biometric.p_lodge": 0.0,
        "charges.misdemeanor.pretrial": ALL_ROR,
    })
    res = _run(sc, days=120, warmup_days=20)
    b = res.bookings
    due, start, end = (b[c].to_numpy() for c in
                       ("release_eligible_at", "screened_at", "screen_end_at"))
    over = _window(res, "release_eligible_at") & (start < due) & (end > due)
    expected = np.bincount(b["replication"], weights=24.0 * np.where(over, end - due, 0.0))
    assert (expected > 100.0).all()  # the case is exercised
    np.testing.assert_allclose(res.metrics["held_without_detainer_hours"], expected, rtol=1e-12)


def test_no_one_is_held_without_a_detainer_without_jem():
    res = _run(SCENARIOS / "wso.yaml", days=60, warmup_days=10)
    assert (res.metrics["held_without_detainer_hours"] == 0).all()
    assert (res.metrics["at_large_leads"] == 0).all()


@pytest.mark.parametrize("ror, pending", [(True, "all"), (False, "none")])
def test_ice_transfers_with_charges_pending(ror, pending):
    # Released on recognizance: every transfer happens before the case is disposed. Held to
    # disposition: none does.
    pretrial = ALL_ROR if ror else NONE_RELEASED
    changes = {"ice.p_cancel": 0.0, "ice.p_pickup": 1.0, **NO_DETAINER_EFFECT}
    for charge in ("felony", "misdemeanor"):
        changes[f"charges.{charge}.pretrial"] = pretrial
        for k, v in {"time_served": 1.0, "jail": 0.0, "prison": 0.0}.items():
            changes[f"charges.{charge}.disposition.{k}"] = v
    res = _run(jailsim.load(SCENARIOS / "no_287g.yaml").with_(changes), days=90,
               warmup_days=20)
    m = res.metrics
    assert (m["ice_transfers"] >= 5).all()  # the case is exercised
    want = m["ice_transfers"] if pending == "all" else 0.0
    np.testing.assert_array_equal(m["ice_transfers_charges_pending"], want)


def test_us_born_detainers_come_from_flagging_the_us_born():
    # No one foreign-born; everyone flagged; every screened citizen wrongly lodged on; officers
    # at hand as soon as a person is booked: every detainer is on a U.S.-born citizen.
    changes = {"jem.p_flag_us_born": 1.0, "jem.p_lodge_citizen": 1.0, "jem.officers": 100,
               "jem.shifts": [], "jem.queue_delay": "0h", "program": "jem"}
    res = _run(infinite_server(horizon="60d", warmup="10d", **changes))
    m = res.metrics
    assert (m["us_born_detainers"] > 0).all()
    np.testing.assert_array_equal(m["us_born_detainers"], m["citizen_detainers"])
    np.testing.assert_array_equal(m["us_born_detainers"], m["detainers"])

    none = _run(infinite_server(horizon="60d", warmup="10d", **{**changes,
                                                                "jem.p_flag_us_born": 0.0}))
    assert (none.metrics["us_born_detainers"] == 0).all()


def test_pretrial_release_shares_split_by_the_detainer():
    # With everyone released on recognizance (a detainer changing nothing), both shares are
    # one; with no one released, zero.
    for pretrial, share in ((ALL_ROR, 1.0), (NONE_RELEASED, 0.0)):
        changes = {f"charges.{c}.pretrial": pretrial for c in ("felony", "misdemeanor")}
        changes.update(NO_DETAINER_EFFECT)
        res = _run(jailsim.load(SCENARIOS / "no_287g.yaml").with_(changes), days=60,
                   warmup_days=10)
        for col in ("pretrial_release_share_detainer", "pretrial_release_share_no_detainer"):
            np.testing.assert_array_equal(res.metrics[col], share)


def test_the_readme_lists_every_metric_as_metrics_defines_it():
    listed = {}
    for line in (REPO / "README.md").read_text().splitlines():
        cells = line.strip("|").split(" | ", 2)
        if line.startswith("| `") and len(cells) == 3:
            listed[cells[0].strip(" `")] = (cells[1], cells[2].rstrip(" |"))
    assert {k: listed.get(k) for k in METRICS} == METRICS
