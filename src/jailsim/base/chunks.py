"""Working through long arrays a chunk at a time, and the next chunk made while one is used.

Large temporary arrays are fresh memory, and first touching fresh memory costs page faults
(on virtual machines, much of a run's time); temporaries of a few MB are reused by the
allocator instead. Code that makes many temporaries per booking therefore works through the
bookings in chunks of :data:`CHUNK`. Results never depend on the chunk size (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")

#: Bookings per chunk: 2**18, so a float64 temporary is 2 MB.
CHUNK = 1 << 18


def spans(n: int) -> Iterator[tuple[int, int]]:
    """``(a, b)`` bounds of consecutive chunks covering ``range(n)`` (one empty one if n = 0)."""
    for a in range(0, max(n, 1), CHUNK):
        yield a, min(n, a + CHUNK)


class InTurn:
    """Jobs run one at a time, in order, in a thread of its own while the caller goes on.

    :meth:`submit` waits for the job before it, so at most one runs: where the jobs spend
    their time in numpy, compiled kernels or Arrow (which let go of the interpreter's lock),
    two cores work at once. The thread is made with the first job. :meth:`close` waits for
    the job running, if any, and ends the thread.
    """

    def __init__(self, name: str):
        self.name = name
        self._pool: ThreadPoolExecutor | None = None
        self._job: Future | None = None

    def submit(self, fn: Callable[..., object], *args, **kwargs) -> None:
        """Run ``fn(*args, **kwargs)`` once the job before it is done."""
        self.wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix=self.name)
        self._job = self._pool.submit(fn, *args, **kwargs)

    def wait(self):
        """The result of the job submitted last (its error raised here), or None."""
        job, self._job = self._job, None
        return None if job is None else job.result()

    def close(self) -> None:
        """Wait for the job running, if any, and end the thread."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def ahead(make: Callable[[T], U], items: Iterable[T]) -> Iterator[U]:
    """``make(item)`` for each of ``items`` in order, the next made while this one is used.

    The next result is made :class:`InTurn` while the caller works on the current one.
    ``make`` must be a pure function of its item (and safe to call from another thread): the
    results are those of ``map(make, items)``, only sooner. Memory holds one result more.
    """
    turn, started = InTurn("jailsim-ahead"), False
    try:
        for item in items:
            done = turn.wait() if started else None
            turn.submit(make, item)
            if started:
                yield done
            started = True
        if started:
            yield turn.wait()
    finally:
        turn.close()
