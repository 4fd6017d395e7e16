"""The choices of a run, named in a module light enough for the command line's help.

The engines a run may use and the one it uses unless told (:mod:`jailsim.engines`), the
replications of a run and the cap of the precision rule (:mod:`jailsim.experiments.options`,
:mod:`jailsim.experiments.precision`) and the methods of a sensitivity analysis with their
default sample sizes (:mod:`jailsim.experiments.sensitivity`). ``jailsim --help`` lists them;
this module imports nothing, so the command line can build its parser without SimPy, numpy
or pandas. It lives in the model layer, the lowest layer that the engines, the experiments
and the command line all build on.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_ENGINE",
    "DEFAULT_MAX_REPLICATIONS",
    "DEFAULT_REPLICATIONS",
    "ENGINE_CHOICES",
    "SENSITIVITY_METHODS",
]

#: The engines a run may name: ``auto`` picks one (``jailsim.engines.resolve_engine``).
ENGINE_CHOICES = ("des", "vector", "auto")
#: The engine every entry point runs unless told otherwise.
DEFAULT_ENGINE = "auto"
#: Replications of a comparison or sweep when neither the options nor the scenario ask for
#: more than one (one replication gives no interval).
DEFAULT_REPLICATIONS = 20
#: Cap of the precision rule unless ``max_replications`` is given (or the first batch, if
#: that is larger).
DEFAULT_MAX_REPLICATIONS = 100
#: Sensitivity methods and their default sample size ``N`` (Sobol: base samples, a power of
#: 2; Morris: trajectories).
SENSITIVITY_METHODS = {"sobol": 64, "morris": 10}
