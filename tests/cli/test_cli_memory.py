"""The command line's memory: the up-front refusal saying what fits, and --metrics-only."""

from __future__ import annotations

import json

import pytest

from jailsim.cli.main import main
from jailsim.scenario import memory
from jailsim.scenario.loading import load

SMALL = ["--days", "120", "--warmup-days", "20", "--quiet", "--seed", "3", "-r", "2"]


@pytest.fixture
def big(tmp_path):
    """A scenario of about 7 million bookings a replication (never run: refused first)."""
    path = tmp_path / "big.yaml"
    path.write_text("extends: jailsim:jem.yaml\narrivals: {bookings: {rate: 10000/day}}\n")
    return path


def _err(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def test_too_many_workers_are_refused_before_anything_runs_saying_what_fits(
        big, tmp_path, capsys, monkeypatch):
    one = memory.estimate_memory_bytes(load(big), 3, workers=0, kept="disk")
    machine = int(one / (1 - memory.MEMORY_HEADROOM)) + 10  # one worker fits, two do not
    monkeypatch.setattr(memory, "physical_memory_bytes", lambda: machine)
    out = tmp_path / "out"
    code = main(["run", str(big), "-r", "3", "--workers", "2", "--out", str(out), "--quiet"])
    assert code == 2
    (line,) = _err(capsys)
    assert line.startswith("scenario 'JEM': the run needs about ")
    assert f"this machine has {machine / 1e9:,.1f} GB" in line
    assert f": use --workers 1 (about {one / 1e9:,.1f} GB)" in line
    assert not out.exists()  # refused before the folder was taken


def test_metrics_only_writes_no_table_and_every_reader_that_needs_one_says_so(
        tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "scenarios/jem.yaml", "--metrics-only", "--out", str(out), *SMALL]) == 0
    printed = capsys.readouterr().out
    assert "report: not written (--metrics-only keeps no bookings table for its figures)" in (
        printed)
    assert not (out / "bookings.parquet").exists() and not (out / "census.parquet").exists()
    assert json.loads((out / "summary.json").read_text())["metrics_only"] is True
    for argv in (["report", str(out)], ["explain", str(out), "1"],
                 ["breakdown", str(out), "--by", "charge"], ["periods", str(out)]):
        assert main(argv) == 2, argv
        (line,) = _err(capsys)
        assert line.startswith(f"{out}: a metrics-only run (--metrics-only"), argv
        assert "rerun it without --metrics-only" in line, argv


def test_a_comparison_with_metrics_only_writes_its_differences(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "scenarios/jem.yaml", "scenarios/wso.yaml", "--metrics-only",
                 "--out", str(out), *SMALL]) == 0
    assert "report: not written (--metrics-only" in capsys.readouterr().out
    assert (out / "comparison.csv").is_file()
    assert not (out / "JEM" / "bookings.parquet").exists()


def test_a_sweep_with_metrics_only_still_writes_its_report(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", "scenarios/jem.yaml", "--vary", "jem.officers=1,2", "--metrics-only",
                 "--out", str(out), *SMALL]) == 0
    assert f"report: {out / 'report.html'}" in capsys.readouterr().out
