"""Reading a county's booking export: columns found, timestamps parsed, every repair counted.

A booking export is a CSV (or a DataFrame) with one row per booking, or one row per charge
of a booking. It carries a booking time and a release time (blank: still held) and, where the
jail records them, a charge level, a release reason, an immigration-hold flag and the hold's
start and end. Real exports are messy, so the reader accepts several timestamp formats, UTC
offsets and zone labels ("EST", "est"), date-only columns (read as intervals: "sometime that
day"), duplicate rows, releases before bookings and blank rows, and counts every row it drops,
merges or repairs in a :class:`CleaningLog`, with example lines. Nothing is lost silently.

Times come out as naive local wall-clock timestamps of the jail (the engines' clock has no
daylight-saving shifts); lengths of stay are measured in absolute time when the jail's time
zone is known, so a stay across a DST change is not an hour off.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.county.timestamps import (
    _LABEL_RE,
    instants_days,
    parse_times,
    resolve_zone,
    to_local,
)

__all__ = ["ROLES", "CleaningLog", "Export", "parse_columns", "read_export", "to_export"]

#: What each column of an export can mean; ``booked`` is required.
ROLES = ("id", "booked", "released", "charge", "reason", "hold", "hold_start", "hold_end")
#: Column names tried for each role (compared lower-case, without spaces or punctuation).
GUESSES: dict[str, tuple[str, ...]] = {
    "id": ("bookingid", "bookingnumber", "bookingno", "bookingnum", "bookid", "bookno",
           "bookingkey", "jailid", "id"),
    "booked": ("booked", "bookedat", "bookingdate", "bookingdatetime", "bookingtime",
               "bookdate", "bookdatetime", "bookingdt", "intakedate", "admissiondate",
               "admitdate", "admitted", "datebooked"),
    "released": ("released", "releasedat", "releasedate", "releasedatetime", "releasetime",
                 "reldate", "releasedt", "dischargedate", "discharged", "datereleased"),
    "charge": ("charge", "chargelevel", "chargeclass", "chargedegree", "level", "severity",
               "offenselevel", "chargetype", "topcharge"),
    "reason": ("reason", "releasereason", "releasetype", "disposition", "releasedto"),
    "hold": ("hold", "icehold", "immigrationhold", "detainer", "icedetainer", "ice", "holdflag"),
    "hold_start": ("holdstart", "holdstartat", "holdstartdate", "holdbegan", "icehold_start",
                   "iceholdstart", "holdplaced", "detainerplaced"),
    "hold_end": ("holdend", "holdendat", "holdenddate", "iceholdend", "holdreleased",
                 "holdlifted"),
}
_TRUE = {"y", "yes", "true", "t", "1", "x"}
_FALSE = {"n", "no", "false", "f", "0", "none", "null", "na", "n/a", ""}
#: Length of a stay recorded as zero (booking and release at the same minute), in days.
RESOLUTION_DAYS = 1 / 1440


# ---------------------------------------------------------------------------------------------
# The log


@dataclass
class CleaningLog:
    """Every row dropped, merged or repaired, counted by reason, with example lines.

    ``action`` is ``dropped`` (the row is not used), ``merged`` (folded into another row of
    the same booking) or ``repaired`` (used, with a value read in a stated way).
    """

    source: str
    rows_read: int = 0
    counts: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def add(self, action: str, reason: str, lines, values=None) -> None:
        """Count ``len(lines)`` rows under ``(action, reason)``; keep three examples."""
        lines = list(lines)
        if not lines:
            return
        self.counts[(action, reason)] += len(lines)
        shown = self.examples.setdefault((action, reason), [])
        for i, line in enumerate(lines[: 3 - len(shown)]):
            value = f": {values[i]!r}" if values is not None else ""
            shown.append(f"line {line}{value}")

    def total(self, action: str) -> int:
        """Rows counted under one action."""
        return sum(n for (a, _), n in self.counts.items() if a == action)

    def by_reason(self, action: str) -> dict[str, int]:
        """``{reason: rows}`` for one action."""
        return {r: n for (a, r), n in self.counts.items() if a == action}

    @property
    def dropped(self) -> dict[str, int]:
        """Rows dropped, by reason."""
        return self.by_reason("dropped")

    @property
    def repaired(self) -> dict[str, int]:
        """Rows repaired, by reason (a row may be repaired for several reasons)."""
        return self.by_reason("repaired")

    @property
    def merged(self) -> dict[str, int]:
        """Rows merged into another row of the same booking, by reason."""
        return self.by_reason("merged")

    def to_frame(self) -> pd.DataFrame:
        """One row per (action, reason): rows, examples."""
        rows = [
            {"action": a, "reason": r, "rows": n, "examples": "; ".join(self.examples[(a, r)])}
            for (a, r), n in self.counts.items()
        ]
        return pd.DataFrame(rows, columns=["action", "reason", "rows", "examples"])

    def lines(self) -> list[str]:
        """The log as text, one line per reason, then the notes."""
        out = [f"{self.source}: {self.rows_read:,} rows read"]
        for action in ("dropped", "merged", "repaired"):
            for (a, reason), n in self.counts.items():
                if a == action:
                    ex = "; ".join(self.examples[(a, reason)])
                    out.append(f"  {action} {n:,}: {reason} (e.g. {ex})")
        out += [f"  note: {note}" for note in self.notes]
        return out


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
        bounds count from the start of its day, see :class:`jailsim.calibration.stayfit.Stays`),
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


# ---------------------------------------------------------------------------------------------
# Columns


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def parse_columns(text: str | None) -> dict[str, str]:
    """``"booked=BOOK_DT,released=REL_DT"`` -> ``{"booked": "BOOK_DT", ...}``.

    Raises
    ------
    ValueError
        On a part without ``=`` or an unknown role.
    """
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        role, sep, name = part.partition("=")
        role = role.strip().replace("-", "_")
        if not sep or not name.strip():
            raise ValueError(f"got {part.strip()!r}; expected ROLE=COLUMN, e.g. booked=BOOK_DT")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        out[role] = name.strip()
    return out


def guess_columns(
    present: list, given: dict[str, str], guesses: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Complete ``given`` (role -> column) by guessing the other roles' columns.

    For each role of ``guesses`` not given: the first column not yet taken whose name
    (lower-case, without spaces or punctuation) is one of that role's guesses.
    """
    out = dict(given)
    by_norm = {_norm(c): c for c in present}
    taken = set(given.values())
    for role, names in guesses.items():
        if role in out:
            continue
        for guess in names:
            col = by_norm.get(guess)
            if col is not None and col not in taken:
                out[role] = col
                taken.add(col)
                break
    return out


