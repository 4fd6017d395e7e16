"""An export a fit cannot use stops the calibration in one line saying what it lacks.

Each export here used to end in ``LinAlgError: Singular matrix``, a rate of 10^131 bookings a
day, or ``ValueError: no stay model could be fitted``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jailsim.base.errors import ScenarioError
from jailsim.calibration.calibrate import calibrate
from jailsim.calibration.fitneeds import MIN_BOOKINGS, MIN_RELEASES
from jailsim.cli.main import main

T0 = pd.Timestamp("2024-03-04")


def export(booked_days, stays=None) -> pd.DataFrame:
    """Bookings ``booked_days`` after Monday 2024-03-04 00:00; stays in days (None: held)."""
    booked = T0 + pd.to_timedelta(np.asarray(booked_days, dtype=float), unit="D")
    out = pd.DataFrame({"booking_date": booked.strftime("%Y-%m-%d %H:%M")})
    if stays is not None:
        out["release_date"] = (booked + pd.to_timedelta(stays, unit="D")).strftime(
            "%Y-%m-%d %H:%M")
    return out


def refusal(frame) -> str:
    with pytest.raises(ScenarioError) as exc:
        calibrate(frame, families=["lognormal"])
    (line,) = exc.value.lines
    assert line.startswith("<DataFrame>: ")
    return line


def test_a_sparse_export_is_one_line_on_the_command_line(tmp_path, capsys):
    """One booking in 2024, two in 2030."""
    path = tmp_path / "sparse.csv"
    path.write_text("booking_id,booked,released\n1,2024-03-05 10:00,2024-03-06 10:00\n"
                    "2,2030-03-07 10:00,2030-03-08 10:00\n3,2030-05-07 11:00,\n")
    assert main(["calibrate", str(path), "--out", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{path}: too few bookings to fit the booking rate and its weekly profile: "
                   f"3 bookings kept of 3 rows read; need at least {MIN_BOOKINGS}"]


def test_too_few_bookings_a_week_for_the_trend():
    rng = np.random.default_rng(1)
    days = np.sort(np.r_[0.4, 6 * 365.0, rng.uniform(0, 6 * 365, 38)])
    line = refusal(export(days, np.ones(40)))
    assert "too few bookings per week to fit the booking rate and its trend: 40 bookings over " \
           "313 weeks (2024-03-04 to 2030-03-02), 0.13 a week; need at least 1 a week" in line


def test_bookings_all_at_one_hour_of_the_week():
    days = np.arange(60) * 7.0 + 10 / 24  # every Monday at 10:00
    stays = np.random.default_rng(4).lognormal(0.0, 1.0, 60)
    line = refusal(export(days, stays))
    assert "the booking rate and weekly profile cannot be fitted: the 60 bookings fall in 1 " \
           "of the 24 hours of the day and on 1 of the 7 days of the week" in line


def test_no_release_column_says_the_stays_lack_releases():
    rng = np.random.default_rng(2)
    line = refusal(export(rng.uniform(0, 60, 300)))
    assert line == ("<DataFrame>: too few releases to fit the length of stay [all]: 0 of 300 "
                    f"stays end in a release (the others are still held); need at least "
                    f"{MIN_RELEASES} (the export has no release column: name it with "
                    "--columns released=COLUMN)")


def test_stays_all_of_one_length_fit_no_model():
    rng = np.random.default_rng(3)
    line = refusal(export(rng.uniform(0, 60, 300), np.full(300, 1.0)))
    assert "no stay model fits the 300 stays [all]: every fit is degenerate; the 300 that end " \
           "in a release have 1 distinct length(s) to the minute" in line
