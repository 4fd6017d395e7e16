"""One parameter set drawn from a scenario's ``uncertainty:`` block.

:func:`draw_values` draws every entry of the block (:mod:`jailsim.scenario.uncertainty`)
from a random generator of its own and writes the values into the scenario's data as the
scenario writes them (``"2.5d"``, ``"15.2/day"``, a share). A joint ``normal`` is drawn as
``centre + sd x (L z)`` on each value's scale, with ``L`` the Cholesky factor of its
correlation; a ``spread`` (a lognormal's p90) is set last, over its drawn median.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

from jailsim.scenario.uncertainty import (
    PSD_SLACK,
    SCALES,
    Beta,
    Coordinate,
    Dirichlet,
    Normal,
    Uniform,
    get_path,
    number,
    set_path,
    value_kind,
    written,
)

__all__ = ["draw_values"]


def _cholesky(corr: np.ndarray) -> np.ndarray:
    """A square root of a correlation matrix.

    One that is singular (values drawn together, correlation 1) or, from rounding, a little
    short of positive semi-definite is first shrunk towards the identity by the smallest
    ridge of a fixed list that makes it positive definite.
    """
    eye = np.eye(len(corr))
    for ridge in (0.0, 1e-9, 1e-6, 1e-4, 1e-3, PSD_SLACK, 2 * PSD_SLACK):
        try:
            return np.linalg.cholesky((corr + ridge * eye) / (1 + ridge))
        except np.linalg.LinAlgError:
            continue
    raise ValueError("correlation matrix not positive semi-definite")  # pragma: no cover


def _spread(p90: float, median: float) -> float:
    return math.log(math.log(p90 / median))


def _draw_entry(data: dict, key: str, prior, rng: np.random.Generator) -> list[tuple]:
    """``(path, kind, value or None, spread)`` for each value an entry draws.

    A ``spread`` coordinate gives its drawn ``log(log(p90 / median))`` as ``spread``; its p90
    is set once every median has been drawn.
    """
    if isinstance(prior, Dirichlet):
        shares = get_path(data, key)
        alpha = np.array([prior.n * s for s in shares.values()])
        g = np.zeros(len(alpha))
        g[alpha > 0] = rng.gamma(alpha[alpha > 0])
        drawn = g / g.sum()
        return [(f"{key}.{k}", "number", float(v), None) for k, v in zip(shares, drawn,
                                                                          strict=True)]
    if isinstance(prior, Normal) and prior.joint:
        coords = list(prior.of.items())
        corr = (np.array(prior.correlation, dtype=float) if prior.correlation is not None
                else np.eye(len(coords)))
        z = _cholesky(corr) @ rng.standard_normal(len(coords))
        centre = [None] * len(coords)
    elif isinstance(prior, Normal):
        coords = [(key, Coordinate(scale=prior.scale, sd=prior.sd))]
        z = rng.standard_normal(1)
        centre = [prior.mean]
    else:
        value = get_path(data, key)
        kind = value_kind(value)
        if isinstance(prior, Beta):
            x = float(rng.beta(prior.a, prior.b))
        elif isinstance(prior, Uniform):
            x = prior.low + (prior.high - prior.low) * float(rng.random())
        else:
            sigma = math.log(prior.p90 / prior.median) / float(special.ndtri(0.9))
            x = prior.median * math.exp(sigma * float(rng.standard_normal()))
        return [(key, kind, x, None)]
    out = []
    for (path, coord), zi, mean in zip(coords, z, centre, strict=True):
        value = get_path(data, path)
        kind = value_kind(value)
        x0 = number(value) if mean is None else mean
        if coord.scale == "spread":
            median = number(get_path(data, path.rsplit(".", 1)[0] + ".median"))
            out.append((path, kind, None, _spread(x0, median) + coord.sd * float(zi)))
            continue
        forward, back = SCALES[coord.scale]
        out.append((path, kind, back(forward(x0) + coord.sd * float(zi)), None))
    return out


def draw_values(data: dict, block: dict,
                generator: Callable[[str], np.random.Generator]) -> dict[str, Any]:
    """One parameter set: the value of every path the block draws, as the scenario writes it.

    Parameters
    ----------
    data
        The scenario as plain data (``Scenario.to_dict()``); it is changed in place to the
        drawn values, and is what the returned values were set in.
    block
        The validated ``uncertainty:`` block (entry name -> prior).
    generator
        ``generator(entry)`` -> the random generator of that entry for this parameter set;
        each entry draws from its own, so adding an entry leaves the others' draws as they
        were (and two scenarios that share an entry share its draws).

    Returns
    -------
    dict
        ``{path: value}`` of every value drawn, in the entries' order.
    """
    drawn, spreads = {}, []
    for key, prior in block.items():
        if prior is None:
            continue
        for path, kind, value, spread in _draw_entry(data, key, prior, generator(key)):
            if spread is not None:
                spreads.append((path, kind, spread))
                continue
            drawn[path] = written(kind, value)
            set_path(data, path, drawn[path])
    for path, kind, spread in spreads:  # each p90 over its (drawn) median
        median = number(get_path(data, path.rsplit(".", 1)[0] + ".median"))
        drawn[path] = written(kind, median * math.exp(math.exp(spread)))
        set_path(data, path, drawn[path])
    return drawn
