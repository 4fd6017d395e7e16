"""The vector engine: every booking's timeline computed with numpy over whole arrays.

It consumes the same Population as the SimPy engine and computes the same Timeline, but by
passes over arrays instead of events: court dates from the court calendar, the release path
from the pretrial and disposition draws, the JEM screening queue and the WSO warrant queue in
the sequential kernels of :mod:`jailsim.engines.kernels`, then holds and ICE pickup.

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
from jailsim.engines.kernels import board_transport, fcfs_shift_queue
from jailsim.model.context import Context
from jailsim.model.policy import HONOR_CODES
from jailsim.model.population import BAIL, DENIED, JAIL, PRISON, ROR, TIME_SERVED, Population
from jailsim.model.timeline import (
    BOND_DENIED,
    BOND_NOT_POSTED,
    BOND_POSTED,
    BOND_ROR,
    ICE_TRANSFER,
    JEM,
    LAPSED,
    NO_DETAINER,
    REMOTE,
    Timeline,
)
from jailsim.model.timeline import PRISON as EXIT_PRISON
from jailsim.model.timeline import RELEASED as EXIT_RELEASED

_INF = np.inf
_ALL = slice(None)


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


class _Paths:
    """The court path of every booking, given when each one's detainer is lodged.

    Holds the initial appearance, disposition and bail-posting times; the rest is computed
    for the rows asked (``rows``: an index array, or every booking).
    """

    def __init__(self, ctx: Context, pop: Population):
        sc = ctx.scenario
        self.pop = pop
        # float64 + float32 widens the float32 exactly: the same sums as with float64 copies.
        booked = pop.booked_at
        self.ia = ctx.court.next_session(booked + sc.court.min_time_to_appearance)
        self.disposition = np.maximum(self.ia, booked + pop.time_to_disposition)
        self.post_at = self.ia + pop.post_delay
        self.post = np.array([sc.charges[c].pretrial.post for c in sc.charge_names])
        self.factor = sc.bond.detainer_factor

    def decide(
        self, detainer_at: np.ndarray | None, rows: np.ndarray | slice = _ALL
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pretrial decision, bail posted in time, and who posts, given detainer times.

        A detainer by the initial appearance turns some releases on recognizance into bail;
        one lodged by the posting time lowers the chance of posting. ``None``: no detainer
        has any effect. ``rows``: only these bookings (``detainer_at`` given for them alone).
        Each booking's answer depends on its own detainer time only.
        """
        pop = self.pop
        post_at, p_post = self.post_at[rows], self.post[pop.charge[rows]]
        if detainer_at is None:
            pretrial = pop.pretrial[rows].copy()
            p = p_post
        else:
            lost = pop.ror_lost[rows] & (detainer_at <= self.ia[rows])
            pretrial = np.where(lost, np.int8(BAIL), pop.pretrial[rows])
            p = np.where(detainer_at <= post_at, p_post * self.factor, p_post)
        bail_in_time = (pretrial == BAIL) & (post_at < self.disposition[rows])
        posts = bail_in_time & (pop.u_post[rows] < p)
        return pretrial.astype(np.int8, copy=False), bail_in_time, posts

    def leave(
        self, pretrial: np.ndarray, posts: np.ndarray, rows: np.ndarray | slice = _ALL
    ) -> np.ndarray:
        """When each person would leave: release-eligible time or transfer to prison.

        Released on recognizance: the appearance plus release processing; bail posted: the
        posting time; otherwise after disposition, by sentence.
        """
        pop = self.pop
        sentence, proc = pop.sentence[rows], pop.release_processing[rows]
        after = np.where(
            sentence == TIME_SERVED,
            proc,
            np.where(sentence == JAIL, pop.jail_days[rows], pop.prison_delay[rows]),
        )
        out = self.disposition[rows] + after
        out[posts] = self.post_at[rows][posts]
        ror = np.flatnonzero(pretrial == ROR)
        out[ror] = self.ia[rows][ror] + proc[ror]
        return out


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


