"""Back-testing: a scenario set against a county's booking export over the same period.

The scenario is simulated over the export's own window, from its first booking day to the
time the data stops, many times; the daily census and the monthly admissions of the export
are then set against the simulation's interval band (by default the central 90% of the
replications). The simulated jail starts empty, as the export does: an export of the
period's bookings counts nobody booked before it, so its census starts at zero too. A trend
in the scenario is carried to the export's start date, so a scenario calibrated on one
period can be tested on another.

With ``parameter_uncertainty=True`` (``--parameter-uncertainty``) each replication runs with a
parameter set drawn from the scenario's ``uncertainty:`` block (written by ``jailsim
calibrate``), so the band includes what the fitted data could not pin down. The same
replications then run again with the parameters held: their spread is the simulation noise,
and the lines and ``backtest.json`` say which part of the band's variance is parameter
uncertainty and which is noise (:func:`jailsim.experiments.uncertainty.variance_parts`), for
the daily census and the monthly admissions, and how many days the narrower band of the
held parameters covers.

A coverage is a share of the days of one path, and a jail's census is strongly
autocorrelated: its days are far from independent trials. :func:`held_out_coverage` gives the
reference: how often the model's own paths, each set against the band of the others, stay
inside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.base.spreadsheet import safe_csv
from jailsim.calibration.figures import plot_census, plot_monthly
from jailsim.county.exports import Export, read_export
from jailsim.experiments.simulate import run
from jailsim.experiments.uncertainty import variance_parts
from jailsim.results.census import presence, step_integral
from jailsim.scenario.loading import load
from jailsim.scenario.schema import Scenario

__all__ = ["Backtest", "backtest", "held_out_coverage", "observed_census", "simulate_window"]


def simulate_window(
    scenario: Scenario, export: Export, *, replications: int, seed: int, progress=None,
    workers: int | None = None, parameter_uncertainty: bool = False,
) -> tuple[Scenario, pd.DataFrame]:
    """Simulate ``scenario`` over the export's window, starting empty.

    Returns the scenario as run and its bookings, keeping only bookings inside the export's
    booking window (a run continues to the as-of time, when the export stops).
    ``progress(done, total)`` is called as replications finish; ``workers`` local processes
    run them (default: this process); ``parameter_uncertainty`` draws a parameter set per
    replication from the scenario's ``uncertainty:`` block. A trend is carried to the
    export's start at its value, not at each drawn trend.
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
    res = run(sc, seed=seed, replications=replications, engine="vector", progress=progress,
              workers=workers, parameter_uncertainty=parameter_uncertainty, held=False).result
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


