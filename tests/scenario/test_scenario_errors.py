"""Each validation rule, as the one-line message a scenario author reads.

Every bad file is a small YAML that extends the real base_county.yaml and changes one thing.
"""

from __future__ import annotations

import pickle
import textwrap

import pytest

from jailsim.base.errors import ScenarioError
from jailsim.scenario import load
from jailsim.scenario.loading import validate


@pytest.fixture
def bad(tmp_path, scenarios_dir):
    """Write a scenario extending base_county.yaml; return the lines load() reports."""

    def write(body: str, name: str = "bad.yaml", extends: bool = True) -> tuple[str, list[str]]:
        path = tmp_path / name
        head = f"extends: {scenarios_dir / 'base_county.yaml'}\n" if extends else ""
        path.write_text(head + textwrap.dedent(body), encoding="utf-8")
        with pytest.raises(ScenarioError) as exc:
            load(path)
        lines = exc.value.lines
        assert lines, "a ScenarioError always has at least one line"
        for line in lines:
            assert "\n" not in line and "Traceback" not in line and "errors.pydantic" not in line
            assert line.startswith(f"{path}:"), line
        return str(path), lines

    return write


def test_negative_count(bad):
    f, lines = bad("jail: {rated_capacity: -5}\n")
    assert lines == [f"{f}: jail.rated_capacity: got -5; must be at least 0"]


def test_unknown_distribution_lists_the_allowed_ones(bad):
    f, lines = bad("""\
        charges:
          felony:
            pretrial:
              post_delay: {dist: poisson, mean: 2d}
        """)
    assert lines == [
        f"{f}: charges.felony.pretrial.post_delay: unknown distribution 'poisson' "
        "(allowed: fixed, exponential, lognormal, gamma, weibull, empirical, mixture)"
    ]


def test_distribution_without_dist_key(bad):
    f, lines = bad("charges: {felony: {pretrial: {post_delay: {dist: null}}}}\n")
    assert lines[0].startswith(f"{f}: charges.felony.pretrial.post_delay: unknown distribution")
    f, lines = bad("biometric: {delay: [1, 2]}\n")
    assert lines == [
        f"{f}: biometric.delay: got [1, 2]; expected a duration like '2h' or a mapping with "
        "'dist' (fixed, exponential, lognormal, gamma, weibull, empirical, mixture)"
    ]


def test_error_inside_a_distribution_has_no_union_tag(bad):
    f, lines = bad("biometric: {delay: {dist: lognormal, median: 48 parsecs, p90: 3d}}\n")
    assert len(lines) == 1
    assert lines[0].startswith(f"{f}: biometric.delay.median: got '48 parsecs'; expected")
    assert "lognormal" not in lines[0].split(":")[1]


def test_bad_unit(bad):
    f, lines = bad("hold: {cap: 48 parsecs}\n")
    assert lines == [
        f"{f}: hold.cap: got '48 parsecs'; expected a number with a unit, "
        "e.g. '15min', '48h', '2d' (units: min, h, d, w, y)"
    ]


def test_bare_number_has_no_unit(bad):
    f, lines = bad("hold: {cap: 48}\n")
    assert len(lines) == 1
    assert lines[0].startswith(f"{f}: hold.cap: got 48; expected a number with a unit")


def test_bad_rate_unit(bad):
    f, lines = bad("arrivals: {bookings: {rate: 15 per day}}\n")
    assert lines[0].startswith(f"{f}: arrivals.bookings.rate: got '15 per day'; expected")
    assert "/day" in lines[0]


def test_unknown_key_suggests_the_close_one(bad):
    f, lines = bad("jail: {rated_capcity: 10}\n")
    # The misspelt key also leaves rated_capacity unset: reported once, as the typo.
    assert lines == [
        f"{f}: jail.rated_capcity: unknown key 'rated_capcity'; did you mean 'rated_capacity'?"
    ]


def test_unknown_key_inside_a_list_and_a_distribution(bad):
    f, lines = bad("""\
        jem:
          shifts:
            - {days: Mon-Fri, strat: "08:00"}
          screening_time: {dist: lognormal, mean: 45min, sdev: 25min}
        """)
    assert f"{f}: jem.shifts.0.strat: unknown key 'strat'; did you mean 'start'?" in lines
    assert f"{f}: jem.screening_time.sdev: unknown key 'sdev'; did you mean 'sd'?" in lines


def test_unknown_key_without_a_close_one_lists_the_allowed_keys(bad):
    f, lines = bad("bond: {zebra: 1}\n")
    allowed = "detainer_factor, detainer_ror_factor"
    assert lines == [f"{f}: bond.zebra: unknown key 'zebra' (allowed: {allowed})"]


