"""Hostile scenario files: refused in one line by the size and structure checks, parsed once.

A file larger than ``MAX_BYTES`` is refused before it is parsed (and so is a parent it
``extends:``, or a device that never ends); a file holding more than ``MAX_VALUES`` values
(a huge list, an alias bomb whose aliases expand a thousand times) or nested more than
``MAX_DEPTH`` deep is refused while it is composed, before any Python data is built; a file
within the limits is parsed once, by libyaml where PyYAML has it. The time these take is
measured by ``benchmarks/hostile_files.py``, not here.
"""

from __future__ import annotations

import os

import pytest
import yaml

from jailsim.base.errors import ScenarioError
from jailsim.scenario import load, yamlfile
from jailsim.scenario.yamlfile import MAX_BYTES, MAX_DEPTH, MAX_VALUES, parse


def _refused(path) -> str:
    with pytest.raises(ScenarioError) as exc:
        load(path)
    (line,) = exc.value.lines
    assert line.startswith(f"{path}:") and "\n" not in line
    return line


@pytest.fixture
def never_parsed(monkeypatch):
    """Fail the test if any YAML is parsed."""
    def parse(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(yamlfile, "parse", parse)
    monkeypatch.setattr("jailsim.scenario.loading.parse", parse)


@pytest.fixture
def never_constructed(monkeypatch):
    """Fail the test if Python data is built from composed YAML nodes."""
    def construct(self, node):
        raise AssertionError("constructed")

    monkeypatch.setattr(yamlfile._Counted, "construct_document", construct)


def _counting_nodes(monkeypatch) -> list[int]:
    """Count the nodes the loader composes (aliases included)."""
    count = [0]
    compose = yamlfile._Counted.compose_node

    def counted(self, parent, index):
        count[0] += 1
        return compose(self, parent, index)

    monkeypatch.setattr(yamlfile._Counted, "compose_node", counted)
    return count


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, never_parsed):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:  # 10 MB of a list of ones: sparse, written in no time
        fh.write(b"description: [")
        fh.truncate(10_000_000)
    line = _refused(path)
    assert line == (f"{path}: file too large (10,000,000 bytes); a scenario file may be at most "
                    f"{MAX_BYTES:,} bytes (8 MiB)")


def test_a_parent_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    (tmp_path / "parent.yaml").write_text("name: p\ndescription: '" + "x" * 2000 + "'\n")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nname: child\n")
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 1000)
    parsed, real = [], yamlfile.parse
    monkeypatch.setattr("jailsim.scenario.loading.parse",
                        lambda text, where: parsed.append(where) or real(text, where))
    with pytest.raises(ScenarioError) as exc:
        load(tmp_path / "child.yaml")
    assert exc.value.lines == [
        f"{tmp_path / 'parent.yaml'}: file too large (2,024 bytes); a scenario file may be at "
        "most 1,000 bytes"
    ]
    assert parsed == [str(tmp_path / "child.yaml")]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_that_never_ends_is_read_only_to_the_limit(monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 1000)
    with pytest.raises(ScenarioError) as exc:
        load("/dev/zero")
    assert exc.value.lines == ["/dev/zero: file too large (more than 1,000 bytes); a scenario "
                               "file may be at most 1,000 bytes"]


def test_a_huge_list_is_refused_while_composed(tmp_path, monkeypatch, never_constructed):
    path = tmp_path / "list.yaml"
    path.write_text("name: x\ndescription: [" + ",".join(["1"] * 3 * MAX_VALUES) + "]\n")
    composed = _counting_nodes(monkeypatch)
    line = _refused(path)
    assert line == (f"{path}: more than {MAX_VALUES:,} values (after expanding YAML aliases); "
                    f"a scenario file may hold at most {MAX_VALUES:,}")
    assert composed[0] == MAX_VALUES + 1  # the parse stopped at the limit


def test_a_block_list_and_a_wide_mapping_are_refused_while_composed(tmp_path, monkeypatch,
                                                                     never_constructed):
    monkeypatch.setattr(yamlfile, "MAX_VALUES", 1000)
    for name, text in {
        "block.yaml": "description:\n" + "- 1\n" * 5000,
        "keys.yaml": "description:\n" + "".join(f"  k{i}: {i}\n" for i in range(5000)),
    }.items():
        (tmp_path / name).write_text(text)
        line = _refused(tmp_path / name)
        assert line.endswith(": more than 1,000 values (after expanding YAML aliases); a "
                             "scenario file may hold at most 1,000")


def test_an_alias_bomb_is_refused_without_expanding_it(tmp_path, monkeypatch, never_constructed):
    # "billion laughs": 10 aliases of the level below at each of 9 levels, 10**9 values
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("description:\n" + "".join(f"  {line}\n" for line in levels))
    composed = _counting_nodes(monkeypatch)
    line = _refused(path)
    assert "more than 100,000 values (after expanding YAML aliases)" in line
    assert composed[0] < 200  # each alias counted as its size, never walked


def test_an_alias_used_a_few_times_counts_what_it_stands_for(monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_VALUES", 30)
    # the mapping, a, the list of 10, b, and the alias as the 11 values it stands for: 25
    text = "a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: *x\n"
    assert parse(text, "f.yaml") == {"a": list(range(1, 11)), "b": list(range(1, 11))}
    with pytest.raises(ScenarioError, match=r"^f.yaml: more than 30 values"):
        parse(text + "c: *x\n", "f.yaml")  # 37


def test_deep_nesting_is_refused_while_composed(tmp_path, never_constructed):
    path = tmp_path / "deep.yaml"
    depth = MAX_DEPTH + 5
    path.write_text("description: " + "[" * depth + "]" * depth + "\n")
    assert _refused(path) == (f"{path}: nested more than {MAX_DEPTH} levels deep (or a YAML "
                              "alias refers to itself)")
    path.write_text("description: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "deep" in _refused(path)  # libyaml's own limit, or ours


def test_exactly_the_limit_is_allowed(monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_VALUES", 12)
    # the top mapping, the key a, the list and its 9 items: 12 values
    assert parse("a: [" + ", ".join(["1"] * 9) + "]\n", "f.yaml") == {"a": [1] * 9}
    with pytest.raises(ScenarioError, match=r"^f.yaml: more than 12 values"):
        parse("a: [" + ", ".join(["1"] * 10) + "]\n", "f.yaml")


def test_a_file_is_parsed_once_by_libyaml_where_present(tmp_path, monkeypatch, scenarios_dir):
    if yaml.__with_libyaml__:
        assert yamlfile._SafeLoader is yaml.CSafeLoader
    for name in ("compose", "safe_load", "load"):  # no second parse, by any other way
        monkeypatch.setattr(yaml, name, lambda *a, n=name, **k: pytest.fail(f"yaml.{n} called"))
    parsed = []
    real = yamlfile.parse
    monkeypatch.setattr("jailsim.scenario.loading.parse",
                        lambda text, where: parsed.append(where) or real(text, where))
    sc = load(scenarios_dir / "jem.yaml")
    assert sc.name == "JEM"
    assert parsed == [str(scenarios_dir / "jem.yaml"), str(scenarios_dir / "base_county.yaml")]
