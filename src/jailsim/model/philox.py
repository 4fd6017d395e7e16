"""Philox4x32-10: the counter-based generator behind every draw, a pure function of its address.

A counter-based generator turns a 128-bit *counter* and a 64-bit *key* into four 32-bit words
by ten rounds of multiplication and exclusive-or (Salmon, Moraes, Dror and Shaw, "Parallel
random numbers: as easy as 1, 2, 3", SC 2011; it passes TestU01's BigCrush). Nothing is
carried from one draw to the next, so a draw is a pure function of where it is asked for:
jailsim puts the booking, the purpose and the replication in the counter
(:mod:`jailsim.model.streams` lays the words out) and the seed in the key. Chunks, workers,
the order of the code and which bookings are drawn at all cannot change a number.

A word ``x`` becomes the uniform ``(x + 1/2) / 2**32``, strictly inside (0, 1): a resolution
of 2.3e-10, far below any probability or quantile the model uses, and never 0 or 1, so no
inverse distribution function meets an endpoint. ``tests/model/test_philox.py`` checks the
kernel against the known-answer vectors published with the reference implementation
(Random123) and against a plain-Python transcription of the algorithm. The 4x32 variant is
used rather than numpy's 4x64 because its products fit in 64 bits: a block costs about 7 ns
here against 15 to 24 ns, and a run makes hundreds of millions of blocks.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["WORD", "block", "blocks", "to_uniform", "uniforms"]

#: Bits of a counter or key word.
WORD = 32
_u32, _u64 = numba.uint32, numba.uint64
_M0, _M1 = _u64(0xD2511F53), _u64(0xCD9E8D57)  # the multipliers of Philox4x32
_W0, _W1 = _u32(0x9E3779B9), _u32(0xBB67AE85)  # and its key increments (Weyl sequence)
_S32 = _u64(32)
_SCALE = 2.0**-32


@numba.njit(inline="always")
def block(k0, k1, c0, c1, c2, c3):
    """Philox4x32-10 of counter ``(c0, c1, c2, c3)`` under key ``(k0, k1)`` (all uint32).

    Callable from other numba kernels (it is inlined into them).
    """
    k0, k1, c0, c1, c2, c3 = _u32(k0), _u32(k1), _u32(c0), _u32(c1), _u32(c2), _u32(c3)
    for r in range(10):
        if r > 0:
            k0 = _u32(k0 + _W0)
            k1 = _u32(k1 + _W1)
        p0 = _M0 * _u64(c0)
        p1 = _M1 * _u64(c2)
        c0, c1, c2, c3 = _u32(p1 >> _S32) ^ c1 ^ k0, _u32(p1), _u32(p0 >> _S32) ^ c3 ^ k1, _u32(p0)
    return c0, c1, c2, c3


@numba.njit(inline="always")
def to_uniform(x):
    """A uint32 word as the uniform ``(x + 1/2) / 2**32`` in (0, 1)."""
    return (x + 0.5) * _SCALE


@numba.njit(cache=True, nogil=True)
def _fill_words(key, first, rest, out):  # pragma: no cover - compiled by numba
    k0, k1, c1, c2, c3 = key[0], key[1], rest[0], rest[1], rest[2]
    for i in range(len(first)):
        out[0, i], out[1, i], out[2, i], out[3, i] = block(k0, k1, first[i], c1, c2, c3)


@numba.njit(cache=True, nogil=True)
def _fill_uniforms(key, first, rest, out):  # pragma: no cover - compiled by numba
    k0, k1, c1, c2, c3 = key[0], key[1], rest[0], rest[1], rest[2]
    for i in range(len(first)):
        x0, x1, x2, x3 = block(k0, k1, first[i], c1, c2, c3)
        out[0, i] = to_uniform(x0)
        out[1, i] = to_uniform(x1)
        out[2, i] = to_uniform(x2)
        out[3, i] = to_uniform(x3)


def _words(values, n: int, name: str) -> np.ndarray:
    out = np.asarray(values)
    if out.shape != (n,):
        raise ValueError(f"a Philox {name} is {n} words")
    return out.astype(np.uint32)


def _args(key, first, rest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    first = np.asarray(first)
    if first.dtype != np.uint32:  # negative numbers as their two's complement
        first = (first.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)
    return _words(key, 2, "key"), np.ascontiguousarray(first), _words(rest, 3, "counter's rest")


def blocks(key, first, rest) -> np.ndarray:
    """The blocks, (4, n) uint32, of the counters ``(first[i], *rest)`` under ``key``.

    ``key``: 2 words; ``rest``: the counter's words 1 to 3; ``first``: word 0 of each counter
    (a signed integer is taken as its 32-bit two's complement).
    """
    key, first, rest = _args(key, first, rest)
    out = np.empty((4, len(first)), dtype=np.uint32)
    _fill_words(key, first, rest, out)
    return out


def uniforms(key, first, rest) -> np.ndarray:
    """The blocks of :func:`blocks` as uniforms in (0, 1): a (4, n) float64 array."""
    key, first, rest = _args(key, first, rest)
    out = np.empty((4, len(first)))
    _fill_uniforms(key, first, rest, out)
    return out
