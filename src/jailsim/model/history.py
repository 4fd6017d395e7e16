"""Trimming a warm-start history: which bookings before day 0 can still matter at day 0.

A steady-state warm start simulates years of bookings before day 0 so that the jail is full
at day 0; most of them have long left by then and matter to nobody. :func:`may_matter` keeps
only those that may still be in custody at day 0 or meet someone who is, by an upper bound of
each one's time of leaving from the rules of :mod:`jailsim.model.rules`; the tables, census
and metrics of a run are the same with the history trimmed or whole (tested).
"""

from __future__ import annotations

import numpy as np

from jailsim.model import rules
from jailsim.model.context import Context

__all__ = ["court_wait", "may_matter"]


def court_wait(ctx: Context, booked_at: np.ndarray) -> int:
    """Whole days beyond the longest possible wait from booking to an initial appearance.

    Over the calendar days the bookings ``booked_at`` (plus the minimum time to appearance)
    fall on, with one day to spare for the session's time of day and one for rounding.
    """
    if not len(booked_at):
        return 2
    t = booked_at[[0, -1]] + ctx.scenario.court.min_time_to_appearance
    span = np.arange(int(np.floor(t[0])), int(np.floor(t[1])) + 1)
    return int((ctx.court.days.after(span) - span).max()) + 2


def may_matter(ctx: Context, wait: int, p: dict[str, np.ndarray]) -> np.ndarray:
    """Which history bookings may still be in custody at day 0 or meet anyone who is.

    Bookings meet one another only in queues: the JEM screening line (foreign-born bookings
    under JEM) and, for those held on a detainer, warrant service and transport seats. A
    history booking in none of them (not screened, no remote detainer, so no detainer at all)
    leaves when its court path says, whoever else is in the jail; if an upper bound of that
    time is before day 0, it is not in custody at day 0 nor in anyone's way, and no table,
    census or metric sees it. The bound takes the initial appearance a whole day past the
    longest wait for a court session, and the latest of the court path's ways out (a duration
    left at zero is one that path cannot take).
    """
    sc = ctx.scenario
    booked = p["booked_at"]
    may = p["remote_lodge"].copy()
    if ctx.jem_staff is not None:
        may |= rules.jem_screens(ctx.policy, p["jem_flagged"], booked, p["sentence"])
    t = booked + (sc.court.min_time_to_appearance + wait)  # after the initial appearance
    proc = p["release_processing"]
    out = rules.after_disposition(p["sentence"], proc, p["jail_days"], p["prison_delay"])
    out = out.astype(np.float64)
    out += rules.disposition_at(t, booked, p["time_to_disposition"])
    np.maximum(out, t + np.maximum(proc, p["post_delay"]), out=out)
    # A day to spare: the bound need not follow the engines' floating-point steps exactly.
    may |= out >= -1.0
    return may
