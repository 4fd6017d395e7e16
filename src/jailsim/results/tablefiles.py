"""Tables on disk: one Parquet file per replication, read back only when asked.

A run's bookings table grows with every replication, so it is never assembled in memory, nor
written twice: each replication's table is one Parquet file of its own, a *part*, written once
by the process that computed it (:class:`TableWriter`, as its rows come; :func:`encode`,
:func:`write_table` for a whole table)
and put into the run folder as it is, by a hard link. The run folder's ``bookings.parquet``
(and ``census.parquet``) is a folder of parts, ``part-000000.parquet``, ``part-000001.parquet``
... (:func:`part_name`: zero-padded, so the order of the names is the order of the
replications), which pandas, pyarrow and Dask open as one table (a *partitioned dataset*)::

    pd.read_parquet("out/bookings.parquet")            # every replication, in order
    pyarrow.dataset.dataset("out/bookings.parquet")    # or pq.read_table; dask.dataframe too

Every part has one canonical schema (:func:`canonical_schema`), the run's metadata
(:func:`table_metadata`) and a ``replication`` column, in row groups of at most
:data:`ROW_GROUP_ROWS` rows, so a part is the same bytes whichever process wrote it, from
a worker's DataFrame or from a Result held in memory.

A :class:`~jailsim.results.result.Result` holds either a DataFrame, a :class:`StoredTable`
(its parts, read on first use) or a :class:`NoTable` (a metrics-only run: asking for it is a
one-line error saying why it is not there).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jailsim._version import STREAMS_VERSION, __version__
from jailsim.base.chunks import InTurn
from jailsim.base.errors import ScenarioError
from jailsim.scenario.schema import Scenario

__all__ = ["ROW_GROUP_ROWS", "NoTable", "StoredTable", "Table", "TableField", "TableWriter",
           "canonical_schema", "encode", "held", "part_name", "table_metadata", "write_table"]

#: Rows of a Parquet row group: a replication's table is cut into row groups of this many rows
#: (about 30 MB decoded), so whoever reads the tables a row group at a time holds at most this
#: many rows of them (pyarrow's default, 1Mi rows, would be 240 MB).
ROW_GROUP_ROWS = 1 << 17


def part_name(replication: int) -> str:
    """The file name of a replication's part in a table folder: ``part-000012.parquet``."""
    return f"part-{replication:06d}.parquet"


def table_metadata(scenario: Scenario) -> dict[bytes, bytes]:
    """The metadata every part of a run's tables carries.

    How to read its times; its seed; the versions of jailsim and of its random streams
    (together, which draws the seed gives).
    """
    return {
        b"jailsim.start_date": scenario.start_date.isoformat().encode(),
        b"jailsim.time_unit": b"days since start_date 00:00",
        b"jailsim.horizon_days": repr(scenario.horizon).encode(),
        b"jailsim.seed": str(scenario.seed).encode(),
        b"jailsim.version": __version__.encode(),
        b"jailsim.streams_version": str(STREAMS_VERSION).encode(),
    }


def _canonical_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_string(t):
        return pa.large_string()
    if pa.types.is_dictionary(t):
        return pa.dictionary(t.index_type, _canonical_type(t.value_type), t.ordered)
    return t


