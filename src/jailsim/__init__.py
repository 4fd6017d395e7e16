"""jailsim: a discrete-event model of a US county jail under 287(g) immigration enforcement."""

from jailsim._version import __version__
from jailsim.scenario import Scenario, ScenarioError, load

__all__ = ["Scenario", "ScenarioError", "__version__", "load"]
