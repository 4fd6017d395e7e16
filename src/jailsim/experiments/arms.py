"""Arms and the replication loop: every arm of an experiment brought to ``n`` replications.

An experiment is a set of *arms* (a scenario run alone, each side of a comparison, each point
of a sweep), each replicated ``n`` times. Tasks go to an executor
(:mod:`jailsim.experiments.executors`); results are filed by replication index, never by
arrival, so the tables are the same bytes whichever executor ran them. Each replication is
checkpointed as soon as it is computed (:mod:`jailsim.experiments.checkpoints`), by the
worker that computed it wherever the worker sees the checkpoint folder: this process then
only records metrics and progress, and never holds, reads or writes a replication's table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from jailsim._version import __version__
from jailsim.base.errors import ScenarioError
from jailsim.experiments.checkpoints import Checkpoints, Finished
from jailsim.experiments.executors import Executor
from jailsim.experiments.options import Progress, RunOptions, option_text
from jailsim.experiments.prepared import PreparedRun
from jailsim.experiments.replication import ReplicationOutput, ReplicationTask, run_task
from jailsim.results.metrics import METRICS
from jailsim.results.result import Result
from jailsim.results.tablefiles import NoTable, StoredTable, Table
from jailsim.scenario.schema import Scenario

__all__ = ["Arm", "Tally", "check_version", "replicate", "replicate_points"]


@dataclass(eq=False)
class Arm:
    """One scenario of an experiment, with the replications it has so far.

    Attributes
    ----------
    label
        Name in tables and messages.
    run
        The prepared run (scenario with its seed, engine, fingerprint).
    tables
        Keep bookings and census (a run, a comparison), or only metrics (sweeps,
        ``metrics_only``).
    checkpoints
        Where finished replications are kept, or None. With checkpoints, the tables of a
        replication are kept there alone (:attr:`on_disk`): workers write them (or send them
        encoded, to be written as they come), and this process holds none of them.
    outputs
        Finished replications by index (their tables only when kept in memory; with
        checkpoints, the SHA-256 of their table files).
    """

    label: str
    run: PreparedRun
    tables: bool = True
    checkpoints: Checkpoints | None = None
    outputs: dict[int, ReplicationOutput] = field(default_factory=dict)

    @property
    def scenario(self) -> Scenario:
        """The prepared scenario (seed fixed)."""
        return self.run.scenario

    @property
    def engine(self) -> str:
        """The engine (resolved)."""
        return self.run.engine

    @property
    def on_disk(self) -> bool:
        """Whether the tables are kept in the checkpoints alone, not in memory."""
        return self.tables and self.checkpoints is not None

    def task(self, replication: int, shares_files: bool) -> ReplicationTask:
        """The task of one replication of this arm.

        ``shares_files``: whether the executor's workers see this process's files; if so,
        they write the checkpoint themselves, else they send the tables back encoded.
        """
        folder = None
        if self.checkpoints is not None and shares_files:  # absolute: whatever its cwd
            folder = self.checkpoints.folder.absolute()
        return ReplicationTask(self.run, replication, self.tables, checkpoints=folder,
                               encoded=self.on_disk and folder is None)

    def file(self, out: ReplicationOutput) -> None:
        """File a finished replication: checkpointed (if not by its worker), and kept.

        Its tables are kept in memory only when there are no checkpoints to keep them.
        """
        if self.checkpoints is not None and not out.checkpointed:
            sums = self.checkpoints.save(out.replication, out.metrics, out.encoded)
            out = ReplicationOutput(out.replication, out.metrics, version=out.version,
                                    sha256=sums, checkpointed=True)
        self.outputs[out.replication] = out

    def resume(self, replication: int, finished: Finished) -> None:
        """Keep a replication loaded from its checkpoint."""
        self.outputs[replication] = ReplicationOutput(replication, finished.metrics,
                                                      sha256=finished.sha256,
                                                      checkpointed=True)

    def metrics(self, n: int | None = None) -> pd.DataFrame:
        """One row per replication (the first ``n``), one column per metric."""
        reps = sorted(self.outputs) if n is None else range(n)
        return pd.DataFrame(
            [{"replication": r, **self.outputs[r].metrics} for r in reps],
            columns=["replication", *METRICS],
        )

    def result(self, n: int) -> Result:
        """The Result of the first ``n`` replications (tables in replication order).

        Tables kept on disk stay there (read when asked, or linked into the run folder as its
        parts); tables in memory are concatenated; with only metrics kept,
        asking for a table is a one-line error.
        """
        sc = self.scenario
        if sc.replications != n:
            sc = sc.model_copy(update={"replications": n})
        tables: dict[str, Table] = {}
        for name in ("bookings", "census"):
            if not self.tables:
                tables[name] = NoTable(f"{name}: not kept (a run with "
                                       f"{option_text('metrics_only', True)} keeps only "
                                       "metrics); run again without it to have the "
                                       f"{name} table")
            elif self.on_disk:
                sums = [(self.outputs[r].sha256 or {}).get(name) for r in range(n)]
                tables[name] = StoredTable.of(
                    (self.checkpoints.table_path(r, name) for r in range(n)),
                    sha256=None if None in sums else sums)
            else:
                tables[name] = pd.concat([getattr(self.outputs[r], name) for r in range(n)],
                                         ignore_index=True)
        return Result(scenario=sc, engine=self.engine, metrics=self.metrics(n), **tables)


@dataclass
class Tally:
    """How many replications were computed now and how many came from checkpoints."""

    computed: int = 0
    resumed: int = 0


def check_version(out: ReplicationOutput) -> None:
    """Refuse a replication computed by another version of jailsim (it may differ)."""
    if out.version != __version__:
        raise ScenarioError(
            [f"a worker runs jailsim {out.version}, this process {__version__}: install the "
             "same jailsim on every worker (results would otherwise differ)"]
        )


def replicate(
    arms: Sequence[Arm],
    n: int,
    executor: Executor,
    *,
    progress: Progress | None = None,
    tally: Tally | None = None,
) -> Tally:
    """Bring every arm to ``n`` replications: from checkpoints first, then on the executor.

    Tasks are ordered replication-major (replication 0 of every arm, then 1, ...), so an
    interrupted comparison has whole pairs done. Each result is checkpointed as soon as it is
    computed: by its worker where the executor's workers share this file system
    (``executor.shares_files``), else here as it arrives.
    """
    tally = tally if tally is not None else Tally()
    for arm in arms:
        if arm.checkpoints is None:
            continue
        arm.checkpoints.open()
        for r in sorted(arm.checkpoints.finished()):
            if r < n and r not in arm.outputs:
                finished = arm.checkpoints.load(r, arm.tables)
                if finished is not None:
                    arm.resume(r, finished)
                    tally.resumed += 1
    shares = getattr(executor, "shares_files", False)  # an executor of the caller's
    todo = [(arm, arm.task(r, shares)) for r in range(n) for arm in arms
            if r not in arm.outputs]
    total = n * len(arms)
    done = total - len(todo)
    if progress is not None:
        progress(done, total)
    for i, out in executor.imap_unordered(run_task, [task for _, task in todo]):
        check_version(out)
        todo[i][0].file(out)
        del out  # not held while the next replication is awaited (or computed here)
        tally.computed += 1
        done += 1
        if progress is not None:
            progress(done, total)
    return tally


def replicate_points(
    scenarios: Sequence[Scenario], n: int, options: RunOptions, *, kind: str
) -> tuple[list[Arm], Tally]:
    """Run ``n`` replications of each design point (metrics only), checkpointed under ``out``.

    Shared by sweeps and sensitivity analyses; ``kind`` names a point in messages
    ("design point", "sample point").
    """
    folder = options.folder
    arms = []
    for k, point_sc in enumerate(scenarios):
        run = PreparedRun.build(point_sc, options.engine)
        ckpt = None
        if folder is not None:
            ckpt = Checkpoints(folder / "checkpoints" / f"point-{k:06d}", run,
                               where=f"{folder} ({kind} {k})")
        arms.append(Arm(str(k), run, tables=False, checkpoints=ckpt))
    with options.running() as ex:
        tally = replicate(arms, n, ex, progress=options.progress)
    return arms, tally
