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
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.parent.name == "bookings.parquet" for p in files)  # a table's parts too
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask, p
    for p in (p for p in folder.rglob("*") if p.is_dir()):  # a table's folder
        assert stat.S_IMODE(p.stat().st_mode) == 0o777 & ~umask, p


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
    assert "Under WSO the jail lodged" in page  # what it means, from the comparison
    assert "http://" not in page and "<script" not in page


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    jailsim.sweep("scenarios/jem.yaml", {"jem.officers": [1, 2], "hold.cap": ["24h", "48h"]},
                  seed=5, replications=2, days=60, engine="vector", out=out)
    return out


def test_sweep_folder_report(sweep_folder):
    import pandas as pd

    from jailsim.present.formats import interval, number
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
            shown = interval(r["ci_low"], r["ci_high"], metric)
            assert f"<td>{number(r['mean'])}</td><td>{shown}</td>" in page, (metric, r["point"])
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
    assert page.count('<tr><td class="text name"><code>') == len(result.indices)


def test_sweep_over_a_null_value_has_a_report(tmp_path, capsys):
    from jailsim.cli.main import main

    out = tmp_path / "sw"
    # ICE never comes or always comes: the transfers to ICE differ whenever anyone is held,
    # so the page names the lowest and highest points, one of them by its null value.
    code = main(["sweep", "scenarios/jem.yaml", "--vary", "ice.transport.seats=null,5",
                 "--vary", "ice.p_pickup=0,1", "--replications", "1", "--days", "20",
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

    from jailsim.present.formats import as_shown
    from jailsim.present.page import breakable

    comp, out = comparison
    page = write_report(out).read_text()
    assert "<th>WSO − JEM</th><th>%</th>" in page
    for name in ("screening_coverage", "warrants_served", "adp", "hold_bed_days"):
        printed = re.split(r"\s{2,}", comp.table([name]).splitlines()[2].strip())
        assert printed[0] == name
        # the same cells, their negative numbers with a true minus sign
        row = (f'<tr><td class="text name"><code>{breakable(name)}</code></td>'
               f'<td class="text">{html.escape(printed[1])}</td>'
               + "".join(f"<td>{html.escape(as_shown(c))}</td>" for c in printed[2:]) + "</tr>")
        assert row in page, (name, printed)
    jem, wso = (comp.summaries()[k] for k in ("JEM", "WSO"))
    assert pd.notna(jem.loc["screening_coverage", "mean"])  # one-sided: the test means it
    assert pd.isna(wso.loc["screening_coverage", "mean"])
    assert "<td>–</td><td>–</td><td>– [–, –]</td>" not in page


def test_run_report_notes_intervals_below_zero():
    from jailsim.present.runreport import headline
    from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE

    summary = {"metrics": {
        "adp": {"mean": 500.0, "ci_low": 490.0, "ci_high": 510.0},
        "lapsed_detainers": {"mean": 0.5, "ci_low": -0.7, "ci_high": 1.7},
        "attributable_bed_days": {"mean": 3.0, "ci_low": -2.0, "ci_high": 8.0},
    }}
    table = headline(summary)
    cells = [c for row in table.rows for c in row]
    assert sum(BELOW_ZERO in c for c in cells) == 1 and table.note == BELOW_ZERO_NOTE
    assert f"\u22120.7 – 1.7 {BELOW_ZERO}" in cells  # a true minus sign
    assert headline({"metrics": {"adp": summary["metrics"]["adp"]}}).note == ""


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
    from jailsim.present.page import breakable

    page = write_report(sb8_folder).read_text()
    assert "(program none)" not in page
    assert "no 287(g) agreement until 2026-01-01, then WSO" in page
    assert "<h2>Policy periods</h2>" in page
    section = page[page.index("<h2>Policy periods</h2>"):page.index("<h2>Figures</h2>")]
    assert "from 2025-09-01" in section and "from 2026-01-01" in section
    assert "122 days" in section and "8 days" in section  # the lengths of the periods
    assert section.count("per day</th>") == 2  # a rate per day beside each period's totals
    for name in ("bed_days", "detainers", "warrants_served"):
        assert f"<code>{breakable(name)}</code>" in section


def test_report_without_dated_changes_has_no_period_section(folder):
    page = write_report(folder).read_text()
    assert "Policy periods" not in page and "JEM throughout" in page


def test_report_numbers_are_not_broken_inside(sb8_folder):
    page = write_report(sb8_folder).read_text()
    css = page[page.index("<style>"):page.index("</style>")]
    assert "overflow-wrap:anywhere}" not in css.split("td:first-child{")[0]
    assert "td,th{" in css and "white-space:nowrap" in css.split("td,th{")[1].split("}")[0]


def _shown_text(page: str) -> str:
    """A page without its stylesheet, inputs (YAML as written) and embedded images."""
    page = re.sub(r"<style>.*?</style>|<pre>.*?</pre>", "", page, flags=re.DOTALL)
    return re.sub(r'src="data:[^"]*"', "", page)


@pytest.mark.parametrize("which", ["folder", "comparison", "sweep_folder", "sb8_folder"])
def test_every_number_shown_has_a_true_minus_sign(which, request):
    out = request.getfixturevalue(which)
    out = out[1] if which == "comparison" else out
    text = _shown_text(write_report(out).read_text())
    assert re.findall(r"(?<![\w.\-])-\d", text) == []  # no hyphen-minus before a digit
    if which == "comparison":
        assert "\u22126" in text or "\u2212" in text  # WSO: fewer of many things


def test_every_figure_has_an_alt_text_written_from_its_data(folder, comparison):
    from jailsim.results.result import Result

    run = Result.load(folder)
    alts = re.findall(r'<img alt="([^"]*)"', write_report(folder).read_text())
    assert len(alts) == 4 and all(len(a) > 80 for a in alts), alts
    census = next(a for a in alts if a.startswith("Daily census"))
    start = run.scenario.start_date.isoformat()
    assert f"under JEM from {start}" in census and "rated capacity of 685" in census
    holds = next(a for a in alts if a.startswith("Histogram of hold lengths"))
    held = run.bookings["hold_start_at"].notna() & (run.bookings["exit_reason"] != "censored")
    assert f"{held.sum()} holds over 2 replications" in holds
    comp, out = comparison
    alts = re.findall(r'<img alt="([^"]*)"', write_report(out).read_text())
    paired = next(a for a in alts if a.startswith("Paired differences of WSO from JEM"))
    pct = comp.differences.set_index("metric").loc["detainers", "pct"]
    assert f"detainers \u2212{abs(pct):.3g}%" in paired


def test_reports_are_rendered_from_templates_that_escape_every_text(tmp_path):
    from importlib import resources

    templates = resources.files("jailsim.present") / "templates"
    for name in ("run", "comparison", "sweep", "sensitivity", "budget"):
        assert '{% extends "base.html" %}' in (templates / f"{name}.html").read_text()
    out = tmp_path / "odd"
    sc = jailsim.load("scenarios/jem.yaml").with_({"name": "<i>Odd</i> & Co"})
    jailsim.simulate(sc, seed=1, replications=1, days=20, engine="vector").save(out)
    page = write_report(out).read_text()
    assert "<h1>jailsim report: &lt;i&gt;Odd&lt;/i&gt; &amp; Co</h1>" in page
    assert "<i>Odd</i>" not in page


def test_the_stylesheet_prints_and_keeps_numbers_whole(folder):
    page = write_report(folder).read_text()
    css = page[page.index("<style>"):page.index("</style>")]
    screen, printed = css.split("@media print")
    assert "font-variant-numeric:tabular-nums" in screen  # digits of one width
    assert "table,figure,p.meaning" in printed and "break-inside:avoid" in printed
    assert "thead{display:table-header-group}" in printed  # headers repeat on a new page
    assert "figure img{max-width:100%" in printed and "pre{max-height:none" in printed
    assert page.count("<thead>") == page.count("<table")


def test_comparison_report_says_what_it_means(comparison):
    import json

    from markupsafe import escape

    from jailsim.present.meaning import comparison_meaning

    comp, out = comparison
    page = write_report(out).read_text()
    sc = comp.results["JEM"].scenario
    data = json.loads((out / "comparison.json").read_text())
    sentences = comparison_meaning(data["differences"]["WSO"], "WSO", "JEM",
                                   sc.horizon - sc.warmup)
    assert f'<p class="meaning">{escape(" ".join(sentences))}</p>' in page
    assert sentences[0].startswith("Under WSO the jail lodged ")
    assert "fewer detainers a year than under JEM (95% interval" in sentences[0]
    assert "Policy periods" not in page  # neither scenario changes on a date


def test_reports_state_their_inputs_sources(folder, sweep_folder):
    from markupsafe import escape

    for out in (folder, sweep_folder):
        page = write_report(out).read_text()
        section = page[page.index('<h2 id="sources">Sources</h2>'):]
        sc = jailsim.load(out / "scenario.resolved.yaml")
        assert sc.costs.sources
        for path, text in sc.costs.sources.items():
            assert f"<code>costs.{path}</code>: {escape(text)}</li>" in section
        assert "§8 Costs and reimbursements" in section and "docs/sources.md" in section


@pytest.fixture(scope="module")
def sb8_comparison(tmp_path_factory):
    """sb8_wso against sb8_jem just past their common change date (day 122 of 130)."""
    out = tmp_path_factory.mktemp("sb8cmp")
    comp = jailsim.compare(["scenarios/sb8_wso.yaml", "scenarios/sb8_jem.yaml"], out=out,
                           seed=2, replications=2, days=130, engine="vector")
    return comp, out


def test_comparison_of_dated_policies_compares_each_period(sb8_comparison):
    from jailsim.present.comparisonperiods import comparison_periods
    from jailsim.present.formats import signed

    comp, out = sb8_comparison
    page = write_report(out).read_text()
    section = page[page.index("<h2>Policy periods</h2>"):page.index("<h2>Figures</h2>")]
    assert "From 2025-09-01, 122 days measured" in section
    assert "From 2026-01-01, 8 days measured" in section and "JEM from 2026-01-01: JEM)" in section
    (_, before), (_, after) = comparison_periods(comp.results).tables
    # before the agreements both are the same county on the same draws: no difference at all
    assert {row[-1] for row in before.rows} <= {"0", "–"}
    # after, each difference is that of the period's own metrics, per day
    wso, jem = (r.metrics_by_period() for r in comp.results.values())
    row = next(r for r in after.rows if r[0] == "detainers")
    key = ("2026-01-01", "detainers")
    assert row[1] == "count per day"
    assert row[-1][0] == signed((jem.loc[key, "mean"] - wso.loc[key, "mean"]) / 8)
