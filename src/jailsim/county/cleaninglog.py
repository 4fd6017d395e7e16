"""The cleaning log: every row of an export or roster dropped, merged or repaired, counted.

Real exports are messy, and a reader that fixes them must say what it did: each row it drops,
folds into another row of the same booking, or reads in a stated way is counted under its
reason, with example lines. Nothing is lost silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["CleaningLog"]


@dataclass
class CleaningLog:
    """Every row dropped, merged or repaired, counted by reason, with example lines.

    ``action`` is ``dropped`` (the row is not used), ``merged`` (folded into another row of
    the same booking) or ``repaired`` (used, with a value read in a stated way).
    """

    source: str
    rows_read: int = 0
    counts: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def add(self, action: str, reason: str, lines, values=None) -> None:
        """Count ``len(lines)`` rows under ``(action, reason)``; keep three examples."""
        lines = list(lines)
        if not lines:
            return
        self.counts[(action, reason)] += len(lines)
        shown = self.examples.setdefault((action, reason), [])
        for i, line in enumerate(lines[: 3 - len(shown)]):
            value = f": {values[i]!r}" if values is not None else ""
            shown.append(f"line {line}{value}")

    def total(self, action: str) -> int:
        """Rows counted under one action."""
        return sum(n for (a, _), n in self.counts.items() if a == action)

    def by_reason(self, action: str) -> dict[str, int]:
        """``{reason: rows}`` for one action."""
        return {r: n for (a, r), n in self.counts.items() if a == action}

    @property
    def dropped(self) -> dict[str, int]:
        """Rows dropped, by reason."""
        return self.by_reason("dropped")

    @property
    def repaired(self) -> dict[str, int]:
        """Rows repaired, by reason (a row may be repaired for several reasons)."""
        return self.by_reason("repaired")

    @property
    def merged(self) -> dict[str, int]:
        """Rows merged into another row of the same booking, by reason."""
        return self.by_reason("merged")

    def to_frame(self) -> pd.DataFrame:
        """One row per (action, reason): rows, examples."""
        rows = [
            {"action": a, "reason": r, "rows": n, "examples": "; ".join(self.examples[(a, r)])}
            for (a, r), n in self.counts.items()
        ]
        return pd.DataFrame(rows, columns=["action", "reason", "rows", "examples"])

    def lines(self) -> list[str]:
        """The log as text, one line per reason, then the notes."""
        out = [f"{self.source}: {self.rows_read:,} rows read"]
        for action in ("dropped", "merged", "repaired"):
            for (a, reason), n in self.counts.items():
                if a == action:
                    ex = "; ".join(self.examples[(a, reason)])
                    out.append(f"  {action} {n:,}: {reason} (e.g. {ex})")
        out += [f"  note: {note}" for note in self.notes]
        return out
