"""Back-testing: the right scenario covers its own export, a wrong one does not."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from jailsim.calibration.backtest import backtest, simulate_window, simulated_census
from jailsim.cli.calibrate import COMMANDS, add_parsers
from jailsim.county.exports import read_export
from tests.calibration.conftest import AS_OF, RATE, truth_scenario, write_export


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """An export of the truth county over two years (seed 31, not used by the simulations)."""
    return write_export(tmp_path_factory.mktemp("backtest") / "export.csv", seed=31)


def test_true_scenario_covers_its_export(data):
    bt = backtest(truth_scenario(), data, as_of=AS_OF, replications=30, seed=2)
    m = bt.monthly
    assert len(m) == 25 and m["days"].iloc[-1] == 5  # Jan 2025 ... 5 days of Jan 2027
    # Monthly counts are nearly independent: 25 draws inside a 90% band, so P(< 70%) ~ 1e-3.
    assert bt.coverage["monthly_admissions"] >= 0.7
    assert m["observed"].sum() == len(bt.export.bookings)
    # The census is one autocorrelated path: compare its mean over the second year with the
    # spread of the replications' means (the export is one more path of the same law).
    c = bt.census
    assert len(c) == 730 and c["observed"].iloc[0] < 20  # starts empty, as the export does
    year2 = (c["date"] >= "2026-01-06").to_numpy()
    _, sim = simulate_window(truth_scenario(), bt.export, replications=30, seed=2)
    paths = simulated_census(sim, bt.export.as_of_days)
    np.testing.assert_allclose(paths.mean(axis=0), c["sim_mean"], rtol=1e-12)  # the same runs
    means = paths[:, year2].mean(axis=1)
    spread = means.std(ddof=1) * np.sqrt(1 + 1 / len(means))  # one new path vs their mean
    assert abs(c.loc[year2, "observed"].mean() - means.mean()) < 4 * spread
    assert 4 * spread < 0.15 * means.mean()  # one path: a 15% error in its level is seen
    # A sanity floor, not a test at a level: one autocorrelated path spends long stretches on
    # one side of a pointwise 90% band (the wrong scenario below stays under 0.3).
    assert bt.coverage["daily_census"] > 0.5


def test_wrong_scenario_is_caught(data):
    wrong = truth_scenario(**{"arrivals.bookings.rate": f"{RATE * 1.3}/day"})
    bt = backtest(wrong, data, as_of=AS_OF, replications=10, seed=2)
    assert bt.coverage["monthly_admissions"] < 0.2
    assert bt.coverage["daily_census"] < 0.3


def test_window_moves_start_and_carries_the_trend(data):
    export = read_export(data, as_of=AS_OF)
    earlier = truth_scenario(**{"start_date": "2024-01-08", "horizon": "100d"})
    ran, bookings = simulate_window(earlier, export, replications=1, seed=1)
    assert str(ran.start_date) == "2025-01-06" and ran.horizon == pytest.approx(730.0)
    assert ran.warm_start.kind == "none"
    years = 364 / 365.25
    assert ran.arrivals.bookings.rate == pytest.approx(RATE * 1.1**years)
    assert bookings["booked_at"].max() < export.window_days


def test_cli_backtest_writes_tables_and_figures(data, tmp_path, capsys):
    sc = tmp_path / "truth.yaml"
    import yaml

    sc.write_text(yaml.safe_dump(truth_scenario().to_dict(), sort_keys=False))
    parser = argparse.ArgumentParser(prog="jailsim")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "bt"
    args = parser.parse_args(["backtest", str(sc), "--against", str(data), "--as-of", AS_OF,
                              "-r", "5", "--level", "0.8", "--out", str(out)])
    assert COMMANDS[args.command](args) == 0
    assert "monthly admissions" in capsys.readouterr().out
    summary = json.loads((out / "backtest.json").read_text())
    assert summary["level"] == 0.8 and summary["replications"] == 5
    for name in ("census.csv", "monthly_admissions.csv", "daily_census.png",
                 "monthly_admissions.png"):
        assert (out / name).stat().st_size > 0
    assert np.isfinite(summary["coverage"]["daily_census"])
