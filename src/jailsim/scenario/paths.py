"""Dotted paths into scenario data: ``"jem.officers"`` names ``data["jem"]["officers"]``.

Sweeps, sensitivity analyses, dated changes and ``Scenario.with_`` all address a field of a
scenario this way, as a user writes it on the command line or in a ``changes:`` list.
"""

from __future__ import annotations

from typing import Any

__all__ = ["get_dotted", "set_dotted"]

_MISSING = object()


def set_dotted(data: dict, path: str, value: Any) -> None:
    """Set ``data["a"]["b"] = value`` for ``path == "a.b"``, creating mappings on the way."""
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = value


def get_dotted(data: dict, path: str, default: Any = _MISSING) -> Any:
    """``data["a"]["b"]`` for ``path == "a.b"``; ``default`` (or KeyError) where it is missing."""
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            if default is _MISSING:
                raise KeyError(path)
            return default
        node = node[key]
    return node
