"""Budget outputs: the tables of one or more runs assembled, and written as CSV and Excel.

A :class:`Budget` holds, for runs of one or more scenarios made with the same seed, each
scenario's budget table, the paired difference of every later scenario from the first, every
cost input with its value as given, its dollar year, its value in the budget's dollars, its
unit and source, and notes. It is written as one tidy CSV (one row
per table, scenario and line, and fiscal year in a budget per fiscal year) or as an Excel
workbook with four sheets: ``budget``, ``comparison``, ``inputs`` and ``notes``. Every table
says which program drives each line (``driven_by``). The workbook is made to be pasted into
a county budget: every number is stored as a number (mean, interval low and high and
half-width in columns of their own), each row in the number format of its line's unit
(dollars, bed-days, counts, shares: :data:`LINE_FORMATS`, by the units of
:data:`jailsim.money.lines.LINES`), no ``-0``; each sheet is one table with a bold frozen
header and first column, an autofilter and fitted widths, and the ``notes`` sheet says what
each line means, what drives it, where the inputs come from, and the seed, replications,
options and dollar year of the run. Files are written atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from jailsim._version import __version__
from jailsim.base.atomic import atomic_write
from jailsim.base.errors import ScenarioError
from jailsim.base.spreadsheet import as_text_cell, safe_csv
from jailsim.money.dollars import dollars_note, price_rows
from jailsim.money.lines import DRIVEN_BY, LINES, unit
from jailsim.money.tables import budget_difference, budget_notes, budget_table, dollar_year
from jailsim.results.result import Result

__all__ = ["INPUT_COLUMNS", "LINE_FORMATS", "RUN_COLUMNS", "SHEETS", "Budget", "build_budget",
           "line_format", "long_table", "write_csv", "write_xlsx"]

#: Sheets of the workbook, in order.
SHEETS = ("budget", "comparison", "inputs", "notes")
_STAT_COLUMNS = ("mean", "ci_low", "ci_high", "n")
#: Columns of ``Budget.inputs``.
INPUT_COLUMNS = ("scenario", "input", "value", "unit", "dollar_year", "in_report_dollars",
                 "used", "source")
#: Columns of ``Budget.runs``.
RUN_COLUMNS = ("scenario", "seed", "replications", "engine", "start", "days", "warmup_days")


@dataclass(frozen=True, eq=False)
class Budget:
    """Budget tables of runs, ready to print or write.

    Attributes
    ----------
    tables
        Label -> :func:`jailsim.money.tables.budget_table` of that run.
    differences
        ``"B - A"`` label -> :func:`jailsim.money.tables.budget_difference` (each later run minus
        the first).
    inputs
        One row per scenario and cost input (``INPUT_COLUMNS``): ``value`` as given, in the
        dollars of ``dollar_year`` for a price, and ``in_report_dollars``, the price in dollars
        of the budget's ``dollar_year``.
    notes
        Sentences a reader needs (window, basis, dollars, pairing, caveats).
    per
        ``"year"``, ``"window"`` or ``"fiscal_year"`` (the tables' index is then
        ``(fiscal_year, line)``).
    dollar_year
        The year whose dollars every amount of the budget is in.
    runs
        One row per scenario (``RUN_COLUMNS``): its seed, replications, engine, start date,
        horizon and warm-up in days.
    sources
        One row per scenario and input its ``costs.sources`` names: ``scenario``, ``input``,
        ``source``.
    command
        The command that made the budget, when known (the notes sheet gives it; otherwise
        the equivalent options, :attr:`options`).
    """

    tables: dict[str, pd.DataFrame]
    differences: dict[str, pd.DataFrame]
    inputs: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    per: str = "year"
    dollar_year: int | None = None
    runs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(RUN_COLUMNS)))
    sources: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["scenario", "input", "source"])
    )
    command: str = ""

    @property
    def options(self) -> str:
        """The ``jailsim budget`` options that make this budget again from its scenarios."""
        if self.runs.empty:
            return f"--per {self.per} --report-in {self.dollar_year}"
        run = self.runs.iloc[0]
        return (f"--replications {run.replications} --seed {run.seed} --days {run.days:g} "
                f"--warmup-days {run.warmup_days:g} --engine {run.engine} --per {self.per} "
                f"--report-in {self.dollar_year}")

    @property
    def fiscal_years(self) -> list[str]:
        """The fiscal years of a budget per fiscal year, in order (``[]`` otherwise)."""
        first = next(iter(self.tables.values()))
        if self.per != "fiscal_year":
            return []
        return list(dict.fromkeys(first.index.get_level_values("fiscal_year")))

    def fiscal_year(self, label: str) -> Budget:
        """The tables of one fiscal year (index ``line``), as a budget of their own."""

        def one(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
            out = {}
            for name, t in tables.items():
                part = t.xs(label, level="fiscal_year")
                part.attrs = dict(t.attrs)
                out[name] = part
            return out

        return replace(self, tables=one(self.tables), differences=one(self.differences))


def _labels(results: list[Result]) -> list[str]:
    names = [r.scenario.name for r in results]
    out = []
    for i, name in enumerate(names):
        out.append(name if names.count(name) == 1 else f"{name} ({i + 1})")
    return out


def _used(path: str, result: Result) -> str:
    sc = result.scenario
    running = {m for period in sc.periods() for m in period.program.split("+")}
    if sc.arrivals.task_force is not None:  # the Task Force runs with its stream
        running.add("task_force")
    if path.startswith("program."):
        model = path.split(".")[1]
        if model not in running:
            return f"no (program {sc.program})"
    if path.startswith("ice_payments.igsa") and not sc.uses_wso:
        return "no (no WSO: no warrants served)"
    block = path.split(".")[0]
    if block in ("officer_reimbursement", "state_grants"):
        paid = getattr(sc.costs, block)
        if paid is None:
            return f"no (no {block})"
        if not running & set(paid.programs):
            return f"no (none of {', '.join(paid.programs)} runs)"
    return "yes"


def build_budget(
    results: list[Result], labels: list[str] | None = None, per: str = "year",
    confidence: float = 0.95, command: str = "",
) -> Budget:
    """Tables, paired differences (each later result minus the first), inputs and notes.

    Parameters
    ----------
    results
        Runs of one or more scenarios, each with a ``costs:`` block, with the same
        replications (and, for common random numbers, the same seed).
    labels
        Names of the runs in the tables (default: scenario names, made unique).
    per
        ``"year"``, ``"window"`` or ``"fiscal_year"``.
    confidence
        Level of the t-intervals.
    command
        The command line that made the runs, written in the workbook's notes (default: the
        equivalent ``jailsim budget`` options).

    Raises
    ------
    ScenarioError
        When the runs' budgets would be in dollars of different years (``costs.report_in``).
    """
    labels = labels or _labels(results)
    years = {lab: dollar_year(r) for lab, r in zip(labels, results, strict=True)}
    if len(set(years.values())) > 1:
        raise ScenarioError([
            "costs.report_in: the budgets would be in dollars of different years ("
            + ", ".join(f"{lab}: {y}" for lab, y in years.items())
            + "); set costs.report_in alike, or give jailsim budget --report-in YEAR"
        ])
    tables = {lab: budget_table(r, per, confidence) for lab, r in zip(labels, results, strict=True)}
    differences = {
        f"{lab} - {labels[0]}": budget_difference(results[0], r, per, confidence)
        for lab, r in zip(labels[1:], results[1:], strict=True)
    }
    rows = []
    for lab, r in zip(labels, results, strict=True):
        for row in price_rows(r.scenario.costs):
            rows.append({"scenario": lab, **row, "used": _used(row["input"], r)})
    inputs = pd.DataFrame(rows, columns=list(INPUT_COLUMNS))
    notes = [f"jailsim {__version__} budget of {', '.join(labels)}."]
    for r in results:
        notes += budget_notes(r, per)
    if differences:
        seeds = {r.seed for r in results}
        notes.append(
            "comparison: each row is scenario B minus scenario A, replication by replication; "
            + (
                f"all runs used seed {seeds.pop()}, so replication r of each shares its random "
                "streams (common random numbers) and the interval is a paired t-interval."
                if len(seeds) == 1
                else "the runs used different seeds: the pairs are independent, so the paired "
                "interval is valid but wider than with common random numbers."
            )
        )
    notes += [
        f"intervals: {confidence:.0%} t-intervals over replications (mean +- t x sd / sqrt(n)); "
        "NaN with one replication.",
        "identities (exact within each replication): each priced line = its bed-days x the rate "
        "in force on each day; total_jail_cost_usd = jail_cost_usd + boarding_cost_usd; "
        "reimbursements_usd = ice_hold_day_usd + ice_per_hold_usd + igsa_usd + scaap_usd + "
        "officer_reimbursement_usd + performance_awards_usd + equipment_reimbursement_usd; "
        "grants_usd = grants_lump_sum_usd + grants_per_officer_usd; "
        "program_cost_usd = program_staff_usd + program_training_usd + program_supervision_usd; "
        "net_cost_usd = caused_cost_usd - reimbursements_usd - grants_usd + program_cost_usd.",
        "detainer_cost_usd prices every jail day of people with a detainer (the convention of "
        "the Texas jail commission's reports and of most published county figures); "
        "attributable_cost_usd prices only the days detainers cause (longer pretrial stays and "
        "holds); caused_cost_usd, which the net cost uses, adds every day of the Task Force's "
        "own bookings (a booking the program makes is caused by it whole).",
        "igsa_margin_usd = igsa_usd - igsa_cost_usd: what the IGSA per-diem earns (above 0) or "
        "costs (below 0) against the average cost of those beds; not added to the net, whose "
        "caused cost and reimbursements hold those days and that payment already.",
        "boarded-out bed-days are priced at the boarding per-diem in total_jail_cost_usd; the "
        "attributable cost prices attributable days at the jail's own rate. Compare scenarios "
        "to see a program's effect on boarding.",
        dollars_note(results[0].scenario.costs),
        "SCAAP, where used, is paid after the year from a capped appropriation, so its line is "
        "an expectation, not a cash flow; no amount is discounted.",
    ]
    notes += [f"line {name} ({LINES[name][1]}; driven by {DRIVEN_BY[name]}): {LINES[name][2]}."
              for name in LINES]
    runs = pd.DataFrame(
        [(lab, r.seed, int(r.census["replication"].nunique()), r.engine,
          r.scenario.start_date.isoformat(), float(r.scenario.horizon),
          float(r.scenario.warmup)) for lab, r in zip(labels, results, strict=True)],
        columns=list(RUN_COLUMNS),
    )
    sources = pd.DataFrame(
        [(lab, path, text) for lab, r in zip(labels, results, strict=True)
         for path, text in r.scenario.costs.sources.items()],
        columns=["scenario", "input", "source"],
    )
    return Budget(tables, differences, inputs, notes, per, next(iter(years.values())), runs,
                  sources, command)


def long_table(budget: Budget) -> pd.DataFrame:
    """Every table in one tidy frame, one row per table, scenario and line.

    Columns ``table`` (``budget`` or ``comparison``), ``scenario``, ``fiscal_year`` (in a
    budget per fiscal year only), ``line``, ``group``, ``driven_by``, ``unit``, ``mean``,
    ``ci_low``, ``ci_high``, ``n``.
    """
    parts = []
    for table_name, tables in (("budget", budget.tables), ("comparison", budget.differences)):
        for label, t in tables.items():
            part = t.reset_index()
            part.insert(0, "scenario", label)
            part.insert(0, "table", table_name)
            parts.append(part)
    years = ["fiscal_year"] if budget.per == "fiscal_year" else []
    columns = ["table", "scenario", *years, "line", "group", "driven_by", "unit",
               *_STAT_COLUMNS]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def write_csv(budget: Budget, path: str | Path) -> Path:
    """Write :func:`long_table` as CSV (atomically); return the path.

    Text that a spreadsheet would read as a formula is quoted
    (:func:`jailsim.base.spreadsheet.safe_csv`).
    """
    path = Path(path)
    frame = long_table(budget)
    atomic_write(path, lambda tmp: safe_csv(frame, tmp, index=False))
    return path


#: Number format of each unit of ``LINES`` (the line's unit, :data:`jailsim.money.lines.LINES`).
LINE_FORMATS = {"USD": '"$"#,##0', "bed-days": "#,##0", "count": "#,##0", "share": "0.0%"}
_CENTS = '"$"#,##0.00'
_WIDEST = 80  # characters: a longer text wraps
_BOLD = Font(bold=True)


def line_format(line: str) -> str:
    """The Excel number format of a budget line, by its unit in ``LINES``."""
    return LINE_FORMATS.get(LINES[line][1], "#,##0.00")


def _input_format(unit_text: str) -> str:
    """Number format of a cost input by its unit: dollars with cents, shares as percent."""
    if unit_text.startswith("USD"):
        return _CENTS
    return "0.0%" if unit_text.startswith("share") else "General"


def _decimals(fmt: str) -> int | None:
    """Decimals a format shows (a percent shows two more of the value); None: General."""
    if fmt == "General":
        return None
    head = fmt.split(";")[0]
    shown = len(head.split(".")[1].rstrip("%")) if "." in head else 0
    return shown + 2 * ("%" in head)


def _number(value, fmt: str):
    """A cell's value: a number as a Python number, 0 when it would show as -0, NaN as empty."""
    if value is None or isinstance(value, bool | str):
        return value
    value = float(value)
    if value != value:  # NaN: no interval with one replication
        return None
    decimals = _decimals(fmt)
    if value == 0 or (decimals is not None and abs(value) < 0.5 * 10.0**-decimals):
        return 0
    return int(value) if fmt == "0" else value


