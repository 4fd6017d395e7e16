"""Messy exports: one small fixture per kind of mess, each with its dropped/repaired count.

Every fixture is written by the test itself. Rows read always add up: bookings kept + rows
dropped + rows merged into another row of the same booking.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jailsim.base.errors import ScenarioError
from jailsim.calibration.calibrate import CalibrationWarning, calibrate
from jailsim.county.exports import read_export
from tests.calibration.conftest import AS_OF, RATE, write_export

HEADER = "booking_no,booking_date,release_date,charge,release_reason,ice_hold\n"
HOUR = 1 / 24


def export(tmp_path, body: str, header: str = HEADER, **kw):
    path = tmp_path / "bookings.csv"
    path.write_text(header + body)
    ex = read_export(path, **kw)
    log = ex.log
    assert log.rows_read == len(ex.bookings) + log.total("dropped") + log.total("merged")
    return ex


def test_several_timestamp_formats_read_alike(tmp_path):
    body = "".join(
        f"{i},{text},,M,,\n"
        for i, text in enumerate([
            "03/05/2024 14:22", "3/5/2024 2:22 PM", "2024-03-05 14:22:00", "2024-03-05T14:22",
            "05-Mar-2024 14:22", "2024/03/05 14:22", "\"March 5, 2024 2:22pm\"", "3/5/24 14:22",
        ])
    )
    ex = export(tmp_path, body)
    assert (ex.bookings["booked"] == pd.Timestamp("2024-03-05 14:22")).all()
    assert not ex.log.dropped and not ex.log.repaired


def test_trailing_zone_label_est_any_case(tmp_path):
    body = ("1,2024-01-05 08:00 EST,2024-01-06 08:00 est,M,,\n"
            "2,2024-07-05 08:00 EST,2024-07-05 20:00 EDT,M,,\n"
            "3,2024-07-06 08:00,2024-07-06 09:00,F,,\n")
    ex = export(tmp_path, body)
    assert ex.timezone == "America/New_York"  # read from the labels
    assert ex.log.repaired == {
        "booked: zone label EST read as America/New_York wall time": 2,
        "released: zone label EDT/est read as America/New_York wall time": 2,
    }
    # "EST" in July is the local wall time (exports print EST all year), not UTC-5.
    assert ex.bookings["booked"][1] == pd.Timestamp("2024-07-05 08:00")
    assert ex.bookings["stay_lo"].tolist() == pytest.approx([1.0, 0.5, HOUR])


def test_zone_labels_converted_to_the_jail_zone(tmp_path):
    body = "1,2024-01-05 08:00 EST,2024-01-05 10:00 CST,M,,\n"
    ex = export(tmp_path, body, timezone="America/Chicago")
    assert ex.bookings["booked"][0] == pd.Timestamp("2024-01-05 07:00")
    assert ex.bookings["released"][0] == pd.Timestamp("2024-01-05 10:00")
    assert ex.log.repaired == {
        "booked: zone label EST read as America/New_York wall time, converted to "
        "America/Chicago": 1,
        "released: zone label CST read as America/Chicago wall time": 1,
    }


def test_utc_offsets_need_the_jail_zone_then_convert(tmp_path):
    body = ("1,2024-07-01T17:00:00Z,2024-07-02T12:00:00-05:00,M,,\n"
            "2,2024-07-01 09:00,2024-07-01 10:00,M,,\n")
    with pytest.raises(ScenarioError, match="give the jail's time zone with --timezone"):
        export(tmp_path, body)
    ex = export(tmp_path, body, timezone="America/Chicago")
    assert ex.bookings["booked"][0] == pd.Timestamp("2024-07-01 12:00")  # CDT = UTC-5
    assert ex.bookings["stay_lo"][0] == pytest.approx(1.0)
    assert ex.log.repaired == {"booked: UTC offset converted to local time": 1,
                               "released: UTC offset converted to local time": 1}


def test_stays_across_daylight_saving_use_real_hours(tmp_path):
    body = "1,2024-03-09 12:00,2024-03-10 12:00,M,,\n2,2024-11-02 12:00,2024-11-03 12:00,M,,\n"
    naive = export(tmp_path, body)
    assert naive.bookings["stay_lo"].tolist() == pytest.approx([1.0, 1.0])
    ex = export(tmp_path, body, timezone="America/New_York")
    assert ex.bookings["stay_lo"].tolist() == pytest.approx([23 * HOUR, 25 * HOUR])


def test_date_only_columns_are_intervals(tmp_path):
    body = ("1,03/05/2024 14:00,03/09/2024,M,,\n"
            "2,03/05/2024,03/07/2024,M,,\n"
            "3,03/05/2024 10:00,03/05/2024,M,,\n"
            "4,03/06/2024 10:00,03/07/2024 10:00,M,,\n")
    ex = export(tmp_path, body)
    b = ex.bookings
    assert b["stay_lo"].tolist() == pytest.approx([4 - 14 * HOUR, 2, 0, 1])
    assert b["stay_hi"].tolist() == pytest.approx([5 - 14 * HOUR, 3, 14 * HOUR, 1])
    # A date-only booking counts from the start of its day (the stay is 2-3 days minus an
    # unknown time of day): the likelihood averages over that time.
    assert b["stay_shift"].tolist() == [False, True, False, False]
    assert ex.log.repaired == {"booked: date only, read as an interval of one day": 1,
                               "released: date only, read as an interval of one day": 3}
    assert b["t_booked"][1] == pytest.approx(0.5)  # counted from mid-day in the census


def test_a_column_of_midnights_is_read_as_dates(tmp_path):
    body = "".join(f"{i},2024-03-0{i} 10:00,2024-03-0{i + 2} 00:00:00,M,,\n" for i in range(1, 6))
    ex = export(tmp_path, body)
    assert ex.log.repaired == {"released: date only, read as an interval of one day": 5}
    assert any("only midnight times" in note for note in ex.log.notes)
    assert (ex.bookings["stay_hi"] - ex.bookings["stay_lo"]).tolist() == pytest.approx([1.0] * 5)


def test_duplicate_rows_dropped(tmp_path):
    rows = [f"{i},03/0{i}/2024 10:00,03/0{i + 1}/2024 10:00,M,,\n" for i in range(1, 6)]
    body = "".join(rows + [rows[0], rows[3], rows[3]])
    ex = export(tmp_path, body)
    assert ex.log.dropped == {"duplicate row (every column equal to an earlier row)": 3}
    assert len(ex.bookings) == 5


def test_releases_before_bookings_dropped(tmp_path):
    body = ("1,03/05/2024 10:00,03/04/2024 10:00,M,,\n"
            "2,03/05/2024 10:00,03/05/2024 09:59,M,,\n"
            "3,03/05/2024,03/04/2024,M,,\n"
            "4,03/05/2024 10:00,03/05/2024 10:00,M,,\n"
            "5,03/05/2024 10:00,03/06/2024 10:00,M,,\n")
    ex = export(tmp_path, body)
    assert ex.log.dropped == {"release before booking": 3}
    assert ex.log.repaired == {
        "release at the booking minute: stay read as under one minute": 1}
    assert ex.bookings["stay_hi"][0] == pytest.approx(1 / 1440)


def test_blank_rows_dropped(tmp_path):
    body = ("1,03/05/2024 10:00,03/06/2024 10:00,M,,\n"
            "\n"
            ",,,,,\n"
            " , ,, ,,\n"
            "2,03/05/2024 11:00,,F,,\n"
            "\n")
    ex = export(tmp_path, body)
    assert ex.log.dropped == {"blank row": 4}
    assert ex.bookings["still_held"].tolist() == [False, True]


def test_unreadable_times_dropped_with_examples(tmp_path):
    body = ("1,03/05/2024 10:00,03/06/2024 10:00,M,,\n"
            "2,not a date,03/06/2024 10:00,M,,\n"
            "3,,03/06/2024 10:00,M,,\n"
            "4,03/05/2024 10:00,13/45/2024 99:00,M,,\n")
    ex = export(tmp_path, body)
    assert ex.log.dropped == {"no booking time": 1, "unreadable booking time": 1,
                              "unreadable release time": 1}
    assert ex.log.examples[("dropped", "unreadable booking time")] == ["line 3: 'not a date'"]


def test_a_time_with_no_date_is_dropped_not_put_on_today(tmp_path):
    """A roster that left the date blank writes "  00:00:00 est": dateutil would date it
    today, stretching the window by years; it is unreadable, dropped and reported."""
    body = ("1,03/05/2024 10:00,03/06/2024 10:00,M,,\n"
            "2,  00:00:00 est,03/06/2024 10:00,M,,\n"
            "3,03/05/2024 12:00,14:30,M,,\n"
            "4,03/06/2024 09:00,03/07/2024 10:00,F,,\n")
    ex = export(tmp_path, body)
    assert ex.log.dropped == {"unreadable booking time": 1, "unreadable release time": 1}
    assert ex.log.examples[("dropped", "unreadable booking time")] == [
        "line 3: '00:00:00 est'"]
    assert ex.bookings["t_booked"].max() - ex.bookings["t_booked"].min() < 2.0  # two days


def test_one_row_per_charge_merged_into_bookings(tmp_path):
    """Rows of one booking share its times (rows that do not are tested in tests/county)."""
    body = ("A1,03/05/2024 10:00,03/09/2024 12:00,M,RELEASED,\n"
            "A1,03/05/2024 10:00,03/09/2024 12:00,F,RELEASED,Y\n"
            "A1,03/05/2024 10:00,03/09/2024 12:00,M,ICE TRANSFER,\n"
            "B2,03/06/2024 10:00,,M,,\n"
            "B2,03/06/2024 10:00,,M,,N\n")
    ex = export(tmp_path, body)
    assert ex.log.merged == {"another charge of the same booking id": 3}
    assert ex.log.dropped == {}
    a, b = ex.bookings.iloc[0], ex.bookings.iloc[1]
    assert a["charge"] == "felony" and a["hold"] and a["reason"] == "ice"  # the last row's
    assert a["booked"] == pd.Timestamp("2024-03-05 10:00")
    assert a["released"] == pd.Timestamp("2024-03-09 12:00")
    assert b["still_held"] and not b["hold"]


def test_missing_columns_are_one_line_errors(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("when,out\n03/05/2024 10:00,\n")
    with pytest.raises(ScenarioError) as exc:
        read_export(path)
    assert exc.value.lines == [f"{path}: column 'booked' not found (columns: when, out); name it "
                               "with --columns booked=COLUMN"]
    with pytest.raises(ScenarioError, match="column 'gone' \\(for released\\) not found"):
        read_export(path, columns={"booked": "when", "released": "gone"})
    with pytest.raises(ScenarioError) as exc:
        read_export(path, columns={"booked": "when", "released": "when"})
    assert exc.value.lines == [f"{path}: column 'when' given for both booked and released; "
                               "each role needs a column of its own"]
    ex = read_export(path, columns={"booked": "when", "released": "out"})
    assert ex.bookings["still_held"].all()


def test_as_of_censors_later_releases(tmp_path):
    body = ("1,03/05/2024 10:00,03/06/2024 10:00,M,,\n"
            "2,03/05/2024 10:00,03/20/2024 10:00,M,,\n"
            "3,03/12/2024 10:00,,M,,\n")
    ex = export(tmp_path, body, as_of="2024-03-10 10:00")
    assert ex.log.repaired == {"released after the as-of time: read as still held": 1}
    assert ex.log.dropped == {"booked after the as-of time": 1}
    assert ex.bookings["still_held"].tolist() == [False, True]
    assert ex.bookings["stay_lo"][1] == pytest.approx(5.0)


def test_messy_copy_of_a_real_export_calibrates_like_the_clean_one(tmp_path):
    """All the messes at once, on a simulated county: counts exact, fit unchanged."""
    clean_path = write_export(tmp_path / "clean.csv", seed=21)
    clean = pd.read_csv(clean_path, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(0)
    messy = clean.copy()
    idx = rng.permutation(len(messy))
    est, iso, dated = idx[:300], idx[300:500], idx[500:650]
    for i in est:  # a trailing EST label on both times
        for col in ("booking_date", "release_date"):
            if messy.at[i, col]:
                messy.at[i, col] = pd.Timestamp(messy.at[i, col]).strftime("%Y-%m-%d %H:%M EST")
    for i in iso:  # ISO 8601 with the UTC offset of New York
        ts = pd.Timestamp(messy.at[i, "booking_date"]).tz_localize("America/New_York")
        messy.at[i, "booking_date"] = ts.isoformat()
    for i in dated:  # release date only
        if messy.at[i, "release_date"]:
            messy.at[i, "release_date"] = messy.at[i, "release_date"].split(" ")[0]
    n_dated = int((clean.loc[dated, "release_date"] != "").sum())
    n_est_rel = int((clean.loc[est, "release_date"] != "").sum())
    n_vague_hold = int(((clean.loc[dated, "release_date"] != "")
                        & (clean.loc[dated, "hold_start"] != "")).sum())
    rest = idx[650:]
    swapped = rest[clean.loc[rest, "release_date"].to_numpy() != ""][:25]  # release first
    messy.loc[swapped, ["booking_date", "release_date"]] = clean.loc[
        swapped, ["release_date", "booking_date"]].to_numpy()
    dups = messy.iloc[rng.choice(len(messy), 12, replace=False)]
    blank = pd.DataFrame([[""] * messy.shape[1]] * 7, columns=messy.columns)
    messy = pd.concat([messy, dups, blank], ignore_index=True).sample(frac=1, random_state=2)
    path = tmp_path / "messy.csv"
    messy.to_csv(path, index=False)

    one = ["release_or_disposition"]  # the truth's model; model choice is tested elsewhere
    cal = calibrate(path, as_of=AS_OF, timezone="America/New_York", families=one)
    log = cal.log
    assert log.dropped == {"blank row": 7,
                           "duplicate row (every column equal to an earlier row)": 12,
                           "release before booking": len(swapped)}
    expected = {
        "booked: zone label EST read as America/New_York wall time": 300,
        "released: zone label EST read as America/New_York wall time": n_est_rel,
        "booked: UTC offset converted to local time": 200,
        "released: date only, read as an interval of one day": n_dated,
        "hold with a date-only start or end: hold duration unknown": n_vague_hold,
    }
    assert log.repaired == {k: v for k, v in expected.items() if v}
    assert log.merged == {}
    assert len(cal.export.bookings) == len(clean) - len(swapped)

    # The messy export holds the clean one's bookings, less the rows it drops: not another
    # sample, so no sampling tolerance applies. What the repairs may cost is bounded instead:
    # each mean stay within half its standard error of the clean fit, the rate within 1%.
    ref = calibrate(clean_path, as_of=AS_OF, timezone="America/New_York", families=one)
    for charge in ref.stays:
        a, b = cal.stays[charge].best, ref.stays[charge].best
        assert abs(a.mean() - b.mean()) < 0.5 * b.se()["mean"]
    assert math.isclose(cal.arrivals.rate, ref.arrivals.rate, rel_tol=0.01)


def test_an_export_of_dates_only_still_calibrates(tmp_path):
    """Booking and release dates without times: stays are day intervals, hours unknown."""
    clean = pd.read_csv(write_export(tmp_path / "clean.csv", seed=41), dtype=str,
                        keep_default_na=False)
    for col in ("booking_date", "release_date", "hold_start"):
        clean[col] = clean[col].str.slice(0, 10)
    path = tmp_path / "dates.csv"
    clean.to_csv(path, index=False)
    cal = calibrate(path, as_of=AS_OF, families=["release_or_disposition"])
    n = len(clean)
    assert cal.log.repaired["booked: date only, read as an interval of one day"] == n
    assert cal.arrivals.model.startswith("day_of_week") and cal.arrivals.n_timed == 0
    sc = cal.scenario()
    assert sc.arrivals.bookings.profile.hour_of_day == (1.0,) * 24
    assert abs(cal.arrivals.rate - 15.6) < 4 * cal.arrivals.rate_se
    b = cal.export.bookings
    assert ((b["stay_hi"] - b["stay_lo"])[~b["still_held"]] > 0.99).all()
    fit = cal.stays["misdemeanor"].best
    assert abs(fit.params()["release_share"] - 0.7) < 4 * fit.se()["release_share"]


def test_an_as_of_time_cuts_the_booking_window_too(tmp_path):
    """Bookings after the as-of time are dropped, and the window they are counted over ends
    with them: the rate over the first year is the truth's (trend 10% a year), within 4 SE."""
    path = write_export(tmp_path / "export.csv", seed=12)
    cut = read_export(path, as_of="2026-01-06")
    n, days = len(cut.bookings), cut.window_days
    assert 364 <= days <= 366
    expected = RATE * 0.1 / math.log(1.1)  # mean of 15.6 x 1.1^(t / 365.25) over a year
    assert abs(n / days - expected) < 4 * math.sqrt(n) / days, (n / days, expected)
    with pytest.raises(ScenarioError) as exc:
        read_export(path, as_of="2000-01-01")
    assert len(exc.value.lines) == 1 and "no usable bookings" in exc.value.lines[0]


def test_every_charge_group_too_small_calibrates_one_group(tmp_path):
    path = write_export(tmp_path / "export.csv", seed=12)
    with pytest.warns(CalibrationWarning, match="every charge group under 1000000 bookings: "
                      "one stay model fitted to all"):
        cal = calibrate(path, as_of=AS_OF, min_group=10**6)
    assert list(cal.stays) == ["all"]
    assert any("one group 'all'" in line for line in cal.log.lines())
