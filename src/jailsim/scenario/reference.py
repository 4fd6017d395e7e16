"""The scenario reference: every field of a scenario with its meaning, unit, default and source.

Generated from the code, never written by hand. The meaning is the field's docstring in
:mod:`jailsim.scenario.schema` or :mod:`jailsim.scenario.costs`, the unit follows from its
type, the default is the schema's, and the value and source are those of the shipped default
county, ``scenarios/base_county.yaml``: the value as written there and the comment that goes
with it. Comments are read with ruamel.yaml (a development dependency), which keeps them with
their positions; a comment on a field's line, its continuation lines (indented further), and a
comment block just above the field belong to the field; a field without any of these takes the
comment block at the top of its mapping (``ror`` and ``bail`` under ``pretrial``, say).

``python -m jailsim.scenario.reference`` prints the Markdown; ``--write`` updates
``docs/scenario_reference.md``, which ``tests/scenario/test_reference.py`` keeps in step with
the code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel, TypeAdapter

from jailsim.base.atomic import atomic_write_text
from jailsim.scenario import blocks, schema
from jailsim.scenario import costs as costs_schema
from jailsim.scenario.distributions import Distribution
from jailsim.scenario.loading import shipped_scenarios_dir
from jailsim.scenario.units import Duration, Rate

__all__ = ["DOC_PATH", "Comments", "Row", "cell", "field_unit", "main", "render", "rows",
           "value_text"]

#: Where the generated reference lives, relative to the repository root.
DOC_PATH = Path("docs") / "scenario_reference.md"
#: The command that regenerates it (quoted in the document and in the staleness test).
COMMAND = "python -m jailsim.scenario.reference --write"

_UNITS: list[tuple[Any, str]] = [
    (Duration, "duration: `15min`, `48h`, `2d`, `4w`, `1y`"),
    (Rate, "rate: `15.6/day`, `2/h`"),
    (blocks.Probability, "probability, 0–1"),
    (blocks.Count, "count"),
    (Distribution, "distribution of a duration"),
    (costs_schema.Share, "share, 0–1"),
    (blocks.Name, "text"),
]


@dataclass(frozen=True)
class Row:
    """One field of the reference.

    Attributes
    ----------
    block
        Dotted path of the block that holds the field (``""`` at the top level).
    block_doc
        First paragraph of the docstring of the block's class.
    path
        Dotted path of the field; ``<name>`` stands for any key of a mapping of blocks
        (``charges.<name>.felony``) and ``[]`` for any item of a list (``jem.shifts[].start``).
    meaning, unit, default
        The field's docstring, its unit, its schema default (``required`` if there is none,
        ``not set`` if it is None).
    value, source
        The base county's value as written, and its comment (``""`` where it sets none).
    """

    block: str
    block_doc: str
    path: str
    meaning: str
    unit: str
    default: str
    value: str
    source: str


# ---------------------------------------------------------------------------------------------
# Types


def _strip_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _model(hint: Any) -> type[BaseModel] | None:
    hint = _strip_optional(hint)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return hint
    return None


def _unit(hint: Any, path: str) -> str:
    money = costs_schema._unit(path) if path.startswith("costs.") else ""
    if money:
        return money
    hint = _strip_optional(hint)
    for known, text in _UNITS:
        if hint == known:
            return text
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_unit(a, path) for a in args if a is not type(None))
    if origin is Literal:
        return "one of: " + ", ".join(f"`{a}`" for a in args)
    if origin is tuple:
        if args and args[0] == blocks.Weight:
            return "relative weights"
        return "list of times `HH:MM`" if args and args[0] is str else "list"
    if origin is dict:
        return "shares by charge, 0–1" if args[1] == blocks.Probability else "mapping"
    return {bool: "true / false", dt.date: "date `YYYY-MM-DD`",
            dt.datetime: "date and time `YYYY-MM-DD HH:MM`", str: "text", int: "integer",
            float: "number"}.get(hint, "")



def field_unit(path: str) -> str:
    """The unit of the scenario field at a dotted path, in a few plain words.

    ``""`` when the path names no field, or a field whose values say it all (text, a choice,
    a duration written with its unit is still "duration"). Used to label the axis of a varied
    parameter.

    Examples
    --------
    >>> from jailsim.scenario.reference import field_unit
    >>> [field_unit(p) for p in ("jem.officers", "hold.cap", "charges.felony.pretrial.ror")]
    ['count', 'duration', 'probability, 0–1']
    >>> field_unit("costs.bed_day_cost_usd_per_day"), field_unit("no.such")
    ('USD/day', '')
    """
    model: type[BaseModel] = schema.Scenario
    parts = path.split(".")
    i = 0
    while True:
        names = {(f.alias or n): n for n, f in model.model_fields.items()}
        if parts[i] not in names:
            return ""
        hint = typing.get_type_hints(model, include_extras=True)[names[parts[i]]]
        i += 1
        if i == len(parts):
            break
        inner = _strip_optional(hint)
        sub = _model(inner)
        if sub is None and typing.get_origin(inner) is dict:
            value = typing.get_args(inner)[1]
            if _model(value) is None:  # a mapping of numbers: charge_mix.felony
                hint, i = value, i + 1
                if i == len(parts):
                    break
                return ""
            sub, i = _model(value), i + 1  # skip the key (a charge name)
            if i == len(parts):
                return ""
        if sub is None:
            return ""
        model = sub
    text = _unit(hint, path)
    if text.startswith(("one of", "list", "mapping", "text", "shares")):
        return ""
    return text.split(":")[0].replace("`", "")


def value_text(value: Any) -> str:
    """A value as one line of YAML (flow style)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value or '""'
    if isinstance(value, (int, dt.date)):
        return str(value)
    if isinstance(value, (list, tuple)) and len(value) > 1 and len(set(map(str, value))) == 1:
        return f"{len(value)} × {value_text(value[0])}"
    if isinstance(value, dict) and len(value) > 6:
        return f"({len(value)} entries)"
    return yaml.safe_dump(_plain(value), default_flow_style=True, width=10_000,
                          sort_keys=False, allow_unicode=True).strip()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _default(field, hint: Any) -> str:
    if field.is_required():
        return "required"
    default = field.get_default(call_default_factory=True)
    if default is None:
        return "not set"
    if isinstance(default, BaseModel):
        return "(the block's defaults)"
    if field.validate_default:  # written as text in the schema: what it validates to
        default = TypeAdapter(hint).validate_python(default)
    return value_text(TypeAdapter(hint).dump_python(default, mode="json"))


