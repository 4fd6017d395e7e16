"""One measurement in a fresh process: ``python benchmarks/measure.py SPEC.json``.

run.py starts this script once per measurement, so peak memory is per measurement. It pins
itself to one core, runs the stages of one pipeline, and appends one JSON line per finished
stage to ``spec["out"]`` (so a run killed for memory still reports the stages it finished),
then a final ``{"done": ...}`` line. Peak memory of a stage is the process's resident-set high
water mark (VmHWM), reset at the start of the stage by writing 5 to /proc/self/clear_refs; it
includes what earlier stages still hold.

Kinds: ``jem`` (the full JEM scenario: Population.sample, engine, records, census+metrics),
``subset`` (the shared subset model in one peer), ``profile`` (cProfile of a ``jem`` or
``subset`` run) and ``memprofile`` (tracemalloc composition of the peak of a ``jem`` run).
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import hashlib
import json
import linecache
import os
import pstats
import resource
import sys
import threading
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

MB = 1e6


# ------------------------------------------------------------------------------- memory probes
def _status(field: str) -> int | None:
    """A field of /proc/self/status in bytes (VmRSS, VmHWM), or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


class _GcClock:
    """Seconds spent in Python's cyclic garbage collector (via ``gc.callbacks``)."""

    def __init__(self):
        self.seconds, self.collections, self._t = 0.0, 0, 0.0
        gc.callbacks.append(self._cb)

    def _cb(self, phase, info):
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._t
            self.collections += 1


class Recorder:
    """Times stages and records their peak memory, appending a JSON line per stage."""

    def __init__(self, out: Path):
        self.out = out
        self.stages: dict[str, dict] = {}
        self.resettable = _reset_peak()
        self.rss_start = _status("VmRSS")
        self.gc = _GcClock()

    def _write(self, obj: dict) -> None:
        with open(self.out, "a") as f:
            f.write(json.dumps(obj) + "\n")

    @contextlib.contextmanager
    def stage(self, name: str):
        self._write({"starting": name})
        if self.resettable:
            _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        ru = resource.getrusage(resource.RUSAGE_SELF)
        gc0, gcn = self.gc.seconds, self.gc.collections
        yield
        ru2 = resource.getrusage(resource.RUSAGE_SELF)
        rec = {
            "gc_seconds": self.gc.seconds - gc0,
            "gc_collections": self.gc.collections - gcn,
            "seconds": time.perf_counter() - wall,
            "cpu_seconds": time.process_time() - cpu,
            "user_seconds": ru2.ru_utime - ru.ru_utime,
            "system_seconds": ru2.ru_stime - ru.ru_stime,
            "minor_faults": ru2.ru_minflt - ru.ru_minflt,
            "peak_rss": (_status("VmHWM") if self.resettable else _maxrss()),
            "rss_after": _status("VmRSS"),
        }
        self.stages[name] = rec
        self._write({"stage": name, **rec})

    def done(self, **extra) -> None:
        self._write(
            {
                "done": True,
                "stages": self.stages,
                # clear_refs also resets ru_maxrss: the run's peak is the largest stage peak
                # (what runs after the stages, such as run_jem's size pass, is not counted;
                # where peaks cannot be reset, ru_maxrss counts everything).
                "peak_rss": max(s["peak_rss"] or 0 for s in self.stages.values())
                if self.resettable and self.stages
                else _maxrss(),
                "rss_start": self.rss_start,
                "per_stage_peaks": self.resettable,
                **extra,
            }
        )


# -------------------------------------------------------------------------------- the models
def jem_scenario(n: int, path: str):
    """The full JEM scenario with its booking rate set so the horizon holds ``n`` bookings.

    Designated officers scale with the rate (every shift's count and the default count are
    multiplied by ``rate / base rate``, rounded, at least 1) so the screening queue keeps the
    load per officer of the shipped scenario.
    """
    import jailsim

    sc = jailsim.load(path)
    base_rate = float(sc.arrivals.bookings.rate)
    rate = n / sc.horizon
    k = rate / base_rate
    changes: dict = {"arrivals.bookings.rate": f"{rate!r}/day"}
    if sc.jem is not None:
        changes["jem.officers"] = max(1, round(sc.jem.officers * k))
        changes["jem.shifts"] = [
            {
                **s.model_dump(),
                "officers": None if s.officers is None else max(1, round(s.officers * k)),
            }
            for s in sc.jem.shifts
        ]
    return sc.with_(changes), {"rate_per_day": rate, "scale": k, **changes}


