"""Detainer attribution: the jail days each booking spends because of a detainer.

The counterfactual reruns the same Population with every effect of a detainer switched off
(a detainer no longer lowers the chance of posting bail, and no one is held for ICE). Because
both worlds share every random draw, the difference in each person's stay is caused by the
detainer alone. It splits into the hold (time held after the moment the person would
otherwise have walked out, until ICE takes custody or the hold ends), an IGSA stay (days held
here as ICE's detainee after it took custody in place) and the rest, which comes before
release (bail not posted).

The counterfactual is one more pass of the vector engine, whichever engine produced the
timeline (the engines agree booking by booking); the replication step runs it
(:mod:`jailsim.experiments.replication`) and hands its exit times here. Rarely, a person's
counterfactual differs through someone else's detainer (the screening queue moves when others
leave earlier), so an individual figure can be slightly negative; totals are what the metrics
report.
"""

from __future__ import annotations

import numpy as np

#: The per-booking columns of :func:`attribute` that the bookings table publishes as they are.
ATTRIBUTABLE = (
    "attributable_days", "attributable_days_pre_release", "attributable_days_hold",
    "attributable_days_igsa",
)


def attribute(
    horizon: float,
    exit_at: np.ndarray,
    ice_custody_at: np.ndarray,
    hold_start_at: np.ndarray,
    exit_without: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per-booking days attributable to a detainer, censored at the horizon.

    Returns arrays ``attributable_days``, ``attributable_days_pre_release``,
    ``attributable_days_hold`` and ``attributable_days_igsa`` (days; zero for people without
    a detainer), with
    ``counterfactual_exit_at`` (``exit_without`` itself). The inputs are the bookings'
    Timeline times (not censored; NaN: never) and the counterfactual's exit times
    (:func:`jailsim.engines.vector.exit_without_detainers`), all for the same bookings; none
    is changed.
    """
    total = np.minimum(exit_without, horizon)
    end_with = np.minimum(exit_at, horizon)
    np.subtract(end_with, total, out=total)
    # The hold counts from its start (when the person would otherwise walk out) to ICE taking
    # custody (or the exit); an IGSA stay from custody to the exit.
    custody = np.minimum(ice_custody_at, horizon)
    igsa = np.where(np.isnan(custody), 0.0, end_with - custody)
    hold = np.minimum(hold_start_at, horizon)
    np.subtract(np.fmin(custody, end_with), hold, out=hold)
    del end_with, custody
    np.clip(hold, 0.0, None, out=hold)
    hold[np.isnan(hold)] = 0.0
    return {
        "attributable_days": total,
        "attributable_days_pre_release": total - hold - igsa,
        "attributable_days_hold": hold,
        "attributable_days_igsa": igsa,
        "counterfactual_exit_at": exit_without,
    }