# ---------------------------------------------------------------------------------------------
# Comments of the base county


class Comments:
    """The comments of a YAML file, with their lines and columns, from ruamel.yaml's tokens.

    Examples
    --------
    >>> from jailsim.scenario.reference import Comments
    >>> c = Comments(Path("scenarios/base_county.yaml"))
    >>> "sources §1" in c.source(c.data["hold"], "cap")
    True
    """

    def __init__(self, path: Path):
        try:
            from ruamel.yaml import YAML
        except ImportError:  # pragma: no cover - a development dependency
            raise SystemExit(
                "the scenario reference needs ruamel.yaml: pip install -e '.[dev]'"
            ) from None
        self.lines = path.read_text(encoding="utf-8").splitlines()
        self.data = YAML().load(path.read_text(encoding="utf-8"))
        self.path = path
        self.by_line: dict[int, tuple[int, str, bool]] = {}  # line -> (column, text, eol)
        self._walk(self.data)

    def _walk(self, node: Any) -> None:
        ca = getattr(node, "ca", None)
        if ca is not None:
            for tok in _tokens(ca.comment):
                self._add(tok)
            for entry in ca.items.values():
                for tok in _tokens(entry):
                    self._add(tok)
        if isinstance(node, dict | list):
            for v in node.values() if isinstance(node, dict) else node:
                self._walk(v)

    def _add(self, tok) -> None:
        parts = tok.value.split("\n")
        first = tok.start_mark.line - (1 if tok.value.startswith("\n") else 0)
        for i, part in enumerate(parts):
            if not part.strip():
                continue
            line = first + i
            col = tok.column if i == 0 else len(part) - len(part.lstrip())
            text = part.strip()
            raw = self.lines[line] if 0 <= line < len(self.lines) else ""
            if raw[col:].rstrip() != text:  # a guard on ruamel's bookkeeping, not a parser
                raise RuntimeError(f"{self.path}: line {line + 1}: a comment is not where "
                                   "ruamel.yaml says; the reference cannot attribute it")
            self.by_line[line] = (col, text.lstrip("#").strip(), bool(raw[:col].strip()))

    def subtree_end(self, node: Any, line: int) -> int:
        """Last line holding a key or item of ``node`` (at least ``line``)."""
        end = line
        if isinstance(node, dict):
            for k, v in node.items():
                end = max(end, node.lc.key(k)[0], self.subtree_end(v, node.lc.key(k)[0]))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                end = max(end, node.lc.item(i)[0], self.subtree_end(v, node.lc.item(i)[0]))
        return end

    def own(self, mapping: Any, key: str) -> str:
        """Comments on the field's lines and their further-indented continuation lines."""
        line, col = mapping.lc.key(key)
        end = self.subtree_end(mapping[key], line)
        # on the field's own line only a comment after the value; below it, any comment
        # inside the value (the items of a block list)
        texts = [self.by_line[n][1] for n in range(line, end + 1)
                 if n in self.by_line and (self.by_line[n][2] or n > line)]
        n = end + 1
        while n in self.by_line and not self.by_line[n][2] and self.by_line[n][0] > col:
            texts.append(self.by_line[n][1])
            n += 1
        return " ".join(texts)

    def above(self, mapping: Any, key: str) -> str:
        """The block of comment lines just above the field, at the field's column."""
        line, col = mapping.lc.key(key)
        texts = []
        n = line - 1
        while n in self.by_line and not self.by_line[n][2] and self.by_line[n][0] == col:
            texts.insert(0, self.by_line[n][1])
            n -= 1
        return " ".join(texts)

    def source(self, mapping: Any, key: str) -> str:
        """What the file says about ``key``; else the comment at the top of its mapping."""
        text = " ".join(t for t in (self.above(mapping, key), self.own(mapping, key)) if t)
        if not text:
            first = next(iter(mapping))
            if first != key:
                text = self.above(mapping, first)
        return text


