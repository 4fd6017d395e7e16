"""Unreadable timestamps past a share stop a calibration; dates without times are day intervals.

Rows with a time but no date (``  00:00:00 est``) are dropped and counted by the reader; more
than ``MAX_UNREADABLE_SHARE`` of them stop ``calibrate`` with one line naming the file, the
column and the first rows. Midnights far more common than a clock gives are dates without a
time, and the fit report says which rows were read so.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from jailsim.base.errors import ScenarioError
from jailsim.calibration.calibrate import calibrate
from jailsim.calibration.exportcheck import MAX_UNREADABLE_SHARE, check_unreadable
from jailsim.calibration.fitreport import date_only_lines
from jailsim.county.exports import read_export
from tests.calibration.test_caveats import T0, export


def with_undated(frame: pd.DataFrame, k: int) -> tuple[pd.DataFrame, list[int]]:
    """``frame`` with the booking time of ``k`` rows written as a time with no date.

    The rows are among those with a release time, so that no two of them become equal rows
    (which would be dropped as duplicates first).
    """
    released = np.nonzero(frame["Release Date"].str.len().to_numpy() > 0)[0]
    rows = np.random.default_rng(1).choice(released, k, replace=False)
    out = frame.copy()
    out.loc[rows, "Book Date"] = "  00:00:00 est"
    return out, sorted(int(r) + 1 for r in rows)  # row numbers of a DataFrame are 1-based


def quiet_calibrate(frame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return calibrate(frame, as_of=T0 + pd.Timedelta(days=60), families=["lognormal"], **kw)


def test_more_unreadable_times_than_allowed_stop_with_one_line():
    frame, rows = with_undated(export(400, 60.0, 1.0, seed=5), 40)  # 10%
    with pytest.raises(ScenarioError) as exc:
        quiet_calibrate(frame)
    (line,) = exc.value.lines
    first = "; ".join(f"line {r}: '00:00:00 est'" for r in rows[:3])
    assert line == ("<DataFrame>: 40 of 400 rows (10.0%) have a booking or release time that "
                    "cannot be read (e.g. a time with no date), more than the 5% allowed "
                    f"(--max-unreadable raises it): column 'Book Date': 40 rows (e.g. {first})")
    cal = quiet_calibrate(frame, max_unreadable=0.10)  # at the share allowed: kept going
    assert cal.log.dropped["unreadable booking time"] == 40
    assert len(cal.export.bookings) == 360


def test_a_few_unreadable_times_are_only_reported():
    frame, _ = with_undated(export(400, 60.0, 1.0, seed=5), 20)  # 5%: not more than allowed
    assert MAX_UNREADABLE_SHARE == 0.05
    cal = quiet_calibrate(frame)
    assert check_unreadable(cal.export) == 20


def test_cli_max_unreadable_option(tmp_path):
    frame, _ = with_undated(export(400, 60.0, 1.0, seed=5), 40)
    path = tmp_path / "undated.csv"
    frame.to_csv(path, index=False)

    def run(*extra):
        return subprocess.run([sys.executable, "-m", "jailsim.cli.main", "calibrate", str(path),
                               "--out", str(tmp_path / "x.yaml"), "--quiet", *extra],
                              capture_output=True, text=True, cwd=tmp_path, timeout=600)

    stopped = run()
    assert stopped.returncode == 2 and "Traceback" not in stopped.stderr
    assert f"{path}: 40 of 400 rows (10.0%)" in stopped.stderr
    assert "column 'Book Date': 40 rows (e.g. line " in stopped.stderr
    assert run("--max-unreadable", "15%").returncode == 0
    bad = run("--max-unreadable", "2")
    assert bad.returncode == 2 and "expected a share from 0 to 1" in bad.stderr


def test_midnights_far_above_the_clock_are_dates_without_a_time(tmp_path):
    """A release column with real times where a third of the rows say 00:00:00."""
    frame = export(600, 60.0, 1.0, seed=6)
    released = frame["Release Date"].str.len() > 0
    dated = np.nonzero(released.to_numpy())[0][::3]
    frame.loc[dated, "Release Date"] = (frame.loc[dated, "Release Date"].str.slice(0, 10)
                                        + " 00:00:00")
    ex = read_export(frame, as_of=T0 + pd.Timedelta(days=60))
    # Every midnight of the column reads as a date: those written so, and any real one.
    real = int((frame["Release Date"].str.endswith(" 00:00")).sum())
    assert ex.log.repaired["released: date only, read as an interval of one day"] == (
        len(dated) + real)
    assert any("times at exactly midnight" in note for note in ex.log.notes)
    b = ex.bookings.set_index("line")
    lines = dated + 1
    assert b.loc[lines, "released_date_only"].all()
    # The stay ends somewhere in the day of release, not at its first minute.
    day = pd.Timedelta(days=1)
    start = (b.loc[lines, "released"] - b.loc[lines, "booked"]) / day
    assert b.loc[lines, "stay_lo"].to_numpy() == pytest.approx(np.maximum(start, 0.0))
    assert b.loc[lines, "stay_hi"].to_numpy() == pytest.approx(start + 1.0)
    # The fit report names them: count and first lines.
    (line,) = date_only_lines(ex)
    assert line.startswith(f"date only: {len(dated) + real:,} releases with a date only (lines ")
    listed = line.split("(lines ")[1].split(" (and")[0]
    assert set(sorted(lines)[:4]) <= {int(x) for x in listed.split(", ")}


def test_times_on_the_hour_keep_their_midnights():
    """A clock that writes whole hours gives midnight as often as 23:00: a time, not a date."""
    rng = np.random.default_rng(2)
    booked = T0 + pd.to_timedelta(rng.integers(0, 60 * 24, 2000), unit="h")
    frame = pd.DataFrame({"booked": booked.strftime("%Y-%m-%d %H:%M")})
    ex = read_export(frame)
    assert (ex.bookings["booked"].dt.hour == 0).sum() > 50
    assert not ex.bookings["booked_date_only"].any()
    assert not ex.log.repaired


def test_date_only_bookings_stay_out_of_the_hour_profile_and_are_listed():
    frame = export(1500, 60.0, 1.0, seed=7)
    undated = np.nonzero(frame["Release Date"].str.len().to_numpy() > 0)[0][::10]  # no two equal
    frame.loc[undated, "Book Date"] = frame.loc[undated, "Book Date"].str.slice(0, 10)
    cal = quiet_calibrate(frame)
    a = cal.arrivals
    assert a.n_timed == a.n_total - len(undated) and a.n_total == len(cal.export.bookings)
    row = cal.parameters().set_index("parameter").loc["arrivals.bookings.rate"]
    first = ", ".join(str(x + 1) for x in undated[:5])
    assert (f"{len(undated)} booked with a date only, counted in the rate, not in the hour of "
            f"the day (lines {first} (and {len(undated) - 5} more))") in row["which rows"]
