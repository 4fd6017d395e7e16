"""Roster warm start: the people of a roster snapshot, each stay sampled given time served."""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.cli.main import main
from jailsim.engines import des, vector
from jailsim.engines.roster import RosterWarning
from jailsim.experiments.replication import run_replication, sample_population
from jailsim.model.context import Context
from jailsim.scenario.loading import dump_resolved
from tests.conftest import infinite_server
from tests.engines.conftest import assert_same_timeline
from tests.experiments.folders import folder_bytes

START = dt.datetime(2025, 1, 6)  # start_date of base_county.yaml


def _people(served_days, **extra) -> list[dict]:
    """Inline roster rows booked ``served_days`` before the start."""
    return [{"booked": (START - dt.timedelta(days=float(a))).isoformat(), **extra}
            for a in served_days]


def snapshot(bookings: pd.DataFrame) -> list[dict]:
    """The people in custody at day 0 of a run, as roster rows (what a jail's roster says)."""
    held = bookings[bookings.booked_at < 0]
    return [
        {
            "booked": (START + dt.timedelta(days=float(r.booked_at))).isoformat(),
            "charge": str(r.charge),
            "foreign_born": bool(r.foreign_born),
            "citizen": bool(r.citizen or not r.foreign_born),  # a U.S. citizen
            "detainer": bool(r.detainer_at <= 0),
        }
        for r in held.itertuples()
    ]


# ------------------------------------------------------------------ 1. against theory


def _residuals(sc, seed=11):
    b = jailsim.simulate(sc, seed=seed, engine="vector").bookings
    held = b[b.booked_at < 0]
    return -held.booked_at.to_numpy(), held.exit_at.to_numpy()


def test_remaining_stay_follows_the_conditional_law():
    """M/G/inf with gamma stays S: after time served a, the remaining stay is S - a | S > a."""
    served = np.repeat([0.5, 3.0, 8.0, 12.0], 250)
    sc = infinite_server(horizon="80d", warmup="0d").with_(
        warm_start={"kind": "roster", "people": _people(served)}
    )
    k, theta = sc.charges["felony"].disposition.time_to_disposition.shape_scale
    law = stats.gamma(k, scale=theta)
    a, rest = _residuals(sc)
    assert len(a) == len(served)  # everyone on the roster is in custody at day 0
    assert np.isfinite(rest).all() and (rest > 0).all()
    for value in np.unique(served):
        r = rest[np.isclose(a, value)]

        def cdf(x, value=value):
            return 1.0 - law.sf(value + x) / law.sf(value)

        assert stats.kstest(r, cdf).pvalue > 1e-3, value
        # the same test tells the unconditional law apart (except for a short time served)
        if value >= 3.0:
            assert stats.kstest(r, law.cdf).pvalue < 1e-6, value
    # mean residual life against theory, tolerance from its standard error
    r = rest[np.isclose(a, 8.0)]
    x = np.linspace(8.0, 8.0 + 200.0, 200_001)
    mrl = np.trapezoid(law.sf(x), x) / law.sf(8.0)
    assert abs(r.mean() - mrl) < 4 * r.std(ddof=1) / math.sqrt(len(r)), (r.mean(), mrl)


