"""One scenario file read as YAML, within limits a hostile file cannot get round.

A scenario file is a few kilobytes; a resolved scenario with a roster's people or an empirical
distribution's values in it may be a few megabytes. A hostile file (a list of millions of
items, nesting thousands deep, an alias bomb whose aliases expand a thousand times at each
level, an alias that refers to itself) is refused in one line before it costs more than a
fraction of a second or a few tens of megabytes:

- its size is checked before it is read (:data:`MAX_BYTES`; a device or pipe that never ends
  is read only that far);
- it is parsed once, by libyaml (``yaml.CSafeLoader``) where PyYAML was built with it, else by
  PyYAML's ``SafeLoader``, and the nodes are counted as they are composed: more than
  :data:`MAX_VALUES` values (aliases counted as the values they expand to) or nesting deeper
  than :data:`MAX_DEPTH` stops the parse there;
- duplicate keys are found in the composed nodes, and the Python data is built from the same
  nodes (never a second parse).

Plain data handed to :func:`jailsim.scenario.loading.validate` from Python is held to the same
limits by :func:`check_shape`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent

from jailsim.base.errors import ScenarioError
from jailsim.scenario.messages import short

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_VALUES", "check_shape", "parse", "read_text",
           "written_by_jailsim"]

#: Largest scenario file read, in bytes (8 MiB): a resolved scenario holding a roster of
#: 9,000 people inline is about 1 MiB.
MAX_BYTES = 8 * 2**20
#: Deepest nesting of mappings and lists; a scenario nests about 8 deep.
MAX_DEPTH = 100
#: Most values (mapping keys and values, list items) in one file, each YAML alias counted as
#: the values it stands for: a scenario holds about 3,000, a roster of 9,000 people given
#: inline (``warm_start.people``, 11 values a person) about 100,000. Reading one takes
#: about 10 microseconds, so a file at the limit is refused in about a second.
MAX_VALUES = 100_000

#: How many times :data:`MAX_BYTES` and :data:`MAX_VALUES` a file may be that jailsim wrote
#: itself and whose hash an output folder's manifest checked (:func:`written_by_jailsim`): the
#: resolved scenario of a run from the roster of a large jail, read back with its run.
WRITTEN_SCALE = 100
_WRITTEN = contextvars.ContextVar("jailsim_yaml_written_by_jailsim", default=False)


@contextlib.contextmanager
def written_by_jailsim() -> Iterator[None]:
    """Within it, files are read with the limits of files jailsim wrote (x WRITTEN_SCALE)."""
    token = _WRITTEN.set(True)
    try:
        yield
    finally:
        _WRITTEN.reset(token)


def _max_values() -> int:
    return MAX_VALUES * (WRITTEN_SCALE if _WRITTEN.get() else 1)


def _max_bytes() -> int:
    return MAX_BYTES * (WRITTEN_SCALE if _WRITTEN.get() else 1)


#: libyaml's safe loader where PyYAML has it, else the pure-Python one (same results).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _too_deep(where: str) -> ScenarioError:
    return ScenarioError(
        [f"{where}: nested more than {MAX_DEPTH} levels deep (or a YAML alias refers to itself)"]
    )


def _too_many(where: str) -> ScenarioError:
    return ScenarioError(
        [f"{where}: more than {_max_values():,} values (after expanding YAML aliases); a "
         f"scenario file may hold at most {_max_values():,}"]
    )


# ---------------------------------------------------------------------------------------------
# The file's text


def read_text(path: Path, where: str) -> str:
    """The UTF-8 text of a scenario file, refused before reading if it is too large.

    Raises
    ------
    ScenarioError
        When the file is missing, a folder, unreadable, larger than :data:`MAX_BYTES` or not
        UTF-8; one line naming ``where``.
    """
    try:
        with open(path, "rb") as fh:
            size = _size(fh)
            if size is not None and size > _max_bytes():
                raise _too_large(where, size)
            raw = fh.read(_max_bytes() + 1)  # a pipe or device says nothing of its size
    except FileNotFoundError:
        raise ScenarioError([f"{where}: file not found"]) from None
    except IsADirectoryError:
        raise ScenarioError([f"{where}: is a folder, not a scenario file"]) from None
    except OSError as exc:
        raise ScenarioError([f"{where}: cannot read file ({exc.strerror or exc})"]) from None
    if len(raw) > _max_bytes():
        raise _too_large(where, None)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        byte = exc.object[exc.start]
        raise ScenarioError(
            [f"{where}:{line}: not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"]
        ) from None


def _size(fh) -> int | None:
    info = os.fstat(fh.fileno())
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _too_large(where: str, size: int | None) -> ScenarioError:
    most = _max_bytes()
    limit = f"{most:,} bytes" + (f" ({most >> 20} MiB)" if most % 2**20 == 0 else "")
    got = f"{size:,} bytes" if size is not None else f"more than {most:,} bytes"
    return ScenarioError(
        [f"{where}: file too large ({got}); a scenario file may be at most {limit}"]
    )


# ---------------------------------------------------------------------------------------------
# Parsing once, counting as it composes


class _Counted(_SafeLoader):
    """The safe loader with PyYAML's composer counting values and depth as it goes.

    The composer's methods are PyYAML's own (``yaml.composer.Composer``), taken in place of
    libyaml's, so that every node passes :meth:`compose_node` here: the C parser still does
    the scanning and parsing.
    """

    get_single_node = Composer.get_single_node
    compose_document = Composer.compose_document
    compose_scalar_node = Composer.compose_scalar_node
    compose_sequence_node = Composer.compose_sequence_node

    def __init__(self, text: str, where: str):
        super().__init__(text)
        self.anchors: dict[str, yaml.Node] = {}
        self.where = where
        self.values = 0  # values so far, each alias counted as what it stands for
        self.depth = -1  # the top level is depth 0, as check_shape counts
        self.sizes: dict[int, int] = {}  # id(anchored node) -> values it stands for
        self.mappings: list[yaml.MappingNode] = []  # each once, for the duplicate keys

    def compose_mapping_node(self, anchor):  # noqa: D102 - PyYAML's hook
        node = Composer.compose_mapping_node(self, anchor)
        self.mappings.append(node)
        return node

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML's hook
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None:
                size = self.sizes.get(id(node))
                if size is None:  # the alias is inside the node it names
                    raise _too_deep(self.where)
                self._count(size)
            return Composer.compose_node(self, parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _too_deep(self.where)
        before = self.values
        self._count(1)
        node = Composer.compose_node(self, parent, index)
        if event.anchor is not None:
            self.sizes[id(node)] = self.values - before
        self.depth -= 1
        return node

    def _count(self, n: int) -> None:
        self.values += n
        if self.values > _max_values():
            raise _too_many(self.where)


def parse(text: str, where: str) -> Any:
    """YAML text to plain data, parsed once; every problem one line naming ``where``.

    Raises
    ------
    ScenarioError
        For a syntax error (with its line and column), an empty file, duplicate keys, a
        scalar that cannot be built (the date 2025-13-45), or a file beyond the limits.
    """
    loader = _Counted(text, where)
    try:
        root = _yaml_call(loader.get_single_node, where, text)
        if root is None:
            raise ScenarioError([f"{where}: empty scenario file"])
        dupes = _duplicate_keys(loader.mappings, where)
        if dupes:
            raise ScenarioError(dupes)
        try:
            return _yaml_call(lambda: loader.construct_document(root), where, text)
        except (ValueError, TypeError, OverflowError) as exc:
            if isinstance(exc, ScenarioError):
                raise
            # A well-formed scalar that cannot be built, e.g. the date 2025-13-45.
            mark = _mark(where, _bad_scalar(root))
            raise ScenarioError([f"{mark}: bad YAML value: {exc}"]) from None
    finally:
        loader.dispose()


def _mark(where: str, mark: Any) -> str:
    return f"{where}:{mark.line + 1}:{mark.column + 1}" if mark is not None else where


def _yaml_call(func, where: str, text: str) -> Any:
    try:
        return func()
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "invalid YAML"
        mark = exc.problem_mark
        if (isinstance(exc, yaml.scanner.ScannerError | yaml.parser.ParserError)
                and _SafeLoader is not yaml.SafeLoader and mark is not None
                and 0 <= mark.index < len(text)):
            # libyaml does not say what it found (PyYAML's "found character '\t' ..." does)
            problem = f"{problem} at {text[mark.index]!r}"
        line = f"{_mark(where, mark)}: YAML syntax error: {problem}"
        raise ScenarioError([line]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{where}: YAML syntax error: {exc}"]) from None
    except RecursionError:
        raise ScenarioError([f"{where}: nested too deeply to read"]) from None


def _walk_nodes(root: yaml.Node):
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def _duplicate_keys(mappings: list[yaml.MappingNode], where: str) -> list[str]:
    """One line per key given twice in a mapping, in the order of the file."""
    found = []
    for node in mappings:
        first: dict[tuple, Any] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                continue
            ident = (key.tag, key.value)
            if ident in first:
                found.append((key.start_mark.index, (
                    f"{_mark(where, key.start_mark)}: duplicate key {short(key.value)} "
                    f"(first at line {first[ident].line + 1}); YAML would keep only the last"
                )))
            else:
                first[ident] = key.start_mark
    return [line for _, line in sorted(found)]


def _bad_scalar(root: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    for node in _walk_nodes(root):
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node)
            except Exception:
                return node.start_mark
    return None


# ---------------------------------------------------------------------------------------------
# Plain data from Python


def check_shape(data: Any, source: str) -> None:
    """Refuse data nested deeper than :data:`MAX_DEPTH` or holding more than :data:`MAX_VALUES`.

    For data built in Python (which may share a list many times, or hold itself); a file's
    data is held to the same limits while it is parsed.

    Raises
    ------
    ScenarioError
        One line naming ``source``.
    """
    stack, seen = [(data, 0)], 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if depth > MAX_DEPTH:
            raise _too_deep(source)
        if seen > _max_values():
            raise _too_many(source)
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list | tuple):
            stack.extend((v, depth + 1) for v in node)
