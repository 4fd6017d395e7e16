"""Clock, weekly timetables, court sessions, hold caps and transport runs."""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.tseries.holiday import USFederalHolidayCalendar

from jailsim.model.calendars import CourtCalendar, HoldCalendar
from jailsim.model.clock import Clock
from jailsim.model.timetable import TransportSchedule, WeeklyStep
from jailsim.scenario.blocks import Court, Hold, Shift, Staffing, Transport

H = 1 / 24
MONDAY = dt.date(2025, 1, 6)
WEDNESDAY = dt.date(2025, 1, 8)
HORIZON = 3 * 365.25


@functools.cache
def federal_holidays() -> np.ndarray:
    """Reference holiday list, straight from pandas."""
    found = USFederalHolidayCalendar().holidays("2024-01-01", "2045-12-31")
    return found.values.astype("datetime64[D]")


@functools.cache
def calendars(start: dt.date):
    """A clock with a court calendar and both hold rules (built once per start date)."""
    clock = Clock(start)
    return (
        clock,
        CourtCalendar(court(), clock, HORIZON),
        HoldCalendar(Hold(rule="business_48h", cap="48h"), clock, HORIZON),
        HoldCalendar(Hold(rule="calendar_48h", cap="48h"), clock, HORIZON),
    )


def days(clock: Clock, when: str) -> float:
    """Engine time of a local timestamp like '2025-01-17T17:00'."""
    return float(clock.to_days(np.datetime64(when)))


def stamp(clock: Clock, t) -> str:
    """Local timestamp of ``t`` to the nearest minute."""
    return str((clock.to_datetime64(t) + np.timedelta64(30, "s")).astype("datetime64[m]"))


# ------------------------------------------------------------------------------------ Clock
def test_clock_weekday_time_of_day_and_week():
    clock = Clock(WEDNESDAY)
    assert clock.week_offset == 2
    assert clock.weekday(0.0) == 2
    assert clock.weekday(5.5) == 0  # Monday 2025-01-13
    assert clock.weekday(-0.5) == 1  # Tuesday before the start
    assert clock.time_of_day(5.25) == pytest.approx(0.25)
    assert clock.time_of_week(0.0) == 2.0
    assert clock.time_of_week(5.25) == pytest.approx(0.25)
    t = np.array([0.0, 5.5, -0.5, 12.75])
    np.testing.assert_array_equal(clock.weekday(t), [2, 0, 1, 0])
    np.testing.assert_allclose(clock.time_of_day(t), [0, 0.5, 0.5, 0.75])
    np.testing.assert_allclose(clock.time_of_week(t), [2, 0.5, 1.5, 0.75])


def test_clock_timestamps_round_trip():
    clock = Clock("2025-01-06")
    out = clock.to_datetime64(np.array([0.0, 1.5, 10 + 17 * H, np.nan]))
    assert out.dtype == np.dtype("datetime64[ns]")
    assert list(out[:3].astype(str)) == [
        "2025-01-06T00:00:00.000000000",
        "2025-01-07T12:00:00.000000000",
        "2025-01-16T17:00:00.000000000",
    ]
    assert np.isnat(out[3])
    t = np.array([0.0, 3.25, 1000 + 7 * H, -2.5])
    np.testing.assert_allclose(clock.to_days(clock.to_datetime64(t)), t, atol=1e-12)


def test_holidays_cover_horizon_plus_ten_years():
    clock = Clock(MONDAY)
    hol = clock.holidays("us_federal", HORIZON)
    assert hol.dtype == np.dtype("datetime64[D]")
    assert hol.min() >= np.datetime64("2014-12-23")  # start - 10 years - 14 days
    assert np.datetime64("2024-12-25") in hol
    assert np.datetime64("2025-01-20") in hol  # MLK Day
    assert np.datetime64("2027-12-24") in hol  # Christmas on a Saturday, observed Friday
    last = clock.start + np.timedelta64(math.ceil(HORIZON) + 3653, "D")
    assert hol.max() <= last
    assert np.datetime64("2037-12-25") in hol  # 10 years past the end of a 3-year run
    assert len(clock.holidays("none", HORIZON)) == 0
    with pytest.raises(ValueError, match="us_federal"):
        clock.holidays("state", HORIZON)


