"""What a booking export may be and hold, named in a module light enough for a parser's help.

The roles a column of an export can have (:mod:`jailsim.county.columns`) and the file name
endings read, by format (:mod:`jailsim.county.files`). ``jailsim calibrate --help`` lists
both; this module imports nothing, so the command line can name them without pandas.
"""

from __future__ import annotations

__all__ = ["ROLES", "SUFFIXES"]

#: What each column of an export can mean; ``booked`` is required.
ROLES = ("id", "booked", "released", "charge", "reason", "hold", "hold_start", "hold_end")
#: File name endings read, by format (compared without case).
SUFFIXES = {"csv": (".csv", ".tsv"), "excel": (".xlsx", ".xlsm"), "parquet": (".parquet",)}