def test_unknown_top_level_key(bad):
    f, lines = bad("horizn: 2y\n")
    assert lines == [f"{f}: horizn: unknown key 'horizn'; did you mean 'horizon'?"]


def test_literal_lists_allowed_values(bad):
    f, lines = bad("honor: {policy: sometimes}\n")
    assert lines == [
        f"{f}: honor.policy: got 'sometimes'; not an allowed value "
        "(allowed: all, none, felony_only, judicial_warrant_only, notify_only, convicted_only)"
    ]


def test_missing_required_field(bad, tmp_path, scenarios_dir):
    import yaml

    data = yaml.safe_load((scenarios_dir / "base_county.yaml").read_text())
    del data["bond"]
    del data["jail"]["rated_capacity"]
    path = tmp_path / "nobond.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as exc:
        load(path)
    assert exc.value.lines == [
        f"{path}: jail.rated_capacity: missing required field",
        f"{path}: bond: missing required field",
    ]


def test_wrong_type_says_what_was_expected(bad):
    f, lines = bad("jail: 685\ncharges: {felony: {felony: maybe}}\nname: [a, b]\n")
    assert f"{f}: jail: got 685; expected a mapping with keys rated_capacity" in lines
    assert f"{f}: charges.felony.felony: got 'maybe'; expected true or false" in lines
    assert f"{f}: name: got ['a', 'b']; expected text" in lines


def test_union_of_list_or_word(bad):
    f, lines = bad("ice: {transport: {times: sometimes}}\n")
    assert lines == [f"{f}: ice.transport.times: got 'sometimes'; expected a list or 'continuous'"]
    f, lines = bad("ice: {transport: {times: [9]}}\n")
    assert lines == [f"{f}: ice.transport.times.0: got 9; expected text"]


def test_non_text_key(bad):
    f, lines = bad("arrivals: {bookings: {charge_mix: {felony: 0.4, 7: 0.6}}}\n")
    assert f"{f}: arrivals.bookings.charge_mix.7: key 7 must be text (put it in quotes)" in lines


def test_shares_not_summing_to_one(bad):
    f, lines = bad("arrivals: {bookings: {charge_mix: {felony: 0.5, misdemeanor: 0.6}}}\n")
    assert lines == [f"{f}: arrivals.bookings.charge_mix: shares sum to 1.1; they must sum to 1"]
    f, lines = bad("""\
        charges:
          felony:
            disposition: {time_served: 0.5, jail: 0.5, prison: 0.5}
        """)
    assert lines == [
        f"{f}: charges.felony.disposition: time_served + jail + prison = 1.5; must be 1"
    ]


def test_program_jem_without_jem_block(bad):
    f, lines = bad("program: jem\njem: null\n")
    assert lines == [f"{f}: (top level): program 'jem' needs a 'jem' block"]


def test_scenario_level_problems_one_line_each(bad):
    f, lines = bad("program: jem+wso\njem: null\nwso: null\nhorizon: 2y\nwarmup: 3y\n")
    assert lines == [
        f"{f}: (top level): warmup must be shorter than horizon",
        f"{f}: (top level): program 'jem+wso' needs a 'jem' block",
        f"{f}: (top level): program 'jem+wso' needs a 'wso' block",
    ]


def test_bad_time_of_day(bad):
    f, lines = bad('court: {sessions: ["09:00", "25:00"]}\n')
    assert lines == [
        f"{f}: court.sessions: got '25:00'; expected a time of day 'HH:MM' from 00:00 to 24:00"
    ]


def test_bad_weekday_name(bad):
    f, lines = bad("jem: {shifts: [{days: Mon-Fryday}]}\n")
    assert lines == [
        f"{f}: jem.shifts.0.days: got 'Mon-Fryday'; "
        "expected day names like 'Mon-Fri', 'Sat,Sun' or 'daily'"
    ]


def test_probability_above_one(bad):
    f, lines = bad("ice: {p_pickup: 1.5}\n")
    assert lines == [f"{f}: ice.p_pickup: got 1.5; must be at most 1"]


def test_not_finite_number(bad):
    f, lines = bad("arrivals: {bookings: {profile: {trend_per_year: .nan}}}\n")
    assert lines == [
        f"{f}: arrivals.bookings.profile.trend_per_year: got nan; expected a finite number"
    ]


def test_list_of_wrong_length(bad):
    f, lines = bad("arrivals: {bookings: {profile: {day_of_week: [1, 1, 1]}}}\n")
    assert lines == [f"{f}: arrivals.bookings.profile.day_of_week: has 3 items; needs at least 7"]


