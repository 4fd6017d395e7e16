"""A comparison and a sweep as a notebook shows them: one line of ``repr``, a short HTML table.

:class:`~jailsim.experiments.comparison.Comparison` and
:class:`~jailsim.experiments.sweeps.Sweep` take their ``__repr__`` and ``_repr_html_`` from
here, as a Result takes its own from :mod:`jailsim.results.display`: the facts of the run (the
baseline scenario's, or the swept scenario's), then the headline metrics
(:data:`~jailsim.results.metrics.HEADLINE`) with units and 95% intervals. A sweep shows its
first :data:`POINTS` design points; however large the run, the HTML is a few thousand
characters at most, every text escaped (:mod:`jailsim.base.markup`).
"""

from __future__ import annotations

from collections.abc import Sequence

from jailsim.base import markup
from jailsim.results.display import table_notes
from jailsim.results.metrics import HEADLINE, METRICS
from jailsim.results.tables import cell

__all__ = ["POINTS", "SWEPT", "comparison_html", "comparison_repr", "sweep_html", "sweep_repr"]

#: Design points a sweep's HTML shows (``Sweep.table`` holds them all).
POINTS = 6
#: Metrics a sweep's HTML shows: the headline metrics but bed-days (the ADP times the days).
SWEPT = tuple(m for m in HEADLINE if m != "bed_days")
#: Longest text of the factors in a sweep's one-line ``repr``.
_FACTORS_TEXT = 120


def comparison_repr(comparison) -> str:
    """One line: baseline, labels, replications, seed, common random numbers, engine."""
    first = comparison.results[comparison.baseline]
    return (f"Comparison(baseline={comparison.baseline!r}, scenarios={list(comparison.results)!r},"
            f" replications={first.scenario.replications}, seed={comparison.seed}, "
            f"crn={comparison.crn}, engine={first.engine!r})")


def comparison_html(comparison, rows: Sequence[Sequence[str]]) -> str:
    """The facts of the comparison and ``rows`` (its table of the headline metrics)."""
    first = comparison.results[comparison.baseline]
    facts = {k: v for k, v in first.scenario.facts().items()
             if k in ("dates", "warm-up", "replications", "seed")}
    facts = {"scenarios": ", ".join(comparison.results), "baseline": comparison.baseline,
             **facts, "engine": first.engine,
             "random numbers": ("common to every scenario (paired replications)"
                                if comparison.crn else "independent")}
    notes = [*comparison.notes, *table_notes(rows),
             "mean ± 95% half-width; differences from the baseline are paired. Every metric: "
             "Comparison.summary(), Comparison.differences; figures: Comparison.plot"]
    return markup.panel(f"jailsim Comparison: {', '.join(comparison.results)}",
                        markup.facts_table(facts), markup.table(rows, left=2), notes=notes)


def sweep_repr(sweep) -> str:
    """One line: scenario, factors (cut short), design points, replications, seed, engine."""
    sc = sweep.scenario
    factors = repr(sweep.factors)
    if len(factors) > _FACTORS_TEXT:
        factors = factors[: _FACTORS_TEXT - 4] + " ...}"
    return (f"Sweep(scenario={sc.name!r}, factors={factors}, points={len(sweep.design)}, "
            f"replications={sc.replications}, seed={sc.seed}, engine={sweep.engine!r})")


def sweep_html(sweep, metrics: Sequence[str] = SWEPT) -> str:
    """Facts of the swept scenario and factors, then the first design points' metrics."""
    sc = sweep.scenario
    facts = {k: v for k, v in sc.facts().items()
             if k in ("name", "program", "dates", "warm-up", "seed")}
    facts["replications"] = f"{sc.replications:,} per design point (common random numbers)"
    facts["engine"] = sweep.engine
    for path, values in sweep.factors.items():
        facts[f"varied: {path}"] = ", ".join(str(v) for v in values)
    paths = list(sweep.factors)
    rows = [["point", *paths, *(f"{m} ({METRICS[m][0]})" for m in metrics)]]
    t = sweep.table.set_index(["point", "metric"])
    for d in sweep.design.head(POINTS).to_dict("records"):
        p = int(d["point"])
        rows.append([str(p), *(str(d[k]) for k in paths),
                     *(cell(t.loc[(p, m)], m) for m in metrics)])
    notes = table_notes(rows)
    more = len(sweep.design) - POINTS
    if more > 0:
        notes.append(f"and {more:,} more design points")
    notes.append("mean ± 95% half-width at each design point; all points and metrics: "
                 "Sweep.table")
    return markup.panel(f"jailsim Sweep: {sc.name}, {len(sweep.design):,} design points",
                        markup.facts_table(facts), markup.table(rows, left=1 + len(paths)),
                        notes=notes)
