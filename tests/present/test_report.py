"""The HTML report is one self-contained file; output files get normal permissions."""

from __future__ import annotations

import os
import re
import stat

import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.present.report import write_report


def _saved_run(tmp_path_factory, scenario: str, seed: int, days: int):
    """A folder holding a two-replication run of ``scenario``."""
    out = tmp_path_factory.mktemp(scenario.split("/")[-1].removesuffix(".yaml"))
    jailsim.simulate(scenario, seed=seed, replications=2, days=days, engine="vector").save(out)
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return _saved_run(tmp_path_factory, "scenarios/jem.yaml", seed=3, days=90)


def test_report_is_self_contained(folder):
    page = write_report(folder).read_text()
    assert page.startswith("<!doctype html>")
    # no external resources: every src is an embedded image, no links to fetch
    srcs = re.findall(r'src="([^"]+)"', page)
    assert len(srcs) >= 4 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "http://" not in page and "https://" not in page and "<script" not in page
    for name in ("adp", "attributable_bed_days", "mean_los_days_detainer"):
        assert name in page


def test_report_of_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        write_report(tmp_path)
    assert "not a jailsim output folder" in str(exc.value)


def test_outputs_have_normal_permissions(folder):
    umask = os.umask(0)
    os.umask(umask)
    for p in folder.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask, p.name


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """JEM against WSO, and the folder it wrote."""
    out = tmp_path_factory.mktemp("cmp")
    comp = jailsim.compare(["scenarios/jem.yaml", "scenarios/wso.yaml"], out=out, seed=4,
                           replications=3, days=60, engine="vector")
    return comp, out


def test_comparison_folder_report(comparison):
    _, out = comparison
    page = write_report(out).read_text()
    assert "JEM vs WSO" in page and "paired by replication" in page
    assert "under WSO against" in page  # plain-language sentences from the comparison
    assert "http://" not in page and "<script" not in page


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    jailsim.sweep("scenarios/jem.yaml", {"jem.officers": [1, 2], "hold.cap": ["24h", "48h"]},
                  seed=5, replications=2, days=60, engine="vector", out=out)
    return out


def test_sweep_folder_report(sweep_folder):
    import pandas as pd

    from jailsim.present.report import _fmt, _interval
    from jailsim.results.metrics import HEADLINE

    page = write_report(sweep_folder).read_text()
    assert page.startswith("<!doctype html>") and "jailsim sweep: JEM" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    # one figure per varied parameter
    srcs = re.findall(r'src="([^"]+)"', page)
    assert len(srcs) == 2 and all(s.startswith("data:image/png;base64,") for s in srcs)
    # a table per headline metric with every design point's mean and interval
    table = pd.read_csv(sweep_folder / "sweep.csv")
    for metric in HEADLINE:
        assert f"<h3><code>{metric}</code>" in page
        for _, r in table[table["metric"] == metric].iterrows():
            interval = _interval(r["ci_low"], r["ci_high"], metric)
            assert f"<td>{_fmt(r['mean'])}</td><td>{interval}</td>" in page, (metric, r["point"])
    # the resolved inputs and what was varied
    assert "<code>hold.cap</code>: 24h, 48h" in page and "program: jem" in page


def test_sweep_report_says_where_each_metric_is_lowest(sweep_folder):
    """On common random numbers every hold is cut at the cap, so a 24-hour cap can never
    give more hold bed-days than a 48-hour one: the lowest point must have hold.cap=24h."""
    page = write_report(sweep_folder).read_text()
    sentence = re.search(r"<li><b>bed-days held for ICE past release[^<]*</b>.*?</li>",
                         page)
    assert sentence, "no plain-words sentence for hold_bed_days"
    lowest = re.search(r"lowest .*? at (jem\.officers=\d, hold\.cap=\w+);", sentence[0])
    assert lowest and lowest[1].endswith("hold.cap=24h"), sentence[0]


def test_cli_sweep_writes_its_report(tmp_path, capsys):
    from jailsim.cli.main import main

    out = tmp_path / "sw"
    code = main(["sweep", "scenarios/jem.yaml", "--vary", "jem.officers=1,2", "--replications",
                 "2", "--days", "30", "--seed", "1", "--out", str(out), "--quiet"])
    assert code == 0
    assert f"report: {out / 'report.html'}" in capsys.readouterr().out
    assert (out / "report.html").read_text().count("data:image/png;base64,") == 1


def test_sensitivity_folder_report(tmp_path):
    pytest.importorskip("SALib")
    out = tmp_path / "sens"
    sc = jailsim.load("scenarios/jem.yaml").with_({"warm_start.kind": "none"})
    result = jailsim.analyze_sensitivity(sc, {"jem.officers": "1:4", "hold.cap": "24h:72h"},
                                         method="morris", samples=2, replications=1, days=30,
                                         seed=1, metrics=["hold_bed_days", "detainers"],
                                         out=out)
    page = write_report(out).read_text()
    assert "jailsim sensitivity: JEM" in page and "morris method" in page
    assert page.count("data:image/png;base64,") == 1 and "<script" not in page
    assert "<code>hold.cap</code>: 24h to 72h" in page
    # every index of the table is in the page
    assert page.count("<tr><td><code>") == len(result.indices)


