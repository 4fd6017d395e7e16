"""The pieces a report's template lays out: tables of text cells and embedded figures.

A report builds these from its folder's files and hands them to its template
(:mod:`jailsim.present.page`); the template decides the markup. A :class:`Table` holds text
only, each number already formatted (:mod:`jailsim.present.formats`); a :class:`Figure` is a
PNG embedded as base64 with the alt text that says what it shows.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE

__all__ = ["Figure", "Table", "embed"]


@dataclass(frozen=True)
class Table:
    """A table of text cells.

    Attributes
    ----------
    head
        The header cells.
    rows
        Each row a list of cells, or a text alone: a heading row across the table. A cell is a
        text, or a pair (value, interval) shown one above the other.
    names
        How many first columns hold names and text (left-aligned, wrapping). The others hold
        numbers: right-aligned, never broken.
    kind
        A class of the table for the stylesheet (``"prices"``, ...), or ``""``.
    over
        A header row above ``head``: ``(cell, columns it spans)`` pairs; empty for none.
    code
        Whether the first column's names are shown as code (metric names, budget lines).
    """

    head: list
    rows: list = field(default_factory=list)
    names: int = 1
    kind: str = ""
    over: list = field(default_factory=list)
    code: bool = True

    @property
    def note(self) -> str:
        """The note on intervals below 0 when a cell is marked, else ``""``."""
        for row in self.rows:
            cells = [row] if isinstance(row, str) else row
            for c in cells:
                if BELOW_ZERO in (c if isinstance(c, str) else " ".join(c)):
                    return BELOW_ZERO_NOTE
        return ""


@dataclass(frozen=True)
class Figure:
    """A figure as a page shows it: ``src`` a ``data:`` URI of its PNG, ``alt`` its text."""

    src: str
    alt: str


def embed(fig, alt: str, dpi: int = 110) -> Figure:
    """A matplotlib Figure as a :class:`Figure` of the page (PNG, base64), with ``alt``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return Figure(f"data:image/png;base64,{data}", alt)
