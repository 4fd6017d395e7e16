"""Sensitivity indices against an analytic model: ADP = rate x (E[S] + d) in an M/G/inf jail."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from _support import infinite_server
from jailsim.cli import main
from jailsim.scenario.loading import ScenarioError
from jailsim.sensitivity import Parameter, analyze_sensitivity, parameters, parse_params

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


def test_sobol_indices_cover_the_analytic_ones():
    res = analyze_sensitivity(_jail(), RANGES, samples=32, replications=1, seed=1,
                              engine="vector", metrics=["adp"])
    assert len(res.points) == 32 * (2 + 2)
    idx = res.indices.set_index(["parameter", "index"])
    for key, truth in TRUE.items():
        row = idx.loc[key]
        half = (row["ci_high"] - row["ci_low"]) / 2  # 1.96 bootstrap standard errors
        assert abs(row["value"] - truth) <= 2 * half, (key, row["value"], truth)
    # the rate matters more than the extra stay, beyond doubt
    assert idx.loc[("arrivals.bookings.rate", "ST"), "ci_low"] > idx.loc[
        ("court.release_processing", "ST"), "ci_high"]


def test_morris_elementary_effects_lie_in_their_analytic_ranges():
    """dY over the full range of L is 20 (5 + D) in [100, 140]; of D, 2 L in [40, 80]."""
    res = analyze_sensitivity(_jail(), RANGES, method="morris", samples=10, replications=1,
                              seed=1, engine="vector", metrics=["adp"])
    assert len(res.points) == 10 * 3
    idx = res.indices.set_index(["parameter", "index"])
    for param, (lo, hi) in {"arrivals.bookings.rate": (100, 140),
                            "court.release_processing": (40, 80)}.items():
        row = idx.loc[(param, "mu_star")]
        half = (row["ci_high"] - row["ci_low"]) / 2
        assert lo - 2 * half <= row["value"] <= hi + 2 * half, (param, row["value"])


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
