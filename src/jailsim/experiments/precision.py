"""The precision rule: replications are added until every watched metric is precise enough.

:func:`jailsim.simulate` with ``precision`` adds replications until every headline metric's
95% half-width is at most ``precision`` times its mean (Law & Kelton's sequential procedure,
growing ``n`` at most twofold per step so a noisy early estimate cannot overshoot), up to a
cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from jailsim.results.metrics import summarize

__all__ = ["DEFAULT_MAX_REPLICATIONS", "Precision", "next_replications", "worst_half_width"]

#: Cap of the precision rule unless ``max_replications`` is given.
DEFAULT_MAX_REPLICATIONS = 100


@dataclass(frozen=True)
class Precision:
    """Outcome of the precision rule.

    Attributes
    ----------
    target
        Relative half-width asked for.
    achieved
        Largest relative half-width among the watched metrics at the end.
    metric
        The metric with that half-width.
    replications
        Replications run.
    met
        Whether ``achieved <= target`` (else the cap stopped the run).
    ignored
        Watched metrics left out because their mean is zero or undefined.
    """

    target: float
    achieved: float
    metric: str
    replications: int
    met: bool
    ignored: tuple[str, ...] = ()


def worst_half_width(
    metrics: pd.DataFrame, names: Sequence[str]
) -> tuple[float, str, tuple[str, ...]]:
    """The largest relative 95% half-width among ``names``, its metric, and those left out.

    A metric whose mean is zero or undefined is left out (no relative width).
    """
    table = summarize(metrics)
    worst, which, ignored = 0.0, "", []
    for name in names:
        mean, lo, hi = table.loc[name, ["mean", "ci_low", "ci_high"]]
        if not math.isfinite(mean) or mean == 0:
            ignored.append(name)
            continue
        rel = (hi - lo) / 2 / abs(mean) if math.isfinite(hi - lo) else math.inf
        if rel >= worst:
            worst, which = rel, name
    return worst, which, tuple(ignored)


def next_replications(n: int, worst: float, target: float, cap: int) -> int:
    """Replications for the next step: the estimate ``n (worst/target)^2``, at most ``2n``."""
    need = math.inf if not math.isfinite(worst) else math.ceil(n * (worst / target) ** 2)
    return int(min(cap, max(n + 1, min(need, 2 * n))))
