"""Detainer attribution: the jail days each booking spends because of a detainer.

The counterfactual reruns the same Population with every effect of a detainer switched off
(a detainer no longer lowers the chance of posting bail, and no one is held for ICE). Because
both worlds share every random draw, the difference in each person's stay is caused by the
detainer alone. It splits into the hold (time held after the moment the person would
otherwise have walked out) and the rest, which comes before release (bail not posted).

The counterfactual is one more pass of the vector engine, whichever engine produced the
timeline (the engines agree booking by booking). Rarely, a person's counterfactual differs
through someone else's detainer (the screening queue moves when others leave earlier), so an
individual figure can be slightly negative; totals are what the metrics report.
"""

from __future__ import annotations

import numpy as np

from jailsim.context import Context
from jailsim.engines import vector
from jailsim.population import Population
from jailsim.timeline import Timeline


def leave_decided_at(tl: Timeline, rows: np.ndarray | None = None) -> np.ndarray:
    """When each person would walk out: release-eligible, or later if an interview ran over.

    ``rows``: only these bookings (indices), in that order; default all.
    """
    ready, start, end = tl.release_eligible_at, tl.screen_start_at, tl.screen_end_at
    if rows is not None:
        ready, start, end = ready[rows], start[rows], end[rows]
    return np.where(start < ready, np.fmax(ready, end), ready)


def attribute(
    ctx: Context, pop: Population, tl: Timeline, rows: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Per-booking days attributable to a detainer, censored at the horizon.

    Returns arrays ``attributable_days``, ``attributable_days_pre_release`` and
    ``attributable_days_hold`` (days; zero for people without a detainer), with
    ``counterfactual_exit_at`` and ``hold_from``. ``rows`` (indices): return them for these
    bookings only (the counterfactual is still run on everyone, who share the queue).
    """
    horizon = ctx.scenario.horizon
    exit_without = vector.exit_without_detainers(ctx, pop)
    exit_with, hold_start = tl.exit_at, tl.hold_start_at
    if rows is not None:
        exit_without, exit_with, hold_start = exit_without[rows], exit_with[rows], hold_start[rows]
    end_with = np.minimum(exit_with, horizon)
    total = end_with - np.minimum(exit_without, horizon)
    held = ~np.isnan(hold_start)
    hold_from = np.minimum(leave_decided_at(tl, rows), horizon)
    hold = np.where(held, np.clip(end_with - hold_from, 0.0, None), 0.0)
    return {
        "attributable_days": total,
        "attributable_days_pre_release": total - hold,
        "attributable_days_hold": hold,
        "counterfactual_exit_at": exit_without,
        "hold_from": np.where(held, hold_from, np.nan),
    }