def test_sweep_over_a_null_value_has_a_report(tmp_path, capsys):
    from jailsim.cli.main import main

    out = tmp_path / "sw"
    # ice.p_pickup changes hold bed-days even over 20 days, so the page names the lowest and
    # highest points, one of them by its null value.
    code = main(["sweep", "scenarios/jem.yaml", "--vary", "ice.transport.seats=null,5",
                 "--vary", "ice.p_pickup=0.1,0.9", "--replications", "1", "--days", "20",
                 "--seed", "1", "--out", str(out), "--quiet"])
    assert code == 0
    page = (out / "report.html").read_text()
    assert "ice.transport.seats=null" in page and page.count("data:image/png;base64,") == 2


def test_sensitivity_with_every_metric_skipped_has_a_report(tmp_path):
    pytest.importorskip("SALib")
    from jailsim.cli.main import main

    out = tmp_path / "se"
    code = main(["sensitivity", "scenarios/jem.yaml", "--param", "hold.cap=24h:72h",
                 "--method", "morris", "-N", "2", "-r", "1", "--days", "20",
                 "--metrics", "wso_officer_utilization", "--out", str(out), "--quiet"])
    assert code == 0
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," not in page and "wso_officer_utilization" in page


def test_comparison_report_shows_the_cells_the_command_line_prints(comparison):
    """Metrics defined on one side only (JEM screening, WSO warrants) show that side's value,
    and every row has the difference and the percent change, cell for cell as printed."""
    import html

    comp, out = comparison
    page = write_report(out).read_text()
    assert "<th>WSO − JEM</th><th>%</th>" in page
    for name in ("screening_coverage", "warrants_served", "adp", "hold_bed_days"):
        printed = re.split(r"\s{2,}", comp.table([name]).splitlines()[2].strip())
        assert printed[0] == name
        row = (f"<tr><td><code>{name}</code></td>"
               + "".join(f"<td>{html.escape(c)}</td>" for c in printed[1:]) + "</tr>")
        assert row in page, (name, printed)
    jem, wso = (comp.summaries()[k] for k in ("JEM", "WSO"))
    assert pd.notna(jem.loc["screening_coverage", "mean"])  # one-sided: the test means it
    assert pd.isna(wso.loc["screening_coverage", "mean"])
    assert "<td>–</td><td>–</td><td>– [–, –]</td>" not in page


def test_run_report_notes_intervals_below_zero():
    from jailsim.present.report import _headline
    from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE

    summary = {"metrics": {
        "adp": {"mean": 500.0, "ci_low": 490.0, "ci_high": 510.0},
        "lapsed_detainers": {"mean": 0.5, "ci_low": -0.7, "ci_high": 1.7},
        "attributable_bed_days": {"mean": 3.0, "ci_low": -2.0, "ci_high": 8.0},
    }}
    table = _headline(summary)
    assert table.count(BELOW_ZERO) == 2  # the marked cell and its note
    assert f"<td>-0.7 – 1.7 {BELOW_ZERO}</td>" in table
    assert BELOW_ZERO_NOTE in table
    assert BELOW_ZERO not in _headline({"metrics": {"adp": summary["metrics"]["adp"]}})


def test_sensitivity_report_says_undefined_and_too_small(tmp_path):
    pytest.importorskip("SALib")
    import warnings

    from tests.conftest import infinite_server

    out = tmp_path / "sens"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jailsim.analyze_sensitivity(
            infinite_server(horizon="40d", warmup="10d"),
            {"arrivals.bookings.rate": "20/day:40/day", "court.release_processing": "0h:48h"},
            samples=4, replications=1, seed=1, engine="vector",
            metrics=["adp", "civil_arrests"], out=out)
    page = write_report(out).read_text()
    assert "<b>Warning:</b> sobol sensitivity: the sample is too small" in page
    assert page.count("<td>undefined</td>") == 4  # civil_arrests: 2 inputs x S1, ST
    assert "Undefined (the same at every sample point" in page
    assert page.count("data:image/png;base64,") == 1  # the figure shows adp alone


@pytest.fixture(scope="module")
def sb8_folder(tmp_path_factory):
    """sb8_wso run just past its change date (WSO from 2026-01-01, day 122)."""
    return _saved_run(tmp_path_factory, "scenarios/sb8_wso.yaml", seed=2, days=130)


def test_report_of_dated_changes_tells_the_program_timeline_and_periods(sb8_folder):
    page = write_report(sb8_folder).read_text()
    assert "(program none)" not in page
    assert "no 287(g) agreement until 2026-01-01, then WSO" in page
    assert "<h2>Policy periods</h2>" in page
    section = page[page.index("<h2>Policy periods</h2>"):page.index("<h2>Figures</h2>")]
    assert "from 2025-09-01" in section and "from 2026-01-01" in section
    assert "122 days" in section and "8 days" in section  # the lengths of the periods
    assert section.count("per day</th>") == 2  # a rate per day beside each period's totals
    for name in ("bed_days", "detainers", "warrants_served"):
        assert f"<code>{name}</code>" in section


def test_report_without_dated_changes_has_no_period_section(folder):
    page = write_report(folder).read_text()
    assert "Policy periods" not in page and "JEM throughout" in page


def test_report_numbers_are_not_broken_inside(sb8_folder):
    page = write_report(sb8_folder).read_text()
    css = page[page.index("<style>"):page.index("</style>")]
    assert "overflow-wrap:anywhere}" not in css.split("td:first-child{")[0]
    assert "td,th{" in css and "white-space:nowrap" in css.split("td,th{")[1].split("}")[0]
