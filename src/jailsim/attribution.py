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


def leave_decided_at(tl: Timeline) -> np.ndarray:
    """When each person would walk out: release-eligible, or later if an interview ran over."""
    screened_before = tl.screen_start_at < tl.release_eligible_at
    return np.where(
        screened_before,
        np.fmax(tl.release_eligible_at, tl.screen_end_at),
        tl.release_eligible_at,
    )


def attribute(ctx: Context, pop: Population, tl: Timeline) -> dict[str, np.ndarray]:
    """Per-booking days attributable to a detainer, censored at the horizon.

    Returns arrays ``attributable_days``, ``attributable_days_pre_release`` and
    ``attributable_days_hold`` (days; zero for people without a detainer).
    """
    horizon = ctx.scenario.horizon
    without = vector.run(ctx, pop, detainer_effects=False)
    end_with = np.minimum(tl.exit_at, horizon)
    end_without = np.minimum(without.exit_at, horizon)
    total = end_with - end_without
    held = ~np.isnan(tl.hold_start_at)
    hold_from = np.minimum(leave_decided_at(tl), horizon)
    hold = np.where(held, np.clip(end_with - hold_from, 0.0, None), 0.0)
    return {
        "attributable_days": total,
        "attributable_days_pre_release": total - hold,
        "attributable_days_hold": hold,
        "counterfactual_exit_at": without.exit_at,
        "hold_from": np.where(held, hold_from, np.nan),
    }
