"""Units in the text and distributions that know their mean."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from jailsim.scenario import load
from jailsim.scenario.distributions import DISTRIBUTIONS, Distribution, Fixed
from jailsim.scenario.units import (
    LONGEST,
    format_duration,
    format_rate,
    parse_duration,
    parse_rate,
)

DIST = TypeAdapter(Distribution)


def dist(spec, base_dir="."):
    return DIST.validate_python(spec, context={"base_dir": base_dir})


# --- durations and rates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("15min", 15 / 1440),
        ("48h", 2.0),
        ("2d", 2.0),
        ("2 days", 2.0),
        ("1w", 7.0),
        ("1y", 365.25),
        ("30s", 30 / 86400),
        (" 1.5 H ", 1.5 / 24),
        (".5d", 0.5),
        ("1e3min", 1000 / 1440),
        ("0h", 0.0),
    ],
)
def test_parse_duration_accepts(text, days):
    assert parse_duration(text) == pytest.approx(days, rel=1e-15)


@pytest.mark.parametrize(
    "value",
    [
        48,
        48.0,
        "48",
        True,
        None,
        "",
        "h",
        "-1h",
        "-0.5d",
        "inf",
        "infh",
        "inf h",
        "nan d",
        "1e400d",
        "48 parsecs",
        "48 m",
        "48hh",
        "48 h h",
        "∞h",
        "2 fortnights",
        ["1h"],
    ],
)
def test_parse_duration_rejects(value):
    with pytest.raises(ValueError) as exc:
        parse_duration(value)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("text", "per_day"),
    [
        ("30/day", 30.0),
        ("2/h", 48.0),
        ("7/week", 1.0),
        ("365.25/year", 1.0),
        ("0/d", 0.0),
        ("1.5 / hr", 36.0),
    ],
)
def test_parse_rate_accepts(text, per_day):
    assert parse_rate(text) == pytest.approx(per_day, rel=1e-15)


@pytest.mark.parametrize(
    "value",
    [
        30,
        30.5,
        "30",
        "30/",
        "/day",
        "30/parsec",
        "30 per day",
        "-1/day",
        "inf/day",
        "1e400/h",
        "30/day/day",
        None,
        False,
    ],
)
def test_parse_rate_rejects(value):
    with pytest.raises(ValueError):
        parse_rate(value)


@pytest.mark.parametrize("text", ["15min", "45min", "48h", "20h", "2d", "37d", "3y", "1.5h"])
def test_format_duration_round_trips(text):
    days = parse_duration(text)
    assert parse_duration(format_duration(days)) == days


@pytest.mark.parametrize("text", ["0.3h", "0.1/h", "1.23456789012h", "0.1234567s", "7/week"])
def test_format_round_trips_exactly(text):
    # The resolved dump must reproduce every value to the last bit.
    if "/" in text:
        assert parse_rate(format_rate(parse_rate(text))) == parse_rate(text)
    else:
        assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_format_round_trips_any_finite_value(x):
    if x <= LONGEST:  # a longer duration is refused (test_durations_longer_than_the_limit...)
        assert parse_duration(format_duration(x)) == x
    assert parse_rate(format_rate(x)) == x


def test_durations_longer_than_the_limit_are_refused():
    assert parse_duration(f"{LONGEST:g}d") == LONGEST
    with pytest.raises(ValueError, match=r"^got '1000001d'; a duration must be at most "
                                         r"1,000,000 days \(about 2,700 years\)$"):
        parse_duration("1000001d")
    with pytest.raises(ValueError, match="at most 1,000,000 days"):
        parse_duration("3000y")


# --- distributions ---------------------------------------------------------------------------

CASES = {
    "fixed": {"dist": "fixed", "value": "2h"},
    "exponential": {"dist": "exponential", "mean": "3h"},
    "lognormal_moments": {"dist": "lognormal", "mean": "5d", "sd": "4d"},
    "lognormal_quantiles": {"dist": "lognormal", "median": "20h", "p90": "3d"},
    "gamma_moments": {"dist": "gamma", "mean": "5d", "sd": "3d"},
    "gamma_shape": {"dist": "gamma", "shape": 0.7, "scale": "2d"},
    "weibull": {"dist": "weibull", "shape": 1.5, "scale": "2d"},
    "empirical": {"dist": "empirical", "values": ["1h", "2h", "2h", "10h", "3d"]},
    "mixture": {
        "dist": "mixture",
        "components": [
            {"weight": 3, "of": {"dist": "exponential", "mean": "1d"}},
            {"weight": 1, "of": {"dist": "lognormal", "median": "10d", "p90": "30d"}},
        ],
    },
}


def test_every_distribution_has_a_case():
    assert {spec["dist"] for spec in CASES.values()} == set(DISTRIBUTIONS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_analytic_mean_matches_sample_mean(name):
    d = dist(CASES[name])
    u = np.random.default_rng(20250106).random(200_000)
    x = d.ppf(u)
    assert np.all(np.isfinite(x)) and np.all(x >= 0)
    se = x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - d.mean()) <= 4 * se + 1e-12 * d.mean(), (x.mean(), d.mean(), se)


@pytest.mark.parametrize("name", sorted(set(CASES) - {"mixture"}))
def test_ppf_is_monotone_in_the_uniform(name):
    # Inversion: a larger uniform never gives a shorter duration (common random numbers).
    u = np.sort(np.random.default_rng(1).random(10_000))
    assert np.all(np.diff(dist(CASES[name]).ppf(u)) >= 0)


def test_mixture_is_monotone_within_each_component():
    # A mixture picks its component from the uniform's slice [cum_{k-1}, cum_k) and inverts
    # that component with the rescaled uniform: monotone inside each slice, not across them.
    d = dist(CASES["mixture"])
    u = np.sort(np.random.default_rng(1).random(10_000))
    x = d.ppf(u)
    first = u < 0.75
    assert np.all(np.diff(x[first]) >= 0) and np.all(np.diff(x[~first]) >= 0)
    assert x[first][-1] > x[~first][0]  # so this ppf is not the mixture's quantile function


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_is_reproducible(name):
    d = dist(CASES[name])
    a = d.sample(np.random.default_rng(7), 100)
    b = d.sample(np.random.default_rng(7), 100)
    assert np.array_equal(a, b) and a.shape == (100,)


def test_lognormal_by_median_and_p90_hits_both_quantiles():
    d = dist({"dist": "lognormal", "median": "20h", "p90": "9d"})
    assert d.ppf(np.array([0.5]))[0] == pytest.approx(20 / 24, rel=1e-12)
    assert d.ppf(np.array([0.9]))[0] == pytest.approx(9.0, rel=1e-12)


def test_lognormal_by_mean_and_sd():
    d = dist({"dist": "lognormal", "mean": "45min", "sd": "25min"})
    mu, sigma = d.mu_sigma
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(45 / 1440)
    assert math.sqrt(math.expm1(sigma**2)) * d.mean() == pytest.approx(25 / 1440)


def test_gamma_and_weibull_means():
    assert dist(CASES["gamma_shape"]).mean() == pytest.approx(1.4)
    assert dist(CASES["weibull"]).mean() == pytest.approx(2 * math.gamma(1 + 1 / 1.5))


def test_mixture_mean_is_the_weighted_mean():
    d = dist(CASES["mixture"])
    expected = 0.75 * 1.0 + 0.25 * math.exp(math.log(10) + ((math.log(3)) / 1.2815515655) ** 2 / 2)
    assert d.mean() == pytest.approx(expected, rel=1e-6)
    parts = [c.of.mean() for c in d.components]
    assert d.mean() == pytest.approx(0.75 * parts[0] + 0.25 * parts[1], rel=1e-12)


def test_bare_duration_means_fixed():
    d = dist("90min")
    assert isinstance(d, Fixed) and d.mean() == pytest.approx(1.5 / 24)
    assert np.all(d.ppf(np.array([0.0, 0.5, 0.999])) == d.value)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "exponential", "mean": "0h"},
        {"dist": "lognormal", "median": "2h"},
        {"dist": "lognormal", "median": "5h", "p90": "2h"},
        {"dist": "lognormal", "mean": "2h", "sd": "1h", "median": "2h"},
        {"dist": "gamma", "mean": "2h"},
        {"dist": "gamma", "mean": "2h", "sd": "1h", "shape": 2},
        {"dist": "weibull", "shape": 0, "scale": "2h"},
        {"dist": "empirical", "values": []},
        {"dist": "mixture", "components": []},
        {"dist": "fixed", "value": 2},
        {"dist": "poisson", "mean": "2h"},
    ],
)
def test_bad_parameters_are_refused(spec):
    with pytest.raises(ValidationError):
        dist(spec)


def test_empirical_from_csv(tmp_path):
    (tmp_path / "stays.csv").write_text("id,hours\n1,4\n2,\n3,1.5\n4,30\n")
    d = dist({"dist": "empirical", "csv": "stays.csv", "column": "hours", "unit": "h"}, tmp_path)
    assert d.values == pytest.approx((4 / 24, 1.5 / 24, 30 / 24))  # blank cells skipped
    assert d.mean() == pytest.approx((4 + 1.5 + 30) / 3 / 24)
    assert d.ppf(np.array([0.0, 0.5, 0.99])) == pytest.approx([1.5 / 24, 4 / 24, 30 / 24])


def test_empirical_csv_relative_to_the_scenario_file(tmp_path, scenarios_dir):
    folder = tmp_path / "county"
    folder.mkdir()
    (folder / "delays.csv").write_text("hours\n6\n12\n48\n")
    scenario = folder / "s.yaml"
    scenario.write_text(
        f"extends: {scenarios_dir / 'base_county.yaml'}\n"
        "biometric:\n"
        "  delay: {dist: empirical, csv: delays.csv, column: hours, unit: h}\n"
    )
    sc = load(scenario)
    assert sc.biometric.delay.values == pytest.approx((0.25, 0.5, 2.0))


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"csv": "missing.csv", "column": "hours", "unit": "h"}, "cannot read csv"),
        ({"csv": "d.csv", "column": "minutes", "unit": "h"}, "has no column 'minutes'"),
        ({"csv": "d.csv", "column": "hours"}, "'csv' needs 'column' and 'unit'"),
        ({"csv": "d.csv", "column": "hours", "unit": "parsec"}, "expected a number with a unit"),
    ],
)
def test_empirical_csv_problems(tmp_path, spec, words):
    (tmp_path / "d.csv").write_text("hours\n1\n2\n")
    with pytest.raises(ValidationError, match=words):
        dist({"dist": "empirical", **spec}, tmp_path)
