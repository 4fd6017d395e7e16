"""The defaults table: every number the shipped scenarios set, with its kind, year and denominator.

``docs/defaults.md`` lists each count, probability, rate, duration, distribution and cost that
``scenarios/base_county.yaml`` sets, then, for every other shipped scenario, the numbers it sets
over the file it extends. A row gives the field, the value as written and its unit, and what the
value's comment in the scenario file says of it. Comments are read as the scenario reference
reads them (:class:`jailsim.scenario.reference.Comments`: the comment on the field's lines, the
comment block above it, else the block at the top of its mapping).

The convention: a value's comment ends with a tag in square brackets,

- ``[sourced YEAR: DENOMINATOR]``, a published figure: YEAR is the year or period it describes,
  DENOMINATOR what it was measured on ("no denominator ..." where there is none);
- ``[derived YEAR: FROM]``, a number computed from published figures, by arithmetic or by
  calibrating the model to them: FROM says from what, YEAR (optional) is that of the figures;
- ``[assumption: REASON]``, no published number: REASON says why the value is assumed;

and the rest of the comment is the source: the publication and "sources §N", section N of
``docs/sources.md``. A value whose comment has no tag has no kind (the table shows "—").

``python -m jailsim.scenario.defaults`` prints the Markdown; ``--write`` updates
``docs/defaults.md``, which ``tests/scenario/test_defaults_table.py`` keeps in step with the
scenario files.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jailsim.scenario import reference
from jailsim.scenario.loading import shipped_scenarios_dir

__all__ = ["COMMAND", "DOC_PATH", "Default", "defaults", "main", "parse_tag", "render",
           "shipped_files"]

#: Where the generated table lives, relative to the repository root.
DOC_PATH = Path("docs") / "defaults.md"
#: The command that regenerates it (quoted in the document and in the staleness test).
COMMAND = "python -m jailsim.scenario.defaults --write"
#: The kinds a tag can give.
KINDS = ("sourced", "derived", "assumption")

_TAG = re.compile(r"\[(sourced|derived|assumption)\b([^:\]]*)(?::([^\]]*))?\]")
#: Units (from the scenario reference) of values that are not numbers: left out of the table.
_NOT_NUMBERS = ("one of", "text", "true / false", "date", "list", "mapping")


@dataclass(frozen=True)
class Default:
    """One number a scenario file sets.

    Attributes
    ----------
    scenario
        The file's name (``base_county.yaml``).
    field
        Dotted path of the field (``charges.felony.pretrial.ror``); a timed change reads
        ``ice.p_pickup from 2025-07-01``.
    value, unit
        The value as written in the file, and its unit.
    kind
        ``sourced``, ``derived`` or ``assumption``; ``""`` when the comment has no tag.
    source
        The comment without its tag.
    year
        The year or period the figure describes (``""`` if the tag gives none).
    denominator
        What a sourced figure was measured on; what a derived one is computed from; the reason
        for an assumption.
    """

    scenario: str
    field: str
    value: str
    unit: str
    kind: str
    source: str
    year: str
    denominator: str


def parse_tag(comment: str) -> tuple[str, str, str, str]:
    """Kind, year, denominator (or origin, or reason) and the rest of a value's comment.

    Examples
    --------
    >>> from jailsim.scenario.defaults import parse_tag
    >>> parse_tag("sources §1 (I-247A) [sourced 2017: no denominator, a rule]")
    ('sourced', '2017', 'no denominator, a rule', 'sources §1 (I-247A)')
    >>> parse_tag("two dockets a day")
    ('', '', '', 'two dockets a day')
    """
    tags = list(_TAG.finditer(comment))
    if len(tags) > 1:
        raise ValueError(f"a comment with {len(tags)} tags, one is allowed: {comment!r}")
    if not tags:
        return "", "", "", comment
    m = tags[0]
    rest = " ".join(f"{comment[:m.start()]} {comment[m.end():]}".split())
    return m[1], " ".join(m[2].split()), " ".join((m[3] or "").split()), rest


@functools.cache
def _units() -> dict[str, str]:
    return {row.path: row.unit for row in reference.rows()}


def _unit(path: str) -> str | None:
    """The reference's unit of a concrete field path (``None``: not a field, a block)."""
    units = _units()
    if path in units:
        return units[path]
    for generic, unit in units.items():
        if "<name>" in generic and re.fullmatch(generic.replace(".", r"\.").replace(
                "<name>", r"[^.]+"), path):
            return unit
    return None


