"""Records: one row per booking, censored at the horizon, as a pandas DataFrame.

An engine's Timeline follows everyone to their exit; the records keep only what had happened
by the horizon. Times after it become NaN, outcomes not yet decided become ``pending``, and
people still held have ``exit_reason == "censored"`` with ``los_days`` the time served so far
(a right-censored observation, never dropped). With a warm start, bookings before day 0 have
negative times; those who had left by day 0 are not in the table.

Who a person is: ``status`` is ``us_born``, ``naturalized`` (a U.S. citizen born abroad; the
``citizen`` column) or ``noncitizen``; ``record_hit`` says whether the biometric check matched
a DHS record (for a citizen, a database error). ``period`` is the policy period in force at
booking, named by the date it starts (:mod:`jailsim.model.policy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from jailsim.model.codes import (
    BOND_OUTCOMES,
    DETAINER_SOURCES,
    EXIT_REASONS,
    PRETRIAL_NAMES,
    SENTENCE_NAMES,
)
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.model.streams import SOURCES
from jailsim.model.timeline import TIME_FIELDS, Timeline
from jailsim.results.attribution import ATTRIBUTABLE, attribute

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


@lru_cache(maxsize=64)
def _dtype(names: tuple[str, ...]) -> pd.CategoricalDtype:
    """The categorical dtype of ``names``, built once (building one validates the names)."""
    return pd.CategoricalDtype(categories=list(names))


def _cat(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int16), dtype=_dtype(tuple(names)))


#: What the bookings table needs of a Population besides the Timeline: who each booking is.
PEOPLE = (
    "booked_at", "source", "charge", "felony", "foreign_born", "jem_flagged", "civil_only",
    "offense", "prior_conviction",
    "citizen", "removable", "dhs_record", "record_hit", "sentence",
)


@dataclass(frozen=True, eq=False)
class Recorded:
    """Who the bookings table holds: the rows kept, who they are, their counterfactual exits.

    Everything the table needs from a Population (:data:`PEOPLE`, ids, and the exit times of
    detainer attribution's counterfactual, :func:`jailsim.results.attribution.attribute`), so
    the Population can be freed before the table is built. ``rows``: the rows kept (indices),
    or None for all; the arrays are for those rows.
    """

    replication: int
    rows: np.ndarray | None
    ids: np.ndarray
    people: dict[str, np.ndarray]
    exit_without: np.ndarray

    @classmethod
    def of(cls, pop: Population, tl: Timeline, exit_without: np.ndarray) -> Recorded:
        """The bookings of ``pop`` in the table (with a warm start, not those gone by day 0).

        ``exit_without``: every booking's exit time on the same draws without any effect of a
        detainer (the counterfactual, :func:`jailsim.engines.vector.exit_without_detainers`).
        """
        before = tl.exit_at < 0
        rows = np.flatnonzero(~before) if before.any() else None
        people = {k: getattr(pop, k) for k in PEOPLE}
        if rows is not None:
            people = {k: a[rows] for k, a in people.items()}
            exit_without = exit_without[rows]
        return cls(pop.replication, rows, pop.ids(rows), people, exit_without)


def table(ctx: Context, rec: Recorded, tl: Timeline, *, release: bool = False) -> pd.DataFrame:
    """The bookings table of ``rec`` from its Timeline ``tl``.

    Built column by column (no consolidating copy). By default the table shares no memory
    with its inputs. ``release=True`` instead sets each field of ``tl`` to None once used and
    hands ``rec``'s arrays (emptying ``rec.people``) to the table, so that memory holds little
    more than the table at any time; the caller must not use ``tl`` or ``rec`` afterwards.
    """
    sc, horizon, rows = ctx.scenario, ctx.scenario.horizon, rec.rows
    people = rec.people if release else dict(rec.people)

    def field(name: str) -> np.ndarray:
        """The rows kept of a Timeline field, as a new array (with ``release``, freed)."""
        a = getattr(tl, name)
        if release:
            setattr(tl, name, None)
        return a.copy() if rows is None else a[rows]

    def own(name: str) -> np.ndarray:
        """A column of who the bookings are (already cut to the rows kept by Recorded.of)."""
        a = people.pop(name)
        return a.copy() if rows is None or not release else a

    # Each time taken once, as the Timeline has it; censored in place once all is derived.
    times = {
        name: field("screen_start_at" if name == "screened_at" else name)
        for name in TIME_COLUMNS[1:]
    }
    exit_raw, hold_raw = times["exit_at"], times["hold_start_at"]
    extra = attribute(horizon, exit_raw, times["ice_custody_at"], hold_raw, rec.exit_without)

    def known(at: str, codes: str, pending: int) -> np.ndarray:
        """The codes ``codes`` where the time ``at`` is within the horizon, else ``pending``."""
        return np.where(times[at] <= horizon, field(codes), pending)

    detainer_source = known("detainer_at", "detainer_source", 0)
    bond_outcome = known("bond_decided_at", "bond_outcome", len(BOND_OUTCOMES))
    exit_reason = known("exit_at", "exit_reason", len(EXIT_REASONS))
    pretrial = known("initial_appearance_at", "pretrial", len(PRETRIAL_NAMES))
    # A hold ends when ICE takes custody (the person may stay on as ICE's detainee under an
    # IGSA), or at the exit.
    hold_end = np.minimum(np.fmin(times["ice_custody_at"], exit_raw), horizon)
    hold_hours = np.where(hold_raw <= horizon, (hold_end - hold_raw) * 24.0, np.nan)
    end = np.minimum(exit_raw, horizon)
    del hold_end
    booked = own("booked_at")
    # No sentence ("none"): released before any disposition, known once bail was posted or
    # recognizance granted; until then, or until the disposition, the sentence is pending.
    none, pending = len(SENTENCE_NAMES), len(SENTENCE_NAMES) + 1
    disposition_raw = times["disposition_at"]
    disposed = ~np.isnan(disposition_raw)
    bond_known = bond_outcome != len(BOND_OUTCOMES)
    sentence_codes = np.where(
        disposed,
        np.where(disposition_raw <= horizon, own("sentence"), pending),
        np.where(bond_known, none, pending),
    )
    del disposition_raw, disposed, bond_known, exit_raw, hold_raw
    for a in times.values():
        a[a > horizon] = np.nan
    foreign_born, citizen = own("foreign_born"), own("citizen")
    status = np.where(~foreign_born, 0, np.where(citizen, 1, 2))
    source_names = tuple(sorted(SOURCES, key=SOURCES.get))
    n = len(booked)
    columns = {
        "replication": np.full(n, rec.replication, dtype=np.int32),
        "booking_id": rec.ids.copy() if not release else rec.ids,
        "stream": _cat(own("source"), source_names),
        "booked_at": booked,
        "period": _cat(ctx.policy.periods.of(booked), ctx.policy.labels),
        "charge": _cat(own("charge"), sc.charge_names),
        "felony": own("felony"),
        "foreign_born": foreign_born,
        "jem_flagged": own("jem_flagged"),
        "civil_only": own("civil_only"),
        "offense": _cat(own("offense"), sc.offense_names),
        "prior_conviction": own("prior_conviction"),
        "citizen": citizen,
        "status": _cat(status, STATUS_NAMES),
        "removable": own("removable"),
        "dhs_record": own("dhs_record"),
        "record_hit": own("record_hit"),
        **{k: times[k] for k in ("screen_ready_at", "screened_at", "screen_end_at",
                                 "officer_free_at", "detainer_at", "lead_at")},
        "detainer_source": _cat(detainer_source, DETAINER_SOURCES),
        "initial_appearance_at": times["initial_appearance_at"],
        "pretrial_decision": _cat(pretrial, (*PRETRIAL_NAMES, PENDING)),
        "bond_outcome": _cat(bond_outcome, (*BOND_OUTCOMES, PENDING)),
        "bond_decided_at": times["bond_decided_at"],
        "disposition_at": times["disposition_at"],
        "sentence": _cat(sentence_codes, (*SENTENCE_NAMES, "none", PENDING)),
        **{k: times[k] for k in ("release_eligible_at", "hold_start_at", "warrant_start_at",
                                 "warrant_served_at", "ice_custody_at")},
        "hold_hours": hold_hours,
        "exit_at": times["exit_at"],
        "exit_reason": _cat(exit_reason, (*EXIT_REASONS, CENSORED)),
        "los_days": end - booked,
        "counterfactual_los_days": np.minimum(extra.pop("counterfactual_exit_at"), horizon)
        - booked,
        **{k: extra.pop(k) for k in ATTRIBUTABLE},
    }
    # copy=False: every column is a fresh array, so pandas keeps one block per column instead
    # of stacking copies of them.
    return pd.DataFrame(columns, copy=False)
