"""Random streams: one independent generator per replication, source and purpose.

Every random number in a run comes from ``SeedSequence(seed)`` spawned by replication, then by
booking source (local bookings, task-force arrests), then by purpose (arrivals, attributes,
court, ...). The keys are fixed numbers, never the order in which code asks for them, so
changing one part of a scenario (say the ICE pickup delay) leaves every other draw unchanged,
and replication ``r`` of two scenarios shares its streams (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

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
#: Stable source keys (``stream`` column of the bookings table).
SOURCES: dict[str, int] = {"bookings": 0, "task_force": 1}
#: Keys of the warm-start history of each source (bookings before day 0); they have streams of
#: their own so that a warm start leaves every draw of the simulated period unchanged.
HISTORY_KEYS: dict[str, int] = {"bookings": 2, "task_force": 3}
#: Keys of the candidate draws for the people of a roster warm start
#: (:mod:`jailsim.engines.roster`); a fourth spawn-key word numbers the sampling round.
ROSTER_KEYS: dict[str, int] = {"bookings": 4, "task_force": 5}
#: Key of the parameter sets drawn from a scenario's ``uncertainty:`` block
#: (:mod:`jailsim.experiments.uncertainty`): streams of their own, so a draw of the parameters
#: leaves every draw of the model unchanged.
PARAMETER_KEY = 6


def generator(
    seed: int, replication: int, source: str, purpose: str, *, history: bool = False
) -> np.random.Generator:
    """The generator for one replication, booking source and purpose.

    Equivalent to ``SeedSequence(seed).spawn(...)[replication].spawn(...)[source]
    .spawn(...)[purpose]`` but addressed by key, so it does not depend on call order.
    """
    key = HISTORY_KEYS[source] if history else SOURCES[source]
    spawn_key = (int(replication), key, PURPOSES[purpose])
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=spawn_key)
    return np.random.Generator(np.random.PCG64(ss))


def parameter_generator(seed: int, parameter_set: int, entry: str) -> np.random.Generator:
    """The generator of one entry of the ``uncertainty:`` block in one parameter set.

    Keyed by the set, :data:`PARAMETER_KEY` and a checksum of the entry's name (CRC-32), so
    each entry's draws depend on nothing else: adding an entry leaves the others' draws as
    they were, and two scenarios that share an entry draw the same values for it.
    """
    spawn_key = (int(parameter_set), PARAMETER_KEY, zlib.crc32(entry.encode("utf-8")))
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=spawn_key)
    return np.random.Generator(np.random.PCG64(ss))
