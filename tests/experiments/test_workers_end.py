"""Nothing left running: the worker processes of a run end when the run does, however it ends.

A run with ``--workers 2`` is killed with SIGKILL (no clean-up at all) or stopped with SIGTERM
(a clean end, exit 143); afterwards none of the processes it started (fork server, resource
tracker, workers) is still alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="reads the process tree from /proc (Linux)")


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of ``pid``, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = text.rsplit(")", 1)[1].split()[:2]
    return int(ppid), state


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (s := _stat(int(entry.name))) is not None:
            children.setdefault(s[0], []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    return {p for p in pids if (s := _stat(p)) is not None and s[1] != "Z"}  # zombies are done


@pytest.mark.parametrize("sig, code", [(signal.SIGKILL, -signal.SIGKILL),
                                       (signal.SIGTERM, 143)])
def test_no_process_of_a_run_outlives_it(tmp_path, sig, code):
    cmd = [sys.executable, "-m", "jailsim.cli.main", "run", "scenarios/jem.yaml", "--seed", "1",
           "-r", "40", "--days", "200", "--engine", "des", "--workers", "2", "--quiet",
           "--out", str(tmp_path / "run")]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started: set[int] = set()
    checkpoints = tmp_path / "run" / "checkpoints"
    deadline = time.monotonic() + 120
    # the workers are computing once a replication is checkpointed (on a loaded machine the
    # fork server and the workers take seconds to start)
    while time.monotonic() < deadline and not list(checkpoints.glob("rep-*.json")):
        time.sleep(0.2)
        started |= _descendants(proc.pid)
    started |= _descendants(proc.pid)
    assert len(started) >= 3, started  # fork server, resource tracker, workers
    os.kill(proc.pid, sig)
    assert proc.wait(timeout=60) == code
    deadline = time.monotonic() + 15
    while _alive(started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(started)
    if sig == signal.SIGTERM:
        assert b"stopped" in proc.stderr.read()
