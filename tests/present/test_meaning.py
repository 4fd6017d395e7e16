"""What a comparison or a run means, in words: direction, size and interval from its numbers."""

from __future__ import annotations

import pytest

from jailsim.present.meaning import comparison_meaning, run_meaning


def _diff(diff, lo, hi, unit="count", pct=None):
    return {"unit": unit, "diff": diff, "diff_ci_low": lo, "diff_ci_high": hi, "pct": pct}


#: WSO against JEM over a year, as the README's demo: fewer detainers, fewer hold bed-days,
#: fewer people on an average day, most of the fewer bed-days before release.
WSO = {
    "detainers": _diff(-412.0, -440.0, -380.0, pct=-57.0),
    "hold_bed_days": _diff(-1230.0, -1300.0, -1150.0, "bed-days", pct=-58.0),
    "adp": _diff(-6.0, -7.0, -5.0, "people", pct=-1.1),
    "bed_days": _diff(-2200.0, -2500.0, -1900.0, "bed-days"),
    "attributable_bed_days_pre_release": _diff(-2000.0, -2300.0, -1700.0, "bed-days"),
    "attributable_bed_days_hold": _diff(-200.0, -220.0, -180.0, "bed-days"),
}


def _flipped(diffs):
    """The same comparison the other way round: every difference and interval negated."""
    return {name: {**d, "diff": -d["diff"], "diff_ci_low": -d["diff_ci_high"],
                   "diff_ci_high": -d["diff_ci_low"],
                   "pct": None if d["pct"] is None else -d["pct"]}
            for name, d in diffs.items()}


def test_a_comparison_is_told_with_direction_size_and_interval():
    text = comparison_meaning(WSO, "WSO", "JEM", 365.25)
    assert text[0] == ("Under WSO the jail lodged 412 fewer detainers a year than under JEM "
                       "(95% interval 380 to 440 fewer), 57% fewer.")
    assert text[1] == ("It held people for ICE 1,230 fewer bed-days a year past their release "
                       "(95% interval 1,150 to 1,300 fewer), 58% fewer.")
    assert text[2] == ("It had 6 fewer people in jail on an average day (95% interval 5 to 7 "
                       "fewer).")
    assert text[3].startswith("Of the 2,200 fewer bed-days a year in all (95% interval 1,900 "
                              "to 2,500 fewer), most were spent before release: 2,000 fewer")
    assert "and 200 fewer in holds for ICE past release." in text[3]


def test_the_words_follow_the_sign_when_it_flips():
    text = " ".join(comparison_meaning(_flipped(WSO), "JEM", "WSO", 365.25))
    assert "Under JEM the jail lodged 412 more detainers a year than under WSO (95% interval " \
           "380 to 440 more), 57% more." in text
    assert "1,230 more bed-days a year past their release" in text
    assert "Of the 2,200 more bed-days a year" in text and "2,000 more before release" in text
    assert "fewer" not in text


def test_an_interval_that_includes_zero_cannot_tell_the_two_apart():
    diffs = {"detainers": _diff(3.0, -2.0, 8.0, pct=1.0),
             "bed_days": _diff(-40.0, -90.0, 10.0, "bed-days")}
    first, where = comparison_meaning(diffs, "B", "A", 365.25)
    assert first == ("Under B the jail lodged 3 more detainers a year than under A, but the 95% "
                     "interval runs from 2 fewer to 8 more: the data cannot tell the two apart.")
    assert where.startswith("In all, bed-days differ by 40 a year, but the 95% interval runs "
                            "from 90 fewer to 10 more: the data cannot tell the two apart.")


def test_totals_are_per_year_and_nothing_differs_is_said_as_such():
    diffs = {"detainers": _diff(-200.0, -220.0, -180.0),  # over two years: 100 a year
             "adp": _diff(0.0, 0.0, 0.0, "people")}       # the same in every replication
    first, second = comparison_meaning(diffs, "B", "A", 730.5)
    assert first.startswith("Under B the jail lodged 100 fewer detainers a year than under A "
                            "(95% interval 90 to 110 fewer)")
    assert second == "It had the same people in jail on an average day in every replication."


def test_undefined_differences_are_left_out():
    assert comparison_meaning({"detainers": _diff(float("nan"), None, None)}, "B", "A", 1) == []


def _m(mean, lo, hi):
    return {"mean": mean, "ci_low": lo, "ci_high": hi}


RUN = {"adp": _m(500.0, 490.0, 510.0), "bookings_per_day": _m(15.6, 15.0, 16.0),
       "detainers": _m(100.0, 90.0, 110.0), "ice_transfers": _m(80.0, 70.0, 90.0),
       "mean_los_days_detainer": _m(60.0, 50.0, 70.0),
       "mean_los_days_no_detainer": _m(31.0, 30.0, 32.0),
       "attributable_bed_days": _m(4000.0, 3000.0, 5000.0),
       "attributable_bed_days_pre_release": _m(3800.0, 2900.0, 4700.0),
       "attributable_bed_days_hold": _m(200.0, 100.0, 300.0),
       "attributable_bed_days_igsa": _m(0.0, 0.0, 0.0)}


def test_a_run_is_told_from_its_own_numbers():
    text = run_meaning(RUN, "JEM", "JEM throughout", 365.25)
    assert text[0] == ("Under scenario JEM (JEM throughout), the jail held 500 people on an "
                       "average day (95% interval 490 to 510) and booked 15.6 people a day.")
    assert text[1] == ("It lodged 100 detainers a year (95% interval 90 to 110) and handed 80 "
                       "people a year to ICE.")
    assert "with a detainer had stayed 60 days on average, against 31 days" in text[2]
    assert text[3] == ("Because of detainers the jail used 4,000 more bed-days a year than it "
                       "would have without them (95% interval 3,000 to 5,000 more): 3,800 "
                       "before release by people whom a detainer kept from bail or release on "
                       "recognizance and 200 in holds for ICE past release.")


@pytest.mark.parametrize(("lo", "hi", "says"), [
    (-500.0, 8500.0, "from 500 fewer to 8,500 more: the data cannot tell this from no "
                     "difference"),
    (3000.0, 5000.0, "(95% interval 3,000 to 5,000 more)"),
])
def test_a_run_says_when_detainers_cannot_be_told_from_no_difference(lo, hi, says):
    metrics = {**RUN, "attributable_bed_days": _m(4000.0, lo, hi)}
    assert says in run_meaning(metrics, "JEM", "JEM throughout", 365.25)[3]
