"""Memory bounded during a run: no replication's table held, the final tables written from
the checkpoints a row group at a time, the same bytes as from memory; ``metrics_only``."""

from __future__ import annotations

import gc
import json
import weakref

import pandas as pd
import pyarrow.parquet as pq
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.experiments.executors import SerialExecutor
from jailsim.results import tablefiles
from jailsim.results.tablefiles import StoredTable, held

RUN = {"seed": 7, "replications": 4, "days": 120, "warmup_days": 20, "engine": "vector"}
FILES = ["bookings.parquet", "census.parquet", "summary.json", "summary.csv",
         "replications.csv", "scenario.resolved.yaml", "manifest.json"]


def _bytes(folder):
    return {name: (folder / name).read_bytes() for name in FILES}


def _bookings_tables_alive() -> int:
    """Bookings tables (DataFrames with a ``booking_id`` column) alive in this process."""
    gc.collect()
    return sum(1 for obj in gc.get_objects()  # type(): a dead weak proxy raises on isinstance
               if type(obj) is pd.DataFrame and "booking_id" in obj.columns and len(obj))


class Watching(SerialExecutor):
    """Runs tasks here, counting the bookings tables alive before each one starts."""

    def __init__(self):
        self.alive = []

    def imap_unordered(self, fn, tasks):
        for i, task in enumerate(tasks):
            self.alive.append(_bookings_tables_alive())
            yield i, fn(task)
        self.alive.append(_bookings_tables_alive())


def test_a_run_with_a_folder_holds_no_replications_table_while_it_runs(tmp_path):
    watching = Watching()
    res = jailsim.simulate("scenarios/jem.yaml", out=tmp_path, executor=watching, **RUN)
    assert watching.alive == [0, 0, 0, 0, 0]  # filed to its checkpoint, then let go
    assert isinstance(held(res, "bookings"), StoredTable)  # read from the folder when asked
    assert len(res.bookings) == res.booking_rows > 0


def test_without_a_folder_the_tables_are_held_as_before():
    watching = Watching()
    res = jailsim.simulate("scenarios/jem.yaml", executor=watching, **RUN)
    assert watching.alive == [0, 1, 2, 3, 4]
    assert isinstance(held(res, "bookings"), pd.DataFrame)


def test_the_final_tables_are_written_from_the_checkpoints_one_row_group_at_a_time(
        tmp_path, monkeypatch):
    monkeypatch.setattr(tablefiles, "ROW_GROUP_ROWS", 500)  # several row groups a replication
    seen, alive, most = [], [0], [0]
    row_groups = StoredTable.row_groups

    def gone() -> None:
        alive[0] -= 1

    def watched(self):
        for part in row_groups(self):
            seen.append((self.parts[0].parent.name, part.num_rows))
            alive[0] += 1
            weakref.finalize(part, gone)
            most[0] = max(most[0], alive[0])
            yield part
            del part

    monkeypatch.setattr(StoredTable, "row_groups", watched)
    res = jailsim.simulate("scenarios/jem.yaml", out=tmp_path, **RUN)
    rows = res.booking_rows + len(res.census)
    assert {folder for folder, _ in seen} == {"checkpoints"}  # read from the checkpoints
    assert sum(n for _, n in seen) == rows and max(n for _, n in seen) <= 500
    assert most[0] <= 2  # the row group being written, at most one more not yet collected
    meta = pq.ParquetFile(tmp_path / "bookings.parquet").metadata
    assert meta.num_row_groups > RUN["replications"]
    col = meta.schema.names.index("replication")
    for i in range(meta.num_row_groups):  # no row group spans two replications
        stats = meta.row_group(i).column(col).statistics
        assert stats.min == stats.max


@pytest.mark.parametrize("small_row_groups", [False, True])
def test_the_folder_is_the_bytes_of_the_same_run_saved_from_memory(
        tmp_path, monkeypatch, small_row_groups):
    if small_row_groups:
        monkeypatch.setattr(tablefiles, "ROW_GROUP_ROWS", 700)
    res = jailsim.simulate("scenarios/jem.yaml", out=tmp_path / "disk", **RUN)
    plain = jailsim.simulate("scenarios/jem.yaml", **RUN)
    plain.save(tmp_path / "memory")
    assert _bytes(tmp_path / "disk") == _bytes(tmp_path / "memory")
    pd.testing.assert_frame_equal(res.bookings, plain.bookings)
    pd.testing.assert_frame_equal(res.census, plain.census)
    # a run read back and saved again, even over itself, is the same bytes
    again = jailsim.Result.load(tmp_path / "disk")
    again.save(tmp_path / "disk")
    again.save(tmp_path / "copy")
    assert _bytes(tmp_path / "disk") == _bytes(tmp_path / "memory")
    assert _bytes(tmp_path / "copy") == _bytes(tmp_path / "memory")


def test_a_result_whose_folder_was_replaced_says_so_in_one_line(tmp_path):
    res = jailsim.simulate("scenarios/jem.yaml", out=tmp_path, **RUN)
    jailsim.simulate("scenarios/wso.yaml", out=tmp_path, **RUN)
    with pytest.raises(ScenarioError) as exc:
        res.bookings  # noqa: B018
    (line,) = exc.value.lines
    assert line.startswith(f"{tmp_path / 'bookings.parquet'}: changed since jailsim wrote it")


def test_metrics_only_keeps_no_table_and_says_so(tmp_path):
    res = jailsim.simulate("scenarios/jem.yaml", out=tmp_path, metrics_only=True, **RUN)
    full = jailsim.simulate("scenarios/jem.yaml", **RUN)
    pd.testing.assert_frame_equal(res.metrics, full.metrics)
    assert not (tmp_path / "bookings.parquet").exists()
    assert not (tmp_path / "census.parquet").exists()
    assert not (tmp_path / "checkpoints").exists()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["complete"] and "bookings.parquet" not in manifest["files"]
    assert json.loads((tmp_path / "summary.json").read_text())["metrics_only"] is True
    assert res.booking_rows is None and "bookings=not kept" in repr(res)
    with pytest.raises(ScenarioError) as exc:
        res.bookings  # noqa: B018
    (line,) = exc.value.lines
    assert line == ("bookings: not kept (a run with metrics_only=True keeps only metrics); run "
                    "again without it to have the bookings table")
    loaded = jailsim.Result.load(tmp_path)
    pd.testing.assert_frame_equal(loaded.summary(), res.summary())
    for ask in (lambda: loaded.census, lambda: loaded.breakdown("charge"),
                lambda: loaded.explain(1)):
        with pytest.raises(ScenarioError) as exc:
            ask()
        (line,) = exc.value.lines
        assert line.startswith(f"{tmp_path}: a metrics-only run (--metrics-only")
        assert "rerun it without --metrics-only" in line


def test_metrics_only_checkpoints_hold_only_metrics_and_resume(tmp_path):
    class Stop(SerialExecutor):
        def imap_unordered(self, fn, tasks):
            for i, task in enumerate(tasks):
                if i == 2:
                    raise KeyboardInterrupt
                yield i, fn(task)

    with pytest.raises(KeyboardInterrupt):
        jailsim.simulate("scenarios/jem.yaml", out=tmp_path, metrics_only=True,
                         executor=Stop(), **RUN)
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["fingerprint.json", "rep-000000.json", "rep-000001.json"]
    res = jailsim.simulate("scenarios/jem.yaml", out=tmp_path, metrics_only=True, **RUN)
    full = jailsim.simulate("scenarios/jem.yaml", **RUN)
    pd.testing.assert_frame_equal(res.metrics, full.metrics)
