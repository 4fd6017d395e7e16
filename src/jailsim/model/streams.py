"""Random streams: every draw addressed by (seed, replication, source, booking, purpose, k).

Every random number of a run is a Philox block (:mod:`jailsim.model.philox`) of a counter that
names what it is for, under a key made from the seed. The counter's four 32-bit words are

====  ==========================================================================================
word  holds
====  ==========================================================================================
0     the *item*: a booking's number (or, for the arrival process, a day)
1     the purpose (:data:`PURPOSES`) times 2**24 plus the block: draw ``k`` of a purpose is lane
      ``k % 4`` of block ``k // 4``
2     the replication
3     the stream: the booking source (:data:`SOURCES`), or a roster's sampling round
====  ==========================================================================================

A booking's number is its place in its source counted from day 0: 0, 1, 2, ... for the
bookings of the run in order of time, -1, -2, ... back into a warm start's history. So a
longer run or a longer history extends a shorter one, draw for draw; changing one parameter
(say the ICE pickup delay) leaves every other draw as it was; replication ``r`` of two
scenarios shares its draws (common random numbers); and a booking's draws are the same whether
or not its neighbours are drawn, in any chunk, on any worker. :data:`STREAMS_VERSION` numbers
this layout: results are reproducible within a version, and every output records it.

Parameter sets drawn from a scenario's ``uncertainty:`` block have streams of their own
(:func:`parameter_generator`), so drawing them leaves every draw of the model unchanged.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import numpy as np

from jailsim._version import STREAMS_VERSION as _STREAMS_VERSION

__all__ = ["PURPOSES", "SOURCES", "STREAMS_VERSION", "Address", "parameter_generator",
           "roster_stream"]

#: The version of the layout above (kept with jailsim's version, which every layer may read).
#: Results are the same bytes within a version; a new layout (a purpose renumbered, another
#: generator) is a new version, recorded in every output.
STREAMS_VERSION = _STREAMS_VERSION

#: Stable purpose keys. Append new purposes; never renumber (that would change old results).
PURPOSES: dict[str, int] = {
    "arrivals": 0,
    "attributes": 1,
    "biometric": 2,
    "screening": 3,
    "court": 4,
    "bond": 5,
    "disposition": 6,
    "release": 7,
    "honor": 8,
    "pickup": 9,
    "warrant": 10,
    "cancel": 11,
    "igsa": 12,
    "question": 13,
    "offense": 14,
    "conviction": 15,
}
#: Stable source keys (word 3 of a booking's counters; the ``stream`` column of the bookings
#: table). A warm start's history is the same source before day 0.
SOURCES: dict[str, int] = {"bookings": 0, "task_force": 1}
#: Word 3 of the candidates of a roster warm start (:mod:`jailsim.engines.roster`): this kind,
#: then the sampling round and the candidates' group in the bits above (:func:`roster_stream`).
ROSTER_KIND = 2
#: Key of the parameter sets drawn from a scenario's ``uncertainty:`` block.
PARAMETER_KEY = 6


#: Bits of word 1 that number a purpose's blocks (the purpose is above them).
BLOCK_BITS = 24


@functools.lru_cache(maxsize=64)
def _key(seed: int) -> np.ndarray:
    """The Philox key of a seed: two words of ``SeedSequence(seed)``'s state."""
    key = np.random.SeedSequence(int(seed)).generate_state(2, np.uint32)
    key.setflags(write=False)
    return key


def roster_stream(draw_round: int, group: int, extra: int = 0) -> int:
    """Word 3 of a roster's candidates: :data:`ROSTER_KIND`, the round, the group, ``extra``.

    Above the kind's 8 bits: 8 bits for the round (there are 11), 12 for the group of
    attributes a roster fixes, 4 for ``extra``.
    """
    if not (0 <= draw_round < 1 << 8 and 0 <= group < 1 << 12 and 0 <= extra < 1 << 4):
        raise ValueError("a roster stream has a round below 2**8, a group below 2**12 and an "
                         "extra below 2**4")
    return ROSTER_KIND | draw_round << 8 | group << 16 | extra << 28


@dataclass(frozen=True)
class Address:
    """The draws of one replication and stream (word 3) under one seed.

    ``uniforms(purpose, items, k)`` is draw ``k`` of ``purpose`` for each item (a booking's
    number, or a day): the same numbers whichever items are asked for together.
    """

    seed: int
    replication: int
    stream: int

    def __post_init__(self) -> None:
        if not (0 <= self.replication < 1 << 32 and 0 <= self.stream < 1 << 32):
            raise ValueError("a replication and a stream are numbers from 0 to 2**32 - 1")

    @classmethod
    def of(cls, seed: int, replication: int, source: str) -> Address:
        """The address of a booking source (``bookings``, ``task_force``)."""
        return cls(int(seed), int(replication), SOURCES[source])

    @property
    def key(self) -> np.ndarray:
        """The Philox key (2 words)."""
        return _key(self.seed)

    def rest(self, purpose: str, block: int) -> tuple[int, int, int]:
        """Words 1 to 3 of the counters of ``purpose``'s block ``block``."""
        if not 0 <= block < 1 << BLOCK_BITS:
            raise ValueError(f"a purpose has at most 2**{BLOCK_BITS} blocks of draws")
        return PURPOSES[purpose] << BLOCK_BITS | int(block), self.replication, self.stream

    def block(self, purpose: str, items: np.ndarray, block: int) -> np.ndarray:
        """Draws ``4 * block`` to ``4 * block + 3`` of ``purpose`` for ``items``: (4, n)."""
        from jailsim.model import philox  # numba: loaded when draws are made

        return philox.uniforms(self.key, items, self.rest(purpose, block))

    def uniforms(self, purpose: str, items: np.ndarray, k: int = 0) -> np.ndarray:
        """Draw ``k`` of ``purpose`` for each of ``items``: uniforms in [0, 1)."""
        return self.block(purpose, items, k // 4)[k % 4].copy()


def parameter_generator(seed: int, parameter_set: int, entry: str) -> np.random.Generator:
    """The generator of one entry of the ``uncertainty:`` block in one parameter set.

    Keyed by the set, :data:`PARAMETER_KEY` and a checksum of the entry's name (CRC-32), so
    each entry's draws depend on nothing else: adding an entry leaves the others' draws as
    they were, and two scenarios that share an entry draw the same values for it.
    """
    spawn_key = (int(parameter_set), PARAMETER_KEY, zlib.crc32(entry.encode("utf-8")))
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=spawn_key)
    return np.random.Generator(np.random.PCG64(ss))
