"""Back-testing: a scenario set against a county's booking export over the same period.

The scenario is simulated over the export's own window, from its first booking day to the
time the data stops, many times; the daily census and the monthly admissions of the export
are then set against the simulation's interval band (by default the central 90% of the
replications). The simulated jail starts empty, as the export does: an export of the
period's bookings counts nobody booked before it, so its census starts at zero too. A trend
in the scenario is carried to the export's start date, so a scenario calibrated on one
period can be tested on another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.calibration.figures import plot_census, plot_monthly
from jailsim.county.exports import Export, read_export
from jailsim.experiments.simulate import simulate
from jailsim.results.census import presence, step_integral
from jailsim.scenario.loading import load
from jailsim.scenario.schema import Scenario

__all__ = ["Backtest", "backtest", "observed_census", "simulate_window"]


def simulate_window(
    scenario: Scenario, export: Export, *, replications: int, seed: int, progress=None,
    workers: int | None = None,
) -> tuple[Scenario, pd.DataFrame]:
    """Simulate ``scenario`` over the export's window, starting empty.

    Returns the scenario as run and its bookings, keeping only bookings inside the export's
    booking window (a run continues to the as-of time, when the export stops).
    ``progress(done, total)`` is called as replications finish; ``workers`` local processes
    run them (default: this process).
    """
    start = export.start.date()
    changes = {
        "start_date": start.isoformat(),
        "horizon": f"{max(export.as_of_days, 1 / 24)!r}d",
        "warmup": "0d",
        "warm_start.kind": "none",
    }
    shift = (start - scenario.start_date).days / 365.25
    for name in ("bookings", "task_force"):
        stream = getattr(scenario.arrivals, name)
        if stream is not None and shift and stream.profile.trend_per_year:
            rate = stream.rate * (1 + stream.profile.trend_per_year) ** shift
            changes[f"arrivals.{name}.rate"] = f"{rate!r}/day"
    sc = scenario.with_(changes)
    res = simulate(sc, seed=seed, replications=replications, engine="vector",
                   progress=progress, workers=workers)
    b = res.bookings
    return res.scenario, b[b["booked_at"] < export.window_days].reset_index(drop=True)


def _daily(enter: np.ndarray, leave: np.ndarray, days: float) -> np.ndarray:
    edges = np.arange(0.0, np.floor(days) + 1.0)
    if edges[-1] < days:
        edges = np.append(edges, days)
    t, d = presence(enter, leave)
    return step_integral(t, d, edges) / np.diff(edges)


def observed_census(export: Export) -> np.ndarray:
    """Daily average census of the export's bookings, day 0 to the as-of time.

    Date-only times count from mid-day; people without a release are in until the end.
    """
    b = export.bookings
    return _daily(b["t_booked"].to_numpy(), b["t_exit"].to_numpy(), export.as_of_days)


def simulated_census(bookings: pd.DataFrame, days: float) -> np.ndarray:
    """Daily average census, one row per replication."""
    out = [
        _daily(g["booked_at"].to_numpy(), g["exit_at"].to_numpy(), days)
        for _, g in bookings.groupby("replication", sort=True)
    ]
    return np.vstack(out)


def _months(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("M")


@dataclass(frozen=True, eq=False)
class Backtest:
    """Observed vs simulated daily census and monthly admissions, with the simulation's band.

    Examples
    --------
    >>> import jailsim
    >>> from jailsim.county.exports import to_export
    >>> sc = jailsim.load("jailsim:base_county.yaml").with_(
    ...     {"warm_start.kind": "none", "horizon": "120d"})
    >>> export = to_export(jailsim.simulate(sc, seed=1).bookings, sc.start_date)
    >>> bt = jailsim.backtest(sc, export, replications=2, seed=2)
    >>> bt.replications, sorted(bt.coverage)
    (2, ['daily_census', 'monthly_admissions'])
    >>> list(bt.census.columns[:2])
    ['date', 'observed']
    """

    export: Export
    scenario: Scenario
    census: pd.DataFrame
    monthly: pd.DataFrame
    level: float
    replications: int
    seed: int
    source: str

    @property
    def coverage(self) -> dict[str, float]:
        """Share of days and of months whose observed value is inside the band."""
        return {"daily_census": float(self.census["inside"].mean()),
                "monthly_admissions": float(self.monthly["inside"].mean())}

    def lines(self) -> list[str]:
        """Summary text, as printed by ``jailsim backtest``."""
        c, m = self.census, self.monthly
        pct = f"{self.level:.0%}"
        return [
            f"back-test of {self.scenario.name!r} against {self.export.source}: "
            f"{self.export.start:%Y-%m-%d} to {self.export.as_of:%Y-%m-%d %H:%M}, "
            f"{self.replications} replications (seed {self.seed}), {pct} band",
            f"daily census: observed mean {c['observed'].mean():.1f}, simulated mean "
            f"{c['sim_mean'].mean():.1f}; {self.coverage['daily_census']:.0%} of "
            f"{len(c)} days inside the band",
            f"monthly admissions: observed mean {m['observed'].mean():.0f}, simulated mean "
            f"{m['sim_mean'].mean():.0f}; {self.coverage['monthly_admissions']:.0%} of "
            f"{len(m)} months inside the band",
        ]

    def save(self, folder: str | Path) -> list[Path]:
        """Write ``census.csv``, ``monthly_admissions.csv``, ``backtest.json`` and figures."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        files = [folder / "census.csv", folder / "monthly_admissions.csv",
                 folder / "backtest.json"]
        self.census.to_csv(files[0], index=False)
        self.monthly.assign(month=self.monthly["month"].astype(str)).to_csv(files[1],
                                                                              index=False)
        summary = {"scenario": self.scenario.name, "data": self.export.source,
                   "level": self.level, "replications": self.replications, "seed": self.seed,
                   "coverage": self.coverage, "lines": self.lines()}
        files[2].write_text(json.dumps(summary, indent=2) + "\n")
        files.append(plot_census(self.census, folder / "daily_census.png", self.source,
                                 self.level, "Daily census: export vs simulation"))
        files.append(plot_monthly(self.monthly, folder / "monthly_admissions.png", self.source,
                                  self.level))
        return files


