"""``jailsim budget``: the yearly county budget of one or more scenarios, with intervals.

    jailsim budget scenarios/no_287g.yaml scenarios/jem.yaml -r 20 --seed 1 --xlsx b.xlsx

Every scenario runs with the same seed and replications, so replication ``r`` of each shares
its random streams and each later scenario's difference from the first is a paired
comparison. Every amount is in the dollars of one year (``costs.report_in``, or
``--report-in``), and the prices are listed as given and as converted. Wire it into
``jailsim.cli.main`` with :func:`add_parsers` and :data:`COMMANDS`.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from jailsim.base.errors import ScenarioError
from jailsim.base.names import check_names
from jailsim.base.terminal import printable
from jailsim.cli.args import add_run_options, run_options
from jailsim.cli.progress import ProgressBar
from jailsim.model.runchoices import DEFAULT_REPLICATIONS
from jailsim.money.per import PER

if TYPE_CHECKING:
    from jailsim.money.workbook import Budget

__all__ = [
    "COMMANDS",
    "DEFAULT_REPLICATIONS",
    "add_parsers",
    "cmd_budget",
    "format_budget",
    "format_prices",
]

#: Longest source text printed in the prices table (the workbook has them whole).
SOURCE_WIDTH = 70
#: What ``jailsim budget --help`` says the command is (plain text: no markup in help).
DESCRIPTION = ("The yearly county budget of one or more scenarios, with intervals: every "
               "scenario runs with the same seed and replications, so each later scenario's "
               "difference from the first is paired.")


def simulate(*args, **kwargs):
    """:func:`jailsim.simulate`, imported when a budget runs (a test stands in for it here)."""
    from jailsim.experiments.simulate import simulate

    return simulate(*args, **kwargs)


def add_parsers(subparsers) -> None:
    """Add the ``budget`` command to ``jailsim``'s subparsers."""
    p = subparsers.add_parser(
        "budget",
        help="yearly county budget (bed-days and dollars) of scenarios, with paired differences",
        description=DESCRIPTION,
    )
    p.add_argument("scenarios", nargs="+", type=Path, help="scenario files; the first is A")
    add_run_options(p, "replications (default: the scenario's if more than 1, else "
                       f"{DEFAULT_REPLICATIONS}); every scenario runs with the same seed")
    p.add_argument("--per", choices=PER, default="year",
                   help="year: per year (default); window: totals over the measured window; "
                        "fiscal_year: totals of each fiscal year (costs.fiscal_year_start_month)")
    p.add_argument("--report-in", type=int, metavar="YEAR",
                   help="report in dollars of YEAR (overrides costs.report_in; default: the "
                        "scenario's, else the latest year of the price index)")
    p.add_argument("--xlsx", type=Path, help="write an Excel workbook (budget, comparison, "
                                             "inputs, notes)")
    p.add_argument("--csv", type=Path, help="write every table as one tidy CSV")
    p.add_argument("--report", type=Path, metavar="FILE",
                   help="write the budget tables as one self-contained HTML page")
    p.set_defaults(func=cmd_budget)


def _cell(row, name: str | None = None) -> str:
    from jailsim.results.tables import cell

    spread = row["ci_high"] - row["ci_low"]
    if abs(spread) <= 1e-9 * max(1.0, abs(row["mean"])):  # a fixed cost, or zero: mean alone
        return "0" if row["mean"] == 0 else cell({**row, "ci_low": float("nan")})
    return cell(row, name)


def format_budget(budget: Budget, lines: list[str] | None = None) -> str:
    """Scenarios and their differences side by side: ``mean ± half-width`` per line.

    A scenario's interval below 0 of a line that cannot be negative is marked, with a note
    under the table (:mod:`jailsim.results.tables`); differences are signed, never marked.
    ``lines`` (default: every line of :data:`~jailsim.money.lines.LINES`) are checked: an
    unknown one is a ScenarioError with a "did you mean".
    """
    from jailsim.money.lines import LINES
    from jailsim.results.tables import text_table, with_note

    names = check_names(lines, LINES, "budget line", "lines") if lines else list(LINES)
    first = next(iter(budget.tables.values()))
    rows = [["line", "unit", *budget.tables, *budget.differences]]
    for name in names:
        rows.append([name, str(first.loc[name, "unit"]),
                     *(_cell(t.loc[name], name) for t in budget.tables.values()),
                     *(_cell(t.loc[name]) for t in budget.differences.values())])
    groups = [None] + [LINES[r[0]][0] for r in rows[1:]]

    def heading(k: int, row: list[str]) -> str | None:
        return f"[{groups[k]}]" if groups[k] != groups[k - 1] else None

    return with_note(text_table(rows, heading=heading))


