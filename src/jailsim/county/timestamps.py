"""Timestamps of a booking export: many formats, zone labels, UTC offsets, local wall time.

Exports write times in many ways: ``03/05/2024 2:22 PM``, ``2024-03-05T14:22:00-05:00``,
``05-Mar-2024 14:22``, a trailing ``EST`` or ``est``, or a date with no time. Each distinct text
is parsed once: known formats first (vectorized), then anything ``dateutil`` can read. A zone
label is read as wall time in the zone it names (exports print "EST" all year, so "EST" in July
is Eastern daylight time); a UTC offset gives an instant. Everything is then brought to the
jail's local wall clock, the clock of the engines (which has no daylight-saving shifts); real
elapsed times (lengths of stay) are measured in absolute time when the jail's zone is known.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError

__all__ = ["LABEL_ZONES", "MIDNIGHT_EXCESS", "Parsed", "instants_days", "midnight_dates",
           "parse_times", "resolve_zone", "to_local"]

#: Times at exactly midnight are dates written with a time of 00:00 (a roster of dates, or a
#: column where some rows have no time) when they are at least this many times as common as
#: times at exactly 23:00 and 01:00 (their mean), and at least :data:`MIDNIGHT_MIN` of them: a
#: clock gives midnight no more often than the minutes around it, whatever the resolution.
MIDNIGHT_EXCESS = 5.0
#: Fewest midnights that :data:`MIDNIGHT_EXCESS` reads as dates (fewer tell nothing).
MIDNIGHT_MIN = 10

#: Zone labels at the end of a timestamp, read as wall time in that zone (exports print
#: "EST" all year, so "EST" in July is Eastern daylight time, not UTC-5).
LABEL_ZONES = {
    "EST": "America/New_York", "EDT": "America/New_York",
    "CST": "America/Chicago", "CDT": "America/Chicago",
    "MST": "America/Denver", "MDT": "America/Denver",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "AKST": "America/Anchorage", "AKDT": "America/Anchorage",
    "HST": "Pacific/Honolulu", "UTC": "UTC", "GMT": "UTC", "Z": "UTC",
}
LABEL_RE = re.compile(r"\s*\b(" + "|".join(k for k in LABEL_ZONES if k != "Z") + r")\s*$",
                       re.IGNORECASE)
_OFFSET_RE = re.compile(r"(?<=\d)\s*(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_TIME_FORMATS = (
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M%p", "%m/%d/%y %H:%M", "%m/%d/%y %I:%M %p", "%d-%b-%Y %H:%M",
    "%d-%b-%Y %H:%M:%S", "%d-%b-%y %H:%M", "%d-%b-%Y %I:%M %p", "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S", "%b %d %Y %I:%M %p", "%b %d, %Y %I:%M %p", "%Y%m%d %H:%M",
)
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d-%b-%Y", "%d-%b-%y", "%Y/%m/%d",
                 "%b %d %Y", "%b %d, %Y", "%Y%m%d")
NS_PER_DAY = 86_400e9
#: What a timestamp needs to have a date: digits split by - / . (a day and a month), eight
#: digits (20240305), or a month's name; a time alone is unreadable, never today's date.
_DATE_PART = re.compile(r"\d{1,4}[-/.]\d{1,2}|\d{8}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
                        r"nov|dec)[a-z]*\b", re.IGNORECASE)


@dataclass
class Parsed:
    """One column's parsed values (index aligned with the column)."""

    wall: pd.Series  # naive timestamps, wall time in the value's own zone
    zone: pd.Series  # zone name of the value ('' = none given), or 'offset'
    utc: pd.Series  # the instant, for values with a UTC offset (else NaT)
    date_only: pd.Series  # bool
    bad: pd.Series  # bool: not blank and not readable
    blank: pd.Series  # bool


def _day_first(values: pd.Series) -> bool:
    parts = values.str.extract(r"^(\d{1,2})[/.](\d{1,2})[/.]\d{2,4}")
    a, b = pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")
    return bool((a > 12).any() and not (b > 12).any())


def _ns(times: pd.Series) -> pd.Series:
    """Naive ``times`` at nanosecond resolution, NaT (unreadable) where out of its range.

    A time before 1677 or after 2262 (``9765-08-08``) cannot be held in nanoseconds.
    """
    inside = (times >= pd.Timestamp.min) & (times <= pd.Timestamp.max)
    return times.where(inside).astype("datetime64[ns]")


