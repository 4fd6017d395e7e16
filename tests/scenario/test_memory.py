"""The memory guard: the estimate by engine, workers and how tables are kept; the refusal."""

from __future__ import annotations

import pytest

from jailsim.base.errors import ScenarioError
from jailsim.experiments.options import named_as_flags, option_text
from jailsim.results import tablefiles
from jailsim.scenario.memory import (
    KEPT,
    MEMORY_HEADROOM,
    PROCESS_BYTES,
    ROW_GROUP_ROWS,
    STREAM_BYTES,
    STREAM_BYTES_PER_BOOKING,
    WORK_BYTES_PER_BOOKING,
    check_memory,
    estimate_memory,
    estimate_memory_bytes,
    expected_bookings,
)
from jailsim.scenario.schema import Scenario
from tests.conftest import base as load_base


@pytest.fixture
def base() -> Scenario:
    return load_base()


@pytest.fixture
def small(base) -> Scenario:
    """Base county with the numbers the tests count on, whatever the file says."""
    return base.with_({"horizon": "3y", "warmup": "1y", "arrivals.bookings.rate": "15.6/day"})


@pytest.fixture
def big(small) -> Scenario:
    """About 11 million bookings a replication."""
    return small.with_({"arrivals.bookings.rate": "10000/day"})


def _gb(x: float) -> str:
    return f"{x / 1e9:,.1f} GB"


def test_expected_bookings(small):
    assert expected_bookings(small) == pytest.approx(15.6 * 3 * 365.25)


def test_expected_bookings_counts_task_force_and_trend(small):
    tf = small.arrivals.bookings.model_dump(mode="json", by_alias=True)
    tf["rate"] = "2/day"
    sc = small.with_({"arrivals.task_force": tf, "arrivals.bookings.profile.trend_per_year": 0.1})
    days = 3 * 365.25
    assert expected_bookings(sc) == pytest.approx(15.6 * days * 1.1**3 + 2 * days)
    falling = small.with_({"arrivals.bookings.profile.trend_per_year": -0.5})
    assert expected_bookings(falling) == pytest.approx(expected_bookings(small))


def test_memory_estimate_never_overflows(small):
    sc = small.with_({"arrivals.bookings.rate": "1e300/h", "horizon": "100y"})
    assert estimate_memory_bytes(sc, 100_000) == 2**63
    assert estimate_memory_bytes(sc, 100_000, workers=64, kept="disk") == 2**63


def test_with_an_output_folder_the_need_does_not_grow_with_replications(big):
    disk = [estimate_memory_bytes(big, r, kept="disk") for r in (1, 3, 30)]
    assert disk[0] == disk[1] == disk[2]
    memory = [estimate_memory_bytes(big, r, kept="memory") for r in (1, 3, 30)]
    assert memory[0] < memory[1] < memory[2]
    assert memory[2] > 10 * disk[0]  # every table held, then concatenated
    assert estimate_memory_bytes(big, 3, kept="none") <= disk[0]


def test_each_worker_holds_one_replication(big):
    # the SimPy engine holds a whole replication, whose table goes to disk as it is made
    serial = estimate_memory(big, 3, workers=0, kept="disk", engine="des")
    one_replication = WORK_BYTES_PER_BOOKING["des"] * expected_bookings(big)
    assert serial.total == pytest.approx(PROCESS_BYTES + one_replication, rel=1e-6)
    two, three = (estimate_memory(big, 3, workers=w, kept="disk", engine="des")
                  for w in (2, 3))
    assert (two.workers, three.workers) == (2, 3)
    assert two.total == two.parent + 2 * two.worker
    assert three.total - two.total == two.worker > one_replication
    assert two.parent < serial.parent  # the workers compute; this process files their output
    # only as many workers as tasks are busy; a comparison's arms are tasks too
    assert estimate_memory(big, 1, workers=4, kept="disk").workers == 1
    assert estimate_memory(big, 1, workers=4, kept="disk", arms=2).workers == 2
    # a cluster elsewhere computes nothing here
    remote = estimate_memory(big, 3, remote=True, kept="disk", engine="des")
    assert remote.workers == 0 and remote.total < serial.total


def test_the_des_engine_needs_more_than_the_vector_engine(big):
    assert estimate_memory_bytes(big, 1, engine="des") > estimate_memory_bytes(big, 1)


def test_a_run_that_fits_passes(big):
    need = estimate_memory_bytes(big, 3, workers=2, kept="disk")
    check_memory(big, 3, workers=2, kept="disk", total_bytes=int(need / 0.75) + 10)


