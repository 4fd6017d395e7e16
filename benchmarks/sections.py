"""RESULTS.md is written by several scripts: run.py writes the page, each other script a section.

A section of another script has a heading ``## Title (benchmarks/NAME.py)`` and runs to the next
``## `` heading or the end of the page. run.py keeps every such section when it rewrites the
page (:func:`other_sections`); a script rewrites only its own (:func:`replace`).
"""

from __future__ import annotations

import re

#: A heading of a section that a script other than run.py writes.
_OWNED = re.compile(r"^## .*\(benchmarks/(?!run\.py)[\w]+\.py\)$", re.M)


def _sections(page: str) -> list[str]:
    """The page cut at each ``## `` heading (the text before the first one included)."""
    return re.split(r"(?m)^(?=## )", page)


def other_sections(page: str) -> str:
    """The sections of ``page`` that scripts other than run.py wrote, in their order."""
    return "".join(s for s in _sections(page) if _OWNED.match(s)).rstrip("\n") + "\n" \
        if _OWNED.search(page) else ""


def replace(page: str, heading: str, text: str) -> str:
    """``page`` with the section headed ``heading`` replaced by ``text`` (added at the end)."""
    parts = _sections(page)
    block = text.rstrip("\n") + "\n\n"
    for k, part in enumerate(parts):
        if part.startswith(heading):
            parts[k] = block
            return "".join(parts).rstrip("\n") + "\n"
    return (page.rstrip("\n") + "\n\n" if page.strip() else "") + block.rstrip("\n") + "\n"
