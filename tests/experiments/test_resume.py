"""A run killed with SIGKILL resumes from its checkpoints to the same bytes; a changed scenario
in a folder with checkpoints is refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jailsim.cli.main import main
from tests.experiments.folders import folder_bytes

ROOT = Path(__file__).resolve().parents[2]
# The SimPy engine (~0.7 s per replication here) so the run lasts a few seconds.
ARGS = ["run", "scenarios/jem.yaml", "--seed", "7", "-r", "4", "--days", "120",
        "--warmup-days", "20", "--engine", "des", "--quiet"]


def _jailsim(*args: str) -> list[str]:
    return [sys.executable, "-m", "jailsim.cli.main", *args]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_then_rerun_gives_the_bytes_of_an_uninterrupted_run(tmp_path):
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    proc = subprocess.Popen(_jailsim(*ARGS, "--out", str(killed)), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ckpt = killed / "checkpoints"
    deadline = time.monotonic() + 120
    while not list(ckpt.glob("rep-*.json")):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    finished = sorted(p.name for p in ckpt.glob("rep-*.json"))
    assert 1 <= len(finished) < 4, finished
    assert not (killed / "summary.json").exists()

    rerun = subprocess.run(_jailsim(*ARGS, "--out", str(killed)), cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    # the checkpointed replications were loaded, not computed again
    assert f"resumed {len(finished)} replications" in rerun.stdout
    assert f"computed {4 - len(finished)}" in rerun.stdout

    plain = subprocess.run(_jailsim(*ARGS, "--out", str(whole)), cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr
    assert "resumed" not in plain.stdout
    names = ("bookings.parquet", "census.parquet", "summary.json", "replications.csv")
    parts = folder_bytes(killed, names)
    assert len([n for n in parts if n.startswith("bookings.parquet/part-")]) == 4
    assert parts == folder_bytes(whole, names)
    assert not ckpt.exists()
    assert not list(killed.glob(".*.tmp"))


def test_cli_refuses_a_changed_scenario_in_a_folder_with_checkpoints(tmp_path, capsys):
    out = tmp_path / "run"
    # leave a checkpoint of JEM as an interrupted run would
    from jailsim.experiments.checkpoints import Checkpoints
    from jailsim.experiments.prepared import PreparedRun, prepare

    sc = prepare("scenarios/jem.yaml", seed=1, days=120, warmup_days=20)
    ckpt = Checkpoints(out / "checkpoints", PreparedRun.build(sc, "vector"), where=str(out))
    ckpt.open()
    ckpt.save(0, {"adp": 1.0})
    code = main(["run", "scenarios/wso.yaml", "--seed", "1", "--days", "120",
                 "--warmup-days", "20", "--engine", "vector", "--quiet", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"{out}: holds a run of a different scenario")
    assert "'JEM', not 'WSO'" in err[0] and "delete it" in err[0]


def test_checkpoints_of_another_streams_version_are_refused(tmp_path, capsys, monkeypatch):
    """Draws laid out otherwise give other numbers: such checkpoints are never mixed in."""
    from jailsim.experiments import checkpoints, prepared
    from jailsim.experiments.checkpoints import Checkpoints
    from jailsim.experiments.prepared import PreparedRun

    out = tmp_path / "run"
    args = ["run", "scenarios/jem.yaml", "--seed", "1", "--days", "120", "--warmup-days", "20",
            "--engine", "vector", "--quiet", "--out", str(out)]
    sc = prepared.prepare("scenarios/jem.yaml", seed=1, days=120, warmup_days=20)
    now = prepared.STREAMS_VERSION
    with monkeypatch.context() as m:  # an interrupted run of a jailsim with older streams
        m.setattr(prepared, "STREAMS_VERSION", now - 1)
        m.setattr(checkpoints, "STREAMS_VERSION", now - 1)
        ckpt = Checkpoints(out / "checkpoints", PreparedRun.build(sc, "vector"), where=str(out))
        ckpt.open()
        ckpt.save(0, {"adp": 1.0})
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"streams {now - 1}, not {now}" in err[0], err


def _stop_after(k: int):
    """A progress callback that interrupts the run once ``k`` replications are done."""
    def progress(done: int, total: int) -> None:
        if done >= k:
            raise KeyboardInterrupt
    return progress


@pytest.mark.parametrize("how", ["run", "compare", "sweep"])
def test_a_run_without_a_seed_resumes_with_the_seed_of_its_checkpoints(tmp_path, how):
    """No seed given (the default): the rerun takes the checkpoints' seed, not a fresh one."""
    import jailsim

    sc = jailsim.load("scenarios/jem.yaml").with_({"seed": None})
    assert sc.seed is None
    small = {"replications": 3, "days": 60, "warmup_days": 10, "engine": "vector"}
    call = {
        "run": lambda **kw: jailsim.experiments.simulate.run(sc, **kw),
        "compare": lambda **kw: jailsim.compare([sc, "scenarios/wso.yaml"], **kw),
        "sweep": lambda **kw: jailsim.sweep(sc, {"jem.officers": [1, 2]}, **kw),
    }[how]
    with pytest.raises(KeyboardInterrupt):
        call(out=tmp_path, progress=_stop_after(2), **small)
    stamps = sorted(tmp_path.rglob("fingerprint.json"))
    assert stamps
    seeds = {json.loads(p.read_text())["run_seed"] for p in stamps}
    assert len(seeds) == 1
    done = call(out=tmp_path, **small)
    result = done.result if how == "run" else done
    used = result.scenario.seed if how == "sweep" else result.seed
    assert used == seeds.pop() and done.tally.resumed >= 2


