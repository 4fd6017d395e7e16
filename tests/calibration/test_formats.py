"""``calibrate`` and ``backtest --against`` read an export as Excel or Parquet as from a CSV."""

from __future__ import annotations

import argparse
import warnings

import pandas as pd
import pytest
import yaml

import jailsim
from jailsim.calibration.calibrate import CalibrationWarning, calibrate
from jailsim.cli.calibrate import COMMANDS, add_parsers
from jailsim.county.exports import to_export
from tests.calibration.conftest import truth_scenario

AS_OF = "2025-03-07"  # 60 days after the start
FORMAT = "%m/%d/%Y %H:%M"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Sixty days of the truth county: text in a CSV, typed columns in a workbook and Parquet."""
    folder = tmp_path_factory.mktemp("formats")
    sc = truth_scenario(horizon="60d")
    text = to_export(jailsim.simulate(sc, seed=5, replications=1, engine="vector").bookings,
                     sc.start_date, fmt=FORMAT)
    typed = text.copy()
    for c in ("booking_date", "release_date", "hold_start"):
        typed[c] = pd.to_datetime(text[c].replace("", None), format=FORMAT)
    typed["ice_hold"] = text["ice_hold"] == "Y"
    text.to_csv(folder / "export.csv", index=False)
    typed.to_excel(folder / "export.xlsx", index=False)
    typed.to_parquet(folder / "export.parquet", index=False)
    return folder


def test_calibrate_reads_a_workbook_and_parquet_as_the_csv(files):
    fitted = {}
    for ending in ("csv", "xlsx", "parquet"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CalibrationWarning)  # sixty days: a small export
            cal = calibrate(files / f"export.{ending}", as_of=AS_OF, families=["lognormal"])
        fitted[ending] = {k: v for k, v in cal.scenario_dict.items() if k != "description"}
        assert cal.log.rows_read == len(cal.export.bookings)
    assert fitted["xlsx"] == fitted["csv"] and fitted["parquet"] == fitted["csv"]
    assert fitted["csv"]["name"] == "export (calibrated)"


def test_cli_backtest_against_a_workbook_and_parquet(files, tmp_path, capsys):
    sc = tmp_path / "truth.yaml"
    sc.write_text(yaml.safe_dump(truth_scenario().to_dict(), sort_keys=False))
    parser = argparse.ArgumentParser(prog="jailsim")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    census = {}
    for ending in ("csv", "xlsx", "parquet"):
        out = tmp_path / ending
        args = parser.parse_args(["backtest", str(sc), "--against", str(files / f"export.{ending}"),
                                  "--as-of", AS_OF, "-r", "2", "--out", str(out), "--quiet"])
        assert COMMANDS[args.command](args) == 0
        assert f"export.{ending}" in capsys.readouterr().out
        census[ending] = pd.read_csv(out / "census.csv")
    assert census["csv"]["observed"].sum() > 0
    pd.testing.assert_frame_equal(census["xlsx"], census["csv"])
    pd.testing.assert_frame_equal(census["parquet"], census["csv"])
