"""A Result in a notebook: short repr and HTML, units in its summary, Timestamps on request,
repricing, and figures that a notebook shows once (drawn here with the Agg backend)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.results.metrics import HEADLINE, METRICS
from jailsim.results.tables import cell

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def res():
    sc = jailsim.load("jailsim:jem.yaml").with_({"name": SCRIPT})
    return jailsim.simulate(sc, seed=1, replications=2, days=30, engine="vector")


def test_repr_is_one_short_line(res):
    text = repr(res)
    assert "\n" not in text and len(text) < 250
    assert text.startswith(f"Result(scenario={SCRIPT!r}, program='jem', ")
    assert "replications=2, seed=1, engine='vector', bookings=" in text


def test_html_is_short_escaped_and_shows_headline_metrics_with_intervals(res):
    page = res._repr_html_()
    assert 500 < len(page) < 4000
    assert "<script>" not in page and "&lt;script&gt;" in page
    summary = res.summary()
    for name in HEADLINE:
        assert f">{name}<" in page and f">{METRICS[name][0]}<" in page
    assert f">{cell(summary.loc['adp'], 'adp')}<" in page  # mean ± half-width, as tables write it
    assert "2025-01-06 to 2025-02-05 (30 days)" in page


def test_summary_has_the_unit_of_every_metric(res):
    s = res.summary()
    assert list(s.columns) == ["unit", "mean", "ci_low", "ci_high", "n"]
    assert s["unit"].to_dict() == {name: unit for name, (unit, _) in METRICS.items()}
    assert s.loc["adp", "unit"] == "people" and s.loc["mean_hold_hours", "unit"] == "hours"


def test_bookings_with_times_puts_a_timestamp_beside_each_time(res):
    b = res.bookings_with_times()
    cols = list(b.columns)
    times = [c for c in res.bookings.columns if c.endswith("_at")]
    for col in times:
        stamp = col.removesuffix("_at") + "_time"
        assert cols.index(stamp) == cols.index(col) + 1
        assert b[stamp].dtype.kind == "M"
        assert (b[stamp].isna() == b[col].isna()).all()
    start = pd.Timestamp("2025-01-06")
    days = (b["exit_time"] - start) / pd.Timedelta(days=1)
    ok = b["exit_at"].notna()
    assert np.allclose(days[ok], b.loc[ok, "exit_at"], atol=1e-9)
    # a new table: the Result's own is left as it was, without Timestamps
    assert "booked_time" not in res.bookings.columns
    assert len(b.columns) == len(res.bookings.columns) + len(times)


def test_bookings_with_times_of_some_columns_only(res):
    b = res.bookings_with_times(["booked_at"])
    assert len(b.columns) == len(res.bookings.columns) + 1
    with pytest.raises(ValueError, match="not a time column"):
        res.bookings_with_times(["los_days"])


def test_with_costs_reprices_the_same_run_and_refuses_other_changes(res):
    cheap = res.with_costs({"costs.bed_day_cost_usd_per_day": 50.0})
    assert cheap.bookings is res.bookings and cheap.metrics is res.metrics
    assert cheap.scenario.costs.bed_day_cost_usd_per_day[0].usd == 50.0
    assert res.scenario.costs.bed_day_cost_usd_per_day[0].usd != 50.0
    with pytest.raises(ScenarioError, match="only costs"):
        res.with_costs({"jem.officers": 4})


@pytest.mark.parametrize("name", ["los", "census", "holds", "screening"])
def test_a_plot_returns_its_figure_and_leaves_none_open_in_pyplot(res, name):
    """In Jupyter an open pyplot figure is shown at the end of the cell, and a Figure that is
    the cell's value is shown too: returned, the figure must not also be kept by pyplot."""
    plt.close("all")
    fig = getattr(res.plot, name)()
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == []  # nothing left open: shown once, as the cell's value
    assert fig.axes[0].get_title()
    fig.canvas.draw()  # still drawable and savable once let go by pyplot


def test_a_plot_on_given_axes_draws_there_and_opens_nothing_new(res):
    plt.close("all")
    fig, axes = plt.subplots(1, 2)
    out = res.plot.holds(ax=axes[1])
    assert out is fig and plt.get_fignums() == [fig.number]
    plt.close(fig)
