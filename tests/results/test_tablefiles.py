"""A run folder's tables are partitioned Parquet datasets: one part per replication, which
pandas, pyarrow and Dask open as one table, the table of the run in memory."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import jailsim
from jailsim._version import STREAMS_VERSION
from jailsim.base.manifest import MANIFEST, check_output, sha256
from jailsim.results import tablefiles
from jailsim.results.tablefiles import StoredTable, held
from tests.experiments.folders import folder_bytes

RUN = {"seed": 3, "replications": 3, "days": 60, "warmup_days": 10, "engine": "vector"}
TABLES = ("bookings", "census")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same run written to a folder and held in memory."""
    out = tmp_path_factory.mktemp("tables") / "run"
    jailsim.simulate("scenarios/jem.yaml", out=out, **RUN)
    return out, jailsim.simulate("scenarios/jem.yaml", **RUN)


READERS = {
    "pandas": lambda path: pd.read_parquet(path),
    "pyarrow.dataset": lambda path: ds.dataset(path, format="parquet").to_table().to_pandas(),
    "pq.read_table": lambda path: pq.read_table(path).to_pandas(),
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("table", TABLES)
def test_every_reader_opens_the_folder_as_the_run_s_table(runs, reader, table):
    out, memory = runs
    got = READERS[reader](out / f"{table}.parquet")
    expected = getattr(memory, table)
    pd.testing.assert_frame_equal(got, expected)  # the same dtypes, categories, row order
    assert got["replication"].is_monotonic_increasing
    assert got["replication"].unique().tolist() == list(range(RUN["replications"]))


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask, with pandas 3.1
@pytest.mark.parametrize("table", TABLES)
def test_dask_opens_the_folder_one_partition_per_replication(runs, table):
    dd = pytest.importorskip("dask.dataframe")
    out, memory = runs
    frame = dd.read_parquet(out / f"{table}.parquet")
    assert frame.npartitions == RUN["replications"]
    got = frame.compute().reset_index(drop=True)  # each partition has its own index
    pd.testing.assert_frame_equal(got, getattr(memory, table))


def test_every_part_has_one_schema_and_the_run_s_metadata(runs):
    out, memory = runs
    for table in TABLES:
        schemas = [pq.read_schema(p) for p in sorted((out / f"{table}.parquet").iterdir())]
        assert len(schemas) == RUN["replications"]
        assert all(s.equals(schemas[0], check_metadata=True) for s in schemas)
        meta = schemas[0].metadata
        assert meta[b"jailsim.seed"] == b"3"
        assert meta[b"jailsim.streams_version"] == str(STREAMS_VERSION).encode()
        assert meta[b"jailsim.start_date"] == memory.scenario.start_date.isoformat().encode()
        if table == "bookings":
            assert pa.types.is_dictionary(schemas[0].field("stream").type)


def test_the_result_reads_its_parts_only_when_asked(runs):
    out, memory = runs
    res = jailsim.Result.load(out)
    table = held(res, "bookings")
    assert isinstance(table, StoredTable) and len(table.parts) == RUN["replications"]
    assert res.booking_rows == len(memory.bookings)
    pd.testing.assert_frame_equal(res.bookings_columns(["replication", "status"]),
                                  memory.bookings[["replication", "status"]])
    pd.testing.assert_frame_equal(res.bookings, memory.bookings)


def test_a_folder_of_a_jailsim_before_parts_still_reads_and_saves_as_parts(runs, tmp_path):
    """A run folder whose tables are single files (as jailsim wrote them before parts) reads
    as before; saved again, it becomes parts, the bytes of the run's own parts."""
    out, memory = runs
    old = tmp_path / "old"
    old.mkdir()
    manifest = json.loads((out / MANIFEST).read_text())
    files = {}
    for name, entry in manifest["files"].items():
        if name.split("/")[0] in {f"{t}.parquet" for t in TABLES}:
            continue
        (old / name).write_bytes((out / name).read_bytes())
        files[name] = entry
    for table in TABLES:  # one file, the parts' rows in order
        path = old / f"{table}.parquet"
        pq.write_table(pq.read_table(out / f"{table}.parquet"), path)
        files[path.name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
    (old / MANIFEST).write_text(json.dumps({**manifest, "files": files}))
    check_output(old)
    res = jailsim.Result.load(old)
    assert not held(res, "bookings").per_replication
    pd.testing.assert_frame_equal(res.census, memory.census)
    res.save(tmp_path / "again")
    assert folder_bytes(tmp_path / "again") == folder_bytes(out)


def _written_at_once(df: pd.DataFrame, meta: dict, rows: int) -> bytes:
    """``df`` written by pyarrow in one call, row groups of ``rows``: not by TableWriter."""
    arrow = pa.Table.from_pandas(df, preserve_index=False)
    schema = tablefiles.canonical_schema(arrow.schema)
    schema = schema.with_metadata({**(schema.metadata or {}), **meta})
    coded = [f.name for f in schema if pa.types.is_dictionary(f.type)]
    buf = io.BytesIO()
    with pq.ParquetWriter(buf, schema, use_dictionary=coded) as writer:
        if len(df):
            writer.write_table(arrow.cast(schema), row_group_size=rows)
    return buf.getvalue()


@pytest.mark.parametrize("cuts", [(), (1, 2, 3), (37, 400, 401, 999)])
def test_a_table_written_in_pieces_is_the_bytes_of_the_whole(runs, monkeypatch, cuts):
    """However its rows come, a table is cut into the same row groups: the file pyarrow
    writes of the whole table at once."""
    monkeypatch.setattr(tablefiles, "ROW_GROUP_ROWS", 128)
    df = runs[1].bookings
    meta = tablefiles.table_metadata(jailsim.load("scenarios/jem.yaml"))
    whole = _written_at_once(df, meta, 128)
    buf = io.BytesIO()
    with tablefiles.TableWriter(buf, meta) as writer:
        for a, b in zip((0, *cuts), (*cuts, len(df)), strict=True):
            writer.write(df.iloc[a:b])
    assert writer.rows == len(df) > 8 * 128
    assert buf.getvalue() == whole
    assert tablefiles.encode(df, meta) == whole
    groups = pq.ParquetFile(io.BytesIO(whole)).metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == \
        [128] * (len(df) // 128) + ([len(df) % 128] if len(df) % 128 else [])


def test_an_empty_table_written_by_pieces_has_its_schema_and_no_rows(runs):
    df = runs[1].bookings.iloc[:0]
    buf = io.BytesIO()
    with tablefiles.TableWriter(buf, {}) as writer:
        writer.write(df)
    back = pd.read_parquet(io.BytesIO(buf.getvalue()))
    assert len(back) == 0 and list(back.columns) == list(df.columns)
    assert buf.getvalue() == _written_at_once(df, {}, 128)


def test_a_writer_left_by_an_error_writes_no_more_rows(runs, tmp_path):
    df = runs[1].bookings
    with pytest.raises(RuntimeError, match="half way"), \
            tablefiles.TableWriter(tmp_path / "t", {}) as w:
        w.write(df.iloc[:10])
        raise RuntimeError("half way")
    assert w.rows == 0  # the rows held were not written after the error
