"""Budget tables: each budget line's mean and t-interval across a run's replications.

Each replication is priced on its own (:func:`jailsim.money.lines.replication_budget`), and
across replications each line gets a mean and a t-interval. Per year (window totals x 365.25 /
window days), over the whole window, or per fiscal year of the county (``per="fiscal_year"``:
the window cut at ``costs.fiscal_year_start_month``, each fiscal year's totals; the table's
index is then ``(fiscal_year, line)``). Between two scenarios run with the
same seed (common random numbers) replication ``r`` of one is paired with replication ``r`` of
the other, and the interval of the difference is a paired t-interval. Money is in the dollars
of the scenario's ``costs.report_in`` (the unit says which: ``"2025 USD/yr"``), and only
budgets in the same dollars are compared.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.model.policy import Policy
from jailsim.money.days import fiscal_years
from jailsim.money.dollars import report_year, undated_prices
from jailsim.money.lines import DRIVEN_BY, LINES, costs_of, replication_budget, unit
from jailsim.results.metrics import mean_interval
from jailsim.results.result import Result
from jailsim.scenario.costs import schedule_by_day
from jailsim.scenario.schema import Scenario

#: How the notes name each designated-officer program.
_MODEL_NAMES = {"jem": "JEM", "wso": "WSO", "task_force": "Task Force"}

__all__ = [
    "budget_difference",
    "budget_lines",
    "budget_notes",
    "budget_table",
    "dollar_year",
    "fiscal_year_spans",
]


def fiscal_year_spans(result: Result) -> list[tuple[str, dt.date, dt.date, float]]:
    """The county's fiscal years in the window: ``(label, first day, last day, days)``.

    A fiscal year starts on the 1st of ``costs.fiscal_year_start_month`` and is named by the
    calendar year it ends in (``FY2026`` = October 2025 - September 2026 when it starts in
    October); the first and last may be cut by the window (``days`` says how much is in it).
    """
    sc = result.scenario
    out = []
    for label, a, b in fiscal_years(sc, costs_of(sc).fiscal_year_start_month):
        first = sc.start_date + dt.timedelta(days=int(a))
        last = sc.start_date + dt.timedelta(days=int(np.ceil(b)) - 1)
        out.append((label, first, last, b - a))
    return out


def budget_lines(result: Result, per: str = "year") -> pd.DataFrame:
    """One row per replication, one column per line of ``LINES``.

    The index is ``replication``; per fiscal year, ``(replication, fiscal_year)``.
    """
    sc = result.scenario
    costs = costs_of(sc)
    census = dict(tuple(result.census.groupby("replication", sort=True)))
    bookings = dict(tuple(result.bookings.groupby("replication", sort=True, observed=True)))
    spans = (
        [(label, (a, b)) for label, a, b in fiscal_years(sc, costs.fiscal_year_start_month)]
        if per == "fiscal_year" else [(None, None)]
    )
    rows = {}
    for r, c in census.items():
        b = bookings.get(r, result.bookings.iloc[:0])
        c = c.reset_index(drop=True)
        for label, span in spans:
            key = int(r) if label is None else (int(r), label)
            rows[key] = replication_budget(sc, b, c, per, span)
    frame = pd.DataFrame.from_dict(rows, orient="index")
    if per == "fiscal_year":
        frame.index = pd.MultiIndex.from_tuples(frame.index, names=["replication", "fiscal_year"])
    else:
        frame.index.name = "replication"
    return frame


def dollar_year(result: Result) -> int:
    """The year whose dollars the budget of ``result`` is in (its ``costs.report_in``)."""
    return report_year(costs_of(result.scenario))


def _t_table(frame: pd.DataFrame, per: str, confidence: float, year: int) -> pd.DataFrame:
    if isinstance(frame.index, pd.MultiIndex):  # per fiscal year: one table each, stacked
        labels = list(dict.fromkeys(frame.index.get_level_values("fiscal_year")))
        parts = [_t_table(frame.xs(fy, level="fiscal_year"), per, confidence, year)
                 for fy in labels]
        return pd.concat(parts, keys=labels, names=["fiscal_year", "line"])
    rows = {}
    for line in LINES:
        mean, half, n = mean_interval(frame[line].to_numpy(dtype=float), confidence)
        rows[line] = {
            "group": LINES[line][0],
            "driven_by": DRIVEN_BY[line],
            "unit": unit(line, per, year),
            "mean": mean,
            "ci_low": mean - half,
            "ci_high": mean + half,
            "n": n,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "line"
    return table


def _window(sc: Scenario) -> tuple[dt.date, dt.date]:
    first = sc.start_date + dt.timedelta(days=sc.warmup)
    last = sc.start_date + dt.timedelta(days=sc.horizon)
    return first, last


def budget_table(result: Result, per: str = "year", confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of each budget line across replications (rows: ``LINES``).

    Columns ``group``, ``driven_by`` (which program drives the line, :data:`~jailsim.money.
    lines.DRIVEN_BY`), ``unit``, ``mean``, ``ci_low``, ``ci_high``, ``n``. ``attrs`` holds the
    scenario name, the basis, the seed, the window's dates and ``dollar_year`` (the year of the
    dollars, also in the unit of every money line). With one replication the interval is NaN.
    Per fiscal year the index is ``(fiscal_year, line)`` and ``attrs["fiscal_years"]`` lists
    each year's first and last day in the window (:func:`fiscal_year_spans`).

    Examples
    --------
    >>> import jailsim
    >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, replications=2, days=60)
    >>> t = jailsim.budget_table(res)
    >>> list(t.columns)
    ['group', 'driven_by', 'unit', 'mean', 'ci_low', 'ci_high', 'n']
    >>> t.loc["bed_days", "unit"], t.loc["net_cost_usd", "unit"], int(t.loc["bed_days", "n"])
    ('bed-days/yr', '2025 USD/yr', 2)
    """
    year = dollar_year(result)
    table = _t_table(budget_lines(result, per), per, confidence, year)
    first, last = _window(result.scenario)
    table.attrs.update(
        scenario=result.scenario.name,
        per=per,
        dollar_year=year,
        seed=result.seed,
        replications=result.scenario.replications,
        window=(first.isoformat(), last.isoformat()),
        confidence=confidence,
    )
    if per == "fiscal_year":
        table.attrs["fiscal_years"] = [
            (label, a.isoformat(), b.isoformat(), days)
            for label, a, b, days in fiscal_year_spans(result)
        ]
    return table


