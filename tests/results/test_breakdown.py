"""Breakdowns by a booking attribute add up to the totals; periods slice the window."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from scipy import stats

import jailsim
from jailsim.cli.explain import add_parsers
from jailsim.model.context import Context
from jailsim.results.breakdown import (
    breakdown,
    compare_groups,
    group_metrics,
    group_values,
    metrics_by_period,
    period_metrics,
)
from jailsim.results.metrics import ADDITIVE, METRICS

COUNTS = [m for m in ADDITIVE if METRICS[m][0] == "count"]


@pytest.fixture(scope="module")
def run():
    sc = jailsim.load("scenarios/jem_wso.yaml").with_(
        {"arrivals.task_force": jailsim.load("scenarios/task_force.yaml").arrivals.task_force}
    )
    return jailsim.simulate(sc, seed=8, replications=2, days=150, warmup_days=20,
                            engine="vector")


@pytest.mark.parametrize(
    "by", ["charge", "felony", "foreign_born", "status", "stream", "detainer_source",
           "exit_reason", "bond_outcome"]
)
def test_breakdowns_add_up_to_the_totals(run, by):
    groups = group_metrics(Context.build(run.scenario), run.bookings, run.census, by)
    assert len(groups) == 2 * len(group_values(run.bookings, by))
    total = groups.groupby("replication")[list(ADDITIVE)].sum()
    ref = run.metrics.set_index("replication")[list(ADDITIVE)]
    np.testing.assert_array_equal(total[COUNTS].to_numpy(), ref[COUNTS].to_numpy())
    np.testing.assert_allclose(total.to_numpy(), ref.to_numpy(), rtol=1e-11, atol=1e-8)


def test_a_group_metric_is_the_metric_of_its_own_bookings(run):
    table = breakdown(run, "foreign_born")
    us_born, foreign = table.xs(False, level=0), table.xs(True, level=0)
    # a U.S.-born person's detainer (a wrongful one) counts in that group only
    assert us_born.loc["detainers", "mean"] == us_born.loc["us_born_detainers", "mean"]
    assert foreign.loc["us_born_detainers", "mean"] == 0
    assert (us_born.loc["detainers", "mean"] + foreign.loc["detainers", "mean"]
            == run.summary().loc["detainers", "mean"])
    assert (table["n"] <= 2).all()
    assert table.loc[(True, "adp"), "ci_low"] < table.loc[(True, "adp"), "ci_high"]
    # metrics that do not add up over groups, by hand from each group's own rows
    groups = group_metrics(Context.build(run.scenario), run.bookings, run.census,
                           "foreign_born").set_index(["replication", "foreign_born"])
    lo, hi = run.scenario.warmup, run.scenario.horizon
    for (rep, fb), g in run.bookings.groupby(["replication", "foreign_born"]):
        los = g.loc[(g.exit_at >= lo) & (g.exit_at <= hi), "los_days"]
        row = groups.loc[(rep, fb)]
        assert row["mean_los_days"] == pytest.approx(los.mean(), rel=1e-12)
        assert row["median_los_days"] == pytest.approx(los.median(), rel=1e-12)
        booked = ((g.booked_at >= lo) & (g.booked_at <= hi)).sum()
        assert row["bookings_per_day"] == pytest.approx(booked / (hi - lo), rel=1e-12)
    assert groups["mean_los_days"].nunique() == len(groups)  # the groups do differ


def test_breakdown_refuses_columns_that_are_not_groups(run):
    with pytest.raises(ValueError, match="distinct values"):
        group_values(run.bookings, "los_days")
    with pytest.raises(ValueError, match="choose from .*charge"):
        group_values(run.bookings, "nationality")


def test_paired_group_differences_are_taken_replication_by_replication(run):
    """b - a per replication and charge, then a t-interval over replications.

    The mean of the differences would be the same under any pairing; the interval is not:
    it is checked against the spread of the differences of matching replications.
    """
    other = jailsim.simulate(run.scenario.with_({"bond.detainer_factor": 0.1}), seed=8,
                             replications=2, days=150, warmup_days=20, engine="vector")
    diff = compare_groups(run, other, "charge")
    per = [
        group_metrics(Context.build(x.scenario), x.bookings, x.census, "charge").set_index(
            ["replication", "charge"])
        for x in (run, other)
    ]
    d = per[1] - per[0]
    assert (d["bed_days"] != 0).any()  # the runs differ
    t = stats.t.ppf(0.975, 1)
    for charge in d.index.unique("charge"):
        for metric in ("bed_days", "detainers", "mean_los_days"):
            x = d.xs(charge, level="charge")[metric].to_numpy()
            row = diff.loc[(charge, metric)]
            assert row["mean"] == pytest.approx(x.mean(), rel=1e-12, abs=1e-12)
            half = t * x.std(ddof=1) / np.sqrt(2)
            assert row["ci_high"] - row["mean"] == pytest.approx(half, rel=1e-9, abs=1e-12)


def test_one_period_without_dated_changes_is_the_whole_window(run):
    per = period_metrics(Context.build(run.scenario), run.bookings, run.census)
    assert per["period"].nunique() == 1
    got = per.drop(columns=["replication", "period", "from_day", "to_day"]).to_numpy()
    np.testing.assert_allclose(got, run.metrics[list(METRICS)].to_numpy(), equal_nan=True)
    assert list(metrics_by_period(run).index.unique(0)) == [str(run.scenario.start_date)]


def test_breakdown_command(run, tmp_path, capsys):
    run.save(tmp_path / "run")
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["breakdown", str(tmp_path / "run"), "--by", "status",
                              "--metrics", "adp,detainers", "--csv", str(tmp_path / "b.csv")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "status=naturalized" in out and "all" in out
    assert (tmp_path / "b.csv").is_file()
    args = parser.parse_args(["breakdown", str(tmp_path / "run"), "--by", "exit_at"])
    assert args.func(args) == 2