class _Screening:
    """The JEM screening queue of foreign-born bookings, given when each would leave.

    ``idx`` are the bookings that queue, in queue order; ``start`` their interview start (NaN:
    left before one), ``screen`` and ``work`` the interview and the officer's whole job.
    ``done`` are those interviewed (indices into the bookings) and ``done_end`` the end of
    their interviews; ``lodged`` those whose interview lodges a detainer, at ``lodged_at``.
    """

    def __init__(self, ctx: Context, pop: Population, leave: np.ndarray):
        booked = pop.booked_at
        idx = np.flatnonzero(pop.foreign_born & ctx.policy.in_force(ctx.policy.jem_on, booked))
        ready = booked[idx] + ctx.scenario.jem.queue_delay
        order = np.argsort(ready, kind="stable")
        self.idx, self.ready = idx[order], ready[order]
        idx = self.idx
        self.screen = _f64(pop.screening_time[idx])
        lodge = pop.jem_lodge[idx]
        self.work = self.screen + np.where(lodge, _f64(pop.nta_time[idx]), 0.0)
        self.start = fcfs_shift_queue(self.ready, self.work, leave[idx], ctx.jem_staff)
        self.end = self.start + self.screen
        done = ~np.isnan(self.start)
        self.done, self.done_end = idx[done], self.end[done]
        lodged = done & lodge
        self.lodged, self.lodged_at = idx[lodged], self.end[lodged]

    def finish(self, leave: np.ndarray) -> np.ndarray:
        """When each booking really leaves: ``leave``, or later if an interview runs over.

        Writes into ``leave`` and returns it.
        """
        leave[self.done] = np.maximum(leave[self.done], self.done_end)
        return leave


def exit_without_detainers(
    ctx: Context, pop: Population, factual: Timeline | None = None
) -> np.ndarray:
    """Exit times on the same draws with every effect of a detainer switched off.

    Equal to ``run(ctx, pop, detainer_effects=False).exit_at``, without building the rest of
    the Timeline: the counterfactual of detainer attribution. ``factual``: the Timeline of
    ``pop`` with detainer effects, if at hand. Without a JEM line, bookings meet only after a
    detainer, so everyone no detainer can reach leaves as in ``factual`` and only the others
    are computed; with one (people queue together), that holds only if no one can get a
    detainer.
    """
    may = pop.remote_lodge | pop.jem_lodge  # who may get a detainer
    if factual is not None and (ctx.jem_staff is None or not may.any()):
        out = factual.exit_at.copy()
        rows = np.flatnonzero(may)
        if len(rows):
            out[rows] = _court_exit(ctx, pop.rows(rows))
        return out
    leave = _court_exit(ctx, pop)
    if ctx.jem_staff is None:
        return leave
    return _Screening(ctx, pop, leave).finish(leave)


def _court_exit(ctx: Context, pop: Population) -> np.ndarray:
    """When each booking leaves by its court path alone (no detainer, no interview)."""
    leave = np.empty(pop.n)
    for a, b in spans(pop.n):  # each booking's own: done in chunks
        paths = _Paths(ctx, pop.rows(slice(a, b)))
        pretrial, _, posts = paths.decide(None)
        leave[a:b] = paths.leave(pretrial, posts)
    return leave


