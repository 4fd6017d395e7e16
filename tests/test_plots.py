"""Every figure has labeled axes, a title and a source line, and renders."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

import jailsim
from jailsim import plots

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def run():
    return jailsim.simulate("scenarios/jem.yaml", seed=1, replications=2, days=120,
                            engine="vector")


@pytest.mark.parametrize("name", ["los_survival", "census", "holds", "screening"])
def test_figure_contract(run, name, tmp_path):
    fig = getattr(plots, name)(run)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    texts = [t.get_text() for t in fig.texts]
    assert any("seed 1" in t and "2 replications" in t for t in texts)
    fig.savefig(tmp_path / f"{name}.png")
    assert (tmp_path / f"{name}.png").stat().st_size > 5000


def test_differences_and_budget_plots(tmp_path):
    table = pd.DataFrame({"pct": [10.0, -5.0], "pct_low": [5.0, -9.0], "pct_high": [15.0, -1.0]},
                         index=["adp", "mean_los_days"])
    fig = plots.differences(table)
    assert fig.axes[0].get_xlabel()
    costs = pd.DataFrame({"bed_day_cost_usd": [1e6, 1.2e6], "program_cost_usd": [0, 3e5],
                          "net_cost_usd": [1e6, 1.5e6]}, index=["WSO", "JEM"])
    fig = plots.budget(costs)
    assert fig.axes[0].get_ylabel() == "USD per year"
    fig.savefig(tmp_path / "b.png")
