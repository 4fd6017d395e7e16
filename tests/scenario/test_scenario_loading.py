"""Reading scenarios: extends with deep merge, shipped scenarios, the resolved dump, memory."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import yaml

import jailsim
from jailsim._version import STREAMS_VERSION
from jailsim.base.errors import ScenarioError
from jailsim.scenario import Scenario, load
from jailsim.scenario.loading import (
    RESOLVED_NAME,
    deep_merge,
    derived_description,
    dump_resolved,
    read_yaml,
    shipped_scenarios_dir,
    validate,
)
from jailsim.scenario.paths import set_dotted
from jailsim.scenario.units import parse_duration, parse_rate
from tests.conftest import SHIPPED


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def base(scenarios_dir) -> Scenario:
    return load(scenarios_dir / "base_county.yaml")


# --- plain data helpers ----------------------------------------------------------------------


def test_deep_merge_mappings_merge_the_rest_replaces():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1, "c": {"k": 1}}
    over = {"a": {"y": [3]}, "b": {"new": 1}, "c": None}
    assert deep_merge(base, over) == {"a": {"x": 1, "y": [3]}, "b": {"new": 1}, "c": None}


def test_deep_merge_does_not_touch_its_inputs():
    base, over = {"a": {"x": [1]}}, {"a": {"y": [2]}}
    out = deep_merge(base, over)
    out["a"]["x"].append(9)
    out["a"]["y"].append(9)
    assert base == {"a": {"x": [1]}} and over == {"a": {"y": [2]}}


def test_deep_merge_replaces_a_distribution_whole():
    base = {"d": {"dist": "lognormal", "median": "2h", "p90": "9h"}}
    assert deep_merge(base, {"d": {"dist": "lognormal", "mean": "3h", "sd": "1h"}}) == {
        "d": {"dist": "lognormal", "mean": "3h", "sd": "1h"}
    }
    # Without `dist`, one parameter of the inherited distribution changes.
    assert deep_merge(base, {"d": {"p90": "12h"}}) == {
        "d": {"dist": "lognormal", "median": "2h", "p90": "12h"}
    }


def test_set_dotted_creates_and_replaces():
    data = {"a": {"b": 1}, "c": None}
    set_dotted(data, "a.b", 2)
    set_dotted(data, "c.d", 3)
    set_dotted(data, "e.f.g", 4)
    assert data == {"a": {"b": 2}, "c": {"d": 3}, "e": {"f": {"g": 4}}}


# --- loading and extends ---------------------------------------------------------------------


def test_base_county_loads(base, scenarios_dir):
    raw = yaml.safe_load((scenarios_dir / "base_county.yaml").read_text(encoding="utf-8"))
    assert base.name == raw["name"]
    assert base.program == raw["program"]
    assert base.horizon == parse_duration(raw["horizon"])  # units parsed into days
    assert base.arrivals.bookings.rate == parse_rate(raw["arrivals"]["bookings"]["rate"])
    assert base.charge_names == tuple(raw["charges"])  # in the file's order
    assert base.seed is None and base.replications == 1  # structural defaults filled in


def test_load_accepts_str_and_package_names(scenarios_dir, base):
    assert load(str(scenarios_dir / "base_county.yaml")) == base
    assert load("jailsim:base_county.yaml") == base


def test_extends_is_relative_to_the_extending_file(tmp_path, scenarios_dir, base):
    write(
        tmp_path / "deep" / "parent.yaml",
        f"""\
        extends: {scenarios_dir / "base_county.yaml"}
        jail: {{rated_capacity: 100}}
        court: {{sessions: ["10:00"]}}
        """,
    )
    child = write(
        tmp_path / "deep" / "kids" / "child.yaml",
        """\
        extends: ../parent.yaml
        name: child
        ice: {pickup_delay: {p90: 40h}}
        """,
    )
    sc = load(child)
    assert sc.name == "child"
    assert sc.jail.rated_capacity == 100
    assert sc.court.sessions == ("10:00",)  # lists replace
    assert sc.court.weekmask == base.court.weekmask  # mappings merge
    assert sc.ice.pickup_delay.median == base.ice.pickup_delay.median
    assert sc.ice.pickup_delay.p90 == pytest.approx(40 / 24)
    assert sc.hold == base.hold


def test_extends_shipped_scenario(tmp_path, base):
    path = write(tmp_path / "mine.yaml", "extends: jailsim:base_county.yaml\nname: mine\n")
    derived = derived_description({"name": "mine", "program": "none"}, "base_county.yaml")
    assert load(path) == base.with_(name="mine", description=derived)


def test_read_yaml_gives_merged_plain_data(tmp_path, scenarios_dir):
    path = write(tmp_path / "x.yaml", f"extends: {scenarios_dir / 'base_county.yaml'}\nname: x\n")
    data = read_yaml(path)
    assert "extends" not in data
    assert data["name"] == "x" and data["jail"] == {"rated_capacity": 685}


def test_validate_resolves_extends_from_base_dir(scenarios_dir, base):
    sc = validate({"extends": "base_county.yaml", "name": "v"}, "<v>", base_dir=scenarios_dir)
    derived = derived_description({"name": "v", "program": "none"}, "base_county.yaml")
    assert sc == base.with_(name="v", description=derived)


def test_shipped_scenarios_dir_holds_base_county():
    folder = shipped_scenarios_dir()
    assert (folder / "base_county.yaml").is_file()
    assert folder in (
        Path(jailsim.__file__).resolve().parents[2] / "scenarios",
        Path(jailsim.__file__).resolve().parent / "_scenarios",
    )


def test_empirical_csv_in_a_parent_is_read_from_the_parents_folder(tmp_path, scenarios_dir):
    write(tmp_path / "data" / "delays.csv", "hours\n1\n2\n3\n")
    write(
        tmp_path / "data" / "parent.yaml",
        f"""\
        extends: {scenarios_dir / "base_county.yaml"}
        biometric:
          delay: {{dist: empirical, csv: delays.csv, column: hours, unit: h}}
        """,
    )
    child = write(tmp_path / "runs" / "child.yaml", "extends: ../data/parent.yaml\n")
    sc = load(child)
    assert sc.biometric.delay.values == pytest.approx((1 / 24, 2 / 24, 3 / 24))


def test_with_changes_one_field(base):
    sc = base.with_({"jail.rated_capacity": 700}, program="jem")
    assert sc.jail.rated_capacity == 700 and sc.uses_jem
    assert sc.with_(program="none", jail={"rated_capacity": 685}) == base


# --- the resolved dump -----------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_dump_resolved_loads_back_equal(path, tmp_path):
    sc = load(path)
    out = dump_resolved(sc, tmp_path, seed=12345, version=jailsim.__version__)
    assert out == tmp_path / RESOLVED_NAME
    again = load(out)
    assert again == sc.model_copy(update={"seed": 12345, "jailsim_version": jailsim.__version__,
                                          "streams_version": STREAMS_VERSION})
    # And dumping what was loaded writes the same data, line for line.
    second = dump_resolved(again, tmp_path / "second.yaml", seed=12345, version="x")
    body = [line for line in out.read_text().splitlines() if not line.startswith("#")]
    assert [line for line in second.read_text().splitlines() if not line.startswith("#")] == [
        line.replace(jailsim.__version__, "x") if line.startswith("jailsim_version") else line
        for line in body
    ]


def test_dump_resolved_file_shape(base, tmp_path):
    out = dump_resolved(base, tmp_path / "run.yaml", seed=7, version="9.9.9")
    text = out.read_text(encoding="utf-8")
    head = text.splitlines()[:3]
    assert all(line.startswith("#") for line in head)
    assert "jailsim 9.9.9" in head[0] and "jailsim run run.yaml" in text
    data = yaml.safe_load(text)
    assert data["seed"] == 7 and data["jailsim_version"] == "9.9.9"
    assert data["streams_version"] == STREAMS_VERSION
    assert "extends" not in data
    assert data == {**base.to_dict(), "seed": 7, "jailsim_version": "9.9.9",
                    "streams_version": STREAMS_VERSION}
    assert isinstance(data["hold"]["cap"], str)  # units written back as text


def test_dump_resolved_is_atomic(base, tmp_path, monkeypatch):
    target = tmp_path / RESOLVED_NAME
    target.write_text("previous\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        dump_resolved(base, target, seed=1, version="x")
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [RESOLVED_NAME]  # no temp file left
    monkeypatch.undo()
    dump_resolved(base, target, seed=1, version="x")
    assert load(target).seed == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [RESOLVED_NAME]


def test_dump_resolved_round_trip_with_empirical_csv(tmp_path, scenarios_dir):
    write(tmp_path / "delays.csv", "hours\n1\n2.5\n7\n")
    path = write(
        tmp_path / "emp.yaml",
        f"""\
        extends: {scenarios_dir / "base_county.yaml"}
        biometric:
          delay: {{dist: empirical, csv: delays.csv, column: hours, unit: h}}
        """,
    )
    sc = load(path)
    (tmp_path / "out").mkdir()
    out = dump_resolved(sc, tmp_path / "out", seed=1, version="x")
    (tmp_path / "delays.csv").unlink()  # the dump holds the values, not the file's name
    assert load(out).biometric == sc.biometric
    assert sc.biometric.delay.values == pytest.approx((1 / 24, 2.5 / 24, 7 / 24))


def test_unknown_key_next_to_empirical_csv_is_reported(tmp_path, scenarios_dir):
    write(tmp_path / "delays.csv", "hours\n1\n")
    path = write(
        tmp_path / "emp.yaml",
        f"""\
        extends: {scenarios_dir / "base_county.yaml"}
        biometric:
          delay: {{dist: empirical, csv: delays.csv, column: hours, unit: h, wieght: 2}}
        """,
    )
    with pytest.raises(ScenarioError) as exc:
        load(path)
    assert exc.value.lines == [
        f"{path}: biometric.delay.wieght: unknown key 'wieght' (allowed: dist, values, csv, "
        "column, unit)"
    ]


def test_seats_by_weekday_replace_the_parents_whole(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "extends: jailsim:base_county.yaml\n"
        "ice: {transport: {times: ['10:00'], days: Mon-Fri, seats: {Mon-Thu: 4, Fri: 2}}}\n")
    (tmp_path / "child.yaml").write_text(
        "extends: parent.yaml\nice: {transport: {seats: {Mon-Fri: 3}}}\n")
    sc = jailsim.load(tmp_path / "child.yaml")
    assert sc.ice.transport.seats == {"Mon-Fri": 3}


# --- descriptions are a file's own -----------------------------------------------------------


def test_description_is_not_inherited_through_extends(tmp_path, base):
    """A child that changes the program must not say "no 287(g) agreement" from its parent."""
    child = write(tmp_path / "child.yaml", """\
        extends: jailsim:base_county.yaml
        name: my JEM
        program: jem
        """)
    sc = load(child)
    assert sc.description != base.description and "no 287(g)" not in sc.description
    assert sc.description.startswith("my JEM: 287(g) Jail Enforcement Model; extends "
                                     "base_county.yaml")
    assert "derived" in sc.description
    # a file's own description is kept, and its child derives again from its own name
    own = write(tmp_path / "own.yaml", """\
        extends: child.yaml
        name: own
        description: Two officers at night.
        """)
    assert load(own).description == "Two officers at night."
    grandchild = write(tmp_path / "grandchild.yaml", "extends: own.yaml\nname: later\n")
    assert load(grandchild).description.startswith("later: 287(g) Jail Enforcement Model; "
                                                   "extends own.yaml")
    # the resolved file keeps the derived text, and loads back to the same scenario
    again = load(dump_resolved(sc, tmp_path / "r.yaml", seed=1, version="t"))
    assert again.description == sc.description
    # validate() of plain data with extends: derives it too
    data = {"extends": "jailsim:base_county.yaml", "name": "W", "program": "wso"}
    assert validate(data).description.startswith("W: 287(g) Warrant Service Officer model;")


SHIPPED_CHILDREN = [p for p in SHIPPED if p.name != "base_county.yaml"]


@pytest.mark.parametrize("path", SHIPPED_CHILDREN, ids=lambda p: p.name)
def test_every_shipped_scenario_says_what_it_is(path):
    """Each shipped file that extends another has a description of its own, not its parent's,
    and one with a 287(g) program does not call itself a county without one."""
    own = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(own.get("description"), str) and own["description"].strip(), path.name
    sc = load(path)
    assert sc.description == own["description"] and "derived" not in sc.description
    if sc.program != "none":
        assert "no 287(g) agreement" not in sc.description, sc.description
