"""Arguments shared by the ``jailsim`` subcommands; bad text is a one-line error (exit 2).

The run options of every command that runs scenarios are declared once here
(:func:`add_run_options`), as :class:`jailsim.experiments.options.RunOptions` declares them
for the Python API, with the same defaults.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from jailsim.engines import DEFAULT_ENGINE, ENGINE_CHOICES


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 2."""

    def error(self, message: str):  # noqa: D102
        self.exit(2, f"{self.prog}: {message}\n")


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
days = _typed(float, "a number of days", lambda v: 0 < v <= 36525,
              "more than 0 and at most 36525")
nonnegative_days = _typed(float, "a number of days", lambda v: 0 <= v <= 36525,
                          "0 to 36525 days")
share = _typed(float, "a number", lambda v: 0 < v < 1, "more than 0 and less than 1")


def add_run_options(p: argparse.ArgumentParser, replications_help: str, *,
                    executors: bool = True) -> None:
    """Add the run options (seed, replications, horizon, engine, where to run) to ``p``."""
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's, or new)")
    p.add_argument("--replications", "-r", type=positive_int, help=replications_help)
    p.add_argument("--days", type=days, help="horizon in days (overrides the scenario)")
    p.add_argument("--warmup-days", type=nonnegative_days,
                   help="warm-up in days (overrides the scenario)")
    p.add_argument("--engine", choices=ENGINE_CHOICES, default=DEFAULT_ENGINE,
                   help="des (SimPy), vector (numpy) or auto (default)")
    if not executors:
        return
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    g = p.add_argument_group("where replications run (results are identical either way)")
    g.add_argument("--workers", "-j", type=positive_int,
                   help="local worker processes (or Dask workers with --dask)")
    g.add_argument("--dask", action="store_true",
                   help="start a Dask LocalCluster of --workers processes")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a running Dask cluster, e.g. tcp://10.0.0.5:8786")
