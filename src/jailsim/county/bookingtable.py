"""The bookings table of an export: one row per booking, each stay an interval of time.

From the cleaned rows (one per booking), the booking window is fixed and each stay is written
as the interval known to contain it: exact, a day wide for a date-only release, or open-ended
for people still held when the data stop (right-censored). Releases typed before bookings are
dropped, and immigration holds get their duration and outcome.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.county.cleaninglog import CleaningLog
from jailsim.county.columns import charge_group, read_flag, release_reason
from jailsim.county.timestamps import instants_days

__all__ = ["RESOLUTION_DAYS", "bookings_table"]

#: Length of a stay recorded as zero (booking and release at the same minute), in days.
RESOLUTION_DAYS = 1 / 1440


def bookings_table(
    rows: pd.DataFrame, log: CleaningLog, where: str, tz, as_of
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """The bookings table with its window: ``(table, start, end, as_of)``.

    ``rows`` holds one cleaned row per booking (naive local times, ``line`` its first line in
    the file); ``as_of`` is the time the data stop (None: the latest time in them). Rows booked
    after it or released before their booking are dropped and counted in ``log``.
    """
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
    out["charge"] = charge_group(rows["charge"]).to_numpy() if "charge" in rows else pd.NA
    out["charge_code"] = rows["charge"].to_numpy() if "charge" in rows else pd.NA  # as written
    if "reason" in rows:
        out["reason"] = np.where(held, "", release_reason(rows["reason"]).to_numpy())
    else:
        out["reason"] = np.where(held, "", "unknown")
    _holds(out, rows, tz, log)
    return out, start, end, as_of


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
        flag |= read_flag(rows["hold"]).to_numpy()
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

