"""Replications over an executor: output folder, checkpoints, resume, refusal, precision rule."""

from __future__ import annotations

import io
import json
import math
import sys
import time

import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.cli.progress import ProgressBar
from jailsim.experiments.executors import SerialExecutor
from jailsim.experiments.precision import DEFAULT_MAX_REPLICATIONS, next_replications
from jailsim.experiments.simulate import run
from jailsim.results.metrics import summarize
from tests.experiments.folders import RUN_FILES as FILES
from tests.experiments.folders import folder_bytes as _bytes

SMALL = {"days": 120, "warmup_days": 20, "engine": "vector"}


class Interrupted(SerialExecutor):
    """Runs ``stop_after`` tasks, then raises KeyboardInterrupt (a Ctrl-C mid-run)."""

    def __init__(self, stop_after: int):
        self.stop_after = stop_after
        self.ran = 0

    def imap_unordered(self, fn, tasks):
        for i, task in enumerate(tasks):
            if self.ran == self.stop_after:
                raise KeyboardInterrupt
            self.ran += 1
            yield i, fn(task)


class Counting(SerialExecutor):
    def __init__(self):
        self.replications = []

    def imap_unordered(self, fn, tasks):
        for i, task in enumerate(tasks):
            self.replications.append(task.replication)
            yield i, fn(task)


def test_out_writes_the_run_folder_and_removes_checkpoints(tmp_path):
    res = jailsim.simulate("scenarios/jem.yaml", seed=2, replications=2, out=tmp_path, **SMALL)
    assert {p.name for p in tmp_path.iterdir()} == set(FILES)
    plain = jailsim.simulate("scenarios/jem.yaml", seed=2, replications=2, **SMALL)
    pd.testing.assert_frame_equal(res.bookings, plain.bookings)
    pd.testing.assert_frame_equal(res.metrics, plain.metrics)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["replications"] == 2 and summary["seed"] == 2


def test_interrupted_run_resumes_without_redoing_and_gives_the_same_bytes(tmp_path):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    jailsim.simulate("scenarios/wso.yaml", seed=4, replications=5, out=whole, **SMALL)
    with pytest.raises(KeyboardInterrupt):
        jailsim.simulate("scenarios/wso.yaml", seed=4, replications=5, out=cut,
                         executor=Interrupted(stop_after=3), **SMALL)
    kept = sorted(p.name for p in (cut / "checkpoints").glob("rep-*.json"))
    assert kept == ["rep-000000.json", "rep-000001.json", "rep-000002.json"]
    assert not (cut / "summary.json").exists()
    counting = Counting()
    done = run("scenarios/wso.yaml", seed=4, replications=5, out=cut, executor=counting,
               **SMALL)
    assert counting.replications == [3, 4]  # only the missing ones ran
    assert (done.tally.resumed, done.tally.computed) == (3, 2)
    assert _bytes(cut) == _bytes(whole)
    assert not (cut / "checkpoints").exists()


