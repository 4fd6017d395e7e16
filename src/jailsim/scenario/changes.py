"""Dated changes of policy: a scenario's ``changes:`` list, what may change and when it applies.

A scenario's ``changes:`` list cuts time into *periods*. Period 0 runs from the beginning
(including a warm-start history) to the first change; each change starts a period at 00:00 of
its ``from`` date and sets dotted parameters until the next one. Each period is a whole
scenario, validated like any other (:meth:`jailsim.scenario.schema.Scenario.periods`).

Only parameters whose change the engines can honor at the moment of the decision they govern
may change (:data:`ALLOWED_PATHS`), and each has one moment that decides which period applies:

- ``program``, JEM side: screening applies to people *booked* in a period with JEM;
- ``program``, WSO side, ``honor.*``, ``hold.*``, ``ice.p_pickup``, ``ice.pickup_delay``,
  ``ice.p_cancel``, ``ice.cancel_delay``, ``ice.igsa``: the period in force when the person
  would otherwise be released (the start of a hold);
- ``jem.officers|shifts``, ``wso.officers|shifts``: the officer timetable in force at each
  instant; no officers in a period without the program;
- ``ice.transport``: the transport runs in force at each instant.

The model applies them (:mod:`jailsim.model.policy`). Every random draw is made whatever the
period, so a change on a date leaves the timeline of everything before that date exactly as
in a run without the change.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from pydantic import Field, field_validator

from jailsim.scenario.blocks import Frozen
from jailsim.scenario.paths import set_dotted

__all__ = ["ALLOWED_PATHS", "Change", "date_problems", "path_problems", "period_data"]

#: Parameters a dated change may set, with when each one applies.
ALLOWED_PATHS: dict[str, str] = {
    "program": "JEM for bookings booked in the period; WSO for holds starting in it",
    "jem.officers": "officers on duty at each time",
    "jem.shifts": "officers on duty at each time",
    "wso.officers": "officers on duty at each time",
    "wso.shifts": "officers on duty at each time",
    "honor.policy": "at the hold decision (when the person would otherwise leave)",
    "honor.refusal_probability": "at the hold decision",
    "honor.judicial_warrant_share": "at the hold decision",
    "honor.database_only_void": "at the hold decision",
    "hold.rule": "at the start of the hold",
    "hold.cap": "at the start of the hold",
    "ice.p_pickup": "at the start of the hold",
    "ice.pickup_delay": "at the start of the hold",
    "ice.p_cancel": "at the start of the hold",
    "ice.cancel_delay": "at the start of the hold",
    "ice.igsa": "at the start of the hold",
    "ice.transport": "transport runs in force at each time",
}


def path_problems(values: dict[str, Any]) -> list[str]:
    """Problems with the dotted paths of one change's ``set`` mapping."""
    allowed = ", ".join(ALLOWED_PATHS)
    bad = [
        path
        for path in values
        if not any(path == a or path.startswith(a + ".") for a in ALLOWED_PATHS)
    ]
    return [f"cannot change {path!r} on a date (allowed: {allowed})" for path in bad]


class Change(Frozen):
    """A dated change of policy: ``{from: 2026-03-01, set: {program: jem, jem.officers: 3}}``.

    From 00:00 of ``from`` the dotted paths in ``set`` take the values given, until a later
    change; only the parameters of :data:`ALLOWED_PATHS` may change (those the engines can
    apply at the time of the decision they govern).
    """

    start: dt.date = Field(alias="from")
    """First day of the change, YYYY-MM-DD (from 00:00)."""
    values: dict[str, Any] = Field(alias="set", min_length=1)
    """Dotted path -> new value, as in a scenario file."""

    @field_validator("values")
    @classmethod
    def _allowed(cls, v):
        problems = path_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v


def date_problems(changes: Sequence[Change], start: dt.date, horizon: float) -> list[str]:
    """Problems with the dates of ``changes``: inside the run, strictly increasing."""
    problems = []
    last = None
    for k, change in enumerate(changes):
        day = (change.start - start).days
        where = f"[{k}] from {change.start.isoformat()}"
        if not 0 < day < horizon:
            end = start + dt.timedelta(days=math.ceil(horizon) - 1)
            problems.append(
                f"{where}: must be after start_date {start.isoformat()} and before the end of "
                f"the run ({end.isoformat()})"
            )
        if last is not None and change.start <= last:
            problems.append(f"{where}: dates must increase (the one before is {last.isoformat()})")
        last = change.start
    return problems


def period_data(data: dict, changes: Sequence[Change]) -> list[dict]:
    """The plain data of each period's scenario, period 0 first (without ``changes``).

    ``data`` is a scenario's plain data (``Scenario.to_dict()``); each later period is the one
    before with its change's dotted paths set.
    """
    data = copy.deepcopy(data)
    data.pop("changes", None)
    out = [copy.deepcopy(data)]
    for change in changes:
        for path, value in change.values.items():
            set_dotted(data, path, copy.deepcopy(value))
        out.append(copy.deepcopy(data))
    return out