def test_bad_date(bad):
    f, lines = bad("start_date: next monday\n")
    assert lines == [f"{f}: start_date: got 'next monday'; expected a date like 2025-01-06"]


def test_impossible_date_is_located(bad):
    f, lines = bad("start_date: 2025-13-45\n")
    assert lines == [f"{f}:2:13: bad YAML value: month must be in 1..12"]


def test_lognormal_parametrisation(bad):
    f, lines = bad("biometric: {delay: {dist: lognormal, median: 12h}}\n")
    assert lines == [f"{f}: biometric.delay: give either 'mean' and 'sd', or 'median' and 'p90'"]


def test_mixture_component_error_is_not_followed_by_too_short(bad):
    f, lines = bad("""\
        biometric:
          delay:
            dist: mixture
            components: [{weight: 1, of: {dist: fixed, valeu: 2h}}]
        """)
    assert lines == [
        f"{f}: biometric.delay.components.0.of.valeu: unknown key 'valeu'; did you mean 'value'?"
    ]


def test_long_values_are_shortened(bad):
    f, lines = bad(f"hold: {{cap: {'x' * 500}}}\n")
    assert len(lines) == 1 and len(lines[0]) < len(f) + 200
    assert "..." in lines[0]


def test_several_problems_all_reported(bad):
    f, lines = bad("""\
        jail: {rated_capacity: -5}
        hold: {cap: 48}
        ice: {p_pickup: 1.5}
        honor: {policy: sometimes}
        bond: {detainer_fctor: 0.3}
        court: {sessions: ["25:00"]}
        biometric: {delay: {dist: poisson}}
        """)
    paths = [line.split(": ")[1] for line in lines]
    assert paths == [
        "jail.rated_capacity",
        "court.sessions",
        "bond.detainer_fctor",
        "biometric.delay",
        "honor.policy",
        "hold.cap",
        "ice.p_pickup",
    ]


# --- file-level problems ---------------------------------------------------------------------


def test_missing_extends_file(bad, tmp_path):
    f, lines = bad("extends: nowhere.yaml\n", extends=False)
    assert lines == [f"{f}: extends: 'nowhere.yaml' not found (looked in {tmp_path})"]


def test_missing_shipped_extends(bad):
    f, lines = bad("extends: jailsim:nowhere.yaml\n", extends=False)
    assert len(lines) == 1
    assert lines[0].startswith(f"{f}: extends: 'jailsim:nowhere.yaml' not found (looked in ")


def test_extends_not_a_name(bad):
    f, lines = bad("extends: [a.yaml, b.yaml]\n", extends=False)
    assert lines == [f"{f}: extends: got ['a.yaml', 'b.yaml']; expected a file name"]


