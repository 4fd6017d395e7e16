"""The precision rule: replications are added until every watched metric is precise enough.

:func:`jailsim.simulate` with ``precision`` adds replications until every headline metric's
95% half-width is at most ``precision`` times its mean (Law & Kelton's sequential procedure,
growing ``n`` at most twofold per step so a noisy early estimate cannot overshoot), up to a
cap. Its options are refused, in one line naming them, where they contradict each other
(:func:`check_precision_options`): a cap below the first batch, a cap or watched metrics
without ``precision``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.experiments.options import option_text
from jailsim.model.runchoices import DEFAULT_MAX_REPLICATIONS
from jailsim.results.metrics import summarize

__all__ = [
    "DEFAULT_MAX_REPLICATIONS",
    "FIRST_BATCH",
    "Precision",
    "check_precision_options",
    "next_replications",
    "worst_half_width",
]

#: Fewest replications of the precision rule's first batch (an interval needs a few).
FIRST_BATCH = 3


def check_precision_options(precision: float | None, max_replications: object,
                            precision_metrics: object, first: int | None = None,
                            replications: int | None = None) -> None:
    """Refuse options of the precision rule that contradict each other.

    Parameters
    ----------
    precision, max_replications, precision_metrics
        As given (None: not given).
    first
        Replications of the first batch, when known: ``replications`` (given as an option,
        else the scenario's), at least :data:`FIRST_BATCH`.
    replications
        The ``replications`` option, if given (to name it).

    Raises
    ------
    ScenarioError
        One line per problem, naming the options as the caller wrote them (the command
        line's flags, or the keywords).
    """
    problems = []
    if max_replications is not None and not (
        isinstance(max_replications, int) and not isinstance(max_replications, bool)
        and 1 <= max_replications <= 100_000
    ):
        problems.append(f"{option_text('max_replications', max_replications)}: expected a "
                        "whole number from 1 to 100,000")
    elif precision is None and max_replications is not None:
        problems.append(f"{option_text('max_replications', max_replications)}: applies only "
                        f"with {option_text('precision')} (the cap of the replications it adds)")
    elif first is not None and max_replications is not None and max_replications < first:
        if replications is not None and replications >= FIRST_BATCH:
            batch, hint = f"{option_text('replications', replications)}, the first batch", ""
        elif replications is not None or first <= FIRST_BATCH:
            batch, hint = f"{FIRST_BATCH}, the smallest first batch", ""
        else:
            batch = f"the scenario's {first} replications, the first batch"
            hint = f" (give {option_text('replications', '...')} to start with fewer)"
        problems.append(f"{option_text('max_replications', max_replications)}: less than "
                        f"{batch} of {option_text('precision')}{hint}")
    if precision is None and precision_metrics is not None:
        problems.append(f"{option_text('precision_metrics')}: applies only with "
                        f"{option_text('precision')} (the metrics it watches)")
    if problems:
        raise ScenarioError(problems)


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
