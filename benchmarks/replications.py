"""Replications on every core: wall time, CPU time and CPU/wall of many short replications.

``.venv/bin/python benchmarks/replications.py`` runs 1,000 replications of 730.5 days of the
default county (``scenarios/base_county.yaml``, its horizon of two years) on 2 local worker
processes, twice, each in a fresh process:

(a) ``metrics``: metrics only (``metrics_only=True``), no output folder, so no checkpoints;
(b) ``folder``: with an output folder (``out=``): every replication checkpointed, the
    per-booking tables written.

It prints a markdown table: wall time, CPU time of the parent and of its children (the fork
server and the workers), CPU/wall (how many cores the run kept busy), peak resident memory
(the parent's, and the sum over the process tree), the machine (CPU model, cores, load average
at the start of each case) and the exact command.

How CPU is counted: the parent's own CPU is ``resource.getrusage(RUSAGE_SELF)``. The workers
are started by a fork server, so they are the parent's grandchildren, and the fork server is
never waited for by the parent: ``RUSAGE_CHILDREN`` would not see them. So a thread samples
the process tree every 100 ms (found with psutil where installed, else from /proc; each
process's user + system time and resident memory read from /proc/PID/stat, Linux only: the
last value seen of each) and the children's CPU is the sum of those; what a worker spends in
its last 100 ms is missed (at most 0.1 s a worker). The sampling thread's own CPU
(``time.thread_time``) is taken off the parent's.

Options: ``--replications N`` (default 1000), ``--workers W`` (default 2), ``--cases
metrics,folder``, ``--scenario PATH``, ``--seed S``, ``--dask`` (a Dask LocalCluster of W
workers instead of local processes), ``--profile`` (case (a) with cProfile on every thread
of the parent instead: where the parent's time goes; printed, no table).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from procs import cpu_model, process_tree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "base_county.yaml"
CASES = {"metrics": "(a) metrics only, no checkpoints", "folder": "(b) output folder"}
TICK = 0.1
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# ----------------------------------------------------------------------- the process tree
def _cpu_rss(pid: int) -> tuple[float, int] | None:
    """CPU seconds (user + system) and resident bytes of ``pid``; None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return ((int(fields[11]) + int(fields[12])) / TICKS,
                int(fields[21]) * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, IndexError, ValueError):
        return None


class TreeSampler:
    """Samples the CPU and memory of this process's descendants every :data:`TICK` seconds."""

    def __init__(self) -> None:
        self.cpu: dict[int, float] = {}
        self.peak_tree_rss = 0
        self.own_cpu = 0.0  # CPU of this thread's sampling, taken off the parent's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        total = _cpu_rss(os.getpid())[1]
        for pid in process_tree(os.getpid())[1:]:
            seen = _cpu_rss(pid)
            if seen is not None:
                self.cpu[pid] = seen[0]
                total += seen[1]
        self.peak_tree_rss = max(self.peak_tree_rss, total)

    def _run(self) -> None:
        start = time.thread_time()
        while not self._stop.wait(TICK):
            self._sample()
        self.own_cpu = time.thread_time() - start

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# -------------------------------------------------------------------------------- a case
def child(spec: dict) -> None:
    """One case, in this fresh process; prints one JSON line of what it measured."""
    from jailsim.experiments.simulate import run

    folder = Path(spec["dir"]) / "out" if spec["case"] == "folder" else None
    options = {"seed": spec["seed"], "replications": spec["replications"], "out": folder,
               "metrics_only": spec["case"] == "metrics", "workers": spec["workers"],
               "dask": spec["dask"]}
    load = os.getloadavg()
    if spec["profile"]:
        profile(run, spec["scenario"], options, spec["case"])
        return
    before = resource.getrusage(resource.RUSAGE_SELF)
    with TreeSampler() as sampler:
        t0 = time.perf_counter()
        done = run(spec["scenario"], **options)
        wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF)
    parent = ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
              - sampler.own_cpu)
    files = 0
    if folder is not None:
        files = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(json.dumps({
        "case": spec["case"], "wall": wall, "parent_cpu": parent,
        "children_cpu": sum(sampler.cpu.values()), "children": len(sampler.cpu),
        "parent_maxrss": after.ru_maxrss * 1024, "tree_rss": sampler.peak_tree_rss,
        "load": load, "bytes": files, "replications": len(done.result.metrics),
        "executor": done.executor,
    }), flush=True)


def profile(run, scenario: str, options: dict, case: str) -> None:
    """Run once with cProfile on every thread of this process (the main thread waits; the
    pool's threads send tasks and receive results), and print where the time went."""
    import cProfile
    import pstats

    threads = []

    def start(frame, event, arg):  # the first event of every thread started from now on
        prof = cProfile.Profile()
        threads.append(prof)
        sys.setprofile(None)
        prof.enable()

    main = cProfile.Profile()
    threading.setprofile(start)
    before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    main.runcall(run, scenario, **options)
    wall = time.perf_counter() - t0
    threading.setprofile(None)
    after = resource.getrusage(resource.RUSAGE_SELF)
    stats = pstats.Stats(main, stream=sys.stderr)
    for prof in threads:
        prof.disable()
        with contextlib.suppress(TypeError):  # a thread that recorded nothing
            stats.add(prof)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"cProfile of the parent, all its threads, case {case}: {wall:.1f} s wall, "
          f"{cpu:.2f} s CPU (with the profiler's own)", file=sys.stderr)
    stats.sort_stats("tottime").print_stats(20)


def _command(args: argparse.Namespace) -> str:
    words = [".venv/bin/python", "benchmarks/replications.py", "--replications",
             str(args.replications), "--workers", str(args.workers), "--cases", args.cases]
    if Path(args.scenario).resolve() != DEFAULT_SCENARIO:
        words += ["--scenario", str(args.scenario)]
    if args.dask:
        words.append("--dask")
    return " ".join(words)


def _machine() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replications", type=int, default=1000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--cases", default="metrics,folder")
    p.add_argument("--scenario", default=str(DEFAULT_SCENARIO))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dask", action="store_true")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0
    cases = [c for c in args.cases.split(",") if c]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        p.error(f"--cases: unknown {unknown} (allowed: {', '.join(CASES)})")
    rows = []
    for case in (["metrics"] if args.profile else cases):
        with tempfile.TemporaryDirectory(prefix="jailsim-bench-") as tmp:
            spec = {"case": case, "dir": tmp, "scenario": args.scenario, "seed": args.seed,
                    "replications": args.replications, "workers": args.workers,
                    "dask": args.dask, "profile": args.profile}
            proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
        if not args.profile:
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    if args.profile:
        return 0
    print(f"machine: {_machine()}; python {sys.version.split()[0]}")
    print(f"command: `{_command(args)}`")
    print(f"scenario: {Path(args.scenario).name}, {args.replications} replications, "
          f"seed {args.seed}, executor {rows[0]['executor']}\n")
    print("| case | wall s | parent CPU s | children CPU s | CPU/wall | parent peak RSS MB "
          "| tree peak RSS MB | folder MB | load avg at start (1, 5, 15 min) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        cpu = r["parent_cpu"] + r["children_cpu"]
        print(f"| {CASES[r['case']]} | {r['wall']:.1f} | {r['parent_cpu']:.1f} | "
              f"{r['children_cpu']:.1f} | {cpu / r['wall']:.2f} | "
              f"{r['parent_maxrss'] / 1e6:.0f} | {r['tree_rss'] / 1e6:.0f} | "
              f"{r['bytes'] / 1e6:.0f} | {', '.join(f'{x:.2f}' for x in r['load'])} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
