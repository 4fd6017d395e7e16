"""One replication run whole or in chunks: seconds and peak memory, with and without tables.

``python benchmarks/chunks.py`` runs
:func:`jailsim.experiments.replication.run_replication` on the full JEM scenario
(``measure.jem_scenario``: ``scenarios/jem.yaml`` with its booking rate set so the horizon
holds N bookings, officers scaled with it) with the vector engine whole (``chunked=False``)
and in chunks (the default), keeping the bookings table in memory, writing it to a Parquet
file as its rows come (a :class:`~jailsim.results.tablefiles.TableWriter`, as a worker
writes its checkpoint), or keeping only the metrics; each in a fresh process, the sizes and
cases in turn. A run's seconds are from the call to its return (imports and
``Context.build`` excluded; the file, if any, written and closed); its peak is the
process's peak resident memory (``ru_maxrss``, the interpreter and imports included). It
checks that every way gives the same table and metrics, and writes the section "Chunks" of
``benchmarks/RESULTS.md``.

*Whole process* is the command line from start to exit: ``jailsim run SCENARIO -r 1 --seed
1 --out DIR --no-report --quiet`` on the scaled scenario (written to a YAML file first), its
wall time and peak memory (the process's, from ``wait4``): interpreter, imports, checks, the
run, its bookings and census Parquet written, the summary.

Options: ``--sizes 3e6,10e6`` (bookings), ``--repeats 1``, ``--old SRC`` (also measure the
source tree SRC, e.g. ``git archive REV src | tar -x -C /tmp/old``: the cases it has).
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
#: (way, table kept): in memory, written to a Parquet file as it comes, or none.
CASES = [("whole", "memory"), ("chunks", "memory"), ("chunks", "parquet"),
         ("whole", "none"), ("chunks", "none"), ("whole process", "folder")]
KEPT = {"memory": "in memory", "parquet": "Parquet file", "none": "no (metrics only)",
        "folder": "run folder"}


def whole_process(n: int, src: Path | None) -> dict:
    """``jailsim run`` on the scaled scenario, start to exit: seconds and peak GB."""
    import tempfile
    import time

    import yaml
    from measure import jem_scenario

    sc, _ = jem_scenario(n, str(HERE.parent / "scenarios" / "jem.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scaled.yaml"
        path.write_text(yaml.safe_dump(sc.to_dict(), sort_keys=False))
        env = {**os.environ, **({"PYTHONPATH": str(src)} if src else {})}
        cmd = [sys.executable, "-c", "from jailsim.cli.main import main; main()", "run",
               str(path), "-r", "1", "--seed", "1", "--out", str(Path(tmp) / "out"),
               "--no-report", "--quiet"]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"jailsim run failed at {n:,} bookings")
        summary = json.loads((Path(tmp) / "out" / "summary.json").read_text())
    adp = summary["metrics"]["adp"]
    adp = adp["mean"] if isinstance(adp, dict) else adp
    return {"n": n, "way": "whole process", "kept": "folder", "seconds": seconds,
            "peak_gb": usage.ru_maxrss * 1024 / 1e9, "adp": adp, "table": None,
            "load": os.getloadavg()[0], "tree": "before" if src else "now"}


def child(n: int, way: str, kept: str) -> dict:
    """One replication in this process: seconds, peak GB, a digest of its results."""
    import hashlib
    import resource
    import tempfile
    import time

    from measure import jem_scenario

    from jailsim.experiments.replication import run_replication
    from jailsim.model.context import Context

    sc, _ = jem_scenario(n, str(HERE.parent / "scenarios" / "jem.yaml"))
    ctx = Context.build(sc)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bookings.parquet"
        start = time.perf_counter()
        if kept == "parquet":
            from jailsim.results.tablefiles import TableWriter, table_metadata

            with TableWriter(path, table_metadata(sc)) as sink:
                _, _, m = run_replication(ctx, 1, 0, "vector", sink=sink)
        else:
            b, _, m = run_replication(ctx, 1, 0, "vector", tables=kept == "memory",
                                      chunked=way == "chunks")
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
        if kept == "parquet":  # read back once measured
            import pandas as pd

            b = pd.read_parquet(path, columns=["booking_id", "exit_at"])
        digest = None if kept == "none" else hashlib.sha256(  # who, and when each left
            b["booking_id"].to_numpy().tobytes() + b["exit_at"].to_numpy().tobytes()
        ).hexdigest()
    return {"n": n, "way": way, "kept": kept, "seconds": seconds, "peak_gb": peak,
            "adp": m["adp"], "table": digest, "load": os.getloadavg()[0]}


def measure(n: int, way: str, kept: str, src: Path | None = None) -> dict:
    if way == "whole process":
        return whole_process(n, src)
    env = {**os.environ, **({"PYTHONPATH": str(src)} if src else {})}
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps([n, way, kept])],
                         check=True, capture_output=True, text=True, env=env)
    return {**json.loads(out.stdout.strip().splitlines()[-1]),
            "tree": "before" if src else "now"}


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
             "bookings a chunk). *Table*: kept in memory, written to a Parquet file as its "
             "rows come (`TableWriter`, as a worker writes its checkpoint), or not kept. "
             "Seconds: the call alone (the file written and closed); peak: the process's peak "
             "resident memory (interpreter and imports included). *whole process*: `jailsim "
             "run` into an output folder (`--no-report`), start to exit, its peak from "
             "`wait4`. *before*: the tree given by `--old`.", "",
             "| bookings | tree | table | way | seconds | peak GB | ADP | load |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['tree']} | {KEPT[r['kept']]} | {r['way']} | "
                     f"{r['seconds']:.1f} | **{r['peak_gb']:.2f}** | {r['adp']:,.2f} | "
                     f"{r['load']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="3e6,10e6")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--old", type=Path, help="also measure the source tree OLD (before)")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*json.loads(args.child))))
        return
    rows = []
    for n in (int(float(x)) for x in args.sizes.split(",")):
        for _ in range(args.repeats):
            for src in (None, args.old) if args.old else (None,):
                for way, kept in CASES:
                    if src and kept == "parquet":
                        continue  # no tree before had it
                    r = measure(n, way, kept, src)
                    print(f"{n:,} {r['tree']} {way} table={kept}: {r['seconds']:.1f} s, "
                          f"{r['peak_gb']:.2f} GB", flush=True)
                    rows.append(r)
        mine = [r for r in rows if r["n"] == n]
        digests = {r["table"] for r in mine if r["table"]}
        adps = [r["adp"] for r in mine]
        if len(digests) != 1 or max(adps) - min(adps) > 1e-9 * max(adps):
            raise SystemExit(f"whole and chunks differ at {n:,} bookings: {digests}, {adps}")
    from sections import replace

    command = "python benchmarks/chunks.py" + "".join(
        f" --{k} {v}" for k, v in (("sizes", args.sizes), ("repeats", args.repeats),
                                   ("old", args.old))
        if v != ap.get_default(k))
    RESULTS.write_text(replace(RESULTS.read_text(), HEADING, section(rows, command)))
    print(f"wrote the section of {RESULTS}")


if __name__ == "__main__":
    main()
