"""What the engines need besides the draws: calendars and timetables built once per scenario."""

from __future__ import annotations

from dataclasses import dataclass

from jailsim.calendar import Clock, CourtCalendar, HoldCalendar, TransportSchedule, WeeklyStep
from jailsim.scenario.schema import Scenario


@dataclass(frozen=True, eq=False)
class Context:
    """A scenario with its calendars: court sessions, hold caps, transport runs, shifts."""

    scenario: Scenario
    clock: Clock
    court: CourtCalendar
    hold: HoldCalendar
    transport: TransportSchedule
    jem_staff: WeeklyStep | None
    wso_staff: WeeklyStep | None

    @classmethod
    def build(cls, scenario: Scenario) -> Context:
        """Build every calendar the engines consult."""
        clock = Clock(scenario.start_date)
        return cls(
            scenario=scenario,
            clock=clock,
            court=CourtCalendar(scenario.court, clock, scenario.horizon),
            hold=HoldCalendar(scenario.hold, clock, scenario.horizon),
            transport=TransportSchedule(scenario.ice.transport, clock),
            jem_staff=WeeklyStep.from_staffing(scenario.jem, clock) if scenario.uses_jem else None,
            wso_staff=WeeklyStep.from_staffing(scenario.wso, clock) if scenario.uses_wso else None,
        )
