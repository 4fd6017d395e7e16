"""Peak memory of whole runs against jailsim's up-front estimate (scenario/memory.py).

``python benchmarks/memory.py`` runs ``jailsim.experiments.simulate.run`` on the full JEM
scenario (``scenarios/jem.yaml`` with its booking rate set so a replication holds N
bookings, officers scaled with it: ``measure.jem_scenario``) for each configuration of
:data:`PLAN` (engine, bookings per replication, replications, workers, and how the tables are
kept: ``disk`` = with an output folder, ``memory`` = without one, ``none`` = metrics only),
each in a fresh process. While it runs, the resident memory (RSS) of that process and of every
process it starts (the fork server, the workers) is sampled every 20 ms and
summed (psutil finds the processes where installed, else /proc; the resident memory is
read from /proc): the peak of the sum is what the machine had to have. The measurements go to
``benchmarks/memory.json``; then (and with ``--report`` alone, from that file) each is set
against :func:`jailsim.scenario.memory.estimate_memory` with the constants as they are in the
code, and the section "Memory of whole runs" of ``benchmarks/RESULTS.md`` is written (run.py
keeps that section when it rewrites the file).

``--old SRC`` measures the same configurations on another source tree (e.g. the last commit,
``git archive HEAD src | tar -x -C /tmp/old``) for the before/after table. ``--fit`` prints
the constants a least-squares fit of the measurements gives (how the code's were chosen).

Options: ``--only NAME,...`` (configurations by name), ``--cap-gb`` (a run whose memory
passes it is stopped; default 16), ``--report`` (no measuring).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from procs import process_tree  # noqa: E402

RESULTS = HERE / "RESULTS.md"
DATA = HERE / "memory.json"
#: RESULTS.md's section written here (from this heading to the end of the file).
HEADING = "## Memory of whole runs (benchmarks/memory.py)"
GB = 1e9

#: (name, engine, bookings per replication, replications, workers, kept)
PLAN = [
    ("v-10k-r1-w1", "vector", 10_000, 1, 1, "disk"),
    ("v-1M-r1-w1", "vector", 1_000_000, 1, 1, "disk"),
    ("v-1M-r3-w1", "vector", 1_000_000, 3, 1, "disk"),
    ("v-1M-r1-w2", "vector", 1_000_000, 1, 2, "disk"),
    ("v-1M-r3-w2", "vector", 1_000_000, 3, 2, "disk"),
    ("v-1M-r3-w2-none", "vector", 1_000_000, 3, 2, "none"),
    ("v-1M-r3-w1-memory", "vector", 1_000_000, 3, 1, "memory"),
    ("v-3M-r1-w1", "vector", 3_000_000, 1, 1, "disk"),
    ("v-3M-r3-w1", "vector", 3_000_000, 3, 1, "disk"),
    ("v-3M-r2-w2", "vector", 3_000_000, 2, 2, "disk"),
    ("v-3M-r2-w1-none", "vector", 3_000_000, 2, 1, "none"),
    ("v-3M-r2-w1-memory", "vector", 3_000_000, 2, 1, "memory"),
    ("d-1M-r1-w1", "des", 1_000_000, 1, 1, "disk"),
    ("d-1M-r2-w1", "des", 1_000_000, 2, 1, "disk"),
    ("d-1M-r2-w2", "des", 1_000_000, 2, 2, "disk"),
    ("d-3M-r1-w1", "des", 3_000_000, 1, 1, "disk"),
    ("v-10M-r1-w1", "vector", 10_000_000, 1, 1, "disk"),
    ("v-10M-r1-w1-none", "vector", 10_000_000, 1, 1, "none"),
    ("v-30M-r1-w1-none", "vector", 30_000_000, 1, 1, "none"),
    ("v-100M-r1-w1-none", "vector", 100_000_000, 1, 1, "none"),
]

#: Configurations measured on the old source too (``--old``): the vector engine's runs before
#: it ran in chunks (one replication with and without tables, metrics only).
OLD = ("v-1M-r1-w1", "v-3M-r2-w1-none", "v-3M-r2-w1-memory", "v-10M-r1-w1",
       "v-10M-r1-w1-none")


# ------------------------------------------------------------------------------ the child
def child(spec: dict) -> None:
    """One run, in this fresh process; prints one JSON line of what it did."""
    from measure import jem_scenario

    from jailsim.experiments.simulate import run

    sc, _ = jem_scenario(spec["n"], str(ROOT / "scenarios" / "jem.yaml"))
    folder = None if spec["kept"] == "memory" else Path(spec["dir"]) / "out"
    options = {"seed": 1, "replications": spec["reps"], "engine": spec["engine"],
               "workers": spec["workers"] if spec["workers"] > 1 else None,
               "out": folder}
    if spec["kept"] == "none":
        options["metrics_only"] = True
    t0 = time.perf_counter()
    done = run(sc, **options)
    seconds = time.perf_counter() - t0
    # Each file's size; a table's folder of parts (one per replication) counts as its total.
    files = ({p.name: sum(f.stat().st_size for f in ([p] if p.is_file() else p.rglob("*"))
                          if f.is_file()) for p in folder.iterdir()}
             if folder is not None else {})
    rows = getattr(done.result, "booking_rows", None)  # (the old source has none)
    print(json.dumps({"seconds": seconds, "files": files, "rows": rows,
                      "bookings": float(_expected(sc)),
                      "self_maxrss": _maxrss_self()}), flush=True)


def _expected(sc) -> float:
    try:
        from jailsim.scenario.memory import expected_bookings
    except ImportError:
        return float("nan")
    return expected_bookings(sc)


def _maxrss_self() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ----------------------------------------------------------------------------- measuring
def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _tree_rss(pid: int, peaks: dict[int, int]) -> int:
    """The summed resident memory of ``pid`` and its descendants; ``peaks`` kept per pid."""
    total = 0
    for p in process_tree(pid):
        rss = _rss(p)
        total += rss
        peaks[p] = max(peaks.get(p, 0), rss)
    return total


def measure(name, engine, n, reps, workers, kept, *, src: Path, cap: float) -> dict:
    """Run one configuration in a fresh process and sample its tree's memory."""
    with tempfile.TemporaryDirectory(prefix="jailsim-mem-") as tmp:
        spec = {"engine": engine, "n": n, "reps": reps, "workers": workers, "kept": kept,
                "dir": tmp}
        env = {**os.environ, "PYTHONPATH": str(src)}
        proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(spec)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        peak, peaks, stopped = 0, {}, False
        t0 = time.perf_counter()
        while proc.poll() is None:
            total = _tree_rss(proc.pid, peaks)
            peak = max(peak, total)
            if total > cap:
                stopped = True
                for p in process_tree(proc.pid):
                    try:
                        os.kill(p, 9)
                    except OSError:
                        pass
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        out, err = proc.communicate()
    line = out.strip().splitlines()[-1] if out.strip() else "{}"
    info = json.loads(line) if line.startswith("{") else {}
    if proc.returncode != 0 and not stopped:
        raise RuntimeError(f"{name}: exit {proc.returncode}\n{err[-2000:]}")
    parent = peaks.get(proc.pid, 0)
    others = sorted((v for k, v in peaks.items() if k != proc.pid), reverse=True)
    return {"name": name, "engine": engine, "n": n, "reps": reps, "workers": workers,
            "kept": kept, "peak_total": peak, "peak_parent": max(parent,
                                                                 info.get("self_maxrss", 0)),
            "peak_others": others, "stopped_at_cap": stopped, "wall_seconds": wall,
            "loadavg": os.getloadavg()[0], **info}


