"""The SimPy engine: the jail as a discrete-event simulation, one chain of events per booking.

Each booking walks the model of DESIGN.md step by step on SimPy's event loop: booked, maybe
screened by a JEM officer (a queue), initial appearance at the next court session, released on
recognizance / posts bail / waits for disposition, and at release, if a detainer is held, a
hold for ICE that ends with a transfer or a lapse at the cap. Designated officers are
:class:`Officers`: one first-come-first-served line whose number of officers on duty follows
a weekly timetable.

A booking's steps are SimPy events whose callbacks move it on (a hold for ICE, rarer and with
more waiting, is a SimPy process). A step is an event only when something can happen before
it that changes what it decides: the initial appearance and the bail decision depend on
whether a detainer has been lodged, so they are events while a detainer may still come (a
remote detainer not yet lodged, a JEM screening not yet finished); otherwise they are decided
at once and the booking goes on to its next event. Release (leaving the jail or starting a
hold) is always an event: it is when a person leaves the screening line. A booking that is
screened and cannot get a detainer is three or four events: arrival, ready for screening
(when the queue delay is not zero), end of screening, release. Steps are scheduled at their
model times exactly (not after a delay from the clock), so the clock reads the same times as
the model's arithmetic. A change of an officer timetable is taken after every other event of
its instant: a person whose deadline (release, hold cap) is that instant has left the line,
as in the vector engine's rule that service must start before the deadline.

Every random quantity comes from the Population; this engine draws nothing. What a booking's
own draws decide (court dates, bail with and without a detainer, the time of leaving on each
path, who JEM screens, whether the jail holds a person for ICE and whether ICE comes) is
computed by the rules of :mod:`jailsim.model.rules`, shared with the vector engine; what
depends on other people (the officer lines, the order of events, transport seats) is this
engine's own, written apart from the vector engine's on purpose: the engine-equality tests
compare the two. Each booking is followed to its exit, past the horizon if need be;
:mod:`jailsim.results.records` censors afterwards.

What happens at the end of a shift: officers finish the screening (or warrant service) they
have started (overtime), then go off duty; nobody new is started until the number busy is
below the number on duty. Nothing is pre-empted.

Dated policy changes (:mod:`jailsim.model.policy`): JEM screens people booked while it is in
force; the honor policy, hold cap, WSO warrant service and ICE pickup are those in force when
the person would otherwise be released; officer timetables and transport runs those in force
at each instant.
"""

from __future__ import annotations

import gc
import math

import numpy as np
import simpy