def _from_text(text: str):
    """A number written as text (``"93"``, ``"122.15"``) as a number; other text as is."""
    try:
        return float(text.replace(",", "")) if text else None
    except ValueError:
        return text


def _shown(value, fmt: str) -> str:
    """Roughly what Excel shows of a cell, to fit the column's width."""
    if value is None:
        return ""
    if isinstance(value, str) or (decimals := _decimals(fmt)) is None:
        return str(value) if isinstance(value, str) else f"{value:g}"
    if "%" in fmt:
        text = f"{abs(value):.{decimals - 2}%}"
    else:
        text = f"{abs(value):{',' if ',' in fmt else ''}.{decimals}f}"
    return ("-" if value < 0 else "") + ("$" if "$" in fmt else "") + text


def _sheet(wb: Workbook, name: str, header: list[str], rows: list[list],
           formats: list[list[str]], frozen: int) -> None:
    """One table: bold frozen header and first ``frozen`` columns, autofilter, fitted widths.

    ``formats[i][j]`` is the number format of row ``i``, column ``j``.
    """
    ws = wb.create_sheet(name)
    ws.append(header)
    widths = [len(h) for h in header]
    for row, fmts in zip(rows, formats, strict=True):
        values = [_number(v, f) for v, f in zip(row, fmts, strict=True)]
        ws.append(values)
        for j, (cell, fmt) in enumerate(zip(ws[ws.max_row], fmts, strict=True)):
            cell.number_format = fmt
            as_text_cell(cell)  # a name such as "=HYPERLINK(...)" stays text
            widths[j] = max(widths[j], len(_shown(values[j], fmt)))
            if j < frozen:
                cell.font = _BOLD
            if isinstance(values[j], str) and len(values[j]) > _WIDEST:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = _BOLD
        as_text_cell(cell)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(width, _WIDEST) + 2
    ws.freeze_panes = ws.cell(row=2, column=frozen + 1).coordinate
    ws.auto_filter.ref = ws.dimensions


