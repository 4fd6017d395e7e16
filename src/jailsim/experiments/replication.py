"""One replication: the unit of work every experiment is made of, composed here.

A replication is fully named by its prepared run (scenario with the seed fixed, engine) and its
index: its random streams come from ``(seed, replication, source, purpose)`` alone (see
:mod:`jailsim.model.streams`), so it gives the same tables in any process, on any worker, in
any order. This is the one place that composes the layers below: it draws the population
(with a roster warm start's people, whose sampling runs an engine), runs the engine, computes
the counterfactual without detainers, and hands everything to the records, the census and the
metrics; nothing below it calls an engine.

:func:`run_task` is the picklable function executors ship to workers. A worker that sees the
run's checkpoint folder (the same file system: this process, local processes, a Dask
LocalCluster) writes the replication's checkpoint there itself, tables as Parquet parts
(:mod:`jailsim.experiments.checkpoints`), and sends back only its metrics and the hashes of
its files; one that may not (a Dask cluster reached by address) sends the tables back
encoded, for the process running the experiment to write; a run without checkpoints gets the
tables as DataFrames, or only metrics.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim._version import __version__
from jailsim.base.atomic import atomic_write
from jailsim.base.chunks import ahead
from jailsim.base.manifest import sha256
from jailsim.base.release import trim
from jailsim.engines import ENGINES, vector
from jailsim.engines.roster import roster_draws
from jailsim.engines.stream import run_chunks
from jailsim.experiments.checkpoints import table_path, write_checkpoint
from jailsim.experiments.draws import replication_run
from jailsim.experiments.prepared import PreparedRun
from jailsim.model.arrivals import expected_count
from jailsim.model.clock import Clock
from jailsim.model.context import Context
from jailsim.model.draws import booking_sources
from jailsim.model.population import Population, booking_days
from jailsim.model.timeline import Timeline
from jailsim.results.census import daily_census
from jailsim.results.metrics import replication_metrics
from jailsim.results.quantiles import WindowMissed
from jailsim.results.records import Recorded, table
from jailsim.results.running import RunningResults
from jailsim.results.tablefiles import TableWriter, encode, table_metadata

__all__ = [
    "InBookingOrder",
    "QuantileRerun",
    "ReplicationOutput",
    "ReplicationTask",
    "bookings_frame",
    "run_replication",
    "run_task",
    "sample_population",
    "stream_replication",
]


class QuantileRerun(RuntimeWarning):
    """A streamed replication made its metrics twice: a quantile's values left its window."""


#: About how many bookings a chunk of a streamed replication holds (it spans whole days).
CHUNK_BOOKINGS = 1 << 18


def sample_population(ctx: Context, seed: int, replication: int) -> Population:
    """The Population of one replication, a roster warm start's people included."""
    sc = ctx.scenario
    roster = roster_draws(ctx, seed, replication) if sc.warm_start.kind == "roster" else None
    return Population.sample(sc, seed, replication, context=ctx, roster=roster)


def bookings_frame(ctx: Context, pop: Population, tl: Timeline) -> pd.DataFrame:
    """The censored bookings table of one replication, with detainer attribution.

    With a warm start, bookings before day 0 who left before it never appear.
    """
    exit_without = vector.exit_without_detainers(ctx, pop, tl)
    return table(ctx, Recorded.of(pop, tl, exit_without), tl)


