"""Fuzzing the loader: any mutation of a shipped scenario loads, or fails with file-named lines.

Each example takes the merged data of a shipped scenario, breaks it in one to three places
(deletes a key, puts in a value of the wrong type, an absurd number, an odd string, a nested
list, a misspelt or unknown key), writes it as YAML and loads it. The loader must return a
Scenario or raise ScenarioError whose every line is one line starting with the file's path;
nothing else may escape, and no example may take long.
"""

from __future__ import annotations

import copy
import functools
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jailsim.base.errors import ScenarioError
from jailsim.scenario import Scenario, load
from jailsim.scenario.loading import read_yaml
from tests.conftest import SHIPPED

ODD = [
    None,
    "",
    "∞",
    "48 h h",
    "inf",
    "-1h",
    "25:00",
    "Mon-Funday",
    "jailsim:nope.yaml",
    1e308,
    -1e308,
    10**30,
    -(10**30),
    -1,
    -0.5,
    0,
    0.0,
    True,
    False,
    float("nan"),
    float("inf"),
    [[1, [2]]],
    [],
    {},
    {"dist": "poisson"},
    {"x": 1},
    "x" * 300,
]


@functools.cache
def merged(path: Path) -> dict:
    return read_yaml(path)


def key_paths(node, prefix=()):
    """Every path to a value inside ``node`` (mapping keys and list indexes)."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from key_paths(value, (*prefix, key))


def wrong_type(value):
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, int | float):
        return f"{value} units"
    if isinstance(value, str):
        return 48
    if isinstance(value, dict):
        return list(value.values())[:2]
    if isinstance(value, list):
        return {"first": value[0] if value else None}
    return "text"


@st.composite
def mutated(draw):
    path = draw(st.sampled_from(SHIPPED))
    data = copy.deepcopy(merged(path))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(key_paths(data))
        if not paths:
            break
        where = paths[draw(st.integers(0, len(paths) - 1))]
        parent = data
        for key in where[:-1]:
            parent = parent[key]
        key = where[-1]
        kind = draw(st.sampled_from(["delete", "odd", "number", "text", "wrong", "rename", "add"]))
        if kind == "delete":
            del parent[key]
        elif kind == "odd":
            parent[key] = draw(st.sampled_from(ODD))
        elif kind == "number":
            parent[key] = draw(st.one_of(st.integers(-(10**40), 10**40), st.floats()))
        elif kind == "text":
            parent[key] = draw(st.text(max_size=12))
        elif kind == "wrong":
            parent[key] = wrong_type(parent[key])
        elif isinstance(parent, dict) and kind == "rename":
            name = str(key)
            cut = draw(st.integers(0, max(0, len(name) - 1)))
            parent[name[:cut] + name[cut + 1 :] + draw(st.sampled_from(["", "s", "_x"]))] = (
                parent.pop(key)
            )
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(st.sampled_from(ODD))
    return data


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutated())
def test_mutated_scenarios_load_or_fail_cleanly(data, tmp_path):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    start = time.perf_counter()
    try:
        result = load(path)
    except ScenarioError as exc:
        assert exc.lines
        for line in exc.lines:
            assert isinstance(line, str) and line.startswith(f"{path}:"), line
            assert len(line.splitlines()) == 1, line
            assert "Traceback" not in line and "errors.pydantic.dev" not in line
    else:
        assert isinstance(result, Scenario)
    assert time.perf_counter() - start < 5.0
