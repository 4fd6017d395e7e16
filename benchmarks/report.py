"""RESULTS.md from the results of one benchmark run (every figure comes from ``results``)."""

from __future__ import annotations

GB = 1e9  # decimal units throughout: 1 GB = 10^9 bytes
MB = 1e6
NAMES = {"vector": "jailsim vector", "des": "jailsim des", "simpy": "plain SimPy", "ciw": "Ciw"}


def _n(n) -> str:
    """A count with 3 significant digits: 99.9k, 1M, 30M."""
    if n is None:
        return "–"
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if n >= 0.9995 * size:
            return f"{float(f'{n / size:.3g}'):g}{unit}"
    return f"{n:.0f}"


def _f(x, fmt="{:.2f}") -> str:
    return "–" if x is None else fmt.format(x)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + [""]


def _machine(r: dict) -> list[str]:
    m = r["machine"]
    v = m["versions"]
    lines = [
        f"- **Command**: `{r['command']}` (niceness {m['nice']})",
        f"- **Date**: {r['started']} to {r['finished']} UTC "
        f"({r['duration_seconds'] / 60:.1f} min)",
        f"- **Machine**: {m['cpu']}, {m['logical_cpus']} logical cores, "
        f"{(m['memory_bytes'] or 0) / GB:.1f} GB RAM; {m['platform']}",
        f"- **Versions**: Python {v['python']}, numpy {v['numpy']}, pandas {v['pandas']}, "
        f"scipy {v['scipy']}, SimPy {v['simpy']}, Ciw {v['ciw'] or 'not installed'}, "
        f"numba {v.get('numba') or 'not installed'} (every draw's Philox kernel, and the "
        f"queue kernels for queues of 500,000 people or more), jailsim {v['jailsim']}",
        f"- **Source**: git HEAD `{(m['git_head'] or '?')[:12]}`"
        + (
            f", with uncommitted changes in {len(m['uncommitted_in_src_or_scenarios'])} files "
            "under src/ and scenarios/ (work in progress of other engineers, measured as it was)"
            if m["uncommitted_in_src_or_scenarios"]
            else ", clean"
        ),
        _sources(m),
        f"- **Load**: 1-minute load average {m['loadavg_start']} at start, {m['loadavg_end']} "
        "at the end (other work on the machine shares the second core; each measurement is "
        f"pinned to core {r['options']['cpu']})",
        "- Each measurement is a fresh process (`benchmarks/measure.py`); times are medians "
        "over the runs shown; peak memory is the process's peak resident set (VmHWM / "
        "ru_maxrss), including the interpreter and imports (~0.2 GB).",
    ]
    return lines + [""]


def _sources(m: dict) -> str:
    vs = m.get("source_versions") or []
    if len(vs) <= 1:
        fp = vs[0]["fingerprint"] if vs else "?"
        return f"- **Source seen by the measurements**: one version throughout (fingerprint {fp})"
    parts = "; ".join(
        f"`{v['fingerprint']}` for {v['measurements']} measurements ({v['first']} … {v['last']})"
        for v in vs
    )
    return (
        f"- **Source seen by the measurements**: {len(vs)} versions (src/ changed during the "
        f"run): {parts}"
    )


def _targets(r: dict) -> list[str]:
    rows = []
    for t in r["targets"]:
        flag = {True: "**met**", False: "**missed**", None: "n/a"}[t["met"]]
        rows.append([t["target"], flag, t["detail"]])
    return _table(["Target (issue 3)", "Result", "Measured"], rows)


