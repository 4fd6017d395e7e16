"""Paired comparisons: a known difference is recovered, CRN narrows intervals, output files."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import jailsim
from jailsim.cli.main import main
from jailsim.experiments.comparison import COLUMNS, independent_seed, paired_differences
from jailsim.results.metrics import METRICS
from tests.conftest import infinite_server

PAIR = ["scenarios/jem.yaml", "scenarios/wso.yaml"]
SMALL = ["--days", "120", "--warmup-days", "20", "--engine", "vector", "--quiet"]


def _se(row) -> float:
    """Standard error behind a 95% t half-width."""
    t = stats.t.ppf(0.975, row["n"] - 1)
    return (row["diff_ci_high"] - row["diff_ci_low"]) / 2 / t


def test_known_difference_fixed_extra_stay_in_an_infinite_server_jail():
    """M/G/inf: adding a fixed d days to every stay adds rate x d to the ADP, exactly in
    expectation, and 100 d / E[S] percent."""
    rate, extra, mean_stay = 40.0, 2.0, 5.0
    a = infinite_server(horizon="200d", warmup="50d")
    b = infinite_server(horizon="200d", warmup="50d", **{"court.release_processing": "2d"})
    comp = jailsim.compare([a, b], labels=["A", "A+2d"], seed=3, replications=10,
                           engine="vector")
    d = comp.differences.set_index("metric")
    adp = d.loc["adp"]
    assert adp["diff_ci_low"] <= rate * extra <= adp["diff_ci_high"]
    assert abs(adp["diff"] - rate * extra) < 4 * _se(adp)
    pct_half = (adp["pct_ci_high"] - adp["pct_ci_low"]) / 2
    assert abs(adp["pct"] - 100 * extra / mean_stay) < 2 * pct_half  # ~4 standard errors
    # the same people arrive under both: no difference in bookings at all
    assert d.loc["bookings_per_day", "diff"] == 0
    assert d.loc["bookings_per_day", "diff_ci_high"] == d.loc["bookings_per_day", "diff_ci_low"]


def test_crn_at_least_halves_the_interval_of_the_jem_wso_difference():
    options = {"seed": 11, "replications": 20, "days": 365, "engine": "vector"}
    crn = jailsim.compare(PAIR, **options).differences.set_index("metric")
    ind = jailsim.compare(PAIR, independent=True, **options).differences.set_index("metric")

    def width(d, m):
        return d.loc[m, "diff_ci_high"] - d.loc[m, "diff_ci_low"]

    for metric in ("mean_los_days", "adp"):
        assert width(crn, metric) <= 0.5 * width(ind, metric), metric


def test_independent_seeds_are_distinct_and_reproducible():
    seeds = [independent_seed(5, i) for i in range(4)]
    assert len(set(seeds)) == 4 and 5 not in seeds
    assert seeds == [independent_seed(5, i) for i in range(4)]
    assert all(0 <= s < 2**63 for s in seeds)
    comp = jailsim.compare(PAIR, seed=5, replications=2, days=60, warmup_days=10,
                           engine="vector", independent=True)
    assert [r.seed for r in comp.results.values()] == seeds[:2]
    assert not comp.crn


def test_paired_differences_formulas():
    rng = np.random.default_rng(0)
    a = pd.DataFrame({"replication": range(8), **{m: rng.random(8) + 1 for m in METRICS}})
    b = a.copy()
    b["adp"] = a["adp"] * 1.5 + rng.normal(0, 0.01, 8)
    b["detainers"] = np.nan  # undefined on one side: no pairs
    b.loc[2, "holds"] = np.nan  # one pair missing
    d = paired_differences(a, b.iloc[::-1])  # matched by replication, not by row order
    diff = b["adp"] - a["adp"]
    half = stats.t.ppf(0.975, 7) * diff.std(ddof=1) / math.sqrt(8)
    assert d.loc["adp", "diff"] == pytest.approx(diff.mean())
    assert d.loc["adp", "diff_ci_high"] - d.loc["adp", "diff"] == pytest.approx(half)
    assert d.loc["adp", "pct"] == pytest.approx(100 * (b["adp"].mean() / a["adp"].mean() - 1))
    assert d.loc["detainers", "n"] == 0 and math.isnan(d.loc["detainers", "diff"])
    assert d.loc["holds", "n"] == 7


def test_cli_compare_writes_json_csv_and_each_run_folder(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", *PAIR, "-r", "3", "--seed", "2", "--out", str(out), *SMALL]) == 0
    printed = capsys.readouterr().out
    assert "WSO − JEM" in printed and "common random numbers" in printed
    data = json.loads((out / "comparison.json").read_text())
    assert data["baseline"] == "JEM" and data["common_random_numbers"] is True
    assert set(data["differences"]["WSO"]) == set(METRICS)
    assert [s["folder"] for s in data["scenarios"]] == ["JEM", "WSO"]
    csv = pd.read_csv(out / "comparison.csv")
    assert list(csv.columns) == COLUMNS and len(csv) == len(METRICS)
    for label in ("JEM", "WSO"):
        assert (out / label / "bookings.parquet").is_file()
        assert not (out / label / "checkpoints").exists()


def test_compare_needs_two_scenarios_one_line(capsys):
    assert main(["compare", "scenarios/jem.yaml", *SMALL]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "two or more" in err[0]


def test_same_names_get_file_stem_labels(tmp_path):
    for stem, officers in (("two", 2), ("four", 4)):
        (tmp_path / f"{stem}.yaml").write_text(
            f"extends: jailsim:jem.yaml\njem: {{officers: {officers}}}\n"
        )
    comp = jailsim.compare([tmp_path / "two.yaml", tmp_path / "four.yaml"], seed=1,
                           replications=2, days=60, warmup_days=10, engine="vector")
    assert list(comp.results) == ["two", "four"]
    same = jailsim.compare(["scenarios/jem.yaml", "scenarios/jem.yaml"], seed=1,
                           replications=2, days=60, warmup_days=10, engine="vector")
    assert list(same.results) == ["JEM", "JEM (2)"]
    assert list(same.folders.values()) == ["JEM", "JEM_2"]
    assert (same.differences["diff"].fillna(0) == 0).all()  # same scenario, same streams


def test_demo_is_the_paired_jem_wso_comparison(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "-r", "2", *SMALL]) == 0
    printed = capsys.readouterr().out
    assert "WSO − JEM" in printed and "common random numbers" in printed
    data = json.loads((tmp_path / "comparison.json").read_text())
    assert data["baseline"] == "JEM" and data["seed"] == 2025 and data["replications"] == 2
    assert (tmp_path / "WSO" / "summary.json").is_file()
