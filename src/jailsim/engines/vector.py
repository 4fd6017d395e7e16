"""The vector engine: every booking's timeline computed with numpy over whole arrays.

It consumes the same Population as the SimPy engine and computes the same Timeline, but by
passes over arrays instead of events: the court path of every booking by the static rules of
:mod:`jailsim.model.rules` (:class:`~jailsim.model.rules.CourtPath`), the JEM screening queue
and the WSO warrant queue in the sequential kernels of :mod:`jailsim.engines.kernels`, then
holds and ICE pickup. The queues, the order in which things happen and transport seats are
this engine's own (the SimPy engine has its own on purpose: the engine-equality tests compare
two independent versions of the dynamic part).

The one feedback loop of the model (a JEM detainer lowers the chance of posting bail, and the
screening queue depends on who has left) is cut by an ordering argument: a person leaves the
screening queue at the release time computed with remote detainers only, because a JEM
detainer can exist only after that person's screening has started.

``detainer_effects=False`` switches off every effect of a detainer (no lower bond posting, no
hold) on the same draws: the counterfactual used for detainer attribution, whose exit times
:func:`exit_without_detainers` computes alone.

Memory: arrays are built once, as the Timeline's own fields, and the court path is freed as
soon as it is used; everyone's milestones are float64 (NaN = never), codes int8.

Dated policy changes apply as in the SimPy engine: JEM by booking time; honor policy, hold
cap, WSO and ICE pickup by the time the person would otherwise leave; officer timetables and
transport runs by the instant (:mod:`jailsim.model.policy`).
"""

from __future__ import annotations

import numpy as np

from jailsim.base.chunks import spans
from jailsim.engines.kernels import Seats, fcfs_shift_queue
from jailsim.model import rules
from jailsim.model.codes import (
    BOND_DENIED,
    BOND_NOT_POSTED,
    BOND_POSTED,
    BOND_ROR,
    DENIED,
    DETAINER_JEM,
    DETAINER_NONE,
    EXIT_ICE_TRANSFER,
    EXIT_PRISON,
    EXIT_RELEASED,
    ROR,
    SENTENCE_PRISON,
)
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.model.rules import CourtPath
from jailsim.model.timeline import Timeline


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


class Lines:
    """Where bookings compete, for one whole run: the officers' lines and ICE's seats.

    The JEM screening line, the WSO warrant line and ICE transport seats, each given the
    people who join it in the order they join (``rows``: their rows in the Population). The
    stream engine (:mod:`jailsim.engines.stream`) feeds the same lines a chunk at a time:
    its lines answer only for people who joined before the chunk's end, and mark the others
    ``pending`` (rows whose timeline is not known yet; None here: everyone is known).
    """

    pending: np.ndarray | None = None

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def screening(self, rows, ready, work, due, cut) -> np.ndarray:
        """Interview start times in the JEM screening line (NaN: left before one)."""
        return fcfs_shift_queue(ready, work, due, self.ctx.jem_staff, cut)

    def warrants(self, rows, now, service, deadline) -> np.ndarray:
        """Start times of warrant service by WSO officers (NaN: none by the deadline)."""
        return fcfs_shift_queue(now, service, deadline, self.ctx.wso_staff)

    def transport(self, rows, eligible, deadline) -> np.ndarray:
        """Boarding times on ICE's transport runs (NaN: no seat by the deadline)."""
        return Seats(self.ctx.transport).board(eligible, deadline)

    def known(self, rows: np.ndarray) -> np.ndarray:
        """The rows ``rows`` (indices) whose timelines are known (not pending)."""
        return rows if self.pending is None else rows[~self.pending[rows]]