# ----------------------------------------------------------------------------- the estimate
def estimate(m: dict) -> int:
    """The estimate of the code as it is now, for measurement ``m``."""
    from measure import jem_scenario

    from jailsim.scenario.memory import estimate_memory

    sc, _ = jem_scenario(m["n"], str(ROOT / "scenarios" / "jem.yaml"))
    return estimate_memory(sc, m["reps"], engine=m["engine"],
                           workers=m["workers"] if m["workers"] > 1 else 0,
                           kept=m["kept"]).total


def fit(ms: list[dict]) -> None:
    """Print the constants the measurements give (the code's are these, rounded)."""
    import numpy as np

    new = [m for m in ms if m.get("source") == "new" and not m["stopped_at_cap"]]
    base = [m["peak_parent"] for m in new if m["n"] <= 10_000]
    proc = float(np.mean(base)) if base else float("nan")
    print(f"PROCESS_BYTES ~ {proc / 1e6:.0f} MB (serial run of 10k bookings)")
    pts = [(m["n"], m["peak_total"] - proc) for m in new
           if m["engine"] == "des" and m["workers"] == 1 and m["n"] >= 1_000_000]
    if pts:  # the SimPy engine runs a replication whole
        x, y = np.array(pts, dtype=float).T
        print(f"WORK_BYTES_PER_BOOKING[des] ~ {float((x @ y) / (x @ x)):.0f} "
              f"(serial peaks above the process; per booking {np.round(y / x)})")
    # The vector engine holding no table (metrics only, or its table written as it comes)
    # runs in chunks: a constant and a little per booking.
    pts = [(m["n"], m["peak_total"] - proc) for m in new
           if m["engine"] == "vector" and m["workers"] == 1 and m["kept"] in ("none", "disk")
           and m["n"] >= 1_000_000]
    if len(pts) >= 2:
        x, y = np.array(pts, dtype=float).T
        slope, const = np.polyfit(x, y, 1)
        print(f"STREAM_BYTES ~ {const / 1e6:.0f} MB, STREAM_BYTES_PER_BOOKING ~ {slope:.1f} "
              f"(serial peaks above the process, metrics only or tables on disk: "
              f"{np.round(y / 1e6)} MB at {x.astype(int).tolist()} bookings)")
    for m in new:
        if m["workers"] > 1 and m["peak_others"]:
            w = m["peak_others"][: m["workers"]]
            print(f"{m['name']}: workers' peaks {[round(v / 1e6) for v in w]} MB, parent "
                  f"{m['peak_parent'] / 1e6:.0f} MB")
        if m["kept"] == "memory":
            extra = m["peak_total"] - proc
            print(f"{m['name']}: above the process {extra / m['n'] / m['reps']:.0f} B per "
                  "booking and replication (in-memory tables: 2 x tables at the end)")
        files = m.get("files") or {}
        if "bookings.parquet" in files:
            enc = (files["bookings.parquet"] + files.get("census.parquet", 0)) / m["n"] / m[
                "reps"]
            print(f"{m['name']}: encoded tables {enc:.0f} B per booking")


