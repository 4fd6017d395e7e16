"""Each evidence measure on small hand-made tables, and on a simulated county against theory."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jailsim.evidence import measures as m

NAN = np.nan


def _table(rows):
    cols = ["booked_at", "detainer_at", "exit_at", "los_days", "charge", "offense",
            "hold_start_at", "exit_reason"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("charge", "offense", "exit_reason"):
        df[c] = df[c].astype("category")
    return df


def test_detainer_share_counts_detainers_lodged_in_the_window_per_booking_in_it():
    t = _table([
        (-5.0, 1.0, 9.0, 14.0, "f", "none", NAN, "released"),   # booked before: detainer counts
        (1.0, NAN, 3.0, 2.0, "f", "none", NAN, "released"),
        (2.0, 3.0, NAN, 8.0, "m", "none", NAN, "censored"),
        (4.0, 11.0, NAN, 6.0, "m", "none", NAN, "censored"),    # lodged after the horizon
    ])
    t.loc[3, "detainer_at"] = NAN  # records censor times after the horizon to NaN
    assert m.detainer_share(t, 10.0) == pytest.approx(2 / 3)


def test_extra_days_is_a_difference_of_means_over_people_released():
    t = _table([
        (0.0, 0.5, 10.0, 10.0, "f", "none", NAN, "released"),
        (0.0, 0.5, 30.0, 30.0, "f", "none", NAN, "released"),
        (0.0, NAN, 2.0, 2.0, "f", "none", NAN, "released"),
        (0.0, NAN, 4.0, 4.0, "f", "none", NAN, "released"),
        (0.0, 0.5, NAN, 99.0, "f", "none", NAN, "censored"),   # still held: left out
    ])
    assert m.extra_days(t, 100.0) == pytest.approx(20.0 - 3.0)


def test_stay_ratio_recovers_a_known_multiplier_within_charge_classes():
    # Stays: felony 20 days, misdemeanor 2 days, times 3 with a detainer; twice as many
    # detainers among felonies, so the raw ratio is confounded and the controlled one is 3.
    rows = []
    for charge, base, n_with in (("f", 20.0, 20), ("m", 2.0, 10)):
        rows += [(0.0, 0.1, base * 3, base * 3, charge, "none", NAN, "released")] * n_with
        rows += [(0.0, NAN, base, base, charge, "none", NAN, "released")] * 40
    t = _table(rows)
    assert m.stay_ratio(t, 100.0) == pytest.approx(3.0, rel=1e-12)
    raw = (t.los_days[t.detainer_at.notna()].mean() / t.los_days[t.detainer_at.isna()].mean())
    assert raw > 3.5  # the uncontrolled ratio is not what the study reports


def test_days_per_detainer_month_counts_people_once_in_each_month_they_were_held():
    start = dt.date(2011, 10, 1)  # October: days 0-31; November: days 31-61
    t = _table([
        (-3.0, 5.0, 41.0, 44.0, "f", "none", NAN, "released"),   # Oct 26 days, Nov 10 days
        (20.0, 20.5, 25.5, 5.5, "m", "none", NAN, "released"),    # Oct 5 days
        (1.0, NAN, 50.0, 49.0, "m", "none", NAN, "released"),     # no detainer
    ])
    assert m.month_bounds(start, 61.0).tolist() == [0.0, 31.0, 61.0]
    assert m.days_per_detainer_month(t, 61.0, start) == pytest.approx((26 + 10 + 5) / 3)


def test_holds_to_ice_is_a_share_of_holds_started():
    t = _table([
        (0.0, 0.1, 5.0, 5.0, "f", "none", 4.0, "ice_transfer"),
        (0.0, 0.1, 6.0, 6.0, "f", "none", 4.0, "lapsed"),
        (0.0, 0.1, 7.0, 7.0, "f", "none", NAN, "released"),
        (0.0, 0.1, NAN, 10.0, "f", "none", 8.0, "censored"),  # ICE's detainee past the end
    ])
    t["ice_custody_at"] = [5.0, NAN, NAN, 8.5]
    assert m.holds_to_ice(t, 10.0) == pytest.approx(2 / 3)


def test_days_per_detainer_is_days_held_with_one_per_detainer_lodged():
    t = _table([
        (-10.0, -2.0, 3.0, 13.0, "f", "none", NAN, "released"),  # lodged before: 3 days
        (1.0, 2.0, 8.0, 7.0, "f", "none", NAN, "released"),      # 6 days
        (4.0, 5.0, NAN, 6.0, "m", "none", NAN, "censored"),      # held to the horizon: 5 days
        (4.0, NAN, 6.0, 2.0, "m", "none", NAN, "released"),
    ])
    assert m.days_per_detainer(t, 10.0) == pytest.approx((3 + 6 + 5) / 2)
