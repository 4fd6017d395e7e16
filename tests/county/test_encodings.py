"""A CSV export in any Unicode encoding reads as the same bookings, or is refused in one line.

UTF-16 used to be read as Latin-1 when it did not decode (a NUL between every letter, carried
into a calibrated scenario), UTF-32 as UTF-16, and a NUL character past the first 64 KB of a
file went through.
"""

from __future__ import annotations

import pandas as pd
import pytest

from jailsim.base.errors import ScenarioError
from jailsim.cli.main import main
from jailsim.county.encodings import decode_text, sniff_encoding
from jailsim.county.exports import read_export

TEXT = ("booking_id,booked,released,officer\n"
        "1,2024-03-05 10:00,2024-03-06 10:00,José Núñez\n"
        "2,2024-03-07 11:30,,Zoë Ångström\n")
ENCODINGS = {  # codec -> the note the log gets (None: nothing to say)
    "utf-8": None, "utf-8-sig": None, "utf-16": "read as UTF-16", "utf-32": "read as UTF-32",
    "utf-16-le": "read as UTF-16 LE (without a byte-order mark)",
    "utf-16-be": "read as UTF-16 BE (without a byte-order mark)",
    "utf-32-le": "read as UTF-32 LE (without a byte-order mark)",
    "utf-32-be": "read as UTF-32 BE (without a byte-order mark)",
}


def one_line(path) -> str:
    with pytest.raises(ScenarioError) as exc:
        read_export(path)
    (line,) = exc.value.lines
    assert line.startswith(f"{path}: "), line
    return line


@pytest.mark.parametrize("codec", list(ENCODINGS))
def test_every_unicode_encoding_reads_the_same_bookings(tmp_path, codec):
    path = tmp_path / "bookings.csv"
    path.write_text(TEXT, encoding="utf-8")
    expected = read_export(path).bookings
    path.write_bytes(TEXT.encode(codec))
    if codec in ("utf-16", "utf-32"):  # both byte orders, with their marks
        other = "be" if TEXT.encode(codec)[0] == 0xFF else "le"
        big = tmp_path / "other_order.csv"
        mark = {"utf-16": {"be": b"\xfe\xff", "le": b"\xff\xfe"},
                "utf-32": {"be": b"\x00\x00\xfe\xff", "le": b"\xff\xfe\x00\x00"}}[codec][other]
        big.write_bytes(mark + TEXT.encode(f"{codec}-{other}"))
        pd.testing.assert_frame_equal(read_export(big).bookings, expected)
    ex = read_export(path)
    pd.testing.assert_frame_equal(ex.bookings, expected)
    notes = [n for n in ex.log.notes if n.startswith("read as")]
    assert notes == ([ENCODINGS[codec]] if ENCODINGS[codec] else [])
    assert not any("\x00" in str(v) for v in ex.bookings.to_numpy().ravel())


def test_latin1_without_a_mark_is_read_and_said(tmp_path):
    path = tmp_path / "bookings.csv"
    path.write_bytes(TEXT.encode("latin-1"))
    ex = read_export(path)
    assert len(ex.bookings) == 2 and "file is not UTF-8; read as Latin-1" in ex.log.notes


@pytest.mark.parametrize(("content", "message"), [
    # UTF-16 with a stray last byte: once read as Latin-1 with NULs, and calibrated
    (TEXT.encode("utf-16") + b"\n", "not readable as UTF-16, the encoding its first bytes "
     "state: line 4 (byte 232) is not UTF-16; save the file as UTF-8"),
    (b"\xef\xbb\xbf" + TEXT.encode("latin-1"), "not readable as UTF-8 (with a byte-order "
     "mark), the encoding its first bytes state: line 2"),
    # a NUL character past the first 64 KB
    (("booked\n" + "2024-03-05 10:00\n" * 5000 + "2024-03-06\x0010:00\n").encode(),
     "a NUL character on line 5002: not the text of an export"),
    (b"booked\n2024-03-05 10:00\n\x00\x00\x07\x00", "not a CSV (text) file (it holds NUL "
     "bytes: a binary file, not text)"),
])
def test_undecodable_text_and_nul_characters_are_refused(tmp_path, content, message):
    path = tmp_path / "bookings.csv"
    path.write_bytes(content)
    assert message in one_line(path)


def test_a_nul_in_a_parquet_cell_is_refused_with_its_column_and_line(tmp_path):
    path = tmp_path / "bookings.parquet"
    pd.DataFrame({"booked": ["2024-03-05 10:00", "2024-03-06\x0010:00"]}).to_parquet(path)
    assert "column 'booked': a NUL character (line 3)" in one_line(path)


def test_cli_calibrate_refuses_a_broken_utf16_export_in_one_line(tmp_path, capsys):
    path = tmp_path / "bookings.csv"
    path.write_bytes(TEXT.encode("utf-16") + b"\n")
    assert main(["calibrate", str(path), "--out", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not readable as UTF-16" in err[0], err
    assert not (tmp_path / "x.yaml").exists()


def test_sniffing_needs_the_nul_bytes_where_the_encoding_puts_them():
    assert sniff_encoding(b"\x00\x01\x02\x03" * 10) is None  # binary, not text
    assert sniff_encoding("abc".encode("utf-32-be")) == "utf-32-be"
    assert decode_text("Zoë".encode("utf-16")) == ("Zoë", "read as UTF-16")