def canonical_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with every text type as ``large_string`` (in dictionaries too).

    ``Table.from_pandas`` gives pandas' text as ``large_string`` (pandas 3) or ``string``
    (pandas 2), and Parquet gives a dictionary's text back as ``string``: one schema for both,
    so a table written from memory and one written from files are the same bytes.
    """
    fields = [pa.field(f.name, _canonical_type(f.type), f.nullable, f.metadata) for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


def _arrow(df: pd.DataFrame) -> pa.Table:
    """``df`` as Arrow, converted in this thread.

    A worker shares the cores with the others: pyarrow's thread pool made a replication's
    table twice as slow to convert.
    """
    return pa.Table.from_pandas(df, preserve_index=False, nthreads=1)


class TableWriter:
    """One replication's table written as its rows come, a row group at a time.

    :meth:`write` takes the rows in order, in pieces of any size (each a DataFrame of the
    table's columns); whole row groups of :data:`ROW_GROUP_ROWS` rows are written as soon as
    they are complete, so the file holds the very bytes :func:`write_table` writes of the
    whole table, and memory holds at most a row group and a piece. The schema is
    :func:`canonical_schema` of the first piece (give an empty one for an empty table) with
    ``metadata`` added; only the categorical columns are dictionary-encoded (:func:`_coded`).
    A context manager: :meth:`close` on leaving, also when an error leaves half a file (which
    the caller's atomic write then throws away).
    """

    def __init__(self, target: Path | io.BytesIO | io.RawIOBase,
                 metadata: dict[bytes, bytes]):
        self.target, self.metadata = target, metadata
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._held: list[pa.Table] = []
        self._count = 0  # rows held
        self._turn = InTurn("jailsim-parquet")  # whole row groups, encoded meanwhile

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type, *_) -> None:
        self.close(finish=exc_type is None)  # after an error, the file is thrown away

    def write(self, df: pd.DataFrame) -> None:
        """Add the next rows ``df``, writing every row group they complete."""
        if not len(df) and self._writer is not None:
            return  # (converting no rows costs as much as a piece)
        for start in range(0, max(len(df), 1), ROW_GROUP_ROWS):
            self._add(_arrow(df.iloc[start:start + ROW_GROUP_ROWS]))

    def _add(self, piece: pa.Table) -> None:
        if self._writer is None:
            first = canonical_schema(piece.schema)
            self.schema = first.with_metadata({**(first.metadata or {}), **self.metadata})
            self._writer = pq.ParquetWriter(self.target, self.schema,
                                            use_dictionary=_coded(self.schema))
        if not piece.num_rows:
            return
        self._held.append(piece.cast(self.schema))
        self._count += piece.num_rows
        while self._count >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def _flush(self, n: int) -> None:
        """Write the first ``n`` rows held as one row group.

        A whole row group is encoded in a thread of its own while the caller goes on (Arrow
        lets go of the interpreter's lock), one at a time, in order: the same bytes.
        """
        held = pa.concat_tables(self._held)
        group = held.slice(0, n)
        rest = held.slice(n)
        self._held, self._count = ([rest] if rest.num_rows else []), rest.num_rows
        if n == ROW_GROUP_ROWS:
            self._turn.submit(self._writer.write_table, group, row_group_size=n)
        else:
            self._turn.wait()
            self._writer.write_table(group, row_group_size=n)
        self.rows += n

    def close(self, finish: bool = True) -> None:
        """Write the last rows held and the file's footer (a no-op once closed).

        ``finish=False`` (after an error): release the file without writing what is held.
        """
        if self._writer is None:
            return
        try:
            if finish:
                self._turn.wait()
                if self._count:
                    self._flush(self._count)
        finally:
            self._turn.close()  # a group still being written, after an error
            self._writer.close()
            self._writer = None


def write_table(target: Path | io.BytesIO, df: pd.DataFrame,
                metadata: dict[bytes, bytes]) -> int:
    """Write one replication's table ``df`` as a Parquet file (a part) at ``target``.

    The rows go in row groups of at most :data:`ROW_GROUP_ROWS`, converted to Arrow one row
    group at a time (:class:`TableWriter`, so writing holds the table once, not twice).
    Returns the rows written. This is the one writer of tables: a worker's checkpoint, a
    Result saved from memory.
    """
    with TableWriter(target, metadata) as writer:
        writer.write(df)
    return len(df)


def encode(df: pd.DataFrame, metadata: dict[bytes, bytes]) -> bytes:
    """One replication's table as the bytes of its Parquet file (:func:`write_table`)."""
    buf = io.BytesIO()
    write_table(buf, df, metadata)
    return buf.getvalue()


def _coded(schema: pa.Schema) -> list[str]:
    """The columns Parquet's dictionary encoding is for: the categorical ones.

    Times and other floats are nearly all distinct: trying a dictionary on each row group
    before falling back made writing twice as slow and the file larger.
    """
    return [f.name for f in schema if pa.types.is_dictionary(f.type)]


@dataclass(frozen=True, eq=False)
class NoTable:
    """A table a run did not keep; asking for it raises a one-line :class:`ScenarioError`.

    Attributes
    ----------
    why
        The line: what is missing, why, and what would keep it.
    """

    why: str

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Raise the one-line error."""
        raise ScenarioError([self.why])


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


@dataclass(frozen=True, eq=False)
class StoredTable:
    """A table in Parquet files, its parts in order, read only when asked.

    Each part's size, modification time and inode are taken when the table is made, and
    checked before it is read: a part gone or replaced since (the folder removed, another run
    written into it) is a one-line error, never another run's rows.

    Attributes
    ----------
    parts
        The files, in the order of their rows.
    stamps
        ``(size, mtime_ns, inode)`` of each part when the table was made.
    per_replication
        Whether part ``k`` is replication ``k``'s table alone (a run folder's parts, the
        checkpoints), which is put into another folder as it is; False for a table in one
        file (a run folder of a jailsim before parts).
    sha256
        The SHA-256 of each part, where known from whoever wrote it (else None).
    """

    parts: tuple[Path, ...]
    stamps: tuple[tuple[int, int, int], ...]
    per_replication: bool = True
    sha256: tuple[str, ...] | None = None

    @classmethod
    def of(cls, parts: Path | Iterable[Path], *, per_replication: bool = True,
           sha256: Sequence[str] | None = None) -> StoredTable:
        """The table in the file ``parts`` (or in the files, in order), as they are now."""
        paths = (Path(parts),) if isinstance(parts, (str, Path)) else tuple(map(Path, parts))
        return cls(paths, tuple(_stamp(p) for p in paths), per_replication,
                   tuple(sha256) if sha256 is not None else None)

    @classmethod
    def folder(cls, path: Path) -> StoredTable:
        """The table stored at ``path``: a folder of parts (in name order), or one file."""
        path = Path(path)
        if path.is_dir():
            return cls.of(sorted(path.glob("part-*.parquet")))
        return cls.of(path, per_replication=False)

    def checked(self, k: int) -> Path:
        """Part ``k``, once checked to be the file the table was made of."""
        path = self.parts[k]
        try:
            same = _stamp(path) == self.stamps[k]
        except OSError:
            raise ScenarioError([f"{self.where}: gone since jailsim wrote it (folder moved or "
                                 "removed); load the run again with Result.load, or rerun "
                                 "it"]) from None
        if not same:
            raise ScenarioError([f"{self.where}: changed since jailsim wrote it (another run "
                                 "written there?); load the run again with Result.load, or "
                                 "rerun it"])
        return path

    @property
    def where(self) -> Path:
        """What messages name: the table's folder, or its one file."""
        if not self.parts:
            return Path("(no parts)")
        return self.parts[0].parent if self.per_replication else self.parts[0]

    @property
    def rows(self) -> int:
        """Rows in all parts (from the files' footers; no table is read)."""
        return sum(pq.ParquetFile(self.checked(k)).metadata.num_rows
                   for k in range(len(self.parts)))

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The table as a DataFrame (only ``columns``, if given), its parts read as one table.

        One read of every part (as ``pd.read_parquet`` reads the folder), so a categorical
        column is one categorical, whatever values each part holds.
        """
        cols = list(columns) if columns is not None else None
        paths = [str(self.checked(k)) for k in range(len(self.parts))]
        return pd.read_parquet(paths[0] if len(paths) == 1 else paths, columns=cols)


#: What a Result may hold for a table.
Table = pd.DataFrame | StoredTable | NoTable


class TableField:
    """A table field of a Result: a DataFrame, or a table read on first use.

    Given a :class:`StoredTable` (a run written to a folder), the field reads it when first
    asked and keeps the DataFrame; given a :class:`NoTable` (a metrics-only run), asking
    raises its one-line error. A data descriptor, so the frozen dataclass's ``__init__`` sets
    it through :meth:`__set__`; with no class-level default (``__get__`` on the class raises
    AttributeError), the field stays a required argument.
    """

    def __set_name__(self, owner, name: str) -> None:
        self.name, self.slot = name, f"_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.name)  # no default: a required field of the dataclass
        value = obj.__dict__[self.slot]
        if not isinstance(value, pd.DataFrame):
            value = value.frame()
            obj.__dict__[self.slot] = value  # read once, then kept
        return value

    def __set__(self, obj, value: Table) -> None:
        obj.__dict__[self.slot] = value


def held(obj: object, name: str) -> Table:
    """What ``obj`` holds for its :class:`TableField` ``name``, as given (never read)."""
    return obj.__dict__[f"_{name}"]