def test_too_many_workers_are_refused_in_one_line_saying_what_fits(big):
    two = estimate_memory_bytes(big, 3, workers=2, kept="memory")
    one = estimate_memory_bytes(big, 3, workers=0, kept="memory")
    total = int(one / (1 - MEMORY_HEADROOM)) + 10  # one worker fits, two do not
    with pytest.raises(ScenarioError) as exc:
        check_memory(big, 3, workers=2, kept="memory", source="run.yaml", total_bytes=total)
    (line,) = exc.value.lines
    usable = total * (1 - MEMORY_HEADROOM)
    # keeping no table in memory, the vector engine runs in chunks: both workers fit then
    bare = estimate_memory_bytes(big, 3, workers=2, kept="none")
    folder = estimate_memory_bytes(big, 3, workers=2, kept="disk")
    assert line == (f"run.yaml: the run needs about {_gb(two)} of memory, this machine has "
                    f"{_gb(total)} ({_gb(usable)} usable): use workers=1 (about {_gb(one)}) "
                    f"or metrics_only=True (about {_gb(bare)}) or out=FOLDER (about "
                    f"{_gb(folder)})")
    # the command line names its flags
    with named_as_flags(), pytest.raises(ScenarioError) as exc:
        check_memory(big, 3, workers=2, kept="memory", total_bytes=total, named=option_text)
    assert f": use --workers 1 (about {_gb(one)}) or --metrics-only (about {_gb(bare)})" \
        in exc.value.lines[0]
    # with the SimPy engine, keeping no table saves nothing more than one worker does
    des_one = estimate_memory_bytes(big, 3, workers=0, kept="disk", engine="des")
    des_total = int(des_one / (1 - MEMORY_HEADROOM)) + 10
    with pytest.raises(ScenarioError) as exc:
        check_memory(big, 3, workers=2, kept="disk", engine="des", total_bytes=des_total)
    assert exc.value.lines[0].endswith(f"use workers=1 (about {_gb(des_one)})")


def test_tables_in_memory_are_refused_saying_an_output_folder_or_metrics_only_fits(big):
    need = estimate_memory_bytes(big, 20, kept="memory")
    disk = estimate_memory_bytes(big, 20, kept="disk")
    total = int(disk / (1 - MEMORY_HEADROOM)) + 10
    with pytest.raises(ScenarioError) as exc:
        check_memory(big, 20, kept="memory", total_bytes=total)
    (line,) = exc.value.lines
    assert f"needs about {_gb(need)} of memory" in line
    assert "use metrics_only=True (about " in line and " or out=FOLDER (about " in line


def test_a_replication_too_large_for_the_machine_says_so(big):
    with pytest.raises(ScenarioError) as exc:
        check_memory(big, 3, workers=2, kept="disk", source="run.yaml", total_bytes=10**9)
    (line,) = exc.value.lines
    assert line.endswith(" bookings): lower the horizon or the booking rates")
    assert "one replication alone needs about" in line


def test_check_memory_uses_this_machine(base):
    check_memory(base, 1)  # a small run fits anywhere
    huge = base.with_({"arrivals.bookings.rate": "1e9/day", "horizon": "100y"})
    with pytest.raises(ScenarioError, match="this machine has .* GB"):
        check_memory(huge, 1000)


def test_the_row_group_the_estimate_counts_is_the_one_written():
    assert ROW_GROUP_ROWS == tablefiles.ROW_GROUP_ROWS


def test_the_vector_engine_without_tables_runs_in_bounded_chunks(big):
    # Metrics only, the vector engine holds chunks and the quantiles' values, not the run:
    # far less than with tables in memory; the SimPy engine still holds its whole run.
    disk, memory, none = (estimate_memory(big, 1, kept=k) for k in KEPT)
    assert none.total < memory.total / 4
    # its table written as its rows come, a run into a folder holds no more
    assert disk.total == none.total < estimate_memory(big, 1, kept="disk", engine="des").total
    n = expected_bookings(big)
    assert none.total == pytest.approx(
        PROCESS_BYTES + STREAM_BYTES + STREAM_BYTES_PER_BOOKING * n, rel=1e-6)
    des = estimate_memory(big, 1, kept="none", engine="des")
    assert des.total == pytest.approx(PROCESS_BYTES + WORK_BYTES_PER_BOOKING["des"] * n,
                                      rel=1e-6)
