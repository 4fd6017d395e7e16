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
    assert len(PRESETS) == 6
    assert sorted({f.preset for f in headline()}) == sorted(
        f"published/{p.name}" for p in PRESETS)
    assert len({f.study for f in headline()}) == len(headline())
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


def test_fitted_inputs_name_what_the_base_county_fitted_to_a_study():
    # The base county's bond factor is calibrated to King and Pierce: both show it; Harris
    # (JEM staffing derived from its own inputs, not fitted) and Bell show nothing.
    by_key = {f.key: f for f in FIGURES}
    assert fitted_inputs(by_key["king_2011_stay_ratio"]) == [
        "bond.detainer_factor (base_county.yaml)"]
    assert fitted_inputs(by_key["pierce_2016_stay_ratio"]) == [
        "bond.detainer_factor (base_county.yaml)"]
    assert fitted_inputs(by_key["harris_2015_detainer_share"]) == []
    assert fitted_inputs(by_key["bell_2011_days_per_detainer_month"]) == []
    chain = [p.name for p in preset_chain(preset_path(by_key["king_2011_stay_ratio"]))]
    assert chain == ["king_2011.yaml", "ice_2016.yaml", "base_county.yaml"]


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
