"""Whatever validates must run: values that used to validate and then break a run.

A start date thousands of years ahead (pandas could not list its holidays), a distribution
whose parameters are each allowed but whose mean overflows (a gamma of shape 1e300, a Weibull
of shape 0.001), a duration so long that the calendars tabulated to it would fill memory:
each is now a one-line error naming the field and what is allowed. Inputs that run but may
not mean what their author meant (a shift from 08:00 to 08:00, a program with no officer on
duty) are named in a :class:`~jailsim.scenario.notes.ScenarioWarning`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import yaml
from pydantic import TypeAdapter

from jailsim.base.errors import ScenarioError
from jailsim.scenario import load
from jailsim.scenario.blocks import Shift
from jailsim.scenario.distributions import Distribution
from jailsim.scenario.notes import ScenarioWarning, notes
from jailsim.scenario.schema import LATEST_END

DIST = TypeAdapter(Distribution)
LIMIT = ("a duration's mean and standard deviation must be finite and at most 1,000,000 days "
         "(about 2,700 years)")


def _lines(tmp_path, body: str) -> tuple[str, list[str]]:
    path = tmp_path / "s.yaml"
    path.write_text("extends: jailsim:jem.yaml\n" + body)
    with pytest.raises(ScenarioError) as exc:
        load(path)
    return str(path), exc.value.lines


# --- dates -----------------------------------------------------------------------------------


def test_a_start_date_outside_the_calendars_is_refused(tmp_path):
    f, lines = _lines(tmp_path, "start_date: 9999-12-01\n")
    assert lines == [f"{f}: start_date: got 9999-12-01; expected a date from 1900-01-01 to "
                     "2250-12-31"]
    f, lines = _lines(tmp_path, "start_date: 1850-01-01\n")
    assert lines == [f"{f}: start_date: got 1850-01-01; expected a date from 1900-01-01 to "
                     "2250-12-31"]


def test_a_horizon_past_the_last_date_is_refused(tmp_path):
    f, lines = _lines(tmp_path, "start_date: 2200-01-01\nhorizon: 60y\n")
    assert lines == [f"{f}: horizon: got 21915 days from start_date 2200-01-01, ending "
                     "2260-01-02; a run must end by 2250-12-31, the last date the calendars "
                     "reach (give a shorter horizon or an earlier start_date)"]
    path = tmp_path / "edge.yaml"
    path.write_text("extends: jailsim:jem.yaml\nstart_date: 2250-12-21\nhorizon: 10d\n")
    assert load(path).start_date.isoformat() == "2250-12-21"  # ends on the last date
    assert LATEST_END.isoformat() == "2250-12-31"


def test_a_trend_that_outgrows_any_machine_is_refused(tmp_path):
    # numpy's Poisson draw failed ("lam value too large"), or memory ran out, in the run
    f, lines = _lines(tmp_path, "horizon: 15y\nwarm_start: none\n"
                      "arrivals: {bookings: {profile: {trend_per_year: 10}}}\n")
    assert lines == [f"{f}: (top level): arrivals.bookings.profile.trend_per_year of 10 a year "
                     "makes the booking rate 4.18e+15 times day 0's at the end of the horizon, "
                     "more than the 1,000-fold a trend may raise it over a run (give a smaller "
                     "trend, or a shorter horizon or history)"]
    f, lines = _lines(tmp_path, "warm_start: {kind: steady_state, history: 4y}\n"
                      "arrivals: {bookings: {profile: {trend_per_year: -0.99}}}\n")
    assert lines == [f"{f}: (top level): arrivals.bookings.profile.trend_per_year of -0.99 a "
                     "year makes the booking rate 1e+08 times day 0's at the start of the "
                     "warm-start history, more than the 1,000-fold a trend may raise it over a "
                     "run (give a smaller trend, or a shorter horizon or history)"]
    path = tmp_path / "falls.yaml"  # a rate that falls to almost nothing is allowed
    path.write_text("extends: jailsim:jem.yaml\nwarm_start: none\n"
                    "arrivals: {bookings: {profile: {trend_per_year: -0.99}}}\n")
    assert load(path).arrivals.bookings.profile.trend_per_year == -0.99


# --- distributions and durations ---------------------------------------------------------------


@pytest.mark.parametrize("dist, line", [
    ({"dist": "gamma", "shape": 1e300, "scale": "1h"},
     f": mean 4.167e+298 days and standard deviation 4.167e+148 days; {LIMIT}"),
    ({"dist": "weibull", "shape": 0.001, "scale": "1d"},
     f": mean infinite and standard deviation infinite; {LIMIT}"),
    ({"dist": "lognormal", "median": "1d", "p90": "1000000d"},
     f": mean 1.721e+25 days and standard deviation 2.961e+50 days; {LIMIT}"),
    ({"dist": "mixture", "components": [{"weight": 1, "of": "1h"},
                                        {"weight": 1, "of": {"dist": "gamma", "shape": 1e12,
                                                             "scale": "1d"}}]},
     f".components.1.of: mean 1e+12 days and standard deviation 1e+06 days; {LIMIT}"),
    ({"dist": "gamma", "mean": "1000d", "sd": "1e-300s"},  # (mean/sd)**2 raised OverflowError
     ": shape inf and scale 0 days (from the mean and sd); both must be finite and more than 0"),
])
def test_a_distribution_no_run_could_represent_is_refused(tmp_path, dist, line):
    f, lines = _lines(tmp_path, yaml.safe_dump({"ice": {"pickup_delay": dist}}))
    assert lines == [f"{f}: ice.pickup_delay{line}"]


def test_a_duration_longer_than_the_limit_is_refused(tmp_path):
    # 1e12 days of court calendar used to ask numpy for 15.6 TiB in the run
    f, lines = _lines(tmp_path, "court: {min_time_to_appearance: 1e12d}\n")
    assert lines == [f"{f}: court.min_time_to_appearance: got '1e12d'; a duration must be at "
                     "most 1,000,000 days (about 2,700 years)"]
    # (mean / sd) ** 2 of a gamma's mean of 1e300 days raised OverflowError out of validation
    f, lines = _lines(tmp_path, "ice: {pickup_delay: {dist: gamma, mean: 1e300d, sd: 1d}}\n")
    assert lines == [f"{f}: ice.pickup_delay.mean: got '1e300d'; a duration must be at most "
                     "1,000,000 days (about 2,700 years)"]


@pytest.mark.parametrize("dist", [
    {"dist": "fixed", "value": "2h"},
    {"dist": "exponential", "mean": "3h"},
    {"dist": "lognormal", "median": "2h", "p90": "12h"},
    {"dist": "lognormal", "mean": "2d", "sd": "1d"},
    {"dist": "gamma", "mean": "5d", "sd": "3d"},
    {"dist": "gamma", "shape": 0.5, "scale": "2d"},
    {"dist": "weibull", "shape": 1.5, "scale": "180d"},
    {"dist": "weibull", "shape": 0.5, "scale": "1d"},
    {"dist": "empirical", "values": ["1h", "2h", "10h"]},
    {"dist": "mixture", "components": [{"weight": 0.3, "of": "1h"},
                                       {"weight": 0.7, "of": {"dist": "exponential",
                                                              "mean": "2d"}}]},
])
def test_moments_are_those_of_the_draws(dist):
    d = DIST.validate_python(dist)
    mean, sd = d.moments()
    assert mean == pytest.approx(d.mean(), rel=1e-12)
    u = (np.arange(400_000) + 0.5) / 400_000  # a fine grid of the uniforms
    x = d.ppf(u)
    assert np.mean(x) == pytest.approx(mean, rel=0.02, abs=1e-9)
    assert np.std(x) == pytest.approx(sd, rel=0.05, abs=1e-9)
    assert math.isfinite(sd)


# --- named in a warning ----------------------------------------------------------------------


def _warned(tmp_path, body: str) -> list[str]:
    path = tmp_path / "w.yaml"
    path.write_text(body)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load(path)
    return [str(w.message) for w in caught if issubclass(w.category, ScenarioWarning)]


def test_a_shift_that_starts_and_ends_at_the_same_time_is_named(tmp_path):
    said = _warned(tmp_path, "extends: jailsim:jem.yaml\njem:\n  shifts:\n"
                   "    - {days: daily, start: '08:00', end: '08:00'}\n"
                   "    - {days: Sun, start: '24:00', end: '00:00'}\n")
    f = tmp_path / "w.yaml"
    assert said == [
        f"{f}: jem.shifts[0]: starts at 08:00 and ends at 08:00, read as 24 hours (to 08:00 the "
        "next day); if no time was meant, leave the shift out",
        f"{f}: jem.shifts[1]: starts at 24:00 and ends at 00:00, read as no time at all; if 24 "
        "hours were meant, give 00:00 to 24:00",
    ]


def test_a_program_with_no_officer_on_duty_is_named(tmp_path):
    f = tmp_path / "w.yaml"
    assert _warned(tmp_path, "extends: jailsim:wso.yaml\nwso: {officers: 0}\n") == [
        f"{f}: wso.officers: 0 with program 'wso': no officer is ever on duty, so no ICE "
        "warrant is served"]
    body = ("extends: jailsim:jem.yaml\njem:\n  officers: 0\n  shifts:\n"
            "    - {days: Mon-Fri, start: '08:00', end: '16:00'}\n")
    assert _warned(tmp_path, body) == [
        f"{f}: jem.shifts: no shift has an officer with program 'jem': no officer is ever on "
        "duty, so no booking is screened"]


def test_officers_who_come_on_a_later_date_are_not_named(tmp_path):
    body = ("extends: jailsim:wso.yaml\nwso: {officers: 0}\n"
            "changes:\n  - {from: 2025-06-01, set: {wso.officers: 1}}\n")
    assert _warned(tmp_path, body) == []


def test_with_names_only_what_the_change_brings():
    sc = load("jailsim:wso.yaml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        none = sc.with_({"wso.officers": 0})
        none.with_({"horizon": "30d"})  # still none on duty: said once, when it came
    assert [str(w.message) for w in caught] == [
        "<with_>: wso.officers: 0 with program 'wso': no officer is ever on duty, so no ICE "
        "warrant is served"]
    assert notes(sc) == [] and len(notes(none)) == 1


def test_a_shift_s_span_is_the_timetable_s():
    assert Shift(start="22:00", end="06:00").span() == (1320, 1800)
    assert Shift(start="08:00", end="08:00").span() == (480, 1920)
    assert Shift(start="00:00", end="24:00").span() == (0, 1440)


def test_a_resolved_file_from_another_streams_version_is_named(tmp_path):
    """The same seed gives the same numbers only within a streams version: say when it differs."""
    from jailsim._version import STREAMS_VERSION as now

    f, body = tmp_path / "w.yaml", "extends: jailsim:jem.yaml\nstreams_version: {}\n"
    assert _warned(tmp_path, body.format(now)) == []
    assert _warned(tmp_path, body.format(now - 1)) == [
        f"{f}: streams_version: {now - 1}, written by a jailsim whose random draws were laid out "
        f"otherwise; this one draws with version {now}, so the same seed gives other numbers "
        "(the model is the same)"]
