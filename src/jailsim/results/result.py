"""Result: the tables of a run (bookings, census, metrics), their summary, and their views.

A Result is what a run gives back: the bookings table, the daily census and the metrics of
every replication. Its summary, breakdowns, explanations and figures are computed from those
tables; its folder is written and read by :mod:`jailsim.results.rundir`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from jailsim.model.context import Context
from jailsim.results import breakdown as _breakdown
from jailsim.results import explain as _explain
from jailsim.results import rundir
from jailsim.results.metrics import summarize
from jailsim.scenario.schema import Scenario


@dataclass(frozen=True, eq=False)
class Result:
    """What ``simulate`` returns.

    Attributes
    ----------
    scenario
        The scenario exactly as run (seed and replications filled in).
    engine
        ``"des"`` or ``"vector"``.
    bookings
        One row per booking and replication (see README, "bookings.parquet").
    census
        One row per day and replication: average census, with detainer, on hold, boarded out.
    metrics
        One row per replication, one column per metric.

    Examples
    --------
    >>> import jailsim
    >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, replications=2, days=60)
    >>> res.seed, res.scenario.replications, res.metrics.shape[0]
    (1, 2, 2)
    >>> int(res.summary().loc["adp", "n"])
    2
    >>> {"booking_id", "booked_at", "los_days"} <= set(res.bookings.columns)
    True
    """

    scenario: Scenario
    engine: str
    bookings: pd.DataFrame
    census: pd.DataFrame
    metrics: pd.DataFrame

    @property
    def seed(self) -> int:
        """The master seed of the run."""
        return int(self.scenario.seed)

    @cached_property
    def context(self) -> Context:
        """The scenario's calendars and policy periods (built once per Result)."""
        return Context.build(self.scenario)

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and t-interval of every metric across replications (rows: metric names)."""
        return summarize(self.metrics, confidence)

    @property
    def plot(self):
        """Figures of this result: ``result.plot.los()``, ``.census()``, ``.holds()``..."""
        from jailsim.results.plots import PlotAccessor  # matplotlib, loaded when first asked

        return PlotAccessor(self)

    def explain(self, booking_id: int, replication: int = 0):
        """One booking's stay as dated sentences (see :mod:`jailsim.results.explain`)."""
        return _explain.explain(self, booking_id, replication)

    def breakdown(self, by: str, confidence: float = 0.95) -> pd.DataFrame:
        """Every metric by a bookings column (charge, foreign_born, stream...), with intervals."""
        return _breakdown.breakdown(self, by, confidence)

    def metrics_by_period(self, confidence: float = 0.95) -> pd.DataFrame:
        """Every metric per policy period of the scenario's ``changes:`` timeline."""
        return _breakdown.metrics_by_period(self, confidence)

    def save(self, out: str | Path) -> Path:
        """Write the output folder of DESIGN.md (atomically, file by file)."""
        return rundir.write_run(self, Path(out))

    @classmethod
    def load(cls, folder: str | Path) -> Result:
        """The Result a run folder holds (one-line ScenarioError if it is not one)."""
        return cls(**rundir.read_run(folder))