def _wide(tables: dict[str, pd.DataFrame], level: str) -> tuple[list[str], list, list]:
    """Rows: lines; columns: (fiscal year,) line, group, driven by, unit, numbers, meaning.

    The numbers, per label: mean, interval low, high and half-width, in the line's format.
    """
    first = next(iter(tables.values()))
    lines = list(first.index.get_level_values("line"))
    years = (list(first.index.get_level_values("fiscal_year"))
             if isinstance(first.index, pd.MultiIndex) else None)
    header = [*(["fiscal year"] if years else []), "line", "group", "driven by", "unit"]
    for label in tables:
        header += [f"{label}: mean", f"{label}: {level} low", f"{label}: {level} high",
                   f"{label}: {level} half-width"]
    header.append("meaning")
    rows, formats = [], []
    for i, line in enumerate(lines):
        row = [*([years[i]] if years else []), line, first["group"].iloc[i],
               first["driven_by"].iloc[i], first["unit"].iloc[i]]
        lead = len(row)
        for t in tables.values():
            mean, low, high = (float(t[c].iloc[i]) for c in ("mean", "ci_low", "ci_high"))
            row += [mean, low, high, (high - low) / 2]
        row.append(LINES[line][2])
        rows.append(row)
        formats.append(["General"] * lead + [line_format(line)] * (len(row) - lead - 1)
                       + ["General"])
    return header, rows, formats


