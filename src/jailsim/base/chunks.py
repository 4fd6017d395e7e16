"""Working through long arrays a chunk at a time.

Large temporary arrays are fresh memory, and first touching fresh memory costs page faults
(on virtual machines, much of a run's time); temporaries of a few MB are reused by the
allocator instead. Code that makes many temporaries per booking therefore works through the
bookings in chunks of :data:`CHUNK`. Results never depend on the chunk size (tested).
"""

from __future__ import annotations

from collections.abc import Iterator

#: Bookings per chunk: 2**18, so a float64 temporary is 2 MB.
CHUNK = 1 << 18


def spans(n: int) -> Iterator[tuple[int, int]]:
    """``(a, b)`` bounds of consecutive chunks covering ``range(n)`` (one empty one if n = 0)."""
    for a in range(0, max(n, 1), CHUNK):
        yield a, min(n, a + CHUNK)
