"""Immigration holds in an export: how many bookings had one, how long, and how they ended.

Holds that ended without ICE give the hold cap (their median length); holds that ended in a
transfer give ICE's pickup delay (a lognormal truncated at the cap) and, set against the holds
that lapsed, the chance that ICE picks a person up at all. An export without hold columns says
nothing about holds, and the base county's values are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from jailsim.county.exports import Export

__all__ = ["HoldFit", "fit_holds"]


@dataclass(frozen=True, eq=False)
class HoldFit:
    """Immigration holds in the export: how many, how long, and how they ended."""

    n: int
    n_hold: int
    share: float
    share_se: float
    outcomes: dict
    hours: pd.DataFrame
    cap_hours: float | None
    pickup: tuple[float, float] | None  # lognormal (median, p90) in days
    p_pickup: float | None
    notes: list = field(default_factory=list)


def _truncated_lognormal(d: np.ndarray, cap: float) -> tuple[float, float]:
    y = np.log(d)

    def nll(th):
        mu, s = th[0], np.exp(th[1])
        z = (y - mu) / s
        return float(np.sum(0.5 * z * z + np.log(s)) + len(y) * -special.log_ndtr(
            (np.log(cap) - mu) / s))

    res = optimize.minimize(nll, [np.median(y), np.log(max(np.std(y), 0.1))],
                            method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10})
    return float(res.x[0]), float(np.exp(res.x[1]))


def fit_holds(export: Export, base_cap_days: float = 2.0) -> HoldFit | None:
    """Share, duration and outcome of holds; None when the export says nothing about holds."""
    cols = export.columns
    if not any(r in cols for r in ("hold", "hold_start", "hold_end")):
        return None
    b = export.bookings
    n, k = len(b), int(b["hold"].sum())
    share = k / n
    held = b[b["hold"]]
    outcomes = held["hold_outcome"].value_counts().to_dict()
    hours = held[["hold_hours", "hold_outcome"]].dropna()
    notes = []
    cap_hours = None
    lapsed = hours.loc[hours["hold_outcome"] == "released", "hold_hours"]
    lapsed = lapsed[lapsed > 0]
    if len(lapsed) >= 20:
        cap_hours = float(np.round(np.median(lapsed)))
    elif len(hours):
        notes.append(f"only {len(lapsed)} holds ended without ICE: hold cap kept from base")
    cap = cap_hours / 24 if cap_hours else base_cap_days
    pickup = p_pickup = None
    if "reason" not in cols:
        notes.append("no release reason column: ICE transfers unknown, ICE values kept from base")
    else:
        moved = hours.loc[hours["hold_outcome"] == "ice", "hold_hours"] / 24
        moved = moved[moved > 0]
        over = int((moved > cap).sum())
        if over:
            notes.append(f"{over} transfers to ICE came after the hold cap; read as at the cap")
        if len(moved) >= 10:
            mu, s = _truncated_lognormal(np.minimum(moved.to_numpy(), cap), cap)
            pickup = (float(np.exp(mu)), float(np.exp(mu + special.ndtri(0.9) * s)))
            known = outcomes.get("ice", 0) + outcomes.get("released", 0)
            within = float(special.ndtr((np.log(cap) - mu) / s))
            p_pickup = min(1.0, outcomes.get("ice", 0) / known / within) if known else None
        else:
            notes.append(f"only {len(moved)} timed transfers to ICE: pickup delay kept from base")
    return HoldFit(n=n, n_hold=k, share=share, share_se=float(np.sqrt(share * (1 - share) / n)),
                   outcomes=outcomes, hours=hours, cap_hours=cap_hours, pickup=pickup,
                   p_pickup=p_pickup, notes=notes)
