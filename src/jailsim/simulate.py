"""Running a scenario: replications of Population -> engine -> records -> metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.census import daily_census
from jailsim.context import Context
from jailsim.engines import ENGINES, resolve_engine
from jailsim.metrics import replication_metrics
from jailsim.population import Population
from jailsim.records import bookings_frame
from jailsim.result import Result
from jailsim.scenario.loading import ScenarioError, check_memory, load
from jailsim.scenario.schema import Scenario
from jailsim.scenario.units import format_duration


def prepare(
    scenario: Scenario | str | Path,
    *,
    seed: int | None = None,
    replications: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
) -> Scenario:
    """The scenario exactly as it will run: overrides applied, seed fixed, size checked.

    ``seed=None`` takes the scenario's ``seed``, or else fresh entropy; either way the seed
    used is stored in the returned scenario (and so in ``scenario.resolved.yaml``).
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
            raise ScenarioError([line.replace("<with_>", "options") for line in exc.lines])
    check_memory(sc, sc.replications)
    return sc


def run_replication(
    ctx: Context, seed: int, replication: int, engine: str
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """One replication: its bookings table, daily census and metrics."""
    pop = Population.sample(ctx.scenario, seed, replication)
    timeline = ENGINES[engine](ctx, pop)
    bookings = bookings_frame(ctx, pop, timeline)
    sc = ctx.scenario
    census = daily_census(bookings, sc.horizon, sc.jail.rated_capacity, sc.start_date)
    census.insert(0, "replication", np.int32(replication))
    return bookings, census, replication_metrics(ctx, bookings, census)


def simulate(
    scenario: Scenario | str | Path,
    *,
    seed: int | None = None,
    replications: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
    engine: str = "des",
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Simulate ``replications`` independent replications of a scenario.

    Parameters
    ----------
    scenario
        A Scenario, or the path of a scenario YAML file.
    seed
        Master seed; replication ``r`` uses streams spawned from it by ``r`` alone, so any
        subset of replications can be rerun exactly.
    replications, days, warmup_days
        Override the scenario's ``replications``, ``horizon`` and ``warmup``.
    engine
        ``"des"`` (SimPy), ``"vector"`` (numpy) or ``"auto"``.
    progress
        Called as ``progress(done, total)`` after each replication.

    Returns
    -------
    Result
        Bookings, census and per-replication metrics, with ``summary()``.

    Examples
    --------
    >>> import jailsim
    >>> res = jailsim.simulate("scenarios/jem.yaml", seed=1, days=120, warmup_days=30)
    >>> res.summary().loc["bookings_per_day", "n"]
    1
    """
    sc = prepare(
        scenario, seed=seed, replications=replications, days=days, warmup_days=warmup_days
    )
    ctx = Context.build(sc)
    engine = resolve_engine(engine, ctx)
    bookings, census, metrics = [], [], []
    for r in range(sc.replications):
        b, c, m = run_replication(ctx, sc.seed, r, engine)
        bookings.append(b)
        census.append(c)
        metrics.append({"replication": r, **m})
        if progress is not None:
            progress(r + 1, sc.replications)
    return Result(
        scenario=sc,
        engine=engine,
        bookings=pd.concat(bookings, ignore_index=True),
        census=pd.concat(census, ignore_index=True),
        metrics=pd.DataFrame(metrics),
    )
