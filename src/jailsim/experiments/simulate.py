"""Running a scenario: replications of Population -> engine -> records -> metrics.

:func:`simulate` is the notebook entry point; the work is done by :mod:`jailsim.experiments.experiment`
(executors, checkpoints, the precision rule) on replications of :mod:`jailsim.experiments.replication`,
whose :func:`prepare` and :func:`run_replication` are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from jailsim.experiments.executors import Executor
from jailsim.experiments.experiment import run
from jailsim.experiments.replication import prepare, run_replication
from jailsim.results.result import Result
from jailsim.scenario.schema import Scenario

__all__ = ["prepare", "run_replication", "simulate"]


def simulate(
    scenario: Scenario | str | Path,
    *,
    seed: int | None = None,
    replications: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
    engine: str = "des",
    progress: Callable[[int, int], None] | None = None,
    out: str | Path | None = None,
    precision: float | None = None,
    max_replications: int | None = None,
    precision_metrics: Sequence[str] | None = None,
    workers: int | None = None,
    dask: bool = False,
    scheduler: str | None = None,
    executor: Executor | None = None,
) -> Result:
    """Simulate ``replications`` independent replications of a scenario.

    Parameters
    ----------
    scenario
        A Scenario, or the path of a scenario YAML file.
    seed
        Master seed; replication ``r`` uses streams spawned from it by ``r`` alone, so any
        subset of replications can be rerun exactly, anywhere.
    replications, days, warmup_days
        Override the scenario's ``replications``, ``horizon`` and ``warmup``.
    engine
        ``"des"`` (SimPy), ``"vector"`` (numpy) or ``"auto"``.
    progress
        Called as ``progress(done, total)`` after each replication (and once at the start).
    out
        Output folder: each finished replication is checkpointed in ``out/checkpoints`` and
        a rerun resumes from there; at the end the folder of DESIGN.md is written (as by
        ``Result.save``) and the checkpoints removed.
    precision
        Add replications until every metric of ``precision_metrics`` (default
        :data:`jailsim.experiments.experiment.HEADLINE`) has a 95% half-width at most ``precision`` times
        its mean, starting from ``replications`` (at least 3), up to ``max_replications``
        (default 100). Metrics whose mean is zero are not watched.
    workers, dask, scheduler, executor
        Where replications run: ``workers`` > 1 local processes; ``dask=True`` a Dask
        LocalCluster of ``workers``; ``scheduler="tcp://HOST:PORT"`` a running Dask cluster;
        or an :class:`~jailsim.experiments.executors.Executor` you manage. Results are the same bytes
        whichever runs them.

    Returns
    -------
    Result
        Bookings, census and per-replication metrics, with ``summary()``.

    Examples
    --------
    >>> import jailsim
    >>> res = jailsim.simulate("scenarios/jem.yaml", seed=1, days=120, warmup_days=30)
    >>> int(res.summary().loc["bookings_per_day", "n"])
    1
    """
    return run(
        scenario,
        seed=seed,
        replications=replications,
        days=days,
        warmup_days=warmup_days,
        engine=engine,
        progress=progress,
        out=out,
        precision=precision,
        max_replications=max_replications,
        precision_metrics=precision_metrics,
        workers=workers,
        dask=dask,
        scheduler=scheduler,
        executor=executor,
    ).result
