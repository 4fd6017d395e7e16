"""Legends sit off the data: outside the axes of every figure the reports show."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

import jailsim
from jailsim.present import figures
from jailsim.results import plots

matplotlib.use("Agg")

COSTS = pd.DataFrame({"attributable_cost_usd": [1e6, 1.2e6], "program_cost_usd": [0, 3e5],
                      "net_cost_usd": [1e6, 1.5e6]}, index=["WSO", "JEM"])
SWEEP = pd.DataFrame([
    {"point": p, "jem.officers": o, "hold.cap": c, "metric": "adp", "unit": "people",
     "mean": 500.0 + o, "ci_low": 490.0 + o, "ci_high": 510.0 + o, "n": 2}
    for p, (o, c) in enumerate([(1, "24h"), (1, "48h"), (2, "24h"), (2, "48h")])])
INDICES = pd.DataFrame({"metric": "adp", "parameter": ["a", "a", "b", "b"],
                        "index": ["S1", "ST", "S1", "ST"], "value": [0.6, 0.7, 0.2, 0.3],
                        "ci_low": [0.5, 0.6, 0.1, 0.2], "ci_high": [0.7, 0.8, 0.3, 0.4]})


@pytest.fixture(scope="module")
def run():
    return jailsim.simulate("scenarios/jem.yaml", seed=1, replications=1, days=60,
                            engine="vector")


DRAWN = {
    "los_survival": lambda run: plots.los_survival(run),
    "census": lambda run: plots.census(run),
    "holds": lambda run: plots.holds(run),
    "screening": lambda run: plots.screening(run),
    "budget": lambda run: figures.budget(COSTS, source="s"),
    "sweep": lambda run: figures.sweep_metrics(SWEEP, "jem.officers", ["adp"], source="s"),
    "sensitivity": lambda run: figures.sensitivity_indices(INDICES, ["adp"], source="s"),
}


@pytest.mark.parametrize("name", list(DRAWN))
def test_no_legend_covers_an_axes(run, name):
    fig = DRAWN[name](run)
    fig.draw_without_rendering()  # lays the figure out as savefig does
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    assert legends, "the figure has a legend"
    for legend in legends:
        box = legend.get_window_extent()
        for ax in fig.axes:
            if ax.get_visible():
                assert not box.overlaps(ax.get_window_extent()), (name, ax.get_title())
