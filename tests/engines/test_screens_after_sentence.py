"""JEM that screens after sentence (``jem.screens_at: sentence``).

Officers interview only people sentenced to jail, from the disposition of their case in
custody: a detainer then comes after every bail decision, so it can change nothing before the
end of the sentence, where the jail holds the person for ICE.
"""

from __future__ import annotations

import functools

import numpy as np

import jailsim
from jailsim.engines import des, vector
from jailsim.model.codes import DETAINER_JEM, SENTENCE_JAIL
from jailsim.model.context import Context
from jailsim.model.population import Population
from tests.engines.conftest import assert_same_timeline


@functools.cache
def _run(screens_at: str):
    sc = jailsim.load("scenarios/jem.yaml").with_({
        "horizon": "300d", "warmup": "0d", "warm_start": {"kind": "none"},
        "jem.screens_at": screens_at, "jem.officers": 4, "jem.shifts": [],
        "arrivals.bookings.foreign_born": 0.5,
        "arrivals.bookings.dhs_record_given_noncitizen": 0.0,  # every detainer from JEM
    })
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=11, replication=0)
    return sc, ctx, pop, vector.run(ctx, pop)


def test_only_people_sentenced_to_jail_are_screened_from_their_disposition():
    sc, _, pop, t = _run("sentence")
    ready = ~np.isnan(t.screen_ready_at)
    assert ready.sum() > 100
    assert (pop.sentence[ready] == SENTENCE_JAIL).all()
    np.testing.assert_array_equal(t.screen_ready_at[ready],
                                  t.disposition_at[ready] + sc.jem.queue_delay)
    # Everyone flagged, sentenced to jail and disposed in custody is in the line.
    disposed = ~np.isnan(t.disposition_at) & (pop.sentence == SENTENCE_JAIL) & pop.jem_flagged
    np.testing.assert_array_equal(ready, disposed)


def test_a_detainer_after_sentence_changes_no_bail_decision_and_holds_at_the_end():
    for screens_at, changes_bail in (("booking", True), ("sentence", False)):
        _, ctx, pop, t = _run(screens_at)
        free = vector.run(ctx, pop, detainer_effects=False)
        jem = t.detainer_source == DETAINER_JEM
        assert jem.sum() >= 20  # enough JEM detainers for a change of bail to show
        changed = (t.bond_outcome[jem] != free.bond_outcome[jem]).any()
        assert changed == changes_bail, screens_at
    # Held for ICE from the end of the sentence (release eligible), not before.
    held = jem & ~np.isnan(t.hold_start_at)
    assert held.sum() >= 20  # enough holds for the checks below to mean something
    assert (t.hold_start_at[held] >= t.release_eligible_at[held]).all()
    assert (t.detainer_at[held] > t.disposition_at[held]).all()


def test_engines_agree_when_jem_screens_after_sentence():
    _, ctx, pop, t = _run("sentence")
    assert_same_timeline(des.run(ctx, pop), t)