def _inputs(budget: Budget) -> tuple[list[str], list, list]:
    """The inputs sheet: each price as given and in report dollars, as numbers."""
    header = ["scenario", "input", "value", "unit", "dollar_year",
              f"in {budget.dollar_year} dollars", "used", "source"]
    rows, formats = [], []
    for r in budget.inputs.itertuples(index=False):
        rows.append([r.scenario, r.input, _from_text(r.value), r.unit,
                     _from_text(r.dollar_year), _from_text(r.in_report_dollars), r.used,
                     r.source])
        money = _input_format(r.unit)
        formats.append(["General", "General", money, "General", "0", _CENTS, "General",
                        "General"])
    return header, rows, formats


def _notes(budget: Budget, level: str) -> tuple[list[str], list, list]:
    """The notes sheet: the run, what each line means, the inputs' sources, the notes."""
    labels = " ".join(f"<{lab}>" for lab in budget.tables)
    command = budget.command or (f"jailsim budget {labels} {budget.options}  (equivalent "
                                 "options; <name>: the scenario file)")
    basis = {"year": "per year: window totals x 365.25 / window days",
             "window": "totals over the measurement window",
             "fiscal_year": "totals of each fiscal year of the county"}[budget.per]
    rows: list[tuple[list, str]] = [  # (row, the number format of its value)
        (["run", "command", "", "", "", command], "General"),
        (["run", "dollar year", "", budget.dollar_year, "",
          f"every amount is in {budget.dollar_year} dollars (CPI-U)"], "0"),
        (["run", "basis", "", budget.per, "", basis], "General"),
        (["run", "intervals", "", level, "", "t-intervals over replications (low, high, and "
          "half-width = (high - low) / 2)"], "General"),
    ]
    for run in budget.runs.itertuples(index=False):
        for name, fmt in (("seed", "0"), ("replications", "#,##0"), ("engine", "General"),
                          ("start", "General"), ("days", "General"),
                          ("warmup_days", "General")):
            value = getattr(run, name)
            big = isinstance(value, int) and abs(value) >= 2**53  # beyond Excel's digits
            rows.append((["run", name.replace("_", "-"), run.scenario,
                          str(value) if big else value, "", ""], fmt))
    rows += [(["line", line, "", unit(line, budget.per, budget.dollar_year), DRIVEN_BY[line],
               meaning], "General") for line, (_, _, meaning) in LINES.items()]
    rows += [(["source", s.input, s.scenario, "", "", s.source], "General")
             for s in budget.sources.itertuples(index=False)]
    if budget.sources.empty:
        rows.append((["source", "", "", "", "", "the scenarios give no costs.sources; the "
                      "inputs sheet says where each input's value comes from"], "General"))
    shown = [n for n in budget.notes if not n.startswith("line ")]  # the lines are above
    shown.append("numbers: a value that rounds to 0 in its format is written as 0 (no -0); "
                 "the CSV (--csv) keeps every digit.")
    rows += [(["note", "", "", "", "", note], "General") for note in shown]
    header = ["topic", "name", "scenario", "value", "driven by", "meaning or note"]
    formats = [["General"] * 3 + [fmt] + ["General"] * 2 for _, fmt in rows]
    return header, [row for row, _ in rows], formats


