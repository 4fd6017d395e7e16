"""The reports render in a real browser: every image loads with its alt text, nothing overflows
the page, and no number breaks across lines.

Uses the distribution's Chromium (``make test`` installs it with apt-get where it can); the
test is skipped, saying why, where no Chromium is installed. A copy of the report gets a
probe script that writes its findings into the page, which headless Chromium dumps.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import jailsim
from jailsim.present.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  const wide = document.documentElement.scrollWidth > window.innerWidth;
  const mute = imgs.filter(i => !i.alt || i.alt === 'figure').length;
  const numbers = [...document.querySelectorAll('td:not(.text)')].filter(
    td => !td.querySelector('br'));
  const wrapped = numbers.filter(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
  }).length;
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = `PROBE images=${imgs.length} broken=${bad} overflow=${wide} ` +
    `mute=${mute} cells=${numbers.length} wrapped=${wrapped}`;
  document.body.appendChild(out);
});
</script></body>"""


def _run(folder):
    jailsim.simulate("scenarios/jem.yaml", seed=2, replications=2, days=90,
                     engine="vector").save(folder)
    return 4  # figures: stays, census, holds, screening


def _comparison(folder):
    jailsim.compare(["scenarios/jem.yaml", "scenarios/wso.yaml"], seed=2, replications=2,
                    days=60, engine="vector", out=folder)
    return 4  # figures: stays, paired differences, the census of each


def _sweep(folder):
    jailsim.sweep("scenarios/jem.yaml", {"jem.officers": [1, 2], "hold.cap": ["24h", "48h"]},
                  seed=2, replications=2, days=60, engine="vector", out=folder)
    return 2  # one figure per varied parameter


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
@pytest.mark.parametrize("width", [1280, 600])
@pytest.mark.parametrize("kind", ["run", "comparison", "sweep"])
def test_report_renders_in_headless_chromium(tmp_path, kind, width):
    folder = tmp_path / kind
    figures = {"run": _run, "comparison": _comparison, "sweep": _sweep}[kind](folder)
    page = write_report(folder).read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE))
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           f"--window-size={width},900", "--virtual-time-budget=10000", "--dump-dom",
           probe.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r"PROBE images=(\d+) broken=(\d+) overflow=(\w+) mute=(\d+) "
                      r"cells=(\d+) wrapped=(\d+)", dom)
    assert found, dom[-500:]
    images, broken, overflow = int(found[1]), int(found[2]), found[3]
    assert images == figures and broken == 0 and overflow == "false"
    assert found[4] == "0"  # every figure says what it shows
    assert int(found[5]) > 20 and found[6] == "0", found[0]  # numbers on one line