def _full(r: dict) -> list[str]:
    rows, mem_rows, failed = [], [], []
    for x in r["full_model"]:
        if x.get("seconds") is None:
            failed.append(x)
            continue
        st, pk = x["stage_seconds"], x["stage_peak_rss"]
        top = max(pk, key=pk.get)
        rows.append(
            [
                x["engine"],
                _n(x["bookings_horizon"]),
                _n(x["bookings_simulated"]),
                _n(x["bookings_engine"]) if x.get("bookings_engine") else "",
                f"{x['ok_runs']}",
                _f(st["sample"]),
                _f(st["engine"]),
                _f(st["records"] + st["census_metrics"]),
                f"**{x['seconds']:.2f}**",
                f"**{x['rate']:,.0f}**",
                f"{x['engine_rate']:,.0f}",
                f"**{x['peak_rss'] / GB:.2f}**",
                top,
            ]
        )
        mem_rows.append(
            [
                x["engine"],
                _n(x["bookings_horizon"]),
                _f(pk["sample"] / GB),
                _f(pk["engine"] / GB),
                _f(pk["records"] / GB),
                _f(pk["census_metrics"] / GB),
                f"{x['population_bytes'] / MB:,.0f}",
                f"{x['timeline_bytes'] / MB:,.0f}",
                f"{x['frame_bytes'] / MB:,.0f} ({_n(x['rows_in_table'])} rows)",
                _f(x["cpu_over_wall"]),
                f"{100 * x['system_share']:.0f}%",
                f"{x['gc_seconds']:.1f} s ({100 * x['gc_seconds'] / x['seconds']:.0f}%)",
                _f(x.get("loadavg"), "{:.1f}"),
            ]
        )
    first = next((x for x in r["full_model"] if x.get("scaled")), None)
    out = ["## 1. Full JEM model", ""]
    if first:
        out += [
            f"`scenarios/jem.yaml` as shipped (horizon {first['horizon_days']:g} days, warm start "
            f"`{first['warm_start']}`"
            + (
                f" with {first['warm_start_history_days']:g} days of history"
                if first["warm_start"] == "steady_state"
                else ""
            )
            + "), with `arrivals.bookings.rate` set to N / horizon and every JEM officer count "
            "multiplied by the same factor (rate / 15.6 a day), so the screening queue keeps the "
            "shipped load per officer. **Bookings** are those booked in the horizon (N); "
            "**simulated** adds the warm-start history drawn before day 0; **engine runs** is "
            "what the engine runs: the horizon and the history bookings that may still matter "
            "at day 0 (everyone who may queue for a JEM interview or get a detainer, and anyone "
            "else whose exit is not provably before day 0: `Population.sample(..., context=)`, "
            "which gives the very tables of the whole history, tested). Bookings/s = horizon "
            "bookings / total seconds of the four stages of "
            "`jailsim.experiments.replication.run_replication` (sample: Population.sample; "
            "engine; records: detainer attribution's counterfactual and the bookings table; "
            "census+metrics), the function every run calls, timed through its `stage` hook; "
            "imports and `Context.build` excluded. Sizes of the Population and Timeline come "
            "from a second, unmeasured pass (the run frees them as it goes).",
            "",
        ]
    out += _table(
        [
            "engine", "bookings", "simulated", "engine runs", "runs", "sample s", "engine s",
            "records+metrics s", "total s", "bookings/s", "engine-only bookings/s",
            "peak RSS GB", "peak in stage",
        ],
        rows,
    )
    for x in failed:
        parts = ", ".join(
            f"{k} {v['seconds']:.1f} s (peak {v['peak_rss'] / GB:.1f} GB)"
            for k, v in x.get("partial_stages", {}).items()
        )
        out += [
            f"**{x['engine']} at {_n(x['n'])} bookings did not finish**: {x['failed']} "
            f"(watchdog cap {x['memory_cap'] / GB:.1f} GB, largest RSS seen "
            f"{x['watchdog_max_rss'] / GB:.1f} GB) in stage `{x['failed_stage']}`. "
            f"Stages finished: {parts or 'none'}.",
            "",
        ]
    out += [
        "Peak memory by stage (GB, peak resident set during the stage, including what earlier "
        "stages still hold) and the size of the main objects (MB). CPU/wall near 1: the run "
        "used one core. *Kernel time* is the share of wall time spent in the kernel (system "
        "CPU time), almost all of it page faults on freshly allocated arrays: on this virtual "
        "machine first-touching memory is expensive, so every temporary array of a stage "
        "costs time in proportion to its size. *Python GC time* is time inside Python's cyclic "
        "garbage collector (`gc.callbacks`). *Load* is the machine's 1-minute load average "
        "when the measurement started (2 cores; other engineers' tests ran at times).",
        "",
    ]
    out += _table(
        [
            "engine", "bookings", "sample", "engine", "records", "census+metrics",
            "Population MB", "Timeline MB", "bookings table MB", "CPU/wall",
            "kernel time", "Python GC time", "load",
        ],
        mem_rows,
    )
    # Engine agreement on the same draws.
    agree = []
    by = {(x["engine"], x["n"]): x for x in r["full_model"] if x.get("metrics_seed1")}
    for (eng, n), x in sorted(by.items()):
        if eng != "des" or ("vector", n) not in by:
            continue
        a, b = x["metrics_seed1"], by[("vector", n)]["metrics_seed1"]
        diff = max(
            abs(a[k] - b[k]) / max(abs(b[k]), 1e-12)
            for k in a
            if a[k] is not None and b[k] is not None
        )
        agree.append(
            f"- {_n(n)} bookings, seed 1: largest relative difference between des and vector "
            f"over {len(a)} metrics = {diff:.1e} (ADP {b['adp']:.1f}, screening coverage "
            f"{b['screening_coverage']:.3f}, mean screening wait "
            f"{b['mean_screening_wait_hours']:.2f} h, officer utilization "
            f"{b['officer_utilization']:.2f})"
        )
    if agree:
        out += ["Same draws, same answer (des and vector on the same Population):", ""]
        out += agree + [""]
    return out


