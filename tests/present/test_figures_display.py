"""Figures across runs return their Figure, let go by pyplot: a notebook shows each once."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

import jailsim
from jailsim.present import figures

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

DIFFERENCES = pd.DataFrame({"pct": [10.0, -5.0], "pct_ci_low": [5.0, -9.0],
                            "pct_ci_high": [15.0, -1.0]}, index=["adp", "mean_los_days"])
COSTS = pd.DataFrame({"attributable_cost_usd": [1e6, 1.2e6], "net_cost_usd": [1e6, 1.5e6]},
                     index=["WSO", "JEM"])
SWEEP = pd.DataFrame({"point": [0, 1], "jem.officers": [1, 2], "metric": "adp",
                      "unit": "people", "mean": [500.0, 498.0], "ci_low": [495.0, 493.0],
                      "ci_high": [505.0, 503.0], "n": 2})
INDICES = pd.DataFrame({"metric": "adp", "parameter": ["a", "a", "b", "b"],
                        "index": ["S1", "ST", "S1", "ST"], "value": [0.6, 0.7, 0.2, 0.3],
                        "ci_low": [0.5, 0.6, 0.1, 0.2], "ci_high": [0.7, 0.8, 0.3, 0.4]})

DRAWN = {
    "differences": lambda: figures.differences(DIFFERENCES, source="s"),
    "plot_budget": lambda: jailsim.plot_budget(COSTS, source="s"),
    "plot_sweep": lambda: jailsim.plot_sweep(SWEEP, "jem.officers", ["adp"], source="s"),
    "plot_sensitivity": lambda: jailsim.plot_sensitivity(INDICES, ["adp"], source="s"),
}


@pytest.mark.parametrize("name", list(DRAWN))
def test_a_figure_is_returned_and_not_kept_open_by_pyplot(name):
    plt.close("all")
    fig = DRAWN[name]()
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == []  # in Jupyter: shown once, as the cell's value
    assert [t.get_text() for t in fig.texts][-1] == "s"
    fig.canvas.draw()


def test_the_public_names_are_the_figures_of_this_module():
    assert jailsim.plot_budget is figures.budget
    assert jailsim.plot_sweep is figures.sweep_metrics
    assert jailsim.plot_sensitivity is figures.sensitivity_indices


def test_a_sweep_plots_each_metric_against_its_parameter_with_interval_bands():
    from matplotlib.collections import PolyCollection

    plt.close("all")
    s = jailsim.sweep("scenarios/jem.yaml", {"jem.officers": [1, 2], "hold.cap": ["24h", "48h"]},
                      seed=1, replications=2, days=30, engine="vector")
    fig = s.plot(["adp", "detainers"])
    assert isinstance(fig, Figure) and plt.get_fignums() == []  # shown once in a notebook
    assert [ax.get_ylabel() for ax in fig.axes] == ["adp (people)", "detainers (count)"]
    assert fig.axes[0].get_xlabel() == "jem.officers (count)"  # the first factor, its unit
    for ax, metric in zip(fig.axes, ["adp", "detainers"], strict=True):
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == len(ax.lines) == 2  # one series per value of hold.cap
        t = s.table[(s.table["metric"] == metric) & (s.table["hold.cap"] == "24h")]
        assert list(ax.lines[0].get_ydata()) == list(t["mean"])
        band = bands[0].get_paths()[0].vertices[:, 1]
        assert band.max() == pytest.approx(t["ci_high"].max())
        assert band.min() == pytest.approx(t["ci_low"].min())
    assert fig.texts[-1].get_text().startswith("jailsim — sweep of scenario 'JEM', seed 1")
    assert s.plot(factor="hold.cap").axes[0].get_xlabel() == "hold.cap (duration)"
    with pytest.raises(ValueError, match="not varied in this sweep"):
        s.plot(factor="hold.rule")