def test_extends_cycle(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: c.yaml\n")
    (tmp_path / "c.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ScenarioError) as exc:
        load(tmp_path / "a.yaml")
    a, b, c = (str(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.yaml"))
    assert exc.value.lines == [f"{a}: extends cycle: {a} -> {b} -> {c} -> {a}"]


def test_extends_itself(bad):
    f, lines = bad("extends: bad.yaml\n", extends=False)
    assert lines == [f"{f}: extends cycle: {f} -> {f}"]


def test_empty_file(bad):
    f, lines = bad("", extends=False)
    assert lines == [f"{f}: empty scenario file"]
    f, lines = bad("# nothing but a comment\n", extends=False)
    assert lines == [f"{f}: empty scenario file"]


def test_top_level_not_a_mapping(bad):
    f, lines = bad("- a\n- b\n", extends=False)
    assert lines == [f"{f}: top level must be a mapping of keys to values, got list"]


def test_yaml_syntax_error_has_line_and_column(bad):
    f, lines = bad("jail: {rated_capacity: 10\nhold: {cap: 48h}\n")
    assert len(lines) == 1
    # libyaml's words where PyYAML has it (the loader used), else PyYAML's own
    assert lines[0] in (f"{f}:3:5: YAML syntax error: did not find expected ',' or '}}' at ':'",
                        f"{f}:3:5: YAML syntax error: expected ',' or '}}', but got ':'")


def test_yaml_tab_indentation(bad):
    f, lines = bad("jail:\n\trated_capacity: 10\n")
    assert lines[0] in (
        f"{f}:3:1: YAML syntax error: found character that cannot start any token at '\\t'",
        f"{f}:3:1: YAML syntax error: found character '\\t' that cannot start any token",
    )


def test_unsafe_yaml_tag_is_refused(bad):
    f, lines = bad("name: !!python/object/apply:os.system ['echo hi']\n")
    assert len(lines) == 1
    assert lines[0].startswith(f"{f}:2:7: YAML syntax error: could not determine a constructor")


def test_duplicate_key(bad):
    f, lines = bad("jail: {rated_capacity: 5}\nhold: {cap: 48h}\njail: {rated_capacity: 6}\n")
    assert lines == [
        f"{f}:4:1: duplicate key 'jail' (first at line 2); YAML would keep only the last"
    ]


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("# county\nname: Peñasco\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as exc:
        load(path)
    assert exc.value.lines == [f"{path}:2: not UTF-8 text (byte 0xf1); save the file as UTF-8"]


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        load(tmp_path / "nope.yaml")
    assert exc.value.lines == [f"{tmp_path / 'nope.yaml'}: file not found"]
    with pytest.raises(ScenarioError) as exc:
        load(tmp_path)
    assert exc.value.lines == [f"{tmp_path}: is a folder, not a scenario file"]


def test_self_referencing_alias(bad):
    f, lines = bad("description: &x [*x]\n")
    assert lines == [f"{f}: nested more than 100 levels deep (or a YAML alias refers to itself)"]


def test_alias_bomb_is_refused_quickly(bad):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    f, lines = bad("description:\n" + "".join(f"  {line}\n" for line in levels))
    assert lines == [f"{f}: more than 100,000 values (after expanding YAML aliases); a "
                     "scenario file may hold at most 100,000"]


def test_errors_in_a_parent_name_the_parent(tmp_path, scenarios_dir):
    (tmp_path / "parent.yaml").write_text(
        f"extends: {scenarios_dir / 'base_county.yaml'}\njail: {{rated_capacity: [1]}}\n"
    )
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nname: child\n")
    with pytest.raises(ScenarioError) as exc:
        load(tmp_path / "child.yaml")
    # Validation runs on the merged data, so the file named is the one loaded.
    assert exc.value.lines == [
        f"{tmp_path / 'child.yaml'}: jail.rated_capacity: got [1]; expected a whole number"
    ]
    (tmp_path / "parent.yaml").write_text("jail: {\n")
    with pytest.raises(ScenarioError) as exc:
        load(tmp_path / "child.yaml")
    assert exc.value.lines[0].startswith(f"{tmp_path / 'parent.yaml'}:2:1: YAML syntax error")


def test_validate_names_its_source():
    with pytest.raises(ScenarioError) as exc:
        validate(["not", "a", "mapping"], source="<cli>")
    assert exc.value.lines == ["<cli>: top level must be a mapping of keys to values, got list"]


def test_with_reports_bad_changes(scenarios_dir):
    sc = load(scenarios_dir / "base_county.yaml")
    with pytest.raises(ScenarioError) as exc:
        sc.with_({"jail.rated_capacity": -1, "hold.cap": "2 fortnights"})
    assert exc.value.lines[0] == "<with_>: jail.rated_capacity: got -1; must be at least 0"
    assert exc.value.lines[1].startswith("<with_>: hold.cap: got '2 fortnights'")


def test_scenario_error_survives_pickling():
    err = ScenarioError(["a.yaml: x: bad", "a.yaml: y: worse"])
    back = pickle.loads(pickle.dumps(err))
    assert back.lines == err.lines and str(back) == str(err)


def test_scenario_error_lines_are_single_lines():
    err = ScenarioError(["a.yaml: x: one\ntwo\r\nthree\u2028four"])
    assert err.lines == ["a.yaml: x: one two three four"]


def test_very_many_problems_are_capped(bad):
    weights = ", ".join(["-1"] * 168)
    f, lines = bad(f"arrivals: {{bookings: {{profile: {{hour_of_week: [{weights}]}}}}}}\n")
    assert len(lines) == 100
    assert lines[0] == f"{f}: arrivals.bookings.profile.hour_of_week.0: got -1; must be at least 0"
    assert lines[-1] == f"{f}: ... and 69 more problems"


def test_transport_seats_by_weekday_and_holidays(bad):
    f, lines = bad("ice: {transport: {times: ['10:00'], days: Mon-Fri, seats: {Mon-Thu: 3}}}\n")
    assert lines == [f"{f}: ice.transport: seats: no number for Fri, a day with transport runs"]
    f, lines = bad("ice: {transport: {times: ['10:00'], seats: {Mon-Thu: 3, Thu-Sun: 1},"
                   " holidays: yes}}\n")
    assert lines == [
        f"{f}: ice.transport.holidays: got True; not an allowed value (allowed: none, "
        "us_federal)",
        f"{f}: ice.transport.seats: a weekday is given seats twice (in 'Thu-Sun')",
    ]
