"""A run as a notebook shows it: one line of ``repr``, a short HTML table, a figure's footer.

:class:`~jailsim.results.result.Result` takes its ``__repr__``, ``_repr_html_`` and
``source_line`` from here. The HTML is the scenario's facts (:meth:`Scenario.facts`), the
engine and the size of the bookings table, then the headline metrics
(:data:`~jailsim.results.metrics.HEADLINE`) with their units and 95% intervals, printed as the
command line prints them (:func:`jailsim.results.tables.cell`): a couple of thousand characters
whatever the size of the run, every text escaped (:mod:`jailsim.base.markup`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from jailsim.base import markup
from jailsim.results.metrics import HEADLINE, METRICS
from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE, cell

__all__ = ["metric_rows", "result_html", "result_repr", "source_line", "table_notes"]


def source_line(result) -> str:
    """``jailsim — scenario 'X', seed S, N replications, engine E``: a figure's footer."""
    sc = result.scenario
    return (f"jailsim — scenario '{sc.name}', seed {result.seed}, {sc.replications} "
            f"replication{'s' if sc.replications != 1 else ''}, engine {result.engine}")


def result_repr(result) -> str:
    """One line: scenario, program, days, replications, seed, engine, bookings rows."""
    sc = result.scenario
    return (f"Result(scenario={sc.name!r}, program={sc.program!r}, "
            f"start_date='{sc.start_date.isoformat()}', horizon_days={sc.horizon:g}, "
            f"replications={sc.replications}, seed={result.seed}, engine={result.engine!r}, "
            f"bookings={_rows(result)})")


def _rows(result) -> str:
    """``1,234 rows``, counted without reading a table on disk; ``not kept`` (metrics only)."""
    rows = result.booking_rows
    return "not kept" if rows is None else f"{rows:,} rows"


def metric_rows(summaries: Mapping[str, pd.DataFrame],
                metrics: Sequence[str] = HEADLINE) -> list[list[str]]:
    """Header and one row per metric: name, unit, each summary's mean ± 95% half-width."""
    rows = [["metric", "unit", *(f"{label} (mean ± 95% half-width)" if label else
                                 "mean ± 95% half-width" for label in summaries)]]
    for name in metrics:
        rows.append([name, METRICS[name][0], *(cell(s.loc[name], name)
                                               for s in summaries.values())])
    return rows


def table_notes(rows: Sequence[Sequence[str]]) -> list[str]:
    """The note on intervals below 0 when a cell of ``rows`` is marked (else none)."""
    return [BELOW_ZERO_NOTE] if any(BELOW_ZERO in c for r in rows for c in r) else []


def result_html(result) -> str:
    """The scenario's facts, the run's, and its headline metrics with 95% intervals."""
    sc = result.scenario
    facts = {**sc.facts(), "engine": result.engine,
             "bookings": (f"{_rows(result)}, all replications (Result.bookings)"
                          if result.booking_rows is not None
                          else "not kept (a metrics-only run)")}
    rows = metric_rows({"": result.summary()})
    notes = [*table_notes(rows), "every metric: Result.summary(); figures: Result.plot"]
    return markup.panel(f"jailsim Result: {sc.name}", markup.facts_table(facts),
                        markup.table(rows, left=2), notes=notes)