def _subset(r: dict) -> list[str]:
    sub = [x for x in r["subset_model"]]
    p = next((x["params"] for x in sub if x.get("params")), None)
    out = ["## 2. Shared subset model", ""]
    if p:
        out += [
            f"Poisson bookings at {p['lam']:g} a day; {p['officers']} screening officers, first "
            f"come first served, exponential service with mean {p['service_mean'] * 1440:g} "
            f"min (utilization {p['lam'] * p['service_mean'] / p['officers']:.3f}); a lognormal "
            f"stay (mean {p['stay_mean']:g} d, sd {p['stay_sd']:g} d) **counted from booking**, "
            "with the screening queue running in parallel during the stay; unlimited beds. "
            f"The jail starts empty and is measured after a {p['warmup']:g}-day warm-up; the "
            "horizon is N / rate days, so the jail holds about "
            f"{p['lam'] * p['stay_mean']:g} people at every size and the work per booking "
            "does not depend on N. Implementations (`benchmarks/peers.py`): jailsim runs a "
            "scenario that reduces exactly to this model (everyone foreign-born and screened, "
            "no detainers, held to disposition, stay = time to disposition, court every hour, "
            "no processing time); plain SimPy has one process per booking plus a screening "
            "process, `simpy.Resource` for officers and numpy `Generator` scalar draws; Ciw is "
            "a two-node network (c exponential servers, then infinite servers whose service "
            "time is what is left of the lognormal stay counted from arrival: a custom "
            "`ciw.dists.Distribution`). **Core** = drawing + simulating (jailsim: "
            "Population.sample + engine); **end to end** adds building the per-booking "
            "records (jailsim: bookings table, census and metrics; Ciw: `get_all_records`).",
            "",
        ]
    rows = []
    for x in sub:
        note = "extrapolated: " + x["note"] if x.get("extrapolated") else ""
        if x.get("seconds") is None:
            rows.append([NAMES[x["peer"]], _n(x["n"]), "0", "–", "–", "–", "–", "–", "–",
                         f"failed: {x.get('failed')}"])
            continue
        rows.append(
            [
                NAMES[x["peer"]],
                _n(x["bookings_simulated"]),
                str(x.get("ok_runs", 0)),
                _f(x.get("core_seconds"), "{:.3f}"),
                f"**{x['seconds']:.3f}**",
                f"{x['bookings_simulated'] / x['core_seconds']:,.0f}"
                if x.get("core_seconds") else "–",
                f"**{x['rate']:,.0f}**",
                _f(x.get("peak_rss") and x["peak_rss"] / GB),
                _f(x.get("loadavg"), "{:.1f}"),
                note,
            ]
        )
    out += _table(
        [
            "peer", "bookings", "runs", "core s", "end-to-end s", "core bookings/s",
            "end-to-end bookings/s", "peak RSS GB", "load", "note",
        ],
        rows,
    )
    # Theory checks.
    rows = []
    for x in sub:
        if not x.get("checks"):
            continue
        w, a = x["checks"]["mean_wait_hours"], x["checks"]["adp"]
        rows.append(
            [
                NAMES[x["peer"]],
                _n(x["n"]),
                f"{w['estimate']:.4f} ± {w['se']:.4f}",
                f"{w['theory']:.4f}",
                f"{w['z']:+.2f}",
                "pass" if w["pass"] else "**FAIL**",
                f"{a['estimate']:.2f} ± {a['se']:.2f}",
                f"{a['theory']:.2f}",
                f"{a['z']:+.2f}",
                "pass" if a["pass"] else "**FAIL**",
                "yes" if x["checks_all_runs_pass"] else "**no**",
            ]
        )
    if rows:
        out += [
            "Agreement with theory (first run of each, seed 1; ± one standard error). Mean wait "
            "before screening vs Erlang C for M/M/c, standard error by 50 batch means over "
            "bookings in arrival order; ADP = time-average number in the jail over the window "
            "vs Little's law λ·E[stay], standard error sqrt(λ·E[S²]/T) for an M/G/∞ system. A "
            "check passes when |z| ≤ 4.",
            "",
        ]
        out += _table(
            [
                "peer", "bookings", "mean wait h", "Erlang C h", "z", "", "ADP", "λ·E[stay]",
                "z", "", "all runs pass",
            ],
            rows,
        )
    own = [x for x in sub if x.get("jailsim_metrics_first_run")]
    if own:
        out += [
            "jailsim's own metrics for the same runs (from `replication_metrics`): "
            + "; ".join(
                f"{x['peer']} {_n(x['n'])}: adp {x['jailsim_metrics_first_run']['adp']:.2f}, "
                f"mean_screening_wait_hours "
                f"{x['jailsim_metrics_first_run']['mean_screening_wait_hours']:.4f}, "
                f"screening_coverage {x['jailsim_metrics_first_run']['screening_coverage']:.6f}"
                for x in own
            ),
            "",
        ]
    return out


