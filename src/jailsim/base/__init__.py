"""The ground floor: the one error of bad input, names checked, atomic writes, work in chunks.

Nothing here knows about jails; every other package may use it.
"""