def test_fallback_for_a_time_served_the_model_hardly_produces_is_counted():
    """P(S > 45d) is about 1e-9: rejection fails, the tail fallback (exact here) is counted."""
    served = np.full(200, 45.0)
    sc = infinite_server(horizon="80d", warmup="0d").with_(
        warm_start={"kind": "roster", "people": _people(served)}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a, rest = _residuals(sc)
    lines = [str(w.message) for w in caught if issubclass(w.category, RosterWarning)]
    assert len(lines) == 1 and "200 of 200 people had no model path" in lines[0], lines
    assert "200 were sampled given a time to disposition longer" in lines[0]
    k, theta = sc.charges["felony"].disposition.time_to_disposition.shape_scale
    law = stats.gamma(k, scale=theta)
    assert len(rest) == 200 and (rest > 0).all()
    assert stats.kstest(rest, lambda x: 1.0 - law.sf(45.0 + x) / law.sf(45.0)).pvalue > 1e-3


# ------------------------------------------------------------------ 2. against steady state


def test_roster_of_a_steady_state_snapshot_continues_like_the_steady_state_run():
    """Same replication, same new bookings: only the day-0 people's remaining stays differ,
    and both are draws of the same conditional law, so the census differences average 0."""
    sc = jailsim.load("scenarios/base_county.yaml").with_(horizon="60d", warmup="0d")
    ctx = Context.build(sc)
    seed, reps, days = 21, 8, (0, 7, 30, 59)
    diffs, fresh = [], []
    for rep in range(reps):
        b, census, _ = run_replication(ctx, seed, rep, "vector")
        people = snapshot(b)
        c = census.census.to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RosterWarning)
            rb, rcensus, _ = run_replication(
                Context.build(sc.with_(warm_start={"kind": "roster", "people": people})),
                seed, rep, "vector")
            if rep < 2:  # the same people as if booked an hour ago: time served ignored
                hour = (START - dt.timedelta(hours=1)).isoformat()
                wrong = [{**p, "booked": hour} for p in people]
                _, wcensus, _ = run_replication(
                    Context.build(sc.with_(warm_start={"kind": "roster", "people": wrong})),
                    seed, rep, "vector")
                fresh.append(wcensus.census.to_numpy()[30] - c[30])
        assert (rb.booked_at < 0).sum() == (b.booked_at < 0).sum() == len(people)
        diffs.append([rcensus.census.to_numpy()[d] - c[d] for d in days])
    diffs = np.array(diffs, dtype=float)
    mean, se = diffs.mean(axis=0), diffs.std(axis=0, ddof=1) / math.sqrt(reps)
    for d, m, s in zip(days, mean, se, strict=True):
        assert abs(m) <= 4 * max(s, 0.5), (d, m, s)
    # The statistic can fail: ignoring the time served (fresh stays for the same people)
    # moves the day-30 census by far more than 4 SE.
    assert all(abs(f) > 10 * max(se[2], 0.5) for f in fresh), (fresh, se[2])


# ------------------------------------------------------------------ 3. engines and bytes


def _jem_wso_roster(tmp_path):
    """A JEM + WSO scenario (people compete for officers) with a roster file."""
    sc = jailsim.load("scenarios/jem_wso.yaml").with_(horizon="40d", warmup="0d")
    b = jailsim.simulate(sc, seed=4, engine="vector").bookings
    rows = pd.DataFrame(snapshot(b))
    rows.insert(0, "Booking No", np.arange(len(rows)))
    rows = rows.rename(columns={"booked": "Booking Date", "detainer": "ICE Hold"})
    rows["Booking Date"] = pd.to_datetime(rows["Booking Date"]).dt.strftime("%m/%d/%Y %H:%M")
    rows["ICE Hold"] = np.where(rows["ICE Hold"], "Y", "")
    folder = tmp_path / "county"
    folder.mkdir()
    rows.to_csv(folder / "roster.csv", index=False)
    path = folder / "scenario.yaml"
    path.write_text("extends: jailsim:jem_wso.yaml\n"
                    "horizon: 40d\nwarmup: 0d\nwarm_start: roster.csv\n")
    return path, len(rows)


def test_engines_agree_with_a_roster(tmp_path):
    path, n = _jem_wso_roster(tmp_path)
    sc = jailsim.load(path)
    assert len(sc.warm_start.people) == n
    ctx = Context.build(sc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RosterWarning)
        for rep in range(2):
            pop = sample_population(ctx, seed=3, replication=rep)
            assert (pop.booked_at < 0).sum() == n
            tl = vector.run(ctx, pop)
            assert_same_timeline(des.run(ctx, pop), tl)
            early = pop.booked_at < 0
            assert (tl.exit_at[early] > 0).all()


