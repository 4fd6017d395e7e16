"""ICE's detention occupancy over time (``ice_capacity``): dated changes of ICE's parameters."""

from __future__ import annotations

import numpy as np
import pytest

import jailsim
from jailsim.scenario.schema import from_data
from tests.conftest import SCENARIOS

CAPACITY = {
    "occupancy": [{"from": "2025-02-03", "share": 0.9}, {"from": "2025-03-03", "share": 1.3},
                  {"from": "2025-04-07", "share": 1.1}],
    "response": [{"occupancy": 0.0, "set": {"ice.p_pickup": 0.95}},
                 {"occupancy": 1.0, "set": {"ice.p_pickup": 0.7, "ice.p_cancel": 0.8}},
                 {"occupancy": 1.2, "set": {"ice.p_pickup": 0.4}}],
}


def _jem(**changes):
    return jailsim.load(SCENARIOS / "jem.yaml").with_({
        "horizon": "150d", "warmup": "10d", "warm_start": {"kind": "none"}, **changes})


def test_each_occupancy_takes_the_response_of_its_level():
    sc = _jem(ice_capacity=CAPACITY)
    assert [(c.start.isoformat(), c.values) for c in sc.timeline] == [
        ("2025-02-03", {"ice.p_pickup": 0.95}),
        ("2025-03-03", {"ice.p_pickup": 0.4}),
        ("2025-04-07", {"ice.p_pickup": 0.7, "ice.p_cancel": 0.8}),
    ]
    # A level's values stay until another level sets them: p_cancel 0.8 from April.
    assert [(p.ice.p_pickup, p.ice.p_cancel) for p in sc.periods()] == [
        (0.95, 0.5), (0.95, 0.5), (0.4, 0.5), (0.7, 0.8)]


def test_an_occupancy_series_runs_as_the_changes_it_stands_for():
    by_capacity = _jem(ice_capacity=CAPACITY)
    explicit = _jem(changes=[{"from": c.start.isoformat(), "set": c.values}
                             for c in by_capacity.timeline])
    a = jailsim.simulate(by_capacity, seed=3, engine="vector").metrics
    b = jailsim.simulate(explicit, seed=3, engine="vector").metrics
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    assert a.ice_transfers.iloc[0] > 0


def test_it_merges_with_changes_by_date():
    sc = _jem(ice_capacity=CAPACITY, changes=[
        {"from": "2025-03-03", "set": {"jem.officers": 4}},
        {"from": "2025-03-10", "set": {"honor.policy": "felony_only"}}])
    assert [(c.start.isoformat(), c.values) for c in sc.timeline][1:3] == [
        ("2025-03-03", {"jem.officers": 4, "ice.p_pickup": 0.4}),
        ("2025-03-10", {"honor.policy": "felony_only"}),
    ]
    again = from_data(sc.to_dict(), "resolved")  # a resolved scenario loads to the same one
    assert again.timeline == sc.timeline and again.changes == sc.changes


@pytest.mark.parametrize("capacity, changes, message", [
    ({**CAPACITY, "response": CAPACITY["response"][1:]}, [], "the first level must be"),
    ({**CAPACITY, "response": [CAPACITY["response"][0], CAPACITY["response"][2],
                               CAPACITY["response"][1]]}, [], "levels must increase"),
    ({**CAPACITY, "response": [{"occupancy": 0.0, "set": {"honor.policy": "none"}}]}, [],
     "only ICE's parameters"),
    ({**CAPACITY, "occupancy": [{"from": "2024-12-02", "share": 1.0}]}, [],
     "ice_capacity: occupancy[0] from 2024-12-02: must be after start_date"),
    (CAPACITY, [{"from": "2025-03-03", "set": {"ice.p_pickup": 0.5}}],
     "2025-03-03: ['ice.p_pickup'] set by both changes and ice_capacity"),
])
def test_bad_capacity_is_a_one_line_error(capacity, changes, message):
    with pytest.raises(jailsim.ScenarioError) as err:
        _jem(ice_capacity=capacity, changes=changes)
    lines = str(err.value).splitlines()
    assert len(lines) == 1 and message in lines[0], lines
