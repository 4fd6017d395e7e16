"""The report lists its inputs' sources: the sections it names are those of docs/sources.md."""

from __future__ import annotations

import re
from pathlib import Path

import jailsim
from jailsim.present.sources import SECTIONS, cited_sections, sources

REPO = Path(__file__).resolve().parents[2]


def test_the_sections_are_those_of_docs_sources_md():
    text = (REPO / "docs" / "sources.md").read_text()
    headings = dict(re.findall(r"^## (\d+)\. (.+)$", text, re.MULTILINE))
    assert {int(k): v for k, v in headings.items()} == SECTIONS


def test_cited_sections_are_read_from_the_citations():
    assert cited_sections("(sources §6, §9: BJS) and sources §10 item 5; §99") == [6, 9, 10]
    assert cited_sections("no citation") == []


def test_each_scenario_cost_source_and_every_cited_section_is_listed():
    jem = jailsim.load("scenarios/jem.yaml")
    sb8 = jailsim.load("scenarios/sb8_wso.yaml")
    found = sources({"JEM": jem, "SB 8": sb8})
    given = {(path, text): who for who, path, text in found.entries}
    # the default county's cost sources, shared: listed once for both scenarios
    bed_day = jem.costs.sources["bed_day_cost_usd_per_day"]
    assert given[("costs.bed_day_cost_usd_per_day", bed_day)] == "JEM, SB 8"
    # SB 8's own: the DHS reimbursement of 2025, cited from §8
    own = sb8.costs.sources["officer_reimbursement.salary_benefits_share"]
    assert given[("costs.officer_reimbursement.salary_benefits_share", own)] == "SB 8"
    sections = {s: (title, by) for s, title, by in found.sections}
    assert sections["§8"] == (SECTIONS[8], "the default county, JEM, SB 8")
