"""A scenario in a notebook: a short repr, a short escaped HTML table of its facts."""

from __future__ import annotations

import jailsim

SCRIPT = "<script>alert(1)</script>"


def test_repr_is_one_short_line_with_what_a_reader_needs_first():
    sc = jailsim.load("jailsim:jem.yaml")
    text = repr(sc)
    assert text == ("Scenario(name='JEM', program='jem', start_date='2025-01-06', "
                    "horizon_days=730.5, warmup_days=0.0, replications=1, seed=None)")
    assert "\n" not in str(sc) and len(str(sc)) < 200


def test_html_is_a_short_table_of_facts():
    sc = jailsim.load("jailsim:jem.yaml").with_({"warmup": "10d", "seed": 7})
    page = sc._repr_html_()
    assert 300 < len(page) < 2500
    for fact in ("JEM", "jem", "2025-01-06 to 2027-01-06 12:00 (730.5 days)",
                 "10 days (measured from 2025-01-16)", "steady_state", ">7<"):
        assert fact in page, fact
    assert sc.description[:60] in page


def test_html_escapes_the_name_and_cuts_a_long_description():
    sc = jailsim.load("jailsim:jem.yaml").with_({"name": SCRIPT, "description": "x" * 20_000})
    page = sc._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert len(page) < 2500  # the 20,000-character description is cut short


def test_facts_name_the_dated_changes():
    facts = jailsim.load("jailsim:sb8_wso.yaml").facts()
    assert facts["dated changes"] == "2026-01-01"
    assert facts["seed"] == "given at run time"
