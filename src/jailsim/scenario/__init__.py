"""Scenario inputs: units, distributions, the validated schema and the YAML loader."""

from jailsim.base.errors import ScenarioError
from jailsim.scenario.distributions import DISTRIBUTIONS, Distribution
from jailsim.scenario.loading import load, validate
from jailsim.scenario.schema import Scenario
from jailsim.scenario.units import parse_duration, parse_rate

__all__ = [
    "DISTRIBUTIONS",
    "Distribution",
    "Scenario",
    "ScenarioError",
    "load",
    "parse_duration",
    "parse_rate",
    "validate",
]