def budget_difference(
    result_a: Result, result_b: Result, per: str = "year", confidence: float = 0.95
) -> pd.DataFrame:
    """Paired differences B - A of every budget line, with t-intervals over replications.

    Replication ``r`` of B is paired with replication ``r`` of A. Run with the same seed, the
    two share their random streams (common random numbers) and the interval is much narrower
    than for independent runs; with different seeds the pairs are independent and the
    interval is still valid, only wider.

    Raises
    ------
    ValueError
        When the two results do not have the same replications.
    ScenarioError
        When their budgets are in dollars of different years (``costs.report_in``).

    Examples
    --------
    >>> import jailsim
    >>> c = jailsim.compare(["jailsim:jem.yaml", "jailsim:wso.yaml"], seed=1,
    ...                     replications=2, days=60)
    >>> d = jailsim.budget_difference(c.results["JEM"], c.results["WSO"])
    >>> list(d.columns)
    ['group', 'driven_by', 'unit', 'mean', 'ci_low', 'ci_high', 'n']
    >>> bool(d.loc["bed_days", "mean"] < 0)  # WSO holds fewer people than JEM
    True
    """
    year_a, year_b = dollar_year(result_a), dollar_year(result_b)
    if year_a != year_b:
        raise ScenarioError([
            f"{result_b.scenario.name}: costs.report_in: {year_b} dollars, but "
            f"{result_a.scenario.name} reports in {year_a} dollars; compare budgets in the "
            "same dollars (set costs.report_in alike, or jailsim budget --report-in YEAR)"
        ])
    if per == "fiscal_year":
        spans_a, spans_b = fiscal_year_spans(result_a), fiscal_year_spans(result_b)
        if [s[:3] for s in spans_a] != [s[:3] for s in spans_b]:
            def text(spans):
                return ", ".join(f"{label} from {a}" for label, a, _, _ in spans)
            raise ScenarioError([
                f"{result_b.scenario.name}: costs.fiscal_year_start_month: its fiscal years "
                f"({text(spans_b)}) are not those of {result_a.scenario.name} ("
                f"{text(spans_a)}); compare budgets with the same fiscal years and window"
            ])
    a, b = budget_lines(result_a, per), budget_lines(result_b, per)
    if list(a.index) != list(b.index):
        raise ValueError(
            f"cannot pair {result_b.scenario.name!r} with {result_a.scenario.name!r}: "
            f"replications {list(b.index)[:5]}... vs {list(a.index)[:5]}...; run both with "
            "the same --replications and --seed"
        )
    table = _t_table(b - a, per, confidence, year_a)
    table.attrs.update(
        a=result_a.scenario.name,
        b=result_b.scenario.name,
        per=per,
        dollar_year=year_a,
        paired=result_a.seed == result_b.seed,
        confidence=confidence,
    )
    return table


