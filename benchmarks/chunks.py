"""One replication run whole or in chunks: seconds and peak memory, with and without tables.

``python benchmarks/chunks.py`` runs
:func:`jailsim.experiments.replication.run_replication` on the full JEM scenario
(``measure.jem_scenario``: ``scenarios/jem.yaml`` with its booking rate set so the horizon
holds N bookings, officers scaled with it) with the vector engine whole (``chunked=False``)
and in chunks (the default), keeping the bookings table or only the metrics, each in a fresh
process, the sizes and cases in turn. A run's seconds are from the call to its return
(imports and ``Context.build`` excluded); its peak is the process's peak resident memory
(``ru_maxrss``, the interpreter and imports included). It checks that both ways give the same
table and metrics, and writes the section "Chunks" of ``benchmarks/RESULTS.md``.

Options: ``--sizes 3e6,10e6`` (bookings), ``--repeats 1``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RESULTS = HERE / "RESULTS.md"
HEADING = "## Chunks (benchmarks/chunks.py)"
CASES = [("whole", True), ("chunks", True), ("whole", False), ("chunks", False)]


def child(n: int, way: str, tables: bool) -> dict:
    """One replication in this process: seconds, peak GB, a digest of its results."""
    import hashlib
    import resource
    import time

    from measure import jem_scenario

    from jailsim.experiments.replication import run_replication
    from jailsim.model.context import Context

    sc, _ = jem_scenario(n, str(HERE.parent / "scenarios" / "jem.yaml"))
    ctx = Context.build(sc)
    start = time.perf_counter()
    b, _, m = run_replication(ctx, 1, 0, "vector", tables=tables, chunked=way == "chunks")
    seconds = time.perf_counter() - start
    digest = None if b is None else hashlib.sha256(  # who, and when each left
        b["booking_id"].to_numpy().tobytes() + b["exit_at"].to_numpy().tobytes()).hexdigest()
    return {"n": n, "way": way, "tables": tables, "seconds": seconds,
            "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
            "adp": m["adp"], "table": digest, "load": os.getloadavg()[0]}


def measure(n: int, way: str, tables: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps([n, way, tables])],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def section(rows: list[dict], command: str) -> str:
    from run import machine

    info = machine()
    lines = [HEADING, "", f"- **Command**: `{command}`",
             f"- **Date**: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
             f"- **Machine**: {info['cpu']}, {info['logical_cpus']} logical cores; git HEAD "
             f"`{(info['git_head'] or '?')[:12]}`",
             "- One replication of `scenarios/jem.yaml` scaled to N bookings, vector engine, "
             "seed 1, each run in a fresh process: *whole* = `run_replication(..., "
             "chunked=False)`, *chunks* = the default (`stream_replication`, about 262,144 "
             "bookings a chunk). Seconds: the call alone; peak: the process's peak resident "
             "memory (interpreter and imports included).", "",
             "| bookings | table kept | way | seconds | peak GB | ADP | load |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {'yes' if r['tables'] else 'no (metrics only)'} | "
                     f"{r['way']} | {r['seconds']:.1f} | **{r['peak_gb']:.2f}** | "
                     f"{r['adp']:,.2f} | {r['load']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="3e6,10e6")
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*json.loads(args.child))))
        return
    rows = []
    for n in (int(float(x)) for x in args.sizes.split(",")):
        for _ in range(args.repeats):
            for way, tables in CASES:
                r = measure(n, way, tables)
                print(f"{n:,} {way} tables={tables}: {r['seconds']:.1f} s, "
                      f"{r['peak_gb']:.2f} GB", flush=True)
                rows.append(r)
        mine = [r for r in rows if r["n"] == n]
        digests = {r["table"] for r in mine if r["tables"]}
        adps = [r["adp"] for r in mine]
        if len(digests) != 1 or max(adps) - min(adps) > 1e-9 * max(adps):
            raise SystemExit(f"whole and chunks differ at {n:,} bookings: {digests}, {adps}")
    from sections import replace

    command = "python benchmarks/chunks.py" + "".join(
        f" --{k} {v}" for k, v in (("sizes", args.sizes), ("repeats", args.repeats))
        if v != ap.get_default(k))
    RESULTS.write_text(replace(RESULTS.read_text(), HEADING, section(rows, command)))
    print(f"wrote the section of {RESULTS}")


if __name__ == "__main__":
    main()
