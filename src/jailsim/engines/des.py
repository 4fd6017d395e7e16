"""The SimPy engine: the jail as processes, one per booking. The readable reference.

Each booking is a process that walks the model of DESIGN.md step by step: booked, maybe
screened by a JEM officer (a queue), initial appearance at the next court session, released on
recognizance / posts bail / waits for disposition, and at release, if a detainer is held, a
hold for ICE that ends with a transfer or a lapse at the cap. Designated officers are a
:class:`ShiftResource`: a SimPy resource whose capacity follows a weekly timetable.

Every random quantity comes from the Population; this engine draws nothing. Processes run to
each booking's exit, past the horizon if need be; :mod:`jailsim.records` censors afterwards.

What happens at the end of a shift: officers finish the screening (or warrant service) they
have started (overtime), then go off duty; nobody new is started until the number busy is
below the number on duty. Nothing is pre-empted.

Dated policy changes (:mod:`jailsim.policy`): JEM screens people booked while it is in force;
the honor policy, hold cap, WSO warrant service and ICE pickup are those in force when the
person would otherwise be released; officer timetables and transport runs those in force at
each instant.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from jailsim.calendar import WeeklyStep
from jailsim.context import Context
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

_CUSTOMER, _OFF_DUTY = 0, -1  # request priorities: off-duty blocks go first
_NONE, _FELONY_ONLY = HONOR_CODES["none"], HONOR_CODES["felony_only"]


class ShiftResource:
    """Officers on a weekly timetable, served first come first served, never pre-empted.

    A ``PriorityResource`` with capacity = the most officers ever on duty. Off-duty slots are
    held by blocking requests of higher priority, so when the timetable drops, the next
    officers to become free go off duty before anyone waiting is served.
    """

    def __init__(self, env: simpy.Environment, step: WeeklyStep):
        self.env = env
        self.size = max(int(step.max()), 1)
        self.resource = simpy.PriorityResource(env, capacity=self.size)
        self._granted: list = []
        self._pending: list = []
        self._set(int(step.at(env.now)))
        env.process(self._follow(step))

    def request(self):
        """Ask for an officer (an event that fires when one starts with you)."""
        return self.resource.request(priority=_CUSTOMER)

    def release(self, request) -> None:
        """Hand the officer back."""
        self.resource.release(request)

    def _follow(self, step: WeeklyStep):
        while True:
            nxt = step.next_change(self.env.now)
            if not math.isfinite(nxt):
                return
            yield self.env.timeout(max(nxt - self.env.now, 0.0))
            self._set(int(step.at(nxt)))

    def _set(self, on_duty: int) -> None:
        want = self.size - on_duty
        while len(self._granted) + len(self._pending) < want:
            req = self.resource.request(priority=_OFF_DUTY)
            if req.triggered:
                self._granted.append(req)
            else:
                self._pending.append(req)
                req.callbacks.append(self._on_grant)
        while len(self._granted) + len(self._pending) > want:
            if self._pending:
                self._pending.pop().cancel()
            else:
                self.resource.release(self._granted.pop())

    def _on_grant(self, req) -> None:
        if req in self._pending:
            self._pending.remove(req)
            self._granted.append(req)


class _Jail:
    """One replication: the SimPy environment, the draws and the Timeline being filled."""

    def __init__(self, ctx: Context, pop: Population):
        self.ctx, self.sc, self.pop = ctx, ctx.scenario, pop
        # Warm-start history bookings come before day 0: start the clock at the first one.
        first = float(pop.booked_at[0]) if pop.n else 0.0
        self.env = simpy.Environment(initial_time=min(first, 0.0))
        self.t = Timeline.empty(pop.n)
        self.exited = np.zeros(pop.n, dtype=bool)
        self.left = {}  # booking -> event fired when the person leaves (screening abandons)
        self.screen_done = {}  # booking -> event fired at the end of the interview
        self.census_log: list[tuple[float, int]] = []
        self.remaining = pop.n
        self.all_done = self.env.event()
        self.jem = ShiftResource(self.env, ctx.jem_staff) if ctx.jem_staff else None
        self.wso = ShiftResource(self.env, ctx.wso_staff) if ctx.wso_staff else None
        self.policy = ctx.policy
        self.transport_queue: list[tuple[int, simpy.Event]] | None = None
        if not ctx.transport.is_continuous:
            self.transport_queue = []
            self.env.process(self._transport_runs())
        if pop.n == 0:
            self.all_done.succeed()

    # ---------------------------------------------------------------- arrivals and exit
    def arrivals(self):
        env, booked = self.env, self.pop.booked_at
        for i in range(self.pop.n):
            yield self.until(booked[i])
            env.process(self.booking(i))

    def exit(self, i: int, reason: int) -> None:
        now = self.env.now
        self.exited[i] = True
        self.t.exit_at[i] = now
        self.t.exit_reason[i] = reason
        self.census_log.append((now, -1))
        ev = self.left.pop(i, None)
        if ev is not None:
            ev.succeed()
        self.remaining -= 1
        if self.remaining == 0:
            self.all_done.succeed()

    def until(self, when: float) -> simpy.Timeout:
        """A timeout that fires at absolute time ``when`` (never in the past)."""
        return self.env.timeout(max(when - self.env.now, 0.0))

    def lodge(self, i: int, source: int) -> None:
        if not self.exited[i] and self.t.detainer_source[i] == NO_DETAINER:
            self.t.detainer_at[i] = self.env.now
            self.t.detainer_source[i] = source

    def has_detainer(self, i: int) -> bool:
        return self.t.detainer_source[i] != NO_DETAINER

    # ---------------------------------------------------------------- one booking
    def booking(self, i: int):
        env, p, t, sc = self.env, self.pop, self.t, self.sc
        booked = float(p.booked_at[i])
        self.census_log.append((env.now, +1))
        if p.remote_lodge[i]:
            env.process(self.remote_detainer(i))
        if self.jem is not None and p.foreign_born[i] and self.jem_in_force(booked):
            self.left[i] = env.event()
            self.screen_done[i] = env.event()
            env.process(self.screening(i))

        ia = float(self.ctx.court.next_session(booked + sc.court.min_time_to_appearance))
        yield self.until(ia)
        t.initial_appearance_at[i] = ia
        disposition = max(ia, booked + float(p.time_to_disposition[i]))
        pretrial = p.pretrial[i]
        if pretrial == ROR and p.ror_lost[i] and self.has_detainer(i):
            pretrial = BAIL  # a detainer by now: bail is set instead of release on recognizance
        t.pretrial[i] = pretrial
        release_at = None
        if pretrial == ROR:
            t.bond_outcome[i], t.bond_decided_at[i] = BOND_ROR, ia
            release_at = ia + float(p.release_processing[i])
        elif pretrial == BAIL:
            post_at = ia + float(p.post_delay[i])
            if post_at < disposition:
                yield self.until(post_at)
                t.bond_decided_at[i] = post_at
                if p.u_post[i] < self.post_probability(i):
                    t.bond_outcome[i] = BOND_POSTED
                    release_at = post_at
                else:
                    t.bond_outcome[i] = BOND_NOT_POSTED
            else:
                t.bond_outcome[i], t.bond_decided_at[i] = BOND_NOT_POSTED, disposition
        elif pretrial == DENIED:
            t.bond_outcome[i], t.bond_decided_at[i] = BOND_DENIED, ia

        to_prison = False
        if release_at is None:
            yield self.until(disposition)
            t.disposition_at[i] = disposition
            sentence = p.sentence[i]
            if sentence == TIME_SERVED:
                release_at = disposition + float(p.release_processing[i])
            elif sentence == JAIL:
                release_at = disposition + float(p.jail_days[i])
            else:
                assert sentence == PRISON
                release_at = disposition + float(p.prison_delay[i])
                to_prison = True
        yield self.until(release_at)
        if not to_prison:
            t.release_eligible_at[i] = release_at

        # Leaving: a screening not yet started is abandoned; one in progress is finished.
        ev = self.left.pop(i, None)
        if ev is not None:
            ev.succeed()
        done = self.screen_done.get(i)
        if done is not None and not done.triggered and not math.isnan(t.screen_start_at[i]):
            yield done
        self.screen_done.pop(i, None)
        if to_prison:
            self.exit(i, EXIT_PRISON)
            return
        if not (self.has_detainer(i) and self.honored(i, release_at)):
            self.exit(i, EXIT_RELEASED)
            return
        yield from self.hold(i, release_at)

    def jem_in_force(self, booked: float) -> bool:
        return bool(self.policy.jem_on[self.policy.periods.of(booked)])

    def post_probability(self, i: int) -> float:
        p = self.sc.charges[self.sc.charge_names[self.pop.charge[i]]].pretrial.post
        return p * self.sc.bond.detainer_factor if self.has_detainer(i) else p

    def honored(self, i: int, release_at: float) -> bool:
        k = self.policy.periods.of(release_at)
        policy = self.policy.honor[k]
        if policy == _NONE or (policy == _FELONY_ONLY and not self.pop.felony[i]):
            return False
        return not self.pop.u_refuse[i] < self.policy.refusal[k]

    def remote_detainer(self, i: int):
        yield self.env.timeout(float(self.pop.remote_delay[i]))
        self.lodge(i, REMOTE)

    def screening(self, i: int):
        env, p, t = self.env, self.pop, self.t
        ready = float(p.booked_at[i]) + self.sc.jem.queue_delay
        yield self.until(ready)
        t.screen_ready_at[i] = ready
        left = self.left.get(i)
        if left is None or left.triggered:
            return
        req = self.jem.request()
        got = yield req | left
        if req not in got:
            req.cancel()
            return
        t.screen_start_at[i] = env.now
        yield env.timeout(float(p.screening_time[i]))
        t.screen_end_at[i] = env.now
        if p.jem_lodge[i]:
            self.lodge(i, JEM)
        done = self.screen_done.get(i)
        if done is not None:
            done.succeed()
        if p.jem_lodge[i]:
            yield env.timeout(float(p.nta_time[i]))
        t.officer_free_at[i] = env.now
        self.jem.release(req)

    # ---------------------------------------------------------------- hold for ICE
    def hold(self, i: int, release_at: float):
        env, p, t = self.env, self.pop, self.t
        t.hold_start_at[i] = release_at
        k = self.policy.periods.of(release_at)
        deadline = float(self.ctx.hold.cap(release_at))
        ready = release_at + float(p.pickup_delay[self.policy.delay_row[k], i])
        if self.wso is not None and self.policy.wso_on[k]:
            req = self.wso.request()
            got = yield req | self.until(deadline)
            if req not in got:
                req.cancel()
                self.exit(i, LAPSED)
                return
            t.warrant_start_at[i] = env.now
            yield env.timeout(float(p.service_time[i]))
            t.warrant_served_at[i] = env.now
            self.wso.release(req)
            deadline = env.now + self.sc.wso.custody_cap
        eligible = max(ready, env.now)
        if not p.u_pickup[i] < self.policy.p_pickup[k] or eligible > deadline:
            yield self.until(deadline)
            self.exit(i, LAPSED)
            return
        yield self.until(eligible)
        if self.ctx.transport.continuous_at(eligible):  # ICE comes as soon as it is ready
            self.exit(i, ICE_TRANSFER)
            return
        boarded = env.event()
        entry = (i, boarded)
        self.transport_queue.append(entry)
        got = yield boarded | self.until(deadline)
        if boarded not in got:
            self.transport_queue.remove(entry)
            self.exit(i, LAPSED)
        else:
            self.exit(i, ICE_TRANSFER)

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
    on the census that :mod:`jailsim.census` rebuilds from the bookings table.
    """
    jail = _Jail(ctx, pop)
    jail.env.process(jail.arrivals())
    jail.env.run(until=jail.all_done)
    log = np.array(jail.census_log, dtype=float).reshape(-1, 2)
    return jail.t, log


def run(ctx: Context, pop: Population) -> Timeline:
    """Simulate one replication with SimPy and return its Timeline."""
    return run_logged(ctx, pop)[0]
