"""Running one scenario: its replications, checkpointed, to a fixed number or a precision.

:func:`simulate` is the notebook entry point and gives a
:class:`~jailsim.results.result.Result`; :func:`run` does the work (the scenario prepared once,
its replications on an executor, checkpoints, the precision rule) and also says where the
replications came from. Their options are those of
:class:`~jailsim.experiments.options.RunOptions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import begin_output
from jailsim.experiments.arms import Arm, Tally, replicate
from jailsim.experiments.checkpoints import Checkpoints, resumed_seed
from jailsim.experiments.footprint import check_run_memory
from jailsim.experiments.options import RunOptions, option_text, options_from
from jailsim.experiments.precision import (
    DEFAULT_MAX_REPLICATIONS,
    FIRST_BATCH,
    Precision,
    check_precision_options,
    next_replications,
    worst_half_width,
)
from jailsim.experiments.prepared import PreparedRun, prepare
from jailsim.experiments.uncertainty import fixed_arm, save_uncertainty, uncertainty_table
from jailsim.results.metrics import HEADLINE, check_metrics
from jailsim.results.result import Result
from jailsim.results.rundir import reopen
from jailsim.scenario.loading import load
from jailsim.scenario.schema import Scenario

__all__ = ["Run", "run", "simulate"]


@dataclass(frozen=True, eq=False)
class Run:
    """What :func:`run` returns: the Result, where it came from, and the precision reached."""

    result: Result
    tally: Tally
    precision: Precision | None = None
    executor: str = "serial"
    uncertainty: pd.DataFrame | None = None  # parameters drawn: each band's two parts


def run(
    scenario: Scenario | str | Path,
    options: RunOptions | None = None,
    *,
    precision: float | None = None,
    max_replications: int | None = None,
    precision_metrics: Sequence[str] | None = None,
    held: bool = True,
    **fields: Any,
) -> Run:
    """Replicate one scenario; see :func:`simulate` for the parameters.

    ``fields`` (names of :class:`~jailsim.experiments.options.RunOptions`) change ``options``.
    With ``parameter_uncertainty``, the same replications also run with the parameters held
    (metrics only) and ``Run.uncertainty`` splits each band in two, unless ``held`` is False
    (a caller that runs them itself, with their tables: the back-test).
    With an output folder, finished replications are checkpointed in ``out/checkpoints`` (and
    resumed from there), the output folder is written, and the checkpoints are then removed.
    """
    options = options_from(options, fields, "run")
    if precision is not None and not 0 < precision < 1:
        raise ScenarioError([f"{option_text('precision', precision)}: expected a share "
                             "between 0 and 1"])
    check_precision_options(precision, max_replications, precision_metrics)
    watched = tuple(check_metrics(precision_metrics or HEADLINE,
                                  option_text("precision_metrics")))
    folder = options.folder
    base = load(str(scenario)) if isinstance(scenario, (str, Path)) else scenario
    if folder is not None:  # a rerun resumes with its checkpoints' seed
        options = replace(options, seed=resumed_seed(base, options.seed,
                                                     [folder / "checkpoints"]))
    prepared = PreparedRun.build(prepare(base, options, memory_check=False), options.engine)
    sc = prepared.scenario
    n = sc.replications
    cap = None
    if precision is not None:
        n = max(n, FIRST_BATCH)
        check_precision_options(precision, max_replications, precision_metrics, first=n,
                                replications=options.replications)
        cap = max_replications or max(DEFAULT_MAX_REPLICATIONS, n)
    where = str(scenario) if isinstance(scenario, (str, Path)) else f"scenario {sc.name!r}"
    check_run_memory(sc, n, options, prepared.engine, source=where)  # before folder or workers
    if folder is not None:  # claimed before any checkpoint
        begin_output(folder, "run", overwrite=options.overwrite)
    ckpt = (Checkpoints(folder / "checkpoints", prepared, where=str(folder))
            if folder is not None else None)
    arm = Arm(sc.name, prepared, tables=not options.metrics_only, checkpoints=ckpt)
    arms = [arm]
    if sc.uncertainty is not None and held:  # the same replications, parameters held: noise
        arms.append(fixed_arm(prepared, sc.name, ckpt and ckpt.folder, str(folder)))
    tally = Tally()
    reached = None
    with options.running() as ex:
        while True:
            replicate(arms, n, ex, progress=options.progress, tally=tally)
            if precision is None:
                break
            worst, which, ignored = worst_half_width(arm.metrics(n), watched)
            if worst <= precision or n >= cap:
                reached = Precision(precision, worst, which, n, worst <= precision, ignored)
                break
            n = next_replications(n, worst, precision, cap)
            check_run_memory(sc, n, options, prepared.engine, source=where)  # tables in memory
    result = arm.result(n)
    parts = uncertainty_table(arm.metrics(n), arms[1].metrics(n)) if len(arms) > 1 else None
    if folder is not None:  # tables go from the checkpoints to the folder a row group at a time
        result.save(folder, overwrite=options.overwrite)
        if parts is not None:
            save_uncertainty(folder, parts)
        result = reopen(result, folder)  # its tables read from the folder, when asked
        for each in reversed(arms):  # the fixed arm's folder is inside the drawn arm's
            each.checkpoints.clear()
    return Run(result, tally, reached, ex.name, parts)


def simulate(
    scenario: Scenario | str | Path,
    *,
    precision: float | None = None,
    max_replications: int | None = None,
    precision_metrics: Sequence[str] | None = None,
    options: RunOptions | None = None,
    **fields: Any,
) -> Result:
    """Simulate the replications of a scenario.

    Parameters
    ----------
    scenario
        A Scenario, or the path of a scenario YAML file.
    precision
        Add replications until every metric of ``precision_metrics`` (default
        :data:`jailsim.results.metrics.HEADLINE`) has a 95% half-width at most ``precision``
        times its mean, starting from ``replications`` (at least 3), up to
        ``max_replications`` (default 100, or ``replications`` if more; a smaller cap than
        ``replications`` is an error, and so is ``max_replications`` or ``precision_metrics``
        without ``precision``). Metrics whose mean is zero are not watched.
    options, **fields
        The options of every run (:class:`~jailsim.experiments.options.RunOptions`), whole
        or by name (``fields`` change ``options``):
        ``seed``, ``replications``, ``days``, ``warmup_days``, ``engine`` (``"des"``,
        ``"vector"`` or ``"auto"``, the default), ``out`` (an output folder: each finished
        replication is checkpointed in ``out/checkpoints`` and a rerun resumes from there;
        at the end the folder of DESIGN.md is written, as by ``Result.save``), ``progress``
        (``progress(done, total)``), and ``workers``, ``dask``, ``scheduler`` or
        ``executor`` (where replications run; results are the same bytes whichever runs
        them), ``metrics_only`` (keep no bookings or census table: the memory of one
        replication per worker), ``parameter_uncertainty`` (draw a parameter set per
        replication from the scenario's ``uncertainty:`` block, and run the same
        replications with the parameters held, metrics only, to split each band into its
        parameter and noise parts; :func:`run` gives the table, and ``out`` gets
        ``uncertainty.csv``: :mod:`jailsim.experiments.uncertainty`).

    Returns
    -------
    Result
        Bookings, census and per-replication metrics, with ``summary()``. With ``out``, the
        tables are read from the folder when first asked for (a run never holds every
        replication's table at once); with ``metrics_only``, asking for one is a one-line
        error.

    Examples
    --------
    >>> import jailsim
    >>> res = jailsim.simulate("scenarios/jem.yaml", seed=1, days=120, warmup_days=30)
    >>> int(res.summary().loc["bookings_per_day", "n"]), res.engine
    (1, 'vector')
    """
    options = options_from(options, fields, "simulate")
    return run(scenario, options, precision=precision, max_replications=max_replications,
               precision_metrics=precision_metrics).result
