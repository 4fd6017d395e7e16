"""Charge groups from any names or codes, a charge map, and a charge mix that replaces the base's.

A 0/1 flag column used to give groups '0' and '1' whose shares were merged into the base
county's felony/misdemeanor mix (summing to 2) and a scenario that did not load.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.calibration.calibrate import calibrate
from jailsim.cli.calibrate import COMMANDS, add_parsers
from jailsim.county.columns import map_charges, parse_charge_map
from jailsim.scenario.loading import deep_merge

T0 = pd.Timestamp("2024-03-04")


def flag_export(n: int = 1500, days: float = 120.0, seed: int = 4, codes=("0", "1"),
                p=(0.7, 0.3)) -> pd.DataFrame:
    """Bookings with a charge column of codes, lognormal stays (median 2 days)."""
    rng = np.random.default_rng(seed)
    booked = rng.uniform(0, days, n)
    stay = rng.lognormal(np.log(2.0), 1.0, n)
    out = pd.Series(T0 + pd.to_timedelta(booked + stay, unit="D")).where(booked + stay < days)
    return pd.DataFrame({
        "Book Date": (T0 + pd.to_timedelta(booked, unit="D")).strftime("%m/%d/%Y %H:%M"),
        "Release Date": out.dt.strftime("%m/%d/%Y %H:%M").fillna(""),
        "Misdemeanor Flag": rng.choice(list(codes), n, p=list(p)),
    })


def fit(frame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return calibrate(frame, as_of=T0 + pd.Timedelta(days=120), families=["lognormal"],
                         columns={"charge": "Misdemeanor Flag"}, **kw)


def test_a_flag_column_gives_a_loadable_scenario_whose_mix_replaces_the_base(tmp_path):
    frame = flag_export()
    cal = fit(frame)
    shares = frame["Misdemeanor Flag"].value_counts(normalize=True)
    path = cal.write(tmp_path / "flags.yaml")
    sc = jailsim.load(path)
    mix = sc.arrivals.bookings.charge_mix
    assert set(mix) == {"0", "1"}  # the base's felony and misdemeanor are gone from the mix
    assert sum(mix.values()) == pytest.approx(1.0)
    for code in ("0", "1"):
        assert mix[code] == pytest.approx(shares[code], abs=1e-5)
    assert not sc.charges["0"].felony and not sc.charges["1"].felony
    assert any("charge groups named by codes ('0', '1')" in c and "--charge-map" in c
               for c in cal.caveats)


def test_a_charge_map_names_the_groups(tmp_path):
    frame = flag_export()
    cal = fit(frame, charge_map=parse_charge_map("0=felony,1=Misd"))
    sc = cal.scenario()
    assert set(sc.arrivals.bookings.charge_mix) == {"felony", "misdemeanor"}
    assert sc.arrivals.bookings.charge_mix["misdemeanor"] == pytest.approx(
        (frame["Misdemeanor Flag"] == "1").mean(), abs=1e-5)
    assert not any("codes" in c for c in cal.caveats)
    table = cal.parameters()
    row = table.set_index("parameter").loc["arrivals.bookings.charge_mix.felony"]
    assert "mapped by the charge map (2 codes)" in row["assumed"]
    assert "replaces the base county's mix" in row["assumed"]


def test_codes_the_map_leaves_out_are_reported_with_their_lines():
    frame = flag_export(codes=("0", "1", "7"), p=(0.6, 0.3, 0.1))
    cal = fit(frame, charge_map={"0": "felony", "1": "misdemeanor"}, min_group=10)
    n7 = int((frame["Misdemeanor Flag"] == "7").sum())
    first = (np.nonzero(frame["Misdemeanor Flag"].to_numpy() == "7")[0][:3] + 1).tolist()
    (note,) = [c for c in cal.caveats if c.startswith("charge codes not in the charge map")]
    assert f"'7' ({n7:,} bookings, lines {', '.join(map(str, first))} (and" in note
    assert cal.log.repaired["charge code not in the charge map: kept as its own group"] == n7
    assert set(cal.scenario().arrivals.bookings.charge_mix) == {"felony", "misdemeanor", "7"}


def test_parse_charge_map_text_and_files(tmp_path):
    assert parse_charge_map("0=misdemeanor, 1=Felony") == {"0": "misdemeanor", "1": "felony"}
    lines = tmp_path / "map.txt"
    lines.write_text("# offence codes\n101=felony\n\n202 = misdemeanor\n")
    assert parse_charge_map(str(lines)) == {"101": "felony", "202": "misdemeanor"}
    table = tmp_path / "map.csv"
    table.write_text("code,group\n101,felony\n202,Violent Crime\n")
    assert parse_charge_map(str(table)) == {"101": "felony", "202": "violent_crime"}
    bad = tmp_path / "bad.txt"
    bad.write_text("1=felony\n2\n")
    with pytest.raises(ScenarioError) as exc:
        parse_charge_map(str(bad))
    assert exc.value.lines == [f"{bad}: line 2: expected CODE=GROUP, e.g. 1=felony"]
    with pytest.raises(ScenarioError) as exc:
        parse_charge_map("1=felony,1.0=misdemeanor")
    assert exc.value.lines == ["--charge-map: '1.0=misdemeanor': code '1.0' is mapped twice "
                               "('felony' and 'misdemeanor')"]


def test_map_charges_matches_codes_as_numbers():
    groups, unmapped = map_charges(pd.Series(["01", "1.0", " 2 ", "F3", ""]),
                                   {"1": "felony", "2": "misdemeanor"})
    assert groups.tolist()[:4] == ["felony", "felony", "misdemeanor", "felony"]
    assert unmapped.tolist() == [False, False, False, True, False]


def test_a_child_charge_mix_replaces_its_parents():
    merged = deep_merge({"charge_mix": {"felony": 0.4, "misdemeanor": 0.6}},
                        {"charge_mix": {"0": 0.7, "1": 0.3}})
    assert merged == {"charge_mix": {"0": 0.7, "1": 0.3}}


def test_cli_charge_map_option(tmp_path, capsys):
    path = tmp_path / "flags.csv"
    flag_export().to_csv(path, index=False)
    parser = argparse.ArgumentParser(prog="jailsim")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "county.yaml"
    args = parser.parse_args(["calibrate", str(path), "--out", str(out), "--columns",
                              "charge=Misdemeanor Flag", "--charge-map",
                              "0=felony,1=misdemeanor", "--as-of", "2024-07-02"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert COMMANDS["calibrate"](args) == 0
    assert set(jailsim.load(out).arrivals.bookings.charge_mix) == {"felony", "misdemeanor"}
    with pytest.raises(SystemExit):
        parser.parse_args(["calibrate", str(path), "--charge-map", "0felony"])
    assert "expected CODE=GROUP" in capsys.readouterr().err
