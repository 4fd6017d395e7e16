"""One replication: the unit of work every experiment is made of, composed here.

A replication is fully named by its prepared run (scenario with the seed fixed, engine) and its
index: its random streams come from ``(seed, replication, source, purpose)`` alone (see
:mod:`jailsim.model.streams`), so it gives the same tables in any process, on any worker, in
any order. This is the one place that composes the layers below: it draws the population
(with a roster warm start's people, whose sampling runs an engine), runs the engine, computes
the counterfactual without detainers, and hands everything to the records, the census and the
metrics; nothing below it calls an engine. :func:`run_task` is the picklable function
executors ship to workers; it returns only the replication's tables and metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jailsim._version import __version__
from jailsim.engines import ENGINES, vector
from jailsim.engines.roster import roster_draws
from jailsim.experiments.draws import replication_run
from jailsim.experiments.prepared import PreparedRun
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.model.timeline import Timeline
from jailsim.results.census import daily_census
from jailsim.results.metrics import replication_metrics
from jailsim.results.records import Recorded, table
from jailsim.results.tablefiles import encode

__all__ = [
    "ReplicationOutput",
    "ReplicationTask",
    "bookings_frame",
    "run_replication",
    "run_task",
    "sample_population",
]


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
    stage: Callable[[str], AbstractContextManager] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """One replication: its bookings table, daily census and metrics.

    ``stage``: called with each stage's name (``sample``, ``engine``, ``records``,
    ``census_metrics``) for a context manager entered around it (the benchmarks time and
    measure the stages with it).
    """
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
    return bookings, census, metrics


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
        Whether to send back the bookings and census tables, or only the metrics.
    encoded
        Send the tables as the bytes of their checkpoint files (Parquet, encoded by the
        worker), not as DataFrames: the process that files them then only writes bytes, and
        never holds a replication's table decoded.
    """

    run: PreparedRun
    replication: int
    tables: bool
    encoded: bool = False


@dataclass(frozen=True, eq=False)
class ReplicationOutput:
    """What a replication sends back: its metrics, its tables if asked, the jailsim version.

    The tables come as DataFrames (``bookings``, ``census``) or, for a checkpoint, as the
    bytes of their Parquet files (``encoded``: ``{"bookings": b"...", "census": b"..."}``).
    """

    replication: int
    metrics: dict[str, float]
    bookings: pd.DataFrame | None = None
    census: pd.DataFrame | None = None
    version: str = __version__
    encoded: dict[str, bytes] | None = None


def run_task(task: ReplicationTask) -> ReplicationOutput:
    """Run one replication in whatever process this is (the function executors ship)."""
    run = replication_run(task.run, task.replication)  # its parameter set, if drawn
    bookings, census, metrics = run_replication(run.context, run.scenario.seed,
                                                task.replication, run.engine)
    if not task.tables:
        return ReplicationOutput(task.replication, metrics)
    if task.encoded:
        files = {"bookings": encode(bookings)}
        del bookings  # the table decoded and encoded at once only while encoding it
        files["census"] = encode(census)
        return ReplicationOutput(task.replication, metrics, encoded=files)
    return ReplicationOutput(task.replication, metrics, bookings, census)