def _ratios(r: dict) -> list[str]:
    rows = [
        [
            f"{NAMES[x['fast']]} vs {NAMES[x['slow']]}",
            _n(x["n"]),
            f"**{x['speedup']:.1f}x**",
            _f(x["speedup_core"], "{:.1f}x"),
            "yes" if x["extrapolated"] else "",
        ]
        for x in r["ratios"]
    ]
    out = [
        "## 3. Ratios on the subset model",
        "",
        "Speed-up = the slower peer's seconds / the faster one's (above 1: the first is faster).",
        "",
    ]
    return out + _table(
        ["comparison", "bookings", "speed-up end to end", "speed-up core", "extrapolated"], rows
    )


def _profiles(r: dict) -> list[str]:
    if not r["profiles"]:
        return []
    out = [
        "## 4. Profiles of the missed targets",
        "",
        "Each is a separate run under cProfile (which slows Python-level code, so the totals "
        "are larger than the timings above) or tracemalloc.",
        "",
    ]
    for p in r["profiles"]:
        res = p["result"]
        out += [f"### {p['title']}", ""]
        if p.get("diagnostic") == "gc_off":
            out += _gc_off(r, p)
            continue
        if not res:
            out += [f"(profile run failed: {p['status']})", ""]
            continue
        inner = res["inner"]
        size = _n(res.get("bookings_horizon") or inner.get("n"))
        if "top_lines" in res:
            out += [
                f"{size} bookings ({_n(res['bookings_simulated'])} simulated). Largest memory "
                f"traced: {res['traced_peak_bytes'] / GB:.2f} GB; the snapshot nearest it "
                f"({res['snapshot_bytes'] / GB:.2f} GB, in stage `{res['snapshot_stage']}`) "
                "holds, by the jailsim line that allocated it:",
                "",
            ]
            out += _table(
                ["allocated at", "code", "MB"],
                [
                    [f"`{x['where']}`", f"`{x['code'][:90]}`", f"{x['bytes'] / MB:,.0f}"]
                    for x in res["top_lines"]
                ],
            )
            continue
        stages = ", ".join(f"{k} {v['seconds']:.2f} s" for k, v in res["inner_stages"].items())
        events = ""
        if res.get("simpy_events"):
            per = res["simpy_events"] / (res.get("bookings_simulated") or inner["n"])
            events = (
                f" SimPy events processed: {res['simpy_events']:,} ({per:.1f} per simulated "
                "booking)."
            )
        kernel = sum(v.get("system_seconds") or 0.0 for v in res["inner_stages"].values())
        out += [
            f"{size} bookings; under the profiler: {stages}.{events} Kernel time (system CPU, "
            f"almost all page faults) {kernel:.2f} s of {res['total_seconds']:.2f} s: cProfile "
            "charges it to the call that first wrote the fresh memory (a `full`, `where`, "
            "`copy` or `concatenate` of a large array).",
            "", "Top by own time:", "",
        ]
        out += _table(
            ["function", "calls", "own s", "cumulative s"],
            [
                [f"`{x['function']}`", f"{x['calls']:,}", f"{x['tottime']:.3f}",
                 f"{x['cumtime']:.3f}"]
                for x in res["by_tottime"][:15]
            ],
        )
        mine = [
            x for x in res["by_cumtime"]
            if "jailsim/" in x["function"] or x["function"].startswith("peers")
        ]
        out += ["Top jailsim functions by cumulative time:", ""]
        out += _table(
            ["function", "calls", "own s", "cumulative s"],
            [
                [f"`{x['function']}`", f"{x['calls']:,}", f"{x['tottime']:.3f}",
                 f"{x['cumtime']:.3f}"]
                for x in mine[:15]
            ],
        )
    return out


