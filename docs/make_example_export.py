"""Write the example booking exports used in docs/calibration.md.

The "county" is jailsim's shipped base county under its own court path (initial appearances
twice a day, release on recognizance, bail, sentences, transfers to prison, detainers and
holds), simulated over 2024 and 2025 with seed 2024. Its bookings are written the way a jail
management system might write them, with the usual mess:

* one row per charge (about a third of bookings have two or three rows, same booking number);
* three timestamp styles: ``03/05/2024 02:22 PM`` (most rows), ``2024-03-05 14:22 EST`` (an
  older system that labels every time EST, even in summer) and ISO 8601 with a UTC offset
  (a state feed);
* some release dates without a time, a few duplicated rows, a few releases typed before the
  booking, blank lines, and a footer line with the record count.

Two files are written, one per year, each as it would have been exported on 1 January of the
next year (people still held then have a blank release date)::

    python docs/make_example_export.py out/example

writes ``out/example/bookings_2024.csv`` and ``out/example/bookings_2025.csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import jailsim
from jailsim.county.exports import to_export

ZONE = "America/New_York"


def messy(bookings: pd.DataFrame, start, as_of_days: float, rng, year: int) -> pd.DataFrame:
    """One year of bookings as a messy export."""
    clean = to_export(bookings, start, fmt="%Y-%m-%d %H:%M", as_of_days=as_of_days)
    clean["booking_number"] = [f"{year % 100}-{k:06d}" for k in rng.permutation(len(clean))]
    n = len(clean)
    # Times in three styles.
    style = rng.choice(3, size=n, p=[0.75, 0.18, 0.07])
    for col in ("booking_date", "release_date", "hold_start"):
        ts = pd.to_datetime(clean[col], errors="coerce")
        us = ts.dt.strftime("%m/%d/%Y %I:%M %p")
        est = ts.dt.strftime("%Y-%m-%d %H:%M EST")
        iso = ts.dt.tz_localize(ZONE, ambiguous=False, nonexistent="shift_forward").map(
            lambda t: t.isoformat() if pd.notna(t) else "")
        out = np.select([style == 0, style == 1], [us, est], iso)
        clean[col] = np.where(ts.isna(), "", out)
    # Some releases recorded as a date only.
    dated = (rng.random(n) < 0.05) & (clean["release_date"] != "") & (style == 0)
    clean.loc[dated, "release_date"] = clean.loc[dated, "release_date"].str.slice(0, 10)
    # One row per charge: extra, lesser charges on the same booking.
    extra = clean[rng.random(n) < 0.33].copy()
    extra["charge_level"] = "MISDEMEANOR"
    more = extra[rng.random(len(extra)) < 0.3]
    rows = pd.concat([clean, extra, more]).sort_values(["booking_number", "charge_level"])
    rows.insert(4, "statute", [f"{c[0]}S {rng.integers(100, 999)}.{rng.integers(1, 99):02d}"
                               for c in rows["charge_level"]])
    # Typos: release typed before the booking.
    typo = rows.index[(rows["release_date"] != "")].to_series().sample(8, random_state=1)
    rows.loc[typo, ["booking_date", "release_date"]] = rows.loc[
        typo, ["release_date", "booking_date"]].to_numpy()
    rows = pd.concat([rows, rows.sample(25, random_state=2)])  # duplicated rows
    rows = rows.sample(frac=1, random_state=3).reset_index(drop=True)
    rows = rows.rename(columns={
        "booking_number": "Booking Number", "booking_date": "Booking Date",
        "release_date": "Release Date", "charge_level": "Highest Charge",
        "statute": "Statute", "release_reason": "Release Reason", "ice_hold": "ICE Hold",
        "hold_start": "Hold Start",
    })
    blank = pd.DataFrame([[""] * rows.shape[1]] * 5, columns=rows.columns)
    order = np.concatenate([np.arange(len(rows)), rng.choice(len(rows), 5) - 0.5])
    out = pd.concat([rows, blank], ignore_index=True).iloc[np.argsort(order, kind="stable")]
    footer = pd.DataFrame([[f"Total records: {len(rows)}"] + [""] * (rows.shape[1] - 1)],
                          columns=rows.columns)
    return pd.concat([out, footer], ignore_index=True)


def main(folder: str) -> None:
    """Simulate the county over 2024-2025 and write one messy export per year."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sc = jailsim.load("jailsim:base_county.yaml").with_(
        {"start_date": "2024-01-01", "horizon": "731d"})
    res = jailsim.simulate(sc, seed=2024, replications=1, engine="vector")
    b = res.bookings
    rng = np.random.default_rng(2024)
    for year, lo, hi in ((2024, 0.0, 366.0), (2025, 366.0, 731.0)):
        part = b[(b["booked_at"] >= lo) & (b["booked_at"] < hi)]
        table = messy(part, sc.start_date, hi, rng, year)
        path = folder / f"bookings_{year}.csv"
        table.to_csv(path, index=False)
        print(f"wrote {path} ({len(table):,} lines, {len(part):,} bookings)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/example")