# ------------------------------------------------------------------------------ WeeklyStep
JEM = Staffing(
    officers=2,
    shifts=(
        Shift(days="Mon-Fri", start="07:00", end="15:00"),
        Shift(days="Mon-Fri", start="15:00", end="23:00", officers=1),
        Shift(days="Sat-Sun", start="08:00", end="16:00", officers=1),
    ),
)


def test_weekly_step_shift_timetable_by_hand():
    step = WeeklyStep.from_staffing(JEM, Clock(MONDAY))
    # Monday: 0 until 07:00, 2 until 15:00, 1 until 23:00, then 0.
    assert [step.at(h / 24) for h in (0, 6.99, 7, 14, 15, 22, 23)] == [0, 0, 2, 2, 1, 1, 0]
    assert step.at(5 + 8 * H) == 1 and step.at(6 + 16 * H) == 0  # Saturday, Sunday
    assert step.max() == 2 and step.min() == 0
    assert step.integral(0.0, 7.0) == pytest.approx(5 * (16 + 8) / 24 + 2 * 8 / 24)
    times, values = step.changes(0.0, 1.0)
    np.testing.assert_allclose(times, [7 * H, 15 * H, 23 * H])
    assert values.tolist() == [2, 1, 0]


def test_weekly_step_follows_the_weekday_not_the_start():
    monday = WeeklyStep.from_staffing(JEM, Clock(MONDAY))
    wednesday = WeeklyStep.from_staffing(JEM, Clock(WEDNESDAY))
    t = np.arange(0, 21, 0.5 * H) + 0.25 * H
    np.testing.assert_array_equal(wednesday.at(t), monday.at(t + 2))
    assert wednesday.at(3 + 10 * H) == 1  # Saturday 10:00


def test_overnight_overlapping_and_midnight_shifts():
    staff = Staffing(
        officers=1,
        shifts=(
            Shift(days="Sun", start="22:00", end="06:00"),  # runs into Monday
            Shift(days="Mon", start="05:00", end="24:00", officers=3),  # overlaps 05-06
        ),
    )
    step = WeeklyStep.from_staffing(staff, Clock(MONDAY))
    assert step.at(3 * H) == 1  # Monday 03:00, from Sunday night
    assert step.at(5.5 * H) == 4  # both shifts
    assert step.at(6 * H) == 3
    assert step.at(1 - 1e-6) == 3 and step.at(1.0) == 0  # "24:00" ends at midnight
    assert step.at(6 + 21 * H) == 0 and step.at(6 + 22 * H) == 1  # Sunday
    assert step.integral(0, 7) == pytest.approx((8 + 3 * 19) / 24)


def test_no_shifts_constant_and_full_coverage():
    clock = Clock(MONDAY)
    step = WeeklyStep.from_staffing(Staffing(officers=3), clock)
    assert step.is_constant and step.at(12.3) == 3 and step.next_change(1.0) == math.inf
    assert len(step.changes(0, 100)[0]) == 0
    assert step.integral(1.0, 11.5) == pytest.approx(31.5)
    np.testing.assert_array_equal(step.at(np.array([0.0, 9.9])), [3, 3])
    # Three back-to-back daily shifts of equal strength never change either.
    thirds = Staffing(
        officers=2,
        shifts=tuple(Shift(start=a, end=b) for a, b in [("00:00", "08:00"), ("08:00", "16:00"),
                                                          ("16:00", "00:00")]),
    )
    assert WeeklyStep.from_staffing(thirds, clock).is_constant
    assert WeeklyStep.constant(1.5).integral(0, 2) == 3.0


