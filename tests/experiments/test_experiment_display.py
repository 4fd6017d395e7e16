"""A Comparison and a Sweep in a notebook: short repr and escaped HTML, units, figures."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

import jailsim
from jailsim.experiments.display import POINTS
from jailsim.results.metrics import HEADLINE, METRICS

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

SCRIPT = "<script>alert(1)</script>"
SMALL = {"seed": 1, "replications": 2, "days": 30, "engine": "vector"}


@pytest.fixture(scope="module")
def comp():
    jem = jailsim.load("jailsim:jem.yaml").with_({"name": SCRIPT})
    return jailsim.compare([jem, "jailsim:wso.yaml"], **SMALL)


def test_comparison_repr_is_one_short_line(comp):
    text = repr(comp)
    assert text == (f"Comparison(baseline={SCRIPT!r}, scenarios=[{SCRIPT!r}, 'WSO'], "
                    "replications=2, seed=1, crn=True, engine='vector')")


def test_comparison_html_is_short_escaped_with_each_side_and_the_difference(comp):
    page = comp._repr_html_()
    assert 500 < len(page) < 4000
    assert "<script>" not in page and "&lt;script&gt;" in page
    for name in HEADLINE:
        assert f">{name}<" in page and f">{METRICS[name][0]}<" in page
    assert "WSO − &lt;script&gt;" in page  # the difference column, named and escaped
    assert "common to every scenario" in page


def test_comparison_summary_has_units_for_every_scenario(comp):
    s = comp.summary()
    assert s.index.names == ["scenario", "metric"]
    assert list(s.columns) == ["unit", "mean", "ci_low", "ci_high", "n"]
    assert s.loc[("WSO", "adp"), "unit"] == "people"
    assert s.loc[(SCRIPT, "hold_bed_days"), "unit"] == "bed-days"
    assert s.loc[("WSO", "adp"), "mean"] == comp.results["WSO"].summary().loc["adp", "mean"]


def test_comparison_plots_return_their_figure_and_leave_none_open(comp):
    plt.close("all")
    fig = comp.plot.differences()
    assert isinstance(fig, Figure) and plt.get_fignums() == []
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    d = comp.differences.set_index("metric")
    assert shown == [m for m in HEADLINE if pd.notna(d.loc[m, "pct"])]
    assert any("seed 1" in t.get_text() and "paired" in t.get_text() for t in fig.texts)
    fig = comp.plot.los()
    assert isinstance(fig, Figure) and plt.get_fignums() == []
    with pytest.raises(ValueError, match="not compared"):
        comp.plot.differences(scenario="nobody")


@pytest.fixture(scope="module")
def big_sweep():
    sc = jailsim.load("jailsim:jem.yaml").with_({"warm_start.kind": "none"})  # quick
    names = [SCRIPT, *(f"county {k}" for k in range(4))]
    return jailsim.sweep(sc, {"name": names, "hold.cap": ["24h", "48h"]},
                         seed=1, replications=2, days=10, engine="vector")


def test_sweep_repr_is_one_short_line(big_sweep):
    text = repr(big_sweep)
    assert "\n" not in text and len(text) < 300
    assert text.startswith("Sweep(scenario='JEM', factors={'name': [")
    assert text.endswith("points=10, replications=2, seed=1, engine='vector')")


def test_sweep_html_shows_the_first_points_escaped_and_stays_short(big_sweep):
    page = big_sweep._repr_html_()
    assert 500 < len(page) < 4000  # a couple of thousand characters, however many points
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<tr><td") == POINTS
    assert f"and {10 - POINTS} more design points" in page
    assert ">adp (people)<" in page