def run_jem(spec: dict, rec: Recorder, sizes: bool = True) -> dict:
    """The full JEM scenario through ``run_replication``, its stages measured by ``rec``.

    ``sizes``: then measure the Population and Timeline in a second, unmeasured pass
    (run_replication frees them as it goes; the vector engine makes the same Timeline as des,
    faster); profiles leave it out.
    """
    from jailsim.engines import ENGINES
    from jailsim.experiments.replication import run_replication
    from jailsim.model.context import Context
    from jailsim.model.population import Population

    sc, scaled = jem_scenario(spec["n"], spec["scenario"])
    ctx = Context.build(sc)
    if spec.get("gc") == "off":  # diagnostic: without the cyclic collector
        gc.disable()
    b, _, m = run_replication(ctx, spec["seed"], 0, spec["engine"], stage=rec.stage)
    gc.enable()
    keep = (
        "adp", "bookings_per_day", "mean_los_days", "detainers", "screening_coverage",
        "mean_screening_wait_hours", "officer_utilization", "attributable_bed_days",
    )
    out = {
        "bookings_horizon": int((b["booked_at"] >= 0).sum()),
        # booking ids number every booking drawn, the whole warm-start history included
        "bookings_simulated": int(b["booking_id"].max()) + 1 if len(b) else 0,
        "rows": int(len(b)),
        "frame_bytes": int(b.memory_usage(deep=True).sum()),
        "warm_start": sc.warm_start.kind,
        "warm_start_history_days": float(sc.warm_start.history),
        "horizon_days": float(sc.horizon),
        "scaled": scaled,
        "metrics": {k: m[k] for k in keep},
    }
    del b
    if sizes:
        pop = Population.sample(sc, spec["seed"], 0, context=ctx)
        tl = ENGINES["vector"](ctx, pop)
        out["bookings_engine"] = int(pop.n)
        out["population_bytes"] = int(pop.nbytes)
        out["timeline_bytes"] = int(sum(a.nbytes for a in tl.arrays().values()))
    return out


def run_subset(spec: dict, rec: Recorder) -> dict:
    import peers
    import theory

    p = peers.subset_params(spec["n"])
    with rec.stage("total"):
        if spec["peer"] in ("vector", "des"):
            arrive, start, leave, timings, own = peers.run_jailsim(
                p, spec["peer"], spec["seed"], spec["scenario"]
            )
        elif spec["peer"] == "simpy":
            arrive, start, leave, timings, own = peers.run_simpy(p, spec["seed"])
        elif spec["peer"] == "ciw":
            arrive, start, leave, timings, own = peers.run_ciw(p, spec["seed"])
        else:
            raise ValueError(spec["peer"])
    stats = theory.statistics(p, arrive, start, leave)
    return {
        "timings": timings,
        "stats": stats,
        "jailsim_metrics": own,
        "params": p.to_dict(),
        "bookings_simulated": int(len(arrive)),
    }


# ------------------------------------------------------------------------------- profiling
def _short(path: str) -> str:
    for marker in ("site-packages/", "src/", "benchmarks/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _profile_rows(stats: pstats.Stats, key: str, limit: int) -> list[dict]:
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _) in stats.stats.items():
        rows.append(
            {
                "function": f"{_short(file)}:{line}({func})" if line else func,
                "calls": nc,
                "tottime": tt,
                "cumtime": ct,
            }
        )
    rows.sort(key=lambda r: r[key], reverse=True)
    return rows[:limit]


def _preimport(inner: dict) -> None:
    """Import what a run needs before profiling it, so imports do not show in the profile."""
    import peers  # noqa: F401
    import theory  # noqa: F401

    import jailsim.engines
    import jailsim.model.context
    import jailsim.model.population
    import jailsim.results.census
    import jailsim.results.metrics
    import jailsim.results.records  # noqa: F401

    if inner.get("peer") == "simpy":
        import simpy  # noqa: F401
    if inner.get("peer") == "ciw":
        import ciw  # noqa: F401


