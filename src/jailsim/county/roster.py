"""Reading a roster: the people in custody at a date, from a jail's snapshot file.

A roster lists the people in custody at ``start_date`` 00:00 (local time): when each was
booked and, where the jail records them, the charge level, foreign-born and citizen flags, and
whether an immigration detainer was lodged (and when). :func:`read_roster` reads such a file
(CSV, Excel or Parquet, by :func:`jailsim.county.files.read_table`; column names guessed as
for ``jailsim calibrate``, timestamps read by :mod:`jailsim.county.timestamps`) into the rows
of a scenario's ``warm_start.people``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.county.cleaninglog import CleaningLog
from jailsim.county.columns import FLAG_NO, FLAG_YES, GUESSES, charge_group, guess_columns
from jailsim.county.files import read_table
from jailsim.county.timestamps import parse_times, resolve_zone, to_local

__all__ = ["MAX_DAYS_SERVED", "ROLES", "RosterWarning", "read_roster"]

#: Oldest booking a roster may hold, in days before the start: 10 years (the model's
#: calendars reach that far back).
MAX_DAYS_SERVED = 3653

#: What each column of a roster can mean; ``booked`` is required.
ROLES = ("id", "booked", "charge", "foreign_born", "citizen", "detainer", "detainer_at")
#: Column names tried for each role (compared lower-case, without spaces or punctuation).
ROSTER_GUESSES: dict[str, tuple[str, ...]] = {
    "id": GUESSES["id"] + ("inmateid", "personid"),  # not a name: two people may share one
    "booked": GUESSES["booked"],
    "charge": GUESSES["charge"],
    "foreign_born": ("foreignborn", "bornabroad", "foreign", "fb"),
    "citizen": ("citizen", "uscitizen"),  # not "naturalized": no for the U.S.-born too
    "detainer": GUESSES["hold"],
    "detainer_at": GUESSES["hold_start"] + ("detainerlodged", "lodged", "detainerat",
                                            "detainerdate", "holdlodged"),
}
class RosterWarning(UserWarning):
    """Rows of a roster dropped or merged, or people the model could not match."""


def _columns(frame: pd.DataFrame, given: dict[str, str], where: str) -> dict[str, str]:
    present = [str(c) for c in frame.columns]
    for role, name in given.items():
        if role not in ROLES:
            raise ValueError(f"{where}: columns: unknown role {role!r} "
                             f"(allowed: {', '.join(ROLES)})")
        if name not in present:
            raise ValueError(f"{where}: column {name!r} (for {role}) not found "
                             f"(columns: {', '.join(present)})")
    out = guess_columns(present, given, ROSTER_GUESSES)
    if "booked" not in out:
        raise ValueError(f"{where}: no booking time column (columns: {', '.join(present)}); "
                         "name it 'booked' or give warm_start.columns: {booked: COLUMN}")
    return out


#: Words read as yes, as no, and as "not known" in a roster's flag columns (lower case): the
#: yes and no words of an export's flags, where a roster keeps blanks apart as not known.
UNKNOWN = ("", "na", "n/a", "unknown", "unk", "null", "?")
YES = FLAG_YES
NO = tuple(w for w in FLAG_NO if w not in UNKNOWN)


def _yes_no(rows: pd.DataFrame, column: str, where: str, blank) -> pd.Series:
    """A flag column as True/False, ``blank`` where not known; other words are an error."""
    text = rows[column].str.lower()
    known = text.isin(YES) | text.isin(NO)
    other = ~known & ~text.isin(UNKNOWN)
    if other.any():
        raise _bad_times(where, column, rows.index[other], rows.loc[other, column],
                         "that is not yes or no", f"allowed: {', '.join(YES + NO)}, or blank "
                         "/ unknown for not known")
    return text.isin(YES).astype(object).where(known, blank)


def _bad_times(where: str, column: str, lines, values, what: str, allowed: str) -> ValueError:
    shown = ", ".join(f"line {n}: {v!r}" for n, v in list(zip(lines, values, strict=True))[:3])
    count = f"{len(lines)} rows" if len(lines) > 1 else "1 row"
    return ValueError(f"{where}: column {column!r}: {count} {what} ({shown}); {allowed}")


def read_roster(
    path: str | Path,
    start_date: dt.date,
    charges: tuple[str, ...] | None = None,
    columns: dict[str, str] | None = None,
    timezone: str | None = None,
) -> list[dict]:
    """Read a roster file (CSV, Excel or Parquet) into the rows of ``warm_start.people``.

    Parameters
    ----------
    path
        The file (see :func:`jailsim.county.files.read_table` for the formats read): one row
        per person in custody at ``start_date`` 00:00.
    start_date
        The scenario's start; every booking must be before it.
    charges
        The scenario's charge names; a charge column's values must be among them.
    columns
        Role -> column name for the roles of :data:`ROLES`; the others are guessed.
    timezone
        The jail's IANA zone, needed when times carry UTC offsets.

    Returns
    -------
    list of dict
        One mapping per person: ``booked`` (local wall-clock time), and ``id``, ``charge``,
        ``foreign_born``, ``citizen``, ``detainer``, ``detainer_at`` where the roster has them.

    Raises
    ------
    ValueError
        One line naming the file, the column, example rows and what is allowed: an unreadable
        or empty file, no booking column, an unreadable or blank booking time, a booking at or
        after ``start_date``, an unknown charge, conflicting rows of one id.
    """
    where = str(path)
    log = CleaningLog(where)
    try:
        frame = read_table(path, log)  # indexed by line, the header being line 1
    except ScenarioError as exc:  # not found, empty, not a format read
        raise ValueError(str(exc)) from None
    cols = _columns(frame, dict(columns or {}), where)
    text = frame.astype("string").fillna("").apply(lambda s: s.str.strip())
    blank = (text == "").all(axis=1)
    log.add("dropped", "blank row", frame.index[blank])
    # Without an id two equal rows may be two people (a date-only booking time, one charge).
    dup = text[~blank].duplicated(keep="first") & ("id" in cols)
    log.add("dropped", "duplicate row (every column equal to an earlier row, same id)",
            dup.index[dup])
    rows = text[~blank][~dup]
    log.rows_read = len(frame)
    if rows.empty:
        raise ValueError(f"{where}: no people in the roster (a header and one row per person "
                         "in custody at start_date are needed)")

    times = {r: parse_times(rows[cols[r]]) for r in ("booked", "detainer_at") if r in cols}
    try:
        tz = resolve_zone(timezone, times, where, log)
    except Exception as exc:  # ScenarioError
        raise ValueError(str(exc).replace("--timezone", "warm_start.timezone")) from None
    b = times["booked"]
    col = cols["booked"]
    bad = b.bad | b.blank
    if bad.any():
        raise _bad_times(where, col, rows.index[bad], rows.loc[bad, col], "without a readable "
                         "booking time", "expected e.g. 2024-12-30 14:05, 12/30/2024 2:05 PM "
                         "or 2024-12-30T14:05-05:00")
    booked = to_local(b, tz)
    start = pd.Timestamp(start_date)
    late = booked >= start
    if late.any():
        raise _bad_times(where, col, rows.index[late], rows.loc[late, col],
                         f"booked at or after start_date {start_date}",
                         "a roster lists the people in custody at start_date 00:00")
    old = booked < start - pd.Timedelta(days=MAX_DAYS_SERVED)
    if old.any():
        raise _bad_times(where, col, rows.index[old], rows.loc[old, col],
                         "booked more than 10 years before start_date",
                         "the calendars reach 10 years back")
    out = pd.DataFrame({"booked": booked}, index=rows.index)
    if "id" in cols:
        out["id"] = rows[cols["id"]]
    if "charge" in cols:
        group = charge_group(rows[cols["charge"]])
        unknown = group.notna() & ~group.isin(list(charges or group.dropna().unique()))
        if unknown.any():
            raise _bad_times(where, cols["charge"], rows.index[unknown],
                             rows.loc[unknown, cols["charge"]], "with an unknown charge",
                             f"allowed: {', '.join(charges or ())} (or blank)")
        out["charge"] = group
    for role in ("foreign_born", "citizen"):  # blank or unknown: not known
        if role in cols:
            out[role] = _yes_no(rows, cols[role], where, blank=pd.NA)
    if "detainer" in cols:  # blank: no detainer, as in a booking export's hold column
        out["detainer"] = _yes_no(rows, cols["detainer"], where, blank=False).astype(bool)
    if "detainer_at" in cols:
        d = times["detainer_at"]
        c = cols["detainer_at"]
        if d.bad.any():
            raise _bad_times(where, c, rows.index[d.bad], rows.loc[d.bad, c],
                             "with an unreadable detainer time", "give a timestamp or blank")
        lodged = to_local(d, tz).where(~d.blank)
        wrong = lodged.notna() & ((lodged < booked) | (lodged >= start))
        if wrong.any():
            raise _bad_times(where, c, rows.index[wrong], rows.loc[wrong, c],
                             "with a detainer time outside [booked, start_date)",
                             "a detainer is lodged after booking and before start_date")
        out["detainer_at"] = lodged
        if "detainer" in out:
            conflict = lodged.notna() & (out["detainer"] == False)  # noqa: E712
            if conflict.any():
                raise _bad_times(where, c, rows.index[conflict], rows.loc[conflict, c],
                                 f"with a detainer time but {cols['detainer']!r} says no",
                                 "leave the time blank or the flag yes")
            out["detainer"] = out["detainer"].mask(lodged.notna(), True)
        else:
            out["detainer"] = lodged.notna()
    if "id" in out:
        out = _one_row_per_id(out, log, where, cols)
    if log.counts:
        warnings.warn(RosterWarning("; ".join(line.strip() for line in log.lines())),
                      stacklevel=2)
    return [
        {k: _plain(v) for k, v in row.items() if not _missing(v)}
        for row in out.to_dict(orient="records")
    ]


def _one_row_per_id(out: pd.DataFrame, log: CleaningLog, where: str, cols) -> pd.DataFrame:
    """Rows sharing a non-blank id are one person (e.g. one row per charge): merge them."""
    named = out["id"] != ""
    dup = named & out["id"].duplicated(keep=False)
    if not dup.any():
        return out
    g = out[dup].groupby("id", sort=False)
    differ = g["booked"].nunique() > 1
    if differ.any():
        first = differ[differ].index[0]
        lines = out.index[out["id"] == first].tolist()
        raise ValueError(f"{where}: column {cols['booked']!r}: id {first!r} has different "
                         f"booking times (lines {', '.join(map(str, lines))}); one person has "
                         "one booking time")
    later = named & out["id"].duplicated(keep="first")
    log.add("merged", "another row of the same id", out.index[later],
            out.loc[later, "id"].tolist())
    merged = out[~later].copy()
    if "charge" in out:  # the most serious charge: felony first
        rank = out["charge"].map({"felony": 0}).fillna(1)
        worst = out.assign(_rank=rank).sort_values("_rank", kind="stable")
        by_id = worst[worst["id"] != ""].groupby("id", sort=False)["charge"].first()
        sel = merged["id"] != ""
        merged.loc[sel, "charge"] = merged.loc[sel, "id"].map(by_id)
    for role in ("detainer", "foreign_born", "citizen"):
        if role in out:
            any_true = out[named].groupby("id")[role].apply(lambda s: bool((s == True).any()))  # noqa: E712
            sel = (merged["id"] != "") & merged["id"].map(any_true).fillna(False).astype(bool)
            merged.loc[sel, role] = True
    if "detainer_at" in out:
        first_at = out[named].groupby("id")["detainer_at"].min()
        sel = merged["id"] != ""
        merged.loc[sel, "detainer_at"] = merged.loc[sel, "id"].map(first_at)
    return merged


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) \
        or v == ""


def _plain(v):
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.bool_):
        return bool(v)
    return v


