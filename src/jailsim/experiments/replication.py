"""One replication: the unit of work every experiment is made of, and what it sends back.

A replication is fully named by its scenario (with the seed fixed), its engine and its index:
its random streams come from ``(seed, replication, source, purpose)`` alone (see
:mod:`jailsim.model.streams`), so it gives the same tables in any process, on any worker, in any
order. :func:`run_task` is the picklable function executors ship to workers; it returns only
the replication's tables (bookings, census) and metrics.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim._version import __version__
from jailsim.engines import ENGINES
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.results.census import daily_census
from jailsim.results.metrics import replication_metrics
from jailsim.results.records import Recorded, table
from jailsim.scenario.loading import ScenarioError, check_memory, load
from jailsim.scenario.schema import Scenario
from jailsim.scenario.units import format_duration

__all__ = [
    "ReplicationOutput",
    "ReplicationTask",
    "fingerprint",
    "prepare",
    "run_replication",
    "run_task",
]


def prepare(
    scenario: Scenario | str | Path,
    *,
    seed: int | None = None,
    replications: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
    memory_check: bool = True,
) -> Scenario:
    """The scenario exactly as it will run: overrides applied, seed fixed, size checked.

    ``seed=None`` takes the scenario's ``seed``, or else fresh entropy; either way the seed
    used is stored in the returned scenario (and so in ``scenario.resolved.yaml``).
    ``memory_check=False`` skips the check that the bookings tables fit in memory (for
    experiments that keep only metrics).
    """
    sc = load(scenario) if isinstance(scenario, (str, Path)) else scenario
    changes: dict[str, object] = {}
    if days is not None:
        changes["horizon"] = format_duration(float(days))
    if warmup_days is not None:
        changes["warmup"] = format_duration(float(warmup_days))
    if replications is not None:
        changes["replications"] = int(replications)
    if seed is None:
        seed = sc.seed if sc.seed is not None else int(np.random.SeedSequence().entropy % 2**63)
    changes["seed"] = int(seed)
    if changes:
        try:
            sc = sc.with_(changes)
        except ScenarioError as exc:
            raise ScenarioError(
                [line.replace("<with_>", "options") for line in exc.lines]
            ) from None
    if memory_check:
        check_memory(sc, sc.replications)
    return sc


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
        pop = Population.sample(sc, seed, replication, context=ctx)
    with stage("engine"):
        timeline = ENGINES[engine](ctx, pop)
    with stage("records"):
        recorded = Recorded.of(ctx, pop, timeline)
        del pop  # of the draws, the table needs only who the recorded bookings are
        bookings = table(ctx, recorded, timeline, release=True)
        del recorded, timeline
    with stage("census_metrics"):
        census = daily_census(bookings, sc.horizon, sc.jail.rated_capacity, sc.start_date)
        census.insert(0, "replication", np.int32(replication))
        metrics = replication_metrics(ctx, bookings, census)
    return bookings, census, metrics


def fingerprint(scenario: Scenario, engine: str) -> str:
    """SHA-256 of what decides a replication's tables: the resolved scenario, seed, engine.

    The number of replications is left out (replication ``r`` does not depend on it, so a run
    can be extended), and so is the ``jailsim_version`` a resolved file was written by; the
    version running now is in.
    """
    data = scenario.to_dict()
    data.pop("replications", None)
    data.pop("jailsim_version", None)
    text = json.dumps(
        {"scenario": data, "engine": engine, "jailsim": __version__},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ReplicationTask:
    """What a worker needs to run one replication (pickled to the worker).

    Attributes
    ----------
    scenario
        The prepared scenario (seed fixed).
    engine
        ``"des"`` or ``"vector"`` (already resolved).
    replication
        The replication index; it alone picks the random streams.
    tables
        Whether to send back the bookings and census tables, or only the metrics.
    key
        The scenario's :func:`fingerprint`, which names its calendars in the worker's cache.
    """

    scenario: Scenario
    engine: str
    replication: int
    tables: bool
    key: str


@dataclass(frozen=True, eq=False)
class ReplicationOutput:
    """What a replication sends back: its metrics, its tables if asked, the jailsim version."""

    replication: int
    metrics: dict[str, float]
    bookings: pd.DataFrame | None = None
    census: pd.DataFrame | None = None
    version: str = __version__


#: Calendars built in this process, by scenario fingerprint (a few scenarios at a time).
_CONTEXTS: dict[str, Context] = {}
_CONTEXTS_KEPT = 8


def _context(task: ReplicationTask) -> Context:
    ctx = _CONTEXTS.get(task.key)
    if ctx is None:
        ctx = Context.build(task.scenario)
        if len(_CONTEXTS) >= _CONTEXTS_KEPT:
            _CONTEXTS.pop(next(iter(_CONTEXTS)))
        _CONTEXTS[task.key] = ctx
    return ctx


def run_task(task: ReplicationTask) -> ReplicationOutput:
    """Run one replication in whatever process this is (the function executors ship)."""
    sc = task.scenario
    bookings, census, metrics = run_replication(_context(task), sc.seed, task.replication,
                                                task.engine)
    if not task.tables:
        return ReplicationOutput(task.replication, metrics)
    return ReplicationOutput(task.replication, metrics, bookings, census)
