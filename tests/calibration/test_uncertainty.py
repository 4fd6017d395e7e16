"""Parameter uncertainty: the ``uncertainty:`` block, its draws, and the band's two parts.

* The block is validated with the scenario: one line per problem, naming the file and field.
* Each entry draws its own distribution (checked on many draws, tolerances in standard errors).
* The parameter set of replication ``r`` is a pure function of the seed and ``r``; it leaves
  the model's own draws as they were, and gives the same bytes on any number of workers.
* ``calibrate`` writes the fits' covariances as the block; draws from it give back the fit's
  covariance on its own parameters.
* ``run``, ``compare`` and ``backtest`` say which part of each band is parameter uncertainty
  and which is simulation noise.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import special

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.calibration.backtest import backtest, held_out_coverage
from jailsim.calibration.ridge import ridge_covariance
from jailsim.cli.main import main
from jailsim.county.exports import to_export
from jailsim.experiments.draws import drawn_values
from jailsim.experiments.uncertainty import COLUMNS, variance_parts
from jailsim.model.streams import parameter_generator
from jailsim.scenario.parameterdraws import draw_values
from jailsim.scenario.uncertainty import get_path
from jailsim.scenario.units import parse_duration
from tests.calibration.conftest import truth_scenario
from tests.experiments.folders import folder_bytes

Z = 4.0  # tolerances: 4 standard errors of the quantity checked
BASE = "extends: jailsim:base_county.yaml\n"


def small(**changes):
    """The calibration tests' truth county, small and short (6 bookings a day, 60 days)."""
    return truth_scenario(**{"horizon": "60d", "arrivals.bookings.rate": "6/day", **changes})


