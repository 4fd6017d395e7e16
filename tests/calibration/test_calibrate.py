"""Calibration round trip: a known jail, exported and calibrated, comes back within its SEs.

Tolerances are in standard errors of the fitted quantities. A bound of 4 SE on each of a few
dozen roughly normal estimates fails by chance with probability under 0.2%; the seeds are
fixed, so the tests are deterministic.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.calibration.backtest import simulate_window
from jailsim.calibration.calibrate import CalibrationWarning, calibrate
from jailsim.calibration.stayfamilies import FAMILIES, SESSION_WAIT
from jailsim.calibration.stayfit import _mean, fit_stays
from jailsim.calibration.stays import Stays
from jailsim.cli.calibrate import COMMANDS, add_parsers
from jailsim.cli.main import main
from jailsim.cli.progress import ProgressBar
from jailsim.county.exports import read_export, to_export
from tests.calibration.conftest import (
    AS_OF,
    RATE,
    TREND,
    TRUTH,
    theta,
    truth_scenario,
    write_export,
)

Z = 4.0


def _unit_variance(*blocks: np.ndarray) -> bool:
    """Whether z-scores of normalized weights have unit variance: two-sided, at 0.001.

    Each block holds the z-scores of k weights normalized to mean 1 (k - 1 free values), so
    its sum of squares is about k / (k - 1) chi2(k - 1): mean k, variance 2 k^2 / (k - 1).
    The blocks' total is matched to c chi2(nu) by these two moments (Satterthwaite).
    """
    mean = sum(len(z) for z in blocks)
    var = sum(2.0 * len(z) ** 2 / (len(z) - 1) for z in blocks)
    c, nu = var / (2.0 * mean), 2.0 * mean**2 / var
    q = stats.chi2.cdf(sum(float(np.sum(z**2)) for z in blocks) / c, nu)
    return 0.0005 < q < 0.9995


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("round_trip")
    path = write_export(folder / "export.csv", seed=11)
    return path, calibrate(path, as_of=AS_OF)


def test_rate_trend_and_profile_recovered(round_trip):
    _, cal = round_trip
    a = cal.arrivals
    assert a.model == "day_x_hour+trend"  # the truth: separable profile with a trend
    assert abs(a.rate - RATE) < Z * a.rate_se
    assert abs(a.trend - TREND) < Z * a.trend_se
    truth = truth_scenario().arrivals.bookings.profile
    hod = np.asarray(truth.hour_of_day) / np.mean(truth.hour_of_day)
    dow = np.asarray(truth.day_of_week) / np.mean(truth.day_of_week)
    z_hour = (a.hour_of_day - hod) / a.hour_of_day_se
    z_day = (a.day_of_week - dow) / a.day_of_week_se
    assert np.max(np.abs(np.concatenate([z_hour, z_day]))) < Z
    assert _unit_variance(z_hour, z_day)  # standard errors of the right size


@pytest.mark.parametrize("charge", list(TRUTH))
def test_stay_parameters_recovered(round_trip, charge):
    _, cal = round_trip
    fits = cal.stays[charge]
    best = fits.best
    assert best.name == "release_or_disposition"
    p, se = best.params(), best.se()
    t = TRUTH[charge]
    truth = {"release_share": t["share"], "release_median": t["release"][0],
             "release_p90": t["release"][1], "disposition_median": t["disposition"][0],
             "disposition_p90": t["disposition"][1],
             "mean": _mean(FAMILIES["release_or_disposition"], np.array(theta(charge)))}
    for key, value in truth.items():
        assert abs(p[key] - value) < Z * se[key], (key, p[key], value, se[key])


def test_calibrated_scenario_reproduces_the_stays(round_trip):
    """Simulating the calibrated scenario over the export's window gives the same stays."""
    _, cal = round_trip
    _, sim = simulate_window(cal.scenario(), cal.export, replications=2, seed=99)
    b = cal.export.bookings
    observed = Stays(b["stay_lo"], b["stay_hi"]).point
    assert stats.ks_2samp(observed, sim["los_days"]).pvalue > 0.001
    for charge in TRUTH:
        obs = observed[(cal.groups == charge).to_numpy()]
        simulated = sim.loc[sim["charge"].astype(str) == charge, "los_days"]
        assert stats.ks_2samp(obs, simulated).pvalue > 0.001
    # The share of bookings with a detainer is matched too (two binomial samples).
    share, n = b["hold"].mean(), len(b)
    sim_share = sim["detainer_at"].notna().mean()
    se = math.sqrt(share * (1 - share) * (1 / n + 1 / len(sim)))
    assert abs(sim_share - share) < Z * se


