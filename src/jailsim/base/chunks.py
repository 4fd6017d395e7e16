"""Working through long arrays a chunk at a time, and the next chunk made while one is used.

Large temporary arrays are fresh memory, and first touching fresh memory costs page faults
(on virtual machines, much of a run's time); temporaries of a few MB are reused by the
allocator instead. Code that makes many temporaries per booking therefore works through the
bookings in chunks of :data:`CHUNK`. Results never depend on the chunk size (tested).
"""

from __future__ import annotations

from collections import deque
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


def ahead(make: Callable[[T], U], items: Iterable[T]) -> Iterator[U]:
    """``make(item)`` for each of ``items`` in order, the next made while this one is used.

    The next result is made in a thread of its own while the caller works on the current
    one: where both spend their time in numpy and compiled kernels (which let go of the
    interpreter's lock), two cores work at once. ``make`` must be a pure function of its
    item (and safe to call from another thread): the results are those of
    ``map(make, items)``, only sooner. Memory holds one result more.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="jailsim-ahead") as pool:
        waiting: deque[Future[U]] = deque()
        for item in items:
            waiting.append(pool.submit(make, item))
            if len(waiting) > 1:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
