"""Quantities written with their units: durations ("48h"), rates ("30/day"), times and days.

Every duration and rate in a scenario carries its unit, so a reader never has to guess whether
``48`` means hours or days. They are parsed once, when the scenario is validated, into float
days (durations) or events per day (rates); the engines only ever see days. Times of day
(``"09:30"``) and weekdays (``"Mon-Fri"``) of timetables are parsed here too.

A parsed value is a :class:`Days` (or :class:`PerDay`): a float that remembers its unit. So
what an attribute of a scenario gives back can be given again, ``sc.with_({"hold.cap":
sc.hold.cap})``, while a bare number written in a file (``cap: 48``) is still refused.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

#: Length of each accepted unit, in days.
DURATION_UNITS: dict[str, float] = {
    "s": 1 / 86400,
    "sec": 1 / 86400,
    "min": 1 / 1440,
    "h": 1 / 24,
    "hr": 1 / 24,
    "d": 1.0,
    "day": 1.0,
    "days": 1.0,
    "w": 7.0,
    "wk": 7.0,
    "y": 365.25,
    "yr": 365.25,
}
#: Rate denominators accepted after "/", in days.
RATE_UNITS: dict[str, float] = {
    "h": 1 / 24,
    "hr": 1 / 24,
    "hour": 1 / 24,
    "d": 1.0,
    "day": 1.0,
    "w": 7.0,
    "wk": 7.0,
    "week": 7.0,
    "y": 365.25,
    "yr": 365.25,
    "year": 365.25,
}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_DURATION_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-zA-Z]+)\s*$")
_RATE_RE = re.compile(rf"^\s*({_NUMBER})\s*/\s*([a-zA-Z]+)\s*$")
#: The longest duration a scenario may give, in days (about 2,700 years): far beyond any stay
#: or delay, and short enough that a run's calendars, tabulated to the latest time it reaches,
#: stay small (a duration of 1e9 days would tabulate billions of officer shifts).
LONGEST = 1e6
_DURATION_ALLOWED = "a number with a unit, e.g. '15min', '48h', '2d' (units: min, h, d, w, y)"
_RATE_ALLOWED = "a number per unit, e.g. '30/day', '2/h' (units: /h, /day, /week, /year)"


class Days(float):
    """A duration in days that carries its unit: what a scenario's durations are.

    It is a plain float in every computation (its arithmetic gives plain floats); only
    validation tells it apart: a Days is taken as days, a bare number is refused.

    Examples
    --------
    >>> Days(2.0) == 2.0, parse_duration(Days(2.0)), parse_duration("48h")
    (True, 2.0, 2.0)
    """

    __slots__ = ()


class PerDay(float):
    """A rate in events per day that carries its unit: what a scenario's rates are."""

    __slots__ = ()


def parse_duration(value: object) -> float:
    """Parse ``"48h"``-style text (or a :class:`Days`, as it is) into float days.

    Raises
    ------
    ValueError
        With a message naming what is allowed.
    """
    if isinstance(value, Days):
        return _checked(value, value, "duration")
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"got {value!r}; expected {_DURATION_ALLOWED}")
    m = _DURATION_RE.match(value)
    if not m or m.group(2).lower() not in DURATION_UNITS:
        raise ValueError(f"got {value!r}; expected {_DURATION_ALLOWED}")
    return _checked(value, float(m.group(1)) * DURATION_UNITS[m.group(2).lower()], "duration")


def _checked(given: object, x: float, kind: str) -> float:
    x = nonnegative(x, repr(given), kind)
    if kind == "duration" and x > LONGEST:
        raise ValueError(f"got {given!r}; a duration must be at most {LONGEST:,.0f} days "
                         "(about 2,700 years)")
    return x


def nonnegative(x: float, given: str, kind: str | None = None) -> float:
    """``x`` if it is finite and not negative; else a ValueError ``got GIVEN; ...`` in words.

    ``kind`` names what ``x`` is ("duration"); without it, "a finite number".
    """
    if not math.isfinite(x):
        raise ValueError(f"got {given}; expected a finite {kind or 'number'}")
    if x < 0:
        raise ValueError(f"got {given}; {f'a {kind} ' if kind else ''}cannot be negative")
    return x


def parse_rate(value: object) -> float:
    """Parse ``"30/day"``-style text (or a :class:`PerDay`, as it is) into events per day."""
    if isinstance(value, PerDay):
        return _checked(value, value, "rate")
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"got {value!r}; expected {_RATE_ALLOWED}")
    m = _RATE_RE.match(value)
    if not m or m.group(2).lower() not in RATE_UNITS:
        raise ValueError(f"got {value!r}; expected {_RATE_ALLOWED}")
    return _checked(value, float(m.group(1)) / RATE_UNITS[m.group(2).lower()], "rate")


def format_duration(days: float) -> str:
    """Write float days back as the shortest text that parses to exactly the same value."""
    for unit in ("d", "h", "min"):
        n = days / DURATION_UNITS[unit]
        for text in (f"{n:.12g}", repr(n)):
            if (n >= 1 or unit == "min") and parse_duration(f"{text}{unit}") == days:
                return f"{text}{unit}"
    return f"{days!r}d"


def format_rate(per_day: float) -> str:
    """Write a rate in events per day back as text ("15.6/day") that parses to the same value."""
    text = f"{per_day:.12g}"
    return f"{text}/day" if parse_rate(f"{text}/day") == per_day else f"{per_day!r}/day"


#: A duration in float days (a :class:`Days`), written in YAML with its unit.
Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    AfterValidator(Days),
    PlainSerializer(format_duration, return_type=str),
]
#: A rate in events per day (a :class:`PerDay`), written in YAML as "N/unit".
Rate = Annotated[
    float,
    BeforeValidator(parse_rate),
    AfterValidator(PerDay),
    PlainSerializer(format_rate, return_type=str),
]


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME_RE = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
def parse_time_of_day(text: str) -> float:
    """``"09:30"`` -> 0.3958 (fraction of a day). ``"24:00"`` is allowed as end of day."""
    m = _TIME_RE.match(str(text).strip())
    if not m or (int(m.group(1)) == 24 and m.group(2) != "00"):
        raise ValueError(f"got {text!r}; expected a time of day 'HH:MM' from 00:00 to 24:00")
    return (int(m.group(1)) * 60 + int(m.group(2))) / 1440


def parse_days(text: str) -> tuple[int, ...]:
    """``"Mon-Fri"``, ``"Sat,Sun"``, ``"daily"`` -> weekday numbers (Mon=0)."""
    text = str(text).strip()
    if text.lower() in ("daily", "all", "every day"):
        return tuple(range(7))
    out: list[int] = []
    for part in re.split(r"[,\s]+", text):
        if not part:
            continue
        ends = part.split("-")
        try:
            idx = [DAY_NAMES.index(e.strip()[:3].title()) for e in ends]
        except ValueError:
            raise ValueError(
                f"got {text!r}; expected day names like 'Mon-Fri', 'Sat,Sun' or 'daily'"
            ) from None
        if len(idx) == 1:
            out.append(idx[0])
        elif len(idx) == 2:
            a, b = idx
            out.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            raise ValueError(f"got {text!r}; a day range is 'Mon-Fri'")
    if not out:
        raise ValueError(f"got {text!r}; expected at least one day")
    return tuple(sorted(set(out)))
