"""Flags that contradict each other are a one-line error naming both, never one of them ignored.

``-r 5 --precision 0.05 --max-replications 2`` used to run 2 replications, and
``--max-replications`` or ``--precision-metrics`` without ``--precision`` were ignored; so was
``--dask`` beside ``--scheduler``. Each is refused before anything runs, from the command line
(naming the flags) and from Python (naming the keywords).
"""

from __future__ import annotations

import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.cli.main import main

FAST = ["--days", "3", "--quiet", "--no-report"]


def _refused(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert "Traceback" not in captured.err and captured.out == ""
    return line


@pytest.mark.parametrize("argv, line", [
    (["-r", "5", "--precision", "0.05", "--max-replications", "2"],
     "--max-replications 2: less than --replications 5, the first batch of --precision"),
    (["--precision", "0.05", "--max-replications", "2"],
     "--max-replications 2: less than 3, the smallest first batch of --precision"),
    (["--max-replications", "2"],
     "--max-replications 2: applies only with --precision (the cap of the replications it "
     "adds)"),
    (["--precision-metrics", "adp"],
     "--precision-metrics: applies only with --precision (the metrics it watches)"),
    (["--vary", "jem.officers=1,2", "--max-replications", "4"],  # a sweep ignored it too
     "--max-replications 4: applies only with --precision (the cap of the replications it "
     "adds)"),
    (["--dask", "--scheduler", "tcp://127.0.0.1:1"],
     "--dask: does not apply with --scheduler (it starts a cluster; --scheduler names a "
     "running one)"),
])
def test_contradicting_flags_are_one_line_errors(argv, line, tmp_path, capsys):
    out = ["--out", str(tmp_path / "out")]
    assert _refused(["run", "scenarios/jem.yaml", *FAST, *out, *argv], capsys) == line
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_a_scenario_with_more_replications_than_the_cap(tmp_path, capsys):
    path = tmp_path / "many.yaml"
    path.write_text("extends: jailsim:jem.yaml\nreplications: 8\n")
    line = _refused(["run", str(path), *FAST, "--precision", "0.05", "--max-replications", "4"],
                    capsys)
    assert line == ("--max-replications 4: less than the scenario's 8 replications, the first "
                    "batch of --precision (give --replications ... to start with fewer)")


def test_the_cap_is_never_below_the_first_batch_asked_for(monkeypatch):
    """Without --max-replications, a first batch above the default cap is run whole."""
    import jailsim.experiments.simulate as simulate

    monkeypatch.setattr(simulate, "DEFAULT_MAX_REPLICATIONS", 4)
    done = simulate.run("scenarios/jem.yaml", seed=1, days=3, replications=6,
                        precision=0.999, metrics_only=True)
    assert done.precision.replications == done.result.scenario.replications == 6


@pytest.mark.parametrize("kwargs, line", [
    ({"replications": 5, "precision": 0.05, "max_replications": 2},
     "max_replications=2: less than replications=5, the first batch of precision"),
    ({"max_replications": 2}, "max_replications=2: applies only with precision (the cap of "
                              "the replications it adds)"),
    ({"precision_metrics": ["adp"]}, "precision_metrics: applies only with precision (the "
                                     "metrics it watches)"),
    ({"precision": 0.05, "max_replications": 0},
     "max_replications=0: expected a whole number from 1 to 100,000"),
    ({"dask": True, "scheduler": "tcp://127.0.0.1:1"},
     "dask: does not apply with scheduler (it starts a cluster; scheduler names a running one)"),
])
def test_python_names_the_keywords(kwargs, line):
    with pytest.raises(ScenarioError) as exc:
        jailsim.simulate("scenarios/jem.yaml", days=3, **kwargs)
    assert exc.value.lines == [line]