def _try_formats(text: pd.Series, formats, day_first: bool) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text.index
    for fmt in formats:
        if day_first:
            fmt = fmt.replace("%m/%d", "%d/%m")
        if not len(todo):
            break
        got = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = got.notna()
        out[todo[ok.to_numpy()]] = _ns(got[ok])
        todo = todo[~ok.to_numpy()]
    return out


def parse_times(raw: pd.Series) -> Parsed:
    """Parse a column of timestamp text, one unique value at a time."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        s = raw
        aware = getattr(s.dt, "tz", None) is not None
        utc = s.dt.tz_convert("UTC").dt.tz_localize(None) if aware else pd.Series(pd.NaT,
                                                                                 index=s.index)
        wall = s.dt.tz_localize(None) if aware else s
        return Parsed(
            wall=_ns(wall),
            zone=pd.Series("offset" if aware else "", index=s.index),
            utc=_ns(utc),
            date_only=pd.Series(False, index=s.index),
            bad=pd.Series(False, index=s.index),
            blank=s.isna(),
        )
    text = raw.astype("string").fillna("").str.strip()
    uniq = pd.Series(text.unique())
    uniq = uniq[uniq != ""].reset_index(drop=True)
    label = uniq.str.extract(LABEL_RE, expand=False).str.upper()
    rest = uniq.str.replace(LABEL_RE, "", regex=True).str.strip()
    offset = rest.str.extract(_OFFSET_RE, expand=False).str.upper()
    has_time = rest.str.contains(":", regex=False)
    offset = offset.where(has_time)
    zone = label.map(LABEL_ZONES).fillna("")
    zone = zone.mask(offset.notna(), "offset")
    # Values with an offset (ISO 8601 "...-05:00", "...Z") parse to an instant.
    utc = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    has_off = offset.notna()
    if has_off.any():
        got = pd.to_datetime(rest[has_off], format="ISO8601", utc=True, errors="coerce")
        utc[has_off] = _ns(got.dt.tz_localize(None))
    wall = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    day_first = _day_first(rest)
    timed = has_time & ~has_off
    dated = ~has_time
    if timed.any():
        iso = pd.to_datetime(rest[timed], format="ISO8601", errors="coerce")
        wall[timed] = _ns(iso)
        left = timed & wall.isna()
        wall[left] = _try_formats(rest[left], _TIME_FORMATS, day_first)
    if dated.any():
        wall[dated] = _try_formats(rest[dated], _DATE_FORMATS, day_first)
    # Anything else dateutil can read ("March 5, 2024 2:22pm"), if it has a date: dateutil
    # would put a time with no date ("00:00:00 EST", a roster's blank date) on today's date.
    left = wall.isna() & ~has_off & rest.str.contains(_DATE_PART)
    if left.any():
        got = pd.to_datetime(rest[left], format="mixed", errors="coerce", dayfirst=day_first)
        if getattr(got.dt, "tz", None) is None:
            wall[left] = _ns(got)
    bad_u = wall.isna() & utc.isna()
    lookup = pd.DataFrame({"wall": wall, "zone": zone, "utc": utc, "date_only": dated,
                           "bad": bad_u}).set_axis(uniq.to_numpy())
    pos = lookup.index.get_indexer(text)
    found = pos >= 0
    take = np.where(found, pos, 0)

    def col(name, fill):
        values = lookup[name].to_numpy()[take] if len(lookup) else np.full(len(text), fill)
        return pd.Series(np.where(found, values, fill), index=text.index)

    return Parsed(
        wall=col("wall", np.datetime64("NaT", "ns")).astype("datetime64[ns]"),
        zone=col("zone", ""),
        utc=col("utc", np.datetime64("NaT", "ns")).astype("datetime64[ns]"),
        date_only=col("date_only", False).astype(bool),
        bad=col("bad", False).astype(bool),
        blank=pd.Series(~found, index=text.index),
    )


def midnight_dates(p: Parsed) -> tuple[pd.Series, str | None]:
    """Which values are dates without a time, counting midnights that stand for a date.

    A column whose times (two or more) are all exactly midnight holds dates. In a column with
    real times, the values at exactly 00:00:00 are dates too when midnight is far more common
    than a clock allows (:data:`MIDNIGHT_EXCESS` times the mean count at exactly 23:00:00 and
    01:00:00, and at least :data:`MIDNIGHT_MIN`): they are "sometime that day", not the
    first minute of it.

    Returns
    -------
    (date_only, note)
        The new date-only flags (aligned with the column) and a note for the cleaning log
        (None when nothing changed).
    """
    usable = ~p.bad & ~p.blank & ~p.date_only & p.wall.notna()
    wall = p.wall[usable]
    seconds = wall.dt.hour * 3600 + wall.dt.minute * 60 + wall.dt.second
    midnight = seconds == 0
    n = int(midnight.sum())
    if len(wall) >= 2 and n == len(wall):
        return p.date_only | (~p.bad & ~p.blank), "has only midnight times: read as dates"
    around = (int((seconds == 23 * 3600).sum()) + int((seconds == 3600).sum())) / 2
    if n >= MIDNIGHT_MIN and n >= MIDNIGHT_EXCESS * max(around, 1.0):
        out = p.date_only.copy()
        out[midnight[midnight].index] = True
        return out, (f"has {n:,} of {len(wall):,} times at exactly midnight, against "
                     f"{around:g} at 23:00 and 01:00 on average: the midnights read as dates "
                     "without a time")
    return p.date_only, None


def to_local(p: Parsed, tz: ZoneInfo | None) -> pd.Series:
    """Local wall-clock time of each value in the jail's zone ``tz``."""
    out = p.wall.copy()
    if tz is None:
        return out
    name = str(tz.key)
    for zone in set(p.zone.unique()) - {"", name}:
        sel = p.zone == zone
        if zone == "offset":
            inst = p.utc[sel].dt.tz_localize("UTC")
        else:
            inst = _localize(p.wall[sel], zone)
        out[sel] = inst.dt.tz_convert(name).dt.tz_localize(None).astype("datetime64[ns]")
    return out


