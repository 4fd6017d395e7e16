"""The sources of a report's inputs: what each scenario cites, and the sections it cites them from.

A scenario carries the sources of its cost inputs in ``costs.sources`` (input -> where its
value comes from). Every other number's source is the comment beside it in the scenario file,
most of them in jailsim's default county, ``base_county.yaml``, the file every shipped scenario
extends; there "sources §N" is section N of ``docs/sources.md``, which names each publication
with its year and denominator. A run folder keeps the resolved scenario without its comments, so
a report lists each scenario's ``costs.sources`` and the sections of ``docs/sources.md`` that
they, the scenarios' descriptions and the default county (shipped with jailsim) cite, each with
its title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from jailsim.scenario.loading import shipped_scenarios_dir

__all__ = ["DEFAULT_COUNTY", "SECTIONS", "Sources", "cited_sections", "sources"]

#: The default county's file among the shipped scenarios.
DEFAULT_COUNTY = "base_county.yaml"

#: The numbered sections of ``docs/sources.md`` (``tests/present`` keeps them in step with it).
SECTIONS = {
    1: "Detainer and 287(g) mechanics",
    2: "The number of 287(g) agreements over time",
    3: "Detainer volumes and outcomes, national",
    4: "County-level detainer incidence and pickup: the best validation targets",
    5: "How much detainers lengthen jail stays, and why",
    6: "National jail statistics (BJS)",
    7: "Pretrial release and bond",
    8: "Costs and reimbursements",
    9: "Suggested defaults (derived from the sections above)",
    10: "Validation targets (short list)",
    11: "Existing jail and justice-system simulation and forecasting models",
    12: "Gaps and caveats",
}

_CITED = re.compile(r"§\s*(\d+)")


def cited_sections(text: str) -> list[int]:
    """The sections of ``docs/sources.md`` a text cites ("sources §6, §9": 6 and 9), in order.

    Examples
    --------
    >>> cited_sections("ADP 500 / 0.73 (sources §6, §9; §6 again)")
    [6, 9]
    """
    return sorted({int(n) for n in _CITED.findall(text) if int(n) in SECTIONS})


@dataclass(frozen=True)
class Sources:
    """What a report's "Sources" section lists.

    Attributes
    ----------
    entries
        ``(scenarios, input, source)`` for every ``costs.sources`` entry, once for all the
        scenarios that give it (``"JEM, WSO"``).
    sections
        ``(section, title, cited by)`` for every section of ``docs/sources.md`` cited, in order
        (``"§6"``, its title, ``"the default county, JEM"``).
    """

    entries: list[tuple[str, str, str]]
    sections: list[tuple[str, str, str]]


def sources(scenarios: Mapping[str, object]) -> Sources:
    """The sources of the scenarios of a report, by label (see the module docstring)."""
    given: dict[tuple[str, str], list[str]] = {}
    for label, sc in scenarios.items():
        for path, text in sc.costs.sources.items():
            given.setdefault((f"costs.{path}", text), []).append(label)
    entries = [(", ".join(labels), path, text) for (path, text), labels in given.items()]
    citers: dict[int, list[str]] = {}
    default = (shipped_scenarios_dir() / DEFAULT_COUNTY).read_text(encoding="utf-8")
    for n in cited_sections(default):
        citers.setdefault(n, []).append("the default county")
    for label, sc in scenarios.items():
        text = " ".join([sc.description, *sc.costs.sources.values()])
        for n in cited_sections(text):
            citers.setdefault(n, []).append(label)
    sections = [(f"§{n}", SECTIONS[n], ", ".join(citers[n])) for n in sorted(citers)]
    return Sources(entries, sections)