def test_same_seed_same_bytes_and_the_resolved_scenario_reproduces(tmp_path, monkeypatch):
    path, n = _jem_wso_roster(tmp_path)
    monkeypatch.chdir(tmp_path)  # the roster path is relative to the scenario file, not here
    args = ["--seed", "8", "-r", "2", "--engine", "vector", "--quiet"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RosterWarning)
        assert main(["run", str(path), "--out", "a", *args]) == 0
        assert main(["run", str(path), "--out", "b", *args]) == 0
        assert main(["run", str(path), "--out", "w", "--workers", "2", *args]) == 0
        (path.parent / "roster.csv").unlink()  # the resolved scenario carries the roster
        assert main(["run", "a/scenario.resolved.yaml", "--out", "c", *args]) == 0
        assert main(["run", "a/scenario.resolved.yaml", "--out", "d", "--engine", "des",
                     "--seed", "8", "-r", "2", "--quiet"]) == 0
    first = folder_bytes(tmp_path / "a", ["bookings.parquet"])
    for other in ("b", "w", "c"):
        assert folder_bytes(tmp_path / other, ["bookings.parquet"]) == first, other
    a = pd.read_parquet(tmp_path / "a" / "bookings.parquet")
    d = pd.read_parquet(tmp_path / "d" / "bookings.parquet")
    assert (a.booked_at < 0).groupby(a.replication).sum().tolist() == [n, n]
    pd.testing.assert_frame_equal(a.drop(columns=a.select_dtypes("float").columns),
                                  d.drop(columns=d.select_dtypes("float").columns))
    floats = a.select_dtypes("float").columns
    np.testing.assert_allclose(a[floats].to_numpy(), d[floats].to_numpy(), rtol=0, atol=1e-9)


# ------------------------------------------------------------------ 4. scenario and file errors


@pytest.fixture
def county(tmp_path):
    """Write ``roster.csv`` and a scenario using it; return what ``validate``/``run`` print."""

    def write(csv_text: str | None, warm_start: str = "roster.csv"):
        if csv_text is not None:
            (tmp_path / "roster.csv").write_text(csv_text, encoding="utf-8")
        path = tmp_path / "sc.yaml"
        path.write_text(f"extends: jailsim:base_county.yaml\nhorizon: 30d\n"
                        f"warm_start: {warm_start}\n")
        return path

    return write


BAD = {
    "missing column": ("id,when\n1,2024-12-01\n", "no booking time column (columns: id, when)"),
    "unreadable time": ("booked\n2024-12-01 08:00\nsoon\n",
                        "column 'booked': 1 row without a readable booking time (line 3: 'soon')"),
    "booked after start": ("booked\n2024-12-01 08:00\n01/07/2025 10:00\n",
                           "column 'booked': 1 row booked at or after start_date 2025-01-06 "
                           "(line 3: '01/07/2025 10:00')"),
    "empty file": ("", "roster.csv: empty file"),
    "header only": ("booked\n", "no people in the roster"),
    "unknown charge": ("booked,charge\n2024-12-01,traffic\n",
                       "column 'charge': 1 row with an unknown charge (line 2: 'traffic'); "
                       "allowed: felony, misdemeanor"),
    "no file": (None, "roster.csv: file not found"),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_roster_is_a_one_line_error(county, capsys, case, command):
    text, message = BAD[case]
    path = county(text)
    args = [command, str(path)] + (["--days", "5", "--quiet"] if command == "run" else [])
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"{path}: warm_start: ") and message in err[0], err[0]
    assert "Traceback" not in err[0]


def test_roster_and_steady_state_history_exclude_each_other(county, capsys):
    county("booked\n2024-12-01\n")
    for ws, message in [
        ("{kind: roster, roster: roster.csv, history: 2y}",
         "history applies to kind 'steady_state' only"),
        ("{kind: steady_state, roster: roster.csv}", "roster: given with kind 'steady_state'"),
        ("{kind: roster}", "kind 'roster' needs 'roster: FILE.csv'"),
        ("{roster: roster.csv}", "roster: given with kind 'steady_state'"),  # kind inherited
    ]:
        path = county(None, ws)
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err


def test_long_form_replaces_the_parents_steady_state(county):
    county("booked\n2024-12-01\n")
    sc = jailsim.load(county(None, "{kind: roster, roster: roster.csv}"))
    assert sc.warm_start.kind == "roster" and "history" not in sc.to_dict()["warm_start"]
    assert len(sc.warm_start.people) == 1