def format_prices(budget: Budget) -> str:
    """Every price other than $0 that a run uses: as given, its dollar year, converted, source.

    A price the same in every scenario is listed once (scenario ``all``).
    """
    from jailsim.results.tables import text_table

    inputs = budget.inputs
    rows: dict[tuple, list[str]] = {}
    for r in inputs.itertuples(index=False):
        if r.dollar_year == "" or r.used != "yes" or r.dollar_year.startswith("none ($0"):
            continue
        source = r.source if len(r.source) <= SOURCE_WIDTH else r.source[:SOURCE_WIDTH - 3] + "..."
        key = (r.input, r.value, r.unit, r.dollar_year, r.in_report_dollars, source)
        rows.setdefault(key, []).append(r.scenario)
    labels = list(dict.fromkeys(inputs["scenario"]))
    table = [["price", "given", "unit", "dollar year", f"in {budget.dollar_year} $", "scenarios",
              "source"]]
    for (name, given, unit, year, now, source), where in rows.items():
        scenarios = "all" if len(where) == len(labels) else ", ".join(where)
        table.append([name, given, unit, year, now, scenarios, source])
    return text_table(table, left=len(table[0]))


def _report_in(args, scenarios: list) -> list:
    """The scenarios with ``costs.report_in`` set to ``--report-in`` (checked first)."""
    if args.report_in is None:
        return scenarios
    from jailsim.scenario.prices import check_year

    try:
        year = check_year(args.report_in)
    except ValueError as exc:
        raise ScenarioError([f"jailsim budget: --report-in: {exc}"]) from None
    return [sc.with_({"costs.report_in": year}) for sc in scenarios]


def _replications(args, first) -> int:
    if args.replications is not None:
        return args.replications
    return first.replications if first.replications > 1 else DEFAULT_REPLICATIONS


def cmd_budget(args) -> int:
    """Run every scenario with one seed, print the budget, write the files asked for."""
    from jailsim.money.workbook import build_budget, write_csv, write_xlsx
    from jailsim.present.budgetpage import write_budget_report
    from jailsim.scenario.loading import load

    try:
        scenarios = [load(path) for path in args.scenarios]
        missing = [
            f"{path}: costs: missing; add a costs: block (docs/budget.md) or extend "
            "base_county.yaml"
            for path, sc in zip(args.scenarios, scenarios, strict=True)
            if sc.costs is None
        ]
        if missing:
            raise ScenarioError(missing)
        scenarios = _report_in(args, scenarios)
        reps = _replications(args, scenarios[0])
        options = run_options(args, replications=reps)
        results = []
        for path, sc in zip(args.scenarios, scenarios, strict=True):
            with ProgressBar(Path(str(path).rpartition(":")[2]).stem, args.quiet) as bar:
                results.append(simulate(sc, options=replace(options, progress=bar)))
            # every scenario on the first one's seed (paired)
            options = replace(options, seed=results[0].seed)
        seed = results[0].seed
        budget = build_budget(results, per=args.per,
                              command=shlex.join(["jailsim", *getattr(args, "argv", [])]))
    except ScenarioError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return 2
    per = {"year": "per year", "window": "totals over the window",
           "fiscal_year": "totals per fiscal year"}[args.per]
    print(f"jailsim budget: {len(results)} scenario(s), {reps} replications, seed {seed}, "
          f"{per}, in {budget.dollar_year} dollars; mean ± 95% half-width\n")
    for fy in budget.fiscal_years or [None]:  # per fiscal year: one table each
        print(format_budget(budget) if fy is None else f"{fy}:\n" + format_budget(
            budget.fiscal_year(fy)) + "\n")
    print(f"\nprices, as given and in {budget.dollar_year} dollars (CPI-U; sources in full in "
          "the workbook's inputs sheet):\n")
    print(format_prices(budget))
    print()
    for note in budget.notes:
        if "measurement window" in note or " days of the window" in note:
            print(f"note: {note}")
    for note in budget.notes:
        if note.startswith("warning: "):
            print(printable(note), file=sys.stderr)
    if reps < 2:
        print("warning: one replication: no intervals", file=sys.stderr)
    try:
        if args.csv:
            print(f"wrote {write_csv(budget, args.csv)}")
        if args.xlsx:
            print(f"wrote {write_xlsx(budget, args.xlsx)}")
        if args.report:
            print(f"wrote {write_budget_report(budget, args.report)}")
    except OSError as exc:
        print(printable(f"jailsim budget: {exc.filename or ''}: {exc.strerror or exc}"),
              file=sys.stderr)
        return 2
    return 0


#: Command name -> function, for ``jailsim.cli.main.main``'s dispatch.
COMMANDS = {"budget": cmd_budget}
