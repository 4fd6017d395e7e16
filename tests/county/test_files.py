"""A county's file read as CSV (comma, tab or semicolon), Excel or Parquet, or refused in one line.

Every fixture is written by the test: the same small export as text and as typed columns
(datetimes, whole numbers, booleans), so each format must give the very same bookings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from jailsim.base.errors import ScenarioError
from jailsim.cli.main import main
from jailsim.county.cleaninglog import CleaningLog
from jailsim.county.exports import read_export
from jailsim.county.files import read_table

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2024-04-03 00:00"
#: What every refusal names: the formats read.
FORMATS = ("CSV (.csv, .tsv: comma, tab or semicolon)", "Excel (.xlsx, .xlsm",
           "Parquet (.parquet)")


def typed(n: int = 40) -> pd.DataFrame:
    """A small export with typed columns, as a workbook or a Parquet file would hold it."""
    rng = np.random.default_rng(5)
    t0 = pd.Timestamp("2024-03-04")
    booked = t0 + pd.to_timedelta(np.sort(rng.uniform(0, 30, n)), unit="D").round("min")
    out = booked + pd.to_timedelta(rng.lognormal(0.5, 1.0, n), unit="D").round("min")
    released = pd.Series(out).where(out < pd.Timestamp(AS_OF))
    return pd.DataFrame({
        "booking_number": np.arange(1001, 1001 + n),
        "booking_date": booked,
        "release_date": released,  # NaT: still held
        "charge_level": rng.choice(["F", "M"], n),
        "release_reason": np.where(released.isna(), "", "RELEASED, BOND"),  # a comma inside
        "ice_hold": rng.random(n) < 0.2,
    })


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The same export as a CSV writes it."""
    out = frame.astype(str)
    for c in ("booking_date", "release_date"):
        out[c] = frame[c].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    return out


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The bookings of the export read from a plain comma-separated file."""
    path = tmp_path_factory.mktemp("plain") / "bookings.csv"
    path.write_text(as_text(typed()).to_csv(index=False))
    return read_export(path, as_of=AS_OF).bookings


@pytest.mark.parametrize(("name", "sep"), [("comma.csv", ","), ("tabs.csv", "\t"),
                                           ("tabs.tsv", "\t"), ("semicolons.csv", ";")])
def test_csv_delimiter_is_found(tmp_path, expected, name, sep):
    path = tmp_path / name
    as_text(typed()).to_csv(path, sep=sep, index=False)
    ex = read_export(path, as_of=AS_OF)
    pd.testing.assert_frame_equal(ex.bookings, expected)
    assert ex.columns["booked"] == "booking_date" and ex.columns["charge"] == "charge_level"
    assert (ex.bookings["reason"] == "released").sum() > 0  # "RELEASED, BOND" stayed whole
    if sep != ",":
        assert any("separated by" in note for note in ex.log.notes)


def test_excel_and_parquet_give_the_bookings_of_the_csv(tmp_path, expected):
    frame = typed()
    frame.to_excel(tmp_path / "bookings.xlsx", index=False)
    frame.to_parquet(tmp_path / "bookings.parquet", index=False)
    as_text(frame).to_excel(tmp_path / "text.xlsx", index=False)  # dates typed as text
    for name in ("bookings.xlsx", "bookings.parquet", "text.xlsx"):
        ex = read_export(tmp_path / name, as_of=AS_OF)
        pd.testing.assert_frame_equal(ex.bookings, expected, obj=name)
    # every cell comes back as text, whole numbers without ".0"
    table = read_table(tmp_path / "bookings.parquet", CleaningLog("x"))
    assert all(isinstance(v, str) for v in table.to_numpy().ravel())
    assert table["booking_number"].iloc[0] == "1001" and table["ice_hold"].isin(
        ["True", "False"]).all()


def test_a_parquet_file_with_blanks_in_a_number_column(tmp_path):
    frame = pd.DataFrame({"booked": ["2024-03-05 10:00", "2024-03-06 11:00"],
                          "id": [7.0, np.nan]})
    frame.to_parquet(tmp_path / "x.parquet")
    table = read_table(tmp_path / "x.parquet", CleaningLog("x"))
    assert table["id"].tolist() == ["7", ""]
    assert table.index.tolist() == [2, 3]


def test_workbook_rows_keep_their_line_numbers_and_the_first_sheet_is_read(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Bookings"
    sheet.append(["Booking Number", "Book Date", "Release Date"])
    sheet.append([1, pd.Timestamp("2024-03-05 10:00").to_pydatetime(), None])
    sheet.append([None, None, None])  # a blank row: line 3
    sheet.append([2, "soon", None])  # line 4
    sheet.append([3, "03/06/2024 14:22", "03/07/2024 09:00"])
    book.create_sheet("Notes").append(["not bookings"])
    book.save(tmp_path / "export.xlsx")
    ex = read_export(tmp_path / "export.xlsx")
    assert ex.log.dropped == {"blank row": 1, "unreadable booking time": 1}
    assert ex.log.examples[("dropped", "blank row")] == ["line 3"]
    assert ex.log.examples[("dropped", "unreadable booking time")] == ["line 4: 'soon'"]
    assert ex.bookings["booked"].tolist() == [pd.Timestamp("2024-03-05 10:00"),
                                              pd.Timestamp("2024-03-06 14:22")]
    assert "workbook of 2 sheets: read the first, 'Bookings'" in ex.log.notes


@pytest.mark.parametrize(("text", "sep"), [
    ("booked\n2024-03-05 10:00\n2024-03-06\n", ","),  # one column: nothing to find
    ("id;booked\n1;2024-03-05 10:00\n2;2024-03-06\nTotal records: 2\n", ";"),  # a footer
    ("id\tbooked\n1\t2024-03-05, 10:00\n", "\t"),
])
def test_delimiter_of_a_file_the_sniffer_cannot_read(tmp_path, text, sep):
    path = tmp_path / "x.csv"
    path.write_text(text)
    table = read_table(path, CleaningLog("x"))
    assert list(table.columns) == text.splitlines()[0].split(sep)


def _xlsx_bytes(tmp_path) -> bytes:
    pd.DataFrame({"booked": ["2024-03-05"]}).to_excel(tmp_path / "real.xlsx", index=False)
    return (tmp_path / "real.xlsx").read_bytes()


REFUSED = {
    "bookings.txt": (b"booked\n2024-03-05 10:00\n", "files ending '.txt' are not read"),
    "bookings.json": (b'{"booked": ["2024-03-05"]}', "files ending '.json' are not read"),
    "bookings.xls": (b"\xd0\xcf\x11\xe0", "files ending '.xls' are not read"),
    "missing.csv": (None, "file not found"),
    "empty.csv": (b"", "empty file"),
    "blank.csv": (b"\n\n", "empty file"),
    "empty.xlsx": (b"", "empty file"),
    "text.xlsx": (b"booked\n2024-03-05\n", "not an Excel workbook (it looks like text"),
    "text.parquet": (b"booked\n2024-03-05\n", "not a Parquet file (it looks like text"),
    "workbook.csv": ("xlsx", "not a CSV (text) file (it looks like an Excel workbook"),
    "broken.xlsx": (b"PK\x03\x04 not a zip", "not a readable Excel workbook"),
    "broken.parquet": (b"PAR1 not parquet", "not a readable Parquet file"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_any_other_file_is_a_one_line_error_naming_the_formats(tmp_path, name):
    content, message = REFUSED[name]
    path = tmp_path / name
    if content == "xlsx":
        content = _xlsx_bytes(tmp_path)
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ScenarioError) as exc:
        read_export(path)
    (line,) = exc.value.lines
    assert line.startswith(f"{path}: ") and message in line, line
    assert all(f in line for f in FORMATS), line


def test_cli_refuses_a_file_of_another_format_in_one_line(tmp_path, capsys):
    path = tmp_path / "bookings.json"
    path.write_text('{"booked": ["2024-03-05"]}')
    workbook = tmp_path / "bookings.xlsx"
    workbook.write_text("booked\n2024-03-05\n")
    for argv in (["calibrate", str(path), "--out", str(tmp_path / "x.yaml")],
                 ["backtest", str(REPO / "scenarios" / "jem.yaml"), "--against", str(workbook),
                  "--out", str(tmp_path / "bt"), "--quiet"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "Traceback" not in err[0], err
        assert err[0].startswith(str(argv[1] if argv[0] == "calibrate" else workbook))
        assert all(f in err[0] for f in FORMATS), err[0]
