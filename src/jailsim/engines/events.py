"""SimPy building blocks of the SimPy engine: a step at an absolute time, and officer lines.

:class:`Step` is one step of one booking, scheduled at its model time exactly;
:class:`Officers` is a first-come-first-served line of designated officers whose number on
duty follows a timetable (JEM screening, WSO warrant service). The vector engine's version of
the line is :func:`jailsim.engines.kernels.fcfs_shift_queue`, written apart on purpose.
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heappush

import simpy
from simpy.events import NORMAL

__all__ = ["LATE", "Officers", "Step"]

#: Priority of timetable changes: after every other event of the same instant.
LATE = NORMAL + 1


class Step(simpy.Event):
    """An event at time ``when`` whose one callback is ``fn(event)``; ``event.i``: who.

    One step of one booking. It is scheduled as :meth:`simpy.Environment.schedule` does,
    inlined (this is the engine's innermost loop), at the absolute time ``when`` rather than
    after a delay: the clock then reads exactly the model's time of the step. A time in the
    past (by rounding) is now.
    """

    def __init__(self, env: simpy.Environment, when: float, fn, i: int, priority: int = NORMAL):
        self.env = env
        self.callbacks = [fn] if fn is not None else []
        self._ok = True
        self._value = None
        self.i = i
        now = env._now
        heappush(env._queue, (when if when > now else now, priority, next(env._eid), self))


class Officers:
    """Officers on a weekly timetable serving one line first come first served, never pre-empted.

    An officer starts with the first person in line as soon as fewer officers are busy than
    are on duty: at a request, at a release, or when the timetable rises. When it drops, busy
    officers finish (overtime) and nobody new starts until the number busy is below it.

    Ties are those of the vector engine's line: a change of the timetable holds from its
    instant for a request or a release at that instant (an officer done at the end of a shift
    starts nobody new), while people whose deadline is that instant leave the line before a
    rise serves them (the change's own event comes after every other event of the instant).

    Parameters
    ----------
    env : simpy.Environment
    step : WeeklyStep or DatedStep
        Officers on duty over time.
    start : callable
        ``start(i)``, called at the instant an officer starts with person ``i``.
    """

    def __init__(self, env: simpy.Environment, step, start):
        self.env, self.step, self.start = env, step, start
        self.on_duty = int(step.at(env.now))
        self.change = step.next_change(env.now)  # when on_duty next changes
        self.busy = 0
        self.line: deque[int] = deque()  # people in order of request (some may have left)
        self.waiting: set[int] = set()  # people in the line who have not left it
        env.process(self._follow())

    def request(self, i: int) -> None:
        """Put ``i`` in line (an officer may start with them at once)."""
        if self.env._now >= self.change:
            self._update()
        if not self.waiting and self.busy < self.on_duty:
            self.busy += 1
            self.start(i)
        else:
            self.line.append(i)
            self.waiting.add(i)
            self._serve()

    def cancel(self, i: int) -> bool:
        """Take ``i`` out of the line; False if not waiting in it (say, already started)."""
        if i in self.waiting:
            self.waiting.remove(i)
            return True
        return False

    def release(self) -> None:
        """An officer is done with someone."""
        self.busy -= 1
        if self.env._now >= self.change:
            self._update()
        if self.waiting:
            self._serve()

    def _serve(self) -> None:
        line, waiting = self.line, self.waiting
        while waiting and self.busy < self.on_duty:
            i = line.popleft()
            if i in waiting:
                waiting.remove(i)
                self.busy += 1
                self.start(i)

    def _update(self) -> None:
        now = self.env._now
        self.on_duty = int(self.step.at(now))
        self.change = self.step.next_change(now)

    def _follow(self):
        env = self.env
        while math.isfinite(self.change):
            yield Step(env, self.change, None, -1, priority=LATE)
            self._update()
            self._serve()
