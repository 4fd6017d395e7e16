"""Engines turn a Population into a Timeline: ``des`` (SimPy, the reference) and ``vector``."""

from __future__ import annotations

from collections.abc import Callable

from jailsim.engines import des, vector
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.model.timeline import Timeline

ENGINES: dict[str, Callable[[Context, Population], Timeline]] = {
    "des": des.run,
    "vector": vector.run,
}
ENGINE_CHOICES = ("des", "vector", "auto")


def resolve_engine(name: str, ctx: Context) -> str:
    """The engine to use for ``name``; ``auto`` picks ``vector`` (it models every feature)."""
    if name not in ENGINE_CHOICES:
        raise ValueError(f"engine {name!r} is not one of {', '.join(ENGINE_CHOICES)}")
    return "vector" if name == "auto" else name
