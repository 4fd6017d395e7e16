"""The HTML report is one self-contained file; output files get normal permissions."""

from __future__ import annotations

import os
import re
import stat

import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.present.report import write_report


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    jailsim.simulate("scenarios/jem.yaml", seed=3, replications=2, days=90,
                     engine="vector").save(out)
    return out


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
    assert "not a jailsim run folder" in str(exc.value)


def test_outputs_have_normal_permissions(folder):
    umask = os.umask(0)
    os.umask(umask)
    for p in folder.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask, p.name


def test_comparison_folder_report(tmp_path):
    out = tmp_path / "cmp"
    jailsim.compare(["scenarios/jem.yaml", "scenarios/wso.yaml"], out=out, seed=4,
                    replications=3, days=90, engine="vector")
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
            assert f"<td>{_fmt(r['mean'])}</td><td>{_interval(r['ci_low'], r['ci_high'])}</td>" \
                in page, (metric, r["point"])
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
