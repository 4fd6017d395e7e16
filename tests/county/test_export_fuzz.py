"""Fuzzing the export reader: any CSV-ish file reads as an export, or fails in file-named lines.

Each example writes a file of random columns (the roles' usual names, odd names, repeated
names), random rows (timestamps in the formats, zones and offsets exports use, dates alone,
blanks, text, numbers, yes/no words, repeated booking ids, repeated rows), with a random
delimiter and encoding, sometimes damaged (a stray byte, a NUL, cut short, bytes at random).
The reader must return an :class:`~jailsim.county.exports.Export` or raise a
:class:`~jailsim.base.errors.ScenarioError` of single lines naming the file; nothing else may
escape. A few examples, closer to a real export, go through ``jailsim calibrate`` in this
process: exit 0 or 2, never a traceback.
"""

from __future__ import annotations

import csv
import io
import warnings

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jailsim.base.errors import ScenarioError
from jailsim.cli.main import main
from jailsim.county.exports import Export, read_export

NAMES = ["booking_id", "booked", "released", "charge", "release_reason", "ice_hold",
         "hold_start", "hold_end", "Book Date", "RELEASE_DATE", "booking number", "id"]
FORMATS = ["%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%y %H:%M",
           "%d-%b-%Y %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y", "%Y-%m-%d",
           "%d/%m/%Y %H:%M", "%H:%M:%S"]
ZONES = ["", " EST", " est", " EDT", " CST", " UTC", "Z", "-05:00", "+09:30", " XYZ"]
WORDS = ["Y", "N", "yes", "no", "maybe", "ICE", "ICE TRANSFER", "F", "M1", "felony", "misd",
         "RELEASED", "BOND", "prison", "", " ", "NULL", "N/A", "?", "Total records: 12",
         "=1+1", "\u00e9t\u00e9", "00:00:00 est"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-le", "utf-16-be", "latin-1",
             "cp1252"]
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@st.composite
def timestamps(draw) -> str:
    when = pd.Timestamp("2020-01-01") + pd.Timedelta(
        minutes=draw(st.integers(0, 11 * 365 * 1440)))
    text = when.strftime(draw(st.sampled_from(FORMATS)))
    return text + draw(st.sampled_from(ZONES)) if draw(st.booleans()) else text


def cells(role: str):
    timed = role in ("booked", "released", "hold_start", "hold_end", "Book Date",
                     "RELEASE_DATE", "booking_date")
    usual = timestamps() if timed else st.sampled_from(WORDS)
    if role in ("booking_id", "id", "booking number"):
        usual = st.integers(0, 8).map(str)
    return st.one_of(usual, usual, usual, st.just(""), st.sampled_from(WORDS),
                     st.text(max_size=12), st.integers(-10**6, 10**6).map(str),
                     st.floats(allow_nan=True).map(str))


@st.composite
def exports(draw, rows=(0, 25)) -> tuple[list[str], list[list[str]]]:
    """A header and rows of text (some ragged, some repeated)."""
    header = draw(st.lists(st.one_of(st.sampled_from(NAMES), st.sampled_from(NAMES),
                                     st.text(max_size=8)), min_size=1, max_size=7))
    if draw(st.integers(0, 4)):  # mostly with a booking time column somewhere
        header.insert(draw(st.integers(0, len(header))),
                      draw(st.sampled_from(["booked", "Book Date", "booking_date"])))
    body = [[draw(cells(c)) for c in header]
            for _ in range(draw(st.integers(*rows)))]
    for _ in range(draw(st.integers(0, 3))):  # repeated rows, cut rows, long rows
        if body:
            row = list(body[draw(st.integers(0, len(body) - 1))])
            kind = draw(st.sampled_from(["same", "cut", "long"]))
            body.append(row if kind == "same" else row[:-1] if kind == "cut" else row + ["x"])
    return header, body


