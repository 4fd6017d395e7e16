"""Small HTML tables for a notebook: every piece of text escaped, long text cut short.

Jupyter shows an object by its ``_repr_html_``. The scenario, a run's result, a comparison
and a sweep build theirs from the pieces here: a table of facts (label, value), a table of
rows under a header, and a panel that puts them under a title with notes. Every piece of
text is escaped here (:func:`html.escape`), so a name holding ``<script>`` shows as text, and
cut at :data:`MAX_TEXT` characters, so no field makes a wall of text.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

__all__ = ["MAX_TEXT", "escape", "facts_table", "panel", "table"]

#: Longest text shown in one cell; longer text is cut and ends with an ellipsis.
MAX_TEXT = 240
_LEFT = ' style="text-align:left"'


def escape(value: object, limit: int = MAX_TEXT) -> str:
    """``value`` as text, cut to ``limit`` characters, escaped for HTML.

    Examples
    --------
    >>> escape("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> escape("x" * 10, limit=5)
    'xxxx…'
    """
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text)


def facts_table(facts: Mapping[str, object]) -> str:
    """A two-column table, one row per fact: the label in bold, the value beside it."""
    rows = "".join(f"<tr><th{_LEFT}>{escape(k)}</th><td{_LEFT}>{escape(v)}</td></tr>"
                   for k, v in facts.items())
    return f"<table>{rows}</table>"


def table(rows: Sequence[Sequence[object]], left: int = 1) -> str:
    """Rows of cells under a header (the first row); the first ``left`` columns align left."""
    def line(cells: Sequence[object], tag: str) -> str:
        return "<tr>" + "".join(
            f"<{tag}{_LEFT if i < left else ''}>{escape(c)}</{tag}>" for i, c in enumerate(cells)
        ) + "</tr>"

    head, *body = rows
    return (f"<table><thead>{line(head, 'th')}</thead>"
            f"<tbody>{''.join(line(r, 'td') for r in body)}</tbody></table>")


def panel(title: str, *parts: str, notes: Sequence[str] = ()) -> str:
    """``parts`` (HTML made by this module) under a bold ``title``, each note a small line."""
    small = "".join(f"<p><small>{escape(n, 4 * MAX_TEXT)}</small></p>" for n in notes)
    return f"<div><p><b>{escape(title)}</b></p>{''.join(parts)}{small}</div>"