def _tokens(entry: Any) -> list:
    out = []
    for item in entry or ():
        if isinstance(item, list):
            out += [t for t in item if t is not None]
        elif item is not None:
            out.append(item)
    return out


# ---------------------------------------------------------------------------------------------
# Rows


def rows(base: str | Path | None = None) -> list[Row]:
    """Every field of a scenario, in schema order, with the base county's value and source.

    Parameters
    ----------
    base
        The scenario file whose values and comments fill the last two columns (default: the
        shipped ``base_county.yaml``). Its ``extends:`` is not followed.

    Returns
    -------
    list of Row
        One per field; blocks are walked into, not listed.

    Examples
    --------
    >>> from jailsim.scenario.reference import rows
    >>> cap = next(r for r in rows() if r.path == "hold.cap")
    >>> cap.default, cap.value, cap.source.startswith("sources §1 (I-247A; 8 CFR 287.7(d))")
    ('2d', '48h', True)
    """
    comments = Comments(Path(base) if base else shipped_scenarios_dir() / "base_county.yaml")
    out: list[Row] = []
    _walk_model(schema.Scenario, "", [comments.data], comments, out)
    return out


def _walk_model(model: type[BaseModel], prefix: str, nodes: list, comments: Comments,
                out: list[Row], names: list[str] | None = None) -> None:
    """Rows of ``model`` at ``prefix``; ``nodes`` are its mappings in the file (one per name)."""
    hints = typing.get_type_hints(model, include_extras=True)
    block = prefix.rstrip(".")
    block_doc = _markdown(" ".join((model.__doc__ or "").strip().split("\n\n")[0].split()))
    for name, field in model.model_fields.items():
        key = field.alias or name
        hint = hints[name]
        path = f"{prefix}{key}"
        here = [n[key] if isinstance(n, dict) and key in n else None for n in nodes]
        sub = _model(hint)
        origin, args = typing.get_origin(_strip_optional(hint)), typing.get_args(hint)
        if sub is not None and sub is not costs_schema.Period:
            _walk_model(sub, f"{path}.", here, comments, out, names)
            continue
        if origin is dict and _model(args[1]) is not None:
            keys = [list(n) if isinstance(n, dict) else [] for n in here]
            labels = [k for ks in keys for k in ks]
            children = [n[k] for n, ks in zip(here, keys, strict=True) for k in ks]
            _walk_model(_model(args[1]), f"{path}.<name>.", children, comments, out, labels)
            continue
        values, sources = [], []
        for i, node in enumerate(nodes):
            if not isinstance(node, dict) or key not in node:
                continue
            label = f"{names[i]}: " if names else ""
            values.append(label + value_text(node[key]))
            source = comments.source(node, key)
            if source:
                sources.append(label + source)
        meaning = _markdown(field.description or "")
        out.append(Row(block, block_doc, path, meaning, _unit(hint, path), _default(field, hint),
                       "<br>".join(values), "<br>".join(sources)))
        item = typing.get_args(_strip_optional(hint))
        if origin is tuple and item and _model(item[0]) is not None:
            _walk_model(_model(item[0]), f"{path}[].", [], comments, out)