def run_replication(
    ctx: Context,
    seed: int,
    replication: int,
    engine: str,
    *,
    tables: bool = True,
    chunked: bool | None = None,
    stage: Callable[[str], AbstractContextManager] | None = None,
    sink: TableWriter | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame, dict[str, float]]:
    """One replication: its bookings table (None without ``tables``), daily census and metrics.

    With a ``sink``, the bookings table is written to it (as its rows come, in chunks) and
    None returned in its place.

    The vector engine runs in chunks (``chunked``, its default unless ``stage`` asks for the
    stages of a whole run: :func:`stream_replication`, memory bounded without ``tables``);
    ``chunked=False`` runs the whole Population at once, as the SimPy engine always does.
    The tables are the same either way, bit for bit; the metrics to rounding (their sums are
    added in another order).

    ``stage`` (a whole run only): called with each stage's name (``sample``, ``engine``,
    ``records``, ``census_metrics``) for a context manager entered around it (the benchmarks
    time and measure the stages with it).
    """
    if chunked is None:
        chunked = engine == "vector" and stage is None
    if chunked:
        if engine != "vector" or stage is not None:
            raise ValueError("only the vector engine runs in chunks, and without stages")
        return stream_replication(ctx, seed, replication, tables=tables, sink=sink)
    stage = stage or (lambda name: nullcontext())
    sc = ctx.scenario
    with stage("sample"):
        pop = sample_population(ctx, seed, replication)
    with stage("engine"):
        timeline = ENGINES[engine](ctx, pop)
    with stage("records"):
        # The counterfactual: the same draws without any effect of a detainer.
        exit_without = vector.exit_without_detainers(ctx, pop, timeline)
        recorded = Recorded.of(pop, timeline, exit_without)
        del pop, exit_without  # of the draws, the table needs only who the bookings are
        bookings = table(ctx, recorded, timeline, release=True)
        del recorded, timeline
    with stage("census_metrics"):
        census = daily_census(bookings, sc.horizon, sc.jail.rated_capacity, sc.start_date)
        census.insert(0, "replication", np.int32(replication))
        metrics = replication_metrics(ctx, bookings, census)
    if tables and sink is not None:
        sink.write(bookings)
        bookings = None
    return (bookings if tables else None), census, metrics


def chunk_days(ctx: Context) -> int:
    """Whole days per chunk of a streamed replication: about :data:`CHUNK_BOOKINGS` bookings.

    From the scenario's expected bookings a day over the horizon (both sources), so a
    scenario always runs in the same chunks (its metrics' last bits depend on them).
    """
    sc = ctx.scenario
    clock = Clock(sc.start_date)
    per_day = sum(expected_count(s, clock, sc.horizon)
                  for _, s in booking_sources(sc)) / sc.horizon
    return max(1, int(CHUNK_BOOKINGS / per_day)) if per_day > 0 else 1 << 20


def stream_replication(
    ctx: Context, seed: int, replication: int, *, tables: bool = True,
    days: int | None = None, sink: TableWriter | None = None, settle: bool = True,
) -> tuple[pd.DataFrame | None, pd.DataFrame, dict[str, float]]:
    """One replication by the stream engine: its bookings table (if ``tables``), census, metrics.

    The bookings are drawn and run a chunk of ``days`` whole days at a time (default
    :func:`chunk_days`; :mod:`jailsim.engines.stream`), and the census and metrics summed
    as the rows come (:class:`~jailsim.results.running.RunningResults`): without ``tables``
    memory holds a chunk, the people still pending and the census, never the run. The table
    is the very table of :func:`run_replication` with the vector engine, its rows put back
    in booking order as soon as no earlier booking is pending (:class:`InBookingOrder`):
    with a ``sink`` they are written to it as they come (the table returned is None, and
    memory stays bounded), else kept and returned. With ``settle``, the quantiles keep only
    the values near them once the stream is past the warm-up
    (:mod:`jailsim.results.quantiles`); should the values drift past a window, the metrics
    are made again, keeping them all.
    """
    if sink is not None and not tables:
        raise ValueError("a sink for the bookings table, but no table asked for")
    sc = ctx.scenario
    roster = roster_draws(ctx, seed, replication) if sc.warm_start.kind == "roster" else None
    first, end = booking_days(sc, roster)
    step = days or chunk_days(ctx)
    edges = [*range(first, end, step), end]

    def chunk(span: tuple[int, int]) -> tuple[Population, float]:
        a, b = span
        pop = Population.sample(sc, seed, replication, context=ctx, roster=roster,
                                span=(a, b if b < end else np.inf))
        return pop, (float(b) if b < end else np.inf)

    results = RunningResults(ctx, settle=settle)
    kept = _Kept() if tables and sink is None else None
    rows = InBookingOrder(sink.write if sink is not None else kept.add) if tables else None
    nothing = np.empty(0)
    spans = zip(edges[:-1], edges[1:], strict=True)
    with closing(ahead(chunk, spans)) as pops:  # the next chunk drawn meanwhile
        for batch in run_chunks(ctx, pops):
            rec = Recorded.of(batch.pop, batch.timeline, batch.exit_without)
            part = table(ctx, rec, batch.timeline, release=True)
            # Before day 0 the census counts nobody: a booking still pending then may yet leave
            # before day 0 and never be in the table, so no frontier is given until day 0.
            begun = batch.frontier > 0
            results.add(part, batch.frontier if begun else -np.inf,
                        batch.pending_booked if begun else nothing)
            if rows is not None:
                rows.add(part, batch.pending_id)
    if rows is not None:
        rows.finish()
    census = results.census()
    try:
        metrics = results.metrics(census)  # the census made once
    except WindowMissed:  # exact all the same: once more, keeping every value
        del results
        warnings.warn(f"replication {replication}: the values of a quantile drifted out of "
                      "the window it kept; its metrics are made again, keeping them all "
                      "(exact, in twice the time)", QuantileRerun, stacklevel=2)
        _, _, metrics = stream_replication(ctx, seed, replication, tables=False, days=days,
                                           settle=False)
    census.insert(0, "replication", np.int32(replication))
    return (kept.frame() if kept is not None else None), census, metrics