def write(tmp_path, text: str, name: str = "sc.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ the block
@pytest.mark.parametrize("entry, expected", [
    ("ice.p_pickk: {dist: beta, a: 2, b: 2}",
     "uncertainty: ice.p_pickk: no such field in the scenario (did you mean ice.p_pickup?)"),
    ("hold.cap: {dist: beta, a: 1, b: 2}",
     "uncertainty: hold.cap: a beta draw needs a share between 0 and 1, and the scenario's "
     "value is '2d'"),
    ("ice.p_pickup: {dist: gauss, sd: 1}",
     "uncertainty.ice.p_pickup: unknown distribution 'gauss' (allowed: normal, beta, uniform, "
     "lognormal, dirichlet)"),
    ("ice.p_pickup: {dist: beta, a: -1, b: 1}",
     "uncertainty.ice.p_pickup.a: got -1; must be greater than 0"),
    ("jem.officers: {dist: normal, sd: 1}",
     "uncertainty: jem.officers: a whole number (2); only numbers, durations and rates can be "
     "drawn"),
    ("x: {dist: normal, of: {ice.p_pickup: {scale: logit, sd: 0.1}}, correlation: [[1, 0], "
     "[0, 1]]}",
     "uncertainty.x: 'correlation' must be 1 rows of 1 numbers, one per value of 'of'"),
    ("hold.cap: {dist: normal, sd: 0.1, scale: spread}",
     "uncertainty: hold.cap: scale spread is for the p90 of a lognormal given by median and "
     "p90"),
])
def test_a_bad_entry_is_one_line_naming_the_file_and_field(tmp_path, entry, expected):
    path = write(tmp_path, BASE + "program: jem\njem: {officers: 2}\nuncertainty:\n  "
                 + entry + "\n")
    with pytest.raises(ScenarioError) as err:
        jailsim.load(path)
    assert err.value.lines == [f"{path}: {expected}"]


def test_extends_replaces_an_entry_whole_and_null_removes_it(tmp_path):
    write(tmp_path, BASE + "uncertainty:\n  ice.p_pickup: {dist: beta, a: 36, b: 4}\n"
          "  hold.cap: {dist: lognormal, median: 48h, p90: 72h}\n", "parent.yaml")
    child = write(tmp_path, "extends: parent.yaml\nuncertainty:\n"
                  "  ice.p_pickup: {dist: normal, sd: 0.3, scale: logit}\n  hold.cap: null\n")
    block = jailsim.load(child).uncertainty
    assert list(block) == ["ice.p_pickup"]
    assert block["ice.p_pickup"].dist == "normal" and block["ice.p_pickup"].scale == "logit"
    assert jailsim.load(tmp_path / "parent.yaml").uncertainty["hold.cap"].p90 == 3.0  # days


# ------------------------------------------------------------------------------ the draws
def test_each_entry_draws_its_distribution():
    """2,000 parameter sets; every mean within 4 standard errors of the distribution's."""
    n = 2000
    sc = small(**{"arrivals.bookings.charge_mix": {"felony": 0.4, "misdemeanor": 0.6}})
    sc = sc.with_(uncertainty={
        "ice.p_pickup": {"dist": "beta", "a": 6, "b": 2},
        "hold.cap": {"dist": "lognormal", "median": "48h", "p90": "72h"},
        "bond.detainer_factor": {"dist": "normal", "sd": 0.5, "scale": "logit"},
        "arrivals.bookings.charge_mix": {"dist": "dirichlet", "n": 200},
        "stay": {"dist": "normal", "correlation": [[1, 0.6], [0.6, 1]], "of": {
            "charges.felony.disposition.time_to_disposition.median": {"scale": "log", "sd": 0.2},
            "charges.felony.disposition.time_to_disposition.p90": {"scale": "spread",
                                                                   "sd": 0.3}}},
    })
    base = sc.to_dict()
    block = sc.uncertainty
    rows = []
    for k in range(n):
        data = {key: value for key, value in base.items() if key != "uncertainty"}
        data = json.loads(json.dumps(data))  # a fresh copy per set

        def gen(entry, k=k):
            return parameter_generator(7, k, entry)

        rows.append(draw_values(data, block, gen))
    d = pd.DataFrame(rows)
    days = {c: d[c].str.rstrip("d").astype(float) for c in d if isinstance(d[c].iloc[0], str)}
    se = math.sqrt(6 * 2 / (8**2 * 9) / n)  # beta(6, 2): mean 0.75
    assert abs(d["ice.p_pickup"].mean() - 0.75) < Z * se
    below = (days["hold.cap"] < 2.0).mean()  # the median, 48 h
    assert abs(below - 0.5) < Z * math.sqrt(0.25 / n)
    logit = special.logit(d["bond.detainer_factor"])
    centre = special.logit(base["bond"]["detainer_factor"])
    assert abs(logit.mean() - centre) < Z * 0.5 / math.sqrt(n)
    felony = d["arrivals.bookings.charge_mix.felony"]
    assert np.allclose(felony + d["arrivals.bookings.charge_mix.misdemeanor"], 1.0)
    sd = math.sqrt(0.4 * 0.6 / 201)  # Dirichlet(80, 120): the share's sd
    assert abs(felony.mean() - 0.4) < Z * sd / math.sqrt(n)
    assert abs(felony.std() - sd) < Z * sd / math.sqrt(2 * (n - 1))
    ttd = "charges.felony.disposition.time_to_disposition"
    med, p90 = days[f"{ttd}.median"], days[f"{ttd}.p90"]
    assert (p90 > med).all()  # the spread scale keeps the p90 above the median
    z_med = np.log(med / 45.0) / 0.2
    z_spread = (np.log(np.log(p90 / med)) - math.log(math.log(200 / 45))) / 0.3
    r = np.corrcoef(z_med, z_spread)[0, 1]
    assert abs(r - 0.6) < Z * (1 - 0.6**2) / math.sqrt(n)  # SE of a correlation
    assert abs(z_med.std() - 1) < Z / math.sqrt(2 * (n - 1))


def test_the_parameter_set_of_a_replication_depends_on_the_seed_and_it_alone():
    block = {"ice.p_pickup": {"dist": "beta", "a": 6, "b": 2},
             "hold.cap": {"dist": "lognormal", "median": "48h", "p90": "72h"}}
    sc = small(seed=3).with_(uncertainty=block)
    first = [drawn_values(sc, r)[0] for r in range(4)]
    assert first == [drawn_values(sc, r)[0] for r in (0, 1, 2, 3)]  # any order, any time
    assert len({v["ice.p_pickup"] for v in first}) == 4
    assert drawn_values(sc.model_copy(update={"seed": 4}), 0)[0] != first[0]
    # An entry's draws are its own: adding another entry leaves them as they were, and
    # another scenario that shares the entry draws the same values (common random numbers).
    more = small(seed=3, program="wso").with_(uncertainty={
        **block, "bond.detainer_factor": {"dist": "uniform", "low": 0.05, "high": 0.3}})
    assert drawn_values(more, 2)[0]["ice.p_pickup"] == first[2]["ice.p_pickup"]


def test_draws_leave_the_models_own_draws_unchanged():
    sc = small().with_(uncertainty={"ice.p_pickup": {"dist": "uniform", "low": 0, "high": 1}})
    plain = jailsim.simulate(sc, seed=5, replications=3)
    drawn = jailsim.simulate(sc, seed=5, replications=3, parameter_uncertainty=True)
    cols = ["replication", "booked_at", "charge", "detainer_at"]
    pd.testing.assert_frame_equal(plain.bookings[cols], drawn.bookings[cols])
    assert drawn.metrics["holds_to_ice_share"].tolist() != plain.metrics[
        "holds_to_ice_share"].tolist()


def test_the_block_is_ignored_without_the_option_and_needed_with_it():
    block = {"arrivals.bookings.rate": {"dist": "normal", "sd": 0.3, "scale": "log"}}
    sc = small().with_(uncertainty=block)
    res = jailsim.simulate(sc, seed=2, replications=2)
    pd.testing.assert_frame_equal(res.metrics, jailsim.simulate(small(), seed=2,
                                                                 replications=2).metrics)
    assert res.scenario.uncertainty is None  # nor in its scenario.resolved.yaml
    with pytest.raises(ScenarioError) as err:
        jailsim.simulate(small(), seed=2, replications=2, parameter_uncertainty=True)
    assert err.value.lines == [
        "parameter_uncertainty=True: scenario 'base county' has no uncertainty: block to draw "
        "from (jailsim calibrate writes one; priors can be written by hand: "
        "docs/calibration.md)"]


def test_a_sweep_refuses_the_option_in_one_line():
    sc = small().with_(uncertainty={"ice.p_pickup": {"dist": "beta", "a": 6, "b": 2}})
    with pytest.raises(ScenarioError) as err:
        jailsim.sweep(sc, {"ice.p_pickup": [0.2, 0.4]}, parameter_uncertainty=True)
    assert err.value.lines == ["parameter_uncertainty=True: applies to run, compare and "
                               "backtest, not to sweep (it varies inputs itself)"]


def test_a_drawn_value_the_scenario_refuses_stops_the_run_in_one_line():
    sc = small().with_(uncertainty={"ice.p_pickup": {"dist": "normal", "mean": 0.95,
                                                     "sd": 5.0}})
    with pytest.raises(ScenarioError) as err:
        jailsim.simulate(sc, seed=1, replications=4, parameter_uncertainty=True)
    (line,) = err.value.lines
    assert line.startswith("base county: the parameter set of replication ")
    assert "ice.p_pickup: got " in line and line.endswith("log, logit)")


def test_the_same_bytes_on_one_process_or_two(tmp_path):
    sc = small().with_(uncertainty={
        "arrivals.bookings.rate": {"dist": "normal", "sd": 0.2, "scale": "log"},
        "ice.p_pickup": {"dist": "beta", "a": 6, "b": 2}})
    run = {"seed": 8, "replications": 4, "parameter_uncertainty": True}
    jailsim.simulate(sc, out=tmp_path / "one", **run)
    jailsim.simulate(sc, out=tmp_path / "two", workers=2, **run)
    names = ["bookings.parquet", "census.parquet", "summary.json", "replications.csv",
             "uncertainty.csv", "scenario.resolved.yaml"]
    one = folder_bytes(tmp_path / "one", names)
    assert len(one) >= len(names) and one == folder_bytes(tmp_path / "two", names)
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["complete"] and "uncertainty.csv" in manifest["files"]
    assert not (tmp_path / "one" / "checkpoints").exists()  # both arms' checkpoints removed
    assert "uncertainty:" in (tmp_path / "one" / "scenario.resolved.yaml").read_text()


# ------------------------------------------------------------------------ the band's parts
def test_variance_parts_recovers_known_parts():
    """Drawn = parameter effect (variance 4) + noise (variance 1); fixed = noise alone."""
    rng = np.random.default_rng(0)
    n = 4000
    drawn = rng.normal(0, 2, n) + rng.normal(0, 1, n)
    fixed = rng.normal(0, 1, n)
    noise, params = variance_parts(drawn, fixed)
    se = math.sqrt(2 / (n - 1))  # relative SE of a sample variance
    assert abs(noise - 1.0) < Z * se
    assert abs(params - 4.0) < Z * se * math.hypot(5.0, 1.0)


def test_run_and_compare_print_and_write_both_parts(tmp_path, capsys):
    a = write(tmp_path, yaml.safe_dump(small(name="A").with_(uncertainty={
        "arrivals.bookings.rate": {"dist": "normal", "sd": 0.3, "scale": "log"}}).to_dict()),
        "a.yaml")
    b = write(tmp_path, "extends: a.yaml\nname: B\nice: {p_pickup: 0.2}\n", "b.yaml")
    flags = ["-r", "6", "--seed", "4", "--parameter-uncertainty", "--no-report", "-q"]
    assert main(["run", str(a), "--out", str(tmp_path / "run"), *flags]) == 0
    out = capsys.readouterr().out
    assert "sd parameters" in out and "parameters' share" in out
    table = pd.read_csv(tmp_path / "run" / "uncertainty.csv")
    assert list(table.columns) == COLUMNS
    row = table.set_index("metric").loc["bookings_per_day"]
    # a rate 30% uncertain against the noise of 360 bookings: almost all of the variance
    assert row["parameter_share"] > 0.9 and row["replications"] == 6
    assert row["sd"] == pytest.approx(math.hypot(row["sd_parameters"], row["sd_noise"]))
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "cmp"), *flags]) == 0
    out = capsys.readouterr().out
    assert "B − A" in out and "sd noise" in out
    table = pd.read_csv(tmp_path / "cmp" / "uncertainty.csv")
    assert set(table["scenario"]) == {"A", "B", "B − A"}
    same = table.set_index(["scenario", "metric"]).loc[("B − A", "bookings_per_day")]
    assert same["sd"] == 0  # the same bookings on both sides, drawn alike


