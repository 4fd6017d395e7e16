"""The memory guard: a run that would not fit in memory is refused up front, saying what would.

What a run needs depends on where its replications run and on how it keeps its tables
(:data:`KEPT`):

- every process that computes a replication holds that replication's working set at its
  peak (its draws, the engine's timeline, its bookings table being built and encoded):
  this process alone (serial), or ``workers`` worker processes at once, each of which also
  holds the interpreter and jailsim's imports;
- ``"disk"`` (a run with an output folder): each replication's bookings table is written to
  its checkpoint by the process computing it as its rows come (the vector engine, in
  chunks, then holds a chunk, never the table), and the final tables are linked from the
  checkpoints, so the need does not grow with the number of replications; a remote worker
  sends its tables encoded, and this process holds one replication's at a time;
- ``"memory"`` (a run without an output folder): this process keeps every replication's
  tables and concatenates them at the end (twice the tables, for a moment);
- ``"none"`` (``metrics_only``): no table is kept; the vector engine runs in chunks and its
  working set hardly grows with the bookings.

:func:`estimate_memory` adds these up from the expected bookings of one replication
(:func:`expected_bookings`) and constants in bytes per booking, per engine, measured as the
peak resident memory of whole runs (``benchmarks/memory.py``, results in
``benchmarks/RESULTS.md``); :func:`check_memory` refuses, in one line, a run whose estimate is
more than the machine can give it, and says which fewer workers, ``metrics_only`` or output
folder would fit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from jailsim.base.errors import ScenarioError
from jailsim.scenario.schema import Scenario

__all__ = [
    "KEPT",
    "MemoryNeed",
    "check_memory",
    "estimate_memory",
    "estimate_memory_bytes",
    "expected_bookings",
    "physical_memory_bytes",
]

#: How a run keeps its tables: in its checkpoints and output folder, in memory, or not at all.
KEPT = ("disk", "memory", "none")
#: Share of physical memory left free for the operating system and everything else.
MEMORY_HEADROOM = 0.25

# The constants below are fitted to the peak resident memory (RSS, summed over this process
# and its workers, sampled every 20 ms) of whole runs of scenarios/jem.yaml (steady-state warm
# start: a replication also draws about twice its bookings of history) at 10k, 1M, 3M and 10M
# bookings per replication, 1 to 3 replications, 1 and 2 workers, both engines, kept on disk,
# in memory or not at all, measured by benchmarks/memory.py on a 2-core, 25 GB Linux machine
# (Python 3.11, numpy 2.4, pandas 3.1, pyarrow 26). The measurements, the estimate of each and
# its error are in benchmarks/RESULTS.md ("Memory of whole runs"): within 25% of every one.

#: A process that has imported jailsim and built a scenario's calendars (measured at 10k
#: bookings: 0.24 GB).
PROCESS_BYTES = 240e6
#: A worker process before its first replication: the same imports and calendars.
WORKER_BYTES = 240e6
#: Peak working memory of one replication above :data:`PROCESS_BYTES`, per booking, by engine
#: (draws, timeline and table at once, then the table encoded for its checkpoint). Measured
#: serial peaks above the process: vector 416 to 503 bytes a booking (1M to 10M), des 1,300
#: to 1,410 (1M to 3M); more replications in one process keep a little more (freed memory the
#: allocator keeps for reuse).
WORK_BYTES_PER_BOOKING = {"vector": 440.0, "des": 1340.0}
#: The vector engine runs in chunks (:mod:`jailsim.engines.stream`), and without a table to
#: hold (metrics only, or its table written as it comes) its working set is two chunks (one
#: run, the next drawn meanwhile), the people pending, the census and a row group being
#: written (:data:`STREAM_BYTES`), plus what grows with the bookings
#: (:data:`STREAM_BYTES_PER_BOOKING`: the values the exact quantiles keep, which grow with
#: the jail's population). Fitted to the serial peaks of 0.75 GB at 1M and 3M bookings
#: (tables on disk), 0.79 at 10M, 1.00 at 30M and 1.63 at 100M (metrics only).
STREAM_BYTES = 460e6
STREAM_BYTES_PER_BOOKING = 9.3
#: A replication's tables held in memory (the bookings table and its census), per booking:
#: runs without an output folder peak at twice this per replication (the tables, then joined).
TABLE_BYTES_PER_BOOKING = 240.0
#: A replication's tables encoded as Parquet (a checkpoint, or what a worker sends), per
#: booking: 61 bytes measured (81 at 10k, where the census weighs more).
ENCODED_BYTES_PER_BOOKING = 61.0
#: Rows of a row group (as :data:`jailsim.results.tablefiles.ROW_GROUP_ROWS`): at most this
#: many rows of a table are held while the final table is written from the checkpoints.
ROW_GROUP_ROWS = 1 << 17


def expected_bookings(scenario: Scenario) -> float:
    """Bookings one replication is expected to hold, over the whole horizon (an upper bound).

    Each stream's rate times the horizon in days, raised by a positive trend as if the rate
    at the end of the horizon held throughout.
    """
    years = scenario.horizon / 365.25
    total = 0.0
    for stream in (scenario.arrivals.bookings, scenario.arrivals.task_force):
        if stream is not None:
            growth = (1.0 + max(0.0, stream.profile.trend_per_year)) ** years  # compounded
            total += stream.rate * scenario.horizon * growth
    return total


@dataclass(frozen=True)
class MemoryNeed:
    """The estimated peak memory of a run, in bytes.

    Attributes
    ----------
    total
        This process and its workers at once: what the machine must have.
    parent
        This process (with the replication it computes itself, when serial).
    worker
        Each worker process (0 without workers).
    workers
        Worker processes on this machine computing at once.
    """

    total: int
    parent: int
    worker: int
    workers: int


def _bytes(x: float) -> int:
    return int(min(max(x, 0.0), 2.0**63))  # absurd inputs: a huge number, never an overflow


def estimate_memory(
    scenario: Scenario,
    replications: int | None = None,
    *,
    engine: str = "vector",
    workers: int = 0,
    remote: bool = False,
    kept: str = "memory",
    arms: int = 1,
) -> MemoryNeed:
    """The peak memory of a run (see the module docstring for what is counted).

    Parameters
    ----------
    scenario
        The scenario as it will run (horizon and rates decide the bookings).
    replications
        Replications of each arm (default: the scenario's own).
    engine
        ``"vector"`` or ``"des"``.
    workers
        Worker processes on this machine that compute replications; 0: this process
        computes them itself (serial), unless ``remote``.
    remote
        Replications are computed elsewhere (a Dask cluster reached by address): this
        process only files what comes back.
    kept
        How tables are kept: one of :data:`KEPT`.
    arms
        Scenarios run side by side (a comparison's), each ``replications`` times.
    """
    if kept not in KEPT:
        raise ValueError(f"kept: {kept!r} is not one of {KEPT}")
    reps = scenario.replications if replications is None else replications
    tasks = max(int(reps) * int(arms), 1)
    n = expected_bookings(scenario)
    work = WORK_BYTES_PER_BOOKING.get(engine, max(WORK_BYTES_PER_BOOKING.values())) * n
    streamed = kept == "none" or (kept == "disk" and not remote)  # no table held whole
    if engine == "vector" and streamed:  # in chunks: bounded but for the quantiles' values
        work = min(work, STREAM_BYTES + STREAM_BYTES_PER_BOOKING * n)
    table = TABLE_BYTES_PER_BOOKING * n
    parallel = 0 if remote else min(int(workers), tasks)
    here = work if workers == 0 and not remote else 0.0  # serial: this process computes
    if kept == "memory":  # every table kept, then all concatenated at the end
        held = max(here + (tasks - 1) * table + (0.0 if here else table), 2 * tasks * table)
    elif kept == "disk":  # tables written by whoever computes them; from afar, encoded
        held = max(here, 2 * ENCODED_BYTES_PER_BOOKING * n if remote else 0.0,
                   2 * TABLE_BYTES_PER_BOOKING * min(n, ROW_GROUP_ROWS))
    else:
        held = here
    parent = PROCESS_BYTES + held
    worker = WORKER_BYTES + work if parallel else 0.0
    return MemoryNeed(_bytes(parent + parallel * worker), _bytes(parent), _bytes(worker),
                      parallel)


def estimate_memory_bytes(scenario: Scenario, replications: int | None = None,
                          **how: object) -> int:
    """:func:`estimate_memory`'s ``total``: the memory the machine must have, in bytes."""
    return estimate_memory(scenario, replications, **how).total


def physical_memory_bytes() -> int | None:
    """Return the physical memory of this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _gb(x: float) -> str:
    return f"{x / 1e9:,.1f} GB"


def _keyword(name: str, value: object = None) -> str:
    return name if value is None else f"{name}={value}"


def check_memory(
    scenario: Scenario,
    replications: int | None = None,
    *,
    engine: str = "vector",
    workers: int = 0,
    remote: bool = False,
    kept: str = "memory",
    arms: int = 1,
    source: str = "<scenario>",
    total_bytes: int | None = None,
    named: Callable[..., str] = _keyword,
) -> None:
    """Refuse a run that would not fit in memory (leaving 25% of it free), saying what would.

    The parameters of the run are those of :func:`estimate_memory`. ``total_bytes``
    overrides the machine's physical memory (for tests); where it cannot be known the check
    passes. ``named(name, value)`` writes an option as the caller's user gives it
    (``--workers 1`` on the command line; the default gives ``workers=1``).

    Raises
    ------
    ScenarioError
        With one line: what the run needs, what the machine has, and what would fit (fewer
        workers, metrics only, an output folder), or that one replication alone is too large.
    """
    total = physical_memory_bytes() if total_bytes is None else total_bytes
    if not total:
        return
    how = {"engine": engine, "workers": workers, "remote": remote, "kept": kept, "arms": arms}
    need = estimate_memory(scenario, replications, **how)
    usable = total * (1.0 - MEMORY_HEADROOM)
    if need.total <= usable:
        return
    tries: list[tuple[str, str, dict]] = []  # (kind, text, change): the first that fits
    if need.workers > 1:  # one worker is this process alone (serial)
        tries += [("workers", named("workers", k), {"workers": k if k > 1 else 0})
                  for k in range(need.workers - 1, 0, -1)]
    if kept != "none":
        tries.append(("metrics_only", named("metrics_only", True), {"kept": "none"}))
        if need.workers > 1:
            tries.append(("metrics_only", f"{named('metrics_only', True)} {named('workers', 1)}",
                          {"kept": "none", "workers": 0}))
    if kept == "memory":
        tries.append(("out", named("out", "FOLDER"), {"kept": "disk"}))
    fits, sizes = [], {}
    for kind, text, change in tries:
        size = estimate_memory(scenario, replications, **{**how, **change}).total
        if size > usable or kind in sizes:
            continue
        if kind == "metrics_only" and sizes.get("workers", 2.0**64) <= size / 0.9:
            continue  # fewer workers alone fit as well: keeping no table buys nothing
        sizes[kind] = size
        fits.append(f"{text} (about {_gb(size)})")
    one = estimate_memory(scenario, 1, **{**how, "workers": 0, "kept": "none", "arms": 1})
    advice = (f"use {' or '.join(fits)}" if fits else
              f"one replication alone needs about {_gb(one.total)} "
              f"({expected_bookings(scenario):,.0f} bookings): lower the horizon or the "
              "booking rates")
    raise ScenarioError([
        f"{source}: the run needs about {_gb(need.total)} of memory, this machine has "
        f"{_gb(total)} ({_gb(usable)} usable): {advice}"
    ])
