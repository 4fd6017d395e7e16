"""Sensitivity indices against an analytic model: ADP = rate x (E[S] + d) in an M/G/inf jail."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from jailsim.base.errors import ScenarioError
from jailsim.cli.main import main
from jailsim.experiments.sensitivity import Parameter, analyze_sensitivity, parameters, parse_params
from tests.conftest import infinite_server

pytest.importorskip("SALib")

RANGES = {"arrivals.bookings.rate": "20/day:40/day", "court.release_processing": "0h:48h"}
# Y = L (5 + D), L ~ U(20, 40), D ~ U(0, 2) days, independent:
# Var Y = E[L^2] E[(5+D)^2] - (E L E(5+D))^2 = 933.3 x 36.33 - 180^2 = 1511.1
# V_L = 6^2 Var L = 1200, V_D = 30^2 Var D = 300, V_LD = Var L Var D = 11.1
VAR = (900 + 400 / 12) * (36 + 4 / 12) - 180**2
TRUE = {
    ("arrivals.bookings.rate", "S1"): 1200 / VAR,
    ("arrivals.bookings.rate", "ST"): (1200 + 400 / 12 * 4 / 12) / VAR,
    ("court.release_processing", "S1"): 300 / VAR,
    ("court.release_processing", "ST"): (300 + 400 / 12 * 4 / 12) / VAR,
}


def _jail():
    return infinite_server(horizon="80d", warmup="30d")


def _point_z(points: pd.DataFrame) -> np.ndarray:
    """z-scores of each sample point's ADP against M/G/inf theory.

    ADP over the 50-day window has mean L (5 + D) and standard error sqrt(L E[S^2] / 50),
    with S the stay: gamma (mean 5 d, sd 3 d) plus D days, so E[S^2] = 9 + (5 + D)^2.
    """
    rate = points["arrivals.bookings.rate"].str.removesuffix("/day").astype(float)
    d = points["court.release_processing"].str.removesuffix("h").astype(float) / 24.0
    se = np.sqrt(rate * (9.0 + (5.0 + d) ** 2) / 50.0)
    return ((points["adp"] - rate * (5.0 + d)) / se).to_numpy()


def test_sobol_indices_cover_the_analytic_ones():
    res = analyze_sensitivity(_jail(), RANGES, samples=32, replications=1, seed=1,
                              engine="vector", metrics=["adp"])
    assert len(res.points) == 32 * (2 + 2)
    # Every sample point ran the scenario its values say (units included): its ADP is the
    # M/G/inf one. The points share random numbers, so their z-scores are not independent;
    # the union bound still holds: P(any |z| > 4.5) <= 128 x 6.8e-6 < 0.001.
    assert np.abs(_point_z(res.points)).max() <= 4.5
    idx = res.indices.set_index(["parameter", "index"])
    for key, truth in TRUE.items():
        row = idx.loc[key]
        se = (row["ci_high"] - row["ci_low"]) / 2 / 1.96  # SALib's bootstrap standard error
        assert abs(row["value"] - truth) <= 4 * se, (key, row["value"], truth)
    # With 32 base samples the first-order intervals are wide (SE ~0.2): the check with
    # power is on the totals, whose intervals exclude each other's truth.
    st_rate, st_proc = idx.loc[("arrivals.bookings.rate", "ST")], idx.loc[
        ("court.release_processing", "ST")]
    assert st_proc["ci_high"] < TRUE[("arrivals.bookings.rate", "ST")]
    assert st_rate["ci_low"] > TRUE[("court.release_processing", "ST")]
    assert st_rate["ci_low"] > st_proc["ci_high"]


def test_morris_elementary_effects_match_the_analytic_means():
    """Over the full range of L the effect is 20 (5 + D); of D, 2 L. Morris trajectories take
    each level of the other input equally often, so mu_star (all effects are positive) has
    mean 20 (5 + E D) = 120 and 2 E L = 60."""
    res = analyze_sensitivity(_jail(), RANGES, method="morris", samples=30, replications=1,
                              seed=1, engine="vector", metrics=["adp"])
    assert len(res.points) == 30 * 3
    assert np.abs(_point_z(res.points)).max() <= 4.5  # 90 points: union bound < 1e-3
    idx = res.indices.set_index(["parameter", "index"])
    for param, truth in {"arrivals.bookings.rate": 120.0,
                         "court.release_processing": 60.0}.items():
        row = idx.loc[(param, "mu_star")]
        se = (row["ci_high"] - row["ci_low"]) / 2 / 1.96
        assert abs(row["value"] - truth) <= 4 * se, (param, row["value"], se)
        assert 4 * se < 0.25 * truth  # power: a quarter of the effect would be seen


def test_parameters_keep_units_and_whole_numbers(tmp_path):
    sc = _jail()
    ps = parameters(sc.with_(program="jem"), {"jem.officers": "1:3", "hold.cap": ("24h", "72h"),
                                              "bond.detainer_factor": (0.1, 0.5)})
    officers, cap, factor = ps
    assert officers == Parameter("jem.officers", 1, 3, "", True)
    assert officers.bounds == [0.5, 3.5]
    assert {officers.value(x) for x in (0.5, 1.49, 1.51, 2.7, 3.49)} == {1, 2, 3}
    assert cap.unit == "h" and cap.value(36.0) == "36h" and not cap.integer
    assert factor.value(0.25) == 0.25


def test_bad_ranges_are_one_line_each():
    with pytest.raises(ScenarioError) as exc:
        parse_params(["a=1", "b=1:2", "b=2:3"])
    assert len(exc.value.lines) == 2
    with pytest.raises(ScenarioError) as exc:
        parameters(_jail(), {"hold.cap": "24h:3d", "jail.rated_capacity": "9:1",
                             "x": "a:b"})
    assert len(exc.value.lines) == 3
    with pytest.raises(ScenarioError, match="power of 2"):
        analyze_sensitivity(_jail(), RANGES, samples=24)


def test_cli_sensitivity_writes_its_folder(tmp_path, capsys):
    out = tmp_path / "sens"
    code = main(["sensitivity", "scenarios/jem.yaml", "--param", "bond.detainer_factor=0.05:0.5",
                 "--param", "jem.officers=1:3", "--method", "morris", "-N", "4", "-r", "1",
                 "--metrics", "adp,screening_coverage", "--days", "90", "--warmup-days", "20",
                 "--engine", "vector", "--quiet", "--seed", "3", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "mu_star" in printed and "bond.detainer_factor" in printed
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["metric"]) == {"adp", "screening_coverage"}
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 4 * 3 and set(samples["jem.officers"]) <= {1, 2, 3}
    meta = json.loads((out / "sensitivity.json").read_text())
    assert meta["method"] == "morris" and meta["points"] == 12
    assert not (out / "checkpoints").exists()


def test_small_sobol_sample_is_said_in_one_line_and_a_constant_metric_is_undefined():
    """N = 4 is too small for two inputs (S1 intervals wider than [0, 1]): one warning line
    states the rule, numpy's own warnings are not shown, and a metric the same at every point
    (no Task Force: civil_arrests is 0) has undefined indices, not 0 ± 0."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = analyze_sensitivity(infinite_server(horizon="40d", warmup="10d"), RANGES,
                                  samples=4, replications=1, seed=1, engine="vector",
                                  metrics=["adp", "civil_arrests"])
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    (small,) = [str(w.message) for w in caught if "too small" in str(w.message)]
    assert "\n" not in small and "N = 4" in small
    assert "outside [0, 1] by more than their 95% half-width" in small
    assert "half-width over 0.5" in small
    assert res.notes == (small,) and res.to_dict()["notes"] == [small]
    assert res.undefined == ("civil_arrests",) and res.skipped == ()
    civil = res.indices[res.indices["metric"] == "civil_arrests"]
    assert len(civil) == 4 and civil[["value", "ci_low", "ci_high"]].isna().all().all()
    assert res.indices.loc[res.indices["metric"] == "adp", "value"].notna().all()
    rows = [line for line in res.table().splitlines() if line.startswith("civil_arrests")]
    assert len(rows) == 2 and all(line.split()[-2:] == ["undefined", "undefined"] for line in rows)