def test_hold_outcomes_recovered(round_trip):
    _, cal = round_trip
    h, base = cal.holds, truth_scenario()
    assert h.cap_hours == round(base.hold.cap * 24)  # calendar rule: lapsed holds last the cap
    known = h.outcomes["ice"] + h.outcomes["released"]
    med, p90 = h.pickup
    sigma = math.log(p90 / med) / special.ndtri(0.9)
    # p_pickup = (share of holds ICE took) / (the fit's chance that ICE comes within the cap):
    # the share's binomial SE, scaled by that chance (whose own error is left out)
    within = special.ndtr((math.log(h.cap_hours / 24) - math.log(med)) / sigma)
    q = h.outcomes["ice"] / known
    assert h.p_pickup == pytest.approx(q / within, rel=1e-12)
    assert abs(h.p_pickup - base.ice.p_pickup) < Z * math.sqrt(q * (1 - q) / known) / within
    true_median = base.ice.pickup_delay.ppf(0.5)
    assert abs(math.log(med / true_median)) < Z * sigma / math.sqrt(h.outcomes["ice"])


def test_written_scenario_extends_base_and_records_provenance(round_trip, tmp_path):
    path, cal = round_trip
    out = cal.write(tmp_path / "county.yaml")
    text = out.read_text()
    assert "\nextends: jailsim:base_county.yaml\n" in text
    n = len(cal.export.bookings)
    assert f"Source: {path.name}, sha256 " in text
    assert f"rows read {n:,}; bookings used {n:,}; dropped: none" in text
    assert "booked 2025-01-06" in text and "data as of 2027-01-06 00:00" in text
    sc = jailsim.load(out)
    assert sc == cal.scenario()
    assert sc.charges["felony"].pretrial.bail == pytest.approx(
        cal.stays["felony"].best.params()["release_share"], abs=1e-5)


def test_censoring_aware_mean_recovers_truth_naive_mean_does_not():
    """Long stays cut off by the end of the export: the naive mean of releases is far too low."""
    rng = np.random.default_rng(5)
    n, days = 4000, 365.0
    booked = np.sort(rng.uniform(0, days, n))
    # Held to disposition: stay = max(U, L), L lognormal with median 20 d and p90 150 d.
    mu, sigma = math.log(20), math.log(150 / 20) / special.ndtri(0.9)
    stay = np.maximum(rng.uniform(0, SESSION_WAIT, n), np.exp(mu + sigma * rng.standard_normal(n)))
    t0 = pd.Timestamp("2024-01-01")
    released = booked + stay
    frame = pd.DataFrame({
        "booked": t0 + pd.to_timedelta(booked, unit="D"),
        "released": (t0 + pd.to_timedelta(released, unit="D")).where(released <= days),
    })
    export = read_export(frame, as_of=t0 + pd.Timedelta(days=days))
    b = export.bookings
    assert b["still_held"].sum() > 0.12 * n  # heavy censoring
    stays = Stays(b["stay_lo"], b["stay_hi"])
    fit = fit_stays(stays, families=["lognormal"]).best
    true_mean = math.exp(mu + sigma**2 / 2)
    se = fit.se()["mean"]
    assert abs(fit.mean() - true_mean) < Z * se
    assert stays.naive_mean() < true_mean - 10 * se
    best = fit_stays(stays).best  # whichever model AIC picks also gets the mean right
    assert abs(best.mean() - true_mean) < Z * best.se()["mean"]
    # KM and the parametric fit agree where KM is defined.
    km = stays.km()
    grid = np.array([1.0, 7.0, 30.0, 90.0])
    assert np.max(np.abs(km.sf.evaluate(grid) - fit.sf(grid))) < 0.03


