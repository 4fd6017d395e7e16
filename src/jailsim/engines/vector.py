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
hold) on the same draws: the counterfactual used for detainer attribution.

Dated policy changes apply as in the SimPy engine: JEM by booking time; honor policy, hold
cap, WSO and ICE pickup by the time the person would otherwise leave; officer timetables and
transport runs by the instant (:mod:`jailsim.policy`).
"""

from __future__ import annotations

import numpy as np

from jailsim.context import Context
from jailsim.engines.kernels import board_transport, fcfs_shift_queue
from jailsim.policy import HONOR_CODES
from jailsim.population import BAIL, DENIED, JAIL, PRISON, ROR, TIME_SERVED, Population
from jailsim.timeline import (
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
from jailsim.timeline import PRISON as EXIT_PRISON
from jailsim.timeline import RELEASED as EXIT_RELEASED

_INF = np.inf


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


class _Paths:
    """The court path of every booking, given when each one's detainer is lodged."""

    def __init__(self, ctx: Context, pop: Population):
        sc = ctx.scenario
        self.pop = pop
        self.ia = ctx.court.next_session(pop.booked_at + sc.court.min_time_to_appearance)
        self.disposition = np.maximum(self.ia, pop.booked_at + _f64(pop.time_to_disposition))
        self.post_at = self.ia + _f64(pop.post_delay)
        post = np.array([sc.charges[c].pretrial.post for c in sc.charge_names])
        self.p_post = post[pop.charge]
        self.factor = sc.bond.detainer_factor
        proc = _f64(pop.release_processing)
        self.ror_release = self.ia + proc
        sentence_release = np.select(
            [pop.sentence == TIME_SERVED, pop.sentence == JAIL],
            [self.disposition + proc, self.disposition + _f64(pop.jail_days)],
            self.disposition + _f64(pop.prison_delay),
        )
        self.sentence_release = sentence_release

    def decide(self, detainer_at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pretrial decision, bail posted in time, and who posts, given detainer times.

        A detainer by the initial appearance turns some releases on recognizance into bail;
        one lodged by the posting time lowers the chance of posting.
        """
        pop = self.pop
        pretrial = np.where(pop.ror_lost & (detainer_at <= self.ia), BAIL, pop.pretrial)
        bail_in_time = (pretrial == BAIL) & (self.post_at < self.disposition)
        p = np.where(detainer_at <= self.post_at, self.p_post * self.factor, self.p_post)
        posts = bail_in_time & (pop.u_post < p)
        return pretrial.astype(np.int8), bail_in_time, posts

    def leave(self, pretrial: np.ndarray, posts: np.ndarray) -> np.ndarray:
        """When each person would leave: release-eligible time or transfer to prison."""
        return np.where(
            pretrial == ROR, self.ror_release, np.where(posts, self.post_at, self.sentence_release)
        )


def run(ctx: Context, pop: Population, *, detainer_effects: bool = True) -> Timeline:
    """Compute one replication's Timeline from its Population."""
    sc, n = ctx.scenario, pop.n
    t = Timeline.empty(n)
    paths = _Paths(ctx, pop)
    remote_at = np.where(pop.remote_lodge, pop.booked_at + _f64(pop.remote_delay), _INF)
    no_effect = np.full(n, _INF)

    # Pass 1: the court path with remote detainers only; the screening queue is left then.
    pretrial, bail_in_time, posts = paths.decide(remote_at if detainer_effects else no_effect)
    leave = paths.leave(pretrial, posts)

    # JEM screening: foreign-born bookings queue for designated officers.
    jem_at = np.full(n, _INF)
    screen_end = np.full(n, _INF)
    policy = ctx.policy
    if ctx.jem_staff is not None:
        idx = np.flatnonzero(pop.foreign_born & policy.jem_on[policy.periods.of(pop.booked_at)])
        ready = pop.booked_at[idx] + sc.jem.queue_delay
        order = np.argsort(ready, kind="stable")
        idx, ready = idx[order], ready[order]
        screen = _f64(pop.screening_time[idx])
        work = screen + np.where(pop.jem_lodge[idx], _f64(pop.nta_time[idx]), 0.0)
        start = fcfs_shift_queue(ready, work, leave[idx], ctx.jem_staff)
        t.screen_ready_at[idx] = ready
        t.screen_start_at[idx] = start
        t.screen_end_at[idx] = start + screen
        t.officer_free_at[idx] = start + work
        screened = idx[~np.isnan(start)]
        screen_end[screened] = t.screen_end_at[screened]
        lodged = screened[pop.jem_lodge[screened]]
        jem_at[lodged] = screen_end[lodged]

        # Pass 2: with JEM detainers, some who would have posted bail no longer do.
        if detainer_effects:
            pretrial, bail_in_time, posts = paths.decide(np.minimum(remote_at, jem_at))
            leave = paths.leave(pretrial, posts)

    # Court milestones and bond outcome.
    t.pretrial[:] = pretrial
    t.initial_appearance_at[:] = paths.ia
    t.bond_outcome[:] = np.select(
        [pretrial == ROR, pretrial == DENIED, posts],
        [BOND_ROR, BOND_DENIED, BOND_POSTED],
        BOND_NOT_POSTED,
    )
    t.bond_decided_at[:] = np.select(
        [pretrial == ROR, pretrial == DENIED, bail_in_time],
        [paths.ia, paths.ia, paths.post_at],
        paths.disposition,
    )
    disposed = (pretrial != ROR) & ~posts
    t.disposition_at[disposed] = paths.disposition[disposed]
    to_prison = disposed & (pop.sentence == PRISON)

    # Leaving: a screening in progress is finished first. Detainers lodged by then count.
    decide = np.maximum(leave, np.where(np.isfinite(screen_end), screen_end, -_INF))
    lodged_at = np.minimum(remote_at, jem_at)
    has = lodged_at <= decide
    t.detainer_at[has] = lodged_at[has]
    t.detainer_source[:] = np.where(
        has, np.where(remote_at <= jem_at, REMOTE, JEM), NO_DETAINER
    ).astype(np.int8)
    t.release_eligible_at[~to_prison] = leave[~to_prison]

    k = policy.periods.of(leave)
    honor = policy.honor[k]
    honored = has & ~to_prison & ~(pop.u_refuse < policy.refusal[k]) & detainer_effects
    honored &= (honor == HONOR_CODES["all"]) | ((honor == HONOR_CODES["felony_only"]) & pop.felony)
    t.exit_at[:] = decide
    t.exit_reason[:] = np.where(to_prison, EXIT_PRISON, EXIT_RELEASED).astype(np.int8)
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