def _find_columns(frame: pd.DataFrame, given: dict[str, str], where: str) -> dict[str, str]:
    present = list(frame.columns)
    problems, roles = [], {}
    for role, name in given.items():
        if name not in present:
            problems.append(f"{where}: column {name!r} (for {role}) not found "
                            f"(columns: {', '.join(map(str, present))})")
        elif name in roles:
            problems.append(f"{where}: column {name!r} given for both {roles[name]} and {role}; "
                            "each role needs a column of its own")
        roles.setdefault(name, role)
    if problems:
        raise ScenarioError(problems)
    out = guess_columns(present, given, GUESSES)
    if "booked" not in out:
        raise ScenarioError([
            f"{where}: column 'booked' not found (columns: {', '.join(map(str, present))}); "
            "name it with --columns booked=COLUMN"
        ])
    return out


# ---------------------------------------------------------------------------------------------
# Reading


def _read_csv(path: Path, log: CleaningLog) -> pd.DataFrame:
    kw = dict(dtype=str, keep_default_na=False, skip_blank_lines=False, skipinitialspace=True)
    try:
        return pd.read_csv(path, encoding="utf-8-sig", **kw)
    except UnicodeDecodeError:
        log.notes.append("file is not UTF-8; read as Latin-1")
        return pd.read_csv(path, encoding="latin-1", **kw)
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found"]) from None
    except pd.errors.EmptyDataError:
        raise ScenarioError([f"{path}: empty file"]) from None
    except pd.errors.ParserError as exc:
        raise ScenarioError([f"{path}: not a readable CSV ({exc})"]) from None


def _flag(values: pd.Series) -> pd.Series:
    text = values.astype("string").fillna("").str.strip().str.lower()
    return ~text.isin(_FALSE)


def _reason(values: pd.Series) -> pd.Series:
    text = values.astype("string").fillna("").str.strip().str.upper()
    out = pd.Series("released", index=values.index, dtype=object)
    out[text == ""] = "unknown"
    out[text.str.contains(r"PRISON|\bDOC\b|DEPT.? OF CORR|STATE", regex=True)] = "prison"
    out[text.str.contains(r"\bICE\b|IMMIG|\bDHS\b|287|DETAINER|INS\b", regex=True)] = "ice"
    return out


