"""Records: one row per booking, censored at the horizon, as a pandas DataFrame.

An engine's Timeline follows everyone to their exit; the records keep only what had happened
by the horizon. Times after it become NaN, outcomes not yet decided become ``pending``, and
people still held have ``exit_reason == "censored"`` with ``los_days`` the time served so far
(a right-censored observation, never dropped). With a warm start, bookings before day 0 have
negative times; those who had left by day 0 are not in the table.

Who a person is: ``status`` is ``us_born``, ``naturalized`` (a U.S. citizen born abroad; the
``citizen`` column) or ``noncitizen``; ``record_hit`` says whether the biometric check matched
a DHS record (for a citizen, a database error). ``period`` is the policy period in force at
booking, named by the date it starts (:mod:`jailsim.policy`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jailsim.attribution import attribute
from jailsim.context import Context
from jailsim.population import PRETRIAL_NAMES, SENTENCE_NAMES, Population
from jailsim.streams import SOURCES
from jailsim.timeline import BOND_OUTCOMES, DETAINER_SOURCES, EXIT_REASONS, TIME_FIELDS, Timeline

CENSORED = "censored"
PENDING = "pending"
#: Immigration status of a booking (``status`` column).
STATUS_NAMES = ("us_born", "naturalized", "noncitizen")

#: Time columns of the bookings table (float days since the scenario's start): the booking
#: time, then the Timeline's milestones (``screen_start_at`` is published as ``screened_at``).
TIME_COLUMNS = (
    "booked_at",
    *("screened_at" if f == "screen_start_at" else f for f in TIME_FIELDS),
)


def _cat(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int16), categories=list(names))


def bookings_frame(ctx: Context, pop: Population, tl: Timeline) -> pd.DataFrame:
    """The censored bookings table of one replication, with detainer attribution."""
    sc, horizon = ctx.scenario, ctx.scenario.horizon
    times = tl.arrays()
    times["screened_at"] = times.pop("screen_start_at")
    censor = {k: np.where(times[k] > horizon, np.nan, times[k]) for k in TIME_COLUMNS[1:]}

    exit_known = tl.exit_at <= horizon
    exit_codes = np.where(exit_known, tl.exit_reason, len(EXIT_REASONS))
    bond_codes = np.where(tl.bond_decided_at <= horizon, tl.bond_outcome, len(BOND_OUTCOMES))
    disposed = ~np.isnan(tl.disposition_at)
    sentence_codes = np.where(
        disposed,
        np.where(tl.disposition_at <= horizon, pop.sentence, len(SENTENCE_NAMES) + 1),
        len(SENTENCE_NAMES),
    )
    detainer_codes = np.where(tl.detainer_at <= horizon, tl.detainer_source, 0)
    end = np.minimum(tl.exit_at, horizon)
    hold_hours = np.where(tl.hold_start_at <= horizon, (end - tl.hold_start_at) * 24.0, np.nan)
    source_names = tuple(sorted(SOURCES, key=SOURCES.get))
    extra = attribute(ctx, pop, tl)
    status = np.where(~pop.foreign_born, 0, np.where(pop.citizen, 1, 2))
    period = ctx.policy.periods.of(pop.booked_at)
    counterfactual_end = np.minimum(extra["counterfactual_exit_at"], horizon)

    frame = pd.DataFrame(
        {
            "replication": np.full(pop.n, pop.replication, dtype=np.int32),
            "booking_id": np.arange(pop.n, dtype=np.int64),
            "stream": _cat(pop.source, source_names),
            "booked_at": pop.booked_at,
            "period": _cat(period, ctx.policy.labels),
            "charge": _cat(pop.charge, sc.charge_names),
            "felony": pop.felony,
            "foreign_born": pop.foreign_born,
            "citizen": pop.citizen,
            "status": _cat(status, STATUS_NAMES),
            "removable": pop.removable,
            "dhs_record": pop.dhs_record,
            "record_hit": pop.record_hit,
            **{k: censor[k] for k in TIME_COLUMNS[1:6]},
            "detainer_source": _cat(detainer_codes, DETAINER_SOURCES),
            "initial_appearance_at": censor["initial_appearance_at"],
            "pretrial_decision": _cat(tl.pretrial, PRETRIAL_NAMES),
            "bond_outcome": _cat(bond_codes, (*BOND_OUTCOMES, PENDING)),
            "bond_decided_at": censor["bond_decided_at"],
            "disposition_at": censor["disposition_at"],
            "sentence": _cat(sentence_codes, (*SENTENCE_NAMES, "none", PENDING)),
            **{k: censor[k] for k in TIME_COLUMNS[9:13]},
            "hold_hours": hold_hours,
            "exit_at": censor["exit_at"],
            "exit_reason": _cat(exit_codes, (*EXIT_REASONS, CENSORED)),
            "los_days": end - pop.booked_at,
            "counterfactual_los_days": counterfactual_end - pop.booked_at,
            "attributable_days": extra["attributable_days"],
            "attributable_days_pre_release": extra["attributable_days_pre_release"],
            "attributable_days_hold": extra["attributable_days_hold"],
        }
    )
    # A warm start simulates bookings before day 0; those who left before it never appear.
    before = tl.exit_at < 0
    return frame[~before].reset_index(drop=True) if before.any() else frame
