"""The defaults table (docs/defaults.md) is current, and every number in it says what it rests on.

Each number a shipped scenario sets carries a tag in its comment (`[sourced YEAR: denominator]`,
`[derived YEAR: origin]`, `[assumption: reason]`; see jailsim.scenario.defaults). The checks
below run on the shipped scenarios and, to show they can fail, on small bad files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("ruamel.yaml")

from jailsim.scenario import defaults as table  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "docs" / "sources.md"
YEAR = re.compile(r"(19|20)\d\d")


def _all_defaults():
    return [d for path in table.shipped_files() for d in table.defaults(path)]


@pytest.fixture(scope="module")
def rows():
    return _all_defaults()


def _sections(text: str) -> dict[int, str]:
    """Section number -> body of docs/sources.md (headings `## N. Title`)."""
    parts = re.split(r"^## (\d+)\. .*$", text, flags=re.MULTILINE)
    return {int(n): body for n, body in zip(parts[1::2], parts[2::2], strict=True)}


def _problems(rows, sources_text: str) -> list[str]:
    """What is wrong with the rows: a missing kind, year, denominator, origin, reason, section."""
    sections = _sections(sources_text)
    out = []
    for d in rows:
        name = f"{d.scenario}: {d.field}"
        if d.kind not in table.KINDS:
            out.append(f"{name}: no kind (tag the comment)")
        if d.kind == "sourced" and not YEAR.search(d.year):
            out.append(f"{name}: sourced, but no year")
        if d.kind == "sourced" and not d.denominator:
            out.append(f"{name}: sourced, but no denominator")
        if d.kind == "derived" and not d.denominator:
            out.append(f"{name}: derived, but not from what")
        if d.kind == "assumption" and not d.denominator:
            out.append(f"{name}: an assumption with no reason")
        text = f"{d.source} {d.denominator}"
        for ref in re.finditer(r"§(\d+)(?: item (\d+))?", text):
            n, item = int(ref[1]), ref[2]
            if n not in sections:
                out.append(f"{name}: cites sources §{n}, which docs/sources.md does not have")
            elif item and not re.search(rf"^{item}\. ", sections[n], re.MULTILINE):
                out.append(f"{name}: cites sources §{n} item {item}, which §{n} does not have")
    return out


def test_committed_table_is_current():
    committed = (REPO / table.DOC_PATH).read_text(encoding="utf-8")
    assert committed == table.render(), (
        f"{table.DOC_PATH} is out of date with the comments of scenarios/*.yaml; regenerate it "
        f"from the repository root with `{table.COMMAND}`"
    )


def test_the_page_says_it_is_generated_and_how():
    text = table.render()
    assert "generated" in text.split("\n## ")[0] and table.COMMAND in text


def test_every_number_of_every_shipped_scenario_says_what_it_rests_on(rows):
    """Every row has a kind; sourced rows a year and a denominator; assumptions a reason."""
    assert len(rows) > 60
    problems = _problems(rows, SOURCES.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_no_number_lacks_a_tag_costs_included(rows):
    """No exemption: the `costs:` numbers are tagged like every other, and none shows "—"."""
    untagged = [f"{d.scenario}: {d.field}" for d in rows if not d.kind]
    assert not untagged, "\n".join(untagged)
    costs = [d for d in rows if d.field.startswith("costs.")]
    assert {d.scenario for d in costs} >= {"base_county.yaml", "bell_2011.yaml"}
    assert len(costs) > 25
    kinds = {line.split(" | ")[3] for line in table.render().splitlines()
             if line.startswith("| `")}
    assert kinds <= set(table.KINDS)


def test_every_sources_section_cited_anywhere_in_the_scenarios_exists():
    """Not only in the rows: every comment of every shipped scenario file."""
    sections = _sections(SOURCES.read_text(encoding="utf-8"))
    assert set(sections) == set(range(1, len(sections) + 1)) and len(sections) >= 10
    cited = set()
    for path in table.shipped_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            comment = line.partition("#")[2]
            cited |= {(path.name, int(n)) for n in re.findall(r"§(\d+)", comment)}
    assert {n for _, n in cited} >= {1, 4, 6, 7, 8}
    assert not [c for c in cited if c[1] not in sections]


def test_the_checks_catch_bad_comments(tmp_path):
    """The same checks on a file whose tags are wrong report every fault."""
    f = tmp_path / "bad.yaml"
    f.write_text(
        "jail:\n"
        "  rated_capacity: 10   # a count [sourced: 1,000 jails]\n"
        "hold:\n"
        "  cap: 24h             # sources §1 [sourced 2017]\n"
        "  rule: calendar_48h   # not a number: not a row\n"
        "honor:\n"
        "  refusal_probability: 0.1   # sources §99 and §10 item 42 [assumption]\n"
        "bond:\n"
        "  detainer_factor: 0.5       # no tag at all\n"
        "  detainer_ror_factor: 0.5   # [derived 2020]\n"
    )
    rows = table.defaults(f)
    assert [d.field for d in rows] == ["jail.rated_capacity", "hold.cap",
                                       "honor.refusal_probability", "bond.detainer_factor",
                                       "bond.detainer_ror_factor"]
    problems = _problems(rows, SOURCES.read_text(encoding="utf-8"))
    assert problems == [
        "bad.yaml: jail.rated_capacity: sourced, but no year",
        "bad.yaml: hold.cap: sourced, but no denominator",
        "bad.yaml: honor.refusal_probability: an assumption with no reason",
        "bad.yaml: honor.refusal_probability: cites sources §99, which docs/sources.md does "
        "not have",
        "bad.yaml: honor.refusal_probability: cites sources §10 item 42, which §10 does not "
        "have",
        "bad.yaml: bond.detainer_factor: no kind (tag the comment)",
        "bad.yaml: bond.detainer_ror_factor: derived, but not from what",
    ]


def test_tags_are_read_from_the_comment_that_belongs_to_the_field(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        "charges:\n"
        "  felony:\n"
        "    pretrial:\n"
        "      # shared by the block [derived 1990-2004: felony defendants]\n"
        "      ror: 0.1\n"
        "      bail: 0.2\n"
        "      post: 0.3      # its own [assumption: none published]\n"
        "changes:\n"
        "  - from: 2025-07-01\n"
        "    set: {ice.p_pickup: 0.7}   # what-if [assumption: a test]\n"
    )
    by = {d.field: d for d in table.defaults(f)}
    assert by["charges.felony.pretrial.bail"].kind == "derived"  # the block at the top
    assert by["charges.felony.pretrial.bail"].year == "1990-2004"
    assert by["charges.felony.pretrial.post"].kind == "assumption"
    assert by["charges.felony.pretrial.post"].source == "its own"
    change = by["ice.p_pickup from 2025-07-01"]
    assert (change.value, change.unit, change.denominator) == ("0.7", "probability, 0–1",
                                                               "a test")
    with pytest.raises(ValueError, match="2 tags"):
        table.parse_tag("[assumption: a] [derived: b]")