def write_xlsx(budget: Budget, path: str | Path) -> Path:
    """Write the workbook (sheets ``SHEETS``) atomically; return the path.

    Every sheet is one table with a bold, frozen header row and first column(s), an
    autofilter and widths fitted to its content. Numbers are stored as numbers, each row of
    the budget and comparison sheets in the number format of its line's unit
    (:data:`LINE_FORMATS`), and a value that would show as ``-0`` is written as 0.
    Every text cell is typed as text (a scenario named ``=1+1`` is no formula:
    :func:`jailsim.base.spreadsheet.as_text_cell`).
    """
    path = Path(path)
    level = f"{round(100 * next(iter(budget.tables.values())).attrs.get('confidence', 0.95))}%"
    frozen = 1 + (budget.per == "fiscal_year")  # (fiscal year,) line
    sheets = {"budget": (*_wide(budget.tables, level), frozen)}
    if budget.differences:
        sheets["comparison"] = (*_wide(budget.differences, level), frozen)
    else:
        sheets["comparison"] = (
            ["note"], [["one scenario: give two or more to compare (B - A, paired)"]],
            [["General"]], 1,
        )
    sheets["inputs"] = (*_inputs(budget), 2)
    sheets["notes"] = (*_notes(budget, level), 2)

    def write(tmp: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        for name in SHEETS:
            _sheet(wb, name, *sheets[name])
        wb.save(tmp)

    atomic_write(path, write)
    return path
