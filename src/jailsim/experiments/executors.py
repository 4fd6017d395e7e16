"""Executors: where replications run — in this process, in local worker processes, or on Dask.

An executor maps a picklable function over a list of tasks and yields ``(index, result)`` pairs
as the tasks finish, in whatever order that is. Nothing a task computes depends on the worker
that runs it (its seeds come from its replication index), and the caller files results by index,
so the output of an experiment is the same bytes whichever executor ran it.

An executor also says whether its workers see this process's files
(:attr:`Executor.shares_files`): those that do write each replication's checkpoint themselves,
so this process only records metrics; those that may not send the tables back for this
process to write.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from jailsim.base.errors import ScenarioError

__all__ = [
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "make_executor",
]


class Executor:
    """Runs tasks; subclasses decide where. Use as a context manager, or call ``close()``."""

    #: Short description for messages (``"serial"``, ``"2 processes"``, ``"dask tcp://..."``).
    name = "executor"
    #: Whether every worker sees this process's file system (the same files at the same
    #: paths), so that a task may write into the run's folder. False unless known: a worker
    #: that may be elsewhere sends its results back instead.
    shares_files = False

    def imap_unordered(
        self, fn: Callable[[Any], Any], tasks: Sequence[Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(i, fn(tasks[i]))`` for every task, in the order the tasks finish."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers; pending tasks are cancelled."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SerialExecutor(Executor):
    """Every task in this process, one after another, in order."""

    name = "serial"
    shares_files = True

    def imap_unordered(self, fn, tasks):
        """Yield ``(i, fn(tasks[i]))`` in index order."""
        for i, task in enumerate(tasks):
            yield i, fn(task)


def _start_method() -> str:
    """``forkserver`` where the platform has it (a clean, fast start), else ``spawn``.

    Never ``fork``: forking a process that holds threads (tqdm's monitor, a Dask client, BLAS
    pools) can deadlock. The choice is local to our pool; the global start method is untouched.
    """
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


#: Seconds between a worker's checks that the pool's owner is still there.
PARENT_CHECK_SECONDS = 0.5


def _end_with_owner(owner: int) -> None:
    """In a worker: end this process as soon as the pool's owner ``owner`` (a pid) is gone.

    However the owner died (``kill -9`` included), a daemon thread sees it and ends the worker,
    so that no worker computes (and holds its memory) for nobody; the fork server and the
    resource tracker end once no worker holds their pipes. POSIX only: on Windows, probing a
    process with signal 0 would send it Ctrl-C.
    """
    if os.name != "posix":
        return

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # a pid taken by another user's process: the owner is gone
                os._exit(1)

    threading.Thread(target=watch, name="jailsim-owner-watch", daemon=True).start()


class ProcessExecutor(Executor):
    """Tasks in ``workers`` local processes (:class:`concurrent.futures.ProcessPoolExecutor`).

    The pool starts on first use and is kept until ``close()``, so batches of an experiment
    (the precision rule, several scenarios) reuse the same workers. Workers end when the
    process that started them does (:func:`_end_with_owner`). They are on this machine, so
    they share its file system.
    """

    shares_files = True

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError("workers must be 1 or more")
        self.workers = int(workers)
        self.name = f"{self.workers} processes"
        self._pool: ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context(_start_method())
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                             initializer=_end_with_owner,
                                             initargs=(os.getpid(),))
        return self._pool

    def imap_unordered(self, fn, tasks):
        """Yield results as tasks complete, with at most :attr:`window` tasks submitted.

        A finished task's result is let go once yielded, and no more than ``window`` tasks
        are queued or running or waiting to be taken, so this process never holds the results
        of many tasks at once however many there are (each may be a replication's tables).
        """
        pool = self._ensure_pool()
        queued = iter(enumerate(tasks))
        pending: dict = {}

        def fill() -> None:
            for i, task in itertools.islice(queued, max(self.window - len(pending), 0)):
                pending[pool.submit(fn, task)] = i

        try:
            fill()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=pending.__getitem__):
                    i = pending.pop(fut)
                    fill()  # keep the workers busy while this result is used
                    yield i, fut.result()
                del done, fut
        finally:
            for fut in pending:
                fut.cancel()

    @property
    def window(self) -> int:
        """Tasks submitted at a time: two per worker, so none waits for work."""
        return 2 * self.workers

    def close(self) -> None:
        """Shut the pool down, cancelling tasks not yet started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ScenarioError(
            ["--dask/--scheduler need dask.distributed: pip install 'jailsim[parallel]'"]
        ) from None
    return distributed


class DaskExecutor(Executor):
    """Tasks on a Dask cluster: a running one (``address``) or a LocalCluster started here.

    With an address (``tcp://HOST:8786``) the workers are the cluster's — a LocalCluster on
    another machine, dask-jobqueue's SLURMCluster, a Kubernetes cluster; each worker needs the
    same jailsim version installed (results carry it and are checked). Without one, a
    LocalCluster of ``workers`` single-threaded processes is started and stopped with this
    executor.

    A LocalCluster's workers are on this machine, and write their checkpoints themselves
    (:attr:`shares_files`). A cluster reached by address may have workers on other machines,
    which do not see this process's folders (or see other files at the same paths), and
    nothing tells this process which: there, a path is not shipped; results, tables included,
    come back to this process, which alone writes files, so those workers need no shared file
    system.
    """

    def __init__(self, address: str | None = None, workers: int | None = None):
        distributed = _import_distributed()
        self._cluster = None
        #: Worker processes on this machine (a LocalCluster's); None: the cluster's, elsewhere.
        self.workers: int | None = None
        if address is not None:
            try:
                self.client = distributed.Client(address, timeout="10s")
            except (OSError, ValueError) as exc:
                raise ScenarioError([f"--scheduler {address}: cannot connect ({exc})"]) from None
            self.name = f"dask {address}"
            self.shares_files = False
        else:
            n = self.workers = int(workers or os.cpu_count() or 1)
            self._cluster = distributed.LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never clashes with a running one
                silence_logs=logging.ERROR,
            )
            self.client = distributed.Client(self._cluster)
            self.name = f"dask LocalCluster ({n} workers)"
            self.shares_files = True

    def imap_unordered(self, fn, tasks):
        """Submit one Dask task per item (``pure=False``: never merged), yield as they finish."""
        distributed = _import_distributed()
        futures = self.client.map(fn, list(tasks), pure=False)
        index = {fut.key: i for i, fut in enumerate(futures)}
        live = {fut.key: fut for fut in futures}  # let go once yielded: the cluster frees it
        finished = distributed.as_completed(futures, with_results=True)
        del futures
        try:
            for fut, result in finished:
                live.pop(fut.key, None)
                i = index[fut.key]
                del fut
                yield i, result
                del result
        finally:
            self.client.cancel([f for f in live.values() if not f.done()])

    def close(self) -> None:
        """Close the client, and the LocalCluster if this executor started it."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(
    workers: int | None = None, *, dask: bool = False, scheduler: str | None = None
) -> Executor:
    """The executor the command-line options ask for.

    ``scheduler`` connects to a running Dask cluster; ``dask`` starts a LocalCluster of
    ``workers`` (default: one per core); otherwise ``workers`` > 1 local processes, or this
    process alone.
    """
    if scheduler is not None:
        if workers is not None:
            raise ScenarioError(
                ["--workers does not apply with --scheduler (the cluster has its own workers)"]
            )
        return DaskExecutor(address=scheduler)
    if dask:
        return DaskExecutor(workers=workers)
    if workers is not None and workers > 1:
        return ProcessExecutor(workers)
    return SerialExecutor()
