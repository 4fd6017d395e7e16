"""The ground floor: the one error of bad input, atomic file writes, work in chunks.

Nothing here knows about jails; every other package may use it.
"""
