"""One validating door, one prepared run per arm, one set of run options with one default."""

from __future__ import annotations

import inspect

import pytest

import jailsim
from jailsim.experiments import prepared
from jailsim.experiments.options import RunOptions
from jailsim.model.context import Context
from jailsim.scenario import schema


@pytest.fixture
def counted(monkeypatch):
    """Counts of Scenario validations and Context builds while the test runs."""
    count = {"validate": 0, "context": 0}
    validate, build = schema.Scenario.model_validate.__func__, Context.build.__func__

    def counting_validate(cls, *args, **kwargs):
        count["validate"] += 1
        return validate(cls, *args, **kwargs)

    def counting_build(cls, scenario):
        count["context"] += 1
        return build(cls, scenario)

    monkeypatch.setattr(schema.Scenario, "model_validate", classmethod(counting_validate))
    monkeypatch.setattr(Context, "build", classmethod(counting_build))
    monkeypatch.setattr(prepared, "_CONTEXTS", {})
    return count


@pytest.mark.parametrize(("path", "periods"), [("scenarios/jem.yaml", 1),
                                                ("scenarios/sb8_wso.yaml", 2)])
def test_a_run_validates_its_scenario_once_and_builds_its_calendars_once(counted, path, periods):
    res = jailsim.simulate(path, seed=1, replications=3)
    # the file once, and each dated period once, with it (a period is a whole scenario)
    assert counted == {"validate": periods, "context": 1}
    assert res.scenario.periods()[0].program == res.scenario.program
    assert len(res.scenario.periods()) == periods


def test_a_new_horizon_validates_again_but_a_seed_does_not(counted):
    sc = jailsim.load("scenarios/sb8_wso.yaml")
    counted["validate"] = 0
    assert prepared.prepare(sc, seed=7, replications=4).periods() is sc.periods()
    assert counted["validate"] == 0
    longer = prepared.prepare(sc, days=800)
    assert counted["validate"] == 2 and longer.horizon == 800.0
    assert longer.periods()[1].program == "wso"


def test_every_entry_point_takes_the_same_options_with_one_engine_default():
    for fn in (jailsim.simulate, jailsim.compare, jailsim.sweep, jailsim.analyze_sensitivity):
        params = inspect.signature(fn).parameters
        assert "options" in params and "fields" in params, fn.__name__
        assert "engine" not in params, f"{fn.__name__} declares its own engine default"
    assert RunOptions().engine == "auto"
    res = jailsim.simulate("scenarios/jem.yaml", seed=1, days=30)
    assert res.engine == "vector"
    with pytest.raises(TypeError, match="unexpected keyword argument 'seeds'"):
        jailsim.simulate("scenarios/jem.yaml", seeds=1)
    with pytest.raises(jailsim.ScenarioError, match="engine: got 'fast'"):
        RunOptions(engine="fast")
