"""The integer codes of outcomes: what the engines write and the bookings table names.

Arrays of the Population and the Timeline hold small integers (int8) for decisions and
outcomes; each group of codes has a tuple of names in code order, which the bookings table
uses as the categories of its column. Codes of different groups never share a name.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BAIL",
    "BOND_DENIED",
    "BOND_NOT_POSTED",
    "BOND_OUTCOMES",
    "BOND_POSTED",
    "BOND_ROR",
    "DENIED",
    "DETAINER_CIVIL",
    "DETAINER_JEM",
    "DETAINER_NONE",
    "DETAINER_REMOTE",
    "DETAINER_SOURCES",
    "EXIT_CANCELLED",
    "EXIT_ICE_TRANSFER",
    "EXIT_LAPSED",
    "EXIT_PRISON",
    "EXIT_REASONS",
    "EXIT_RELEASED",
    "HONOR_ALL",
    "HONOR_CODES",
    "HONOR_CONVICTED_ONLY",
    "HONOR_FELONY_ONLY",
    "HONOR_JUDICIAL_WARRANT_ONLY",
    "HONOR_NONE",
    "HONOR_NOTIFY_ONLY",
    "PRETRIAL_NAMES",
    "ROR",
    "SENTENCE_JAIL",
    "SENTENCE_NAMES",
    "SENTENCE_PRISON",
    "SENTENCE_TIME_SERVED",
    "sentence_code",
]

# Pretrial decision at the initial appearance (Population.pretrial, Timeline.pretrial).
ROR, BAIL, DENIED = 0, 1, 2
PRETRIAL_NAMES = ("ror", "bail", "denied")

# Sentence of a case disposed while the person is held (Population.sentence).
SENTENCE_TIME_SERVED, SENTENCE_JAIL, SENTENCE_PRISON = 0, 1, 2
SENTENCE_NAMES = ("time_served", "jail", "prison")


def sentence_code(names):
    """Sentence names (the bookings table's) as SENTENCE_* codes; -1 for any other name.

    The table also says ``none`` (released before a disposition) and ``pending``.
    """
    names = np.asarray(names, dtype=object)
    codes = np.full(names.shape, -1, dtype=np.int8)
    for code, name in enumerate(SENTENCE_NAMES):
        codes[names == name] = code
    return codes

# Where a person's first detainer came from (Timeline.detainer_source): none, ICE remotely
# after a fingerprint hit, a JEM screening, or a civil arrest made for ICE (Task Force).
DETAINER_NONE, DETAINER_REMOTE, DETAINER_JEM, DETAINER_CIVIL = 0, 1, 2, 3
DETAINER_SOURCES = ("none", "remote", "jem", "civil_arrest")

# How bail ended (Timeline.bond_outcome).
BOND_ROR, BOND_POSTED, BOND_NOT_POSTED, BOND_DENIED = 0, 1, 2, 3
BOND_OUTCOMES = ("ror", "posted", "not_posted", "denied")

# How a person left the jail (Timeline.exit_reason; the records add "censored"): released,
# to ICE custody, at the hold's cap without ICE, to prison, or when ICE cancelled the detainer.
EXIT_RELEASED, EXIT_ICE_TRANSFER, EXIT_LAPSED, EXIT_PRISON, EXIT_CANCELLED = 0, 1, 2, 3, 4
EXIT_REASONS = ("released", "ice_transfer", "lapsed", "prison", "cancelled")

# Which detainers the jail holds people on, or tells ICE about (honor.policy), per period.
HONOR_ALL, HONOR_NONE, HONOR_FELONY_ONLY = 0, 1, 2
HONOR_JUDICIAL_WARRANT_ONLY, HONOR_NOTIFY_ONLY, HONOR_CONVICTED_ONLY = 3, 4, 5
HONOR_CODES = {
    "all": HONOR_ALL, "none": HONOR_NONE, "felony_only": HONOR_FELONY_ONLY,
    "judicial_warrant_only": HONOR_JUDICIAL_WARRANT_ONLY, "notify_only": HONOR_NOTIFY_ONLY,
    "convicted_only": HONOR_CONVICTED_ONLY,
}
