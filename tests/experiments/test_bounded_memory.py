"""Memory bounded during a run: no replication's table held by the parent, the final tables
the checkpoints' files linked into place (never read or written again), the same bytes as
from memory; ``metrics_only``."""

from __future__ import annotations

import gc
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.experiments.checkpoints import Checkpoints
from jailsim.experiments.executors import SerialExecutor
from jailsim.results import tablefiles
from jailsim.results.tablefiles import StoredTable, held
from tests.experiments.folders import folder_bytes as _bytes

RUN = {"seed": 7, "replications": 4, "days": 120, "warmup_days": 20, "engine": "vector"}


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


@pytest.mark.parametrize("workers", [None, 2])
def test_the_final_tables_are_the_checkpoint_files_linked_into_place(
        tmp_path, monkeypatch, workers):
    """Each table of each replication is encoded once, by the worker that computed it; the
    run folder's parts are those very files (the same inodes), not copies, and the process
    running the experiment encodes none of them when workers do."""
    most = tablefiles.ROW_GROUP_ROWS  # in the worker processes
    if workers is None:  # in this process: several row groups a replication
        most = 500
        monkeypatch.setattr(tablefiles, "ROW_GROUP_ROWS", most)
    encoded = []
    close = tablefiles.TableWriter.close

    def counting(self, finish=True):  # every table file is written by a TableWriter
        if self._writer is not None:
            encoded.append(self.target)
        close(self, finish)

    monkeypatch.setattr(tablefiles.TableWriter, "close", counting)
    inodes = {}
    clear = Checkpoints.clear

    def cleared(self):
        inodes.update({p.name: p.stat().st_ino for p in self.folder.glob("rep-*.parquet")})
        clear(self)

    monkeypatch.setattr(Checkpoints, "clear", cleared)
    res = jailsim.simulate("scenarios/jem.yaml", out=tmp_path, workers=workers, **RUN)
    n = RUN["replications"]
    # serial: this process is the worker, once per table; with workers: none here
    assert len(encoded) == (2 * n if workers is None else 0)
    assert len(inodes) == 2 * n
    for name in ("bookings", "census"):
        parts = sorted((tmp_path / f"{name}.parquet").iterdir())
        assert [p.name for p in parts] == [f"part-{r:06d}.parquet" for r in range(n)]
        for r, part in enumerate(parts):
            assert part.stat().st_ino == inodes[f"rep-{r:06d}.{name}.parquet"]
            meta = pq.ParquetFile(part).metadata
            col = meta.schema.names.index("replication")
            for i in range(meta.num_row_groups):  # row groups of at most `most` rows, of r
                group = meta.row_group(i)
                stats = group.column(col).statistics
                assert group.num_rows <= most and stats.min == stats.max == r
        if name == "bookings" and workers is None:
            assert meta.num_row_groups > 1
    assert not (tmp_path / "checkpoints").exists()
    pd.testing.assert_frame_equal(res.bookings, jailsim.simulate("scenarios/jem.yaml",
                                                                 **RUN).bookings)


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
    assert manifest["complete"]
    assert not [n for n in manifest["files"] if n.startswith(("bookings.", "census."))]
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