class InBookingOrder:
    """The rows of a stream's batches, handed on in booking order as soon as they are final.

    A row is final once no booking before it is still pending (``booking_id`` below the
    batch's ``pending_id``). ``put`` gets the final rows, sorted, in pieces: across the
    batches, the whole table in booking order. Memory holds the rows still waiting for a
    pending booking before them (those booked near a chunk's end).

    A batch (:func:`~jailsim.engines.stream.run_chunks`) holds first the bookings of earlier
    chunks that were pending (all before the rows waiting here), then its own chunk's in
    booking order: only the first few are sorted in with the rows waiting, and the chunk's
    own final rows are handed on as they are, a slice of the batch (no copy). Batches of any
    other shape are sorted whole.
    """

    def __init__(self, put: Callable[[pd.DataFrame], None]):
        self.put = put
        self.held: pd.DataFrame | None = None

    def add(self, part: pd.DataFrame, pending_id: int) -> None:
        """Take a batch's rows ``part``; hand on those before ``pending_id``."""
        ids = part["booking_id"].to_numpy()
        held = self.held if self.held is not None else part.iloc[:0]
        top = int(held["booking_id"].max()) if len(held) else -1
        later = ids > top  # the chunk's own rows
        first = int(np.argmax(later)) if later.any() else len(ids)
        own = ids[first:]
        if not (later[first:].all() and (np.diff(own) > 0).all()):
            first, own = len(ids), ids[:0]  # another shape: everything sorted
        early = _joined(held, part.iloc[:first])  # the few, sorted
        early_ids = early["booking_id"].to_numpy()
        if (np.diff(early_ids) < 0).any():
            order = np.argsort(early_ids, kind="stable")
            early, early_ids = early.iloc[order], early_ids[order]
        cut = int(np.searchsorted(early_ids, pending_id))
        if cut:
            self.put(early.iloc[:cut])
        k = first + int(np.searchsorted(own, pending_id))  # (none if any early one waits)
        self.put(part.iloc[first:k])
        self.held = _joined(early.iloc[cut:], part.iloc[k:])

    def finish(self) -> None:
        """Check that no row is left waiting once the stream has ended."""
        if self.held is not None and len(self.held):
            raise RuntimeError(f"{len(self.held)} rows still wait after the last batch")


