"""Control characters in what a scenario names: refused in names, never printed raw.

A name is shown in every table and report, so it is one line of printable text: a newline,
tab, NUL, an escape character (ANSI sequences) or a Unicode line separator in ``name`` or in
a charge class's name is a one-line error naming the field. A description may hold line
breaks and tabs, nothing else. Whatever the file name, an error line holds no control
character (they are shown escaped).
"""

from __future__ import annotations

import pytest

from jailsim.base.errors import ScenarioError
from jailsim.scenario import load

NAME_RULE = ("expected one line of printable text, without control characters (newline, tab, "
             "NUL, escape \\x1b and the like)")


def _lines(tmp_path, body: str, name: str = "s.yaml") -> tuple[str, list[str]]:
    path = tmp_path / name
    path.write_text("extends: jailsim:jem.yaml\n" + body, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load(path)
    return str(path), exc.value.lines


@pytest.mark.parametrize("text, shown", [
    ("JEM\\e[2J", "'JEM\\x1b[2J'"),
    ("two\\nlines", "'two\\nlines'"),
    ("nul\\0", "'nul\\x00'"),
    ("tab\\there", "'tab\\there'"),
    ("sep\\Lx", "'sep\\u2028x'"),
    ("bidi\\u202Eevil", "'bidi\\u202eevil'"),
])
def test_a_name_with_a_control_character_is_refused(tmp_path, text, shown):
    f, lines = _lines(tmp_path, f'name: "{text}"\n')
    assert lines == [f"{f}: name: got {shown}; {NAME_RULE}"]


def test_a_charge_name_with_a_control_character_is_refused(tmp_path):
    body = ('charges:\n  "fel\\tony": {felony: true, pretrial: {ror: 0, bail: 0, post: 0, '
            "post_delay: 1h}, disposition: {time_to_disposition: 1d, time_served: 1, jail: 0, "
            "prison: 0, jail_days: 1d, prison_transfer_delay: 1d}}\n")
    f, lines = _lines(tmp_path, body)
    assert lines == [f"{f}: charges.'fel\\tony': got 'fel\\tony'; {NAME_RULE}"]


def test_a_description_may_have_line_breaks_and_tabs_only(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text('extends: jailsim:jem.yaml\ndescription: "line one\\n\\tline two"\n')
    assert load(path).description == "line one\n\tline two"
    f, lines = _lines(tmp_path, 'description: "bell\\a and escape\\e[31m"\n')
    assert lines == [f"{f}: description: got 'bell\\x07 and escape\\x1b[31m'; expected text "
                     "without control characters (NUL, escape \\x1b and the like; line breaks "
                     "and tabs are allowed)"]


def test_with_refuses_a_name_with_a_control_character():
    sc = load("jailsim:jem.yaml")
    with pytest.raises(ScenarioError) as exc:
        sc.with_(name="x\x1b[2J")
    assert exc.value.lines == [f"<with_>: name: got 'x\\x1b[2J'; {NAME_RULE}"]


def test_an_error_line_shows_a_file_name_s_control_characters_escaped(tmp_path):
    path = tmp_path / "evil\x1b[2J.yaml"
    path.write_text("extends: jailsim:jem.yaml\njail: {rated_capacity: -1}\n")
    with pytest.raises(ScenarioError) as exc:
        load(path)
    (line,) = exc.value.lines
    assert "\x1b" not in line and "evil\\x1b[2J.yaml: jail.rated_capacity: got -1" in line
    assert ScenarioError(["a\x00b\tc"]).lines == ["a\\x00b\\tc"]