# ------------------------------------------------------------------------- the calibration
@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """The truth county over 150 days (a 0/1 charge flag), calibrated with two families."""
    sc = small(horizon="150d")
    res = jailsim.simulate(sc, seed=21, replications=1, engine="vector")
    frame = to_export(res.bookings, sc.start_date)
    frame["charge_level"] = np.where(frame["charge_level"] == "FELONY", "1", "0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = jailsim.calibrate(frame, as_of=pd.Timestamp(sc.start_date) + pd.Timedelta(
            days=150), families=["lognormal", "release_or_disposition"],
            charge_map={"0": "misdemeanor", "1": "felony"})
    path = tmp_path_factory.mktemp("calibrated") / "county.yaml"
    cal.write(path)
    return cal, path


def test_calibrate_writes_the_fits_covariance_as_the_block(calibrated):
    cal, path = calibrated
    sc = jailsim.load(path)
    assert list(sc.uncertainty) == ["arrivals", "arrivals.bookings.charge_mix", "stay[felony]",
                                    "stay[misdemeanor]"]
    assert "\nuncertainty:\n" in path.read_text() and "    correlation:\n" in path.read_text()
    fit = cal.stays["felony"].best
    entry = sc.uncertainty["stay[felony]"]
    sd = np.sqrt(np.diag(fit.cov))
    assert fit.name == "release_or_disposition"  # [logit w, mu_S, log s_S, mu_L, log s_L]
    got = [c.sd for c in entry.of.values()]
    np.testing.assert_allclose(got, sd, rtol=1e-3)  # written to 4 significant digits
    corr = fit.cov / np.outer(sd, sd)
    np.testing.assert_allclose(entry.correlation, corr, atol=5e-4)
    rate = sc.uncertainty["arrivals"].of["arrivals.bookings.rate"]
    assert rate.scale == "log" and rate.sd == pytest.approx(cal.arrivals.rate_se
                                                              / cal.arrivals.rate, rel=1e-3)
    table = cal.parameters().set_index("parameter")
    assert table.loc["stay[felony].release_share", "drawn"] == "stay[felony]"
    assert table.loc["arrivals.bookings.rate", "drawn"] == "arrivals"
    assert table.loc["arrivals.bookings.profile.trend_per_year", "drawn"] == ""


