"""Budget outputs: the tables of one or more runs assembled, and written as CSV and Excel.

A :class:`Budget` holds, for runs of one or more scenarios made with the same seed, each
scenario's budget table, the paired difference of every later scenario from the first, every
cost input with its value as given, its dollar year, its value in the budget's dollars, its
unit and source, and notes. It is written as one tidy CSV (one row
per table, scenario and line, and fiscal year in a budget per fiscal year) or as an Excel
workbook with four sheets: ``budget``, ``comparison``, ``inputs`` and ``notes``. Every table
says which program drives each line (``driven_by``). Files are written atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jailsim._version import __version__
from jailsim.base.atomic import atomic_write
from jailsim.base.errors import ScenarioError
from jailsim.money.dollars import dollars_note, price_rows
from jailsim.money.lines import DRIVEN_BY, LINES
from jailsim.money.tables import budget_difference, budget_notes, budget_table, dollar_year
from jailsim.results.result import Result

__all__ = ["INPUT_COLUMNS", "SHEETS", "Budget", "build_budget", "long_table", "write_csv",
           "write_xlsx"]

#: Sheets of the workbook, in order.
SHEETS = ("budget", "comparison", "inputs", "notes")
_STAT_COLUMNS = ("mean", "ci_low", "ci_high", "n")
#: Columns of ``Budget.inputs``.
INPUT_COLUMNS = ("scenario", "input", "value", "unit", "dollar_year", "in_report_dollars",
                 "used", "source")


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
    """

    tables: dict[str, pd.DataFrame]
    differences: dict[str, pd.DataFrame]
    inputs: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    per: str = "year"
    dollar_year: int | None = None

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

        return Budget(one(self.tables), one(self.differences), self.inputs, self.notes,
                      self.per, self.dollar_year)


def _labels(results: list[Result]) -> list[str]:
    names = [r.scenario.name for r in results]
    out = []
    for i, name in enumerate(names):
        out.append(name if names.count(name) == 1 else f"{name} ({i + 1})")
    return out


def _used(path: str, result: Result) -> str:
    sc = result.scenario
    if path.startswith("program."):
        model = path.split(".")[1]
        if model not in sc.program.split("+"):
            return f"no (program {sc.program})"
    if path.startswith("ice_payments.igsa") and not sc.uses_wso:
        return "no (no WSO: no warrants served)"
    block = path.split(".")[0]
    if block in ("officer_reimbursement", "state_grants"):
        paid = getattr(sc.costs, block)
        if paid is None:
            return f"no (no {block})"
        running = {m for period in sc.periods() for m in period.program.split("+")}
        if not running & set(paid.programs):
            return f"no (none of {', '.join(paid.programs)} runs)"
    return "yes"


def build_budget(
    results: list[Result], labels: list[str] | None = None, per: str = "year",
    confidence: float = 0.95,
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
    return Budget(tables, differences, inputs, notes, per, next(iter(years.values())))


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
    """Write :func:`long_table` as CSV (atomically); return the path."""
    path = Path(path)
    frame = long_table(budget)
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))
    return path


def _wide(tables: dict[str, pd.DataFrame], what: str) -> pd.DataFrame:
    """Rows: lines; columns: (fiscal year,) group, line, driven by, unit, then per label.

    For each label: mean, 95% low, 95% high; last, the meaning of the line.
    """
    first = next(iter(tables.values()))
    lines = first.index.get_level_values("line")
    out = pd.DataFrame({"group": first["group"].to_numpy(), "line": lines,
                        "driven by": first["driven_by"].to_numpy(),
                        "unit": first["unit"].to_numpy()})
    if isinstance(first.index, pd.MultiIndex):
        out.insert(0, "fiscal year", first.index.get_level_values("fiscal_year"))
    for label, t in tables.items():
        out[f"{label}: mean"] = t["mean"].to_numpy()
        out[f"{label}: {what} low"] = t["ci_low"].to_numpy()
        out[f"{label}: {what} high"] = t["ci_high"].to_numpy()
    out["meaning"] = [LINES[line][2] for line in lines]
    return out.reset_index(drop=True)


def _format_sheet(ws, money_columns: range) -> None:
    """Readable widths, a frozen header, thousands separators on numbers."""
    for col in ws.columns:
        letter = col[0].column_letter
        longest = max(len(str(c.value)) if c.value is not None else 0 for c in col[:200])
        ws.column_dimensions[letter].width = min(max(10, longest + 2), 60)
    ws.freeze_panes = "A2"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.column in money_columns and isinstance(cell.value, int | float):
                cell.number_format = "#,##0.00" if abs(cell.value) < 100 else "#,##0"


def write_xlsx(budget: Budget, path: str | Path) -> Path:
    """Write the workbook (sheets ``SHEETS``) atomically; return the path."""
    path = Path(path)
    level = f"{round(100 * next(iter(budget.tables.values())).attrs.get('confidence', 0.95))}%"
    sheets = {"budget": _wide(budget.tables, level)}
    if budget.differences:
        sheets["comparison"] = _wide(budget.differences, level)
    else:
        sheets["comparison"] = pd.DataFrame(
            {"note": ["one scenario: give two or more to compare (B - A, paired)"]}
        )
    sheets["inputs"] = budget.inputs.rename(
        columns={"in_report_dollars": f"in {budget.dollar_year} dollars"}
    )
    sheets["notes"] = pd.DataFrame({"note": budget.notes})

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name in SHEETS:
                sheets[name].to_excel(writer, sheet_name=name, index=False)
                n_cols = sheets[name].shape[1]
                lead = 5 + (budget.per == "fiscal_year")  # the columns before the numbers
                stats = range(lead, n_cols) if name in ("budget", "comparison") else range(0)
                _format_sheet(writer.sheets[name], stats)

    atomic_write(path, write)
    return path