def _cli(argv):
    parser = argparse.ArgumentParser(prog="jailsim")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


class FakeBar:
    """Stands in for tqdm: records what a progress bar was told."""

    def __init__(self, made: list, **kw):
        self.kw, self.n, self.total, self.closed = kw, kw["initial"], kw["total"], False
        made.append(self)

    def update(self, k: int) -> None:
        self.n += k

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def bars(monkeypatch):
    """Progress bars made by the command line, as if stderr were a terminal."""
    made: list[FakeBar] = []
    monkeypatch.setattr("jailsim.cli.progress.tqdm", lambda **kw: FakeBar(made, **kw))
    terminal = SimpleNamespace(isatty=lambda: True)  # pytest swaps sys.stderr per phase
    monkeypatch.setattr("jailsim.cli.progress.sys", SimpleNamespace(stderr=terminal))
    return made


def test_progress_bar_counts_replications_unless_quiet(bars):
    with ProgressBar("fit report", quiet=True) as bar:
        bar(0, 3)
        bar(3, 3)
    assert bars == []
    with ProgressBar("fit report", quiet=False) as bar:
        for done in range(4):
            bar(done, 3)
    (made,) = bars
    assert made.kw["desc"] == "fit report" and made.n == made.total == 3 and made.closed


def test_round_trip_has_no_caveats(round_trip):
    """Two years of a county: no estimate is near the 10% rule, and the charge is there."""
    assert round_trip[1].caveats == ()


def test_cli_calibrate_writes_scenario_and_report(round_trip, tmp_path, capsys, bars):
    path, _ = round_trip
    out, report = tmp_path / "county.yaml", tmp_path / "report"
    code = _cli(["calibrate", str(path), "--out", str(out), "--as-of", AS_OF,
                 "--report", str(report), "-r", "3", "--seed", "4"])
    assert code == 0
    (bar,) = bars  # the report's replications
    assert bar.kw["desc"] == "fit report" and bar.n == bar.total == 3 and bar.closed
    printed = capsys.readouterr().out
    assert "rows read" in printed and "KS D =" in printed and "profile correlation" in printed
    jailsim.load(out)
    for name in ("stay_survival.png", "arrivals_hour_of_week.png", "arrivals_weekday.png",
                 "daily_census.png", "fit.json", "fit.txt", "cleaning_log.csv",
                 "stay_models.csv"):
        assert (report / name).stat().st_size > 0
    fit = pd.read_json(report / "fit.json", typ="series")
    assert fit["arrivals"]["hour_of_week_correlation"] > 0.8
    assert fit["stay"]["all"]["ks_p"] > 0.01


def test_cli_bad_columns_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        _cli(["calibrate", "x.csv", "--columns", "bogus=A"])
    assert exc.value.code == 2
    assert "unknown role 'bogus'" in capsys.readouterr().err


