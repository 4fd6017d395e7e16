"""What the engines need besides the draws: calendars and timetables built once per scenario.

With dated changes (:mod:`jailsim.model.policy`) the hold caps, transport runs and officer
timetables are the ones in force at each time; without, they are the scenario's own. A
Context is built once per scenario of a run and shared by every replication.
"""

from __future__ import annotations

from dataclasses import dataclass

from jailsim.model.calendars import CourtCalendar, HoldCalendar
from jailsim.model.clock import Clock
from jailsim.model.policy import DatedHold, DatedStep, DatedTransport, Policy
from jailsim.model.timetable import WeeklyStep
from jailsim.scenario.schema import Scenario


@dataclass(frozen=True, eq=False)
class Context:
    """A scenario with its calendars: court sessions, hold caps, transport runs, shifts."""

    scenario: Scenario
    clock: Clock
    court: CourtCalendar
    hold: HoldCalendar | DatedHold
    transport: DatedTransport
    jem_staff: WeeklyStep | DatedStep | None
    wso_staff: WeeklyStep | DatedStep | None
    policy: Policy

    @classmethod
    def build(cls, scenario: Scenario) -> Context:
        """Build every calendar the engines consult."""
        clock = Clock(scenario.start_date)
        policy = Policy.build(scenario)
        return cls(
            scenario=scenario,
            clock=clock,
            court=CourtCalendar(scenario.court, clock, scenario.horizon),
            hold=policy.hold_calendar(clock, scenario.horizon),
            transport=policy.transport(clock, scenario.horizon),
            jem_staff=policy.staff(clock, "jem"),
            wso_staff=policy.staff(clock, "wso"),
            policy=policy,
        )

    @classmethod
    def of(cls, run) -> Context:
        """The Context of a run: a Result's own, or one built from any ``run.scenario``."""
        ctx = getattr(run, "context", None)
        return ctx if isinstance(ctx, Context) else cls.build(run.scenario)