def test_a_folder_holds_one_finished_output_or_none(tmp_path, monkeypatch):
    """Each kind of output removes the previous output's files first and writes its manifest
    last: a sweep over a comparison's folder is reported as a sweep, and a run whose writing
    fails leaves a folder that no reader takes for a run (no folder that mixes two runs), nor
    its killed temp files."""
    import jailsim
    from jailsim.base.errors import ScenarioError
    from jailsim.present.report import load_run, write_report
    from jailsim.results import rundir as outputs

    small = {"seed": 1, "replications": 2, "days": 40, "warmup_days": 5, "engine": "vector"}
    jailsim.compare(["scenarios/jem.yaml", "scenarios/wso.yaml"], out=tmp_path, **small)
    jailsim.sweep("scenarios/jem.yaml", {"jem.officers": [1, 2]}, out=tmp_path, **small)
    assert not (tmp_path / "comparison.json").exists()
    assert "<h1>jailsim sweep" in write_report(tmp_path).read_text()

    run = tmp_path / "run"
    jailsim.simulate("scenarios/jem.yaml", out=run, **small)
    killed = run / ".bookings.parquet.4242.0badc0de.tmp"  # as a writer killed by SIGKILL leaves
    killed.write_text("half")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "resolved_text", fail)
    with pytest.raises(OSError):
        jailsim.simulate("scenarios/jem.yaml", out=run, **{**small, "seed": 2})
    assert not (run / "summary.json").exists() and not killed.exists()
    with pytest.raises(ScenarioError, match="incomplete output"):
        load_run(run)


def test_writing_over_a_directory_names_the_directory(tmp_path):
    from jailsim.base.atomic import atomic_write_text

    with pytest.raises(IsADirectoryError) as exc:
        atomic_write_text(tmp_path, "text")
    assert exc.value.filename == str(tmp_path)  # not the hidden temporary file beside it
    assert not list(tmp_path.parent.glob(f".{tmp_path.name}.*.tmp"))


@pytest.mark.parametrize("tamper", ["metrics", "table"])
def test_an_edited_checkpoint_is_not_taken_and_its_replication_runs_again(tmp_path, tamper):
    """Checkpoints carry the hashes of their metrics and tables: an edited one is refused with
    a warning, and the rerun gives the numbers of a run never interrupted."""
    import pandas as pd

    import jailsim
    from jailsim.experiments.checkpoints import CheckpointWarning

    small = {"seed": 3, "replications": 3, "days": 60, "warmup_days": 10, "engine": "vector"}
    with pytest.raises(KeyboardInterrupt):
        jailsim.simulate("scenarios/jem.yaml", out=tmp_path, progress=_stop_after(2), **small)
    (meta,) = tmp_path.rglob("rep-000000.json")
    if tamper == "metrics":
        data = json.loads(meta.read_text())
        data["metrics"]["adp"] += 100.0
        meta.write_text(json.dumps(data))
    else:
        table = meta.with_name("rep-000000.census.parquet")
        census = pd.read_parquet(table)
        census["census"] += 100
        census.to_parquet(table)
    with pytest.warns(CheckpointWarning, match="rep-000000.json does not match the hash"):
        resumed = jailsim.simulate("scenarios/jem.yaml", out=tmp_path, **small)
    whole = jailsim.simulate("scenarios/jem.yaml", **small)
    pd.testing.assert_frame_equal(resumed.summary(), whole.summary())
    pd.testing.assert_frame_equal(resumed.census, whole.census)


def test_a_checkpoints_folder_jailsim_did_not_write_is_refused_and_kept(tmp_path, capsys):
    out = tmp_path / "run"
    mine = out / "checkpoints" / "notes.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("a user's file")
    code = main(["run", "scenarios/jem.yaml", "--seed", "1", "-r", "2", "--days", "30",
                 "--warmup-days", "5", "--quiet", "--out", str(out)])
    assert code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "holds files jailsim did not write (notes.txt)" in line
    assert mine.read_text() == "a user's file" and not (out / "summary.json").exists()


def test_only_jailsim_s_own_files_are_removed(tmp_path):
    """Clearing checkpoints removes its own files only; starting an output refuses a folder
    with a user's file in it, and with overwrite removes only temporary files named as
    jailsim's atomic writes name them."""
    from jailsim.base.errors import ScenarioError
    from jailsim.base.manifest import begin_output
    from jailsim.experiments.checkpoints import Checkpoints
    from jailsim.experiments.prepared import PreparedRun, prepare

    sc = prepare("scenarios/jem.yaml", seed=1, days=30, warmup_days=5)
    ckpt = Checkpoints(tmp_path / "checkpoints", PreparedRun.build(sc, "vector"),
                       where=str(tmp_path))
    ckpt.open()
    ckpt.save(0, {"adp": 1.0})
    later = tmp_path / "checkpoints" / "kept.csv"
    later.write_text("x")
    ckpt.clear()
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["kept.csv"]
    theirs, killed = tmp_path / ".draft.tmp", tmp_path / ".bookings.parquet.4242.0badc0de.tmp"
    theirs.write_text("a user's file")
    killed.write_text("half")
    with pytest.raises(ScenarioError, match=r"holds files jailsim did not write \(.draft.tmp\)"):
        begin_output(tmp_path, "run")
    begin_output(tmp_path, "run", overwrite=True)
    assert theirs.exists() and not killed.exists()
