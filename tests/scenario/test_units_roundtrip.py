"""What a scenario's attributes give back can be given again to ``Scenario.with_``.

Durations come back as float days and rates as events per day; a distribution as its object,
a date as a date, the dated prices of ``costs`` as a tuple of Periods, a profile as a tuple of
weights. Each, handed back to ``with_`` under its dotted path, must give an equal scenario,
while a bare number written in a file stays an error (``tests/scenario/test_scenario_errors``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.scenario.schema import from_data
from jailsim.scenario.units import Days, PerDay, parse_duration, parse_rate

#: Shipped scenarios that between them have every block: costs with dollar years (the base
#: county), JEM and WSO, dated changes, ICE's occupancy, a Task Force stream, an IGSA.
SHIPPED = ["base_county", "jem_wso", "sb8_wso", "ice_occupancy", "task_force", "wso_igsa"]
#: Every distribution, a schedule of dated prices, an hour-of-week profile and shifts.
EVERY_KIND = """\
extends: jailsim:jem_wso.yaml
name: every kind of value
biometric: {delay: {dist: empirical, values: [1h, 2h, 90min]}}
court:
  release_processing: {dist: exponential, mean: 3h}
ice:
  pickup_delay:
    dist: mixture
    components:
      - {weight: 0.7, of: {dist: gamma, mean: 10h, sd: 4h}}
      - {weight: 0.3, of: {dist: weibull, shape: 1.5, scale: 1d}}
  cancel_delay: 36h
arrivals:
  bookings: {rate: 2/h, profile: {hour_of_week: [WEIGHTS]}}
jem:
  shifts:
    - {days: Mon-Fri, start: "08:00", end: "16:00"}
    - {days: Sat, start: "22:00", end: "06:00", officers: 1}
costs:
  bed_day_cost_usd_per_day:
    - {to: 2025-06-30, usd: 90}
    - {from: 2025-07-01, usd: 95, dollar_year: 2024}
""".replace("WEIGHTS", ", ".join(str(1 + h % 5) for h in range(168)))


def _nodes(node, path: str = ""):
    """(dotted path, attribute value) of every field below ``node``, blocks included."""
    if isinstance(node, BaseModel):
        if path:
            yield path, node
        for name, field in type(node).model_fields.items():
            key = field.alias or name
            yield from _nodes(getattr(node, name), f"{path}.{key}" if path else key)
    elif isinstance(node, dict) and all("." not in str(k) for k in node):
        yield path, node
        for key, value in node.items():
            yield from _nodes(value, f"{path}.{key}")
    elif node is not None:
        yield path, node  # a dict keyed by dotted paths (costs.sources) is one value


def _round_trips(sc) -> tuple[int, list[str]]:
    failed, n = [], 0
    for path, value in _nodes(sc):
        n += 1
        try:
            again = sc.with_({path: value})
        except ScenarioError as exc:
            failed.append(exc.lines[0])
            continue
        if again != sc:
            failed.append(f"{path}: {value!r} gave another scenario")
    return n, failed


@pytest.mark.parametrize("name", SHIPPED)
def test_every_attribute_of_a_shipped_scenario_goes_back_into_with_(name):
    sc = jailsim.load(f"jailsim:{name}.yaml")
    n, failed = _round_trips(sc)
    assert n > 100
    assert not failed, failed


def test_every_kind_of_value_goes_back_into_with_(tmp_path: Path):
    path = tmp_path / "every_kind.yaml"
    path.write_text(EVERY_KIND)
    sc = jailsim.load(path)
    values = [v for _, v in _nodes(sc)]
    kinds = {type(x).__name__ for v in values for x in (v, *(v if type(v) is tuple else ()))}
    assert {"Empirical", "Mixture", "Exponential", "Lognormal", "Period", "date", "Days",
            "PerDay", "tuple", "Shift"} <= kinds
    n, failed = _round_trips(sc)
    assert n > 150
    assert not failed, failed


def test_defaults_round_trip_too():
    data = jailsim.load("jailsim:jem.yaml").to_dict()
    del data["hold"]["cap"]
    del data["warm_start"]["history"]
    sc = from_data(data, "defaults")
    assert isinstance(sc.hold.cap, Days) and isinstance(sc.warm_start.history, Days)
    for path, value in (("hold.cap", sc.hold.cap), ("warm_start.history",
                                                     sc.warm_start.history)):
        assert sc.with_({path: value}) == sc


def test_values_carry_their_unit_and_a_bare_number_still_has_none():
    sc = jailsim.load("jailsim:jem.yaml")
    assert isinstance(sc.hold.cap, Days) and sc.hold.cap == 2.0
    assert isinstance(sc.arrivals.bookings.rate, PerDay)
    assert parse_duration(Days(1.5)) == 1.5 and parse_rate(PerDay(30.0)) == 30.0
    assert type(sc.hold.cap * 2) is float  # arithmetic gives plain numbers
    with pytest.raises(ScenarioError, match="hold.cap: got 3.0; expected a number with a unit"):
        sc.with_({"hold.cap": 3.0})
    with pytest.raises(ScenarioError, match="a duration cannot be negative"):
        sc.with_({"hold.cap": Days(-1.0)})
    assert sc.with_({"hold.cap": Days(3.0)}).hold.cap == 3.0


def test_with_never_edits_what_it_was_given():
    sc = jailsim.load("scenarios/jem.yaml")
    block = {"share": 0.5, "stay": "3d"}
    more = sc.with_({"ice.igsa": block, "ice.igsa.share": 1.0})
    assert block == {"share": 0.5, "stay": "3d"} and more.ice.igsa.share == 1.0
