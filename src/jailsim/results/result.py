"""Result: the tables of a run (bookings, census, metrics), their summary, and their views.

A Result is what a run gives back: the bookings table, the daily census and the metrics of
every replication. Its summary, breakdowns, explanations and figures are computed from those
tables; its folder is written and read by :mod:`jailsim.results.rundir`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.model.context import Context
from jailsim.results import breakdown as _breakdown
from jailsim.results import display, rundir
from jailsim.results import explain as _explain
from jailsim.results.metrics import summarize
from jailsim.results.records import TIME_COLUMNS
from jailsim.results.tablefiles import StoredTable, TableField, held
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
        One row per booking and replication (see README, "bookings.parquet"). Its times are
        float days since the scenario's ``start_date`` (00:00); :meth:`bookings_with_times`
        adds the same instants as pandas Timestamps, in a table of its own, so a large run
        does not carry every time twice. A run written to a folder (``out=``, or
        ``Result.load``) reads it from there when first asked, and keeps it then;
        :meth:`bookings_columns` reads only some columns, :attr:`booking_rows` counts rows
        without reading. A metrics-only run has none: asking is a one-line ScenarioError.
    census
        One row per day and replication: average census, with detainer, on hold, boarded out
        (read when first asked, as ``bookings``).
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
    >>> res  # in a notebook: a table of the scenario and its headline metrics
    Result(scenario='JEM', program='jem', ..., seed=1, engine='vector', bookings=... rows)
    """

    scenario: Scenario
    engine: str
    bookings: pd.DataFrame = TableField()
    census: pd.DataFrame = TableField()
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
        """Mean and t-interval of every metric across replications (rows: metric names).

        Columns ``unit`` (people, days, bed-days, count, share, hours...: the unit of
        :data:`~jailsim.results.metrics.METRICS`), ``mean``, ``ci_low``, ``ci_high``, ``n``.

        Examples
        --------
        >>> import jailsim
        >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, replications=2, days=30)
        >>> res.summary().loc[["adp", "mean_los_days", "hold_bed_days"], "unit"].tolist()
        ['people', 'days', 'bed-days']
        """
        return summarize(self.metrics, confidence)

    @property
    def booking_rows(self) -> int | None:
        """Rows of the bookings table, counted without reading it; None if none was kept."""
        table = held(self, "bookings")
        if isinstance(table, pd.DataFrame):
            return len(table)
        return table.rows if isinstance(table, StoredTable) else None

    def bookings_columns(self, columns: Sequence[str]) -> pd.DataFrame:
        """The bookings table's ``columns`` alone.

        A run written to a folder reads its table from there only when asked; this reads only
        ``columns`` of it (and keeps nothing), so a figure of a large run does not load every
        column of every replication. A table already read is sliced.
        """
        table = held(self, "bookings")
        if isinstance(table, pd.DataFrame):
            return table[list(columns)]
        return table.frame(columns)

    def bookings_with_times(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The bookings table with each time also as a pandas Timestamp, beside it.

        Beside each time column ``X_at`` (float days since ``start_date`` 00:00) comes
        ``X_time``: the same instant as a Timestamp (``datetime64``, the jail's local clock,
        ``NaT`` where the time is NaN). ``columns`` picks the time columns (default: every
        one). A new table is returned and :attr:`bookings` is left as it is: the new table
        shares the columns of :attr:`bookings` and only the Timestamp columns take memory
        (8 bytes a row each), which for a large run is why they are not there by default.

        Examples
        --------
        >>> import jailsim
        >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, days=30)
        >>> b = res.bookings_with_times(["booked_at", "exit_at"])
        >>> list(b.columns[3:5])
        ['booked_at', 'booked_time']
        >>> row = b[b["booked_at"] >= 0].iloc[0]
        >>> after = row["booked_time"] - pd.Timestamp(res.scenario.start_date)
        >>> bool(abs(after / pd.Timedelta(days=1) - row["booked_at"]) < 1e-9)
        True
        """
        b = self.bookings
        times = [c for c in TIME_COLUMNS if c in b.columns]
        chosen = times if columns is None else list(columns)
        unknown = [c for c in chosen if c not in times]
        if unknown:
            raise ValueError(f"not a time column of the bookings table: {unknown} "
                             f"(allowed: {times})")
        start = pd.Timestamp(self.scenario.start_date)
        out = b.copy(deep=False)
        for col in chosen:
            stamps = start + pd.to_timedelta(b[col].to_numpy(), unit="D")
            out.insert(out.columns.get_loc(col) + 1, col.removesuffix("_at") + "_time", stamps)
        return out

    def with_costs(self, changes: dict[str, Any] | None = None, /, **dotted: Any) -> Result:
        """The same run priced with other costs: its scenario's ``costs.*`` fields changed.

        Costs do not change the simulation, so the tables stay as they are and only the
        budget (:func:`jailsim.budget_table`) changes. Paths as for ``Scenario.with_``;
        a path outside ``costs`` is refused (the tables were simulated with it).

        Examples
        --------
        >>> import jailsim
        >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, replications=2, days=30)
        >>> cheap = res.with_costs({"costs.bed_day_cost_usd_per_day": 50.0})
        >>> cheap.bookings is res.bookings, cheap.scenario.costs.bed_day_cost_usd_per_day[0].usd
        (True, 50.0)
        """
        changes = {**(changes or {}), **dotted}
        outside = [p for p in changes if p != "costs" and not p.startswith("costs.")]
        if outside:
            raise ScenarioError([f"with_costs: {p}: only costs.* may change (the run was "
                                 "simulated with the rest)" for p in outside])
        return dataclasses.replace(self, scenario=self.scenario.with_(changes),
                                   bookings=held(self, "bookings"), census=held(self, "census"))

    @property
    def source_line(self) -> str:
        """``jailsim — scenario 'X', seed S, N replications, engine E``: a figure's footer."""
        return display.source_line(self)

    def __repr__(self) -> str:
        return display.result_repr(self)

    def _repr_html_(self) -> str:
        """A notebook's view: scenario, run and headline metrics with 95% intervals."""
        return display.result_html(self)

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

    def save(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write the run folder (atomically, file by file, its manifest last).

        A folder holding files jailsim did not write is refused unless ``overwrite``; a
        previous output of jailsim's there is replaced whole.
        """
        return rundir.write_run(self, Path(out), overwrite=overwrite)

    @classmethod
    def load(cls, folder: str | Path) -> Result:
        """The Result a run folder holds (one-line ScenarioError if it is not one)."""
        return cls(**rundir.read_run(folder))