# ------------------------------------------------------------------------------- the report
def _machine() -> str:
    from run import machine

    info = machine()
    v = info["versions"]
    return (f"{info['cpu']}, {info['logical_cpus']} logical cores, "
            f"{(info['memory_bytes'] or 0) / GB:.1f} GB RAM; Python {v['python']}, numpy "
            f"{v['numpy']}, pandas {v['pandas']}, jailsim {v['jailsim']}; git HEAD "
            f"`{(info['git_head'] or '?')[:12]}`"
            + (" with uncommitted changes in src/" if info["uncommitted_in_src_or_scenarios"]
               else ""))


def section(data: dict) -> str:
    """The section of RESULTS.md."""
    ms = data["measurements"]
    new = [m for m in ms if m["source"] == "new"]
    lines = [
        HEADING, "",
        f"- **Command**: `{data['command']}`",
        f"- **Date**: {data['date']}",
        f"- **Machine**: {data['machine']}",
        "- Each configuration is `jailsim.experiments.simulate.run` on `scenarios/jem.yaml` "
        "(steady-state warm start) with the booking rate set so a replication holds N "
        "bookings, seed 1, in a fresh process. **Peak** is the largest sum of the resident "
        "memory of that process and every process it started (fork server, workers), sampled "
        "every 20 ms; **parent** is the run's own process. **Estimate** is "
        "`jailsim.scenario.memory.estimate_memory` (what the up-front check compares with "
        "75% of the machine's memory) with the constants now in the code; **error** = "
        "estimate / peak - 1. *seconds* is the wall time of the run on a machine shared with "
        "other work: not a measure of speed. *kept*: `disk` = with an output folder (each "
        "table written to its checkpoint as its rows come, the final tables those files, "
        "linked), `memory` = "
        "without one (every table held), `none` = `--metrics-only`.", "",
        "| configuration | engine | bookings / rep | reps | workers | kept | seconds | "
        "peak GB | parent GB | estimate GB | error |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    errors = []
    for m in new:
        err = m["estimate"] / m["peak_total"] - 1 if m["peak_total"] else float("nan")
        if m["n"] >= 1_000_000:
            errors.append(abs(err))
        lines.append(
            f"| {m['name']} | {m['engine']} | {m['n']:,} | {m['reps']} | {m['workers']} | "
            f"{m['kept']} | {m['seconds']:.1f} | **{m['peak_total'] / GB:.2f}** | "
            f"{m['peak_parent'] / GB:.2f} | {m['estimate'] / GB:.2f} | {err:+.0%} |")
    lines += ["", f"Largest estimate error at 1M bookings or more: "
              f"{max(errors):.0%} (target: within 25%)." if errors else "", ""]
    old = [m for m in ms if m["source"] == "old"]
    if old:
        lines += [
            "Before this change (the same configurations on "
            + data.get("old_source", "an older source tree (`--old`)")
            + "): the vector engine ran each replication whole.", "",
            "| configuration | peak GB before | peak GB now | parent GB before | parent GB now |",
            "|---|---|---|---|---|",
        ]
        now = {m["name"]: m for m in new}
        for m in old:
            n = now.get(m["name"])
            lines.append(
                f"| {m['name']} | {m['peak_total'] / GB:.2f} | "
                f"{n['peak_total'] / GB:.2f} | {m['peak_parent'] / GB:.2f} | "
                f"{n['peak_parent'] / GB:.2f} |" if n else
                f"| {m['name']} | {m['peak_total'] / GB:.2f} | | | |")
        lines.append("")
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace (or add) this script's section of RESULTS.md (see :func:`sections.replace`)."""
    from sections import replace

    RESULTS.write_text(replace(RESULTS.read_text() if RESULTS.exists() else "", HEADING, text))


# ----------------------------------------------------------------------------------- main
def _data(measurements: list[dict], args) -> dict:
    order = {p[0]: k for k, p in enumerate(PLAN)}
    return {"measurements": sorted(measurements, key=lambda m: (m["source"] != "new",
                                                                order.get(m["name"], 99))),
            "command": "python benchmarks/memory.py" + (f" --old {args.old}" if args.old
                                                         else ""),
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": _machine()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--only", help="configurations to measure, by name (comma-separated)")
    ap.add_argument("--old", type=Path, help="also measure the source tree SRC (before)")
    ap.add_argument("--cap-gb", type=float, default=16.0)
    ap.add_argument("--report", action="store_true", help="only write the report from "
                    "memory.json")
    ap.add_argument("--fit", action="store_true", help="print the constants the data give")
    args = ap.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0
    data = json.loads(DATA.read_text()) if DATA.exists() else {"measurements": []}
    if not args.report and not args.fit:
        only = set(args.only.split(",")) if args.only else None
        plan = [p for p in PLAN if only is None or p[0] in only]
        sources = [("new", ROOT / "src")] + ([("old", args.old)] if args.old else [])
        old_source = data.get("old_source")
        keep = [m for m in data["measurements"]
                if (m["name"], m["source"]) not in {(p[0], s) for p in plan for s, _ in sources}]
        for source, src in sources:
            for p in plan:
                if source == "old" and p[0] not in OLD:
                    continue
                m = measure(*p, src=src, cap=args.cap_gb * GB)
                m["source"] = source
                print(f"{source} {m['name']}: peak {m['peak_total'] / GB:.2f} GB, parent "
                      f"{m['peak_parent'] / GB:.2f} GB, {m.get('seconds', float('nan')):.1f} s",
                      flush=True)
                keep.append(m)
                data = _data(keep, args)
                if old_source and not args.old:
                    data["old_source"] = old_source
                DATA.write_text(json.dumps(data, indent=1))  # kept as it goes
    if args.fit:
        fit(data["measurements"])
        return 0
    for m in data["measurements"]:
        if m["source"] == "new":
            m["estimate"] = estimate(m)
    DATA.write_text(json.dumps(data, indent=1))
    write_section(section(data))
    print(f"wrote {DATA} and the section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
