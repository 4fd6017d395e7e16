"""Paired comparisons: a known difference is recovered, CRN narrows intervals, output files."""

from __future__ import annotations

import json
import math
import re

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
        for table in ("bookings", "census"):  # a folder of parts, one per replication
            parts = sorted(p.name for p in (out / label / f"{table}.parquet").iterdir())
            assert parts == [f"part-{r:06d}.parquet" for r in range(3)]
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


def _calendars(tmp_path):
    """Three small JEM files: a baseline, one starting later, one running longer."""
    paths = []
    for stem, extra in (("base", "horizon: 30d"), ("march", "horizon: 30d\nstart_date: 2025-03-03"),
                        ("longer", "horizon: 40d")):
        paths.append(tmp_path / f"{stem}.yaml")
        paths[-1].write_text(f"extends: jailsim:jem.yaml\nwarm_start: none\nname: {stem}\n"
                             f"{extra}\n")
    return paths


def test_compare_refuses_different_calendars_one_line_each(tmp_path):
    base, march, longer = _calendars(tmp_path)
    with pytest.raises(jailsim.ScenarioError) as exc:
        jailsim.compare([base, march, longer], seed=1, replications=2, engine="vector")
    lines = exc.value.lines
    assert len(lines) == 2
    assert "base (start 2025-01-06, horizon 30 days" in lines[0]
    assert "march (start 2025-03-03, horizon 30 days" in lines[0]
    assert "differ in start date;" in lines[0] and "allow_mismatch=True" in lines[0]
    assert "longer (start 2025-01-06, horizon 40 days" in lines[1]
    assert "differ in horizon" in lines[1]
    # the options' horizon applies to both: then only the start date differs
    with pytest.raises(jailsim.ScenarioError, match="differ in start date"):
        jailsim.compare([base, march], seed=1, replications=2, days=20, engine="vector")


def test_allow_mismatch_compares_with_one_warning_line(tmp_path):
    base, march, _ = _calendars(tmp_path)
    with pytest.warns(UserWarning) as caught:
        comp = jailsim.compare([base, march], allow_mismatch=True, seed=1, replications=2,
                               days=10, engine="vector")
    warned = [str(w.message) for w in caught if "allow_mismatch" in str(w.message)]
    assert len(warned) == 1 and "\n" not in warned[0]
    assert "base (start 2025-01-06" in warned[0] and "march (start 2025-03-03" in warned[0]
    assert list(comp.results) == ["base", "march"] and comp.notes == (warned[0],)
    assert comp.to_dict()["notes"] == [warned[0]]


def test_comparison_table_notes_intervals_below_zero_of_counts():
    """Two replications of 20 days: rare counts get intervals reaching below 0. Each such cell
    of a quantity that cannot be negative is marked, the note follows; differences never."""
    from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE, can_be_negative

    comp = jailsim.compare(PAIR, seed=2, replications=2, days=20, engine="vector")
    lines = comp.table().splitlines()
    assert lines[-1] == BELOW_ZERO_NOTE
    cells = {c[0]: c for c in (re.split(r"\s{2,}", line.strip()) for line in lines[2:-1])}
    marked = 0
    for k, summary in enumerate(comp.summaries().values()):
        for name in METRICS:
            below = summary.loc[name, "ci_low"] < 0 and not can_be_negative(name)
            assert cells[name][2 + k].endswith(BELOW_ZERO) == below, (name, cells[name])
            marked += below
        assert not any(c[4].endswith(BELOW_ZERO) for c in cells.values())  # the difference
    assert marked > 0


def test_an_unknown_metric_in_a_comparison_or_sweep_table_gets_a_suggestion():
    comp = jailsim.compare(PAIR, seed=2, replications=2, days=20, engine="vector")
    with pytest.raises(jailsim.ScenarioError) as exc:
        comp.table(["hold_bed_dayz"])
    (line,) = exc.value.lines
    assert "did you mean 'hold_bed_days'" in line
    sweep = jailsim.sweep("scenarios/jem.yaml", {"jem.officers": [1, 2]}, seed=2,
                          replications=2, days=20, engine="vector")
    with pytest.raises(jailsim.ScenarioError) as exc:
        sweep.wide(["adpp"])
    assert "did you mean 'adp'" in exc.value.lines[0]