def test_a_checkpoint_with_a_missing_table_is_run_again(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        jailsim.simulate("scenarios/jem.yaml", seed=1, replications=3, out=tmp_path,
                         executor=Interrupted(stop_after=2), **SMALL)
    (tmp_path / "checkpoints" / "rep-000001.census.parquet").unlink()
    counting = Counting()
    run("scenarios/jem.yaml", seed=1, replications=3, out=tmp_path, executor=counting, **SMALL)
    assert counting.replications == [1, 2]


def test_changed_scenario_in_a_folder_with_checkpoints_is_refused(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        jailsim.simulate("scenarios/jem.yaml", seed=1, replications=3, out=tmp_path,
                         executor=Interrupted(stop_after=1), **SMALL)
    for other, said in (({"seed": 2}, "seed 1, not 2"),
                        ({"days": 100}, 'horizon "120d", not "100d"')):
        options = {**SMALL, "seed": 1, **other}
        with pytest.raises(ScenarioError) as exc:
            jailsim.simulate("scenarios/jem.yaml", replications=3, out=tmp_path, **options)
        assert len(exc.value.lines) == 1
        line = exc.value.lines[0]
        assert line.startswith(f"{tmp_path}: holds a run of a different scenario (")
        assert said in line and line.endswith("use another --out or delete it")
    # more replications of the same scenario are fine: they extend the run
    done = run("scenarios/jem.yaml", seed=1, replications=4, out=tmp_path, **SMALL)
    assert (done.tally.resumed, done.tally.computed) == (1, 3)


def test_a_finished_folder_can_take_another_scenario(tmp_path):
    jailsim.simulate("scenarios/jem.yaml", seed=1, out=tmp_path, **SMALL)
    jailsim.simulate("scenarios/wso.yaml", seed=1, out=tmp_path, **SMALL)
    assert json.loads((tmp_path / "summary.json").read_text())["scenario"] == "WSO"


def test_next_replications_grows_at_most_twofold_and_stops_at_the_cap():
    assert next_replications(10, worst=0.04, target=0.02, cap=100) == 20  # needs 40: doubles
    assert next_replications(10, worst=0.021, target=0.02, cap=100) == 12  # ceil(11.03)
    assert next_replications(10, worst=0.0201, target=0.02, cap=100) == 11  # at least one more
    assert next_replications(60, worst=1.0, target=0.02, cap=100) == 100
    assert next_replications(3, worst=math.inf, target=0.02, cap=100) == 6


def test_precision_rule_stops_when_every_watched_half_width_is_small_enough():
    target, watched = 0.02, ["adp", "bed_days", "bookings_per_day"]
    done = run("scenarios/jem.yaml", seed=3, replications=2, precision=target,
               precision_metrics=watched, **SMALL)
    p = done.precision
    n = done.result.scenario.replications
    assert p is not None and p.met and p.replications == n > 3
    table = summarize(done.result.metrics)
    rel = {m: (table.loc[m, "ci_high"] - table.loc[m, "ci_low"]) / 2 / abs(table.loc[m, "mean"])
           for m in watched}
    assert max(rel.values()) <= target
    assert p.achieved == max(rel.values())
    # adp and bed_days have the same relative half-width (adp = bed_days / days) up to rounding
    assert rel[p.metric] == pytest.approx(max(rel.values()), rel=1e-12)
    # Replayed from the rule: from 3 replications (the least a precision run starts from,
    # above the 2 asked), step by next_replications until the first step whose worst relative
    # half-width meets the target; that step is where it stopped.
    def worst(k: int) -> float:
        t = summarize(done.result.metrics.iloc[:k])
        return max((t.loc[m, "ci_high"] - t.loc[m, "ci_low"]) / 2 / abs(t.loc[m, "mean"])
                   for m in watched)

    steps = [3]
    while worst(steps[-1]) > target:
        steps.append(next_replications(steps[-1], worst(steps[-1]), target,
                                       DEFAULT_MAX_REPLICATIONS))
    assert steps[-1] == n and len(steps) > 2, steps  # more than one step was taken


def test_precision_rule_stops_at_the_cap_and_says_so():
    done = run("scenarios/jem.yaml", seed=3, replications=3, precision=0.0001,
               max_replications=5, precision_metrics=["adp"], **SMALL)
    assert not done.precision.met
    assert done.precision.replications == 5 == len(done.result.metrics)
    assert done.precision.metric == "adp"


def test_bad_precision_options_are_one_line_errors():
    with pytest.raises(ScenarioError) as exc:
        run("scenarios/jem.yaml", precision=0.01, precision_metrics=["nope"], **SMALL)
    assert len(exc.value.lines) == 1 and "nope" in exc.value.lines[0]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal, quiet, shown", [(True, False, True), (True, True, False),
                                                    (False, False, False)])
def test_progress_bar_only_on_a_terminal_and_not_quiet(monkeypatch, terminal, quiet, shown):
    err = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with ProgressBar("JEM", quiet) as bar:
        bar(1, 4)  # one resumed from a checkpoint
        time.sleep(0.6)  # the bar waits half a second before it shows
        bar(2, 4)
        bar(4, 4)
    assert ("JEM:" in err.getvalue() and "/4 [" in err.getvalue()) == shown
