"""What a valid scenario may not mean: inputs that run, but perhaps not as their author meant.

Some inputs are allowed and still deserve a word, because the model reads them one way where
an author may have meant another, or because they switch a part of the model off without
saying so:

- a shift that starts and ends at the same time (``08:00`` to ``08:00``) is read as 24 hours,
  to the same time the next day; it could have been meant as no time at all;
- a program whose officers are never on duty (``program: wso`` with ``wso.officers: 0``) runs,
  and its officers serve no warrant (screen no booking, under JEM) in the whole run.

:func:`notes` lists them, one line each naming the field; :func:`warn` gives each as a
:class:`ScenarioWarning` (the command line prints ``jailsim: warning: ...``).
"""

from __future__ import annotations

import warnings
from typing import Any

from jailsim._version import STREAMS_VERSION

__all__ = ["ScenarioWarning", "notes", "warn"]

#: What each 287(g) program's officers do, for the note on a program with none on duty.
_WORK = {"jem": "no booking is screened", "wso": "no ICE warrant is served"}


class ScenarioWarning(UserWarning):
    """A valid scenario with an input that may not mean what its author meant."""


def notes(scenario: Any) -> list[str]:
    """One line per input of ``scenario`` that runs but may not mean what was meant.

    ``scenario`` is a validated :class:`~jailsim.scenario.schema.Scenario`; each line starts
    with the dotted path of the field (and the dated change it comes from, if any).

    Examples
    --------
    >>> import jailsim
    >>> sc = jailsim.load("jailsim:wso.yaml")
    >>> notes(sc.with_({"wso.officers": 0}))
    ["wso.officers: 0 with program 'wso': no officer is ever on duty, so no ICE warrant is served"]
    """
    periods = scenario.periods()
    lines = []
    for k, period in enumerate(periods):
        where = "" if k == 0 else (
            f"changes (from {scenario.timeline[k - 1].start.isoformat()}): ")
        for block in ("jem", "wso"):
            staffing = getattr(period, block)
            if staffing is None or block not in period.program.split("+"):
                continue
            for i, shift in enumerate(staffing.shifts):
                start, end = shift.span()
                if (end - start) % 1440 == 0:  # the same time of day: 24 hours, or none
                    read = (f"24 hours (to {shift.end.strip()} the next day); if no time was "
                            "meant, leave the shift out" if end > start else
                            "no time at all; if 24 hours were meant, give 00:00 to 24:00")
                    lines.append(f"{where}{block}.shifts[{i}]: starts at {shift.start.strip()} "
                                 f"and ends at {shift.end.strip()}, read as {read}")
    written = scenario.streams_version
    if written is not None and written != STREAMS_VERSION:
        lines.append(f"streams_version: {written}, written by a jailsim whose random draws were "
                     f"laid out otherwise; this one draws with version {STREAMS_VERSION}, so the "
                     "same seed gives other numbers (the model is the same)")
    for block, work in _WORK.items():
        used = [p for p in periods if block in p.program.split("+")]
        if used and not any(_on_duty(getattr(p, block)) for p in used):
            staffing = getattr(used[0], block)
            field = (f"{block}.officers: {staffing.officers}" if not staffing.shifts
                     else f"{block}.shifts: no shift has an officer")
            lines.append(f"{field} with program {used[0].program!r}: no officer is ever on "
                         f"duty, so {work}")
    return lines


def _on_duty(staffing: Any) -> bool:
    """Whether a staffing block has an officer on duty at some time of the week."""
    if not staffing.shifts:
        return staffing.officers > 0
    return any((staffing.officers if s.officers is None else s.officers) > 0
               for s in staffing.shifts)


def warn(lines: list[str], source: str) -> None:
    """Give each line as a :class:`ScenarioWarning`, starting with ``source`` (a file name)."""
    for line in lines:
        warnings.warn(ScenarioWarning(f"{source}: {line}"), stacklevel=3)
