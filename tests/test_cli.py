"""The command line: exit codes, output folder contract, reproducing a run from its folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jailsim.cli import main
from jailsim.metrics import METRICS

SMALL = ["--days", "120", "--warmup-days", "20", "--quiet"]


def test_validate_ok(capsys):
    assert main(["validate", "scenarios/jem.yaml", "scenarios/wso.yaml"]) == 0
    assert "ok" in capsys.readouterr().out


def test_validate_bad_file_exit_2_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    base = Path("scenarios/base_county.yaml").resolve()
    bad.write_text(f"extends: {base}\njail: {{rated_capacity: -3}}\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "jail.rated_capacity" in err[0] and str(bad) in err[0]


def test_bad_option_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "scenarios/jem.yaml", "--replications", "zero"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_warmup_longer_than_days_is_one_line_error(capsys):
    code = main(["run", "scenarios/jem.yaml", "--days", "30", "--warmup-days", "40", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warmup" in err[0]


def test_run_writes_the_output_folder_and_reproduces(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "scenarios/jem.yaml", "--seed", "5", "-r", "2", "--out", str(out),
                 "--engine", "vector", *SMALL])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "summary.csv", "bookings.parquet", "census.parquet",
            "scenario.resolved.yaml"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["metrics"]) == set(METRICS)
    assert summary["seed"] == 5
    for m in summary["metrics"].values():
        assert set(m) >= {"mean", "ci_low", "ci_high", "n"}
    # the resolved scenario runs again to the same bookings
    again = tmp_path / "again"
    assert main(["run", str(out / "scenario.resolved.yaml"), "--out", str(again),
                 "--engine", "vector", "--quiet"]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "bookings.parquet"), pd.read_parquet(again / "bookings.parquet")
    )


def test_demo_prints_side_by_side_table(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "-r", "2", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "JEM" in out and "WSO" in out
    for name in ("mean_los_days", "adp", "hold_bed_days", "screening_coverage"):
        assert name in out


def test_readme_documents_every_metric():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [name for name in METRICS if f"`{name}`" not in readme]
    assert not missing, missing


def test_run_that_needs_too_much_memory_is_refused_up_front(capsys):
    code = main(["run", "scenarios/jem.yaml", "--days", "36500", "--replications", "100000",
                 "--quiet"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "GB" in err[0]
