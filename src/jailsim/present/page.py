"""The HTML page every report shares: its head, and a stylesheet a county would print.

No scripts, fonts or styles from the network: a page opens offline. Numbers never break
inside a cell (only the first column's long names wrap), and the cells of the second column,
a meaning or a unit, wrap as text. Loads no plotting library, so the command line can write a
page without matplotlib.
"""

from __future__ import annotations

import html

__all__ = ["CSS", "page"]

#: The stylesheet of every page.
CSS = """
body{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #999}
table{border-collapse:collapse;font-size:.85rem;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:right;white-space:nowrap}
td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left;white-space:normal}
td:first-child{overflow-wrap:anywhere}
img{max-width:100%;height:auto;display:block;margin:1rem 0}
pre{background:#f4f4f4;padding:.6rem;overflow-x:auto;font-size:.75rem;max-height:30rem}
.note{color:#444;font-size:.85rem}
.num{white-space:nowrap}.ci{color:#444;font-size:.75rem;font-weight:normal}
.periods th{vertical-align:bottom}.periods th[colspan]{text-align:center}
.periods .sub th{text-align:right}.periods td{vertical-align:top}
tr>th[colspan]:only-child{text-align:left;padding-top:.6rem}
.prices td{white-space:normal;text-align:left}.prices td:first-child{white-space:nowrap}
"""


def page(title: str, body: list[str]) -> str:
    """A whole HTML document: ``title`` and the ``body`` pieces, with :data:`CSS`."""
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>")
