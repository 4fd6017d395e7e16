"""Reading a county's booking export: columns found, timestamps parsed, every repair counted.

A booking export is a file (CSV, Excel or Parquet, read by :mod:`jailsim.county.files`) or a
DataFrame, with one row per booking, or one row per charge of a booking. It carries a booking
time and a release time (blank: still held) and, where the jail records them, a charge level, a
release reason, an immigration-hold flag and the hold's start and end. Real exports are messy,
so the reader accepts several timestamp formats, UTC offsets and zone labels ("EST", "est"),
date-only columns (read as intervals: "sometime that day"), duplicate rows, releases before
bookings and blank rows, and counts every row it drops, merges or repairs in a
:class:`~jailsim.county.cleaninglog.CleaningLog`, with example lines. Nothing is lost silently.
Columns are found by :mod:`jailsim.county.columns`; the table of bookings and their stays is
built by :mod:`jailsim.county.bookingtable`.

Times come out as naive local wall-clock timestamps of the jail (the engines' clock has no
daylight-saving shifts); lengths of stay are measured in absolute time when the jail's time
zone is known, so a stay across a DST change is not an hour off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jailsim.county.bookingtable import bookings_table
from jailsim.county.cleaninglog import CleaningLog
from jailsim.county.columns import ROLES, charge_group, find_columns, read_flag, unread_flags
from jailsim.county.files import read_table
from jailsim.county.timestamps import (
    LABEL_RE,
    midnight_dates,
    parse_times,
    resolve_zone,
    to_local,
)

__all__ = ["Export", "read_export", "to_export"]


@dataclass(frozen=True, eq=False)
class Export:
    """A cleaned booking export.

    Attributes
    ----------
    bookings : pandas.DataFrame
        One row per booking: ``line`` (first line in the file), ``booked``/``released``
        (naive local timestamps; date-only values at the day's start), ``booked_date_only``,
        ``released_date_only``, ``t_booked``/``t_exit`` (float days since ``start`` on the
        local clock, date-only values at mid-day, NaN exit = still held), ``stay_lo`` and
        ``stay_hi`` (days: equal for an exact stay, an interval for a date-only release,
        ``stay_hi = inf`` for people still held), ``stay_shift`` (a date-only booking: the
        bounds count from the start of its day, see :class:`jailsim.calibration.stays.Stays`),
        ``still_held``, ``charge`` (group),
        ``reason`` (``released``, ``ice``, ``prison``, ``unknown``; empty if still held),
        ``hold`` (bool), ``hold_hours`` and ``hold_outcome`` (``ice``, ``released``,
        ``pending`` or empty).
    log : CleaningLog
        What was dropped, merged and repaired.
    columns : dict
        Role -> column name used.
    timezone : str or None
        The jail's time zone (None: naive times taken as local).
    start, end, as_of : pandas.Timestamp
        First booking day 00:00, the day after the last booking day (the booking window is
        ``[start, end)``), and the time the data stops (censoring time).
    """

    bookings: pd.DataFrame
    log: CleaningLog
    source: str
    columns: dict
    timezone: str | None
    start: pd.Timestamp
    end: pd.Timestamp
    as_of: pd.Timestamp

    @property
    def window_days(self) -> float:
        """Length of the booking window in days."""
        return (self.end - self.start) / pd.Timedelta(days=1)

    @property
    def as_of_days(self) -> float:
        """Censoring time in days since ``start``."""
        return (self.as_of - self.start) / pd.Timedelta(days=1)


def read_export(
    data,
    *,
    columns: dict[str, str] | None = None,
    timezone: str | None = None,
    as_of=None,
    source: str | None = None,
) -> Export:
    """Read and clean a booking export.

    Parameters
    ----------
    data : str, Path or pandas.DataFrame
        The file (CSV with comma, tab or semicolon, Excel .xlsx/.xlsm or Parquet: see
        :func:`jailsim.county.files.read_table`), or a table already in memory (text or
        datetime columns).
    columns : dict, optional
        Role -> column name, for the roles in :data:`~jailsim.county.columns.ROLES`;
        roles not given are looked for under common names
        (:data:`~jailsim.county.columns.GUESSES`).
    timezone : str, optional
        The jail's IANA time zone. Times with an offset or a zone label are converted to it;
        times without are taken as local. If omitted, it is read from zone labels ("EST");
        times with UTC offsets and no label then need it.
    as_of : str or Timestamp, optional
        When the export was taken (local time): people without a release time were still
        held then, and releases after it are read as "still held". Default: the latest
        timestamp in the file.
    source : str, optional
        Name used in messages (default: the file name, or ``<DataFrame>``).

    Returns
    -------
    Export

    Raises
    ------
    ScenarioError
        If the file cannot be read, a named column is missing, no booking time column is
        found, or no booking is left after cleaning.
    """
    if isinstance(data, pd.DataFrame):
        where = source or "<DataFrame>"
        log = CleaningLog(where)
        frame = data.reset_index(drop=True)
        line = np.arange(1, len(frame) + 1)  # row number in the frame, 1-based
    else:
        where = source or str(data)
        log = CleaningLog(where)
        frame = read_table(data, log)
        line = frame.index.to_numpy()  # the line in the file, the header being line 1
    frame = frame.set_axis(line)
    log.rows_read = len(frame)
    cols = find_columns(frame, dict(columns or {}), where)
    used = frame[[cols[r] for r in ROLES if r in cols]].copy()
    used.columns = [r for r in ROLES if r in cols]
    for c in used.columns:
        if not pd.api.types.is_datetime64_any_dtype(used[c]):
            used[c] = used[c].astype("string").fillna("").str.strip()

    # Blank rows and exact duplicates (on every column of the file).
    text = frame.astype("string").fillna("")
    blank = (text.apply(lambda s: s.str.strip()) == "").all(axis=1)
    log.add("dropped", "blank row", frame.index[blank])
    keep = ~blank
    dup = text[keep].duplicated(keep="first")
    log.add("dropped", "duplicate row (every column equal to an earlier row)",
            dup.index[dup])
    keep &= ~dup.reindex(frame.index, fill_value=False)
    used = used[keep]

    # Timestamps.
    time_roles = [r for r in ("booked", "released", "hold_start", "hold_end") if r in used]
    parsed = {r: parse_times(used[r]) for r in time_roles}
    tz = resolve_zone(timezone, parsed, where, log)
    local = {}
    for role, p in parsed.items():
        p.date_only, why = midnight_dates(p)  # midnights that stand for a date
        if why:
            log.notes.append(f"column {cols[role]!r} {why}")
        local[role] = to_local(p, tz)

    b = parsed["booked"]
    log.add("dropped", "no booking time", used.index[b.blank])
    log.add("dropped", "unreadable booking time", used.index[b.bad],
            used.loc[b.bad, "booked"].tolist())
    ok = ~b.blank & ~b.bad
    if "released" in parsed:
        r = parsed["released"]
        bad_r = ok & r.bad
        log.add("dropped", "unreadable release time", used.index[bad_r],
                used.loc[bad_r, "released"].tolist())
        ok &= ~r.bad
    # Repairs are counted once the rows kept are known (the first row of each booking).
    repairs: list[tuple[str, pd.Index, list | None]] = []
    for role in ("booked", "released"):
        if role in parsed:
            p = parsed[role]
            sel = ok & (p.zone == "offset")
            repairs.append((f"{role}: UTC offset converted to local time", used.index[sel], None))
            for zone in sorted(set(p.zone[ok]) - {"", "offset"}):
                sel = ok & (p.zone == zone) & ~p.blank
                labels = sorted(set(used.loc[sel, role].str.extract(LABEL_RE, expand=False)))
                why = f"zone label {'/'.join(labels)} read as {zone} wall time"
                if tz is not None and zone != tz.key:
                    why += f", converted to {tz.key}"
                repairs.append((f"{role}: {why}", used.index[sel], None))
            sel = ok & p.date_only & ~p.blank
            repairs.append((f"{role}: date only, read as an interval of one day",
                            used.index[sel], None))

    rows = pd.DataFrame(index=used.index)
    rows["booked"] = local["booked"]
    rows["booked_date_only"] = parsed["booked"].date_only
    if "released" in parsed:
        rows["released"] = local["released"].where(~parsed["released"].blank)
        rows["released_date_only"] = parsed["released"].date_only & ~parsed["released"].blank
    else:
        rows["released"] = pd.Series(pd.NaT, index=used.index, dtype="datetime64[ns]")
        rows["released_date_only"] = False
        log.notes.append("no release column: everyone is read as still held")
    for role in ("hold_start", "hold_end"):
        if role in parsed:
            p = parsed[role]
            rows[role] = local[role].where(~p.bad & ~p.blank)
            rows[f"{role}_date_only"] = p.date_only
            bad_h = ok & p.bad
            repairs.append((f"unreadable {role.replace('_', ' ')}: ignored",
                            used.index[bad_h], used.loc[bad_h, role].tolist()))
    for role in ("id", "charge", "reason", "hold"):
        if role in used:
            rows[role] = used[role]
    if "hold" in used:  # "maybe", "pending": not a hold, and said
        odd = ok & unread_flags(used["hold"]).to_numpy()
        log.add("repaired", "hold flag neither yes nor no: read as no hold", used.index[odd],
                used.loc[odd, "hold"].tolist())
    rows = rows[ok]
    rows = _merge_charges(rows, log, "id" in cols)
    table, start, end, as_of = bookings_table(rows, log, where, tz, as_of)
    export = Export(bookings=table, log=log, source=where, columns=cols,
                    timezone=tz.key if tz else None, start=start, end=end, as_of=as_of)
    kept = set(export.bookings["line"])
    for reason, lines, values in repairs:
        sel = [i for i, line in enumerate(lines) if line in kept]
        log.add("repaired", reason, [lines[i] for i in sel],
                None if values is None else [values[i] for i in sel])
    return export


def _merge_charges(rows: pd.DataFrame, log: CleaningLog, has_id: bool) -> pd.DataFrame:
    """One row per booking: rows sharing a booking id are one booking with several charges."""
    rows = rows.assign(line=rows.index)
    if not has_id:
        log.notes.append("no booking id column: each row is read as one booking")
        return rows.reset_index(drop=True)
    blank_id = rows["id"] == ""
    rows.loc[blank_id, "id"] = [f"<line {i}>" for i in rows.index[blank_id]]
    rows = _drop_conflicts(rows, log)
    dup = rows["id"].duplicated(keep="first")
    log.add("merged", "another charge of the same booking id", rows.index[dup],
            rows.loc[dup, "id"].tolist())
    if not dup.any():
        return rows.reset_index(drop=True)
    g = rows.groupby("id", sort=False)
    out = g.first()
    out["booked"] = g["booked"].min()
    held = g["released"].apply(lambda s: s.isna().any())
    out["released"] = g["released"].max().where(~held)
    if "hold" in rows:
        out["hold"] = g["hold"].apply(lambda s: "Y" if read_flag(s).any() else "")
    for role in ("hold_start", "hold_end"):
        if role in rows:
            out[role] = getattr(g[role], "min" if role == "hold_start" else "max")()
    if "charge" in rows:
        grp = charge_group(rows["charge"])
        rank = grp.map({"felony": 0, "misdemeanor": 1}).fillna(2)
        worst = rows.assign(_rank=rank).sort_values("_rank", kind="stable")
        out["charge"] = worst.groupby("id", sort=False)["charge"].first()
    if "reason" in rows:  # the reason recorded with the last release
        last = rows.sort_values("released", kind="stable", na_position="first")
        out["reason"] = last.groupby("id", sort=False)["reason"].last()
    out["line"] = g["line"].min()
    return out.reset_index()


def _drop_conflicts(rows: pd.DataFrame, log: CleaningLog) -> pd.DataFrame:
    """Drop the later rows of a booking id whose booking or release time differs from its first.

    Rows of one booking (one per charge) share its booking and release; a later row of the id
    with another booking or release time (or a release where the first row has none, or none
    where it has one) is another booking under a reused id, or an error: it is dropped and
    counted, with the two times as the example, and the id's first row is kept.
    """
    times = ["booked", "booked_date_only", "released", "released_date_only"]
    later = rows["id"].duplicated(keep="first")
    if not later.any():
        return rows
    first = rows[~later].set_index("id")
    mine = rows.loc[later, times]
    theirs = first.loc[rows.loc[later, "id"], times].set_axis(mine.index)
    same = (mine == theirs) | (mine.isna() & theirs.isna())
    bad = mine.index[~same.all(axis=1)]
    if len(bad):

        def when(row) -> str:
            out = "still held" if pd.isna(row["released"]) else f"released {row['released']}"
            return f"booked {row['booked']}, {out}"

        shown = [f"{rows.at[i, 'id']}: {when(rows.loc[i])}; its line "
                 f"{first.at[rows.at[i, 'id'], 'line']}: {when(first.loc[rows.at[i, 'id']])}"
                 for i in bad[:3]]
        log.add("dropped", "booking id repeated with another booking or release time (the "
                "id's first row kept)", bad, shown)
    return rows.drop(index=bad)


# ---------------------------------------------------------------------------------------------
# Writing an export from a simulation (for tests, examples and what-ifs)


def to_export(
    bookings: pd.DataFrame, start_date, *, fmt: str = "%m/%d/%Y %H:%M", as_of_days=None
) -> pd.DataFrame:
    """A simulated bookings table written as a county export would be.

    Columns: ``booking_number``, ``booking_date``, ``release_date`` (blank: still held),
    ``charge_level``, ``release_reason``, ``ice_hold`` (``Y`` if a detainer was lodged, else
    blank) and ``hold_start`` (when a hold for ICE began).
    Bookings before day 0 (a warm start's history) are left out, as an export of the
    period's bookings would. Times are cut to the minute.

    Parameters
    ----------
    bookings : pandas.DataFrame
        ``Result.bookings`` of one replication.
    start_date : date
        The scenario's start date (``t = 0``).
    fmt : str
        strftime format of the timestamps.
    as_of_days : float, optional
        Releases, detainers and holds after this time (days) are left out, as in an export
        taken then.
    """
    b = bookings[bookings["booked_at"] >= 0]
    t0 = pd.Timestamp(start_date)

    def stamp(days):
        ts = t0 + pd.to_timedelta(np.asarray(days, dtype=float), unit="D")
        return pd.Series(ts).dt.floor("min").dt.strftime(fmt).fillna("").to_numpy()

    exit_at = b["exit_at"].to_numpy(dtype=float)
    detainer = b["detainer_at"].to_numpy(dtype=float)
    hold_start = b["hold_start_at"].to_numpy(dtype=float)
    if as_of_days is not None:
        exit_at, detainer, hold_start = (np.where(x > as_of_days, np.nan, x)
                                         for x in (exit_at, detainer, hold_start))
    reason = b["exit_reason"].astype(str).map(
        {"released": "RELEASED", "lapsed": "RELEASED", "ice_transfer": "ICE TRANSFER",
         "prison": "TRANSFER TO PRISON"}
    ).fillna("")
    reason = np.where(np.isnan(exit_at), "", reason.to_numpy())
    return pd.DataFrame({
        "booking_number": [f"B{k:07d}" for k in range(1, len(b) + 1)],
        "booking_date": stamp(b["booked_at"]),
        "release_date": stamp(exit_at),
        "charge_level": b["charge"].astype(str).str.upper().to_numpy(),
        "release_reason": reason,
        "ice_hold": np.where(np.isnan(detainer), "", "Y"),
        "hold_start": stamp(hold_start),
    })
