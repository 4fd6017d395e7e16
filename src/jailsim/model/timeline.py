"""The Timeline: what an engine computes for each booking of one replication.

Engines fill one Timeline per Population: every milestone time (float days since the start,
NaN where a milestone never happens) and the coded outcomes (:mod:`jailsim.model.codes`). A
Timeline is complete: the engines follow everyone to their exit, even past the horizon;
:mod:`jailsim.results.records` then censors it at the horizon for output. Two engines agree
when their Timelines agree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from jailsim.model.codes import DETAINER_NONE

TIME_FIELDS = (
    "screen_ready_at",
    "screen_start_at",
    "screen_end_at",
    "officer_free_at",
    "detainer_at",
    "lead_at",
    "initial_appearance_at",
    "bond_decided_at",
    "disposition_at",
    "release_eligible_at",
    "hold_start_at",
    "warrant_start_at",
    "warrant_served_at",
    "ice_custody_at",
    "exit_at",
)
CODE_FIELDS = ("pretrial", "detainer_source", "bond_outcome", "exit_reason")


@dataclass(eq=False)
class Timeline:
    """Per-booking milestone times (float64, NaN = never) and outcome codes (int8)."""

    screen_ready_at: np.ndarray
    screen_start_at: np.ndarray
    screen_end_at: np.ndarray
    officer_free_at: np.ndarray  # officer done with this person (screening + NTA work)
    detainer_at: np.ndarray
    lead_at: np.ndarray  # a JEM detainer in force after the person left: ICE's at-large lead
    initial_appearance_at: np.ndarray
    bond_decided_at: np.ndarray
    disposition_at: np.ndarray
    release_eligible_at: np.ndarray
    hold_start_at: np.ndarray
    warrant_start_at: np.ndarray
    warrant_served_at: np.ndarray
    ice_custody_at: np.ndarray  # ICE takes custody (leaves then, or later under an IGSA)
    exit_at: np.ndarray
    pretrial: np.ndarray  # decision at the initial appearance (codes: ROR, BAIL, DENIED)
    detainer_source: np.ndarray  # codes DETAINER_*
    bond_outcome: np.ndarray  # codes BOND_*
    exit_reason: np.ndarray  # codes EXIT_*

    @classmethod
    def empty(cls, n: int) -> Timeline:
        """A Timeline of ``n`` bookings with nothing happened yet."""
        times = {f: np.full(n, np.nan) for f in TIME_FIELDS}
        codes = {f: np.full(n, -1, dtype=np.int8) for f in CODE_FIELDS}
        codes["detainer_source"][:] = DETAINER_NONE
        return cls(**times, **codes)

    def arrays(self) -> dict[str, np.ndarray]:
        """The fields as a name -> array mapping."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