@settings(max_examples=300, deadline=None)
@given(t=st.floats(-30, 4000, allow_nan=False), start=st.sampled_from([MONDAY, WEDNESDAY]))
def test_weekly_step_change_times_are_exact(t, start):
    """What the queue kernel relies on: a change time returned is recognised bit for bit."""
    step = WeeklyStep.from_staffing(JEM, Clock(start))
    c = step.next_change(t)
    assert c > t and c - t <= 2.0
    assert step.at(np.nextafter(c, -np.inf)) == step.at(t) != step.at(c)
    assert step.next_change(c) > c
    times, values = step.changes(t, c + 3)
    assert times[0] == c and np.all(np.diff(times) > 0) and times[-1] < c + 3
    assert [step.at(x) for x in times] == values.tolist()
    assert step.at(np.array(times)).tolist() == values.tolist()
    # Walking next_change visits exactly the listed changes.
    walk = [c]
    while step.next_change(walk[-1]) < c + 3:
        walk.append(step.next_change(walk[-1]))
    assert walk == times.tolist()


@settings(max_examples=100, deadline=None)
@given(a=st.integers(-2000, 20000), n=st.integers(0, 3000))
def test_weekly_step_integral_matches_minute_sum(a, n):
    step = WeeklyStep.from_staffing(JEM, Clock(WEDNESDAY))
    minutes = (a + np.arange(n) + 0.5) / 1440  # midpoints; values change on whole minutes
    expected = step.at(minutes).sum() / 1440
    assert step.integral(a / 1440, (a + n) / 1440) == pytest.approx(expected, abs=1e-9)


def test_weekly_step_scalar_and_array_agree():
    step = WeeklyStep.from_staffing(JEM, Clock(WEDNESDAY))
    t = np.random.default_rng(3).uniform(-20, 2000, 2000)
    assert step.at(t).tolist() == [step.at(float(x)) for x in t]
    assert step.next_change(t).tolist() == [step.next_change(float(x)) for x in t]
    np.testing.assert_array_equal(step.integral(t, t + 3.3), [step.integral(x, x + 3.3) for x in t])


# ------------------------------------------------------------------------------------ Court
def court(weekmask="Mon Tue Wed Thu Fri", holidays="us_federal"):
    return Court(
        weekmask=weekmask,
        holidays=holidays,
        sessions=("14:00", "09:00"),
        min_time_to_appearance="4h",
        release_processing="3h",
    )


def test_next_session_by_hand():
    clock = Clock(MONDAY)
    cal = CourtCalendar(court(), clock, HORIZON)
    cases = {
        "2025-01-06T00:00": "2025-01-06T09:00",
        "2025-01-06T09:00": "2025-01-06T09:00",  # a session at t is at or after t
        "2025-01-06T09:01": "2025-01-06T14:00",
        "2025-01-10T15:00": "2025-01-13T09:00",  # Friday afternoon -> Monday
        "2025-01-11T08:00": "2025-01-13T09:00",  # Saturday
        "2025-01-17T15:00": "2025-01-21T09:00",  # Friday before MLK Day -> Tuesday
        "2025-11-26T15:00": "2025-11-28T09:00",  # Thanksgiving Thursday closed
    }
    for start, expected in cases.items():
        assert stamp(clock, cal.next_session(days(clock, start))) == expected, start
    no_holidays = CourtCalendar(court(holidays="none"), clock, HORIZON)
    assert stamp(clock, no_holidays.next_session(days(clock, "2025-01-17T15:00"))) == (
        "2025-01-20T09:00"
    )
    weekend = CourtCalendar(court(weekmask="daily", holidays="none"), clock, HORIZON)
    assert stamp(clock, weekend.next_session(days(clock, "2025-01-10T15:00"))) == (
        "2025-01-11T09:00"
    )
    assert math.isnan(cal.next_session(math.nan))
    assert np.isnan(cal.next_session(np.array([np.nan, 0.0]))[0])


