"""jailsim: a discrete-event model of a US county jail under 287(g) immigration enforcement.

The public names below are imported when first used, so ``import jailsim`` is quick and loads
none of the heavy libraries (pandas, matplotlib, scipy, pyarrow); the packages they come from
are laid out in the order the data flows (docs/architecture.md).

>>> import jailsim
>>> sc = jailsim.load("scenarios/jem.yaml")
>>> res = jailsim.simulate(sc, seed=1, replications=2, days=200, warmup_days=50)
>>> list(res.summary().columns)
['unit', 'mean', 'ci_low', 'ci_high', 'n']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jailsim._version import __version__

#: Where each public name lives.
_API: dict[str, str] = {
    "METRICS": "jailsim.results.metricnames",
    "Backtest": "jailsim.calibration.backtest",
    "Calibration": "jailsim.calibration.calibrate",
    "Comparison": "jailsim.experiments.comparison",
    "Population": "jailsim.model.population",
    "Result": "jailsim.results.result",
    "RunOptions": "jailsim.experiments.options",
    "Scenario": "jailsim.scenario.schema",
    "ScenarioError": "jailsim.base.errors",
    "Sensitivity": "jailsim.experiments.sensitivity",
    "Sweep": "jailsim.experiments.sweeps",
    "analyze_sensitivity": "jailsim.experiments.sensitivity",
    "backtest": "jailsim.calibration.backtest",
    "breakdown": "jailsim.results.breakdown",
    "budget_difference": "jailsim.money.tables",
    "budget_notes": "jailsim.money.tables",
    "budget_table": "jailsim.money.tables",
    "calibrate": "jailsim.calibration.calibrate",
    "compare": "jailsim.experiments.comparison",
    "explain": "jailsim.results.explain",
    "load": "jailsim.scenario.loading",
    "metrics_by_period": "jailsim.results.breakdown",
    "plot_budget": "jailsim.present.figures",
    "plot_sensitivity": "jailsim.present.figures",
    "plot_sweep": "jailsim.present.figures",
    "simulate": "jailsim.experiments.simulate",
    "sweep": "jailsim.experiments.sweeps",
}

__all__ = [
    "METRICS",
    "Backtest",
    "Calibration",
    "Comparison",
    "Population",
    "Result",
    "RunOptions",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "Sweep",
    "__version__",
    "analyze_sensitivity",
    "backtest",
    "breakdown",
    "budget_difference",
    "budget_notes",
    "budget_table",
    "calibrate",
    "compare",
    "explain",
    "load",
    "metrics_by_period",
    "plot_budget",
    "plot_sensitivity",
    "plot_sweep",
    "simulate",
    "sweep",
]

if TYPE_CHECKING:  # for type checkers and editors; at run time see __getattr__
    from jailsim.base.errors import ScenarioError
    from jailsim.calibration.backtest import Backtest, backtest
    from jailsim.calibration.calibrate import Calibration, calibrate
    from jailsim.experiments.comparison import Comparison, compare
    from jailsim.experiments.options import RunOptions
    from jailsim.experiments.sensitivity import Sensitivity, analyze_sensitivity
    from jailsim.experiments.simulate import simulate
    from jailsim.experiments.sweeps import Sweep, sweep
    from jailsim.model.population import Population
    from jailsim.money.tables import budget_difference, budget_notes, budget_table
    from jailsim.present.figures import plot_budget, plot_sensitivity, plot_sweep
    from jailsim.results.breakdown import breakdown, metrics_by_period
    from jailsim.results.explain import explain
    from jailsim.results.metricnames import METRICS
    from jailsim.results.result import Result
    from jailsim.scenario.loading import load
    from jailsim.scenario.schema import Scenario


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'jailsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
