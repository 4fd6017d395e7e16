"""Running results: the daily census and metrics of one replication, from batches of rows.

A replication run in chunks hands out its bookings table (the table of
:func:`jailsim.results.records.table`, same columns and dtypes) in batches of rows as they
become final, not as one table, so that a run asking only for metrics never holds a row per
booking. :class:`RunningResults` turns such batches into the census of
:func:`~jailsim.results.census.daily_census` and the metrics of
:func:`~jailsim.results.metrics.replication_metrics` of the whole table: the same code, which
reads the whole table as one batch (:class:`~jailsim.results.census.RunningCensus`,
:class:`~jailsim.results.metrics.MetricSums`).

The stream's contract: every row of the table comes in exactly one batch (rows in any order
within a batch; a batch may be empty); each batch comes with a frontier ``F``, frontiers never
decrease, and after the batch with frontier ``F`` every row still to come has ``exit_at >= F``
or NaN (still in at the horizon), though it may have been booked before ``F``: the batch gives
the ``booked_at`` of exactly those rows still to come with ``booked_at < F``. So the census
N(t) is known up to ``F``. The last batch has the frontier ``+inf`` and no pending bookings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jailsim.model.context import Context
from jailsim.results.census import RunningCensus
from jailsim.results.metrics import MetricSums
from jailsim.results.quantiles import AFTER


class RunningResults:
    """The daily census and metrics of one replication, built batch by batch.

    Held between batches: the census's running integrals (a few arrays of one value per day),
    the census at the frontier, the counts and sums the metrics are made of, and the values
    the quantiles need (the stays of people who left in the measurement window and the hold
    lengths of holds that ended in it: with ``settle``, once the stream is past the window's
    start, only those near each quantile); nothing else per booking. The census agrees with
    :func:`~jailsim.results.census.daily_census` of the whole table, and the metrics with
    :func:`~jailsim.results.metrics.replication_metrics`, to rounding (counts exactly).

    Parameters
    ----------
    ctx : Context
        The run's scenario (horizon, warm-up, rated capacity, start date) and officer
        timetables.
    settle : bool
        Let the quantiles keep only the values near them once a batch's frontier is past
        the window's start (:mod:`jailsim.results.quantiles`); :meth:`metrics` may then
        raise :class:`~jailsim.results.quantiles.WindowMissed` (make them again without).

    Examples
    --------
    >>> import jailsim
    >>> from jailsim.experiments.replication import run_replication
    >>> from jailsim.model.context import Context
    >>> sc = jailsim.load("jailsim:jem.yaml").with_({"horizon": "30d"})
    >>> ctx = Context.build(sc)
    >>> bookings, census, metrics = run_replication(ctx, 1, 0, "vector")
    >>> left = bookings["exit_at"] < 15.0
    >>> pending = bookings.loc[~left, "booked_at"].to_numpy()
    >>> running = RunningResults(ctx)
    >>> running.add(bookings[left], 15.0, pending[pending < 15.0])
    >>> running.add(bookings[~left], float("inf"), pending[:0])
    >>> running.metrics()["detainers"] == metrics["detainers"]
    True
    """

    def __init__(self, ctx: Context, *, settle: bool = True):
        sc = ctx.scenario
        self.ctx = ctx
        self._census = RunningCensus(sc.horizon, sc.jail.rated_capacity, sc.start_date)
        self._sums = MetricSums(ctx)
        self._settle = settle  # let the quantiles settle once past the window's start

    @property
    def frontier(self) -> float:
        """The frontier of the last batch added (``-inf`` before the first)."""
        return self._census.frontier

    def add(self, part: pd.DataFrame, frontier: float, pending_booked: np.ndarray) -> None:
        """Add a batch of final rows of the bookings table.

        Parameters
        ----------
        part : DataFrame
            Rows of the bookings table, any order, possibly none.
        frontier : float
            No row still to come leaves before it (days); at least the previous batch's;
            ``+inf`` for the last batch.
        pending_booked : array of float
            The ``booked_at`` of exactly the rows still to come that were booked before
            ``frontier``; empty for the last batch.

        Raises
        ------
        ValueError
            Where the batch shows the stream broke its contract
            (:meth:`jailsim.results.census.RunningCensus.add`); nothing is added.
        """
        self._census.add(part, frontier, pending_booked)
        self._sums.add(part)
        if self._settle and frontier > self._sums.window[0]:
            # the stream is past the warm-up: values from now on are like the rest
            for _, quantile in self._sums.quantiles.values():
                quantile.settle_after(AFTER * quantile.count)
            self._settle = False

    def census(self) -> pd.DataFrame:
        """The daily census, as :func:`~jailsim.results.census.daily_census` makes it.

        Raises
        ------
        ValueError
            Before the last batch (frontier ``+inf``).
        """
        return self._census.table()

    def metrics(self, census: pd.DataFrame | None = None) -> dict[str, float]:
        """Every metric of ``METRICS``, as :func:`~jailsim.results.metrics.replication_metrics`.

        Over the measurement window [warm-up, horizon]; ``census``: :meth:`census`, if at
        hand (else made again).

        Raises
        ------
        ValueError
            Before the last batch (frontier ``+inf``).
        """
        return self._sums.metrics(self.census() if census is None else census)
