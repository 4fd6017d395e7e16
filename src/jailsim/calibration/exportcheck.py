"""What an export's timestamps allow: too many unreadable ones stop a calibration.

Rows whose booking or release time cannot be read (a footer line, text, a time with no date
such as ``00:00:00 est`` where a roster left the date blank) are dropped and counted by the
reader (:mod:`jailsim.county.exports`). A few are a nuisance; many mean the file is not what
the reader takes it for, and the fit would describe the rows that happen to be readable. So a
calibration stops, in one line naming the file, each column and its first such rows, when
they are more than :data:`MAX_UNREADABLE_SHARE` of the export's rows. The rows read as dates
without times are listed too (:func:`date_only_rows`): they are kept, as day intervals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jailsim.base.errors import ScenarioError

if TYPE_CHECKING:  # light: the command line's help reads MAX_UNREADABLE_SHARE from here
    import numpy as np

    from jailsim.county.exports import Export

__all__ = ["MAX_UNREADABLE_SHARE", "UNREADABLE", "check_unreadable", "date_only_rows",
           "first_lines"]

#: Largest share of an export's rows (rows read, less blank rows) whose booking or release
#: time is unreadable before a calibration stops; ``--max-unreadable`` raises it.
MAX_UNREADABLE_SHARE = 0.05
#: The cleaning log's reasons for an unreadable timestamp, by role.
UNREADABLE = {"booked": "unreadable booking time", "released": "unreadable release time"}


def first_lines(lines, k: int = 5) -> str:
    """``"lines 3, 9, 12 (and 40 more)"``: the first ``k`` line numbers of a selection."""
    lines = [int(x) for x in lines]
    if not lines:
        return "no lines"
    head = ", ".join(str(x) for x in lines[:k])
    more = f" (and {len(lines) - k:,} more)" if len(lines) > k else ""
    return f"line{'s' if len(lines) > 1 else ''} {head}{more}"


def check_unreadable(export: Export, max_share: float = MAX_UNREADABLE_SHARE) -> int:
    """Stop if more than ``max_share`` of the export's rows have an unreadable timestamp.

    Parameters
    ----------
    export : Export
        The cleaned export (its log counts the unreadable rows, with their first lines).
    max_share : float
        The share allowed, 0 to 1 (1: never stop).

    Returns
    -------
    int
        The number of rows dropped for an unreadable timestamp (within the share).

    Raises
    ------
    ScenarioError
        One line: the file, how many rows of how many, the share allowed and the option that
        raises it, then each column with its first rows and their text.
    """
    log = export.log
    counts = {role: log.counts.get(("dropped", reason), 0) for role, reason in UNREADABLE.items()}
    bad = sum(counts.values())
    rows = log.rows_read - log.counts.get(("dropped", "blank row"), 0)
    if rows <= 0 or bad <= max_share * rows:
        return bad
    parts = [f"column {export.columns.get(role, role)!r}: {n:,} rows (e.g. "
             + "; ".join(log.examples[("dropped", UNREADABLE[role])]) + ")"
             for role, n in counts.items() if n]
    raise ScenarioError([
        f"{export.source}: {bad:,} of {rows:,} rows ({bad / rows:.1%}) have a booking or release "
        f"time that cannot be read (e.g. a time with no date), more than the "
        f"{max_share:.0%} allowed (--max-unreadable raises it): " + "; ".join(parts)
    ])


def date_only_rows(export: Export) -> dict[str, np.ndarray]:
    """Lines of the bookings kept whose booking or release time is a date without a time.

    Returns ``{"booked": lines, "released": lines}`` (file lines, sorted).
    """
    import numpy as np

    b = export.bookings
    return {"booked": np.sort(b.loc[b["booked_date_only"], "line"].to_numpy()),
            "released": np.sort(b.loc[b["released_date_only"], "line"].to_numpy())}
