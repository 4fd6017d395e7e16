"""One self-contained HTML file from an output folder: what it means, tables, figures, sources.

The folder may be a run's (``jailsim run``), a comparison's (``jailsim compare``, ``demo``),
a sweep's (``jailsim sweep``) or a sensitivity analysis's (``jailsim sensitivity``); each kind
has its module (:mod:`~jailsim.present.runreport`, :mod:`~jailsim.present.comparisonreport`,
:mod:`~jailsim.present.sweepreport`, :mod:`~jailsim.present.sensitivityreport`) and its
template (:mod:`jailsim.present.page`). The report reads only what the command wrote (for a
run ``summary.json``, ``scenario.resolved.yaml``, ``bookings.parquet``, ``census.parquet``;
for a sweep ``sweep.json``, ``sweep.csv``; for a sensitivity analysis ``sensitivity.json``,
``sensitivity.csv``), so it can be made at any time after the run, on any machine. Figures are
embedded as base64 PNG, each with an alt text written from its data, and the page uses no
scripts, fonts or styles from the network: it opens offline, and prints.

Intervals follow the rule of the command line's tables (:mod:`jailsim.results.tables`): printed
as computed, and one of a metric that cannot be negative whose lower end is below 0 is marked
with a note under its table. A comparison's tables are the command line's cells: each
scenario's own mean ± half-width (defined even where the other side's is not), the difference
and the percent change. Every number has a true minus sign (:mod:`jailsim.present.formats`).
"""

from __future__ import annotations

from pathlib import Path

from jailsim.base.atomic import atomic_write_text
from jailsim.base.manifest import check_output, write_output
from jailsim.present.comparisonreport import comparison_page
from jailsim.present.runreport import run_page
from jailsim.present.sensitivityreport import sensitivity_page
from jailsim.present.sweepreport import sweep_page
from jailsim.results.result import Result
from jailsim.results.rundir import as_written

__all__ = ["REPORT_NAME", "load_run", "write_report"]

#: The report's file name in an output folder.
REPORT_NAME = "report.html"


def load_run(folder: str | Path) -> Result:
    """Rebuild a Result from a run's output folder (one-line error if it is not one)."""
    return Result.load(folder)


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` for an output folder (or to ``out``); return its path.

    The folder is that of a run, a comparison, a sweep or a sensitivity analysis.

    Examples
    --------
    >>> import tempfile
    >>> import jailsim
    >>> from jailsim.present.report import write_report
    >>> folder = tempfile.mkdtemp()
    >>> s = jailsim.sweep("jailsim:jem.yaml", {"jem.officers": [1, 2]}, seed=1,
    ...                   replications=2, days=30, out=folder)
    >>> write_report(folder).name
    'report.html'
    """
    folder = Path(folder)
    kind = check_output(folder)["kind"]  # complete, and every file as it was written
    pages = {"comparison": comparison_page, "sweep": sweep_page,
             "sensitivity": sensitivity_page}
    if kind in pages:
        with as_written(folder / f"{kind}.json"):
            text = pages[kind](folder)
    else:
        result = load_run(folder)
        with as_written(folder / "summary.json"):
            text = run_page(folder, result)
    if out:
        return atomic_write_text(Path(out), text)
    return write_output(folder, REPORT_NAME, lambda p: p.write_text(text, encoding="utf-8"))
