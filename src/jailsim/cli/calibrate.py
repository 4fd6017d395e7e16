"""``jailsim calibrate`` and ``jailsim backtest``: fit a scenario to a booking export, test it.

:func:`add_parsers` adds both subcommands to the ``jailsim`` parser and :data:`COMMANDS`
maps their names to the functions that run them; errors in the input are raised as
:class:`~jailsim.base.errors.ScenarioError`, which the main command prints on one line
per problem and turns into exit code 2. An export may be CSV (comma, tab or semicolon),
Excel or Parquet (:mod:`jailsim.county.files`). What makes a calibration weaker than it looks
comes as a one-line warning (:class:`~jailsim.calibration.calibrate.CalibrationWarning`), and
the replications of ``--report`` and of ``backtest`` show a progress bar unless ``--quiet``
and run on ``--workers`` local processes if given.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from jailsim.base.errors import ScenarioError
from jailsim.calibration.exportcheck import MAX_UNREADABLE_SHARE
from jailsim.cli.args import positive_int as _count
from jailsim.cli.args import seed as _seed
from jailsim.cli.args import share as _level
from jailsim.cli.progress import ProgressBar
from jailsim.county.exportnames import ROLES, SUFFIXES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COMMANDS", "add_parsers", "cmd_backtest", "cmd_calibrate"]

#: The file endings an export may have, for the help text.
_ENDINGS = ", ".join(end for ends in SUFFIXES.values() for end in ends)


def _columns(text: str) -> dict[str, str]:
    # the export readers (and pandas) load when an option names columns, not for --help
    from jailsim.county.columns import parse_columns

    try:
        return parse_columns(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _charge_map(text: str) -> dict[str, str]:
    from jailsim.county.columns import parse_charge_map

    try:
        return parse_charge_map(text)
    except ScenarioError as exc:
        raise argparse.ArgumentTypeError("; ".join(exc.lines)) from None


def _max_share(text: str) -> float:
    """A share from 0 to 1, written ``0.1`` or ``10%``."""
    try:
        value = float(text[:-1]) / 100 if text.strip().endswith("%") else float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share from 0 to 1 (0.1 or 10%), got {text!r}")
    return value


def _timestamp(text: str) -> pd.Timestamp:
    import pandas as pd

    try:
        return pd.Timestamp(text)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(
            f"expected a date and time such as 2025-06-30 or '2025-06-30 23:59', got {text!r}"
        ) from None


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--columns", type=_columns, default={}, metavar="ROLE=COLUMN,...",
                   help=f"name the export's columns (roles: {', '.join(ROLES)}); roles not "
                        "given are found under common names")
    p.add_argument("--timezone", metavar="ZONE",
                   help="the jail's IANA time zone, e.g. America/Chicago (default: from zone "
                        "labels such as EST; times without a zone are local)")
    p.add_argument("--as-of", type=_timestamp, metavar="TIME",
                   help="when the export was taken (default: its latest timestamp)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--workers", "-j", type=_count,
                   help="local worker processes for the replications (the results are the "
                        "same either way)")


def add_parsers(subparsers) -> None:
    """Add the ``calibrate`` and ``backtest`` subcommands to ``jailsim``'s subparsers."""
    p = subparsers.add_parser(
        "calibrate", help="fit a scenario to a booking export (CSV, Excel or Parquet)",
        description="Fit arrivals, stays (with censoring) and immigration holds to a booking "
                    "export and write a scenario that extends the base county.")
    p.add_argument("data", type=Path,
                   help=f"the booking export ({_ENDINGS}; a CSV may use commas, tabs or "
                        "semicolons; a workbook's first sheet is read)")
    p.add_argument("--out", "-o", type=Path,
                   help="scenario file to write (default: <data name>.yaml here)")
    _export_options(p)
    p.add_argument("--name", help="scenario name (default: from the file name)")
    p.add_argument("--min-group", type=_count, default=100,
                   help="pool charge groups with fewer bookings into 'other' (default 100)")
    p.add_argument("--charge-map", type=_charge_map, metavar="CODE=GROUP,...|FILE",
                   help="name the charge groups of charge codes, e.g. 0=misdemeanor,1=felony, "
                        "or a file of CODE=GROUP lines (or a CSV of code and group); codes not "
                        "named keep their own group and are reported")
    p.add_argument("--max-unreadable", type=_max_share, default=MAX_UNREADABLE_SHARE,
                   metavar="SHARE",
                   help="stop if more than this share of the rows have a booking or release "
                        f"time that cannot be read (default {MAX_UNREADABLE_SHARE:.0%}%; 1: "
                        "never stop)")
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="also write the fit report (figures, distances, tables) into DIR")
    p.add_argument("--replications", "-r", type=_count, default=20,
                   help="replications for the fit report (default 20)")
    p.add_argument("--seed", type=_seed, default=1, help="seed (default 1)")

    p = subparsers.add_parser(
        "backtest", help="compare a scenario with a booking export over the same period",
        description="Simulate the export's period and compare daily census and monthly "
                    "admissions with the simulation's interval band.")
    p.add_argument("scenario", type=Path, help="scenario file")
    p.add_argument("--against", type=Path, required=True, metavar="BOOKINGS",
                   help=f"the booking export ({_ENDINGS})")
    _export_options(p)
    p.add_argument("--replications", "-r", type=_count, default=40,
                   help="replications (default 40)")
    p.add_argument("--seed", type=_seed, default=1, help="seed (default 1)")
    p.add_argument("--level", type=_level, default=0.9,
                   help="width of the band as a share of replications (default 0.9)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="folder for tables and figures (default: out/backtest_<scenario>)")
    p.add_argument("--parameter-uncertainty", action="store_true",
                   help="draw a parameter set per replication from the scenario's "
                        "uncertainty: block (calibrate writes one), so the band includes what "
                        "the data could not pin down (the same replications also run with the "
                        "parameters held, to tell the two parts of the band apart)")


def cmd_calibrate(args) -> int:
    """Fit, write the scenario, print the cleaning log and the fits (and the report)."""
    from jailsim.calibration.calibrate import calibrate

    cal = calibrate(args.data, columns=args.columns or None, timezone=args.timezone,
                    as_of=args.as_of, name=args.name, min_group=args.min_group, seed=args.seed,
                    charge_map=args.charge_map, max_unreadable=args.max_unreadable)
    out = args.out or Path(f"{args.data.stem}.yaml")
    cal.write(out)
    print("\n".join(cal.log.lines()))
    print()
    print("\n".join(cal.summary_lines()))
    if args.report is not None:
        with ProgressBar("fit report", args.quiet) as bar:
            report = cal.report(args.report, replications=args.replications, seed=args.seed,
                                progress=bar, workers=args.workers)
        print()
        print("\n".join(report.lines()))
        print(f"\nwrote {args.report}/")
    print(f"wrote {out}")
    return 0


def cmd_backtest(args) -> int:
    """Simulate the export's period, print the comparison, write tables and figures."""
    from jailsim.calibration.backtest import backtest

    with ProgressBar("backtest", args.quiet) as bar:
        result = backtest(args.scenario, args.against, columns=args.columns or None,
                          timezone=args.timezone, as_of=args.as_of,
                          replications=args.replications, seed=args.seed, level=args.level,
                          progress=bar, workers=args.workers,
                          parameter_uncertainty=args.parameter_uncertainty)
    out = args.out or Path("out") / f"backtest_{args.scenario.stem}"
    result.save(out)
    print("\n".join(result.lines()))
    print(f"wrote {out}/")
    return 0


#: Subcommand name -> function, for the ``jailsim`` entry point.
COMMANDS = {"calibrate": cmd_calibrate, "backtest": cmd_backtest}
