"""Explanations are generated from the records: their times are the record's times."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.cli.explain import add_parsers
from jailsim.engines import des, vector
from jailsim.experiments.replication import bookings_frame
from jailsim.model.codes import BAIL, ROR
from jailsim.model.codes import SENTENCE_TIME_SERVED as TIME_SERVED
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.results.explain import TIME_FORMAT, explain, explain_row, format_time

H = 1 / 24


def _day(year, month, day, hour, minute):
    """Engine time of a clock time, for a scenario starting Mon 6 Jan 2025."""
    delta = dt.datetime(year, month, day, hour, minute) - dt.datetime(2025, 1, 6)
    return delta.total_seconds() / 86400


def _population(people: list[dict]) -> Population:
    """A Population of hand-set draws (every duration fixed, every decision given)."""
    defaults = dict(
        source=0, charge=0, felony=True, foreign_born=False, citizen=False, removable=False,
        dhs_record=False, record_hit=False, remote_lodge=False, remote_delay=12 * H,
        jem_lodge=False, screening_time=45 / 1440, nta_time=0.0, jem_detainer_delay=0.0,
        pretrial=BAIL, ror_lost=False,
        release_processing=3 * H, u_post=0.9, post_delay=20 * H, time_to_disposition=41.0,
        sentence=TIME_SERVED, jail_days=0.0, prison_delay=0.0, u_refuse=0.99, u_pickup=0.0,
        pickup_delay=10 * H, service_time=0.0,
    )
    rows = [{**defaults, **p} for p in people]
    cols = {}
    for name, value in defaults.items():
        data = [r[name] for r in rows]
        if isinstance(value, bool):
            cols[name] = np.array(data, dtype=bool)
        elif isinstance(value, int):
            cols[name] = np.array(data, dtype=np.int8)
        elif name in ("u_post", "u_refuse", "u_pickup"):
            cols[name] = np.array(data, dtype=float)
        else:
            cols[name] = np.array(data, dtype=np.float32)
    cols["pickup_delay"] = cols["pickup_delay"][None, :]
    cols["jem_flagged"] = cols["foreign_born"].copy()  # the foreign-born answer truthfully
    cols["civil_only"] = np.zeros(len(rows), dtype=bool)
    cols["prior_conviction"] = np.zeros(len(rows), dtype=bool)
    cols["offense"] = np.zeros(len(rows), dtype=np.int8)
    booked = np.array([r["booked_at"] for r in rows])
    return Population(replication=0, booked_at=booked, **cols)


PEOPLE = [
    # A noncitizen screened on Monday after a Friday-night booking; bail not posted before the
    # detainer; time served after 41 days; ICE comes 10 h into the hold.
    dict(booked_at=_day(2025, 1, 10, 23, 10), foreign_born=True, removable=True,
         jem_lodge=True),
    # A naturalized citizen whom the JEM officer takes for removable: the detainer turns release
    # on recognizance into bail, lowers posting; ICE never comes: the hold lapses at 48 h.
    dict(booked_at=_day(2025, 1, 14, 10, 0), charge=1, felony=False, foreign_born=True,
         citizen=True, jem_lodge=True, screening_time=30 / 1440, pretrial=ROR, ror_lost=True,
         u_post=0.5, post_delay=1.0, time_to_disposition=10.0, u_pickup=0.99),
    # Born in the U.S., released on recognizance the next morning.
    dict(booked_at=_day(2025, 1, 15, 20, 30), charge=1, felony=False, pretrial=ROR),
]


@pytest.fixture(scope="module")
def constructed():
    # A county where a detainer also lowers misdemeanor release (the worked cases are
    # misdemeanors): x0.25 on release on recognizance, x0.08 on posting bail.
    sc = jailsim.load("scenarios/jem.yaml").with_({
        "horizon": "60d", "warmup": "0d", "warm_start": {"kind": "none"},
        "charges.misdemeanor.pretrial.detainer_ror_factor": 0.25,
        "charges.misdemeanor.pretrial.detainer_factor": 0.08,
    })
    ctx = Context.build(sc)
    pop = _population(PEOPLE)
    tl = vector.run(ctx, pop)
    frame = bookings_frame(ctx, pop, tl)
    return ctx, pop, frame, [explain_row(ctx, row) for _, row in frame.iterrows()]


def test_engines_agree_on_the_constructed_bookings(constructed):
    ctx, pop, frame, _ = constructed
    a, b = des.run(ctx, pop), vector.run(ctx, pop)
    np.testing.assert_allclose(a.exit_at, b.exit_at, atol=1e-9)


def test_every_time_in_an_explanation_is_the_record_time(constructed):
    ctx, _, frame, explanations = constructed
    for (_, row), ex in zip(frame.iterrows(), explanations, strict=True):
        assert len(ex.events) >= 3
        for event in ex.events:
            assert event.at == row[event.column]
        # and the text shows them: parse each line's time back
        for line, event in zip(str(ex).splitlines()[1:], ex.events, strict=False):
            shown = dt.datetime.strptime(line.strip()[:21], TIME_FORMAT)
            stamp = pd.Timestamp(ctx.clock.to_datetime64(np.array([event.at]))[0])
            assert shown == stamp.round("min").to_pydatetime()


def test_the_explanations_read_as_worked_by_hand(constructed):
    _, _, frame, (a, b, c) = constructed
    a, b, c = str(a), str(b), str(c)
    assert "Fri 10 Jan 2025 23:10  Booked." in a
    assert "Sat 11 Jan 2025 09:00  Initial appearance: bail set." in a
    assert "Sun 12 Jan 2025 05:00  Did not post bail (chance of posting 0.61)." in a
    assert "Mon 13 Jan 2025 08:00  Interview with a JEM officer began after waiting 2.3 days" in a
    assert "Mon 13 Jan 2025 08:45  Interview over (45 min); the officer prepared a Notice to " \
           "Appear and an ICE warrant." in a
    # no paperwork time drawn here: the detainer takes effect as the interview ends
    assert "Mon 13 Jan 2025 08:45  The JEM detainer took effect (warrant signed and served), " \
           "0 min after the interview." in a
    assert "Fri 21 Feb 2025 02:10  Held for ICE on the detainer: cap 48 h in calendar hours" in a
    assert "until Sun 23 Feb 2025 02:10 at the latest" in a
    assert "Fri 21 Feb 2025 12:10  Transferred to ICE after 10.0 h held past release." in a
    assert "Because of the detainer: 10.0 h more in jail (0 min before release" in a

    assert "a naturalized U.S. citizen" in b
    assert "the officer took them for removable" in b
    assert "Tue 14 Jan 2025 14:00  Initial appearance: bail set (a detainer lowers release on " \
           "recognizance from 0.45 to 0.113)." in b
    assert "Wed 15 Jan 2025 14:00  Did not post bail (a detainer lowers posting from 0.75 to " \
           "0.06)." in b
    assert "Sun 26 Jan 2025 13:00  Released: the detainer lapsed at the cap after 48.0 h" in b
    # without the detainer: released on recognizance at 17:00 on the day of booking
    assert "give a stay of 7.0 h" in b

    assert "born in the U.S." in c
    assert "Thu 16 Jan 2025 09:00  Initial appearance: released on recognizance (chance 0.45)" in c
    assert "Thu 16 Jan 2025 12:00  Released." in c
    assert "detainer" not in c


def test_explain_a_simulated_run_and_its_folder(tmp_path, capsys):
    res = jailsim.simulate("scenarios/jem_wso.yaml", seed=5, days=120, warmup_days=20,
                           engine="vector")
    b = res.bookings
    held = b[b.hold_start_at.notna()].booking_id.iloc[0]
    ex = explain(res, int(held))
    row = b[b.booking_id == held].iloc[0]
    assert format_time(ex.clock, row.hold_start_at) in str(ex)
    assert {e.column for e in ex.events} >= {"booked_at", "hold_start_at", "exit_at"}
    with pytest.raises(ValueError, match="not in replication 0"):
        explain(res, 10**9)

    res.save(tmp_path / "run")
    import argparse

    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["explain", str(tmp_path / "run"), str(held)])
    assert args.func(args) == 0
    assert str(ex) in capsys.readouterr().out
    args = parser.parse_args(["explain", str(tmp_path / "nothing"), "1"])
    assert args.func(args) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("at_release, said", [
    ("finish", "past release with no detainer in force"),
    ("release", "Interview cut short"),
])
def test_a_release_during_an_interview_is_told(at_release, said):
    from tests.engines.test_release_during_interview import _scenario

    res = jailsim.simulate(_scenario(at_release).with_({"horizon": "90d"}), seed=4,
                           engine="vector")
    b = res.bookings
    release, end = b["release_eligible_at"], b["screen_end_at"]
    if at_release == "finish":
        rows = b[(b["detainer_at"] > release) & b["hold_start_at"].notna()]
    else:
        rows = b[end == release]
    assert len(rows) > 3
    for booking in rows["booking_id"].iloc[:3]:
        assert said in str(explain(res, int(booking)))
    if at_release == "release":
        leads = b[b["lead_at"].notna()]
        assert len(leads) > 0
        assert "a lead for ICE" in str(explain(res, int(leads["booking_id"].iloc[0])))