def test_draws_from_the_block_give_back_the_fits_covariance(calibrated):
    """1,000 drawn sets mapped back to the fit's parameters: their covariance is the fit's."""
    _, path = calibrated
    sc = jailsim.load(path).model_copy(update={"seed": 9})
    n = 1000
    z90 = special.ndtri(0.9)
    pre, ttd = "charges.felony.pretrial", "charges.felony.disposition.time_to_disposition"

    def theta(v: dict) -> list[float]:
        day = {k: x if isinstance(x, (int, float)) else parse_duration(x)
               for k, x in v.items() if k.startswith("charges")}
        return [special.logit(v[f"{pre}.bail"]), math.log(day[f"{pre}.post_delay.median"]),
                math.log(math.log(day[f"{pre}.post_delay.p90"] / day[f"{pre}.post_delay.median"])
                         / z90),
                math.log(day[f"{ttd}.median"]),
                math.log(math.log(day[f"{ttd}.p90"] / day[f"{ttd}.median"]) / z90)]

    draws = np.array([theta(drawn_values(sc, r)[0]) for r in range(n)])
    entry = sc.uncertainty["stay[felony]"]
    sd = np.array([c.sd for c in entry.of.values()])
    cov = np.array(entry.correlation) * np.outer(sd, sd)
    np.testing.assert_allclose(draws.std(axis=0, ddof=1), sd, rtol=Z * math.sqrt(1 / (2 * n)))
    r = np.corrcoef(draws.T)
    corr = np.array(entry.correlation)
    assert np.all(np.abs(r - corr) < Z * (1 - corr**2) / math.sqrt(n) + 1e-9)
    written = np.array(theta(_written(sc)))
    assert np.all(np.abs(draws.mean(axis=0) - written) < Z * np.sqrt(np.diag(cov) / n))


