"""Benchmarks of jailsim against peer simulators: ``python benchmarks/run.py [--quick]``.

Measures, in one run on one machine (see README.md in this folder):

1. jailsim's vector and des engines on the full JEM scenario (scenarios/jem.yaml, booking rate
   scaled so the horizon holds N bookings, officers scaled with it), stage by stage:
   Population.sample, the engine, the bookings table, census and metrics;
2. the shared subset model (Poisson bookings, c FCFS officers with exponential service, a
   lognormal stay with unlimited beds) in jailsim vector, jailsim des, plain SimPy and Ciw,
   with each run checked against Erlang C and Little's law;
3. the ratios, the targets of issue 3 (met or missed), and cProfile / tracemalloc profiles
   where a target is missed.

Every measurement runs in a fresh process (benchmarks/measure.py) pinned to one core, under a
memory watchdog; timings are medians over repeats. Writes RESULTS.md and results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import report  # noqa: E402
import theory  # noqa: E402
from peers import subset_params  # noqa: E402
from procs import cpu_model  # noqa: E402
from sections import other_sections  # noqa: E402

#: The section of RESULTS.md that benchmarks/memory.py writes (kept when this rewrites it).

GB = 1e9  # decimal units throughout: 1 GB = 10^9 bytes
PEERS = ("vector", "des", "simpy", "ciw")
#: Issue 3's targets.
TARGET_RATE = 1_000_000  # bookings per second per core, vector, full JEM model
TARGET_BIG = 10_000_000  # ... shown as 10M bookings in 10 s
TARGET_MEMORY = 4 * GB  # peak for a 10M-booking replication
TARGET_VS_PEERS = 50.0  # vector vs Ciw and vs plain SimPy, subset model
TARGET_DES_VS_SIMPY = 2.0  # des vs plain SimPy


# ---------------------------------------------------------------------------------- helpers
def parse_sizes(text: str) -> list[int]:
    """``"100k,1M,1e7"`` -> ``[100000, 1000000, 10000000]``."""
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        mult = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        out.append(int(float(part[:-1] if mult > 1 else part) * mult))
    return sorted(set(out))


def human(n: float) -> str:
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if n >= size:
            v = n / size
            return f"{v:.0f}{unit}" if v == int(v) else f"{v:.3g}{unit}"
    return f"{n:.0f}"


def meminfo(field: str) -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def loadavg() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return None


def machine() -> dict:
    """CPU, memory, versions, date and the source the run measured."""
    cpu = cpu_model()
    versions = {"python": platform.python_version()}
    for mod in ("numpy", "pandas", "scipy", "simpy", "ciw", "numba", "jailsim"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - a missing peer is reported, not fatal
            versions[mod] = None

    def git(*args: str) -> str | None:
        try:
            return subprocess.run(
                ["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True,
                text=True, timeout=20, check=True,
            ).stdout.strip()
        except Exception:  # noqa: BLE001
            return None

    dirty = git("status", "--porcelain", "--", "src", "scenarios")
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "memory_bytes": meminfo("MemTotal"),
        "platform": platform.platform(),
        "versions": versions,
        "git_head": git("rev-parse", "HEAD"),
        "uncommitted_in_src_or_scenarios": dirty.splitlines() if dirty else [],
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "loadavg_start": loadavg(),
    }


# ------------------------------------------------------------------------------ measurement
class Runner:
    """Starts measure.py per measurement, with a memory watchdog and a time limit."""

    def __init__(self, args, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.count = 0
        self.log: list[dict] = []

    def cap(self) -> int:
        avail = meminfo("MemAvailable")
        cap = self.args.mem_cap_gb * GB
        if avail:
            cap = min(cap, avail - self.args.mem_reserve_gb * GB)
        return int(max(cap, 1 * GB))

    def run(self, spec: dict, label: str) -> dict:
        self.count += 1
        out = self.workdir / f"m{self.count:03d}.jsonl"
        spec = {**spec, "out": str(out), "cpu": self.args.cpu, "scenario": self.args.scenario}
        spec_file = out.with_suffix(".spec.json")
        spec_file.write_text(json.dumps(spec))
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        cap = self.cap()
        load = loadavg()
        print(f"  {label} ...", end="", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "measure.py"), str(spec_file)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        status, max_rss = "ok", 0
        while proc.poll() is None:
            rss = _rss(proc.pid)
            max_rss = max(max_rss, rss)
            if rss > cap:
                proc.kill()
                status = "memory_cap"
            elif time.perf_counter() - t0 > self.args.timeout:
                proc.kill()
                status = "timeout"
            time.sleep(0.05)
        stdout, stderr = proc.communicate()
        wall = time.perf_counter() - t0
        lines = [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []
        done = next((x for x in lines if x.get("done")), None)
        stages = {x["stage"]: x for x in lines if "stage" in x}
        started = [x["starting"] for x in lines if "starting" in x]
        if status == "ok" and (proc.returncode != 0 or done is None):
            status = "error"
        rec = {
            "label": label,
            "spec": {k: v for k, v in spec.items() if k not in ("out",)},
            "status": status,
            "returncode": proc.returncode,
            "process_seconds": wall,
            "watchdog_max_rss": max_rss,
            "memory_cap": cap,
            "loadavg_before": load,
            "stages": done["stages"] if done else stages,
            "stage_at_end": started[-1] if started else None,
            "peak_rss": done["peak_rss"] if done else max_rss,
            "result": done.get("result") if done else None,
            "source": done.get("source") if done else None,
            "stderr_tail": stderr[-2000:] if status != "ok" else "",
        }
        self.log.append(rec)
        note = "" if status == "ok" else f" {status.upper()} in stage {rec['stage_at_end']}"
        print(f" {wall:.1f} s, peak {rec['peak_rss'] / GB:.2f} GB{note}", flush=True)
        if status == "error":
            print(stderr[-2000:], file=sys.stderr)
        return rec


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _repeats(args, predicted: float | None) -> int:
    if args.repeats:
        return args.repeats
    if predicted is None or predicted < 30:
        return 3
    return 2 if predicted < 150 else 1


def _jem_seconds(rec: dict) -> float:
    return sum(s["seconds"] for s in rec["stages"].values())


def _subset_seconds(rec: dict, which: str) -> float:
    t = rec["result"]["timings"]
    if which == "core":
        return t.get("sample", 0.0) + t.get("engine", 0.0) + t.get("simulate", 0.0)
    return sum(t.values())


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------------------- full JEM model
def full_model(runner: Runner, args) -> list[dict]:
    """vector and des on the full JEM scenario; rows of medians per (engine, size)."""
    rows = []
    plan = [("vector", n) for n in args.sizes + args.vector_sizes] + [
        ("des", n) for n in args.sizes if n <= args.des_max
    ]
    last: dict[str, tuple[int, float]] = {}
    for engine, n in sorted(set(plan), key=lambda x: (x[0] != "vector", x[1])):
        pred = None
        if engine in last:
            n0, t0 = last[engine]
            pred = t0 * n / n0
        reps = _repeats(args, pred)
        recs = [
            runner.run(
                {"kind": "jem", "engine": engine, "n": n, "seed": 1 + r},
                f"full JEM  {engine:6s} {human(n):>5s} bookings, run {r + 1}/{reps}",
            )
            for r in range(reps)
        ]
        ok = [r for r in recs if r["status"] == "ok"]
        row = {"engine": engine, "n": n, "runs": len(recs), "ok_runs": len(ok), "records": recs}
        if ok:
            res = ok[0]["result"]
            total = _median([_jem_seconds(r) for r in ok])
            row.update(
                bookings_horizon=_median([r["result"]["bookings_horizon"] for r in ok]),
                bookings_simulated=_median([r["result"]["bookings_simulated"] for r in ok]),
                bookings_engine=res.get("bookings_engine"),
                seconds=total,
                stage_seconds={
                    s: _median([r["stages"][s]["seconds"] for r in ok]) for s in ok[0]["stages"]
                },
                stage_peak_rss={
                    s: _median([r["stages"][s]["peak_rss"] for r in ok]) for s in ok[0]["stages"]
                },
                cpu_over_wall=_median(
                    [
                        sum(s["cpu_seconds"] for s in r["stages"].values()) / _jem_seconds(r)
                        for r in ok
                    ]
                ),
                gc_seconds=_median(
                    [sum(s.get("gc_seconds", 0.0) for s in r["stages"].values()) for r in ok]
                ),
                loadavg=_median([r["loadavg_before"] for r in ok]),
                system_share=_median(
                    [
                        sum(s.get("system_seconds", 0.0) for s in r["stages"].values())
                        / _jem_seconds(r)
                        for r in ok
                    ]
                ),
                peak_rss=_median([r["peak_rss"] for r in ok]),
                population_bytes=res["population_bytes"],
                timeline_bytes=res["timeline_bytes"],
                frame_bytes=res["frame_bytes"],
                rows_in_table=res["rows"],
                warm_start=res["warm_start"],
                warm_start_history_days=res["warm_start_history_days"],
                horizon_days=res["horizon_days"],
                scaled=res["scaled"],
                metrics_seed1=res["metrics"] if ok[0]["spec"]["seed"] == 1 else None,
            )
            row["rate"] = row["bookings_horizon"] / total
            row["rate_simulated"] = row["bookings_simulated"] / total
            row["engine_rate"] = row["bookings_horizon"] / row["stage_seconds"]["engine"]
            last[engine] = (n, total)
        else:
            bad = recs[0]
            row.update(
                failed=bad["status"],
                failed_stage=bad["stage_at_end"],
                memory_cap=bad["memory_cap"],
                watchdog_max_rss=bad["watchdog_max_rss"],
                partial_stages={
                    s: {"seconds": v["seconds"], "peak_rss": v["peak_rss"]}
                    for s, v in bad["stages"].items()
                },
            )
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------ subset model
def subset_model(runner: Runner, args) -> list[dict]:
    """Every peer on the subset model; rows of medians per (peer, size), with theory checks."""
    rows = []
    peers = [p for p in PEERS if p != "ciw" or runner_has_ciw()]
    for peer in peers:
        done: list[tuple[int, float]] = []  # (n, median end-to-end seconds)
        for n in args.sizes:
            pred = done[-1][1] * n / done[-1][0] if done else None
            if pred is not None and pred > args.time_limit and done[-1][0] * 3 < n:
                # Too slow at this size: measure at 3x the last size and extrapolate linearly.
                n_alt = done[-1][0] * 3
                alt = _subset_row(runner, args, peer, n_alt, _repeats(args, pred * n_alt / n))
                rows.append(alt)
                if alt.get("seconds") is None:
                    continue
                (n0, t0), t1 = done[-1], alt["seconds"]
                slope = (t1 - t0) / (n_alt - n0)
                est = {
                    "peer": peer,
                    "n": n,
                    "extrapolated": True,
                    "basis": [n0, n_alt],
                    "seconds": t0 + slope * (n - n0),
                    "core_seconds": None,
                    "bookings_simulated": n,
                    "note": (
                        f"not run: predicted {pred:.0f} s > {args.time_limit:.0f} s; linear "
                        f"extrapolation from {human(n0)} and {human(n_alt)}"
                    ),
                }
                b0 = next(r for r in rows if r["peer"] == peer and r["n"] == n0)
                if b0.get("core_seconds") and alt.get("core_seconds"):
                    cs = (alt["core_seconds"] - b0["core_seconds"]) / (n_alt - n0)
                    est["core_seconds"] = b0["core_seconds"] + cs * (n - n0)
                est["rate"] = n / est["seconds"]
                rows.append(est)
                continue
            row = _subset_row(runner, args, peer, n, _repeats(args, pred))
            rows.append(row)
            if row.get("seconds") is not None:
                done.append((n, row["seconds"]))
    return rows


def runner_has_ciw() -> bool:
    try:
        import ciw  # noqa: F401
    except ImportError:
        return False
    return True


def _subset_row(runner: Runner, args, peer: str, n: int, reps: int) -> dict:
    recs = [
        runner.run(
            {"kind": "subset", "peer": peer, "n": n, "seed": 1 + r},
            f"subset    {peer:6s} {human(n):>5s} bookings, run {r + 1}/{reps}",
        )
        for r in range(reps)
    ]
    ok = [r for r in recs if r["status"] == "ok"]
    row = {"peer": peer, "n": n, "runs": len(recs), "ok_runs": len(ok), "records": recs}
    if not ok:
        row.update(failed=recs[0]["status"], seconds=None)
        return row
    p = subset_params(n)
    expected = theory.theory(p)
    first = ok[0]["result"]
    row.update(
        seconds=_median([_subset_seconds(r, "all") for r in ok]),
        core_seconds=_median([_subset_seconds(r, "core") for r in ok]),
        stage_seconds={
            k: _median([r["result"]["timings"][k] for r in ok]) for k in first["timings"]
        },
        peak_rss=_median([r["peak_rss"] for r in ok]),
        loadavg=_median([r["loadavg_before"] for r in ok]),
        bookings_simulated=_median([r["result"]["bookings_simulated"] for r in ok]),
        theory=expected,
        params=p.to_dict(),
        stats_first_run=first["stats"],
        jailsim_metrics_first_run=first["jailsim_metrics"],
        checks=theory.check(first["stats"], expected),
        checks_all_runs_pass=all(
            c["pass"] for r in ok for c in theory.check(r["result"]["stats"], expected).values()
        ),
    )
    row["rate"] = row["bookings_simulated"] / row["seconds"]
    row["core_rate"] = row["bookings_simulated"] / row["core_seconds"]
    return row


def ratios(subset: list[dict]) -> list[dict]:
    """Speed-ups at each size: peer seconds / jailsim seconds (end to end, and core)."""
    by = {(r["peer"], r["n"]): r for r in subset if r.get("seconds") is not None}
    out = []
    for fast, slow in (("vector", "simpy"), ("vector", "ciw"), ("des", "simpy"), ("vector", "des")):
        for n in sorted({n for (_, n) in by}):
            a, b = by.get((fast, n)), by.get((slow, n))
            if not a or not b:
                continue
            core = (
                b["core_seconds"] / a["core_seconds"]
                if a.get("core_seconds") and b.get("core_seconds")
                else None
            )
            out.append(
                {
                    "fast": fast,
                    "slow": slow,
                    "n": n,
                    "speedup": b["seconds"] / a["seconds"],
                    "speedup_core": core,
                    "extrapolated": bool(a.get("extrapolated") or b.get("extrapolated")),
                }
            )
    return out


# ----------------------------------------------------------------------------------- targets
def targets(full: list[dict], subset: list[dict], rat: list[dict]) -> list[dict]:
    """Issue 3's targets: met or missed, and by how much."""
    out = []
    vec = [r for r in full if r["engine"] == "vector"]
    big = max(vec, key=lambda r: r["n"]) if vec else None
    if big is not None:
        if big.get("seconds") is not None:
            rate = big["rate"]
            out.append(
                {
                    "id": "vector_rate",
                    "target": "vector, full JEM model: >= 1,000,000 bookings/s on one core "
                    f"(10M bookings in <= 10 s); measured at {human(big['n'])}",
                    "met": rate >= TARGET_RATE,
                    "value": rate,
                    "detail": (
                        f"{rate:,.0f} bookings/s end to end ({big['seconds']:.1f} s for "
                        f"{human(big['bookings_horizon'])}); engine alone "
                        f"{big['engine_rate']:,.0f}/s; "
                        + ("met" if rate >= TARGET_RATE else f"missed by {TARGET_RATE / rate:.1f}x")
                    ),
                }
            )
        else:
            partial = big.get("partial_stages", {})
            out.append(
                {
                    "id": "vector_rate",
                    "target": "vector, full JEM model: >= 1,000,000 bookings/s on one core "
                    f"(10M bookings in <= 10 s); measured at {human(big['n'])}",
                    "met": False,
                    "value": None,
                    "detail": (
                        f"the {human(big['n'])} run did not finish ({big['failed']} in stage "
                        f"{big['failed_stage']}); stages done: "
                        + ", ".join(f"{k} {v['seconds']:.1f} s" for k, v in partial.items())
                    ),
                }
            )
        done = [r for r in vec if r.get("peak_rss") is not None]
        at_least = False
        if big.get("peak_rss") is not None:
            peak = big["peak_rss"]
            detail = f"peak RSS {peak / GB:.2f} GB at {human(big['n'])}"
            met = peak <= TARGET_MEMORY if big["n"] >= TARGET_BIG else None
            if big["n"] < TARGET_BIG:
                peak = None  # judged on the projection below
        else:
            peak = big.get("watchdog_max_rss")
            detail = (
                f"killed at the {big['memory_cap'] / GB:.1f} GB cap in stage "
                f"{big['failed_stage']} at {human(big['n'])}"
            )
            met = False if big["failed"] == "memory_cap" else None
            at_least = True
        if len(done) >= 2:
            a, b = sorted(done, key=lambda r: r["n"])[-2:]
            slope = (b["peak_rss"] - a["peak_rss"]) / (b["n"] - a["n"])
            proj = b["peak_rss"] + slope * (TARGET_BIG - b["n"])
            detail += (
                f"; linear in bookings from {human(a['n'])} and {human(b['n'])}: "
                f"{slope * 1e6 / GB:.2f} GB per million bookings, {proj / GB:.1f} GB at 10M"
            )
            if met is None:
                met, peak = proj <= TARGET_MEMORY, proj
        out.append(
            {
                "id": "memory",
                "target": "memory: a 10-million-booking replication fits in 4 GB peak",
                "met": met,
                "value": peak,
                "detail": detail + (
                    ""
                    if met or not peak
                    else f"; missed by {'at least ' if at_least else ''}"
                    f"{peak / TARGET_MEMORY:.1f}x"
                ),
            }
        )
    for slow, name in (("simpy", "plain SimPy"), ("ciw", "Ciw")):
        rs = [r for r in rat if r["fast"] == "vector" and r["slow"] == slow]
        if rs:
            r = max(rs, key=lambda x: x["n"])
            out.append(
                {
                    "id": f"vector_vs_{slow}",
                    "target": f"vector >= 50x faster than {name} on the subset model "
                    f"(at {human(r['n'])}, end to end)",
                    "met": r["speedup"] >= TARGET_VS_PEERS,
                    "value": r["speedup"],
                    "detail": (
                        f"{r['speedup']:.1f}x end to end"
                        + (f", {r['speedup_core']:.1f}x simulation core" if r["speedup_core"]
                           else "")
                        + (" (peer time extrapolated)" if r["extrapolated"] else "")
                        + (
                            "; met"
                            if r["speedup"] >= TARGET_VS_PEERS
                            else f"; missed by {TARGET_VS_PEERS / r['speedup']:.1f}x"
                        )
                    ),
                }
            )
    rs = [r for r in rat if r["fast"] == "des" and r["slow"] == "simpy"]
    if rs:
        r = max(rs, key=lambda x: x["n"])
        sp = r["speedup_core"] or r["speedup"]
        out.append(
            {
                "id": "des_vs_simpy",
                "target": "des >= 2x faster than plain SimPy (measured on the subset model, "
                f"the only model plain SimPy has; at {human(r['n'])}, draws + simulation)",
                "met": sp >= TARGET_DES_VS_SIMPY,
                "value": sp,
                "detail": (
                    f"des is {sp:.2f}x the speed of plain SimPy "
                    f"({'faster' if sp >= 1 else 'slower'}; end to end {r['speedup']:.2f}x)"
                    + (
                        "; met"
                        if sp >= TARGET_DES_VS_SIMPY
                        else f"; missed by {TARGET_DES_VS_SIMPY / sp:.1f}x"
                    )
                ),
            }
        )
    subset_ok = [r for r in subset if r.get("checks")]
    if subset_ok:
        fails = [
            f"{r['peer']} {human(r['n'])} {k}"
            for r in subset_ok
            for k, c in r["checks"].items()
            if not c["pass"]
        ]
        out.append(
            {
                "id": "theory",
                "target": "every peer agrees with Erlang C and Little's law (|z| <= "
                f"{theory.Z_TOLERANCE:g})",
                "met": not fails,
                "value": None,
                "detail": "all checks pass" if not fails else "failed: " + "; ".join(fails),
            }
        )
    return out


