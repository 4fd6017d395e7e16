"""Tables on disk: written row group by row group, read back only when asked.

A run's bookings table grows with every replication, so it is never assembled in memory:
each replication's table is encoded on its own (:func:`encode`, the checkpoint's bytes), and
the final ``bookings.parquet`` is written by :func:`write_parts` from the tables of the
replications one row group at a time, whether they come from files (:class:`StoredTable`, the
checkpoints) or from a DataFrame in memory (:func:`frame_parts`). Both give the same bytes:
every part is cast to one canonical schema (:func:`canonical_schema`) and cut into row groups
of :data:`ROW_GROUP_ROWS` rows within its replication.

A :class:`~jailsim.results.result.Result` holds either a DataFrame, a :class:`StoredTable`
(read on first use) or a :class:`NoTable` (a metrics-only run: asking for it is a one-line
error saying why it is not there).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jailsim.base.errors import ScenarioError

__all__ = ["ROW_GROUP_ROWS", "NoTable", "StoredTable", "Table", "canonical_schema", "encode",
           "TableField", "frame_parts", "held", "parts_of", "write_parts"]

#: Rows of a Parquet row group: a replication's table is cut into row groups of this many rows
#: (about 30 MB decoded), so whoever writes or reads the tables a row group at a time holds
#: at most this many rows of them (pyarrow's default, 1Mi rows, would be 240 MB).
ROW_GROUP_ROWS = 1 << 17


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
    return pa.Table.from_pandas(df, preserve_index=False)


def _slices(lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """``[lo, hi)`` in pieces of at most :data:`ROW_GROUP_ROWS` rows."""
    for start in range(lo, hi, ROW_GROUP_ROWS):
        yield start, min(start + ROW_GROUP_ROWS, hi)


def encode(df: pd.DataFrame) -> bytes:
    """One replication's table as the bytes of a Parquet file (what a checkpoint holds).

    Converted to Arrow one row group at a time, so encoding holds the table once, not twice.
    """
    buf = io.BytesIO()
    write_parts(buf, frame_parts(df, by=None), {})
    return buf.getvalue()


def frame_parts(df: pd.DataFrame, by: str | None = "replication") -> Iterator[pa.Table]:
    """The rows of ``df`` as Arrow tables, in order, one row group each.

    Each has at most :data:`ROW_GROUP_ROWS` rows and, with ``by``, equal values of ``by``
    (a replication's rows). An empty ``df`` gives one empty table (its schema).
    """
    if len(df) == 0:
        yield _arrow(df)
        return
    cuts = [0, len(df)]
    if by is not None and by in df.columns:
        values = df[by].to_numpy()
        cuts = [0, *(np.flatnonzero(values[1:] != values[:-1]) + 1).tolist(), len(df)]
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        for start, stop in _slices(lo, hi):
            yield _arrow(df.iloc[start:stop])


def _coded(schema: pa.Schema) -> list[str]:
    """The columns Parquet's dictionary encoding is for: the categorical ones.

    Times and other floats are nearly all distinct: trying a dictionary on each row group
    before falling back made writing twice as slow and the file larger.
    """
    return [f.name for f in schema if pa.types.is_dictionary(f.type)]


def write_parts(path: Path | io.BytesIO, parts: Iterable[pa.Table],
                metadata: dict[bytes, bytes]) -> int:
    """Write the tables ``parts`` into one Parquet file at ``path``, one after another.

    The file's schema is the first part's (:func:`canonical_schema`) with ``metadata`` added;
    every part is cast to it and written in row groups of at most :data:`ROW_GROUP_ROWS` rows
    that never span two parts, dictionary-encoded only in its categorical columns
    (:func:`_coded`). Only one part is held at a time. Returns the rows written.
    """
    writer = schema = None
    rows = 0
    try:
        for part in parts:
            if writer is None:
                first = canonical_schema(part.schema)
                schema = first.with_metadata({**(first.metadata or {}), **metadata})
                writer = pq.ParquetWriter(path, schema, use_dictionary=_coded(schema))
            if part.num_rows:
                writer.write_table(part.cast(schema), row_group_size=ROW_GROUP_ROWS)
                rows += part.num_rows
            del part
        if writer is None:
            raise ValueError(f"{path}: no table to write")
    finally:
        if writer is not None:
            writer.close()
    return rows


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


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


@dataclass(frozen=True, eq=False)
class StoredTable:
    """A table in one Parquet file or several (its parts, in order), read only when asked.

    Each part's size and modification time are taken when the table is made, and checked
    before it is read: a part gone or replaced since (the folder removed, another run written
    into it) is a one-line error, never another run's rows.

    Attributes
    ----------
    parts
        The files, in the order of their rows.
    stamps
        ``(size, mtime_ns)`` of each part when the table was made.
    """

    parts: tuple[Path, ...]
    stamps: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, parts: Path | Iterable[Path]) -> StoredTable:
        """The table in the file ``parts`` (or in the files, in order), as they are now."""
        paths = (Path(parts),) if isinstance(parts, (str, Path)) else tuple(map(Path, parts))
        return cls(paths, tuple(_stamp(p) for p in paths))

    def _checked(self, k: int) -> Path:
        path = self.parts[k]
        try:
            same = _stamp(path) == self.stamps[k]
        except OSError:
            raise ScenarioError([f"{path}: gone since jailsim wrote it (folder moved or "
                                 "removed); load the run again with Result.load, or rerun "
                                 "it"]) from None
        if not same:
            raise ScenarioError([f"{path}: changed since jailsim wrote it (another run written "
                                 "there?); load the run again with Result.load, or rerun it"])
        return path

    @property
    def rows(self) -> int:
        """Rows in all parts (from the files' footers; no table is read)."""
        return sum(pq.ParquetFile(self._checked(k)).metadata.num_rows
                   for k in range(len(self.parts)))

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The table as a DataFrame (only ``columns``, if given), parts concatenated."""
        cols = list(columns) if columns is not None else None
        frames = [pd.read_parquet(self._checked(k), columns=cols)
                  for k in range(len(self.parts))]
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    def row_groups(self) -> Iterator[pa.Table]:
        """Every row group of every part, in order, one at a time.

        A part without rows gives its empty table, so the schema is known however few rows
        there are.
        """
        for k in range(len(self.parts)):
            with pq.ParquetFile(self._checked(k)) as pf:
                if pf.num_row_groups == 0:
                    yield pf.schema_arrow.empty_table()
                for i in range(pf.num_row_groups):
                    yield pf.read_row_group(i)


#: What a Result may hold for a table.
Table = pd.DataFrame | StoredTable | NoTable


def parts_of(table: Table) -> Iterator[pa.Table]:
    """The parts :func:`write_parts` writes of ``table``.

    Its row groups (a table on disk) or its replications (a DataFrame); a :class:`NoTable`
    raises its one-line error.
    """
    if isinstance(table, StoredTable):
        return table.row_groups()
    if isinstance(table, pd.DataFrame):
        return frame_parts(table)
    return table.frame()


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
