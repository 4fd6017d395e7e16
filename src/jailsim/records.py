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
    """The censored bookings table of one replication, with detainer attribution.

    Built column by column on the rows kept (no consolidating copy of the table): with a warm
    start, bookings before day 0 who left before it never appear.
    """
    sc, horizon = ctx.scenario, ctx.scenario.horizon
    before = tl.exit_at < 0
    rows = np.flatnonzero(~before) if before.any() else None

    def take(a: np.ndarray) -> np.ndarray:
        """The rows kept, as a new array (the table never shares memory with its inputs)."""
        return a.copy() if rows is None else a[rows]

    def censor(a: np.ndarray) -> np.ndarray:
        out = take(a)
        out[out > horizon] = np.nan
        return out

    def known(at: np.ndarray, codes: np.ndarray, pending: int) -> np.ndarray:
        """``codes`` where the time ``at`` is within the horizon, else ``pending``."""
        return np.where(take(at) <= horizon, take(codes), pending)

    extra = attribute(ctx, pop, tl, rows)
    booked = take(pop.booked_at)
    foreign_born, citizen = take(pop.foreign_born), take(pop.citizen)
    exit_raw, hold_raw, disposition_raw = take(tl.exit_at), take(tl.hold_start_at), take(
        tl.disposition_at
    )
    disposed = ~np.isnan(disposition_raw)
    sentence_codes = np.where(
        disposed,
        np.where(disposition_raw <= horizon, take(pop.sentence), len(SENTENCE_NAMES) + 1),
        len(SENTENCE_NAMES),
    )
    end = np.minimum(exit_raw, horizon)
    hold_hours = np.where(hold_raw <= horizon, (end - hold_raw) * 24.0, np.nan)
    source_names = tuple(sorted(SOURCES, key=SOURCES.get))
    status = np.where(~foreign_born, 0, np.where(citizen, 1, 2))
    times = {
        name: censor(getattr(tl, "screen_start_at" if name == "screened_at" else name))
        for name in TIME_COLUMNS[1:]
    }
    n = len(booked)
    columns = {
        "replication": np.full(n, pop.replication, dtype=np.int32),
        "booking_id": pop.ids(rows),
        "stream": _cat(take(pop.source), source_names),
        "booked_at": booked,
        "period": _cat(ctx.policy.periods.of(booked), ctx.policy.labels),
        "charge": _cat(take(pop.charge), sc.charge_names),
        "felony": take(pop.felony),
        "foreign_born": foreign_born,
        "citizen": citizen,
        "status": _cat(status, STATUS_NAMES),
        "removable": take(pop.removable),
        "dhs_record": take(pop.dhs_record),
        "record_hit": take(pop.record_hit),
        **{k: times[k] for k in TIME_COLUMNS[1:6]},
        "detainer_source": _cat(known(tl.detainer_at, tl.detainer_source, 0), DETAINER_SOURCES),
        "initial_appearance_at": times["initial_appearance_at"],
        "pretrial_decision": _cat(take(tl.pretrial), PRETRIAL_NAMES),
        "bond_outcome": _cat(
            known(tl.bond_decided_at, tl.bond_outcome, len(BOND_OUTCOMES)),
            (*BOND_OUTCOMES, PENDING),
        ),
        "bond_decided_at": times["bond_decided_at"],
        "disposition_at": times["disposition_at"],
        "sentence": _cat(sentence_codes, (*SENTENCE_NAMES, "none", PENDING)),
        **{k: times[k] for k in TIME_COLUMNS[9:13]},
        "hold_hours": hold_hours,
        "exit_at": times["exit_at"],
        "exit_reason": _cat(
            known(tl.exit_at, tl.exit_reason, len(EXIT_REASONS)), (*EXIT_REASONS, CENSORED)
        ),
        "los_days": end - booked,
        "counterfactual_los_days": np.minimum(extra["counterfactual_exit_at"], horizon) - booked,
        "attributable_days": extra["attributable_days"],
        "attributable_days_pre_release": extra["attributable_days_pre_release"],
        "attributable_days_hold": extra["attributable_days_hold"],
    }
    # copy=False: every column is a fresh array, so pandas keeps one block per column instead
    # of stacking copies of them.
    return pd.DataFrame(columns, copy=False)