def held_out_coverage(paths: np.ndarray, level: float, days=None) -> np.ndarray:
    """How often the model's own paths fall inside the band: the reference for a coverage.

    Each replication is set against the band of the others, and its share of ``days``
    (default all) inside that band is returned. If the export came from the scenario, its
    coverage would be one more draw of this statistic: the spread of these shares shows
    what the coverage of one autocorrelated census can be by chance, and their mean what a
    band of this many replications covers (below ``level``: the band of ``n`` replications
    is their empirical quantiles).

    Parameters
    ----------
    paths
        The simulated daily census, one row per replication (at least 3).
    level
        The band's width, as a share of replications.
    days
        Columns (days) to count, e.g. every 7th day (default: all).

    Examples
    --------
    >>> paths = np.arange(12.0).reshape(4, 3)  # 4 replications, 3 days: ordered paths
    >>> held_out_coverage(paths, 0.5).tolist()  # the outer two are outside every band
    [0.0, 1.0, 1.0, 0.0]
    """
    paths = np.asarray(paths, dtype=float)
    if days is not None:
        paths = paths[:, days]
    out = np.full(len(paths), np.nan)
    if len(paths) < 3:
        return out
    for k in range(len(paths)):
        others = np.delete(paths, k, axis=0)
        lo, hi = np.quantile(others, [(1 - level) / 2, (1 + level) / 2], axis=0)
        out[k] = float(np.mean((paths[k] >= lo - 1e-9) & (paths[k] <= hi + 1e-9)))
    return out


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
    parameter_uncertainty: bool = False
    paths: np.ndarray | None = None  # simulated daily census, one row per replication

    @property
    def model_coverage(self) -> dict[str, float]:
        """The share of days the model's own paths spend inside the band (one left out).

        ``mean`` and the 5th and 95th percentiles (``low``, ``high``) over the replications
        (:func:`held_out_coverage`): what the observed daily census's coverage would be,
        give or take, if the export came from the scenario. Empty without ``paths``.
        """
        if self.paths is None or len(self.paths) < 3:
            return {}
        c = held_out_coverage(self.paths, self.level)
        return {"mean": float(c.mean()), "low": float(np.quantile(c, 0.05)),
                "high": float(np.quantile(c, 0.95))}

    @property
    def coverage(self) -> dict[str, float]:
        """Share of days and of months whose observed value is inside the band."""
        return {"daily_census": float(self.census["inside"].mean()),
                "monthly_admissions": float(self.monthly["inside"].mean())}

    @property
    def variance(self) -> dict[str, dict[str, float]]:
        """The band's variance over replications in two parts, for the census and admissions.

        With parameters drawn, ``{"daily_census": {...}, "monthly_admissions": {...}}``, each
        with ``parameters`` and ``noise`` (variances summed over the days or months, so long
        stretches weigh what they last), ``parameter_share`` and ``fixed_coverage`` (the
        share of days or months inside the band of the held parameters); see
        :func:`jailsim.experiments.uncertainty.variance_parts`. Empty otherwise.
        """
        if not self.parameter_uncertainty:
            return {}
        out = {}
        for name, table in (("daily_census", self.census), ("monthly_admissions",
                                                            self.monthly)):
            params = float(np.nansum(table["sim_sd_parameters"] ** 2))
            noise = float(np.nansum(table["sim_sd_noise"] ** 2))
            total = params + noise
            out[name] = {"parameters": params, "noise": noise,
                         "parameter_share": params / total if total > 0 else float("nan"),
                         "fixed_coverage": float(table["inside_fixed"].mean())}
        return out

    def variance_line(self) -> str:
        """Which part of the band is parameter uncertainty and which is simulation noise."""
        if not self.parameter_uncertainty:
            return ("band: simulation noise alone, the scenario's parameters held "
                    "(--parameter-uncertainty draws them from its uncertainty: block)")
        c, m = self.variance["daily_census"], self.variance["monthly_admissions"]
        return (f"band: parameters drawn, one set per replication; of its variance, parameter "
                f"uncertainty is {c['parameter_share']:.0%} for the daily census and "
                f"{m['parameter_share']:.0%} for monthly admissions, simulation noise the rest "
                f"(with the parameters held, the band covers {c['fixed_coverage']:.0%} of "
                f"days and {m['fixed_coverage']:.0%} of months)")

    def _reference(self) -> str:
        ref = self.model_coverage
        if not ref:
            return ""
        return (f" (the model's own paths: {ref['mean']:.0%}, 90% of them {ref['low']:.0%} to "
                f"{ref['high']:.0%}: one autocorrelated path is far from {len(self.census)} "
                "independent days)")

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
            f"{len(c)} days inside the band" + self._reference(),
            f"monthly admissions: observed mean {m['observed'].mean():.0f}, simulated mean "
            f"{m['sim_mean'].mean():.0f}; {self.coverage['monthly_admissions']:.0%} of "
            f"{len(m)} months inside the band",
            self.variance_line(),
        ]

    def save(self, folder: str | Path) -> list[Path]:
        """Write ``census.csv``, ``monthly_admissions.csv``, ``backtest.json`` and figures."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        files = [folder / "census.csv", folder / "monthly_admissions.csv",
                 folder / "backtest.json"]
        safe_csv(self.census, files[0], index=False)
        safe_csv(self.monthly.assign(month=self.monthly["month"].astype(str)), files[1],
                 index=False)
        summary = {"scenario": self.scenario.name, "data": self.export.source,
                   "level": self.level, "replications": self.replications, "seed": self.seed,
                   "parameter_uncertainty": self.parameter_uncertainty,
                   "coverage": self.coverage, "model_coverage": self.model_coverage,
                   "variance": self.variance, "lines": self.lines()}
        files[2].write_text(json.dumps(summary, indent=2) + "\n")
        files.append(plot_census(self.census, folder / "daily_census.png", self.source,
                                 self.level, "Daily census: export vs simulation"))
        files.append(plot_monthly(self.monthly, folder / "monthly_admissions.png", self.source,
                                  self.level))
        return files


def _with_parts(table: pd.DataFrame, observed, sim, fixed, level: float) -> pd.DataFrame:
    """``table`` with the band's two parts and the held parameters' band and coverage."""
    if fixed is None:
        return table
    noise, params = variance_parts(sim, fixed)
    lo, hi = np.quantile(fixed, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return table.assign(sim_sd_parameters=np.sqrt(params), sim_sd_noise=np.sqrt(noise),
                        fixed_low=lo, fixed_high=hi,
                        inside_fixed=(observed >= lo - 1e-9) & (observed <= hi + 1e-9))


def compare_census(export: Export, bookings: pd.DataFrame, level: float,
                   paths: np.ndarray | None = None,
                   fixed: np.ndarray | None = None) -> pd.DataFrame:
    """Observed daily census next to the simulation's mean and band.

    ``paths``: the simulated daily census of ``bookings`` (:func:`simulated_census`), if
    already computed. ``fixed``: the daily census of the same replications with the
    parameters held, when ``bookings`` drew them; then ``sim_sd_parameters`` and
    ``sim_sd_noise`` are the two parts of the spread on each day
    (:func:`~jailsim.experiments.uncertainty.variance_parts`), ``fixed_low`` and
    ``fixed_high`` the band of the held parameters and ``inside_fixed`` the days inside it.
    """
    obs = observed_census(export)
    sim = simulated_census(bookings, export.as_of_days) if paths is None else paths
    lo, hi = np.quantile(sim, [(1 - level) / 2, (1 + level) / 2], axis=0)
    dates = export.start + pd.to_timedelta(np.arange(len(obs)), unit="D")
    table = pd.DataFrame({"date": dates, "observed": obs, "sim_mean": sim.mean(axis=0),
                          "sim_low": lo, "sim_high": hi,
                          "inside": (obs >= lo - 1e-9) & (obs <= hi + 1e-9)})
    return _with_parts(table, obs, sim, fixed, level)


def _monthly_counts(export: Export, bookings: pd.DataFrame, reps: int) -> np.ndarray:
    """Simulated bookings per calendar month of the export's window, one row per replication."""
    sim_dates = export.start + pd.to_timedelta(bookings["booked_at"].to_numpy(), unit="D")
    sim = pd.crosstab(_months(pd.Series(sim_dates)), bookings["replication"].to_numpy())
    months = pd.period_range(export.start, export.end - pd.Timedelta(1, "ns"), freq="M")
    return sim.reindex(index=months, columns=range(reps), fill_value=0).to_numpy(dtype=float).T