@st.composite
def files(draw, rows=(0, 25), damage=True) -> bytes:
    """The bytes of a CSV-ish file: delimited, quoted or not, encoded, maybe damaged."""
    if damage and draw(st.integers(0, 19)) == 0:
        return draw(st.binary(max_size=300))
    header, body = draw(exports(rows))
    sep = draw(st.sampled_from([",", "\t", ";"]))
    if draw(st.booleans()):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=sep, lineterminator=draw(st.sampled_from(
            ["\n", "\r\n"])))
        writer.writerows([header, *body])
        text = out.getvalue()
    else:  # as a careless export joins its fields, unquoted
        text = "".join(sep.join(map(str, row)) + "\n" for row in [header, *body])
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if damage:
        kind = draw(st.sampled_from(["none", "none", "none", "byte", "nul", "cut"]))
        at = draw(st.integers(0, len(data)))
        if kind == "byte":
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at:]
        elif kind == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif kind == "cut":
            data = data[:at]
    return data


def check_refusal(exc: ScenarioError, path) -> None:
    assert exc.lines
    for line in exc.lines:
        assert isinstance(line, str) and len(line.splitlines()) == 1, line
        assert str(path) in line, line
        assert "Traceback" not in line


@settings(max_examples=60, **SETTINGS)
@given(data=files(), suffix=st.sampled_from([".csv", ".tsv"]),
       timezone=st.sampled_from([None, "America/New_York"]),
       as_of=st.sampled_from([None, "2024-06-01 00:00"]))
def test_random_files_read_or_fail_in_one_line(data, suffix, timezone, as_of, tmp_path):
    path = tmp_path / f"bookings{suffix}"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a warning is not a failure; an exception is
        try:
            export = read_export(path, timezone=timezone, as_of=as_of)
        except ScenarioError as exc:
            check_refusal(exc, path)
            return
    assert isinstance(export, Export) and len(export.bookings) > 0
    assert not any("\x00" in str(v) for v in export.bookings.to_numpy().ravel())


@st.composite
def near_real(draw) -> bytes:
    """A larger export, mostly well formed: the roles' columns, times a few hours apart."""
    n = draw(st.integers(40, 80))
    start = pd.Timestamp("2024-03-04") + pd.Timedelta(days=draw(st.integers(0, 3000)))
    step = draw(st.sampled_from([2, 7, 30, 400]))  # hours between bookings
    fmt = draw(st.sampled_from(FORMATS[:-1]))
    rows = []
    for i in range(n):
        booked = start + pd.Timedelta(hours=i * step + draw(st.integers(0, step)))
        stay = pd.Timedelta(minutes=draw(st.integers(0, 60 * 24 * 20)))
        released = "" if draw(st.integers(0, 4)) == 0 else (booked + stay).strftime(fmt)
        again = draw(st.integers(0, 9)) == 9  # now and then an id used before
        rows.append([str(draw(st.integers(0, i)) if again else i), booked.strftime(fmt), released,
                     draw(st.sampled_from(["F", "M", "", "X9"])),
                     draw(st.sampled_from(["BOND", "ICE TRANSFER", ""])),
                     draw(st.sampled_from(["Y", "", "", "", "maybe"]))])
    header, mess = draw(exports((0, 4)))  # a few rows of anything at the end
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [["booking_id", "booked", "released", "charge", "release_reason", "ice_hold"], *rows,
         *[row[:6] for row in mess]])
    return out.getvalue().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


@settings(max_examples=6, **SETTINGS)
@given(data=st.one_of(near_real(), files(rows=(20, 40))))
def test_jailsim_calibrate_exits_0_or_2_never_a_traceback(data, tmp_path, capsys):
    path, out = tmp_path / "bookings.csv", tmp_path / "fitted.yaml"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["calibrate", str(path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:  # each line names the export, or the scenario it would not write
        lines = err.strip().splitlines()
        assert lines and all(str(path) in line or str(out) in line for line in lines), err
    else:
        assert "\x00" not in out.read_text(encoding="utf-8")