def _gc_off(r: dict, p: dict) -> list[str]:
    """The des engine with and without Python's cyclic garbage collector."""
    if p["status"] != "ok":
        return [f"(diagnostic run failed: {p['status']})", ""]
    off = p["stages"]["engine"]["seconds"]
    on = next(
        (x for x in r["full_model"] if x["engine"] == "des" and x["n"] == p["n"]
         and x.get("stage_seconds")),
        None,
    )
    lines = [f"Engine stage with `gc.disable()`: {off:.1f} s for {_n(p['n'])} bookings."]
    if on:
        eng = on["stage_seconds"]["engine"]
        small = min(
            (x for x in r["full_model"] if x["engine"] == "des" and x.get("stage_seconds")),
            key=lambda x: x["n"],
        )
        per = small["stage_seconds"]["engine"] / small["bookings_simulated"] * 1e6
        lines.append(
            f"With the collector on (the table above): {eng:.1f} s, of which "
            f"{on['gc_seconds']:.1f} s ({100 * on['gc_seconds'] / eng:.0f}%) measured inside "
            f"the collector; with it off the engine is {eng / off:.1f}x faster at this size. "
            f"Per simulated booking: {per:.1f} µs at {_n(small['n'])} (collector on); at "
            f"{_n(on['n'])} {eng / on['bookings_simulated'] * 1e6:.1f} µs with it on, "
            f"{off / on['bookings_simulated'] * 1e6:.1f} µs with it off. The collector "
            "re-scans every live SimPy event and process at each full collection, so its "
            "share grows with the number of people in the jail at once."
        )
    return lines + [""]


def markdown(r: dict) -> str:
    """The whole RESULTS.md."""
    lines = ["# jailsim benchmarks: results", ""]
    lines += _machine(r)
    lines += ["## Targets", ""] + _targets(r)
    lines += _full(r)
    lines += _subset(r)
    lines += _ratios(r)
    lines += _profiles(r)
    lines += [
        "All figures above come from the run described at the top; `results.json` beside this "
        "file holds them with every individual run.",
        "",
    ]
    return "\n".join(lines)
