"""Handing freed memory back to the operating system.

numpy arrays of a few MB freed by Python go back to the C allocator, which on Linux (glibc)
keeps them for reuse rather than returning them: a process that frees many such arrays and
then makes larger ones (a table put together from its chunks) holds both. :func:`trim` asks
glibc to return what it holds free (``malloc_trim``); elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["trim"]


@functools.cache
def _malloc_trim():
    """The C library's ``malloc_trim`` (glibc), or None where it has none."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def trim() -> None:
    """Return the memory the C allocator holds free to the operating system (glibc only)."""
    f = _malloc_trim()
    if f is not None:
        f(0)
