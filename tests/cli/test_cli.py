"""The command line: exit codes, output folder contract, reproducing a run from its folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jailsim._version import STREAMS_VERSION
from jailsim.cli.main import main
from jailsim.results.metrics import METRICS

SMALL = ["--days", "120", "--warmup-days", "20", "--quiet"]


def test_validate_ok(capsys):
    assert main(["validate", "scenarios/jem.yaml", "scenarios/wso.yaml"]) == 0
    assert "ok" in capsys.readouterr().out


def test_validate_bad_file_exit_2_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    base = Path("scenarios/base_county.yaml").resolve()
    bad.write_text(f"extends: {base}\njail: {{rated_capacity: -3}}\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "jail.rated_capacity" in err[0] and str(bad) in err[0]


def test_bad_option_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "scenarios/jem.yaml", "--replications", "zero"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_warmup_longer_than_days_is_one_line_error(capsys):
    code = main(["run", "scenarios/jem.yaml", "--days", "30", "--warmup-days", "40", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warmup" in err[0]


def test_run_writes_the_output_folder_and_reproduces(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "scenarios/jem.yaml", "--seed", "5", "-r", "2", "--out", str(out),
                 "--engine", "vector", *SMALL])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "summary.csv", "bookings.parquet", "census.parquet",
            "scenario.resolved.yaml"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["metrics"]) == set(METRICS)
    assert summary["seed"] == 5 and summary["streams_version"] == STREAMS_VERSION
    resolved = (out / "scenario.resolved.yaml").read_text()
    assert f"\nstreams_version: {STREAMS_VERSION}\n" in resolved
    for m in summary["metrics"].values():
        assert set(m) >= {"mean", "ci_low", "ci_high", "n"}
    # the resolved scenario runs again to the same bookings
    again = tmp_path / "again"
    assert main(["run", str(out / "scenario.resolved.yaml"), "--out", str(again),
                 "--engine", "vector", "--quiet"]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "bookings.parquet"), pd.read_parquet(again / "bookings.parquet")
    )


def test_demo_prints_side_by_side_table(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "-r", "2", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "JEM" in out and "WSO" in out
    for name in ("mean_los_days", "adp", "hold_bed_days", "screening_coverage"):
        assert name in out


def test_readme_documents_every_metric():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [name for name in METRICS if f"`{name}`" not in readme]
    assert not missing, missing


def test_run_that_needs_too_much_memory_is_refused_up_front(tmp_path, capsys):
    # one replication of 100 years at a million bookings a day fits no machine
    big = tmp_path / "big.yaml"
    big.write_text("extends: jailsim:jem.yaml\narrivals: {bookings: {rate: 1000000/day}}\n")
    code = main(["run", str(big), "--days", "36500", "--out", str(tmp_path / "out"),
                 "--quiet"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "GB" in err[0] and "lower the horizon" in err[0]


def test_report_command_writes_the_html_of_a_run_folder(tmp_path, capsys):
    out, html = tmp_path / "run", tmp_path / "page.html"
    assert main(["run", "scenarios/jem.yaml", "--seed", "2", "-r", "2", "--out", str(out),
                 "--engine", "vector", *SMALL]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "--out", str(html)]) == 0
    assert capsys.readouterr().out.strip() == str(html)
    page = html.read_text()
    assert page.lstrip().lower().startswith("<!doctype html") and "JEM" in page
    assert main(["report", str(out)]) == 0  # default: inside the folder
    assert (out / "report.html").is_file()


def _precision_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("precision "))


def test_precision_option_prints_its_verdict(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["run", "scenarios/jem.yaml", "--seed", "3", "-r", "3", "--precision", "0.05",
                 "--precision-metrics", "adp", "--engine", "vector", "--out", str(out),
                 *SMALL]) == 0
    n = json.loads((out / "summary.json").read_text())["metrics"]["adp"]["n"]
    line = _precision_line(capsys.readouterr().out)
    assert line.startswith("precision 5.0% reached: largest relative half-width ")
    assert line.endswith(f"(adp) after {n} replications")
    assert main(["run", "scenarios/jem.yaml", "--seed", "3", "-r", "3", "--precision", "1e-4",
                 "--max-replications", "4", "--precision-metrics", "adp", "--engine", "vector",
                 "--out", str(tmp_path / "cap"), *SMALL]) == 0
    line = _precision_line(capsys.readouterr().out)
    assert "NOT reached (cap)" in line and line.endswith("(adp) after 4 replications")


def test_precision_with_a_sweep_is_a_one_line_error(capsys):
    code = main(["run", "scenarios/jem.yaml", "--vary", "jem.officers=1,2", "--precision",
                 "0.1", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["--precision applies to one scenario, not to a sweep"]


def test_compare_independent_streams_and_chosen_metrics(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "scenarios/jem.yaml", "scenarios/wso.yaml", "--independent",
                 "--metrics", "adp,bookings_per_day", "--seed", "4", "-r", "2",
                 "--out", str(out), *SMALL]) == 0
    printed = capsys.readouterr().out
    assert "independent streams (--independent)" in printed
    rows = [line.split()[0] for line in printed.splitlines() if line[:1].islower()]
    assert [r for r in rows if r in METRICS] == ["adp", "bookings_per_day"]
    comp = json.loads((out / "comparison.json").read_text())
    assert comp["common_random_numbers"] is False
    # independent streams: the two configurations do not even see the same bookings
    per_day = pd.read_csv(out / "JEM" / "replications.csv")["bookings_per_day"]
    assert (per_day != pd.read_csv(out / "WSO" / "replications.csv")["bookings_per_day"]).all()


def test_version_and_exit_codes_of_interruptions_and_os_errors(monkeypatch, capsys):
    from jailsim._version import __version__
    from jailsim.cli import main as cli

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"jailsim {__version__}"

    def interrupted(args):
        raise KeyboardInterrupt

    def unwritable(args):
        raise PermissionError(13, "Permission denied", "/nowhere/summary.json")

    def worker_lost(args):
        from concurrent.futures.process import BrokenProcessPool

        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    for fail, code, said in ((interrupted, 130, "jailsim: interrupted"),
                             (unwritable, 2, "jailsim: /nowhere/summary.json: Permission denied"),
                             (worker_lost, 2, "jailsim: a worker process died")):
        monkeypatch.setitem(cli.COMMANDS, "validate", fail)
        assert main(["validate", "scenarios/jem.yaml"]) == code
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(said), err


def test_report_of_a_damaged_folder_is_a_one_line_error(tmp_path, capsys):
    import shutil

    good = tmp_path / "good"
    assert main(["run", "scenarios/jem.yaml", "--seed", "1", "-r", "2", "--out", str(good),
                 "--engine", "vector", *SMALL]) == 0
    damages = {
        "summary.json": ("{not json", "changed since jailsim wrote it"),
        "bookings.parquet/part-000000.parquet": ("xx", "changed since jailsim wrote it"),
        "manifest.json": ("[]", "not a jailsim output folder"),
    }
    for name, (text, said) in damages.items():
        bad = tmp_path / name.replace(".", "_").replace("/", "_")
        shutil.copytree(good, bad)
        (bad / name).write_text(text)
        capsys.readouterr()
        assert main(["report", str(bad)]) == 2, name
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and said in err[0], err


def test_compare_of_different_start_dates_needs_allow_mismatch(tmp_path, capsys):
    later = tmp_path / "later.yaml"
    later.write_text("extends: jailsim:jem.yaml\nname: JEM later\nstart_date: 2025-03-03\n"
                     "warm_start: none\n")
    first = tmp_path / "first.yaml"
    first.write_text("extends: jailsim:jem.yaml\nwarm_start: none\n")
    args = ["compare", str(first), str(later), "-r", "2", "--days", "10", "--engine", "vector",
            "--quiet", "--seed", "1", "--out", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "JEM (start 2025-01-06, horizon 10 days" in err[0]
    assert "JEM later (start 2025-03-03, horizon 10 days" in err[0]
    assert "--allow-mismatch" in err[0]
    with pytest.warns(UserWarning, match="differ in start date; compared anyway") as caught:
        assert main([*args, "--allow-mismatch"]) == 0
    assert len([w for w in caught if "compared anyway" in str(w.message)]) == 1
    assert "JEM later − JEM" in capsys.readouterr().out


def test_periods_gives_days_and_rates_per_day_beside_totals(tmp_path, capsys):
    out, csv = tmp_path / "sb8", tmp_path / "periods.csv"
    assert main(["run", "scenarios/sb8_wso.yaml", "--seed", "2", "-r", "2", "--days", "130",
                 "--out", str(out), "--engine", "vector", "--quiet", "--no-report"]) == 0
    capsys.readouterr()
    assert main(["periods", str(out), "--metrics", "bed_days,adp", "--csv", str(csv)]) == 0
    text = capsys.readouterr().out
    assert "no 287(g) agreement until 2026-01-01, then WSO" in text
    lines = text.splitlines()
    assert any(line.split() == ["2025-09-01", "none", "122"] for line in lines)
    assert any(line.split() == ["2026-01-01", "wso", "8"] for line in lines)
    header = next(line for line in lines if line.startswith("metric"))
    assert "2025-09-01 per day" in header and "2026-01-01 per day" in header
    adp = next(line for line in lines if line.startswith("adp")).split()
    assert adp[-1] == "-"  # a daily average needs no rate per day
    table = pd.read_csv(csv, index_col=[0, 1])
    row = table.loc[("2026-01-01", "bed_days")]
    assert row["days"] == 8 and row["per_day"] == pytest.approx(row["mean"] / 8)


def test_run_and_compare_write_the_report_unless_told_not_to(tmp_path, capsys):
    run_out, cmp_out = tmp_path / "run", tmp_path / "cmp"
    assert main(["run", "scenarios/jem.yaml", "--seed", "2", "-r", "2", "--out", str(run_out),
                 "--engine", "vector", "--days", "40", "--quiet"]) == 0
    assert f"report: {run_out / 'report.html'}" in capsys.readouterr().out
    assert "jailsim report" in (run_out / "report.html").read_text()
    assert main(["compare", "scenarios/jem.yaml", "scenarios/wso.yaml", "-r", "2",
                 "--out", str(cmp_out), "--engine", "vector", "--days", "40", "--quiet"]) == 0
    assert f"report: {cmp_out / 'report.html'}" in capsys.readouterr().out
    assert "jailsim comparison" in (cmp_out / "report.html").read_text()
    quiet = tmp_path / "quiet"
    assert main(["compare", "scenarios/jem.yaml", "scenarios/wso.yaml", "-r", "2",
                 "--out", str(quiet), "--engine", "vector", "--days", "40", "--quiet",
                 "--no-report"]) == 0
    assert "report:" not in capsys.readouterr().out
    assert not (quiet / "report.html").exists()


def test_budget_writes_its_tables_as_an_html_page(tmp_path, capsys):
    page = tmp_path / "budget.html"
    assert main(["budget", "scenarios/no_287g.yaml", "scenarios/jem.yaml", "-r", "2",
                 "--days", "30", "--engine", "vector", "--quiet", "--report", str(page)]) == 0
    assert f"wrote {page}" in capsys.readouterr().out
    text = page.read_text()
    assert text.startswith("<!doctype html>") and "<script" not in text
    assert "jailsim budget: no 287(g) vs JEM" in text and "JEM - no 287(g)" in text
    for line in ("bed_days", "net_cost_usd", "program_cost_usd"):
        assert f"<code>{line.replace('_', '_<wbr>')}</code>" in text  # may wrap at _
    assert "Prices, as given and in 2025 dollars" in text
