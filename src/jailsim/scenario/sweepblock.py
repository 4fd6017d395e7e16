"""A scenario file's ``sweep:`` block: read with the scenario, its factors checked.

A scenario file may name factors to vary (``sweep:``, dotted paths to lists of values; a
sweep itself is run by :mod:`jailsim.experiments.sweeps`). :func:`load_sweep` reads such a
file into the Scenario it describes and its factors, checked, and is all ``jailsim validate``
needs of a sweep: it lives with the scenario, so validating a file loads nothing of the
layers that run it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jailsim.base.errors import ScenarioError
from jailsim.scenario.loading import SHIPPED_PREFIX, read_yaml, shipped_scenarios_dir, validate
from jailsim.scenario.messages import short
from jailsim.scenario.schema import Scenario

__all__ = ["Factors", "check_factors", "load_sweep"]

#: Dotted scenario path -> the values it takes.
Factors = dict[str, list[Any]]


def check_factors(factors: Mapping[str, Any], where: str) -> Factors:
    """A ``sweep:`` block's factors, each a dotted path with a list of one or more values.

    Raises
    ------
    ScenarioError
        One line per problem, each starting with ``where``.
    """
    problems = []
    out: Factors = {}
    if not isinstance(factors, Mapping):
        raise ScenarioError([f"{where}: expected a mapping of dotted paths to lists of values"])
    for path, values in factors.items():
        if not isinstance(path, str) or not path:
            problems.append(f"{where}: {short(path)}: expected a dotted path")
        elif path in ("seed", "replications"):
            problems.append(f"{where}.{path}: cannot be varied (every design point runs the "
                            "same seed and replications)")
        elif not isinstance(values, list) or not values:
            problems.append(f"{where}.{path}: expected a list of one or more values, "
                            f"got {short(values)}")
        else:
            out[path] = values
    if problems:
        raise ScenarioError(problems)
    return out


def load_sweep(path: str | Path) -> tuple[Scenario, Factors]:
    """Load a scenario file that may hold a ``sweep:`` block: the scenario and its factors."""
    text = str(path)
    if text.startswith(SHIPPED_PREFIX):  # "jailsim:NAME.yaml", a shipped scenario
        data = read_yaml(text)
        folder = shipped_scenarios_dir()
        text = str(folder / text[len(SHIPPED_PREFIX):])
    else:
        data = read_yaml(path)
        folder = Path(path).parent
    block = data.pop("sweep", None)
    sc = validate(data, source=text, base_dir=folder)
    factors = check_factors(block, f"{path}: sweep") if block is not None else {}
    return sc, factors
