"""The county presets: sourced inputs only, none fitted to its own study; the command's edges."""

from __future__ import annotations

import pytest

import jailsim
from jailsim.cli.main import main
from jailsim.evidence.measures import MEASURES
from jailsim.evidence.published import FIGURES, headline
from jailsim.evidence.table import fitted_inputs, preset_chain, preset_path
from jailsim.scenario.defaults import defaults
from jailsim.scenario.loading import shipped_scenarios_dir

PRESETS = sorted((shipped_scenarios_dir() / "published").glob("*.yaml"))


def test_every_study_has_one_headline_figure_and_a_preset_that_loads():
    assert len(PRESETS) == 7  # six studies and one calibration target (Harris 2019)
    studies = {f.preset for f in headline()}
    assert len(studies) == len(headline()) == 6
    assert {f.preset for f in FIGURES} == {f"published/{p.name}" for p in PRESETS}
    for f in FIGURES:
        assert f.measure in MEASURES
        jailsim.load(preset_path(f))


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_every_number_a_preset_sets_is_tagged_and_none_is_fitted_to_its_county(path):
    rows = defaults(path)
    assert rows, path
    untagged = [d.field for d in rows if not d.kind]
    assert not untagged, f"{path.name}: numbers without a [sourced|derived|assumption] tag"
    calibrated = [d.field for d in rows if "calibrated" in d.denominator]
    assert not calibrated, f"{path.name}: inputs calibrated in a published preset"


def test_fitted_inputs_name_the_calibrations_to_a_figure_of_the_same_county_and_years():
    # The base county's bond factor is calibrated to Harris County 2019: it shows on the
    # Harris 2019 calibration row, not on the Harris 2015 figure (other years), nor on any
    # other county's; JEM staffing derived from Harris's own inputs is not "fitted".
    by_key = {f.key: f for f in FIGURES}
    assert fitted_inputs(by_key["harris_2019_days_per_detainer"]) == [
        "bond.detainer_factor (base_county.yaml)"]
    assert by_key["harris_2019_days_per_detainer"].calibrates == "bond.detainer_factor"
    for f in headline():
        assert fitted_inputs(f) == [], f.key
    chain = [p.name for p in preset_chain(preset_path(by_key["king_2011_stay_ratio"]))]
    assert chain == ["king_2011.yaml", "ice_2016.yaml", "base_county.yaml"]


def test_a_calibration_to_the_same_county_in_overlapping_years_is_fitted(tmp_path):
    from jailsim.evidence.published import Figure

    preset = tmp_path / "k.yaml"
    preset.write_text(
        "extends: jailsim:base_county.yaml\n"
        "bond:\n"
        "  detainer_factor: 0.3   # [derived 2010-11: calibrated to stays, King Co. 2011]\n"
    )
    fig = Figure(key="k", study="s", county="King County, WA", years="2011", denominator="d",
                 measure="extra_days", value=1.0, unit="days", preset=str(preset),
                 headline=True, leaves_out="-")
    assert fitted_inputs(fig) == ["bond.detainer_factor (k.yaml)"]
    later = Figure(**{**fig.__dict__, "years": "2016-18"})
    assert fitted_inputs(later) == []
    fiscal = Figure(**{**fig.__dict__, "years": "FY2014-16"})  # no word boundary after FY
    assert fitted_inputs(fiscal) == []


def test_a_figure_named_twice_is_run_once(capsys):
    from jailsim.evidence.table import evidence

    key = "bell_2011_days_per_detainer_month"
    fig = next(f for f in FIGURES if f.key == key)
    once = evidence((fig,), replications=2, seed=1)
    twice = evidence((fig, fig), replications=2, seed=1)
    assert len(twice) == 1 and twice.iloc[0].replications == 2
    assert twice.iloc[0].ci_low == once.iloc[0].ci_low
    assert main(["evidence", "-r", "2", "--figures", f"{key},{key}", "-q"]) == 0
    assert capsys.readouterr().out.count(key) == 1


def test_an_unknown_figure_is_a_one_line_error(capsys):
    assert main(["evidence", "--figures", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope" in err[0] and "harris_2015_detainer_share" in err[0]


def test_the_command_writes_the_page_its_figure_and_csv(tmp_path, capsys):
    page, csv = tmp_path / "docs" / "evidence.md", tmp_path / "ev.csv"
    code = main(["evidence", "-r", "2", "--figures", "bell_2011_days_per_detainer_month",
                 "--page", str(page), "--csv", str(csv), "-q"])
    assert code == 0
    text = page.read_text()
    assert "jailsim evidence -r 2 --seed 1 --figures bell_2011_days_per_detainer_month" in text
    assert "| **bell_2011_days_per_detainer_month** |" in text
    assert (page.parent / "figures" / "evidence.png").stat().st_size > 1000
    assert csv.read_text().startswith("figure,study,")
    assert not list(tmp_path.rglob("*.tmp"))