def budget_notes(result: Result, per: str = "year") -> list[str]:
    """What a reader of the budget should know about this run, one sentence each.

    Notes that may signal a mistake in the inputs start with ``"warning: "``.

    Examples
    --------
    >>> import jailsim
    >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, replications=2, days=60)
    >>> jailsim.budget_notes(res)[0]  # doctest: +ELLIPSIS
    'JEM: measurement window of 60 days from 2025-01-06 ...; 2 replications, seed 1, ...'
    """
    sc = result.scenario
    costs = costs_of(sc)
    first, last = _window(sc)
    window = sc.horizon - sc.warmup
    notes = [
        f"{sc.name}: measurement window of {window:g} days from {first} (after {sc.warmup:g} "
        f"days of warm-up, to the horizon on {last}); {sc.replications} replications, seed "
        f"{result.seed}, engine {result.engine}.",
        (
            f"{sc.name}: figures are per year (window totals x 365.25 / {window:g}), in "
            f"{report_year(costs)} dollars."
            if per == "year"
            else f"{sc.name}: figures are totals over the {window:g}-day window, in "
            f"{report_year(costs)} dollars."
            if per == "window"
            else f"{sc.name}: figures are the totals of each fiscal year (starting on the 1st "
            f"of month {costs.fiscal_year_start_month}, named by the year it ends in) inside "
            f"the window, in {report_year(costs)} dollars."
        ),
    ]
    if per == "fiscal_year":
        for label, a, b, days in fiscal_year_spans(result):
            part = "" if days >= 365 else "; a part year: its totals are not a whole year's"
            notes.append(f"{sc.name}: {label}: {a} to {b}, {days:g} days of the window{part}.")
    undated = undated_prices(costs)
    if undated:
        notes.append(
            f"warning: {sc.name}: {len(undated)} price(s) with no dollar year ("
            f"{', '.join(undated)}) taken as {report_year(costs)} dollars, not converted; give "
            "each its year ({usd: 93, dollar_year: 2017}) or set costs.dollar_year."
        )
    dates = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D"))
    uncovered = int((schedule_by_day(costs.bed_day_cost_usd_per_day, dates) == 0).sum())
    if uncovered:
        notes.append(
            f"warning: {sc.name}: the bed-day cost is $0 on {uncovered} days of the window "
            "(no dated value covers them); check costs.bed_day_cost_usd_per_day."
        )
    policy = Policy.build(sc)
    field = np.full(len(policy.labels), sc.arrivals.task_force is not None)
    for model, on in (("jem", policy.jem_on), ("wso", policy.wso_on), ("task_force", field)):
        block, name = getattr(costs.program, model), _MODEL_NAMES[model]
        if not on.any():
            continue
        if block is None:
            notes.append(
                f"warning: {sc.name}: the scenario runs {name} but "
                f"costs.program.{model} is missing: no program cost counted for it."
            )
            continue
        if not on.all():
            spans = ", ".join(f"from {label}" if flag else f"not from {label}"
                              for label, flag in zip(policy.labels, on, strict=True))
            notes.append(
                f"{sc.name}: {name} program costs follow the dated changes ({spans}), "
                "with initial training on each day the program starts."
            )
        if block.start or block.end:
            first_day, last_day = block.start or "the start", block.end or "the end"
            notes.append(
                f"warning: {sc.name}: the {name} program is costed from {first_day} to "
                f"{last_day}; these dates change the dollars only: the jail is simulated with "
                "the program whenever the scenario runs it ("
                + ("arrivals.task_force" if model == "task_force" else "program, changes:")
                + ")."
            )
    return notes