@settings(max_examples=300, deadline=None)
@given(t=st.floats(-10, 4500, allow_nan=False), start=st.sampled_from([MONDAY, WEDNESDAY]))
def test_next_session_properties(t, start):
    clock, cal, _, _ = calendars(start)
    s = cal.next_session(t)
    assert s >= t and cal.next_session(s) == s  # idempotent, bit for bit
    when = clock.to_datetime64(s)
    day = when.astype("datetime64[D]")
    assert np.is_busday(day, holidays=federal_holidays())
    assert stamp(clock, s)[-5:] in ("09:00", "14:00")
    # Nothing earlier: every session between t and s is on a closed day or before t.
    earlier = cal.next_session(np.nextafter(s, -np.inf))
    assert earlier == s or earlier < t
    assert cal.next_session(np.array([t]))[0] == s


# ------------------------------------------------------------------------------------- Hold
def business_hours(a: float, b: float, clock: Clock) -> float:
    """Days of business time in [a, b], counted day by day (reference for the tests)."""
    hol = federal_holidays()
    total = 0.0
    for d in range(math.floor(a), math.floor(b) + 1):
        if np.is_busday(clock.start + np.timedelta64(d, "D"), holidays=hol):
            total += max(0.0, min(b, d + 1) - max(a, d))
    return total


def test_business_hold_friday_before_mlk_day():
    clock = Clock(MONDAY)
    hold = HoldCalendar(Hold(rule="business_48h", cap="48h"), clock, HORIZON)
    t = days(clock, "2025-01-17T17:00")
    # 7 h Friday + 24 h Tuesday + 17 h Wednesday (Monday 20 is MLK Day).
    assert stamp(clock, hold.cap(t)) == "2025-01-22T17:00"
    calendar = HoldCalendar(Hold(rule="calendar_48h", cap="48h"), clock, HORIZON)
    assert stamp(clock, calendar.cap(t)) == "2025-01-19T17:00"


@pytest.mark.parametrize(
    "start, expected",
    [
        ("2025-01-11T10:00", "2025-01-15T00:00"),  # Saturday: counts Mon and Tue
        ("2025-01-20T10:00", "2025-01-23T00:00"),  # on MLK Day: counts Tue and Wed
        ("2025-11-26T12:00", "2025-12-01T12:00"),  # 12 h Wed, Thanksgiving, 24 h Fri, 12 h Mon
        ("2025-12-31T09:00", "2026-01-05T09:00"),  # 15 h Wed, New Year, 24 h Fri, 9 h Mon
        ("2025-02-06T00:00", "2025-02-08T00:00"),  # ends at Friday midnight, not Monday
        ("2025-02-05T00:00", "2025-02-07T00:00"),  # Wednesday and Thursday
        ("2025-02-07T23:00", "2025-02-11T23:00"),  # 1 h Fri, Mon, 23 h Tue
    ],
)
def test_business_hold_by_hand(start, expected):
    clock = Clock(MONDAY)
    hold = HoldCalendar(Hold(rule="business_48h", cap="48h"), clock, HORIZON)
    t = days(clock, start)
    assert stamp(clock, hold.cap(t)) == expected
    assert stamp(clock, hold.cap(np.array([t]))[0]) == expected


@settings(max_examples=300, deadline=None)
@given(
    t=st.one_of(
        st.floats(-10, 4500, allow_nan=False),
        st.integers(-240, 24 * 4500).map(lambda h: h / 24),  # whole hours hit midnights
    ),
    start=st.sampled_from([MONDAY, WEDNESDAY]),
)
def test_hold_cap_invariants(t, start):
    clock, _, business, calendar = calendars(start)
    assert calendar.cap(t) <= t + 2.0
    cap = business.cap(t)
    assert cap >= t + 2.0 - 1e-9
    assert business_hours(t, cap, clock) == pytest.approx(2.0, abs=1e-9)
    # The earliest such instant: the moment just before the cap is business time.
    assert business_hours(cap - 1e-6, cap, clock) == pytest.approx(1e-6, rel=1e-3)
    assert business.cap(np.array([t]))[0] == cap


