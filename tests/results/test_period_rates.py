"""Policy periods of unequal length: totals beside rates per day; the timeline in words."""

from __future__ import annotations

import numpy as np
import pytest

import jailsim
from jailsim.results import plots
from jailsim.results.breakdown import PER_DAY_UNITS, period_table, timeline_in_words
from jailsim.results.metrics import METRICS

#: sb8_wso starts 2025-09-01 and takes WSO from 2026-01-01 (day 122): 130 days cross it.
DAYS = 130


@pytest.fixture(scope="module")
def sb8():
    return jailsim.simulate("scenarios/sb8_wso.yaml", seed=2, replications=2, days=DAYS,
                            warmup_days=2, engine="vector")


def test_period_table_gives_days_and_rates_per_day(sb8):
    t = period_table(sb8)
    assert list(t.index.unique(0)) == ["2025-09-01", "2026-01-01"]
    days = t.groupby(level=0, sort=False)["days"].first()
    assert days.tolist() == [120.0, 8.0]  # 122 days less the warm-up, then 8 days of WSO
    for (period, name), row in t.iterrows():
        if METRICS[name][0] in PER_DAY_UNITS:
            assert row["per_day"] == pytest.approx(row["mean"] / days[period], nan_ok=True)
            assert row["per_day_ci_high"] == pytest.approx(row["ci_high"] / days[period],
                                                           nan_ok=True)
        else:  # shares, means and rates stay as they are: no rate per day
            assert np.isnan(row["per_day"]), name
    assert not np.isnan(t.loc[("2026-01-01", "bed_days"), "per_day"])
    assert np.isnan(t.loc[("2026-01-01", "adp"), "per_day"])


def test_timeline_in_words_follows_the_policy_periods():
    assert (timeline_in_words(jailsim.load("scenarios/sb8_wso.yaml"))
            == "no 287(g) agreement until 2026-01-01, then WSO")
    assert timeline_in_words(jailsim.load("scenarios/jem.yaml")) == "JEM throughout"
    words = timeline_in_words(jailsim.load("scenarios/ice_pickup_slows.yaml"))
    assert words.startswith("JEM until 2025-07-01, then JEM with ice.pickup_delay = lognormal (")


def test_census_marks_each_dated_change_with_a_labelled_line(sb8):
    fig = plots.census(sb8)
    ax = fig.axes[0]
    change = np.datetime64("2026-01-01")
    vertical = [line for line in ax.get_lines()
                if len(set(map(str, line.get_xdata()))) == 1
                and np.datetime64(line.get_xdata()[0], "D") == change]
    assert len(vertical) == 1
    assert "2026-01-01: WSO" in [t.get_text() for t in ax.texts]
    assert "dated policy change" in ax.get_legend_handles_labels()[1]


def test_census_without_changes_has_no_marker():
    res = jailsim.simulate("scenarios/jem.yaml", seed=1, replications=2, days=20,
                           engine="vector")
    assert len(plots.census(res).axes[0].texts) == 0


def test_holds_marks_the_wso_cap_of_a_program_taken_on_a_date(sb8):
    labels = plots.holds(sb8).axes[0].get_legend_handles_labels()[1]
    cap = jailsim.load("scenarios/wso.yaml").wso.custody_cap * 24
    assert f"WSO custody cap after a served warrant: {cap:g} h, from 2026-01-01" in labels
