"""Reading a county's file: CSV (comma, tab or semicolon), Excel or Parquet, every cell as text.

A booking export or a roster comes as whatever the jail management system writes: a CSV file
(its delimiter found from the file), an Excel workbook or a Parquet file. :func:`read_table`
reads any of them the same way: one row per record, every cell as text (a blank cell is
``""``), so the readers of :mod:`jailsim.county.exports` and :mod:`jailsim.county.roster`
parse timestamps and flags from one kind of input. Any other file (another extension, a file
that is not what its extension says, a missing or empty file) is a one-line
:class:`~jailsim.base.errors.ScenarioError` naming the file and the formats read.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.county.cleaninglog import CleaningLog
from jailsim.county.encodings import decode_text, sniff_encoding
from jailsim.county.exportnames import SUFFIXES

__all__ = ["DELIMITERS", "FORMATS", "SUFFIXES", "read_table"]

#: The formats read, as every error names them.
FORMATS = ("CSV (.csv, .tsv: comma, tab or semicolon), Excel (.xlsx, .xlsm: the first sheet) "
           "or Parquet (.parquet)")
#: The delimiters a CSV file may use, in order of preference when the file cannot tell.
DELIMITERS = (",", "\t", ";")
#: Bytes of a CSV file looked at to find its delimiter.
SAMPLE = 64 * 1024
#: How an Excel workbook (a zip file) and a Parquet file begin.
_MAGIC = {"excel": b"PK\x03\x04", "parquet": b"PAR1"}
_LOOKS = ((b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file"),
          (b"PAR1", "a Parquet file (.parquet)"),
          (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls: save it as .xlsx)"))


def _error(path: Path, problem: str) -> ScenarioError:
    return ScenarioError([f"{path}: {problem}; the formats read are {FORMATS}"])


def _looks_like(head: bytes) -> str:
    """What the first bytes of a file say it is, as ``" (it looks like ...)"`` (or ``""``)."""
    for magic, what in _LOOKS:
        if head.startswith(magic):
            return f" (it looks like {what})"
    if head and (b"\x00" not in head or sniff_encoding(head)):
        return " (it looks like text: a CSV file?)"
    if b"\x00" in head:
        return " (it holds NUL bytes: a binary file, not text)"
    return ""


def _is(fmt: str, head: bytes) -> bool:
    """Whether a file beginning with ``head`` may be of format ``fmt``."""
    if fmt != "csv":
        return head.startswith(_MAGIC[fmt])
    binary = b"\x00" in head and sniff_encoding(head) is None
    return not binary and not any(head.startswith(magic) for magic, _ in _LOOKS)


def read_table(path: str | Path, log: CleaningLog) -> pd.DataFrame:
    """Every cell of a CSV, Excel or Parquet file as text.

    The format is chosen by the file name's ending (:data:`SUFFIXES`, any case):

    * CSV: UTF-8, UTF-16 or UTF-32 as its byte-order mark (or the pattern of its NUL bytes)
      states, else Latin-1 (noted in ``log``; see :mod:`jailsim.county.encodings`); the
      delimiter is the one of comma, tab and
      semicolon that :class:`csv.Sniffer` finds in the first 64 KB, else the one that splits
      the header line into the most columns (comma on a tie, as for a one-column file).
    * Excel (.xlsx, .xlsm): the first sheet (a workbook of several sheets is noted in
      ``log``), read with openpyxl; a date cell reads as ``2024-03-05 14:22:00``.
    * Parquet: every column, a timestamp as ``2024-03-05 14:22:00`` (with its UTC offset if
      the column has a zone), a float column of whole numbers without ``.0``.

    Parameters
    ----------
    path
        The file.
    log
        The cleaning log the file's notes go to.

    Returns
    -------
    pandas.DataFrame
        Column names and cells as ``str`` (blank: ``""``), one row per record, in the order of
        the file. The index is each row's line in the file, the header being line 1 (the
        spreadsheet row in a workbook; in a Parquet file, which has no header line, the row
        number plus one, so the first record is line 2 in every format).

    Raises
    ------
    ScenarioError
        One line naming the file and the formats read: an ending not in :data:`SUFFIXES`, a
        missing or empty file, a file that is not what its ending says, or one that cannot
        be read as that format: a CSV file that does not decode in the encoding it states,
        and any file whose text holds a NUL character (named by line, or column and lines).
    """
    path = Path(path)
    fmt = next((f for f, ends in SUFFIXES.items() if path.suffix.lower() in ends), None)
    if fmt is None:
        what = f"files ending {path.suffix!r}" if path.suffix else "files without an ending"
        raise _error(path, f"{what} are not read")
    if not path.exists():
        raise _error(path, "file not found")
    if not path.is_file():
        raise _error(path, "not a file")
    with open(path, "rb") as f:
        head = f.read(SAMPLE)
    if not head:
        raise _error(path, "empty file")
    if not _is(fmt, head):
        name = {"csv": "a CSV (text) file", "excel": "an Excel workbook",
                "parquet": "a Parquet file"}[fmt]
        raise _error(path, f"not {name}{_looks_like(head)}")
    frame = {"csv": _read_csv, "excel": _read_excel, "parquet": _read_parquet}[fmt](path, log)
    if frame.columns.empty:
        raise _error(path, "empty file")
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.set_axis(range(2, len(frame) + 2))
    if fmt != "csv":  # a CSV file's text was checked as it was decoded
        _refuse_nul(path, frame)
    return frame


def _refuse_nul(path: Path, frame: pd.DataFrame) -> None:
    """Refuse a table whose cells or column names hold a NUL character (a workbook's, ...)."""
    for name, values in frame.items():
        nul = values.astype(str).str.contains("\x00", regex=False)
        if "\x00" in name or nul.any():
            lines = ", ".join(map(str, frame.index[nul][:3])) or "the header"
            raise _error(path, f"column {name!r}: a NUL character (line {lines}); not text "
                               "a jail's system writes")


def _delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: see :func:`read_table`."""
    lines = sample.splitlines()
    header = lines[0] if lines else ""
    fields = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:  # could not tell (one column, a footer line, ...)
        found = None
    if found not in DELIMITERS or (fields[found] == 1 and max(fields.values()) > 1):
        found = max(DELIMITERS, key=fields.get)  # the first of the most columns
    return found


def _read_csv(path: Path, log: CleaningLog) -> pd.DataFrame:
    try:
        text, note = decode_text(path.read_bytes())
    except ValueError as exc:
        raise _error(path, str(exc)) from None
    if note:
        log.notes.append(note)
    sample = text[:SAMPLE]
    if len(text) > SAMPLE and "\n" in sample:  # whole lines only
        sample = sample[: sample.rindex("\n")]
    sep = _delimiter(sample)
    if sep != ",":
        log.notes.append(f"columns separated by {'tabs' if sep == chr(9) else 'semicolons'}")
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise _error(path, "empty file") from None
    except pd.errors.ParserError as exc:
        raise _error(path, f"not a readable CSV file ({exc})") from None


def _read_excel(path: Path, log: CleaningLog) -> pd.DataFrame:
    try:  # a damaged workbook raises many kinds of error, each read as one line
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = book.sheet_names
            frame = pd.read_excel(book, sheet_name=0, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise _error(path, f"not a readable Excel workbook ({type(exc).__name__}: {exc})"
                     ) from None
    if frame.columns.empty:
        raise _error(path, f"the first sheet, {names[0]!r}, is empty")
    if len(names) > 1:
        log.notes.append(f"workbook of {len(names)} sheets: read the first, {names[0]!r}")
    return frame.fillna("").astype(str)


def _read_parquet(path: Path, log: CleaningLog) -> pd.DataFrame:
    try:  # pyarrow's errors of a damaged file vary, each read as one line
        frame = pd.read_parquet(path, dtype_backend="numpy_nullable")
    except Exception as exc:
        raise _error(path, f"not a readable Parquet file ({type(exc).__name__}: {exc})"
                     ) from None
    if not isinstance(frame.index, pd.RangeIndex):  # columns pandas wrote as the index
        frame = frame.reset_index()
    out = {}
    for name, values in frame.items():
        if pd.api.types.is_float_dtype(values):
            whole = values.dropna()
            if (whole == whole.round()).all() and whole.abs().max(skipna=True) < 2**53:
                values = values.astype("Int64")  # 12.0 -> "12", as a CSV would write it
        out[name] = values.astype("string").fillna("").astype(str)
    return pd.DataFrame(out, index=frame.index)