def run_profile(spec: dict, rec: Recorder) -> dict:
    inner = dict(spec["inner"])
    _preimport(inner)
    prof = cProfile.Profile()
    sub = Recorder(Path(spec["out"]).with_suffix(".inner"))
    prof.enable()
    result = run_jem(inner, sub, False) if inner["kind"] == "jem" else run_subset(inner, sub)
    prof.disable()
    st = pstats.Stats(prof)
    return {
        "inner": inner,
        "inner_stages": sub.stages,
        "total_seconds": sum(s["seconds"] for s in sub.stages.values()),
        "by_tottime": _profile_rows(st, "tottime", spec.get("limit", 20)),
        "by_cumtime": _profile_rows(st, "cumtime", 80),
        "simpy_events": sum(
            nc for (f, _, func), (_, nc, *_r) in st.stats.items()
            if func == "step" and f.endswith("simpy/core.py")
        ),
        "bookings_horizon": result.get("bookings_horizon"),
        "bookings_simulated": result.get("bookings_simulated"),
    }


def _ours(filename: str) -> bool:
    return "/jailsim/" in filename and "site-packages" not in filename


def _blame(tb) -> tuple[str, str]:
    """``file:line`` and source of the innermost jailsim frame of a traceback (or the last)."""
    frame = next((f for f in reversed(tb) if _ours(f.filename)), tb[-1])
    code = linecache.getline(frame.filename, frame.lineno).strip()
    return f"{_short(frame.filename)}:{frame.lineno}", code


def run_memprofile(spec: dict, rec: Recorder) -> dict:
    """Where the memory of a ``jem`` run is at its highest point, by line of jailsim code.

    A thread samples the traced total every 20 ms and keeps a snapshot of the largest state
    seen; the snapshot is grouped by the innermost jailsim line of each allocation's stack.
    """
    _preimport(spec["inner"])
    # Read jailsim's sources now, as imported: others may edit the files during the run.
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None) or ""
        if _ours(f):
            linecache.getlines(f)
    tracemalloc.start(12)
    best = {"bytes": 0, "snap": None, "stage": None}
    stage = {"name": None}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.02):
            cur, _ = tracemalloc.get_traced_memory()
            if cur > max(best["bytes"] * 1.05, 32 * MB):
                best.update(bytes=cur, snap=tracemalloc.take_snapshot(), stage=stage["name"])

    class Tagged(Recorder):
        @contextlib.contextmanager
        def stage(self, name):
            stage["name"] = name
            with super().stage(name):
                yield

    sub = Tagged(Path(spec["out"]).with_suffix(".inner"))
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    result = run_jem(spec["inner"], sub, False)
    stop.set()
    thread.join()
    _, traced_peak = tracemalloc.get_traced_memory()
    groups: dict[tuple[str, str], int] = {}
    for s in best["snap"].statistics("traceback") if best["snap"] else []:
        key = _blame(s.traceback)
        groups[key] = groups.get(key, 0) + s.size
    top = sorted(groups.items(), key=lambda kv: kv[1], reverse=True)[: spec.get("limit", 12)]
    return {
        "inner": spec["inner"],
        "traced_peak_bytes": traced_peak,
        "snapshot_bytes": best["bytes"],
        "snapshot_stage": best["stage"],
        "top_lines": [{"where": k, "code": code, "bytes": v} for (k, code), v in top],
        "bookings_horizon": result["bookings_horizon"],
        "bookings_simulated": result["bookings_simulated"],
    }


KINDS = {"jem": run_jem, "subset": run_subset, "profile": run_profile, "memprofile": run_memprofile}


def source_fingerprint() -> str:
    """sha256 (first 12 hex digits) of jailsim's sources and the shipped scenarios, as read
    when this measurement started."""
    h = hashlib.sha256()
    files = [*(ROOT / "src" / "jailsim").rglob("*.py"), *(ROOT / "scenarios").rglob("*")]
    for f in sorted(p for p in files if p.is_file()):
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    fingerprint = source_fingerprint()
    # If the machine runs out of memory, the kernel should kill this measurement, not the
    # work of others: mark it as the first to go.
    with contextlib.suppress(OSError):
        Path("/proc/self/oom_score_adj").write_text("1000")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if spec.get("cpu") is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(spec["cpu"])})
    os.chdir(ROOT)
    rec = Recorder(Path(spec["out"]))
    result = KINDS[spec["kind"]](spec, rec)
    rec.done(
        result=result, affinity=sorted(os.sched_getaffinity(0)), source=fingerprint
    )


if __name__ == "__main__":
    main()