def _charge_group(values: pd.Series) -> pd.Series:
    text = values.astype("string").fillna("").str.strip().str.lower()
    out = text.str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")
    out = out.mask(text.str.match(r"^(f\b|f\d|fel)"), "felony")
    out = out.mask(text.str.match(r"^(m\b|m\d|mis)"), "misdemeanor")
    return out.mask(out == "", pd.NA)


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
        The CSV file, or a table already in memory (text or datetime columns).
    columns : dict, optional
        Role -> column name, for the roles in :data:`ROLES`; roles not given are looked
        for under common names (:data:`GUESSES`).
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
        frame = _read_csv(Path(data), log)
        line = np.arange(2, len(frame) + 2)  # header is line 1
    frame = frame.set_axis(line)
    log.rows_read = len(frame)
    cols = _find_columns(frame, dict(columns or {}), where)
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
        timed = p.wall[~p.bad & ~p.blank & ~p.date_only]
        if len(timed) >= 2 and ((timed.dt.hour == 0) & (timed.dt.minute == 0)
                                & (timed.dt.second == 0)).all():
            p.date_only = p.date_only | (~p.bad & ~p.blank)
            log.notes.append(f"column {cols[role]!r} has only midnight times: read as dates")
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
                labels = sorted(set(used.loc[sel, role].str.extract(_LABEL_RE, expand=False)))
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
    rows = rows[ok]
    rows = _merge_charges(rows, log, "id" in cols)
    export = _finish(rows, log, where, cols, tz, as_of)
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
        out["hold"] = g["hold"].apply(lambda s: "Y" if _flag(s).any() else "")
    for role in ("hold_start", "hold_end"):
        if role in rows:
            out[role] = getattr(g[role], "min" if role == "hold_start" else "max")()
    if "charge" in rows:
        grp = _charge_group(rows["charge"])
        rank = grp.map({"felony": 0, "misdemeanor": 1}).fillna(2)
        worst = rows.assign(_rank=rank).sort_values("_rank", kind="stable")
        out["charge"] = worst.groupby("id", sort=False)["charge"].first()
    if "reason" in rows:  # the reason recorded with the last release
        last = rows.sort_values("released", kind="stable", na_position="first")
        out["reason"] = last.groupby("id", sort=False)["reason"].last()
    out["line"] = g["line"].min()
    return out.reset_index()


def _finish(rows, log, where, cols, tz, as_of) -> Export:
    if rows.empty:
        raise ScenarioError([f"{where}: no usable bookings ({'; '.join(log.lines()[1:4])})"])
    day = pd.Timedelta(days=1)
    booked, released = rows["booked"], rows["released"]
    b_do, r_do = rows["booked_date_only"].astype(bool), rows["released_date_only"].astype(bool)
    b_hi = booked + pd.to_timedelta(np.where(b_do, 1.0, 0.0), unit="D")
    r_hi = released + pd.to_timedelta(np.where(r_do, 1.0, 0.0), unit="D")
    latest = pd.concat([b_hi, r_hi] + [rows[c] for c in ("hold_start", "hold_end")
                                       if c in rows]).max()
    if as_of is None:
        as_of = latest
    else:
        as_of = pd.Timestamp(as_of)
        if as_of.tzinfo is not None:
            as_of = as_of.tz_convert(tz.key if tz else "UTC").tz_localize(None)
        late = booked > as_of
        log.add("dropped", "booked after the as-of time", rows["line"][late])
        rows, booked, released = rows[~late], booked[~late], released[~late]
        b_do, r_do, b_hi, r_hi = b_do[~late], r_do[~late], b_hi[~late], r_hi[~late]
        after = released.notna() & (released > as_of)
        log.add("repaired", "released after the as-of time: read as still held",
                rows["line"][after])
        released = released.mask(after)
        r_hi = r_hi.mask(after)
    # Releases before bookings (an interval that ends before the booking interval starts).
    early = released.notna() & (r_hi <= booked) & ~((r_hi == booked) & ~r_do & ~b_do)
    log.add("dropped", "release before booking", rows["line"][early],
            [f"{a} -> {b}" for a, b in zip(booked[early], released[early], strict=True)])
    keep = ~early
    rows, booked, released = rows[keep], booked[keep], released[keep]
    b_do, r_do, b_hi, r_hi = b_do[keep], r_do[keep], b_hi[keep], r_hi[keep]
    if rows.empty:
        raise ScenarioError([f"{where}: no usable bookings by the as-of time {as_of} "
                             f"({'; '.join(log.lines()[1:4])})"])
    # The window the bookings were counted over: what the as-of time left of them.
    start = booked.min().floor("D")
    end = (b_hi.max() - pd.Timedelta(1, "ns")).floor("D") + day  # the day after the last one
    zero = released.notna() & (released == booked) & ~b_do & ~r_do
    log.add("repaired", "release at the booking minute: stay read as under one minute",
            rows["line"][zero])

    abs_b_lo = instants_days(booked, tz)
    abs_r_lo = instants_days(released, tz)
    abs_r_hi = instants_days(r_hi, tz)
    abs_as_of = float(instants_days(pd.Series([as_of]), tz)[0])
    held = released.isna().to_numpy()
    # Measured from the booking time, or for a date-only booking from the start of its day
    # (``stay_shift``: the booking came at a time uniform over that day, see Stays).
    lo = np.maximum(np.where(held, abs_as_of, abs_r_lo) - abs_b_lo, 0.0)
    hi = np.where(held, np.inf, abs_r_hi - abs_b_lo)
    hi = np.where(zero.to_numpy(), RESOLUTION_DAYS, hi)

    out = pd.DataFrame({"line": rows["line"].to_numpy()})
    if "id" in rows:
        out["id"] = rows["id"].to_numpy()
    out["booked"] = booked.to_numpy()
    out["released"] = released.to_numpy()
    out["booked_date_only"] = b_do.to_numpy()
    out["released_date_only"] = r_do.to_numpy() & ~held
    mid = np.where(b_do, 0.5, 0.0)
    out["t_booked"] = (booked - start).to_numpy() / day + mid
    rmid = np.where(r_do, 0.5, 0.0)
    out["t_exit"] = np.maximum((released - start).to_numpy() / day + rmid, out["t_booked"])
    out["stay_lo"], out["stay_hi"], out["stay_shift"] = lo, hi, b_do.to_numpy()
    out["still_held"] = held
    out["charge"] = _charge_group(rows["charge"]).to_numpy() if "charge" in rows else pd.NA
    if "reason" in rows:
        out["reason"] = np.where(held, "", _reason(rows["reason"]).to_numpy())
    else:
        out["reason"] = np.where(held, "", "unknown")
    _holds(out, rows, tz, log)
    return Export(bookings=out, log=log, source=where, columns=cols,
                  timezone=tz.key if tz else None, start=start, end=end, as_of=as_of)


