"""The HTML report is one self-contained file; output files get normal permissions."""

from __future__ import annotations

import os
import re
import stat

import pytest

import jailsim
from jailsim.report import write_report
from jailsim.scenario.loading import ScenarioError


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
