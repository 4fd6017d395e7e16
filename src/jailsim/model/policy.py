"""Policy periods: what the engines look up of the policy in force at a time.

A scenario's dated changes (:mod:`jailsim.scenario.changes`) cut time into periods, each with a
whole scenario of its own (:meth:`~jailsim.scenario.schema.Scenario.periods`). A
:class:`Policy` holds, per period, what the engines consult: whether JEM screens bookings
booked in it, whether WSO serves warrants on holds starting in it, the honor policy, the
jail's refusal rate, ICE's pickup probability and which row of pickup delays applies; and the
calendars that change on dates: officer timetables (:class:`DatedStep`), hold caps
(:class:`DatedHold`) and transport runs (:class:`DatedTransport`). Which period decides what
is said in :mod:`jailsim.scenario.changes`; the rules that use them are in
:mod:`jailsim.model.rules`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jailsim.model.calendars import HoldCalendar
from jailsim.model.clock import Clock
from jailsim.model.codes import HONOR_CODES
from jailsim.model.timetable import TransportSchedule, WeeklyStep

#: Durations that may follow another distribution after a dated change: Population field ->
#: its distribution in a period's scenario (None: not used in that period).
DATED_DURATIONS = {
    "pickup_delay": lambda s: s.ice.pickup_delay,
    "cancel_delay": lambda s: s.ice.cancel_delay if s.ice.p_cancel > 0 else None,
    "igsa_stay": lambda s: s.ice.igsa.stay if s.ice.igsa is not None else None,
}


def dated_durations(scenario) -> dict[str, list]:
    """The distinct distributions of each dated duration over the periods (rows of the draws).

    A duration no period uses (no cancellation, no IGSA) is left out: it is not drawn.
    """
    out = {}
    for name, get in DATED_DURATIONS.items():
        values = [get(s) for s in scenario.periods()]
        if any(v is not None for v in values):
            out[name] = distinct(values)[0]
    return out


def distinct(values: Sequence) -> tuple[list, np.ndarray]:
    """Distinct values (first-seen order, compared with ``==``) and each value's index."""
    uniques: list = []
    index = []
    for v in values:
        for j, u in enumerate(uniques):
            if u == v:
                index.append(j)
                break
        else:
            uniques.append(v)
            index.append(len(uniques) - 1)
    return uniques, np.array(index, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Periods


class Periods:
    """Period boundaries: ``starts[0] = -inf``, then each change's date in engine days."""

    def __init__(self, starts: Sequence[float]):
        self.starts = np.array(starts, dtype=float)
        self._list = self.starts.tolist()
        self.n = len(self._list)

    def of(self, t):
        """Index of the period in force at time(s) ``t`` (a change applies from its instant)."""
        if isinstance(t, (float, int, np.floating, np.integer)):
            return bisect_right(self._list, float(t)) - 1
        return np.searchsorted(self.starts, np.asarray(t, dtype=float), side="right") - 1

    def end(self, k: int) -> float:
        """End of period ``k`` (``inf`` for the last)."""
        return self._list[k + 1] if k + 1 < self.n else math.inf


@dataclass(frozen=True, eq=False)
class Policy:
    """The scenario of every period and what the engines look up per period."""

    periods: Periods
    scenarios: tuple
    labels: tuple[str, ...]  # ISO date each period starts (period 0: the start date)
    jem_on: np.ndarray  # bool per period: JEM screens bookings booked in it
    jem_after_sentence: bool  # JEM screens only people sentenced to jail (jem.screens_at)
    wso_on: np.ndarray  # bool per period: WSO serves warrants on holds starting in it
    honor: np.ndarray  # HONOR_CODES per period
    refusal: np.ndarray  # honor.refusal_probability per period
    judicial_warrant: np.ndarray  # honor.judicial_warrant_share per period
    database_void: np.ndarray  # bool per period: honor.database_only_void
    p_pickup: np.ndarray  # ice.p_pickup per period
    p_cancel: np.ndarray  # ice.p_cancel per period
    igsa_share: np.ndarray  # ice.igsa.share per period (0 without an IGSA)
    rows: dict[str, np.ndarray]  # Population field of a dated duration -> its row per period

    @classmethod
    def build(cls, scenario) -> Policy:
        """Resolve the periods of ``scenario``."""
        scs = scenario.periods()
        start = scenario.start_date
        periods = Periods([-math.inf, *((c.start - start).days for c in scenario.timeline)])
        dated = dated_durations(scenario)
        rows = {name: distinct([DATED_DURATIONS[name](s) for s in scs])[1] for name in dated}
        return cls(
            periods=periods,
            scenarios=scs,
            labels=(start.isoformat(), *(c.start.isoformat() for c in scenario.timeline)),
            jem_on=np.array([s.uses_jem for s in scs]),
            jem_after_sentence=any(s.jem is not None and s.jem.screens_at == "sentence"
                                   for s in scs),
            wso_on=np.array([s.uses_wso for s in scs]),
            honor=np.array([HONOR_CODES[s.honor.policy] for s in scs], dtype=np.int8),
            refusal=np.array([s.honor.refusal_probability for s in scs]),
            judicial_warrant=np.array([s.honor.judicial_warrant_share for s in scs]),
            database_void=np.array([s.honor.database_only_void for s in scs]),
            p_pickup=np.array([s.ice.p_pickup for s in scs]),
            p_cancel=np.array([s.ice.p_cancel for s in scs]),
            igsa_share=np.array([s.ice.igsa.share if s.ice.igsa else 0.0 for s in scs]),
            rows=rows,
        )

    def duration(self, pop, name: str, period, who):
        """The drawn duration ``name`` (days, float64) of person(s) ``who`` in ``period``.

        The row of the draws for the distribution in force in that period.
        """
        return np.asarray(getattr(pop, name)[self.rows[name][period], who], dtype=np.float64)

    def in_force(self, values: np.ndarray, t):
        """``values`` (one per period) of the period in force at each time ``t``."""
        return values[0] if self.periods.n == 1 else values[self.periods.of(t)]

    @property
    def dated(self) -> bool:
        """Whether anything changes on a date."""
        return self.periods.n > 1

    @property
    def uses_jem(self) -> bool:
        """Whether JEM is in force in any period."""
        return bool(self.jem_on.any())

    @property
    def uses_wso(self) -> bool:
        """Whether WSO is in force in any period."""
        return bool(self.wso_on.any())

    def at(self, t) -> Any:
        """The scenario in force at time ``t``."""
        return self.scenarios[self.periods.of(t)]

    def window(self, k: int, lo: float, hi: float) -> tuple[float, float]:
        """Period ``k`` clipped to [lo, hi] (empty when lo >= hi)."""
        return max(lo, self.periods._list[k]), min(hi, self.periods.end(k))

    # -------------------------------------------------------------- calendars in force
    def staff(self, clock: Clock, block: str):
        """Officers on duty over time for ``block`` ('jem' or 'wso'), or None if never used."""
        on = self.jem_on if block == "jem" else self.wso_on
        if not on.any():
            return None
        steps = [
            WeeklyStep.from_staffing(getattr(s, block), clock) if used else WeeklyStep.constant(0)
            for s, used in zip(self.scenarios, on, strict=True)
        ]
        return steps[0] if not self.dated else DatedStep(self.periods, steps)

    def hold_calendar(self, clock: Clock, horizon: float):
        """Hold caps by the period the hold starts in."""
        blocks, rows = distinct([s.hold for s in self.scenarios])
        cals = [HoldCalendar(b, clock, horizon) for b in blocks]
        return cals[0] if len(cals) == 1 else DatedHold(self.periods, [cals[r] for r in rows])

    def transport(self, clock: Clock, horizon_days: float) -> DatedTransport:
        """ICE transport runs in force over time (one schedule when nothing changes)."""
        scheds = [TransportSchedule(s.ice.transport, clock, horizon_days)
                  for s in self.scenarios]
        return DatedTransport(self.periods, scheds)


# ---------------------------------------------------------------------------------------------
# Dated calendars: one weekly calendar per period


class DatedStep:
    """Officers on duty when the weekly timetable itself changes on dates.

    Behaves like :class:`~jailsim.model.timetable.WeeklyStep` (``at``, ``next_change``, ``changes``,
    ``integral``, ``max``); a period boundary counts as a change time.
    """

    def __init__(self, periods: Periods, steps: list[WeeklyStep]):
        self.periods, self.steps = periods, steps

    def __repr__(self) -> str:
        return f"DatedStep({self.periods.n} periods, max {self.max()!r})"

    def at(self, t):
        """Officers on duty at time(s) ``t``."""
        k = self.periods.of(t)
        if np.ndim(k) == 0:
            return self.steps[int(k)].at(t)
        t = np.asarray(t, dtype=float)
        out = np.zeros(t.shape, dtype=np.int64)
        for j, step in enumerate(self.steps):
            sel = k == j
            if sel.any():
                out[sel] = step.at(t[sel])
        return out

    def next_change(self, t: float) -> float:
        """First change time strictly after ``t`` (a period boundary is one)."""
        k = self.periods.of(t)
        return min(self.steps[k].next_change(t), self.periods.end(k))

    def changes(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Every change time in [t0, t1) and the value from then on."""
        times, values = [], []
        for k in range(self.periods.of(t0), self.periods.n):
            a, b = max(t0, self.periods._list[k]), min(t1, self.periods.end(k))
            if a >= t1:
                break
            if a >= b:
                continue
            ct, cv = self.steps[k].changes(a, b)
            if a > t0 and (len(ct) == 0 or ct[0] > a):  # the boundary itself
                times.append([a])
                values.append([self.steps[k].at(a)])
            times.append(ct)
            values.append(cv)
        if not times:
            return np.array([], dtype=float), np.array([], dtype=np.int64)
        return np.concatenate(times).astype(float), np.concatenate(values).astype(np.int64)

    def integral(self, t0: float, t1: float) -> float:
        """Officer-days on duty between ``t0`` and ``t1`` (``t0 <= t1``)."""
        total = 0.0
        for k in range(self.periods.of(t0), self.periods.n):
            a, b = max(t0, self.periods._list[k]), min(t1, self.periods.end(k))
            if a >= t1:
                break
            if b > a:
                total += float(self.steps[k].integral(a, b))
        return total

    def max(self):
        """Most officers ever on duty."""
        return max(step.max() for step in self.steps)


class DatedHold:
    """Hold caps by the period in which the hold starts."""

    def __init__(self, periods: Periods, calendars: list[HoldCalendar]):
        self.periods, self.calendars = periods, calendars

    def cap(self, t):
        """Latest release time for holds starting at ``t``."""
        k = self.periods.of(t)
        if np.ndim(k) == 0:
            return self.calendars[int(k)].cap(t)
        t = np.asarray(t, dtype=float)
        out = np.array(t, dtype=float, copy=True)
        for j, cal in enumerate(self.calendars):
            sel = (k == j) & np.isfinite(t)
            if sel.any():
                out[sel] = cal.cap(t[sel])
        return out

    def calendar_at(self, t: float) -> HoldCalendar:
        """The hold calendar for a hold starting at ``t``."""
        return self.calendars[self.periods.of(t)]


class DatedTransport:
    """ICE transport when the schedule changes on dates.

    Boardings are the scheduled runs of each period, inside the period, plus the start of
    every continuous period (everyone waiting is taken then: unlimited seats). Within a
    continuous period ICE comes as soon as a person is ready.
    """

    def __init__(self, periods: Periods, schedules: list[TransportSchedule]):
        self.periods, self.schedules = periods, schedules
        #: ICE comes as soon as ready at all times (no runs to board).
        self.is_continuous = all(s.is_continuous for s in schedules)
        self._flags = np.array([s.is_continuous for s in schedules])

    def continuous_at(self, t):
        """Whether ICE comes at once at time(s) ``t`` (a continuous period)."""
        k = self.periods.of(t)
        return bool(self._flags[k]) if np.ndim(k) == 0 else self._flags[k]

    def next_boarding(self, t: float) -> tuple[float, float]:
        """(time, seats) of the first boarding at or after ``t``; (inf, 0) if none."""
        first = self.periods.of(t)
        for k in range(first, self.periods.n):
            sched, start = self.schedules[k], self.periods._list[k]
            if sched.is_continuous:
                if k > 0 and start >= t:
                    return start, math.inf
            else:
                run, seats = sched.next_run_seats(max(t, start))
                if run < self.periods.end(k):
                    return run, seats
        return math.inf, 0.0

    def boardings(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Every boarding in [t0, t1): times (sorted) and seats."""
        times, seats = [], []
        for k in range(self.periods.of(t0), self.periods.n):
            start = self.periods._list[k]
            a, b = max(t0, start), min(t1, self.periods.end(k))
            if a >= t1:
                break
            if a >= b:
                continue
            sched = self.schedules[k]
            if sched.is_continuous:
                if k > 0 and start >= t0:
                    times.append([start])
                    seats.append([math.inf])
            else:
                runs, each = sched.runs_seats(a, b)
                times.append(runs)
                seats.append(each)
        if not times:
            return np.array([], dtype=float), np.array([], dtype=float)
        return np.concatenate(times).astype(float), np.concatenate(seats).astype(float)