def test_messy_roster_is_read_with_every_repair_counted(county):
    path = county(
        "Booking Number,Book Date,Charge Level,Foreign Born,ICE Detainer,Detainer Placed\n"
        "7,12/30/2024 2:05 PM EST,F,Y,Y,12/31/2024 09:00\n"
        "7,12/30/2024 2:05 PM EST,M,Y,,\n"  # a second charge of booking 7
        "8,2024-11-01T08:00:00-05:00,misd,,N,\n"
        "8,2024-11-01T08:00:00-05:00,misd,,N,\n"  # exact duplicate
        "9,2025-01-05,M,N,,\n"
    )
    with pytest.warns(RosterWarning) as caught:
        sc = jailsim.load(path)
    text = str(caught[0].message)
    assert "duplicate row" in text and "line 5" in text
    assert "another row of the same id" in text and "line 3" in text
    people = {p.id: p for p in sc.warm_start.people}
    assert set(people) == {"7", "8", "9"}
    assert people["7"].charge == "felony" and people["7"].detainer is True
    assert people["7"].detainer_at == dt.datetime(2024, 12, 31, 9)
    # the jail's zone comes from the EST label (America/New_York); 08:00-05:00 on 1 November
    # 2024 is 09:00 on the jail's wall clock (daylight time until 3 November)
    assert people["8"].booked == dt.datetime(2024, 11, 1, 9)
    assert people["8"].foreign_born is None and people["8"].detainer is False
    assert people["9"].booked == dt.datetime(2025, 1, 5) and people["9"].detainer is False
    # the short form, the long form and the resolved form are the same scenario
    again = jailsim.scenario.validate(sc.to_dict(), source="<dict>")
    assert again == sc
    with pytest.raises(ScenarioError):
        sc.with_(warm_start={"kind": "steady_state", "roster": "x.csv"})