class _Screening:
    """The JEM screening queue of flagged bookings, given when each would leave.

    ``idx`` are the bookings that queue, in queue order (by ready time, then row); ``start``
    their interview start (NaN: left before one), ``end`` its end (the person's leaving, if
    cut short) and ``free`` when the officer is done with them; ``lodged`` those whose
    screening lodges a detainer (indices into the bookings), at ``lodged_at`` (when it takes
    effect, after the paperwork).
    """

    def __init__(self, ctx: Context, pop: Population, leave: np.ndarray,
                 disposed_at: np.ndarray, lines: Lines):
        booked = pop.booked_at
        screens = rules.jem_screens(ctx.policy, pop.jem_flagged, booked, pop.sentence)
        if ctx.policy.jem_after_sentence:  # only those disposed in custody join the line
            screens &= ~np.isnan(disposed_at)
        idx = np.flatnonzero(screens)
        ready = rules.screen_ready_at(ctx.scenario, booked[idx], disposed_at[idx])
        order = np.argsort(ready, kind="stable")
        self.idx, self.ready = idx[order], ready[order]
        idx = self.idx
        lodge = pop.jem_lodge[idx]
        work = rules.officer_work(pop.screening_time[idx], pop.nta_time[idx], lodge)
        interview, due = _f64(pop.screening_time[idx]), leave[idx]
        cut = interview if ctx.scenario.jem.at_release == "release" else None
        self.start = lines.screening(idx, self.ready, work, due, cut)
        self.end = self.start + interview
        self.free = self.start + work
        short = rules.interview_cut_short(ctx.scenario, self.start, interview, due)
        self.end[short] = self.free[short] = due[short]
        lodged = ~np.isnan(self.start) & lodge & ~short
        self.lodged = idx[lodged]
        self.lodged_at = rules.jem_detainer_at(self.start[lodged], work[lodged],
                                               pop.jem_detainer_delay[self.lodged])

    def finish(self, leave: np.ndarray) -> np.ndarray:
        """When each booking really leaves: ``leave``, or later if an interview runs over.

        Writes into ``leave`` and returns it.
        """
        leave[self.idx] = rules.walks_out_at(leave[self.idx], self.start, self.end)
        return leave


def exit_without_detainers(
    ctx: Context, pop: Population, factual: Timeline | None = None, lines: Lines | None = None
) -> np.ndarray:
    """Exit times on the same draws with every effect of a detainer switched off.

    Equal to ``run(ctx, pop, detainer_effects=False).exit_at``, without building the rest of
    the Timeline: the counterfactual of detainer attribution. ``factual``: the Timeline of
    ``pop`` with detainer effects, if at hand. Without a JEM line, bookings meet only after a
    detainer, so everyone no detainer can reach leaves as in ``factual`` and only the others
    are computed; with one (people queue together), that holds only if no one can get a
    detainer. ``lines``: the counterfactual's own screening line (default: a whole run's).
    """
    may = pop.remote_lodge | pop.jem_lodge  # who may get a detainer
    if factual is not None and (ctx.jem_staff is None or not may.any()):
        out = factual.exit_at.copy()
        rows = np.flatnonzero(may)
        if len(rows):
            out[rows] = _court_exit(ctx, pop.rows(rows))[0]
        return out
    leave, disposed_at = _court_exit(ctx, pop)
    if ctx.jem_staff is None:
        return leave
    return _Screening(ctx, pop, leave, disposed_at, lines or Lines(ctx)).finish(leave)