def _leaves(comments: reference.Comments) -> list[tuple[str, Any, str, str]]:
    """(field, value, unit, comment) of every value the file sets, timed changes last."""
    out: list[tuple[str, Any, str, str]] = []

    def walk(node: Any, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            unit = _unit(path)
            if unit is None and isinstance(value, dict):
                walk(value, f"{path}.")
            elif unit is not None and key != "changes":
                out.append((path, value, unit, comments.source(node, key)))

    walk(comments.data, "")
    for change in comments.data.get("changes") or ():
        for key, value in change["set"].items():
            out.append((f"{key} from {change['from']}", value, _unit(key) or "",
                        comments.source(change, "set")))
    return out


def _is_number(unit: str) -> bool:
    return bool(unit) and not unit.startswith(_NOT_NUMBERS)


def _default(scenario: str, field: str, value: Any, unit: str, comment: str) -> Default:
    kind, year, denominator, source = parse_tag(comment)
    return Default(scenario, field, reference.value_text(value), unit.split(":")[0], kind,
                   source, year, denominator)


def defaults(path: str | Path | None = None) -> list[Default]:
    """The numbers a scenario file sets itself, in file order (its ``extends:`` not followed).

    Parameters
    ----------
    path
        The scenario file (default: the shipped ``base_county.yaml``).

    Examples
    --------
    >>> from jailsim.scenario.defaults import defaults
    >>> cap = next(d for d in defaults() if d.field == "hold.cap")
    >>> cap.value, cap.unit, cap.kind, cap.year
    ('48h', 'duration', 'sourced', '2017')
    """
    path = Path(path) if path else shipped_scenarios_dir() / "base_county.yaml"
    return [_default(path.name, *leaf) for leaf in _leaves(reference.Comments(path))
            if _is_number(leaf[2])]


# ---------------------------------------------------------------------------------------------
# Markdown


def _table(rows: list[Default]) -> list[str]:
    out = ["| field | value | unit | kind | source | year | denominator |",
           "|---|---|---|---|---|---|---|"]
    for d in rows:
        cells = [f"`{d.field}`", f"`{d.value}`", d.unit, d.kind, d.source, d.year,
                 d.denominator]
        out.append("| " + " | ".join(reference.cell(c or "—") for c in cells) + " |")
    return out


def _scenario(path: Path) -> list[str]:
    """The section of one scenario that extends another: what it sets, numbers first."""
    comments = reference.Comments(path)
    leaves = _leaves(comments)
    numbers = [_default(path.name, *leaf) for leaf in leaves if _is_number(leaf[2])]
    others = [f"`{field}: {reference.value_text(value)}`" for field, value, unit, _ in leaves
              if not _is_number(unit) and unit != "mapping"
              and field not in ("name", "description")]
    data = comments.data
    text = f"Extends `{data.get('extends')}`."
    if others:
        text += " Also sets " + ", ".join(others) + "."
    body = _table(numbers) if numbers else ["No numbers of its own."]
    label = path.relative_to(shipped_scenarios_dir()).as_posix()
    return ["", f"### `{label}`: {data.get('name')}", "", text, "", *body]


def render() -> str:
    """The table as Markdown: the base county, then what each other shipped scenario changes.

    Examples
    --------
    >>> from jailsim.scenario.defaults import render
    >>> text = render()
    >>> "| `hold.cap` | `48h` | duration | sourced |" in text
    True
    """
    folder = shipped_scenarios_dir()
    out = [
        "# Defaults",
        "",
        f"<!-- generated by `{COMMAND}` from the comments of scenarios/*.yaml; do not edit -->",
        "",
        "Every number the shipped default county `scenarios/base_county.yaml` sets (counts, "
        "probabilities, rates, durations, distributions and costs) with its unit and what its "
        "comment in the file says of it: its kind, its source, the year or years the figure "
        "describes and its denominator, what it was measured on. Then, for every other shipped "
        "scenario, the numbers it sets over the file it extends. Choices and text (the 287(g) "
        "program, the hold rule) are named there under \"also sets\"; "
        "[scenario_reference.md](scenario_reference.md) explains every field.",
        "",
        "- **sourced**: a published figure; *year* is the year or period it describes and "
        "*denominator* what it was measured on.",
        "- **derived**: computed from published figures, by arithmetic or by calibrating the "
        "model to them; *denominator* says from what.",
        "- **assumption**: no published number; *denominator* gives the reason.",
        "- **—**: the comment has no tag.",
        "",
        "\"sources §N\" is section N of [sources.md](sources.md), which names each publication "
        "with its year and denominator. The columns come from a tag at the end of each value's "
        "comment in the scenario file: `[sourced YEAR: denominator]`, "
        "`[derived YEAR: what it is computed from]` or `[assumption: reason]`; the rest of the "
        "comment is the *source* column. To add or change a number, write its tag and "
        "regenerate.",
        "",
        f"This page is generated: regenerate it with `{COMMAND}`. "
        "`tests/scenario/test_defaults_table.py` fails when it is out of date, when a number "
        "has no kind, a sourced number no year or denominator, a derived one no origin, an "
        "assumption no reason, or a comment cites a section sources.md does not have.",
        "",
        "## The base county",
        "",
        "`scenarios/base_county.yaml`, in the order of the file.",
        "",
        *_table(defaults(folder / "base_county.yaml")),
        "",
        "## What the other shipped scenarios change",
        "",
        "Each scenario's own numbers, as written in its file; everything else is that of the "
        "file it extends. A timed change (`changes:`) reads `field from DATE`.",
    ]
    for path in shipped_files():
        if path.name != "base_county.yaml":
            out += _scenario(path)
    return "\n".join(out) + "\n"


def shipped_files() -> list[Path]:
    """The shipped scenario files: the folder's, then the county presets of ``published/``."""
    folder = shipped_scenarios_dir()
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("published/*.yaml"))


def main(argv: list[str] | None = None) -> int:
    """``python -m jailsim.scenario.defaults [--write [PATH]]``: print or write the table."""
    return reference.page_main(argv, "jailsim.scenario.defaults", __doc__, DOC_PATH, render)


if __name__ == "__main__":
    raise SystemExit(main())