def run(ctx: Context, pop: Population, *, detainer_effects: bool = True) -> Timeline:
    """Compute one replication's Timeline from its Population."""
    n = pop.n
    paths = _Paths(ctx, pop)
    remote_at = np.where(pop.remote_lodge, pop.booked_at + pop.remote_delay, _INF)

    # Pass 1: the court path with remote detainers only; the screening queue is left then.
    pretrial, bail_in_time, posts = paths.decide(remote_at if detainer_effects else None)
    leave = paths.leave(pretrial, posts)

    # JEM screening: foreign-born bookings queue for designated officers.
    q = None
    times = {
        f: _nan(n)
        for f in ("screen_ready_at", "screen_start_at", "screen_end_at", "officer_free_at")
    }
    if ctx.jem_staff is not None:
        q = _Screening(ctx, pop, leave)
        idx = q.idx
        times["screen_ready_at"][idx] = q.ready
        times["screen_start_at"][idx] = q.start
        times["screen_end_at"][idx] = q.end
        times["officer_free_at"][idx] = q.start + q.work

        # Pass 2: with JEM detainers, some who would have posted bail no longer do. Only
        # those whose first detainer is now a JEM one can change.
        if detainer_effects:
            first = q.lodged_at < remote_at[q.lodged]
            ch = q.lodged[first]
            pretrial[ch], bail_in_time[ch], posts[ch] = paths.decide(q.lodged_at[first], ch)
            leave[ch] = paths.leave(pretrial[ch], posts[ch], ch)

    # Court milestones and bond outcome.
    is_ror, is_denied = pretrial == ROR, pretrial == DENIED
    bond_outcome = np.full(n, BOND_NOT_POSTED, dtype=np.int8)
    bond_outcome[posts] = BOND_POSTED
    bond_outcome[is_denied] = BOND_DENIED
    bond_outcome[is_ror] = BOND_ROR
    bond_decided_at = np.where(
        is_ror | is_denied, paths.ia, np.where(bail_in_time, paths.post_at, paths.disposition)
    )
    disposed = ~is_ror & ~posts
    del is_ror, is_denied, bail_in_time, posts
    disposition_at = np.where(disposed, paths.disposition, np.nan)
    to_prison = disposed & (pop.sentence == PRISON)
    initial_appearance_at = paths.ia
    del paths, disposed  # the rest of the court path is no longer needed: free it

    # Leaving: a screening in progress is finished first. Detainers lodged by then count.
    decide = leave.copy()
    detainer_at = remote_at  # becomes the detainer times (first lodged, if by leaving)
    if q is not None:
        decide = q.finish(decide)
        jem_first = q.lodged[q.lodged_at < remote_at[q.lodged]]
        detainer_at[q.lodged] = np.minimum(remote_at[q.lodged], q.lodged_at)
    has = detainer_at <= decide
    detainer_at[~has] = np.nan
    source = np.where(has, np.int8(REMOTE), np.int8(NO_DETAINER))
    if q is not None:
        source[jem_first[has[jem_first]]] = JEM
    release_eligible_at = np.where(to_prison, np.nan, leave)

    policy = ctx.policy
    t = Timeline(
        **times,
        detainer_at=detainer_at,
        initial_appearance_at=initial_appearance_at,
        bond_decided_at=bond_decided_at,
        disposition_at=disposition_at,
        release_eligible_at=release_eligible_at,
        hold_start_at=_nan(n),
        warrant_start_at=_nan(n),
        warrant_served_at=_nan(n),
        exit_at=decide,
        pretrial=pretrial,
        detainer_source=source,
        bond_outcome=bond_outcome,
        exit_reason=np.where(to_prison, np.int8(EXIT_PRISON), np.int8(EXIT_RELEASED)),
    )
    if detainer_effects:
        honor = policy.in_force(policy.honor, leave)
        honored = has & ~to_prison & ~(pop.u_refuse < policy.in_force(policy.refusal, leave))
        honored &= (honor == HONOR_CODES["all"]) | (
            (honor == HONOR_CODES["felony_only"]) & pop.felony
        )
        _holds(ctx, pop, t, np.flatnonzero(honored), leave, decide)
    return t


def _holds(ctx, pop, t, h, release_at, decide) -> None:
    """Holds for ICE of the bookings ``h``: warrant service, transport, transfer or lapse."""
    sc, policy = ctx.scenario, ctx.policy
    if len(h) == 0:
        return
    r = release_at[h]
    t.hold_start_at[h] = r
    k = policy.periods.of(r)  # the policy in force when the hold starts
    deadline = ctx.hold.cap(r)
    ready = r + _f64(pop.pickup_delay[policy.delay_row[k], h])
    now = decide[h]  # when the hold really begins (after a screening in progress)
    lapsed = np.zeros(len(h), dtype=bool)
    if ctx.wso_staff is not None:
        w = np.flatnonzero(policy.wso_on[k])  # holds that go through warrant service
        order = w[np.argsort(now[w], kind="stable")]
        service = _f64(pop.service_time[h])
        start = np.full(len(h), np.nan)
        start[order] = fcfs_shift_queue(now[order], service[order], deadline[order], ctx.wso_staff)
        served = ~np.isnan(start)
        t.warrant_start_at[h[served]] = start[served]
        t.warrant_served_at[h[served]] = start[served] + service[served]
        lapsed[w] = ~served[w]
        now = np.where(served, start + service, now)
        deadline = np.where(served, now + sc.wso.custody_cap, deadline)
    eligible = np.maximum(ready, now)
    comes = (pop.u_pickup[h] < policy.p_pickup[k]) & ~lapsed
    pickup = np.full(len(h), np.nan)
    at_once = comes & ctx.transport.continuous_at(eligible)
    pickup[at_once] = eligible[at_once]
    j = np.flatnonzero(comes & ~at_once)
    order = j[np.argsort(eligible[j], kind="stable")]
    if len(order):
        last = float(deadline[order].max()) + 8.0  # a week past the last deadline
        runs, seats = ctx.transport.boardings(float(eligible[order].min()), last)
        pickup[order] = board_transport(eligible[order], deadline[order], runs, seats)
    transfer = ~np.isnan(pickup) & (pickup <= deadline)
    t.exit_at[h] = np.where(transfer, pickup, deadline)
    t.exit_reason[h] = np.where(transfer, ICE_TRANSFER, LAPSED).astype(np.int8)
