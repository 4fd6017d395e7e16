"""The scenario file's text: YAML written key by key, with comment lines above the keys.

A calibrated scenario explains itself: each fitted value comes under comments that say how it
was fitted (counts, standard errors, the model chosen). Long lists of numbers are wrapped under
their opening bracket and comments at :data:`WIDTH` characters, so the file reads well as text.
"""

from __future__ import annotations

import textwrap

import yaml

__all__ = ["WIDTH", "comment_lines", "yaml_lines"]

#: Width (characters) that comments and long lists are wrapped to.
WIDTH = 98


def _scalar(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _flow(value, indent: int) -> str:
    """Flow-style YAML; a long list of scalars is wrapped under its opening bracket."""
    if isinstance(value, list) and value and all(not isinstance(x, (dict, list)) for x in value):
        items = [f"{x:g}" if isinstance(x, float) else
                 "'" + x.replace("'", "''") + "'" if isinstance(x, str) else _scalar(x)
                 for x in value]
        rows, row = [], []
        for item in items:
            if row and indent + 2 + len(", ".join([*row, item])) > WIDTH:
                rows.append(row)
                row = []
            row.append(item)
        rows.append(row)
        return "[" + (",\n" + " " * (indent + 1)).join(", ".join(r) for r in rows) + "]"
    return _scalar(value)


def comment_lines(pad: str, text: str) -> list[str]:
    """``text`` as comment lines indented by ``pad``, wrapped with a hanging indent."""
    hang = " " * (len(text) - len(text.lstrip()) + 2)
    lines = textwrap.wrap(text, WIDTH - len(pad) - 2, subsequent_indent=hang,
                          drop_whitespace=False) if text.strip() else []
    return [f"{pad}# {line.rstrip()}" for line in lines] or [f"{pad}#"]


def yaml_lines(node: dict, path: str, indent: int, comments: dict) -> list[str]:
    """YAML lines of ``node`` (at dotted ``path``), each key under its ``comments`` lines."""
    pad = " " * indent
    lines = []
    for key, value in node.items():
        here = f"{path}.{key}" if path else key
        name = _scalar(key)  # a charge group named by a code ("0", "1") stays text: '0'
        for c in comments.get(here, []):
            lines += comment_lines(pad, c)
        mixture = isinstance(value, dict) and value.get("dist") == "mixture"
        block = isinstance(value, dict) and "dist" not in value and not (
            all(not isinstance(v, (dict, list)) for v in value.values()) and len(value) <= 6
        )
        if mixture:
            lines += [f"{pad}{name}:", f"{pad}  dist: mixture", f"{pad}  components:"]
            lines += [f"{pad}    - {_scalar(c)}" for c in value["components"]]
        elif block:
            lines.append(f"{pad}{name}:")
            lines += yaml_lines(value, here, indent + 2, comments)
        else:
            lines.append(f"{pad}{name}: {_flow(value, indent + len(name) + 2)}")
    return lines
