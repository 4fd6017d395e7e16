"""The memory guard of an experiment, with the workers and tables its options ask for.

:func:`check_run_memory` is :func:`jailsim.scenario.memory.check_memory` for a run's options.
A run with an output folder keeps its tables in the checkpoints (``"disk"``), one without
keeps them in memory, and ``metrics_only`` keeps none; replications run in this process, in
``workers`` local processes, or on a Dask cluster (local: its workers are counted; reached by
address: they are elsewhere). The refusal names options as the user gave them
(:func:`~jailsim.experiments.options.option_text`: ``--workers 1`` on the command line).
"""

from __future__ import annotations

import os

from jailsim.experiments.executors import DaskExecutor, ProcessExecutor
from jailsim.experiments.options import RunOptions, option_text
from jailsim.scenario.memory import check_memory
from jailsim.scenario.schema import Scenario

__all__ = ["check_run_memory", "kept", "where"]


def where(options: RunOptions) -> tuple[int, bool]:
    """``(workers, remote)`` of :func:`~jailsim.scenario.memory.estimate_memory`.

    Worker processes on this machine (0: this process computes the replications itself),
    and whether they are computed elsewhere (a Dask cluster reached by address).
    """
    ex = options.executor
    if ex is None:
        if options.scheduler is not None:
            return 0, True
        if options.dask:
            return int(options.workers or os.cpu_count() or 1), False
        return (int(options.workers) if options.workers and options.workers > 1 else 0), False
    if isinstance(ex, ProcessExecutor):
        return ex.workers, False
    if isinstance(ex, DaskExecutor):
        return (ex.workers, False) if ex.workers is not None else (0, True)
    return 0, False  # this process (SerialExecutor, or an executor of the caller's own)


def kept(options: RunOptions, tables: bool = True) -> str:
    """How a run keeps its tables: ``"none"`` (metrics only), ``"disk"`` or ``"memory"``."""
    if options.metrics_only or not tables:
        return "none"
    return "disk" if options.folder is not None else "memory"


def check_run_memory(scenario: Scenario, replications: int, options: RunOptions, engine: str,
                     *, arms: int = 1, tables: bool = True, source: str = "run") -> None:
    """Refuse in one line a run of ``arms`` scenarios like ``scenario`` that would not fit.

    ``tables=False``: the experiment keeps only metrics whatever the options (sweeps).
    ``source`` begins the line (the scenario file, or what runs).
    """
    workers, remote = where(options)
    check_memory(scenario, replications, engine=engine, workers=workers, remote=remote,
                 kept=kept(options, tables), arms=arms, named=option_text, source=source)