def _court_exit(ctx: Context, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """When each booking leaves by its court path alone (no detainer, no interview).

    And when the case of each one held to disposition is disposed (NaN: the others).
    """
    leave, disposed_at = np.empty(pop.n), np.empty(pop.n)
    for a, b in spans(pop.n):  # each booking's own: done in chunks
        paths = CourtPath(ctx, pop.rows(slice(a, b)))
        pretrial, _, posts = paths.decide(None)
        leave[a:b] = paths.leave(pretrial, posts)
        disposed_at[a:b] = _disposed_at(paths.disposition, pretrial, posts)
    return leave, disposed_at


def _disposed_at(disposition: np.ndarray, pretrial: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """The disposition of each case disposed in custody (NaN: released on recognizance or bail)."""
    return np.where((pretrial != ROR) & ~posts, disposition, np.nan)


def run(
    ctx: Context, pop: Population, *, detainer_effects: bool = True, lines: Lines | None = None
) -> Timeline:
    """Compute one replication's Timeline from its Population.

    ``lines``: where the bookings compete (default: the lines of a whole run, :class:`Lines`).
    """
    lines = lines or Lines(ctx)
    n = pop.n
    paths = CourtPath(ctx, pop)
    remote_at = rules.remote_detainer_at(pop)

    # Pass 1: the court path with remote detainers only; the screening queue is left then.
    pretrial, bail_in_time, posts = paths.decide(remote_at if detainer_effects else None)
    leave = paths.leave(pretrial, posts)
    disposition_at = _disposed_at(paths.disposition, pretrial, posts)

    # JEM screening: foreign-born bookings queue for designated officers.
    q = None
    times = {
        f: _nan(n)
        for f in ("screen_ready_at", "screen_start_at", "screen_end_at", "officer_free_at")
    }
    if ctx.jem_staff is not None:
        q = _Screening(ctx, pop, leave, disposition_at, lines)
        idx = q.idx
        times["screen_ready_at"][idx] = q.ready
        times["screen_start_at"][idx] = q.start
        times["screen_end_at"][idx] = q.end
        times["officer_free_at"][idx] = q.free

        # Pass 2: with JEM detainers, some who would have posted bail no longer do. Only
        # those whose first detainer is now a JEM one can change.
        if detainer_effects:
            first = q.lodged_at < remote_at[q.lodged]
            ch = q.lodged[first]
            pretrial[ch], bail_in_time[ch], posts[ch] = paths.decide(q.lodged_at[first], ch)
            leave[ch] = paths.leave(pretrial[ch], posts[ch], ch)
            disposition_at[ch] = _disposed_at(paths.disposition[ch], pretrial[ch], posts[ch])

    # Court milestones and bond outcome.
    is_ror, is_denied = pretrial == ROR, pretrial == DENIED
    bond_outcome = np.full(n, BOND_NOT_POSTED, dtype=np.int8)
    bond_outcome[posts] = BOND_POSTED
    bond_outcome[is_denied] = BOND_DENIED
    bond_outcome[is_ror] = BOND_ROR
    bond_decided_at = np.where(
        is_ror | is_denied,
        paths.appearance,
        np.where(bail_in_time, paths.post_at, paths.disposition),
    )
    del is_ror, is_denied, bail_in_time, posts
    to_prison = ~np.isnan(disposition_at) & (pop.sentence == SENTENCE_PRISON)
    initial_appearance_at = paths.appearance
    del paths  # the rest of the court path is no longer needed: free it

    # Leaving: at ``walk``, after an interview under way then; later if the jail waits for a
    # detainer its officer is preparing (jem.at_release). Detainers lodged by then count.
    policy = ctx.policy
    holds = ~to_prison & rules.held_for_ice(policy, leave, pop.felony, pop.u_refuse)
    walk = leave.copy()
    decide = walk
    detainer_at = remote_at  # becomes the detainer times (first lodged, if by leaving)
    lead_at = _nan(n)
    if q is not None:
        walk = q.finish(walk)
        r = q.lodged
        jem_first = r[q.lodged_at < remote_at[r]]
        detainer_at[r] = np.minimum(remote_at[r], q.lodged_at)
        if detainer_effects:
            decide = walk.copy()
            decide[r] = rules.kept_for_detainer_until(
                ctx.scenario, walk[r], detainer_at[r], ctx.hold.cap(leave[r]), holds[r]
            )
    has = detainer_at <= decide
    if q is not None:  # a JEM detainer in force after the person left: an at-large lead
        late = ~has[q.lodged]
        lead_at[q.lodged[late]] = q.lodged_at[late]
    detainer_at[~has] = np.nan
    source = np.where(has, rules.remote_detainer_source(pop.civil_only), np.int8(DETAINER_NONE))
    if q is not None:
        source[jem_first[has[jem_first]]] = DETAINER_JEM
    release_eligible_at = np.where(to_prison, np.nan, leave)

    t = Timeline(
        **times,
        detainer_at=detainer_at,
        lead_at=lead_at,
        initial_appearance_at=initial_appearance_at,
        bond_decided_at=bond_decided_at,
        disposition_at=disposition_at,
        release_eligible_at=release_eligible_at,
        hold_start_at=_nan(n),
        warrant_start_at=_nan(n),
        warrant_served_at=_nan(n),
        ice_custody_at=_nan(n),
        exit_at=decide,
        pretrial=pretrial,
        detainer_source=source,
        bond_outcome=bond_outcome,
        exit_reason=np.where(to_prison, np.int8(EXIT_PRISON), np.int8(EXIT_RELEASED)),
    )
    if detainer_effects:
        valid = has & ~to_prison & ~rules.detainer_void(policy, leave, source)
        # (people still in the screening line of a stream engine's chunk wait for the next)
        h = lines.known(np.flatnonzero(valid & holds))
        _holds(ctx, pop, t, h, leave, walk, decide, lines)
        told = valid & ~holds & rules.ice_told(policy, leave, pop.felony, pop.prior_conviction)
        _at_the_door(ctx, pop, t, lines.known(np.flatnonzero(told)), leave, decide)
    return t


def _at_the_door(ctx, pop, t, h, release_at, decide) -> None:
    """ICE, told of the release of the bookings ``h`` (no hold), takes custody at the door.

    Those it is there for leave with it then (or, under an IGSA, stay as its detainees).
    """
    policy = ctx.policy
    k = policy.periods.of(release_at[h])
    door = rules.ice_at_the_door(policy, k, t.detainer_at[h], decide[h], pop, h)
    h, k = h[door], k[door]
    t.ice_custody_at[h] = decide[h]
    t.exit_reason[h] = EXIT_ICE_TRANSFER
    kept = rules.igsa_keeps(policy, k, pop, h)
    if kept.any():
        g = h[kept]
        t.exit_at[g] = rules.igsa_leaves_at(policy, k[kept], decide[g], pop, g)


def _holds(ctx, pop, t, h, release_at, walk, decide, lines) -> None:
    """Holds for ICE of the bookings ``h``: warrant service, transport, and how they end.

    The hold starts when the person would otherwise walk out (``walk``) and its cap runs from
    the release (``release_at``); ``decide`` is when the jail holds them, with a detainer
    in force. ICE takes custody (and, under an IGSA, may keep the person here a while),
    cancels the detainer first, or the hold lapses at the cap.
    """
    sc, policy = ctx.scenario, ctx.policy
    if len(h) == 0:
        return
    r = release_at[h]
    t.hold_start_at[h] = walk[h]
    k = policy.periods.of(r)  # the policy in force when the hold starts
    cap = ctx.hold.cap(r)
    cancel_at = rules.ice_cancels_at(policy, k, r, pop, h)
    deadline = np.minimum(cap, cancel_at)  # ICE must take custody by then
    ready = rules.ice_ready_at(policy, k, r, pop, h)
    now = decide[h]  # when the jail holds them (after an interview, with a detainer)
    lapsed = np.zeros(len(h), dtype=bool)
    if ctx.wso_staff is not None:
        w = np.flatnonzero(policy.wso_on[k])  # holds that go through warrant service
        order = w[np.argsort(now[w], kind="stable")]
        service = _f64(pop.service_time[h])
        start = np.full(len(h), np.nan)
        start[order] = lines.warrants(h[order], now[order], service[order], deadline[order])
        served = ~np.isnan(start)
        t.warrant_start_at[h[served]] = start[served]
        t.warrant_served_at[h[served]] = start[served] + service[served]
        lapsed[w] = ~served[w]
        now = np.where(served, start + service, now)
        cap = np.where(served, rules.warrant_custody_until(sc, now), cap)
        deadline = np.minimum(cap, cancel_at)
    eligible = np.maximum(ready, now)
    comes = rules.ice_comes(policy, k, pop.u_pickup[h]) & ~lapsed
    pickup = np.full(len(h), np.nan)
    at_once = comes & ctx.transport.continuous_at(eligible)
    pickup[at_once] = eligible[at_once]
    j = np.flatnonzero(comes & ~at_once)
    order = j[np.argsort(eligible[j], kind="stable")]
    if len(order):
        pickup[order] = lines.transport(h[order], eligible[order], deadline[order])
    transfer = ~np.isnan(pickup) & (pickup <= deadline)
    t.ice_custody_at[h] = np.where(transfer, pickup, np.nan)
    # Without ICE: out at the deadline, or when a screening in progress ends if later.
    exit_at = np.where(transfer, pickup, np.maximum(deadline, now))
    kept = np.flatnonzero(transfer & rules.igsa_keeps(policy, k, pop, h))
    if len(kept):  # ICE's detainee in this jail under the IGSA, then gone
        exit_at[kept] = rules.igsa_leaves_at(policy, k[kept], pickup[kept], pop, h[kept])
    t.exit_at[h] = exit_at
    t.exit_reason[h] = np.where(transfer, np.int8(EXIT_ICE_TRANSFER),
                                rules.hold_ends_without_ice(cancel_at, cap))
