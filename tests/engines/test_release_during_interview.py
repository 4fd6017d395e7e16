"""A person due for release while a JEM screening is under way (``jem.at_release``).

``finish``: the jail keeps them until the interview ends and, if it leads to a detainer,
until that detainer takes effect; the hold cap runs from the release all the same (I-247A:
"48 hours beyond the time he or she would otherwise have been released"), so the wait counts
against it and never extends it. ``release``: they leave; the interview is cut short, and a
detainer whose paperwork ends after they left is an at-large lead.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import jailsim
from jailsim.engines import des, vector
from jailsim.experiments.replication import sample_population
from jailsim.model.context import Context
from tests.conftest import SCENARIOS
from tests.engines.conftest import assert_same_timeline

ALL_ROR = {"ror": 1.0, "bail": 0.0, "post": 0.0, "post_delay": "1h"}


def _scenario(at_release: str):
    """Long interviews at once after booking, releases at the first appearance, and ICE that
    never comes or cancels: every hold lapses at the cap."""
    changes = {
        "horizon": "120d", "warmup": "0d", "warm_start": {"kind": "none"},
        "jem.officers": 50, "jem.shifts": [], "jem.queue_delay": "0h",
        "jem.screening_time": {"dist": "exponential", "mean": "12h"},
        "jem.detainer_delay": {"dist": "exponential", "mean": "1d"},
        "jem.at_release": at_release,
        "ice.p_pickup": 0.0, "ice.p_cancel": 0.0,
        "hold.rule": "calendar_48h", "hold.cap": "48h",
        "bond.detainer_ror_factor": 1.0,
    }
    for charge in ("felony", "misdemeanor"):
        changes[f"charges.{charge}.pretrial"] = ALL_ROR
    return jailsim.load(SCENARIOS / "jem.yaml").with_(changes)


@functools.cache
def _run(at_release: str):
    ctx = Context.build(_scenario(at_release))
    pop = sample_population(ctx, seed=4, replication=0)
    return ctx, pop, vector.run(ctx, pop)


@pytest.mark.parametrize("at_release", ["finish", "release"])
def test_the_engines_agree(at_release):
    ctx, pop, tl = _run(at_release)
    assert_same_timeline(des.run(ctx, pop), tl)


def test_finish_holds_within_the_cap_dated_from_the_release():
    _, _, tl = _run("finish")
    release = tl.release_eligible_at
    late = tl.exit_at > release + 1e-12  # kept past the release: interview, detainer, hold
    assert late.sum() > 100
    # Interviews that ran over: the person stayed to its end at least.
    over = (tl.screen_start_at < release) & (tl.screen_end_at > release)
    assert over.sum() > 50
    assert (tl.exit_at[over] >= tl.screen_end_at[over]).all()
    # Every hold lapses (ICE never comes), at exactly 48 h after the release, whenever the
    # detainer took effect and the hold started: the wait counted against the cap.
    held = ~np.isnan(tl.hold_start_at)
    waited = held & (tl.detainer_at > release)
    assert waited.sum() > 20
    np.testing.assert_allclose(tl.exit_at[held], release[held] + 2.0, rtol=0, atol=1e-9)
    # Kept for a detainer that came too late: out at the cap with none (or when an interview
    # that ran past the cap ends), the detainer a lead.
    timed_out = ~np.isnan(tl.lead_at) & (tl.exit_at > release + 1e-12) & ~held
    assert timed_out.sum() > 0
    np.testing.assert_allclose(tl.exit_at[timed_out],
                               np.fmax(release + 2.0, tl.screen_end_at)[timed_out], atol=1e-9)
    assert (tl.lead_at[timed_out] > tl.exit_at[timed_out]).all()


def test_release_cuts_the_interview_short_and_leaves_leads():
    _, pop, tl = _run("release")
    release = tl.release_eligible_at
    screened = ~np.isnan(tl.screen_start_at)
    cut = screened & (tl.screen_start_at + pop.screening_time > release)
    assert cut.sum() > 50
    # Cut short: the interview and the officer end at the release; no JEM detainer follows.
    np.testing.assert_array_equal(tl.screen_end_at[cut], release[cut])
    np.testing.assert_array_equal(tl.officer_free_at[cut], release[cut])
    assert np.isnan(tl.lead_at[cut]).all()
    # No one stays past the release but to be held on a detainer in force by then.
    held = ~np.isnan(tl.hold_start_at)
    np.testing.assert_array_equal(tl.exit_at[~held & ~np.isnan(release)],
                                  release[~held & ~np.isnan(release)])
    assert (tl.detainer_at[held] <= release[held]).all()
    # Interviews over in time whose detainer came after the person left: at-large leads.
    lead = ~np.isnan(tl.lead_at)
    assert lead.sum() > 20
    assert (tl.lead_at[lead] > tl.exit_at[lead]).all()
    assert np.isnan(tl.detainer_at[lead]).all()


def test_hold_bed_days_are_the_attributable_hold_days():
    # Holds start when the person would otherwise walk out: the counterfactual's exit.
    res = jailsim.simulate(_scenario("finish").with_({"ice.p_pickup": 0.6, "warmup": "20d"}),
                           seed=3, engine="vector")
    m = res.metrics.iloc[0]
    assert m.held_without_detainer_hours > 100
    assert m.hold_bed_days > 20
    assert m.attributable_bed_days_hold == pytest.approx(m.hold_bed_days, rel=0, abs=1e-6)