# ---------------------------------------------------------------------------------------------
# Markdown


def _markdown(text: str) -> str:
    """Docstring markup (``code``, :func:`name`) as Markdown."""
    return re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text.replace("``", "`"))


def cell(text: str) -> str:
    """Text for one cell of a Markdown table (``|`` and ``*`` escaped, on one line)."""
    return text.replace("|", "\\|").replace("*", "\\*").replace("\n", " ")


def render(base: str | Path | None = None) -> str:
    """The reference as Markdown: one table per block of the scenario.

    Examples
    --------
    >>> from jailsim.scenario.reference import render
    >>> text = render()
    >>> "| `jem.p_lodge` |" in text and "sources §4" in text
    True
    """
    out = [
        "# Scenario reference",
        "",
        f"<!-- generated by `{COMMAND}` from the classes of src/jailsim/scenario/ "
        "and scenarios/base_county.yaml; do not edit -->",
        "",
        "Every field of a scenario file, block by block: what it means, its unit, the default "
        "the schema gives it when the file leaves it out (required: the file must set it; "
        "not set: the feature is off or another field decides), "
        "and the value the shipped default county `scenarios/base_county.yaml` sets, with the "
        "comment it gives as source. In those comments \"sources §N\" is section N of "
        "[sources.md](sources.md) (which names each publication, year and denominator) and "
        "\"assumption\" marks a number no publication gives, with the reason; the tag in "
        "brackets that ends a comment gives the number's kind, year and denominator, which "
        "[defaults.md](defaults.md) tabulates. Every other "
        "shipped scenario extends the base county and changes only what differs. "
        "`<name>` is any key of a mapping of blocks (a charge class); `[]` is any item of a "
        "list. Durations and rates carry their unit in the text (`48h`, `15.6/day`); "
        "distributions are written `{dist: lognormal, median: 8h, p90: 3d}` and the like "
        "(see the README).",
        "",
        f"Regenerate with `{COMMAND}`; `tests/scenario/test_reference.py` fails when this file is "
        "out of date.",
    ]
    blocks: dict[str, list[Row]] = {}
    for row in rows(base):
        blocks.setdefault(row.block, []).append(row)
    for block, members in blocks.items():
        title = f"`{block}`" if block else "Top level"
        out += ["", f"## {title}", "", members[0].block_doc, "",
                "| field | meaning | unit | default | base county | source |",
                "|---|---|---|---|---|---|"]
        for row in members:
            default = row.default if row.default in ("required", "not set") else f"`{row.default}`"
            value = f"`{row.value}`".replace("<br>", "`<br>`") if row.value else "—"
            cells = [f"`{row.path}`", row.meaning, row.unit, default, value, row.source or "—"]
            out.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m jailsim.scenario.reference [--write [PATH]]``: print or write the reference."""
    return page_main(argv, "jailsim.scenario.reference", __doc__, DOC_PATH, render)


def page_main(argv, module: str, doc: str, path: Path, render_page) -> int:
    """The command line of a generated page: print it, or ``--write [PATH]`` (default ``path``)."""
    p = argparse.ArgumentParser(prog=f"python -m {module}", description=doc)
    p.add_argument("--write", nargs="?", const=str(path), metavar="PATH",
                   help=f"write the Markdown to PATH (default {path}) instead of printing")
    args = p.parse_args(argv)
    text = render_page()
    if args.write:
        print(f"wrote {atomic_write_text(Path(args.write), text)}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