def _written(sc) -> dict:
    """The scenario's own values at the paths of the felony stay entry (the draws' centre)."""
    data = sc.to_dict()
    return {p: get_path(data, p) for p in sc.uncertainty["stay[felony]"].of}


def test_ridge_covariance_widens_a_flat_direction_only():
    """f = x**2 / 2 + 2 log(1 + y**2 / 4): curvature 1 in both, but y's fall of 2 is at
    2 sqrt(e - 1) = 2.62, not 2: y's sd becomes 1.31; x's stays 1; a steeper f keeps it."""
    def f(th):
        return 0.5 * th[0] ** 2 + 2 * math.log1p(th[1] ** 2 / 4)

    cov = ridge_covariance(f, np.zeros(2), np.eye(2))
    assert cov[0, 0] == pytest.approx(1.0)
    assert math.sqrt(cov[1, 1]) == pytest.approx(math.sqrt(math.e - 1), abs=0.005)
    assert abs(cov[0, 1]) < 1e-12
    steep = ridge_covariance(lambda th: float(th @ th), np.zeros(2), np.eye(2))
    np.testing.assert_allclose(steep, np.eye(2))


def test_parameter_intervals_are_taken_on_the_fits_scales(calibrated):
    cal, _ = calibrated
    table = cal.parameters().set_index("parameter")
    row = table.loc["stay[felony].disposition_median"]
    se = cal.stays["felony"].best.se()["disposition_median"]
    est = row["estimate"]
    assert row["lower"] == pytest.approx(est * math.exp(-1.96 * se / est))
    assert row["upper"] == pytest.approx(est * math.exp(1.96 * se / est))
    share = table.loc["stay[felony].release_share"]
    assert 0 < share["lower"] < share["estimate"] < share["upper"] < 1


