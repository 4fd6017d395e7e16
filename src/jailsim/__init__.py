"""jailsim: a discrete-event model of a US county jail under 287(g) immigration enforcement.

>>> import jailsim
>>> sc = jailsim.load("scenarios/jem.yaml")
>>> res = jailsim.simulate(sc, seed=1, replications=2, days=200, warmup_days=50)
>>> sorted(res.summary().columns)
['ci_high', 'ci_low', 'mean', 'n']
"""

from jailsim._version import __version__
from jailsim.metrics import METRICS
from jailsim.population import Population
from jailsim.result import Result
from jailsim.scenario import Scenario, ScenarioError, load
from jailsim.simulate import simulate

__all__ = [
    "METRICS",
    "Population",
    "Result",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load",
    "simulate",
]