def test_hold_cap_scalar_and_array_agree_far_past_the_horizon():
    clock = Clock(WEDNESDAY)
    hold = HoldCalendar(Hold(rule="business_48h", cap="72h"), clock, 100.0)
    t = np.random.default_rng(5).uniform(-14, 6000, 3000)  # past the 10-year holiday range
    np.testing.assert_array_equal(hold.cap(t), [hold.cap(float(x)) for x in t])
    assert np.all(np.isnan(hold.cap(np.array([np.nan]))))


# -------------------------------------------------------------------------------- Transport
def test_transport_runs_by_hand():
    clock = Clock(MONDAY)
    sched = TransportSchedule(Transport(times=("18:00", "06:00"), days="Mon-Fri", seats=12), clock)
    assert not sched.is_continuous and sched.seats == 12 and sched.runs_per_week == 10
    assert sched.next_run(0.0) == 0.25
    assert sched.next_run(0.25) == 0.25
    assert sched.next_run(np.nextafter(0.25, 1)) == 0.75
    assert sched.next_run(4 + 19 * H) == 7.25  # Friday evening -> Monday 06:00
    runs = sched.runs(0.25, 7.25)
    np.testing.assert_allclose(runs, [d + f for d in range(5) for f in (0.25, 0.75)])
    np.testing.assert_allclose(sched.next_run(np.array([0.0, 4.8])), [0.25, 7.25])
    shifted = TransportSchedule(Transport(times=("06:00",), days="Mon"), Clock(WEDNESDAY))
    assert shifted.next_run(0.0) == 5.25  # from Wednesday to Monday 06:00


def test_transport_continuous():
    sched = TransportSchedule(Transport(), Clock(MONDAY))
    assert sched.is_continuous and sched.seats is None
    assert sched.next_run(3.3) == 3.3
    np.testing.assert_array_equal(sched.next_run(np.array([1.0, 2.0])), [1.0, 2.0])
    assert len(sched.runs(0, 10)) == 0


@settings(max_examples=200, deadline=None)
@given(t=st.floats(-10, 3000, allow_nan=False))
def test_transport_runs_are_exact(t):
    sched = TransportSchedule(
        Transport(times=("06:00", "13:30"), days="Tue,Thu,Sat"), Clock(WEDNESDAY)
    )
    r = sched.next_run(t)
    assert t <= r < t + 4 and sched.next_run(r) == r
    walk = [r]
    while (nxt := sched.next_run(np.nextafter(walk[-1], np.inf))) < t + 20:
        walk.append(nxt)
    assert sched.runs(t, t + 20).tolist() == walk


def test_transport_skips_federal_holidays_and_has_seats_by_weekday():
    # From Monday 6 Jan 2025: Martin Luther King Jr. Day is Monday 20 Jan (day 14).
    clock = Clock(MONDAY)
    assert MONDAY == dt.date(2025, 1, 6)
    sched = TransportSchedule(
        Transport(times=("10:00",), days="Mon-Fri", holidays="us_federal",
                  seats={"Mon-Thu": 4, "Fri": 2}), clock, 60.0)
    runs, seats = sched.runs_seats(0.0, 21.0)
    days = np.floor(runs).astype(int).tolist()
    assert days == [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 15, 16, 17, 18]  # no weekend, no day 14
    assert seats.tolist() == [4, 4, 4, 4, 2] * 2 + [4, 4, 4, 2]
    assert sched.next_run(11.5) == pytest.approx(15 + 10 / 24)  # Friday noon -> Tuesday
    assert sched.next_run_seats(11.5) == (sched.next_run(11.5), 4.0)
    assert sched.next_run(4.2) == sched.runs(4.0, 4.5)[0]  # Friday's own run, 2 seats
    np.testing.assert_array_equal(sched.next_run(np.array([11.5, 0.0])),
                                  [sched.next_run(11.5), sched.next_run(0.0)])
    plain = TransportSchedule(Transport(times=("10:00",), days="Mon-Fri"), clock, 60.0)
    assert 14 in np.floor(plain.runs(0.0, 21.0)).astype(int).tolist()  # holidays: none
