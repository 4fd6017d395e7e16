"""jailsim: a discrete-event model of a US county jail under 287(g) immigration enforcement.

>>> import jailsim
>>> sc = jailsim.load("scenarios/jem.yaml")
>>> res = jailsim.simulate(sc, seed=1, replications=2, days=200, warmup_days=50)
>>> sorted(res.summary().columns)
['ci_high', 'ci_low', 'mean', 'n']
"""

from jailsim._version import __version__
from jailsim.calibration.backtest import Backtest, backtest
from jailsim.calibration.calibrate import Calibration, calibrate
from jailsim.experiments.comparison import Comparison, compare
from jailsim.experiments.sensitivity import Sensitivity, analyze_sensitivity
from jailsim.experiments.simulate import simulate
from jailsim.experiments.sweeps import Sweep, sweep
from jailsim.model.population import Population
from jailsim.money.costs import budget_difference, budget_table
from jailsim.results.breakdown import breakdown, metrics_by_period
from jailsim.results.explain import explain
from jailsim.results.metrics import METRICS
from jailsim.results.result import Result
from jailsim.scenario import Scenario, ScenarioError, load

__all__ = [
    "METRICS",
    "Backtest",
    "Calibration",
    "Comparison",
    "Population",
    "Result",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "Sweep",
    "__version__",
    "analyze_sensitivity",
    "backtest",
    "breakdown",
    "budget_difference",
    "budget_table",
    "calibrate",
    "compare",
    "explain",
    "load",
    "metrics_by_period",
    "simulate",
    "sweep",
]