def test_columns_and_time_zone_are_given_in_the_scenario(county, capsys):
    county("BK_DT,HOLD\n2024-12-30T14:05:00-06:00,1\n2024-12-31T02:00:00Z,0\n")
    path = county(None, "{kind: roster, roster: roster.csv, columns: {booked: BK_DT}}")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "give the jail's time zone with warm_start.timezone" in err[0]
    sc = jailsim.load(county(None, "{kind: roster, roster: roster.csv, columns: {booked: BK_DT},"
                                   " timezone: America/Chicago}"))
    assert [p.booked for p in sc.warm_start.people] == [
        dt.datetime(2024, 12, 30, 14, 5), dt.datetime(2024, 12, 30, 20, 0)]
    assert [p.detainer for p in sc.warm_start.people] == [True, False]
    path = county(None, "{kind: roster, roster: roster.csv, columns: {booking: BK_DT}}")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown role 'booking' (allowed: id, booked," in err[0], err


def test_inline_people_are_checked_like_a_file():
    sc = infinite_server(horizon="10d", warmup="0d")
    with pytest.raises(ScenarioError) as exc:
        sc.with_(warm_start={"kind": "roster", "people": []})
    assert exc.value.lines == ["<with_>: warm_start: people: empty; a roster lists at least "
                               "one person"]
    with pytest.raises(ScenarioError) as exc:
        sc.with_(warm_start={"kind": "roster", "people": [
            {"booked": "2025-01-06T00:00:00"},
            {"booked": "2024-12-01T00:00:00", "charge": "traffic"},
            {"booked": "2024-12-01T00:00:00", "foreign_born": False, "citizen": False}]})
    (line,) = exc.value.lines
    assert "people[0].booked: 2025-01-06 00:00:00 is not before start_date 2025-01-06" in line
    assert "people[1].charge: 'traffic' (allowed: felony, misdemeanor)" in line
    assert "people[2]: born in the U.S. (foreign_born false) but not a citizen" in line


# ------------------------------------------------------------------ 5. review findings


def test_equal_rows_without_an_id_are_different_people(county):
    # date-only booking times: three people booked the same day with the same charge
    sc = jailsim.load(county("booked,charge\n2024-12-30,F\n2024-12-30,F\n2024-12-30,F\n"
                             "2024-12-01,M\n"))
    assert len(sc.warm_start.people) == 4


def test_flags_are_yes_no_or_not_known(county, capsys):
    sc = jailsim.load(county("booked,foreign born,citizen\n2024-12-30,unknown,N/A\n"
                             "2024-12-29,yes,no\n"))
    assert [(p.foreign_born, p.citizen) for p in sc.warm_start.people] == [
        (None, None), (True, False)]
    path = county("booked,foreign born\n2024-12-30,Mexico\n")
    assert main(["validate", str(path)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "column 'foreign born': 1 row that is not yes or no (line 2: 'Mexico')" in line
    assert "allowed: y, yes" in line


def test_name_and_naturalized_columns_are_not_guessed(county):
    sc = jailsim.load(county("name,naturalized,booked\nJOHN SMITH,no,2024-12-30 10:00\n"
                             "JOHN SMITH,no,2024-11-02 10:00\n"))
    assert [(p.id, p.citizen) for p in sc.warm_start.people] == [(None, None), (None, None)]


def test_inline_times_with_an_offset_are_refused():
    sc = infinite_server(horizon="10d", warmup="0d")
    with pytest.raises(ScenarioError) as exc:
        sc.with_(warm_start={"kind": "roster", "people": [{"booked": "2024-12-30T14:05-06:00"}]})
    (line,) = exc.value.lines
    assert "without a UTC offset" in line


def test_a_new_roster_file_replaces_the_people_read_before(county, tmp_path):
    sc = jailsim.load(county("booked\n2024-12-30\n2024-12-29\n2024-12-28\n"))
    assert len(sc.warm_start.people) == 3
    (tmp_path / "one.csv").write_text("booked\n2024-12-01\n")
    # through with_ ...
    assert len(sc.with_({"warm_start.roster": str(tmp_path / "one.csv")}).warm_start.people) == 1
    # ... and through extends of a resolved scenario (which holds roster and people)
    dump_resolved(sc, tmp_path / "resolved.yaml", seed=1, version=jailsim.__version__)
    (tmp_path / "child.yaml").write_text(
        "extends: resolved.yaml\nwarm_start: {kind: roster, roster: one.csv}\n")
    assert len(jailsim.load(tmp_path / "child.yaml").warm_start.people) == 1


def test_a_child_changes_one_key_of_a_short_form_warm_start(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "extends: jailsim:base_county.yaml\nwarm_start: steady_state\n")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nwarm_start: {history: 1y}\n")
    ws = jailsim.load(tmp_path / "child.yaml").warm_start
    assert (ws.kind, ws.history) == ("steady_state", 365.25)
    # the short form alone keeps the base county's 4-year history
    assert jailsim.load(tmp_path / "parent.yaml").warm_start.history == 4 * 365.25


# ------------------------------------------------------------------ 6. file formats


def test_roster_read_from_a_workbook_parquet_or_semicolons(tmp_path):
    """The same people from a CSV, a semicolon CSV, a workbook and a Parquet file."""
    typed = pd.DataFrame({
        "Booking Number": [7, 8, 9],
        "Book Date": pd.to_datetime(["2024-12-30 14:05", "2024-11-01 08:00", "2025-01-05 00:00"]),
        "Charge Level": ["F", "misd", "M"],
        "ICE Detainer": [True, False, False],
        "Detainer Placed": pd.to_datetime(["2024-12-31 09:00", None, None]),
    })
    text = typed.astype(str)
    for c in ("Book Date", "Detainer Placed"):
        text[c] = typed[c].dt.strftime("%Y-%m-%d %H:%M").fillna("")
    text.to_csv(tmp_path / "roster.csv", index=False)
    text.to_csv(tmp_path / "semicolons.csv", sep=";", index=False)
    typed.to_excel(tmp_path / "roster.xlsx", index=False)
    typed.to_parquet(tmp_path / "roster.parquet", index=False)
    people = {}
    for name in ("roster.csv", "semicolons.csv", "roster.xlsx", "roster.parquet"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"extends: jailsim:base_county.yaml\nhorizon: 30d\nwarm_start: {name}\n")
        people[name] = jailsim.load(path).warm_start.people
    assert [p.id for p in people["roster.csv"]] == ["7", "8", "9"]
    assert people["roster.csv"][0].detainer_at == dt.datetime(2024, 12, 31, 9)
    for name, found in people.items():
        assert found == people["roster.csv"], name


def test_roster_of_another_format_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "roster.txt").write_text("booked\n2024-12-01\n")
    path = tmp_path / "sc.yaml"
    path.write_text("extends: jailsim:base_county.yaml\nhorizon: 30d\nwarm_start: roster.txt\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    assert "roster.txt: files ending '.txt' are not read; the formats read are CSV" in err[0]
    assert "Excel (.xlsx, .xlsm" in err[0] and "Parquet (.parquet)" in err[0]
