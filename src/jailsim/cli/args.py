"""Arguments shared by the ``jailsim`` subcommands; bad text is a one-line error (exit 2).

The run options of every command that runs scenarios are declared once here
(:func:`add_run_options`, read back by :func:`run_options`), as
:class:`jailsim.experiments.options.RunOptions` declares them for the Python API, with the
same defaults; so are the options of a paired comparison (:func:`add_comparison_options`),
the keywords of :func:`jailsim.compare` of the same names. ``-r`` is ``--replications``
wherever it is accepted, ``-q`` is ``--quiet`` and ``-j`` is ``--workers``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from jailsim.base.errors import ScenarioError
from jailsim.base.terminal import printable
from jailsim.model.runchoices import DEFAULT_ENGINE, ENGINE_CHOICES
from jailsim.results.metricnames import check_metrics

if TYPE_CHECKING:
    from jailsim.experiments.options import RunOptions


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 2."""

    def error(self, message: str):  # noqa: D102
        self.exit(2, f"{printable(self.prog)}: {printable(message)}\n")


def _typed(cast: Callable, kind: str, ok: Callable[[float], bool], expected: str):
    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


positive_int = _typed(int, "a whole number", lambda v: 1 <= v < 2**31, "1 or more")
nonnegative_int = _typed(int, "a whole number", lambda v: 0 <= v < 2**31, "0 or more")
seed = _typed(int, "a whole number", lambda v: 0 <= v < 2**63, "0 to 2**63-1")
share = _typed(float, "a number", lambda v: 0 < v < 1, "more than 0 and less than 1")


def days(text: str) -> float:
    """A horizon: days (``30``) or a duration with its unit (``30d``, ``12w``, ``2y``)."""
    from jailsim.experiments.options import parse_days  # with --days, not to build the parser

    try:
        return parse_days(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def nonnegative_days(text: str) -> float:
    """A warm-up: as :func:`days`, and 0 is allowed."""
    from jailsim.experiments.options import parse_days

    try:
        return parse_days(text, zero=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def metric_list(text: str) -> list[str]:
    """``adp,bed_days`` -> the metric names, each checked (a typo gets a "did you mean")."""
    try:
        return check_metrics([m.strip() for m in text.split(",") if m.strip()], where=None)
    except ScenarioError as exc:
        raise argparse.ArgumentTypeError(exc.lines[0]) from None


def add_run_options(p: argparse.ArgumentParser, replications_help: str) -> None:
    """Add the run options (seed, replications, horizon, engine, where to run) to ``p``."""
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's, or new)")
    p.add_argument("--replications", "-r", type=positive_int, help=replications_help)
    p.add_argument("--days", type=days, metavar="DAYS",
                   help="horizon (overrides the scenario): days, or with a unit, e.g. 30d, "
                        "12w, 2y")
    p.add_argument("--warmup-days", type=nonnegative_days, metavar="DAYS",
                   help="warm-up left out of the metrics (overrides the scenario): days, or "
                        "with a unit, e.g. 14d, 2w")
    p.add_argument("--engine", choices=ENGINE_CHOICES, default=DEFAULT_ENGINE,
                   help="des (SimPy), vector (numpy) or auto (default)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--metrics-only", action="store_true",
                   help="keep only the metrics: no bookings or census table is kept or "
                        "written (the memory of one replication per worker)")
    p.add_argument("--parameter-uncertainty", action="store_true",
                   help="draw a parameter set per replication from the scenario's "
                        "uncertainty: block; the same replications also run with the "
                        "parameters held, and the output says which part of each band is "
                        "parameter uncertainty and which is simulation noise")
    g = p.add_argument_group("where replications run (results are identical either way)")
    g.add_argument("--workers", "-j", type=positive_int,
                   help="local worker processes (or Dask workers with --dask)")
    g.add_argument("--dask", action="store_true",
                   help="start a Dask LocalCluster of --workers processes")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a running Dask cluster, e.g. tcp://10.0.0.5:8786")


def add_out_option(p: argparse.ArgumentParser, default: str) -> None:
    """Add ``--out FOLDER`` (default ``default``, in words) and ``--overwrite`` to ``p``."""
    p.add_argument("--out", type=Path, help=f"output folder (default: {default})")
    p.add_argument("--overwrite", action="store_true",
                   help="write into an --out folder that holds files jailsim did not write "
                        "(they stay); without it such a folder is refused")


def run_options(args: argparse.Namespace, out: Path | None = None, progress=None,
                **fields) -> RunOptions:
    """The :class:`RunOptions` of the options :func:`add_run_options` added.

    ``fields`` (names of RunOptions) override what the command line gave.
    """
    from jailsim.experiments.options import RunOptions

    if args.scheduler is not None and args.workers is not None:
        raise ScenarioError(
            ["--workers does not apply with --scheduler (the cluster has its own workers)"]
        )
    given = dict(seed=args.seed, replications=args.replications, days=args.days,
                 warmup_days=args.warmup_days, engine=args.engine, out=out,
                 progress=progress, workers=args.workers, dask=bool(args.dask),
                 scheduler=args.scheduler, overwrite=bool(getattr(args, "overwrite", False)),
                 metrics_only=bool(getattr(args, "metrics_only", False)),
                 parameter_uncertainty=bool(getattr(args, "parameter_uncertainty", False)))
    return RunOptions(**{**given, **fields})


def add_comparison_options(p: argparse.ArgumentParser) -> None:
    """Add the options of a paired comparison (``independent``, ``allow_mismatch``) to ``p``.

    They are the keywords of :func:`jailsim.compare` of the same names, off by default.
    """
    p.add_argument("--independent", action="store_true",
                   help="independent random streams per scenario instead of common ones")
    p.add_argument("--allow-mismatch", action="store_true",
                   help="compare scenarios whose start dates, horizons or warm-ups differ "
                        "(one warning each); without it they are refused")