def compare_monthly(export: Export, bookings: pd.DataFrame, level: float, reps: int,
                    fixed: pd.DataFrame | None = None):
    """Observed bookings per calendar month next to the simulation's mean and band.

    ``fixed``: the bookings of the same replications with the parameters held, when
    ``bookings`` drew them (the columns :func:`compare_census` adds, by month).
    """
    start = export.start
    obs = _months(export.bookings["booked"]).value_counts()
    months = pd.period_range(start, export.end - pd.Timedelta(1, "ns"), freq="M")
    sim = _monthly_counts(export, bookings, reps).T
    lo, hi = np.quantile(sim, [(1 - level) / 2, (1 + level) / 2], axis=1)
    first = np.maximum(months.start_time.to_numpy(), start.to_datetime64())
    last = np.minimum((months.end_time + pd.Timedelta(1, "ns")).to_numpy(),
                      export.end.to_datetime64())
    observed = obs.reindex(months, fill_value=0).to_numpy(dtype=float)
    table = pd.DataFrame({"month": months, "days": (last - first) / pd.Timedelta(days=1),
                          "observed": observed, "sim_mean": sim.mean(axis=1), "sim_low": lo,
                          "sim_high": hi, "inside": (observed >= lo) & (observed <= hi)})
    held = None if fixed is None else _monthly_counts(export, fixed, reps)
    return _with_parts(table, observed, sim.T, held, level)


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
    parameter_uncertainty: bool = False,
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
    parameter_uncertainty : bool
        Draw a parameter set per replication from the scenario's ``uncertainty:`` block
        (``jailsim calibrate`` writes one), so the band includes the uncertainty of the
        fitted parameters, and run the same replications again with the parameters held:
        ``.variance`` says which part of the band is which.

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
    arms = 2 if parameter_uncertainty else 1

    def part(k: int):  # one progress bar over both runs
        return None if progress is None else (lambda done, total: progress(
            k * replications + done, arms * replications))

    ran, bookings = simulate_window(sc, export, replications=replications, seed=seed,
                                    progress=part(0), workers=workers,
                                    parameter_uncertainty=parameter_uncertainty)
    held = fixed = None
    if parameter_uncertainty:  # the same replications with the parameters held: the noise
        _, held = simulate_window(sc, export, replications=replications, seed=seed,
                                  progress=part(1), workers=workers)
        fixed = simulated_census(held, export.as_of_days)
    drawn = ", parameters drawn" if parameter_uncertainty else ""
    source = (f"Data: {Path(export.source).name}, {len(export.bookings):,} bookings. "
              f"Simulated: {sc.name}, jailsim, {replications} replications, seed {seed}"
              f"{drawn}.")
    paths = simulated_census(bookings, export.as_of_days)
    return Backtest(
        export=export, scenario=ran,
        census=compare_census(export, bookings, level, paths, fixed),
        paths=paths,
        monthly=compare_monthly(export, bookings, level, replications, held),
        level=level, replications=replications, seed=seed, source=source,
        parameter_uncertainty=parameter_uncertainty,
    )