# ---------------------------------------------------------------------------- the back-test
def test_backtest_splits_its_band_and_shows_the_held_band(calibrated, tmp_path, capsys):
    cal, path = calibrated
    sc = small(horizon="90d")
    res = jailsim.simulate(sc, seed=22, replications=1, engine="vector")
    frame = to_export(res.bookings, sc.start_date)
    frame["charge_level"] = np.where(frame["charge_level"] == "FELONY", "1", "0")
    data = tmp_path / "next.csv"
    frame.to_csv(data, index=False)
    as_of = "2025-04-06"
    bt = backtest(path, data, as_of=as_of, replications=6, seed=3, parameter_uncertainty=True)
    c = bt.census
    assert {"sim_sd_parameters", "sim_sd_noise", "fixed_low", "fixed_high",
            "inside_fixed"} <= set(c.columns)
    # the held parameters' band is the narrower on most days (its sd is the noise alone)
    assert (c["fixed_high"] - c["fixed_low"]).mean() < (c["sim_high"] - c["sim_low"]).mean()
    v = bt.variance["daily_census"]
    assert 0 <= v["parameter_share"] <= 1 and 0 <= v["fixed_coverage"] <= 1
    assert "parameter uncertainty is" in bt.lines()[-1]
    plain = backtest(path, data, as_of=as_of, replications=6, seed=3)
    assert plain.variance == {} and "simulation noise alone" in plain.lines()[-1]
    # the held parameters' band is the band of a plain back-test: the same replications
    np.testing.assert_array_equal(plain.census["sim_low"], c["fixed_low"])
    np.testing.assert_array_equal(plain.census["inside"], c["inside_fixed"])
    out = tmp_path / "bt"
    assert main(["backtest", str(path), "--against", str(data), "--as-of", as_of, "-r", "4",
                 "--parameter-uncertainty", "--out", str(out), "-q"]) == 0
    assert "parameter uncertainty is" in capsys.readouterr().out
    summary = json.loads((out / "backtest.json").read_text())
    assert summary["parameter_uncertainty"] is True and "daily_census" in summary["variance"]


def test_held_out_coverage_of_exchangeable_paths_is_what_order_statistics_give():
    """40 iid paths: a path left out lies inside the others' 90% band with probability
    (37.1 - 2.9) / 40 = 0.855 (np.quantile's ranks 2.9 and 37.1 of 39)."""
    paths = np.random.default_rng(1).normal(size=(40, 3000))
    c = held_out_coverage(paths, 0.9)
    # 40 x 3000 indicators, exchangeable: within 4 SE of a binomial of 3000 days (a
    # generous bound: the 40 paths share their days).
    assert abs(c.mean() - 0.855) < Z * math.sqrt(0.855 * 0.145 / 3000)
