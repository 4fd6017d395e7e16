"""The report of a comparison folder (``jailsim compare``, ``jailsim demo``).

Read from ``comparison.json`` and each scenario's run folder, laid out by
``templates/comparison.html``: the scenarios and the settings, what the comparison means in
plain words (:func:`~jailsim.present.meaning.comparison_meaning`: the direction, size and
interval of each paired difference), the command line's table of every metric (each scenario's
mean ± half-width, the difference and the percent change, cell for cell as printed), the
policy periods when a scenario changes on dates
(:func:`~jailsim.present.comparisonperiods.comparison_periods`), the figures with their alt
texts, the resolved inputs and their sources.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd

from jailsim.experiments.comparison import table_rows
from jailsim.present import alttext
from jailsim.present.blocks import Table, embed
from jailsim.present.comparisonperiods import comparison_periods
from jailsim.present.formats import as_shown
from jailsim.present.meaning import DAYS_A_YEAR, comparison_meaning
from jailsim.present.page import render
from jailsim.present.sources import sources
from jailsim.results import plots
from jailsim.results.metrics import METRICS
from jailsim.results.result import Result
from jailsim.scenario.loading import RESOLVED_NAME

__all__ = ["REPORTED", "comparison_page", "differences_frame"]

#: Metrics of the figure of paired differences.
REPORTED = ["adp", "mean_los_days", "mean_los_days_detainer", "bed_days", "hold_bed_days",
            "attributable_bed_days", "detainers", "ice_transfers", "lapsed_detainers",
            "citizen_detainers"]


def differences_frame(comp: dict) -> pd.DataFrame:
    """The rows of ``comparison.csv`` from ``comparison.json`` (null: NaN)."""
    nan = float("nan")
    return pd.DataFrame.from_records([
        {"scenario": label, "baseline": comp["baseline"], "metric": name,
         **{k: nan if v is None else v for k, v in d.items()}}
        for label, diffs in comp["differences"].items() for name, d in diffs.items()])


def _table(rows: list[list[str]]) -> Table:
    """The command line's cells, their negative numbers with a true minus sign."""
    return Table(rows[0], [[as_shown(c) for c in r] for r in rows[1:]], names=2)


def _figures(comp: dict, runs: dict[str, Result]) -> list:
    base = comp["baseline"]
    figures = [(plots.los_survival(runs), alttext.stays(runs))]
    for label, diffs in comp["differences"].items():
        frame = pd.DataFrame(diffs).T
        keep = [m for m in REPORTED if m in frame.index and pd.notna(frame.loc[m, "pct"])]
        pct = frame.loc[keep, ["pct", "pct_ci_low", "pct_ci_high"]].astype(float)
        title = "\n".join(textwrap.wrap(f"{label} compared with {base}: paired differences",
                                        60))
        fig = plots.differences(
            pct, title=title, source=f"jailsim — seed {comp['seed']}, {comp['replications']} "
                                     f"replications, engine {comp['engine']}")
        figures.append((fig, alttext.differences(pct, label, base)))
    figures += [(plots.census(r), alttext.census(r)) for r in runs.values()]
    return [embed(fig, alt) for fig, alt in figures]


def comparison_page(folder: Path) -> str:
    """The report of a comparison folder, as HTML."""
    comp = json.loads((folder / "comparison.json").read_text())
    runs = {s["label"]: Result.load(folder / s["folder"]) for s in comp["scenarios"]}
    base = comp["baseline"]
    first = runs[base].scenario
    days = first.horizon - first.warmup
    summaries = {label: run.summary() for label, run in runs.items()}
    frame = differences_frame(comp)
    tables = [(f"{label} − {base}",
               _table(table_rows({base: summaries[base], label: summaries[label]}, frame,
                                 [m for m in diffs if m in METRICS])))
              for label, diffs in comp["differences"].items()]
    crn = "common random numbers" if comp["common_random_numbers"] else "independent streams"
    facts = (f"seed {comp['seed']}, {comp['replications']} replications per scenario on {crn}, "
             f"engine {comp['engine']}, jailsim {comp['jailsim_version']}. Differences are "
             "paired by replication; each cell is the mean ± the half-width of its 95% "
             "t-interval, and % is the percent change from the baseline.")
    per_year = (f"Counts and bed-days are per year: the totals of the {days:g}-day "
                f"measurement window times {DAYS_A_YEAR:g}/{days:g}. Each interval is "
                "the 95% t-interval of the paired difference over replications.")
    return render(
        "comparison.html", title=f"jailsim comparison: {' vs '.join(runs)}",
        descriptions=[(label, r.scenario.description) for label, r in runs.items()
                      if r.scenario.description],
        facts=facts, notes=comp.get("notes", []),
        meaning=[(label, comparison_meaning(diffs, label, base, days))
                 for label, diffs in comp["differences"].items()],
        per_year=per_year, tables=tables, periods=comparison_periods(runs),
        figures=_figures(comp, runs),
        resolved=[(label, (folder / s["folder"] / RESOLVED_NAME).read_text())
                  for label, s in zip(runs, comp["scenarios"], strict=True)],
        sources=sources({label: r.scenario for label, r in runs.items()}))