def compare_census(export: Export, bookings: pd.DataFrame, level: float) -> pd.DataFrame:
    """Observed daily census next to the simulation's mean and band."""
    obs = observed_census(export)
    sim = simulated_census(bookings, export.as_of_days)
    lo, hi = np.quantile(sim, [(1 - level) / 2, (1 + level) / 2], axis=0)
    dates = export.start + pd.to_timedelta(np.arange(len(obs)), unit="D")
    return pd.DataFrame({"date": dates, "observed": obs, "sim_mean": sim.mean(axis=0),
                         "sim_low": lo, "sim_high": hi,
                         "inside": (obs >= lo - 1e-9) & (obs <= hi + 1e-9)})


def compare_monthly(export: Export, bookings: pd.DataFrame, level: float, reps: int):
    """Observed bookings per calendar month next to the simulation's mean and band."""
    start = export.start
    obs = _months(export.bookings["booked"]).value_counts()
    sim_dates = start + pd.to_timedelta(bookings["booked_at"].to_numpy(), unit="D")
    sim = pd.crosstab(_months(pd.Series(sim_dates)), bookings["replication"].to_numpy())
    months = pd.period_range(start, export.end - pd.Timedelta(1, "ns"), freq="M")
    sim = sim.reindex(index=months, columns=range(reps), fill_value=0).to_numpy(dtype=float)
    lo, hi = np.quantile(sim, [(1 - level) / 2, (1 + level) / 2], axis=1)
    first = np.maximum(months.start_time.to_numpy(), start.to_datetime64())
    last = np.minimum((months.end_time + pd.Timedelta(1, "ns")).to_numpy(),
                      export.end.to_datetime64())
    observed = obs.reindex(months, fill_value=0).to_numpy(dtype=float)
    return pd.DataFrame({"month": months, "days": (last - first) / pd.Timedelta(days=1),
                         "observed": observed, "sim_mean": sim.mean(axis=1), "sim_low": lo,
                         "sim_high": hi, "inside": (observed >= lo) & (observed <= hi)})


def backtest(
    scenario,
    against,
    *,
    columns: dict[str, str] | None = None,
    timezone: str | None = None,
    as_of=None,
    replications: int = 40,
    seed: int = 1,
    level: float = 0.9,
    progress=None,
    workers: int | None = None,
) -> Backtest:
    """Simulate a scenario over an export's period and compare census and admissions.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to test (for instance one written by ``jailsim calibrate``).
    against : path or pandas.DataFrame
        The booking export (read with :func:`jailsim.county.exports.read_export`).
    columns, timezone, as_of
        Passed to :func:`~jailsim.county.exports.read_export`.
    replications, seed
        Simulation size and master seed.
    level : float
        Width of the band: the central ``level`` share of the replications.
    progress : callable, optional
        ``progress(done, total)``, called as replications finish.
    workers : int, optional
        Local worker processes for the replications (default: this process; the result is
        the same either way).

    Returns
    -------
    Backtest
        ``.census`` and ``.monthly`` tables, ``.coverage``, ``.lines()``, ``.save(folder)``.

    Examples
    --------
    A county's export is simulated here from the base county itself (no warm start, so the
    jail starts empty, as the export's window does):

    >>> import jailsim
    >>> from jailsim.county.exports import to_export
    >>> sc = jailsim.load("jailsim:base_county.yaml").with_(
    ...     {"warm_start.kind": "none", "horizon": "120d"})
    >>> export = to_export(jailsim.simulate(sc, seed=1).bookings, sc.start_date)
    >>> bt = jailsim.backtest(sc, export, replications=2, seed=2)
    >>> print(bt.lines()[0])
    back-test of 'base county' against <DataFrame>: 2025-01-06 to ..., 2 replications (seed 2), ...
    """
    sc = load(scenario) if isinstance(scenario, (str, Path)) else scenario
    export = read_export(against, columns=columns, timezone=timezone, as_of=as_of)
    ran, bookings = simulate_window(sc, export, replications=replications, seed=seed,
                                    progress=progress, workers=workers)
    source = (f"Data: {Path(export.source).name}, {len(export.bookings):,} bookings. "
              f"Simulated: {sc.name}, jailsim, {replications} replications, seed {seed}.")
    return Backtest(
        export=export, scenario=ran,
        census=compare_census(export, bookings, level),
        monthly=compare_monthly(export, bookings, level, replications),
        level=level, replications=replications, seed=seed, source=source,
    )
