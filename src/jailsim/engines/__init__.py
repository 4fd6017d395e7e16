"""Engines turn a Population into a Timeline: ``des`` (SimPy, the reference) and ``vector``.

Both apply the static rules of :mod:`jailsim.model.rules`; each writes the dynamic part (who
waits for whom, in what order things happen) on its own, and for the same Population they give
the same Timeline. :mod:`jailsim.engines.roster` samples a roster warm start by running one.
"""

from __future__ import annotations

from collections.abc import Callable

from jailsim.engines import des, vector
from jailsim.model.context import Context
from jailsim.model.population import Population

# the engines' names live in a light module: the command line's help lists them
from jailsim.model.runchoices import DEFAULT_ENGINE as DEFAULT_ENGINE
from jailsim.model.runchoices import ENGINE_CHOICES
from jailsim.model.timeline import Timeline

ENGINES: dict[str, Callable[[Context, Population], Timeline]] = {
    "des": des.run,
    "vector": vector.run,
}


def resolve_engine(name: str) -> str:
    """The engine to use for ``name``; ``auto`` picks ``vector`` (it models every feature)."""
    if name not in ENGINE_CHOICES:
        raise ValueError(f"engine {name!r} is not one of {', '.join(ENGINE_CHOICES)}")
    return "vector" if name == "auto" else name