from jailsim.engines.events import Officers, Step
from jailsim.model import rules
from jailsim.model.codes import (
    BAIL,
    BOND_DENIED,
    BOND_NOT_POSTED,
    BOND_POSTED,
    BOND_ROR,
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
from jailsim.model.timeline import Timeline

# Where a booking stands with JEM screening (_CUT: left during the interview).
_NOT_QUEUED, _WAITING, _IN_SERVICE, _CUT = 0, 1, 2, 3


class _Jail:
    """One replication: the SimPy environment, the draws and the Timeline being filled."""

    def __init__(self, ctx: Context, pop: Population):
        self.ctx, self.sc, self.pop = ctx, ctx.scenario, pop
        sc, policy, n = ctx.scenario, ctx.policy, pop.n
        self.policy = policy
        # Warm-start history bookings come before day 0: start the clock at the first one.
        first = float(pop.booked_at[0]) if n else 0.0
        self.env = simpy.Environment(initial_time=min(first, 0.0))
        # What each booking's own draws decide (jailsim.model.rules), for everyone at once, as
        # Python lists (indexing a list is several times faster than indexing an array); the
        # events below choose among them by what happened before (a detainer lodged or not).
        path = rules.CourtPath(ctx, pop)
        self.booked_at = pop.booked_at.tolist()
        self.remote_at = rules.remote_detainer_at(pop).tolist()  # inf: no remote detainer
        self.jem_lodge = pop.jem_lodge.tolist()
        self.ia = path.appearance.tolist()
        self.disposition = path.disposition.tolist()
        self.post_at = path.post_at.tolist()
        self.bail_in_time = path.bail_in_time().tolist()
        self.pretrial = pop.pretrial.tolist()  # without a detainer by the appearance
        self.pretrial_detained = rules.pretrial_decision(pop.pretrial, pop.ror_lost, True).tolist()
        self.posts = path.posts(False).tolist()
        self.posts_detained = path.posts(True).tolist()
        self.leave_ror = path.leave_ror().tolist()
        self.leave_disposed = path.leave_disposed().tolist()
        self.sent_to_prison = (pop.sentence == SENTENCE_PRISON).tolist()
        del path
        self.t = Timeline.empty(n)
        # Each booking's state.
        self.exited = [False] * n
        self.gone = [False] * n  # released (or out): no longer in the screening line
        self.pending = [0] * n  # detainer sources that may still lodge
        self.screen = [_NOT_QUEUED] * n
        self.release_at = [math.nan] * n
        self.to_prison = [False] * n
        self.log_time: list[float] = []  # the census log: when someone entered or left,
        self.log_delta: list[int] = []  # and +1 or -1
        self.remaining = n  # bookings still in the jail
        self.leads = 0  # JEM detainers still to take effect (one may make an at-large lead)
        self.all_done = self.env.event()
        self.jem, self.screened, self.after_sentence = None, [False] * n, False
        self.jem_due = [math.inf] * n  # when a detainer from a JEM screening takes effect
        self.awaiting: dict[int, float] = {}  # kept for that detainer: when they would walk out
        self.finish = sc.jem.at_release == "finish"
        if ctx.jem_staff:
            self.jem = Officers(self.env, ctx.jem_staff, self._screen_start)
            self.screened = rules.jem_screens(policy, pop.jem_flagged, pop.booked_at,
                                              pop.sentence).tolist()
            self.ready_at = rules.screen_ready_at(sc, pop.booked_at,
                                                  np.array(self.disposition)).tolist()
            self.after_sentence = policy.jem_after_sentence
            self.screening_time = pop.screening_time.tolist()
            work = rules.officer_work(pop.screening_time, pop.nta_time, pop.jem_lodge)
            self.work = work.tolist()
            self.jem_delay = pop.jem_detainer_delay.tolist()
        self.wso = Officers(self.env, ctx.wso_staff, self._warrant_start) if ctx.wso_staff else None
        self.warrant_granted: dict[int, simpy.Event] = {}
        self.transport_queue: list[tuple[int, simpy.Event]] | None = None
        if not ctx.transport.is_continuous:
            self.transport_queue = []
            self.env.process(self._transport_runs())
        if n == 0:
            self.all_done.succeed()
        else:
            Step(self.env, first, self._arrive, 0)

    # ---------------------------------------------------------------- helpers
    def _then(self, when: float, stage, i: int) -> None:
        """Stage ``stage(i)`` of booking ``i``, a decision that depends on a detainer, at ``when``.

        While a detainer may still be lodged before it, the decision is an event at its time;
        otherwise it is taken at once (it is already settled).
        """
        if self.pending[i] and self.t.detainer_source[i] == DETAINER_NONE:
            Step(self.env, when, self._stage, i).stage = stage
        else:
            stage(i)

    @staticmethod
    def _stage(ev: Step) -> None:
        ev.stage(ev.i)

    def until(self, when: float) -> simpy.Timeout:
        """A timeout that fires at absolute time ``when`` (never in the past)."""
        return self.env.timeout(max(when - self.env.now, 0.0))

    def exit(self, i: int, reason: int, when: float | None = None) -> None:
        """``i`` leaves the jail at ``when`` (now by default)."""
        now = self.env.now if when is None else when
        self.exited[i] = True
        self.t.exit_at[i] = now
        self.t.exit_reason[i] = reason
        self.log_time.append(now)
        self.log_delta.append(-1)
        self.remaining -= 1
        self._maybe_done()

    def _maybe_done(self) -> None:
        """The run ends when everyone has left and no JEM detainer is still to take effect."""
        if self.remaining == 0 and self.leads == 0 and not self.all_done.triggered:
            self.all_done.succeed()

    def lodge(self, i: int, source: int) -> None:
        t = self.t
        if not self.exited[i] and t.detainer_source[i] == DETAINER_NONE:
            t.detainer_at[i] = self.env.now
            t.detainer_source[i] = source
            if i in self.awaiting:  # the jail was keeping them for it: held from now
                self._decide(i, self.awaiting.pop(i))

    # ---------------------------------------------------------------- one booking
    def _arrive(self, ev: Step) -> None:
        """A booking arrives; the next booking's arrival is the next event of the chain."""
        i, env, booked = ev.i, self.env, self.booked_at
        self.log_time.append(booked[i])
        self.log_delta.append(+1)
        if i + 1 < len(booked):
            Step(env, booked[i + 1], self._arrive, i + 1)
        if self.remote_at[i] < math.inf:
            self.pending[i] += 1
            Step(env, self.remote_at[i], self._remote_detainer, i)
        if self.screened[i] and not self.after_sentence:
            self._join(i)
        if self.pretrial[i] != self.pretrial_detained[i]:
            self._then(self.ia[i], self._appearance, i)
        else:
            self._appearance(i)  # decided whatever happens before it

    def _appearance(self, i: int) -> None:
        """The initial appearance: pretrial release, bail or detention."""
        t, ia = self.t, self.ia[i]
        t.initial_appearance_at[i] = ia
        detained = t.detainer_source[i] != DETAINER_NONE
        pretrial = self.pretrial_detained[i] if detained else self.pretrial[i]
        t.pretrial[i] = pretrial
        if pretrial == ROR:
            t.bond_outcome[i], t.bond_decided_at[i] = BOND_ROR, ia
            self._release(i, self.leave_ror[i], False)
        elif pretrial == BAIL:
            if self.bail_in_time[i]:
                self._then(self.post_at[i], self._bail, i)
            else:
                t.bond_outcome[i], t.bond_decided_at[i] = BOND_NOT_POSTED, self.disposition[i]
                self._dispose(i)
        else:
            t.bond_outcome[i], t.bond_decided_at[i] = BOND_DENIED, ia
            self._dispose(i)

    def _bail(self, i: int) -> None:
        """The bail decision when it comes before disposition: posted or not."""
        t = self.t
        t.bond_decided_at[i] = self.post_at[i]
        detained = t.detainer_source[i] != DETAINER_NONE
        if self.posts_detained[i] if detained else self.posts[i]:
            t.bond_outcome[i] = BOND_POSTED
            self._release(i, self.post_at[i], False)
        else:
            t.bond_outcome[i] = BOND_NOT_POSTED
            self._dispose(i)

    def _dispose(self, i: int) -> None:
        """Disposition: time served, a jail sentence, or prison.

        Where JEM screens after sentence, a person it screens joins its line then.
        """
        self.t.disposition_at[i] = self.disposition[i]
        if self.screened[i] and self.after_sentence:
            self._join(i)
        self._release(i, self.leave_disposed[i], self.sent_to_prison[i])

    def _release(self, i: int, when: float, to_prison: bool) -> None:
        self.release_at[i], self.to_prison[i] = when, to_prison
        if not to_prison:
            self.t.release_eligible_at[i] = when
        Step(self.env, when, self._leave, i)

    def _leave(self, ev: Step) -> None:
        """Release time: a screening not yet started is abandoned.

        One in progress is finished first (``jem.at_release: finish``) or cut short.
        """
        i, t = ev.i, self.t
        self.gone[i] = True
        state = self.screen[i]
        if state == _WAITING:
            self.jem.cancel(i)
            self.screen[i] = _NOT_QUEUED
        elif state == _IN_SERVICE:
            if not rules.interview_cut_short(self.sc, t.screen_start_at[i],
                                             self.screening_time[i], self.release_at[i]):
                return  # _screen_end moves on
            self.screen[i] = _CUT  # the officer is free; no detainer follows
            t.screen_end_at[i] = t.officer_free_at[i] = self.env._now
            self.pending[i] -= self.jem_lodge[i]
            self.jem.release()
        self._out(i, self.release_at[i])

    def _holds(self, i: int) -> bool:
        """Whether the jail would hold ``i`` for ICE on a detainer, as the policy is at release."""
        return not self.to_prison[i] and bool(rules.held_for_ice(
            self.policy, self.release_at[i], self.pop.felony[i], self.pop.u_refuse[i]
        ))

    def _out(self, i: int, walk: float) -> None:
        """``i`` would walk out now (``walk``): kept for a JEM detainer on its way, or decided."""
        if self._holds(i) and self.t.detainer_source[i] == DETAINER_NONE:
            due = self.jem_due[i]
            cap = float(self.ctx.hold.cap(self.release_at[i]))
            until = float(rules.kept_for_detainer_until(self.sc, walk, due, cap, True))
            if until > walk:  # kept until a detainer is lodged, or the cap
                self.awaiting[i] = walk
                if until < due:
                    Step(self.env, until, self._wait_over, i)
                return
        self._decide(i, walk, walk)

    def _decide(self, i: int, walk: float, now: float | None = None) -> None:
        """Out of the jail at ``now`` (default: the clock), or held for ICE from ``walk``.

        Held if a detainer is in force and the jail honors it.
        """
        t, policy, release_at = self.t, self.policy, self.release_at[i]
        source = t.detainer_source[i]
        if self.to_prison[i]:
            self.exit(i, EXIT_PRISON, now)
        elif source == DETAINER_NONE or rules.detainer_void(policy, release_at, source):
            self.exit(i, EXIT_RELEASED, now)
        elif self._holds(i):
            self.env.process(self.hold(i, release_at, walk))
        elif rules.ice_told(policy, release_at, self.pop.felony[i], self.pop.prior_conviction[i]):
            self._door(i, self.env.now if now is None else now)
        else:
            self.exit(i, EXIT_RELEASED, now)

    def _door(self, i: int, now: float) -> None:
        """ICE was told of the release: it takes custody at the door if it is there."""
        p, policy = self.pop, self.policy
        k = policy.periods.of(self.release_at[i])
        if not rules.ice_at_the_door(policy, k, self.t.detainer_at[i], now, p, i):
            self.exit(i, EXIT_RELEASED, now)
            return
        self.t.ice_custody_at[i] = now
        if rules.igsa_keeps(policy, k, p, i):  # ICE's detainee here under its IGSA
            self.env.process(self._igsa_stay(i, float(rules.igsa_leaves_at(policy, k, now, p,
                                                                            i))))
        else:
            self.exit(i, EXIT_ICE_TRANSFER, now)

    def _igsa_stay(self, i: int, until: float):
        yield self.until(until)
        self.exit(i, EXIT_ICE_TRANSFER)

    def _wait_over(self, ev: Step) -> None:
        """The cap passed with no detainer in force: the jail lets the person go."""
        if self.awaiting.pop(ev.i, None) is not None:
            self.exit(ev.i, EXIT_RELEASED)

    def _remote_detainer(self, ev: Step) -> None:
        self.pending[ev.i] -= 1
        self.lodge(ev.i, int(rules.remote_detainer_source(self.pop.civil_only[ev.i])))

    def _jem_detainer(self, ev: Step) -> None:
        i = ev.i
        self.pending[i] -= 1
        self.leads -= 1
        if self.exited[i] and self.t.detainer_source[i] == DETAINER_NONE:
            self.t.lead_at[i] = self.env._now  # they left before it: an at-large lead
        self.lodge(i, DETAINER_JEM)
        self._maybe_done()

    # ---------------------------------------------------------------- JEM screening
    def _join(self, i: int) -> None:
        """On the way to JEM's line: ready for the interview at once or after the queue delay."""
        self.screen[i] = _WAITING
        if self.jem_lodge[i]:
            self.pending[i] += 1
        if self.ready_at[i] > self.env.now:
            Step(self.env, self.ready_at[i], self._screen_ready, i)
        else:
            self._ready(i)

    def _screen_ready(self, ev: Step) -> None:
        self._ready(ev.i)

    def _ready(self, i: int) -> None:
        """Ready for screening: join the officers' line unless already released."""
        self.t.screen_ready_at[i] = self.ready_at[i]
        if self.gone[i]:
            self.screen[i] = _NOT_QUEUED
        else:
            self.jem.request(i)

    def _screen_start(self, i: int) -> None:
        self.screen[i] = _IN_SERVICE
        self.t.screen_start_at[i] = self.env._now
        env = self.env
        Step(env, env._now + self.screening_time[i], self._screen_end, i)

    def _screen_end(self, ev: Step) -> None:
        i, now, t = ev.i, self.env._now, self.t
        if self.screen[i] == _CUT:
            return
        t.screen_end_at[i] = now
        self.screen[i] = _NOT_QUEUED
        lodges = self.jem_lodge[i]
        if lodges:
            self.jem_due[i] = float(rules.jem_detainer_at(t.screen_start_at[i], self.work[i],
                                                          self.jem_delay[i]))
        if self.gone[i]:  # due for release during the interview: walks out now
            self._out(i, now)
        if lodges:  # the Notice to Appear keeps the officer busy; the detainer comes later
            Step(self.env, t.screen_start_at[i] + self.work[i], self._officer_free, i)
            Step(self.env, self.jem_due[i], self._jem_detainer, i)
            self.leads += 1
        else:
            t.officer_free_at[i] = now
            self.jem.release()

    def _officer_free(self, ev: Step) -> None:
        self.t.officer_free_at[ev.i] = self.env._now
        self.jem.release()

    # ---------------------------------------------------------------- hold for ICE
    def _warrant_start(self, i: int) -> None:
        self.warrant_granted[i].succeed()

    def hold(self, i: int, release_at: float, walk: float):
        """A hold for ICE from ``walk``: warrant service (WSO), then ICE comes or cancels.

        Or the cap, dated from ``release_at``, passes first.
        """
        env, p, t, policy = self.env, self.pop, self.t, self.policy
        t.hold_start_at[i] = walk
        k = policy.periods.of(release_at)
        cap = float(self.ctx.hold.cap(release_at))
        cancel_at = float(rules.ice_cancels_at(policy, k, release_at, p, i))
        deadline = min(cap, cancel_at)
        ready = float(rules.ice_ready_at(policy, k, release_at, p, i))
        if self.wso is not None and policy.wso_on[k]:
            if deadline <= env.now:  # cancelled while a screening ran over: never in line
                self.exit(i, int(rules.hold_ends_without_ice(cancel_at, cap)))
                return
            granted = self.warrant_granted[i] = env.event()
            self.wso.request(i)
            got = yield granted | self.until(deadline)
            del self.warrant_granted[i]
            if granted not in got:
                if not self.wso.cancel(i):
                    self.wso.release()  # an officer came at the deadline: too late
                self.exit(i, int(rules.hold_ends_without_ice(cancel_at, cap)))
                return
            t.warrant_start_at[i] = env.now
            yield env.timeout(float(p.service_time[i]))
            t.warrant_served_at[i] = env.now
            self.wso.release()
            cap = float(rules.warrant_custody_until(self.sc, env.now))
            deadline = min(cap, cancel_at)
        eligible = max(ready, env.now)
        if not rules.ice_comes(policy, k, p.u_pickup[i]) or eligible > deadline:
            yield self.until(deadline)
            self.exit(i, int(rules.hold_ends_without_ice(cancel_at, cap)))
            return
        yield self.until(eligible)
        if not self.ctx.transport.continuous_at(eligible):  # wait for a run with a seat
            boarded = env.event()
            entry = (i, boarded)
            self.transport_queue.append(entry)
            got = yield boarded | self.until(deadline)
            if boarded not in got:
                self.transport_queue.remove(entry)
                self.exit(i, int(rules.hold_ends_without_ice(cancel_at, cap)))
                return
        t.ice_custody_at[i] = env.now  # ICE takes custody
        if rules.igsa_keeps(policy, k, p, i):  # and keeps the person here under its IGSA
            yield from self._igsa_stay(i, float(rules.igsa_leaves_at(policy, k, env.now, p, i)))
        else:
            self.exit(i, EXIT_ICE_TRANSFER)

    def _transport_runs(self):
        env, sched = self.env, self.ctx.transport
        while True:
            nxt, seats = sched.next_boarding(float(np.nextafter(env.now, math.inf)))
            if not math.isfinite(nxt):
                return
            yield self.until(nxt)
            n = int(min(seats, len(self.transport_queue)))
            boarding, self.transport_queue[:] = (
                self.transport_queue[:n],
                self.transport_queue[n:],
            )
            for _, ev in boarding:
                ev.succeed()


def run_logged(ctx: Context, pop: Population) -> tuple[Timeline, np.ndarray]:
    """Simulate one replication; return its Timeline and the census log rows (time, +1/-1).

    The log is the engine's own record of every entry and exit, kept as an independent check
    on the census that :mod:`jailsim.results.census` rebuilds from the bookings table.

    Python's cyclic garbage collector is off during the run (its state is restored after):
    events are freed by reference counting, so a collection would only re-scan the live
    events and the per-booking lists to find next to nothing.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        jail = _Jail(ctx, pop)
        jail.env.run(until=jail.all_done)
        log = np.column_stack([np.array(jail.log_time, dtype=float), jail.log_delta])
        return jail.t, log
    finally:
        if collecting:
            gc.enable()


def run(ctx: Context, pop: Population) -> Timeline:
    """Simulate one replication with SimPy and return its Timeline."""
    return run_logged(ctx, pop)[0]
