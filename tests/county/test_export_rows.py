"""Rows an export cannot mean as written are said by row: reused booking ids, odd hold flags.

A later row of a booking id with another booking or release time used to be merged as
"another charge" (its times folded into the booking's); any non-empty hold value, ``maybe``
included, used to count as an ICE hold.
"""

from __future__ import annotations

import pandas as pd
import pytest

from jailsim.county.columns import read_flag, unread_flags
from jailsim.county.exports import read_export

HEADER = "booking_no,booking_date,release_date,charge,ice_hold\n"
CONFLICT = "booking id repeated with another booking or release time (the id's first row kept)"
ODD_FLAG = "hold flag neither yes nor no: read as no hold"


def export(tmp_path, body: str):
    path = tmp_path / "bookings.csv"
    path.write_text(HEADER + body)
    ex = read_export(path)
    log = ex.log
    assert log.rows_read == len(ex.bookings) + log.total("dropped") + log.total("merged")
    return ex


def test_a_booking_id_with_other_times_is_dropped_by_row_not_merged(tmp_path):
    body = ("A1,03/05/2024 10:00,03/08/2024 10:00,M,\n"  # line 2: the booking
            "A1,03/05/2024 10:00,03/08/2024 10:00,F,\n"  # another charge: merged
            "A1,03/05/2024 10:05,03/08/2024 10:00,M,\n"  # another booking time
            "A1,03/05/2024 10:00,03/19/2024 12:00,M,\n"  # another release
            "A1,03/05/2024 10:00,,M,\n"  # still held, where line 2 was released
            "B2,03/06/2024 10:00,,M,\n"
            "B2,03/06/2024 10:00,03/07/2024 10:00,M,\n"  # released, where line 7 is held
            "C3,03/06/2024 11:00,03/07/2024,M,\n"  # a release date only
            "C3,03/06/2024 11:00,03/07/2024 09:00,M,\n")  # the same day, with a time
    ex = export(tmp_path, body)
    assert ex.log.dropped == {CONFLICT: 5}
    assert ex.log.merged == {"another charge of the same booking id": 1}
    assert ex.log.examples[("dropped", CONFLICT)] == [
        "line 4: 'A1: booked 2024-03-05 10:05:00, released 2024-03-08 10:00:00; its line 2: "
        "booked 2024-03-05 10:00:00, released 2024-03-08 10:00:00'",
        "line 5: 'A1: booked 2024-03-05 10:00:00, released 2024-03-19 12:00:00; its line 2: "
        "booked 2024-03-05 10:00:00, released 2024-03-08 10:00:00'",
        "line 6: 'A1: booked 2024-03-05 10:00:00, still held; its line 2: booked 2024-03-05 "
        "10:00:00, released 2024-03-08 10:00:00'"]
    a, b, c = (ex.bookings.set_index("id").loc[k] for k in ("A1", "B2", "C3"))
    assert a["charge"] == "felony"  # the merged charge
    assert (a["booked"], a["released"]) == (pd.Timestamp("2024-03-05 10:00"),
                                            pd.Timestamp("2024-03-08 10:00"))
    assert b["still_held"] and c["released_date_only"]  # each id's first row


YES = ["Y", "yes", "TRUE", "t", "1", "1.0", "x", "ICE", "ICE DETAINER", "ice hold", "DHS",
       "Immigration Hold", "I-247A", "i247", "287(g)", "287g", "detainer"]
NO = ["N", "no", "FALSE", "f", "0", "0.0", "", "  ", "none", "NULL", "n/a", "NA", "no hold",
      "No ICE detainer", "not held"]
ODD = ["maybe", "?", "pending", "unknown", "2", "icicle"]


def test_hold_flags_read_from_a_stated_set_of_words():
    values = pd.Series(YES + NO + ODD)
    assert read_flag(values).tolist() == [True] * len(YES) + [False] * (len(NO) + len(ODD))
    assert unread_flags(values).tolist() == [False] * (len(YES) + len(NO)) + [True] * len(ODD)


def test_an_unrecognised_hold_flag_is_no_hold_and_reported_by_row(tmp_path):
    body = "".join(f"{i},03/{i + 1:02d}/2024 10:00,03/{i + 2:02d}/2024 10:00,M,{flag}\n"
                   for i, flag in enumerate(["Y", "maybe", "", "ICE DETAINER", "?", "N"], 1))
    ex = export(tmp_path, body)
    assert ex.bookings["hold"].tolist() == [True, False, False, True, False, False]
    assert ex.log.repaired == {ODD_FLAG: 2}
    assert ex.log.examples[("repaired", ODD_FLAG)] == ["line 3: 'maybe'", "line 6: '?'"]


def test_the_log_prints_the_rows_it_dropped_and_read_as_no_hold(tmp_path):
    body = ("1,03/04/2024 10:00,03/05/2024 10:00,M,\n"
            "2,03/04/2024 11:00,03/05/2024 12:00,M,maybe\n"
            "1,03/04/2024 16:00,03/20/2024 10:00,M,\n")  # id 1 again, other times
    lines = export(tmp_path, body).log.lines()
    assert f"  dropped 1: {CONFLICT} (e.g. line 4: '1: booked 2024-03-04 16:00:00, released " \
           "2024-03-20 10:00:00; its line 2: booked 2024-03-04 10:00:00, released 2024-03-05 " \
           "10:00:00')" in lines
    assert f"  repaired 1: {ODD_FLAG} (e.g. line 3: 'maybe')" in lines


@pytest.mark.parametrize("flag", ["maybe", "pending"])
def test_a_flag_that_says_nothing_is_not_a_hold_in_the_merged_booking_either(tmp_path, flag):
    body = ("A1,03/05/2024 10:00,03/08/2024 10:00,M,\n"
            f"A1,03/05/2024 10:00,03/08/2024 10:00,F,{flag}\n")
    ex = export(tmp_path, body)
    assert not ex.bookings["hold"].any() and ex.log.repaired == {ODD_FLAG: 1}