def _holds(out: pd.DataFrame, rows: pd.DataFrame, tz, log: CleaningLog) -> None:
    """Hold flag, duration (hours) and outcome.

    The hold runs from ``hold_start`` (when the person would otherwise have been released)
    to ``hold_end``. Without ``hold_start`` it starts at the release time of the export
    (the release from criminal custody) and ends at ``hold_end``; without ``hold_end`` it
    ends at the release time.
    """
    n = len(out)
    has_start, has_end = "hold_start" in rows, "hold_end" in rows
    flag = np.zeros(n, dtype=bool)
    if "hold" in rows:
        flag |= _flag(rows["hold"]).to_numpy()
    for role in ("hold_start", "hold_end"):
        if role in rows:
            flag |= rows[role].notna().to_numpy()
    out["hold"] = flag
    hours = np.full(n, np.nan)

    def dated(role):
        return rows.get(f"{role}_date_only", pd.Series(False, index=rows.index)).astype(bool)

    end_at, end_dated = rows["released"], dated("released")
    if has_start and has_end:
        own = rows["hold_end"].notna()
        end_at = rows["hold_end"].where(own, rows["released"])
        end_dated = dated("hold_end").where(own, dated("released"))
        begin, begin_dated = rows["hold_start"], dated("hold_start")
    elif has_start:
        begin, begin_dated = rows["hold_start"], dated("hold_start")
    elif has_end:
        begin, begin_dated = rows["released"], dated("released")
        end_at, end_dated = rows["hold_end"], dated("hold_end")
    if has_start or has_end:
        a, e = instants_days(begin, tz), instants_days(end_at, tz)
        hours = (e - a) * 24.0
        vague = flag & ~np.isnan(hours) & (begin_dated | end_dated).to_numpy()
        log.add("repaired", "hold with a date-only start or end: hold duration unknown",
                rows["line"][vague])
        neg = flag & (hours < 0) & ~vague
        log.add("repaired", "hold ends before it starts: hold duration ignored",
                rows["line"][neg])
        hours = np.where(neg | vague | ~flag, np.nan, hours)
    out["hold_hours"] = hours
    outcome = np.where(out["still_held"], "pending",
                       np.where(out["reason"] == "ice", "ice", "released"))
    out["hold_outcome"] = np.where(flag, outcome, "")


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
