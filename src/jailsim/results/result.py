"""Result: the tables of a run (bookings, census, metrics) and their summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and t-interval of every metric across replications (rows: metric names)."""
        return summarize(self.metrics, confidence)

    @property
    def plot(self):
        """Figures of this result: ``result.plot.los()``, ``.census()``, ``.holds()``..."""
        from jailsim.results.plots import PlotAccessor

        return PlotAccessor(self)

    def explain(self, booking_id: int, replication: int = 0):
        """One booking's stay as dated sentences (see :mod:`jailsim.results.explain`)."""
        from jailsim.results.explain import explain

        return explain(self, booking_id, replication)

    def breakdown(self, by: str, confidence: float = 0.95) -> pd.DataFrame:
        """Every metric by a bookings column (charge, foreign_born, stream...), with intervals."""
        from jailsim.results.breakdown import breakdown

        return breakdown(self, by, confidence)

    def metrics_by_period(self, confidence: float = 0.95) -> pd.DataFrame:
        """Every metric per policy period of the scenario's ``changes:`` timeline."""
        from jailsim.results.breakdown import metrics_by_period

        return metrics_by_period(self, confidence)

    def save(self, out: str | Path) -> Path:
        """Write the output folder of DESIGN.md (atomically, file by file)."""
        from jailsim.results.rundir import write_run

        return write_run(self, Path(out))