# ---------------------------------------------------------------------------------- profiles
def profiles(runner: Runner, args, tg: list[dict]) -> list[dict]:
    """cProfile / tracemalloc runs for each missed target."""
    out = []
    missed = {t["id"] for t in tg if t["met"] is False}
    prof_n = max([n for n in args.sizes if n <= 1_000_000] or [min(args.sizes)])
    small_n = min(args.sizes)

    def job(title, how, **inner):
        return title, {"kind": how, "inner": {"seed": 1, **inner}}

    jobs = []
    if missed & {"vector_rate", "vector_vs_simpy", "vector_vs_ciw"}:
        # The rate target is judged on the largest vector run: profile that run's size.
        jem_n = max(args.sizes + args.vector_sizes) if "vector_rate" in missed else prof_n
        jobs.append(job("cProfile: vector, full JEM model", "profile",
                        kind="jem", engine="vector", n=jem_n))
    if missed & {"vector_vs_simpy", "vector_vs_ciw"}:
        jobs.append(job("cProfile: vector, subset model", "profile",
                        kind="subset", peer="vector", n=prof_n))
    if "memory" in missed:
        jobs.append(job("tracemalloc: vector, full JEM model, what is held at the peak",
                        "memprofile", kind="jem", engine="vector", n=prof_n))
    if "des_vs_simpy" in missed:
        jobs.append(job("cProfile: des, subset model", "profile",
                        kind="subset", peer="des", n=small_n))
        jobs.append(job("cProfile: plain SimPy, subset model (for comparison)", "profile",
                        kind="subset", peer="simpy", n=small_n))
        jobs.append(job("cProfile: des, full JEM model", "profile",
                        kind="jem", engine="des", n=small_n))
    for title, spec in jobs:
        inner = spec["inner"]
        for key in ("scenario", "cpu"):
            inner[key] = getattr(args, key)
        rec = runner.run(spec, title)
        out.append({"title": title, "status": rec["status"], "result": rec["result"]})
    if "des_vs_simpy" in missed:
        # Diagnostic: how much of the des engine's time is Python's cyclic garbage collector?
        n = max(n for n in args.sizes if n <= args.des_max)
        title = f"des, full JEM model, {human(n)} bookings, garbage collector off (diagnostic)"
        rec = runner.run({"kind": "jem", "engine": "des", "n": n, "seed": 1, "gc": "off"}, title)
        out.append(
            {
                "title": title,
                "status": rec["status"],
                "diagnostic": "gc_off",
                "n": n,
                "stages": rec["stages"],
                "result": rec["result"],
            }
        )
    return out


