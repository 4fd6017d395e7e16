"""``jailsim explain``, ``jailsim breakdown`` and ``jailsim periods``: read a run folder back.

    jailsim explain out/jem 1234 [--replication 0]
    jailsim breakdown out/jem --by foreign_born [--metrics adp,detainers] [--csv by.csv]
    jailsim periods out/sb8_wso [--csv periods.csv]

Each reads the folder ``jailsim run`` wrote (:mod:`jailsim.results.rundir`) and simulates
nothing. Wire them into ``jailsim.cli.main`` with
:func:`add_parsers` and :data:`COMMANDS`. Bad input exits with code 2 and one line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from jailsim.base.errors import ScenarioError
from jailsim.base.terminal import printable
from jailsim.cli.args import metric_list
from jailsim.cli.args import nonnegative_int as _nonnegative_int

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COMMANDS", "add_parsers", "cmd_breakdown", "cmd_explain", "cmd_periods"]


def add_parsers(subparsers) -> None:
    """Add ``explain``, ``breakdown`` and ``periods`` to ``jailsim``'s subparsers."""
    p = subparsers.add_parser(
        "explain", help="one booking's stay as dated sentences, and what its detainer cost"
    )
    p.add_argument("folder", type=Path, help="a run folder (jailsim run --out)")
    p.add_argument("booking_id", type=_nonnegative_int,
                   help="the booking's booking_id (a column of bookings.parquet)")
    p.add_argument("--replication", type=_nonnegative_int, default=0, metavar="R",
                   help="the replication the booking is in, counted from 0 (default 0)")
    p.set_defaults(func=cmd_explain)

    p = subparsers.add_parser(
        "breakdown", help="every metric by a booking attribute (charge, foreign_born, ...)"
    )
    p.add_argument("folder", type=Path, help="a run folder (jailsim run --out)")
    p.add_argument("--by", required=True,
                   help="a column of bookings.parquet: charge, felony, foreign_born, status, "
                        "citizen, stream, period, detainer_source, exit_reason, ...")
    p.add_argument("--metrics", type=metric_list, help="comma-separated metrics (default all)")
    p.add_argument("--csv", type=Path, help="write the table (tidy) to this CSV file")
    p.set_defaults(func=cmd_breakdown)

    p = subparsers.add_parser(
        "periods", help="every metric per policy period (between dated changes)"
    )
    p.add_argument("folder", type=Path, help="a run folder (jailsim run --out)")
    p.add_argument("--metrics", type=metric_list, help="comma-separated metrics (default all)")
    p.add_argument("--csv", type=Path, help="write the table (tidy) to this CSV file")
    p.set_defaults(func=cmd_periods)


def _fail(lines: list[str]) -> int:
    print("\n".join(printable(line) for line in lines), file=sys.stderr)
    return 2


def cmd_explain(args) -> int:
    """Print the explanation of one booking."""
    from jailsim.results.explain import explain
    from jailsim.results.result import Result

    try:
        run = Result.load(args.folder)
        print(explain(run, args.booking_id, args.replication))
    except ScenarioError as exc:
        return _fail(exc.lines)
    except ValueError as exc:
        return _fail([f"jailsim explain: {exc}"])
    return 0


def _columns(table: pd.DataFrame, label: str) -> dict[str, pd.DataFrame]:
    return {f"{label}={value}": table.xs(value, level=0) for value in table.index.unique(0)}


def cmd_breakdown(args) -> int:
    """Print every metric for each value of ``--by`` beside the run's totals."""
    from jailsim.base.spreadsheet import safe_csv
    from jailsim.results.breakdown import breakdown
    from jailsim.results.result import Result
    from jailsim.results.tables import side_by_side

    try:
        run = Result.load(args.folder)
        table = breakdown(run, args.by)
    except ScenarioError as exc:
        return _fail(exc.lines)
    except ValueError as exc:
        return _fail([f"jailsim breakdown: {exc}"])
    columns = _columns(table, args.by)
    columns["all"] = run.summary()
    reps = run.bookings["replication"].nunique()
    print(f"{run.scenario.name}: metrics by {args.by} ({reps} replications; mean ± 95% "
          "half-width); counts and bed-days add up to 'all'\n")
    print(side_by_side(columns, args.metrics))
    if args.csv:
        safe_csv(table, args.csv)
        print(f"\nwrote {args.csv}")
    return 0


def _period_columns(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per period: its totals, then (for counts and bed-days) their rate per day."""
    columns = {}
    for label in table.index.unique(0):
        t = table.xs(label, level=0)
        columns[f"from {label}"] = t
        rate = t[["per_day", "per_day_ci_low", "per_day_ci_high"]]
        columns[f"{label} per day"] = rate.set_axis(["mean", "ci_low", "ci_high"], axis=1)
    return columns


def cmd_periods(args) -> int:
    """Print every metric per policy period, totals beside their rates per day."""
    from jailsim.base.spreadsheet import safe_csv
    from jailsim.results.breakdown import period_table, timeline_in_words
    from jailsim.results.result import Result
    from jailsim.results.tables import side_by_side, text_table

    try:
        run = Result.load(args.folder)
        table = period_table(run)
    except ScenarioError as exc:
        return _fail(exc.lines)
    sc = run.scenario
    programs = dict(zip(run.context.policy.labels, (s.program for s in sc.periods()),
                        strict=True))
    days = table.groupby(level=0, sort=False)["days"].first()
    print(f"{sc.name}: metrics per policy period, over the days of each period measured "
          f"({len(sc.timeline)} dated change{'s' if len(sc.timeline) != 1 else ''}: "
          f"{timeline_in_words(sc)}; mean ± 95% "
          "half-width)\n")
    print(text_table([["period", "program", "days"],
                      *([label, programs[label], f"{d:g}"] for label, d in days.items())]))
    print()
    print(side_by_side(_period_columns(table), args.metrics))
    print("\nPeriods differ in length: compare counts and bed-days by their rate per day (the "
          "total / the period's days; '-' for shares, means and rates, which need none).")
    if args.csv:
        safe_csv(table, args.csv)
        print(f"\nwrote {args.csv}")
    return 0


#: Command name -> function, for ``jailsim.cli.main.main``.
COMMANDS = {"explain": cmd_explain, "breakdown": cmd_breakdown, "periods": cmd_periods}
