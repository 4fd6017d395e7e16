"""Time and memory of refusing hostile scenario files (issue 22: within 2 s and 200 MB).

    .venv/bin/python benchmarks/hostile_files.py

Writes each hostile file (10 MB and 8 MB lists of ones, a block list, a 10 MB mapping, deep
nesting, an alias bomb, a long string, a list just within the limit of values) to a temporary
folder and loads it in a fresh process, which reports the seconds ``jailsim.load`` took (wall
clock, and the process's CPU time, which other work on a shared machine inflates less) and the
memory it added to the process (peak resident memory after loading, less before). Exits 1 if
any file took more than 2 s of CPU time or added more than 200 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

LIMIT_SECONDS = 2.0
LIMIT_MB = 200.0

CHILD = """
import json, resource, sys, time
import jailsim
from jailsim.base.errors import ScenarioError
jailsim.load("jailsim:jem.yaml")  # imports and caches warmed
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start, cpu = time.perf_counter(), time.process_time()
try:
    jailsim.load(sys.argv[1])
    outcome = "loaded"
except ScenarioError as exc:
    outcome = exc.lines[0]
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
mb = (after - before) / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "mb": mb, "outcome": outcome}))
"""


def hostile(folder: Path) -> dict[str, Path]:
    """Write the hostile files; return them by name."""
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    texts = {
        "list_10MB": "name: x\ndescription: [" + ",".join(["1"] * 5_000_000) + "]\n",
        "list_8MB": "name: x\ndescription: [" + ",".join(["1"] * 4_000_000) + "]\n",
        "block_list_8MB": "name: x\ndescription:\n" + "- 1\n" * 2_000_000,
        "mapping_10MB": "description: {" + ",".join(f"k{i}: 1" for i in range(1_000_000)) + "}\n",
        "deep_2MB": "description: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n",
        "alias_bomb": "description:\n" + "".join(f"  {line}\n" for line in bomb),
        "string_8MB": "name: x\ndescription: '" + "x" * 8_000_000 + "'\n",
        "list_within_limit": "name: x\ndescription: ["
                             + ",".join(str(i) for i in range(99_990)) + "]\n",
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(text)
    return paths


def main() -> int:
    """Load each hostile file in a fresh process; print a table; 1 if a limit was passed."""
    worst = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in hostile(Path(tmp)).items():
            out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                                 text=True, check=True).stdout
            got = json.loads(out)
            over = got["cpu"] > LIMIT_SECONDS or got["mb"] > LIMIT_MB
            worst |= over
            size = path.stat().st_size / 1e6
            outcome = got["outcome"].replace(str(path), "FILE")[:90]
            print(f"{name:<18} {size:5.1f} MB  {got['seconds']:5.2f} s ({got['cpu']:4.2f} s CPU)  "
                  f"+{got['mb']:4.0f} MB"
                  f"{'  OVER' if over else ''}  {outcome}")
    return int(worst)


if __name__ == "__main__":
    sys.exit(main())