def _localize(wall: pd.Series, zone: str) -> pd.Series:
    # Ambiguous wall times (the repeated hour in autumn) are read as standard time, and
    # nonexistent ones (the skipped hour in spring) are moved forward.
    return wall.dt.tz_localize(zone, ambiguous=np.zeros(len(wall), dtype=bool),
                               nonexistent="shift_forward")


def instants_days(local: pd.Series, tz: ZoneInfo | None) -> np.ndarray:
    """Absolute time in float days (UTC epoch if the zone is known, else wall-clock epoch)."""
    if tz is not None:
        ok = local.notna()
        inst = pd.Series(pd.NaT, index=local.index, dtype="datetime64[ns]")
        if ok.any():
            inst[ok] = (_localize(local[ok], tz.key).dt.tz_convert("UTC").dt.tz_localize(None)
                        .astype("datetime64[ns]"))
        local = inst
    ns = local.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
    return np.where(local.isna().to_numpy(), np.nan, ns / NS_PER_DAY)


def resolve_zone(
    timezone: str | None, parsed: dict[str, Parsed], where: str, log
) -> ZoneInfo | None:
    """The jail's time zone: as given, else from zone labels, else None (naive local times).

    Raises
    ------
    ScenarioError
        If the zone name is unknown, or times carry UTC offsets and no zone can be found.
    """
    if timezone:
        try:
            return ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ScenarioError([f"{where}: unknown time zone {timezone!r} "
                                 "(use an IANA name such as America/Chicago)"]) from None
    labels = Counter()
    for p in parsed.values():
        labels.update(z for z in p.zone[~p.blank & ~p.bad] if z not in ("", "offset", "UTC"))
    if labels:
        name = labels.most_common(1)[0][0]
        log.notes.append(f"times labelled with a zone were read as {name} wall-clock time "
                         f"(the jail's zone); give --timezone to change")
        return ZoneInfo(name)
    for role, p in parsed.items():
        aware = p.zone.isin(["offset", "UTC"]) & ~p.blank & ~p.bad
        if aware.any():
            raise ScenarioError([f"{where}: column for {role!r} has times with a UTC offset or "
                                 "zone (e.g. in line "
                                 f"{aware.idxmax()}); give the jail's time zone with "
                                 "--timezone (e.g. America/Chicago)"])
    return None
