"""Experiments: replications of one or more scenarios over an executor, with checkpoints.

An experiment is a set of *arms* (a scenario run alone, each side of a comparison, each point
of a sweep), each replicated ``n`` times. Tasks go to an executor
(:mod:`jailsim.experiments.executors`); results are filed by replication index, never by arrival, so the
tables are the same bytes whichever executor ran them. Every finished replication is written
to ``OUT/checkpoints/`` at once; rerunning the same command after an interruption (Ctrl-C,
``kill -9``, a lost worker) loads those and runs only the rest. A folder holding checkpoints of
a different scenario, seed or engine is refused, never mixed. The checkpoints are removed once
the final outputs are written.

The precision rule (:func:`run` with ``precision``) adds replications until every headline
metric's 95% half-width is at most ``precision`` times its mean (Law & Kelton's sequential
procedure, growing ``n`` at most twofold per step so a noisy early estimate cannot overshoot).
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jailsim._version import __version__
from jailsim.base.atomic import atomic_write
from jailsim.engines import resolve_engine
from jailsim.experiments.executors import Executor, SerialExecutor, make_executor
from jailsim.experiments.replication import (
    ReplicationOutput,
    ReplicationTask,
    fingerprint,
    prepare,
    run_task,
)
from jailsim.model.context import Context
from jailsim.results.metrics import METRICS, summarize
from jailsim.results.result import Result
from jailsim.scenario.loading import ScenarioError, check_memory, load
from jailsim.scenario.schema import Scenario

__all__ = [
    "DEFAULT_MAX_REPLICATIONS",
    "DEFAULT_REPLICATIONS",
    "HEADLINE",
    "Arm",
    "Checkpoints",
    "Precision",
    "Run",
    "Tally",
    "executor_from",
    "replicate",
    "run",
]

#: Replications of a comparison or sweep when neither the options nor the scenario ask for
#: more than one (one replication gives no interval).
DEFAULT_REPLICATIONS = 20
#: Cap of the precision rule unless ``max_replications`` is given.
DEFAULT_MAX_REPLICATIONS = 100
#: Metrics the precision rule watches unless told otherwise (the DESIGN's headline numbers).
HEADLINE = ("adp", "mean_los_days", "bed_days", "hold_bed_days", "detainers", "ice_transfers")

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------------
# Checkpoints


def _write_parquet(df: pd.DataFrame) -> Callable[[Path], None]:
    return lambda tmp: pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)


def _flatten(data: object, prefix: str = "") -> dict[str, object]:
    """Nested mappings to ``{"dotted.path": value}``."""
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, object] = {}
    for key, value in data.items():
        out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _short(value: object) -> str:
    text = "(none)" if value is None else json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


class Checkpoints:
    """Finished replications of one arm, one set of files each, in a folder of their own.

    ``rep-000012.json`` (metrics) is written last, after ``rep-000012.bookings.parquet`` and
    ``rep-000012.census.parquet``, each atomically: a replication counts as finished only when
    its JSON exists. ``fingerprint.json`` names the scenario, seed and engine they belong to,
    and ``run_seed``, the seed of the whole run (a comparison's master seed; by default the
    scenario's), which :func:`resumed_seed` gives back to a rerun that names no seed.
    """

    def __init__(self, folder: Path, scenario: Scenario, engine: str, *, where: str,
                 run_seed: int | None = None):
        self.folder = Path(folder)
        self.where = where
        self.key = fingerprint(scenario, engine)
        inputs = scenario.to_dict()
        inputs.pop("replications", None)
        inputs.pop("jailsim_version", None)
        self.identity = {
            "fingerprint": self.key,
            "scenario": scenario.name,
            "seed": scenario.seed,
            "run_seed": scenario.seed if run_seed is None else int(run_seed),
            "engine": engine,
            "jailsim": __version__,
            "inputs": inputs,
        }

    def open(self) -> None:
        """Create the folder, or check that the checkpoints in it are of this scenario."""
        stamp = self.folder / "fingerprint.json"
        if stamp.is_file():
            try:
                old = json.loads(stamp.read_text())
            except (OSError, ValueError):
                old = {}
            if old.get("fingerprint") != self.key:
                raise ScenarioError([f"{self.where}: holds a run of a different scenario "
                                     f"({self._differs(old)}); use another --out or delete it"])
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(stamp, lambda p: p.write_text(json.dumps(self.identity, indent=2)))

    def _differs(self, old: dict) -> str:
        new = self.identity
        said = [
            f"{k} {old.get(k)!r}, not {new[k]!r}"
            for k in ("scenario", "seed", "engine", "jailsim")
            if old.get(k) != new[k]
        ]
        if said or "inputs" not in old:
            return "; ".join(said) or f"scenario {new['scenario']!r} with other inputs"
        was, now = _flatten(old.get("inputs") or {}), _flatten(new["inputs"])
        paths = sorted(p for p in was.keys() | now.keys() if was.get(p) != now.get(p))
        shown = [f"{p} {_short(was.get(p))}, not {_short(now.get(p))}" for p in paths[:3]]
        more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        return (f"scenario {new['scenario']!r}: " + "; ".join(shown) + more if shown
                else f"scenario {new['scenario']!r} with other inputs")

    def _path(self, replication: int, suffix: str) -> Path:
        return self.folder / f"rep-{replication:06d}{suffix}"

    def finished(self) -> set[int]:
        """Indices of the replications checkpointed here."""
        if not self.folder.is_dir():
            return set()
        return {int(p.name[4:10]) for p in self.folder.glob("rep-??????.json")}

    def load(self, replication: int, tables: bool) -> ReplicationOutput | None:
        """A finished replication, or None if any of its files is missing or unreadable."""
        try:
            data = json.loads(self._path(replication, ".json").read_text())
            bookings = census = None
            if tables:
                bookings = pd.read_parquet(self._path(replication, ".bookings.parquet"))
                census = pd.read_parquet(self._path(replication, ".census.parquet"))
        except (OSError, ValueError, KeyError, pa.ArrowException):
            return None
        return ReplicationOutput(replication, data["metrics"], bookings, census)

    def save(self, out: ReplicationOutput) -> None:
        """Write one finished replication (tables first, metrics last)."""
        r = out.replication
        if out.bookings is not None:
            atomic_write(self._path(r, ".bookings.parquet"), _write_parquet(out.bookings))
            atomic_write(self._path(r, ".census.parquet"), _write_parquet(out.census))
        text = json.dumps({"replication": r, "metrics": out.metrics})
        atomic_write(self._path(r, ".json"), lambda p: p.write_text(text))

    def clear(self) -> None:
        """Remove the folder (once the final outputs are written)."""
        shutil.rmtree(self.folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Arms and the replication loop


@dataclass(eq=False)
class Arm:
    """One scenario of an experiment, with the replications it has so far.

    Attributes
    ----------
    label
        Name in tables and messages.
    scenario
        Prepared scenario (seed fixed).
    engine
        Resolved engine.
    tables
        Keep bookings and census (a run, a comparison), or only metrics (sweeps).
    checkpoints
        Where finished replications are kept, or None.
    outputs
        Finished replications by index.
    """

    label: str
    scenario: Scenario
    engine: str
    tables: bool = True
    checkpoints: Checkpoints | None = None
    outputs: dict[int, ReplicationOutput] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key = fingerprint(self.scenario, self.engine)

    def metrics(self, n: int | None = None) -> pd.DataFrame:
        """One row per replication (the first ``n``), one column per metric."""
        reps = sorted(self.outputs) if n is None else range(n)
        return pd.DataFrame(
            [{"replication": r, **self.outputs[r].metrics} for r in reps],
            columns=["replication", *METRICS],
        )

    def result(self, n: int) -> Result:
        """The Result of the first ``n`` replications (tables concatenated by index)."""
        sc = self.scenario
        if sc.replications != n:
            sc = sc.model_copy(update={"replications": n})
        outs = [self.outputs[r] for r in range(n)]
        return Result(
            scenario=sc,
            engine=self.engine,
            bookings=pd.concat([o.bookings for o in outs], ignore_index=True),
            census=pd.concat([o.census for o in outs], ignore_index=True),
            metrics=self.metrics(n),
        )


@dataclass
class Tally:
    """How many replications were computed now and how many came from checkpoints."""

    computed: int = 0
    resumed: int = 0


def _check_version(out: ReplicationOutput) -> None:
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
    interrupted comparison has whole pairs done. Each result is checkpointed as it arrives.
    """
    tally = tally if tally is not None else Tally()
    for arm in arms:
        if arm.checkpoints is None:
            continue
        arm.checkpoints.open()
        for r in sorted(arm.checkpoints.finished()):
            if r < n and r not in arm.outputs:
                out = arm.checkpoints.load(r, arm.tables)
                if out is not None:
                    arm.outputs[r] = out
                    tally.resumed += 1
    todo = [
        (arm, ReplicationTask(arm.scenario, arm.engine, r, arm.tables, arm.key))
        for r in range(n)
        for arm in arms
        if r not in arm.outputs
    ]
    total = n * len(arms)
    done = total - len(todo)
    if progress is not None:
        progress(done, total)
    for i, out in executor.imap_unordered(run_task, [task for _, task in todo]):
        _check_version(out)
        arm = todo[i][0]
        if arm.checkpoints is not None:
            arm.checkpoints.save(out)
        arm.outputs[out.replication] = out
        tally.computed += 1
        done += 1
        if progress is not None:
            progress(done, total)
    return tally


def executor_from(
    executor: Executor | None = None,
    *,
    workers: int | None = None,
    dask: bool = False,
    scheduler: str | None = None,
) -> tuple[Executor, bool]:
    """The executor to use, and whether the caller owns it (must close it)."""
    if executor is not None:
        if workers is not None or dask or scheduler is not None:
            raise ValueError("give either executor or workers/dask/scheduler, not both")
        return executor, False
    if workers is None and not dask and scheduler is None:
        return SerialExecutor(), True
    return make_executor(workers, dask=dask, scheduler=scheduler), True


def replicate_points(
    scenarios: Sequence[Scenario],
    engine: str,
    n: int,
    *,
    out: str | Path | None,
    kind: str,
    progress: Progress | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    dask: bool = False,
    scheduler: str | None = None,
) -> tuple[list[Arm], Tally]:
    """Run ``n`` replications of each design point (metrics only), checkpointed under ``out``.

    Shared by sweeps and sensitivity analyses; ``kind`` names a point in messages
    ("design point", "sample point").
    """
    folder = Path(out) if out is not None else None
    arms = []
    for k, point_sc in enumerate(scenarios):
        ckpt = None
        if folder is not None:
            ckpt = Checkpoints(folder / "checkpoints" / f"point-{k:06d}", point_sc, engine,
                               where=f"{folder} ({kind} {k})")
        arms.append(Arm(str(k), point_sc, engine, tables=False, checkpoints=ckpt))
    ex, owned = executor_from(executor, workers=workers, dask=dask, scheduler=scheduler)
    try:
        tally = replicate(arms, n, ex, progress=progress)
    finally:
        if owned:
            ex.close()
    return arms, tally


# ---------------------------------------------------------------------------------------------
# The precision rule


@dataclass(frozen=True)
class Precision:
    """Outcome of the precision rule.

    Attributes
    ----------
    target
        Relative half-width asked for.
    achieved
        Largest relative half-width among the watched metrics at the end.
    metric
        The metric with that half-width.
    replications
        Replications run.
    met
        Whether ``achieved <= target`` (else the cap stopped the run).
    ignored
        Watched metrics left out because their mean is zero or undefined.
    """

    target: float
    achieved: float
    metric: str
    replications: int
    met: bool
    ignored: tuple[str, ...] = ()


def _worst(metrics: pd.DataFrame, names: Sequence[str]) -> tuple[float, str, tuple[str, ...]]:
    table = summarize(metrics)
    worst, which, ignored = 0.0, "", []
    for name in names:
        mean, lo, hi = table.loc[name, ["mean", "ci_low", "ci_high"]]
        if not math.isfinite(mean) or mean == 0:
            ignored.append(name)
            continue
        rel = (hi - lo) / 2 / abs(mean) if math.isfinite(hi - lo) else math.inf
        if rel >= worst:
            worst, which = rel, name
    return worst, which, tuple(ignored)


def resumed_seed(scenario: Scenario, seed: int | None, folders: Iterable[Path]) -> int | None:
    """The seed to run with: ``seed``, else the scenario's, else that of checkpoints to resume.

    A run that names no seed draws a fresh one, so rerunning the same command after an
    interruption must take the seed its checkpoints were made with (``run_seed`` of the first
    ``fingerprint.json`` found in ``folders``); None if there is none (a fresh seed is drawn).
    """
    if seed is not None or scenario.seed is not None:
        return seed
    for folder in folders:
        try:
            found = json.loads((Path(folder) / "fingerprint.json").read_text()).get("run_seed")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(found, int):
            return found
    return None


def points_seed(scenario: Scenario, seed: int | None, out: str | Path | None) -> int | None:
    """:func:`resumed_seed` for a design of points (:func:`replicate_points` into ``out``)."""
    if out is None:
        return seed
    return resumed_seed(scenario, seed, sorted((Path(out) / "checkpoints").glob("point-*")))


def next_replications(n: int, worst: float, target: float, cap: int) -> int:
    """Replications for the next step: the estimate ``n (worst/target)^2``, at most ``2n``."""
    need = math.inf if not math.isfinite(worst) else math.ceil(n * (worst / target) ** 2)
    return int(min(cap, max(n + 1, min(need, 2 * n))))


# ---------------------------------------------------------------------------------------------
# Running one scenario


@dataclass(frozen=True, eq=False)
class Run:
    """What :func:`run` returns: the Result, where it came from, and the precision reached."""

    result: Result
    tally: Tally
    precision: Precision | None = None
    executor: str = "serial"


def run(
    scenario: Scenario | str | Path,
    *,
    seed: int | None = None,
    replications: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
    engine: str = "des",
    progress: Progress | None = None,
    out: str | Path | None = None,
    precision: float | None = None,
    max_replications: int | None = None,
    precision_metrics: Sequence[str] | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    dask: bool = False,
    scheduler: str | None = None,
) -> Run:
    """Replicate one scenario; see :func:`jailsim.simulate` for the parameters.

    With ``out``, finished replications are checkpointed in ``out/checkpoints`` (and resumed
    from there), the output folder is written, and the checkpoints are then removed.
    """
    if precision is not None and not 0 < precision < 1:
        raise ScenarioError([f"precision: expected a share between 0 and 1, got {precision!r}"])
    watched = tuple(precision_metrics or HEADLINE)
    unknown = [m for m in watched if m not in METRICS]
    if unknown:
        raise ScenarioError([f"precision metrics: unknown {unknown}; known: {list(METRICS)}"])
    folder = Path(out) if out is not None else None
    base = load(str(scenario)) if isinstance(scenario, (str, Path)) else scenario
    if folder is not None:
        seed = resumed_seed(base, seed, [folder / "checkpoints"])
    sc = prepare(base, seed=seed, replications=replications, days=days,
                 warmup_days=warmup_days)
    eng = resolve_engine(engine, Context.build(sc))
    ckpt = (Checkpoints(folder / "checkpoints", sc, eng, where=str(folder))
            if folder is not None else None)
    arm = Arm(sc.name, sc, eng, tables=True, checkpoints=ckpt)
    n = sc.replications
    cap = None
    if precision is not None:
        cap = int(max_replications or DEFAULT_MAX_REPLICATIONS)
        n = min(max(n, 3), cap)
    ex, owned = executor_from(executor, workers=workers, dask=dask, scheduler=scheduler)
    tally = Tally()
    reached = None
    try:
        while True:
            check_memory(sc, n)
            replicate([arm], n, ex, progress=progress, tally=tally)
            if precision is None:
                break
            worst, which, ignored = _worst(arm.metrics(n), watched)
            if worst <= precision or n >= cap:
                reached = Precision(precision, worst, which, n, worst <= precision, ignored)
                break
            n = next_replications(n, worst, precision, cap)
    finally:
        if owned:
            ex.close()
    result = arm.result(n)
    if folder is not None:
        result.save(folder)
        ckpt.clear()
    return Run(result, tally, reached, ex.name)
