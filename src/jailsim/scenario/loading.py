"""Reading scenario files: safe YAML, ``extends:`` with deep merge, validation, the resolved dump.

A scenario file states only what differs from another: ``extends: base_county.yaml`` (relative
to the extending file) or ``extends: jailsim:base_county.yaml`` (a scenario shipped with
jailsim) pulls in a parent, and the child's keys are merged into it, mapping by mapping, all but
the ``description``: it says what one file is, so a file without its own gets one derived from
its name and program (:func:`derived_description`), never its parent's. The
merged data is validated into a frozen :class:`~jailsim.scenario.schema.Scenario`; every
problem in it is reported at once as :class:`ScenarioError`, one line each, naming the file,
the dotted path of the key, what was wrong and what is allowed. What a run used is written back
by :func:`dump_resolved` as ``scenario.resolved.yaml``, which loads again to the same Scenario.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from jailsim._version import STREAMS_VERSION
from jailsim.base.atomic import atomic_write_text
from jailsim.base.errors import ScenarioError
from jailsim.base.terminal import printable
from jailsim.scenario.messages import short
from jailsim.scenario.schema import Scenario, from_data
from jailsim.scenario.warm_start import ROSTER_SOURCE_KEYS, expand_warm_start
from jailsim.scenario.yamlfile import check_shape, parse, read_text

__all__ = [
    "RESOLVED_NAME",
    "deep_merge",
    "derived_description",
    "dump_resolved",
    "resolved_text",
    "load",
    "read_yaml",
    "shipped_scenarios_dir",
    "validate",
]

#: ``extends: jailsim:NAME.yaml`` names a scenario shipped with jailsim.
SHIPPED_PREFIX = "jailsim:"
#: File name of the scenario a run actually used, written beside its results.
RESOLVED_NAME = "scenario.resolved.yaml"
_HEADER = """\
# {name}: written by jailsim {version}.
# The exact inputs of a run: every default filled in, `extends:` resolved, and the seed.
# Run it again with:  jailsim run {name}
"""


# ---------------------------------------------------------------------------------------------
# Plain data helpers


#: Mappings that replace the base's whole in ``extends:`` (their keys are not fields). A
#: ``charge_mix`` is shares that sum to 1: a child's mix merged into its parent's would keep
#: the parent's other classes and sum to more than 1.
WHOLE_MAPPINGS = ("seats", "charge_mix")


def deep_merge(base: dict, override: dict) -> dict:
    """Merge ``override`` into a copy of ``base``: mappings merge key by key, the rest replaces.

    A mapping with a ``dist`` key is one distribution and replaces the base value whole (a
    lognormal given by median and p90 must not keep them when a child gives mean and sd); a
    mapping without ``dist`` still merges into a distribution, to change one parameter. A
    price with a ``usd`` key (``{usd: 67.35, dollar_year: 2014}``) replaces the base's whole too:
    a new amount must not keep the old amount's year. Likewise a ``warm_start`` (its short form
    read as the mapping it stands for) that names another ``kind`` replaces the base's whole (a
    roster must not keep the ``history`` of a steady state), and one that names another roster
    file drops the people read from the old. Seats by weekday (``ice.transport.seats``) replace
    the base's whole: a new split of the week must not keep days of the old one; so does a
    ``charge_mix``, whose shares must sum to 1 on their own.
    """
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key == "warm_start":
            value, parent = expand_warm_start(value), expand_warm_start(out.get(key))
            if isinstance(value, dict) and isinstance(parent, dict):
                if value.get("kind", parent.get("kind")) != parent.get("kind"):
                    out[key] = copy.deepcopy(value)
                    continue
                if "people" not in value and any(k in value for k in ROSTER_SOURCE_KEYS):
                    parent = {k: v for k, v in parent.items() if k != "people"}
                out[key] = deep_merge(parent, value)
                continue
        whole = ("dist" in value or "usd" in value or key in WHOLE_MAPPINGS
                 if isinstance(value, dict) else True)
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not whole:
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# ---------------------------------------------------------------------------------------------
# Reading YAML files


def shipped_scenarios_dir() -> Path:
    """Return the folder of the scenarios shipped with jailsim.

    In a source checkout that is the repository's ``scenarios/``; in an installed wheel the
    package data folder ``jailsim/_scenarios`` (pyproject copies ``scenarios/`` there).
    """
    dirs = _shipped_dirs()
    return next((d for d in dirs if d.is_dir()), dirs[-1])


def _shipped_dirs() -> list[Path]:
    package = Path(__file__).resolve().parents[1]  # the jailsim package
    return [package.parents[1] / "scenarios", package / "_scenarios"]


def _shipped(name: str) -> tuple[Path | None, list[Path]]:
    dirs = _shipped_dirs()
    return next((d / name for d in dirs if (d / name).is_file()), None), dirs


def _read_one(path: Path, where: str) -> dict:
    data = parse(read_text(path, where), where)
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{where}: top level must be a mapping of keys to values, got {type(data).__name__}"]
        )
    return data


def _parent(name: Any, folder: Path, where: str) -> tuple[Path, str]:
    """Find the file ``extends: name`` means, seen from a file in ``folder``."""
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError([f"{where}: extends: got {short(name)}; expected a file name"])
    name = name.strip()
    if name.startswith(SHIPPED_PREFIX):
        found, dirs = _shipped(name[len(SHIPPED_PREFIX) :])
        if found is None:
            looked = ", ".join(str(d) for d in dirs)
            raise ScenarioError([f"{where}: extends: {name!r} not found (looked in {looked})"])
        return found.resolve(), str(found)
    path = (folder / Path(name).expanduser()).resolve()
    if not path.is_file():
        raise ScenarioError([f"{where}: extends: {name!r} not found (looked in {folder})"])
    shown = os.path.normpath(os.path.join(os.path.dirname(where), name))
    return path, shown


def _rebase_csv(node: Any, folder: Path) -> None:
    """Make relative ``csv:`` paths of empirical distributions absolute, from ``folder``."""
    if isinstance(node, dict):
        csv = node.get("csv")
        if node.get("dist") == "empirical" and isinstance(csv, str) and csv:
            node["csv"] = str(folder / csv)
        for value in node.values():
            _rebase_csv(value, folder)
    elif isinstance(node, list):
        for value in node:
            _rebase_csv(value, folder)


def _rebase_roster(data: dict, folder: Path) -> None:
    """Make a relative roster path of ``warm_start`` (``jailsim.engines.roster``) absolute."""
    ws = data.get("warm_start")
    if isinstance(ws, str) and ws.strip() not in ("none", "steady_state"):
        data["warm_start"] = str(folder / ws.strip())
    elif isinstance(ws, dict) and isinstance(ws.get("roster"), str):
        ws["roster"] = str(folder / ws["roster"])


#: The 287(g) programs in words, for :func:`derived_description`.
PROGRAMS_IN_WORDS = {
    "none": "no 287(g) agreement",
    "jem": "287(g) Jail Enforcement Model",
    "wso": "287(g) Warrant Service Officer model",
    "jem+wso": "287(g) Jail Enforcement Model and Warrant Service Officer model",
}


def derived_description(data: dict, parent: str) -> str:
    """The description of a file that extends ``parent`` without giving its own.

    Built from the merged ``name`` and ``program`` and said to be derived: a parent's
    description tells what the parent is (the base county's "no 287(g) agreement"), which a
    child that changes the program would contradict.

    Examples
    --------
    >>> derived_description({"name": "JEM", "program": "jem"}, "base_county.yaml")
    ... # doctest: +ELLIPSIS
    'JEM: 287(g) Jail Enforcement Model; extends base_county.yaml (description derived ...)'
    """
    program = data.get("program")
    words = PROGRAMS_IN_WORDS.get(program) if isinstance(program, str) else None
    words = words or f"program {program}"
    # a name's control characters are the name's error alone, not the derived description's
    return (f"{printable(data.get('name'))}: {words}; extends {parent} (description derived "
            "from the name and program: the file gives none)")


def _extend(data: dict, folder: Path, where: str, chain: list[tuple[Path, str]]) -> dict:
    """Merge ``data`` (a file's own keys) into its ``extends:`` parents, recursively.

    The ``description`` is the file's own, or :func:`derived_description`: never inherited.
    """
    if "extends" not in data:
        return data
    data = dict(data)
    path, shown = _parent(data.pop("extends"), folder, where)
    if any(path == p for p, _ in chain):
        cycle = " -> ".join([*(s for _, s in chain), shown])
        raise ScenarioError([f"{chain[0][1]}: extends cycle: {cycle}"])
    parent = _read_one(path, shown)
    _rebase_csv(parent, path.parent)
    _rebase_roster(parent, path.parent)
    parent = _extend(parent, path.parent, shown, [*chain, (path, shown)])
    merged = deep_merge(parent, data)
    if "description" not in data:
        merged["description"] = derived_description(merged, path.name)
    return merged


def _locate(path: str | Path) -> tuple[Path, str]:
    if isinstance(path, str) and path.startswith(SHIPPED_PREFIX):
        found, dirs = _shipped(path[len(SHIPPED_PREFIX) :])
        if found is None:
            raise ScenarioError([f"{path}: not found (looked in {', '.join(map(str, dirs))})"])
        return found, str(found)
    return Path(path), str(path)


def read_yaml(path: str | Path) -> dict:
    """Read a scenario file into plain data, with ``extends:`` resolved and merged.

    Raises
    ------
    ScenarioError
        When a file in the chain is missing, unreadable, not YAML or not a mapping, or the
        chain loops.
    """
    path, where = _locate(path)
    data = _read_one(path, where)
    return _extend(data, path.resolve().parent, where, [(path.resolve(), where)])


# ---------------------------------------------------------------------------------------------
# Validation


def validate(data: Any, source: str = "<data>", base_dir: Path | None = None) -> Scenario:
    """Validate plain data (as read from YAML) into a Scenario.

    Parameters
    ----------
    data
        A mapping; an ``extends:`` key in it is resolved from ``base_dir``.
    source
        What the data came from, the start of every error line.
    base_dir
        Folder that relative paths (``extends:``, empirical ``csv:``) are read from.

    Raises
    ------
    ScenarioError
        With one line per problem, all problems at once.
    """
    base = Path(base_dir) if base_dir is not None else Path(".")
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{source}: top level must be a mapping of keys to values, got {type(data).__name__}"]
        )
    check_shape(data, source)
    data = _extend(data, base.resolve(), source, [(base.resolve() / source, source)])
    return from_data(data, source, base)


def load(path: str | Path) -> Scenario:
    """Load a scenario file (or ``"jailsim:NAME.yaml"``, a shipped one) into a Scenario.

    Raises
    ------
    ScenarioError
        With one line per problem, each starting with the file name.

    Examples
    --------
    >>> import jailsim
    >>> sc = jailsim.load("jailsim:jem.yaml")
    >>> sc.name, sc.program, sc.jem.officers, sc.hold.cap  # durations in days
    ('JEM', 'jem', 2, 2.0)
    """
    file, where = _locate(path)
    return validate(read_yaml(path), source=where, base_dir=file.parent)


# ---------------------------------------------------------------------------------------------
# Writing what a run used


def dump_resolved(scenario: Scenario, path: str | Path, *, seed: int | None, version: str) -> Path:
    """Write the scenario a run used, with its seed and jailsim's version, atomically.

    ``path`` is the file to write, or a folder to write :data:`RESOLVED_NAME` into. The file
    holds ``scenario.to_dict()`` (defaults filled in, ``extends:`` resolved) plus top-level
    ``seed`` and ``jailsim_version``; :func:`load` gives back the same Scenario with those two
    set. A crash while writing leaves the previous file or none, never half a file.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RESOLVED_NAME
    atomic_write_text(path, resolved_text(scenario, seed=seed, version=version, name=path.name))
    return path


def resolved_text(scenario: Scenario, *, seed: int | None, version: str,
                  name: str = RESOLVED_NAME) -> str:
    """The text :func:`dump_resolved` writes (for a file called ``name``)."""
    data = scenario.model_copy(update={"seed": seed, "jailsim_version": version,
                                       "streams_version": STREAMS_VERSION}).to_dict()
    body = yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    return _HEADER.format(name=name, version=version) + body