def test_dataframe_without_charge_or_hold_columns(tmp_path):
    """No charge column: both charges get the pooled stay; no hold columns: base values kept."""
    rng = np.random.default_rng(8)
    n, days = 3000, 200.0
    booked = rng.uniform(0, days, n)
    stay = rng.lognormal(math.log(2.0), 1.2, n)
    t0 = pd.Timestamp("2024-03-04")
    out = pd.Series(t0 + pd.to_timedelta(booked + stay, unit="D")).where(booked + stay < days)
    frame = pd.DataFrame({
        "Book Date": (t0 + pd.to_timedelta(booked, unit="D")).strftime("%m/%d/%Y %H:%M"),
        "Release Date": out.dt.strftime("%m/%d/%Y %H:%M").fillna(""),
    })
    with pytest.warns(CalibrationWarning, match="no charge column found"):
        cal = calibrate(frame, as_of=t0 + pd.Timedelta(days=days))
    sc = cal.scenario()
    assert list(cal.stays) == ["all"] and cal.holds is None
    base = jailsim.load("jailsim:base_county.yaml")
    fel, mis = sc.charges["felony"].pretrial, sc.charges["misdemeanor"].pretrial
    fitted = ("ror", "bail", "post", "post_delay")
    assert [getattr(fel, f) for f in fitted] == [getattr(mis, f) for f in fitted]
    # What a detainer does to bail is the base county's, class by class: not in an export.
    for name in ("felony", "misdemeanor"):
        for f in ("detainer_factor", "detainer_ror_factor"):
            assert (getattr(sc.charges[name].pretrial, f)
                    == getattr(base.charges[name].pretrial, f))
    assert sc.arrivals.bookings.charge_mix == base.arrivals.bookings.charge_mix
    assert sc.biometric == base.biometric and sc.ice == base.ice
    assert "No immigration-hold columns" in cal.yaml()
    assert sc.name == "calibrated county"
    jailsim.load(cal.write(tmp_path / "x.yaml"))


def test_free_hour_of_week_profile_chosen_when_days_differ_by_hour(tmp_path):
    """Weekend nights busier than weekday nights: not hour x day separable, AIC sees it."""
    from jailsim.calibration.arrivalfit import fit_arrivals
    from jailsim.model.arrivals import sample_arrivals
    from jailsim.model.clock import Clock
    from jailsim.model.streams import Address

    w = np.ones(168)
    w[24 * 5 + 20: 24 * 7] = 3.0  # Saturday 20:00 to Sunday midnight
    w[0:6] = 0.4  # Monday small hours
    sc = truth_scenario(**{"arrivals.bookings.profile": {"hour_of_week": w.tolist()},
                           "arrivals.bookings.rate": "60/day"})
    times = sample_arrivals(sc.arrivals.bookings, Clock(sc.start_date), 365.0,
                            Address.of(3, 0, "bookings"))
    t0 = pd.Timestamp(sc.start_date)
    frame = pd.DataFrame({"booked": t0 + pd.to_timedelta(times, unit="D")})
    fit = fit_arrivals(read_export(frame, as_of=t0 + pd.Timedelta(days=365)))
    assert fit.model == "hour_of_week+trend"  # truth_scenario has a 10% trend
    z = (fit.weights - w / w.mean()) / fit.weights_se
    assert np.max(np.abs(z)) < Z and _unit_variance(z)
    assert abs(fit.rate - 60.0) < Z * fit.rate_se


@pytest.fixture(scope="module")
def small_calibration(tmp_path_factory):
    """A calibration of a 200-day export written as a CSV file."""
    sc = jailsim.load("jailsim:base_county.yaml").with_(
        {"warm_start.kind": "none", "horizon": "200d"})
    folder = tmp_path_factory.mktemp("export")
    path = folder / "bookings.csv"
    to_export(jailsim.simulate(sc, seed=3).bookings, sc.start_date).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return path, jailsim.calibrate(path, families=["lognormal"])


def test_calibrate_refuses_to_write_over_its_own_export(small_calibration, capsys):
    path, cal = small_calibration
    before = path.read_bytes()
    with pytest.raises(ScenarioError) as exc:
        cal.write(path)
    assert "is the export being calibrated" in exc.value.lines[0]
    assert main(["calibrate", str(path), "--out", str(path)]) == 2
    assert "is the export being calibrated" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_an_invalid_fitted_scenario_is_never_written(small_calibration, tmp_path):
    _, cal = small_calibration
    bad = dataclasses.replace(cal, scenario_dict={
        **cal.scenario_dict, "arrivals": {"bookings": {"charge_mix": {"felony": 0.9,
                                                                     "misdemeanor": 0.5}}}})
    out = tmp_path / "fitted.yaml"
    with pytest.raises(ScenarioError) as exc:
        bad.write(out)
    assert "fitted.yaml" in exc.value.lines[0] and ".tmp" not in " ".join(exc.value.lines)
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one
    assert cal.write(out) == out and jailsim.load(out).name