# ------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: small sizes, one repeat, results to a temporary folder")
    ap.add_argument("--sizes", help="bookings per run for every engine and peer "
                    "(default 100k,1M; --quick 20k,50k)")
    ap.add_argument("--vector-sizes", help="extra full-model sizes for the vector engine only "
                    "(default 10M; --quick 100k; 0: none)")
    ap.add_argument("--des-max", type=float, default=1e6,
                    help="largest full-model size for the des engine (default 1M)")
    ap.add_argument("--repeats", type=int, default=0,
                    help="repeats per measurement (default: 3, fewer for long ones)")
    ap.add_argument("--time-limit", type=float, default=600.0,
                    help="a subset peer predicted slower than this (s) at a size is run at 3x "
                    "the previous size and extrapolated (default 600)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="kill a measurement after (s)")
    ap.add_argument("--mem-cap-gb", type=float, default=22.0,
                    help="kill a measurement whose RSS exceeds this (default 22, and never "
                    "more than available memory less --mem-reserve-gb)")
    ap.add_argument("--mem-reserve-gb", type=float, default=2.0)
    ap.add_argument("--cpu", type=int, default=0, help="core to pin measurements to")
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "jem.yaml"))
    ap.add_argument("--no-profiles", action="store_true")
    ap.add_argument("--out", help="folder for RESULTS.md and results.json (default benchmarks/; "
                    "--quick: a temporary folder)")
    args = ap.parse_args(argv)
    args.sizes = parse_sizes(args.sizes or ("20k,50k" if args.quick else "100k,1M"))
    args.vector_sizes = [
        n for n in parse_sizes(args.vector_sizes or ("100k" if args.quick else "10M"))
        if n not in args.sizes and n > 0  # "0": no extra sizes
    ]
    if args.quick and not args.repeats:
        args.repeats = 1
    out_dir = Path(args.out) if args.out else (
        Path(tempfile.mkdtemp(prefix="jailsim-bench-")) if args.quick else HERE
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/run.py" + ("" if argv is None and len(sys.argv) == 1 else
                                             " " + shlex.join(sys.argv[1:] if argv is None
                                                              else argv))
    started = dt.datetime.now(dt.timezone.utc)
    info = machine()
    print(f"jailsim benchmarks: {info['cpu']}, {info['logical_cpus']} cores, "
          f"{(info['memory_bytes'] or 0) / GB:.1f} GB; sizes {[human(n) for n in args.sizes]}, "
          f"vector also {[human(n) for n in args.vector_sizes]}")
    with tempfile.TemporaryDirectory(prefix="jailsim-bench-work-") as work:
        runner = Runner(args, Path(work))
        print("1. full JEM model")
        full = full_model(runner, args)
        print("2. subset model")
        subset = subset_model(runner, args)
        rat = ratios(subset)
        tg = targets(full, subset, rat)
        prof = []
        if not args.no_profiles and any(t["met"] is False for t in tg):
            print("3. profiles of missed targets")
            prof = profiles(runner, args, tg)
    finished = dt.datetime.now(dt.timezone.utc)
    info["loadavg_end"] = loadavg()
    # Other engineers edit src/ while this runs: which source did each measurement see?
    versions: dict[str, list[str]] = {}
    for rec in runner.log:
        if rec.get("source"):
            versions.setdefault(rec["source"], []).append(rec["label"])
    info["source_versions"] = [
        {"fingerprint": k, "measurements": len(v), "first": v[0], "last": v[-1]}
        for k, v in versions.items()
    ]
    results = {
        "command": command,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": (finished - started).total_seconds(),
        "machine": info,
        "options": {k: v for k, v in vars(args).items() if k != "out"},
        "full_model": full,
        "subset_model": subset,
        "ratios": rat,
        "targets": tg,
        "profiles": prof,
    }
    results = _clean(results)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1, allow_nan=False) + "\n")
    page = out_dir / "RESULTS.md"
    kept = other_sections(page.read_text()) if page.exists() else ""  # the other scripts'
    page.write_text(report.markdown(results) + ("\n" + kept if kept else ""))
    print(f"wrote {out_dir / 'RESULTS.md'} and {out_dir / 'results.json'}")
    for t in tg:
        flag = {True: "MET   ", False: "MISSED", None: "n/a   "}[t["met"]]
        print(f"  {flag} {t['target']}: {t['detail']}")
    return 0


def _clean(x):
    """JSON-safe copy: NaN and infinities become null, tuples lists, other objects strings."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if x is None or isinstance(x, (bool, int, str)):
        return x
    if hasattr(x, "item"):  # numpy scalars
        return _clean(x.item())
    return str(x)


if __name__ == "__main__":
    sys.exit(main())
