"""The scenario reference (docs/scenario_reference.md) is generated from the code and current."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("ruamel.yaml")

from jailsim.scenario import reference  # noqa: E402
from jailsim.scenario.schema import Scenario  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rows():
    return reference.rows()


def test_committed_reference_is_current():
    committed = (REPO / reference.DOC_PATH).read_text(encoding="utf-8")
    fresh = reference.render()
    assert committed == fresh, (
        f"{reference.DOC_PATH} is out of date with the schema or scenarios/base_county.yaml; "
        f"regenerate it from the repository root with `{reference.COMMAND}`"
    )


def test_every_field_has_a_meaning_and_a_unit(rows):
    assert not [r.path for r in rows if not r.meaning]
    assert not [r.path for r in rows if not r.unit]


def test_every_top_level_field_is_listed(rows):
    paths = {r.path.split(".")[0].split("[")[0] for r in rows}
    assert paths == {f.alias or n for n, f in Scenario.model_fields.items()}


def test_every_value_the_base_county_sets_has_a_row(rows):
    """Each leaf the base county writes is in the reference with its value."""
    import yaml

    data = yaml.safe_load((REPO / "scenarios" / "base_county.yaml").read_text())
    listed = {r.path for r in rows}

    def leaves(node, prefix=""):
        for k, v in node.items():
            path = f"{prefix}{k}"
            if path.startswith("charges."):
                path = "charges.<name>." + path.split(".", 2)[2] if path.count(".") > 1 else path
            if path in listed:
                yield path
            elif isinstance(v, dict):
                yield from leaves(v, f"{prefix}{k}.")
            else:
                raise AssertionError(f"{path} is set in base_county.yaml but not listed")

    found = set(leaves(data))
    assert {"hold.cap", "charges.<name>.pretrial.ror", "costs.program.jem.training_hours"} <= found
    set_rows = {r.path for r in rows if r.value}
    assert found <= set_rows


def test_values_and_sources_come_from_the_file(rows):
    by = {r.path: r for r in rows}
    # a comment on the field's line, with its continuation line
    assert by["jail.rated_capacity"].value == "685"
    assert "sources §6" in by["jail.rated_capacity"].source
    assert "664,200 ADP) [derived 2022-23:" in by["arrivals.bookings.rate"].source
    # a comment block just above a field
    assert by["ice.pickup_delay"].source.startswith("Cooperative high-volume jails")
    # no comment of its own: the block comment at the top of its mapping
    ror = by["charges.<name>.pretrial.ror"]
    assert ror.value == "felony: 0.145<br>misdemeanor: 0.45"
    assert "felony: BJS felony defendants" in ror.source
    assert "misdemeanor: Assumption: misdemeanor release rates" in ror.source
    # defaults from the schema, written with their units
    assert by["hold.cap"].default == "2d" and by["hold.cap"].value == "48h"
    assert by["jail.rated_capacity"].default == "required"
    assert by["ice.transport.seats"].default == "not set"
    assert by["warm_start.kind"].default == "none"  # the text 'none', a kind of warm start


def test_a_comment_is_not_given_to_the_next_field(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        "jail:\n"
        "  rated_capacity: 10   # ten beds\n"
        "                       # (second line)\n"
        "hold:\n"
        "  # about the rule\n"
        "  rule: calendar_48h\n"
        "  cap: 24h\n"
    )
    by = {r.path: r for r in reference.rows(f)}
    assert by["jail.rated_capacity"].source == "ten beds (second line)"
    assert by["hold.rule"].source == "about the rule"
    # cap has no comment of its own: the block comment at the top of `hold`
    assert by["hold.cap"].source == "about the rule"
    assert by["hold.cap"].value == "24h"
