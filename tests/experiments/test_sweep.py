"""Sweeps: --vary parsing, full-factorial design, tidy table, sweep: block in YAML, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.cli.main import main
from jailsim.experiments.sweeps import design_points, load_sweep, parse_vary
from jailsim.results.metrics import METRICS
from tests.conftest import infinite_server

SMALL = ["--days", "120", "--warmup-days", "20", "--engine", "vector", "--quiet"]


def test_parse_vary_reads_values_as_yaml():
    f = parse_vary(["jem.officers=1,2,4", "hold.cap=24h, 48h", "bond.detainer_factor=0.3"])
    assert f == {"jem.officers": [1, 2, 4], "hold.cap": ["24h", "48h"],
                 "bond.detainer_factor": [0.3]}
    assert parse_vary(['court.sessions=["09:00"],["09:00","14:00"]']) == {
        "court.sessions": [["09:00"], ["09:00", "14:00"]]
    }
    with pytest.raises(ScenarioError) as exc:
        parse_vary(["jem.officers", "a=1", "a=2", "b=[1"])
    assert len(exc.value.lines) == 3
    assert "expected PATH=VALUE1,VALUE2" in exc.value.lines[0]
    assert "varied twice" in exc.value.lines[1]


def test_design_is_full_factorial_last_factor_fastest():
    points = design_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(points) == 6
    assert points[:3] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"}]


def test_sweep_of_an_infinite_server_jail_matches_theory():
    """ADP = rate x (E[S] + d) at every design point, within 4 standard errors."""
    sc = infinite_server(horizon="150d", warmup="50d")
    res = jailsim.sweep(sc, {"arrivals.bookings.rate": ["20/day", "40/day"],
                             "court.release_processing": ["0h", "24h"]},
                        seed=2, replications=6, engine="vector")
    t = res.table
    assert len(t) == 4 * len(METRICS)
    assert list(t.columns) == ["point", "arrivals.bookings.rate", "court.release_processing",
                               "metric", "unit", "mean", "ci_low", "ci_high", "n"]
    adp = t[t.metric == "adp"].set_index("point")
    for p, (rate, extra) in enumerate([(20, 0), (20, 1), (40, 0), (40, 1)]):
        row = adp.loc[p]
        se = (row["ci_high"] - row["ci_low"]) / 2 / 2.571  # t(0.975, 5)
        assert abs(row["mean"] - rate * (5 + extra)) < 4 * se, (p, row["mean"])
    # common random numbers: the same arrivals at the two stay settings of one rate
    bpd = t[t.metric == "bookings_per_day"].set_index("point")["mean"]
    assert bpd[0] == bpd[1] and bpd[2] == bpd[3]
    assert len(res.replications) == 4 * 6


def test_sweep_block_in_yaml_and_cli_vary_add_up(tmp_path, capsys):
    path = tmp_path / "officers.yaml"
    path.write_text("extends: jailsim:jem.yaml\nsweep:\n  jem.officers: [1, 3]\n")
    sc, factors = load_sweep(path)
    assert sc.name == "JEM" and factors == {"jem.officers": [1, 3]}
    assert main(["validate", str(path)]) == 0
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--vary", "bond.detainer_factor=0.3,0.9", "-r", "2",
                 "--seed", "1", "--out", str(out), *SMALL])
    assert code == 0
    printed = capsys.readouterr().out
    assert "4 design points x 2 replications" in printed
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 4 * len(METRICS)
    design = json.loads((out / "sweep.json").read_text())
    assert design["factors"] == {"jem.officers": [1, 3], "bond.detainer_factor": [0.3, 0.9]}
    assert (out / "scenario.resolved.yaml").is_file()
    assert not (out / "checkpoints").exists()
    # detainer_factor multiplies the chance of posting bail: lower -> longer detainer stays
    means = table[table.metric == "mean_los_days_detainer"].set_index("point")["mean"]
    assert means[0] > means[1] and means[2] > means[3]


def test_run_with_vary_is_a_sweep(tmp_path, capsys):
    code = main(["run", "scenarios/jem.yaml", "--vary", "jem.officers=1,2", "-r", "2",
                 "--out", str(tmp_path), *SMALL])
    assert code == 0
    assert (tmp_path / "sweep.csv").is_file()


def test_bad_design_point_is_a_one_line_error_naming_it(capsys):
    code = main(["sweep", "scenarios/jem.yaml", "--vary", "jem.officers=2,-1", *SMALL])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "design point 1 (jem.officers=-1)" in err[0] and "jem.officers" in err[0]


def test_nothing_to_vary_and_unvaryable_paths_are_refused(capsys):
    assert main(["sweep", "scenarios/jem.yaml", *SMALL]) == 2
    assert "nothing to vary" in capsys.readouterr().err
    assert main(["sweep", "scenarios/jem.yaml", "--vary", "seed=1,2", *SMALL]) == 2
    assert "cannot be varied" in capsys.readouterr().err
