"""How fast the command line answers: ``jailsim --help``, ``import jailsim``, ``jailsim validate``.

``python benchmarks/startup.py`` runs each command in a fresh process (one untimed run first,
then ``--runs`` timed ones, 5 by default) and prints the median wall time of each as a small
Markdown table, with the machine (CPU model, cores, load average) and the command that made
it. ``--old SRC`` times the same commands on another source tree too (put first on the path
with ``PYTHONPATH``: e.g. ``git archive HEAD src | tar -x -C /tmp/old`` and ``--old
/tmp/old/src``), run by run in turn with the current tree, for a before/after table.

Python's bytecode cache matters here: with ``PYTHONDONTWRITEBYTECODE`` set (and no
``__pycache__`` written before) every jailsim module is compiled from source at every start.
The table says which way it was.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from procs import cpu_model

ROOT = Path(__file__).resolve().parents[1]
#: Where the ``jailsim`` console script is, beside this interpreter (else ``python -m``).
SCRIPT = Path(sys.executable).with_name("jailsim")
#: What is timed: (label, arguments after the interpreter or the console script, target).
COMMANDS = [
    ("jailsim --help", ["--help"], 0.3),
    ('python -c "import jailsim"', None, 0.5),
    ("jailsim validate scenarios/jem.yaml", ["validate", "scenarios/jem.yaml"], None),
]


def _argv(args: list[str] | None) -> list[str]:
    if args is None:
        return [sys.executable, "-c", "import jailsim"]
    if SCRIPT.is_file():
        return [str(SCRIPT), *args]
    return [sys.executable, "-m", "jailsim.cli.main", *args]


def _env(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


def wall_seconds(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one fresh process (its output discarded; it must exit with 0)."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def machine() -> str:
    """CPU model, cores and the load average (1, 5, 15 minutes) now."""
    model = cpu_model()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load average {load}"


def main(argv: list[str] | None = None) -> int:
    """Time the commands and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    p.add_argument("--old", metavar="SRC", help="also time this source tree (before/after)")
    args = p.parse_args(argv)
    trees = {"now": None} if args.old is None else {"before": args.old, "now": None}
    envs = {name: _env(src) for name, src in trees.items()}
    load_before = machine()
    times: dict[tuple[str, str], list[float]] = {}
    for label, cmd, _ in COMMANDS:
        for name in trees:  # one untimed run: files in the page cache, as for a user
            wall_seconds(_argv(cmd), envs[name])
        for _ in range(args.runs):
            for name in trees:  # the trees in turn, so a change in load hits both alike
                times.setdefault((label, name), []).append(wall_seconds(_argv(cmd), envs[name]))
    cache = ("off (PYTHONDONTWRITEBYTECODE set: jailsim's modules are compiled at every start)"
             if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on")
    command = shlex.join(["python", "benchmarks/startup.py", *sys.argv[1:]])
    print("## Startup (benchmarks/startup.py)\n")
    print(f"- **Command**: `{command}`")
    print(f"- **Machine**: {load_before} at the start; {machine().rpartition(', ')[2]} at "
          "the end")
    print(f"- Python {platform.python_version()}; bytecode cache {cache}")
    print(f"- Each figure: median wall time of {args.runs} fresh processes (after one untimed "
          "run), from the repository root" + (", the trees in turn" if args.old else "") + "\n")
    head = ["command", *(f"{name} (s)" for name in trees), "target"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, _, target in COMMANDS:
        cells = [f"{statistics.median(times[label, name]):.2f}" for name in trees]
        goal = f"<= {target} s" if target is not None else "-"
        print(f"| `{label}` | " + " | ".join(cells) + f" | {goal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