def _joined(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``a`` then ``b`` (joining frames of many columns costs, even empty ones)."""
    if not len(a) or not len(b):
        return b if not len(a) else a
    return pd.concat([a, b], ignore_index=True)


class _Kept:
    """A table kept in memory as it comes, a piece at a time (categoricals by their codes)."""

    def __init__(self):
        self.parts: list[dict[str, np.ndarray]] = []
        self.dtypes: pd.Series | None = None

    def add(self, part: pd.DataFrame) -> None:
        self.dtypes = part.dtypes
        self.parts.append({name: (col.cat.codes if isinstance(col.dtype, pd.CategoricalDtype)
                                  else col).to_numpy() for name, col in part.items()})

    def frame(self) -> pd.DataFrame:
        """The table, built a column at a time, each piece's column dropped once joined.

        Memory holds the table and a column more, never two tables.
        """
        columns = {}
        for name, dtype in self.dtypes.items():
            joined = np.concatenate([p.pop(name) for p in self.parts])
            trim()  # the pieces' column, freed, goes back to the system before the next
            coded = isinstance(dtype, pd.CategoricalDtype)
            columns[name] = pd.Categorical.from_codes(joined, dtype=dtype) if coded else joined
        return pd.DataFrame(columns, copy=False)


@dataclass(frozen=True)
class ReplicationTask:
    """What a worker needs to run one replication (pickled to the worker).

    Attributes
    ----------
    run
        The prepared run (scenario with its seed, engine, fingerprint).
    replication
        The replication index; it alone picks the random streams.
    tables
        Whether the bookings and census tables are kept, or only the metrics.
    checkpoints
        The checkpoint folder the worker writes the replication into (its tables, if kept,
        and its metrics), or None: the worker writes nothing.
    encoded
        With no ``checkpoints``, send the tables back as the bytes of their checkpoint files
        (Parquet, encoded by the worker), not as DataFrames, for the process running the
        experiment to write.
    """

    run: PreparedRun
    replication: int
    tables: bool
    checkpoints: Path | None = None
    encoded: bool = False


@dataclass(frozen=True, eq=False)
class ReplicationOutput:
    """What a replication sends back: its metrics, its tables if asked, the jailsim version.

    The tables come as DataFrames (``bookings``, ``census``), or as the bytes of their Parquet
    files (``encoded``: ``{"bookings": b"...", "census": b"..."}``), or not at all: the worker
    wrote them into the checkpoint folder (``checkpointed``) and sends their SHA-256
    (``sha256``: ``{"bookings": "9f2c...", "census": "..."}``).
    """

    replication: int
    metrics: dict[str, float]
    bookings: pd.DataFrame | None = None
    census: pd.DataFrame | None = None
    version: str = __version__
    encoded: dict[str, bytes] | None = None
    sha256: dict[str, str] | None = None
    checkpointed: bool = False


def run_task(task: ReplicationTask) -> ReplicationOutput:
    """Run one replication in whatever process this is (the function executors ship).

    A bookings table to be written (into a checkpoint folder, or as bytes sent back) is
    written as its rows come (:class:`~jailsim.results.tablefiles.TableWriter`; into the
    folder atomically), never held whole.
    """
    r = task.replication
    run = replication_run(task.run, r)  # its parameter set, if drawn
    ctx, seed = run.context, run.scenario.seed
    if not task.tables or (task.checkpoints is None and not task.encoded):
        bookings, census, metrics = run_replication(ctx, seed, r, run.engine,
                                                    tables=task.tables)
        if not task.tables and task.checkpoints is not None:
            write_checkpoint(task.checkpoints, r, metrics)
            return ReplicationOutput(r, metrics, sha256={}, checkpointed=True)
        if not task.tables:  # metrics only: nothing else sent back
            return ReplicationOutput(r, metrics)
        return ReplicationOutput(r, metrics, bookings, census)
    meta = table_metadata(task.run.scenario)  # the run's, not a drawn parameter set's
    done = {}

    def write(target: Path | io.BytesIO) -> None:
        with TableWriter(target, meta) as sink:
            done["out"] = run_replication(ctx, seed, r, run.engine, sink=sink)

    if task.checkpoints is not None:
        path = atomic_write(table_path(task.checkpoints, r, "bookings"), write)
        _, census, metrics = done["out"]
        sums = write_checkpoint(task.checkpoints, r, metrics, {"census": encode(census, meta)},
                                written={"bookings": sha256(path)})
        return ReplicationOutput(r, metrics, sha256=sums, checkpointed=True)
    buf = io.BytesIO()
    write(buf)
    _, census, metrics = done["out"]
    return ReplicationOutput(r, metrics, encoded={"bookings": buf.getvalue(),
                                                  "census": encode(census, meta)})
