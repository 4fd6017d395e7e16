"""The report of a run folder (``jailsim run``): what it means, its metrics, periods and figures.

Read from what the run wrote (``summary.json``, ``scenario.resolved.yaml`` and the tables the
:class:`~jailsim.results.result.Result` loads), laid out by ``templates/run.html``: the
scenario and the run's settings, what the run means in plain words
(:func:`~jailsim.present.meaning.run_meaning`), the headline table of every metric with its 95%
interval, the policy periods of a scenario with dated changes, the figures with their alt texts,
the resolved inputs and their sources.
"""

from __future__ import annotations

import json
from pathlib import Path

from jailsim.model.context import Context
from jailsim.present import alttext
from jailsim.present.blocks import Table, embed
from jailsim.present.formats import interval, number
from jailsim.present.meaning import run_meaning
from jailsim.present.page import render
from jailsim.present.periods import period_section, program_sentence
from jailsim.present.sources import sources
from jailsim.results import plots
from jailsim.results.metrics import METRICS
from jailsim.scenario.loading import RESOLVED_NAME

__all__ = ["headline", "run_figures", "run_page"]


def headline(summary: dict) -> Table:
    """Every metric of ``summary.json``: its meaning, mean, 95% interval and unit."""
    rows = []
    for name, m in summary["metrics"].items():
        unit, meaning = METRICS.get(name, ("", ""))
        rows.append([name, meaning, number(m["mean"]),
                     interval(m.get("ci_low"), m.get("ci_high"), name), unit])
    return Table(["metric", "meaning", "mean", "95% interval", "unit"], rows, names=2)


def run_figures(result) -> list:
    """The run's figures, each with the alt text of its data."""
    figures = [(plots.los_survival(result), alttext.stays({result.scenario.name: result})),
               (plots.census(result), alttext.census(result)),
               (plots.holds(result), alttext.holds(result))]
    if Context.of(result).policy.uses_jem:
        figures.append((plots.screening(result), alttext.screening(result)))
    return [embed(fig, alt) for fig, alt in figures]


def run_page(folder: Path, result) -> str:
    """The report of a run folder, as HTML."""
    summary = json.loads((folder / "summary.json").read_text())
    sc = result.scenario
    lo, hi = summary["window_days"]
    facts = (f"seed {summary['seed']}, {summary['replications']} replications, engine "
             f"{summary['engine']}, jailsim {summary['jailsim_version']}; measurement window "
             f"days {lo:g}–{hi:g} from {summary['start_date']}.")
    return render(
        "run.html", title=f"jailsim report: {sc.name}", description=sc.description,
        facts=facts,
        meaning=run_meaning(summary["metrics"], sc.name, program_sentence(sc), hi - lo),
        headline=headline(summary), periods=period_section(result),
        figures=run_figures(result),
        resolved=[(sc.name, (folder / RESOLVED_NAME).read_text())],
        sources=sources({sc.name: sc}))
