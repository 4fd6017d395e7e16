"""Every figure has labeled axes, a title and a source line, and renders."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

import jailsim
from jailsim.present import figures
from jailsim.results import plots

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
    table = pd.DataFrame({"pct": [10.0, -5.0], "pct_ci_low": [5.0, -9.0],
                          "pct_ci_high": [15.0, -1.0]}, index=["adp", "mean_los_days"])
    fig = figures.differences(table, source="jailsim — seed 3")
    assert fig.axes[0].get_xlabel()
    assert [t.get_text() for t in fig.texts] == ["jailsim — seed 3"]
    costs = pd.DataFrame({"bed_day_cost_usd": [1e6, 1.2e6], "program_cost_usd": [0, 3e5],
                          "net_cost_usd": [1e6, 1.5e6]}, index=["WSO", "JEM"])
    fig = figures.budget(costs, source="jailsim — seed 3")
    assert fig.axes[0].get_ylabel() == "USD per year"
    assert [t.get_text() for t in fig.texts] == ["jailsim — seed 3"]
    fig.savefig(tmp_path / "b.png")


def _sweep_table():
    """A sweep's tidy table, made by hand: two factors, two metrics, known means."""
    rows = []
    for p, (officers, cap) in enumerate([(1, "24h"), (1, "48h"), (4, "24h"), (4, "48h")]):
        for metric, unit, mean in (("adp", "people", 500 + officers),
                                   ("hold_bed_days", "bed-days", 10 * (1 + (cap == "48h")))):
            rows.append({"point": p, "jem.officers": officers, "hold.cap": cap,
                         "metric": metric, "unit": unit, "mean": float(mean),
                         "ci_low": mean - 1.0, "ci_high": mean + 1.0, "n": 2})
    return pd.DataFrame(rows)


def test_sweep_figure_contract(tmp_path):
    table = _sweep_table()
    fig = figures.sweep_metrics(table, "hold.cap", ["adp", "hold_bed_days"],
                              factor_unit="duration", source="jailsim — seed 9")
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 2
    for ax, metric, unit in zip(axes, ["adp", "hold_bed_days"], ["people", "bed-days"],
                                strict=True):
        assert ax.get_title() and ax.get_xlabel() == "hold.cap (duration)"
        assert ax.get_ylabel() == f"{metric} ({unit})"
        # categorical values in design order, one series per value of the other factor
        assert [t.get_text() for t in ax.get_xticklabels()] == ["24h", "48h"]
        assert len(ax.lines) == 2 and len(ax.collections) == 2  # a line and a band each
    # the means are drawn where the table puts them (hold_bed_days: 10 at 24h, 20 at 48h)
    line = axes[1].lines[0]
    assert list(line.get_ydata()) == [10.0, 20.0]
    assert fig._suptitle.get_text().startswith("Sweep over hold.cap")
    assert any("seed 9" in t.get_text() for t in fig.texts)
    fig.savefig(tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").stat().st_size > 5000


def test_sweep_figure_with_a_numeric_parameter():
    fig = figures.sweep_metrics(_sweep_table(), "jem.officers", ["adp"], factor_unit="count")
    ax = fig.axes[0]
    line = ax.lines[0]
    # numbers to scale, means as in the table
    x = line.get_xdata()
    assert x[1] - x[0] == pytest.approx(3.0)
    assert list(line.get_ydata()) == [501.0, 504.0]
    assert ax.get_xlabel() == "jem.officers (count)"


def test_sensitivity_figure_contract():
    indices = pd.DataFrame({
        "metric": ["adp"] * 4, "parameter": ["a", "a", "b", "b"],
        "index": ["S1", "ST", "S1", "ST"], "value": [0.6, 0.7, 0.2, 0.3],
        "ci_low": [0.5, 0.6, 0.1, 0.2], "ci_high": [0.7, 0.8, 0.3, 0.4]})
    fig = figures.sensitivity_indices(indices, ["adp"], source="jailsim — seed 3")
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == [0.2, 0.3, 0.6, 0.7]
    assert any("seed 3" in t.get_text() for t in fig.texts)


def test_panels_share_one_source_line_and_wso_cap_is_marked():
    import matplotlib.pyplot as plt

    wso = jailsim.simulate("scenarios/wso.yaml", seed=1, replications=1, days=120,
                           engine="vector")
    fig, axes = plt.subplots(1, 2)
    plots.holds(wso, ax=axes[0])
    plots.holds(wso, ax=axes[1])
    assert len(fig.texts) == 1  # the same source line is written once
    labels = axes[0].get_legend_handles_labels()[1]
    cap = wso.scenario.wso.custody_cap * 24
    assert any(f"WSO custody cap after a served warrant: {cap:g} h" in x for x in labels)
