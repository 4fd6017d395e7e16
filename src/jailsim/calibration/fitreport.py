"""The fit report: evidence that a calibrated scenario reproduces the export it came from.

The calibrated scenario is simulated over the export's own window (starting empty, censored
at the same time, :func:`jailsim.calibration.backtest.simulate_window`), so observed and
simulated records are cut off alike and can be compared directly:

* stay: Kaplan–Meier survival curves, the largest gap between them, and a two-sample
  Kolmogorov–Smirnov test on the stays as recorded (time served so far for people still held;
  the simulation censors its records the same way), overall and by charge group;
* arrivals: bookings per clock hour by hour of the week and per day by weekday, observed vs
  the scenario's intensity (:mod:`jailsim.model.arrivals`), and the correlation of the two profiles;
* daily census: observed vs the simulation's band.

With them, what the calibration fitted and how: every parameter with its estimate, 95%
interval, the rows it used and what was assumed (:mod:`jailsim.calibration.parameters`,
``parameters.csv``), the rows read as dates without a time (count and first lines), the
held-out likelihoods of the weekly profiles and the stay tail checks. The figures are drawn by
:mod:`jailsim.calibration.figures`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from jailsim.base.spreadsheet import safe_csv
from jailsim.calibration.backtest import compare_census, simulate_window
from jailsim.calibration.exportcheck import date_only_rows, first_lines
from jailsim.calibration.figures import (
    plot_census,
    plot_hour_of_week,
    plot_stays,
    plot_weekday,
)
from jailsim.calibration.parameters import text_lines
from jailsim.calibration.stays import Stays
from jailsim.model.arrivals import hourly_intensity
from jailsim.model.clock import Clock
from jailsim.scenario.units import DAY_NAMES

__all__ = ["FitReport", "fit_report"]


@dataclass(frozen=True, eq=False)
class FitReport:
    """Distances between the export and its calibrated scenario, and the files written."""

    distances: dict
    tables: dict
    files: list = field(default_factory=list)

    def lines(self) -> list[str]:
        """The distances as text (printed by ``jailsim calibrate --report``)."""
        d = self.distances
        out = []
        for group, s in d["stay"].items():
            out.append(f"stay [{group}]: KS D = {s['ks_d']:.4f}, p = {s['ks_p']:.3f} "
                       f"({s['n_observed']:,} observed vs {s['n_simulated']:,} simulated "
                       f"stays, censored alike); largest Kaplan-Meier gap {s['km_gap']:.4f}")
        a = d["arrivals"]
        out.append(f"arrivals: hour-of-week profile correlation r = "
                   f"{a['hour_of_week_correlation']:.3f}; bookings/day observed "
                   f"{a['observed_per_day']:.2f}, scenario {a['expected_per_day']:.2f}; "
                   f"largest weekday gap {a['weekday_max_rel_gap']:.1%}")
        c = d["census"]
        out.append(f"daily census: observed mean {c['observed_mean']:.1f}, simulated mean "
                   f"{c['simulated_mean']:.1f}; {c['days_inside_band']:.0%} of days inside the "
                   f"{c['level']:.0%} band")
        return out


def _stay_distances(export, bookings, groups: dict[str, pd.Series]) -> tuple[dict, pd.DataFrame]:
    b = export.bookings
    grid = np.exp(np.linspace(np.log(1 / 1440), np.log(max(export.as_of_days, 2.0)), 300))
    dist, curves = {}, {"days": grid}
    for name, (obs_sel, sim_sel) in groups.items():
        observed = Stays(*(b[c].to_numpy()[obs_sel] for c in ("stay_lo", "stay_hi",
                                                              "stay_shift")))
        s = bookings[sim_sel]
        slo = s["los_days"].to_numpy()
        shi = np.where(s["exit_reason"].astype(str) == "censored", np.inf, slo)
        if observed.n < 5 or len(slo) < 5:
            continue
        obs_km = observed.km().sf.evaluate(grid)
        sim_km = Stays(slo, shi).km().sf.evaluate(grid)
        ks = stats.ks_2samp(observed.point, slo)
        dist[name] = {"ks_d": float(ks.statistic), "ks_p": float(ks.pvalue),
                      "km_gap": float(np.max(np.abs(obs_km - sim_km))),
                      "n_observed": observed.n, "n_simulated": int(len(slo))}
        curves[f"{name}_observed"] = obs_km
        curves[f"{name}_simulated"] = sim_km
    return dist, pd.DataFrame(curves)


def _arrival_tables(export, scenario, bookings, reps):
    b = export.bookings
    timed = ~b["booked_date_only"].to_numpy()
    offset = 24 * export.start.weekday()
    hours = int(round(export.window_days * 24))
    cls_h = (np.arange(hours) + offset) % 168
    exposure = np.bincount(cls_h, minlength=168)
    if timed.sum() >= 0.5 * len(b):
        h = np.clip((b["t_booked"].to_numpy()[timed] * 24).astype(np.int64), 0, hours - 1)
        obs = np.bincount(cls_h[h], minlength=168) * (len(b) / max(timed.sum(), 1))
    else:  # booking hours unknown: each day's bookings spread evenly over its hours
        d = np.clip(np.floor(b["t_booked"].to_numpy() * 24).astype(np.int64), 0, hours - 1)
        obs = np.repeat(np.bincount(cls_h[d] // 24, minlength=7) / 24, 24)
    knots, rates = hourly_intensity(scenario.arrivals.bookings, Clock(scenario.start_date),
                                    export.window_days)
    expected = np.bincount(cls_h, rates[:hours] / 24, minlength=168)
    sh = np.clip((bookings["booked_at"].to_numpy() * 24).astype(np.int64), 0, hours - 1)
    sim = np.bincount(cls_h[sh], minlength=168) / reps
    how = pd.DataFrame({"hour_of_week": np.arange(168), "day": [DAY_NAMES[i // 24]
                                                                 for i in range(168)],
                        "hour": np.arange(168) % 24, "clock_hours": exposure,
                        "observed_per_hour": obs / exposure, "scenario_per_hour":
                        expected / exposure, "simulated_per_hour": sim / exposure})
    day_cls = np.arange(168) // 24
    days = np.bincount(day_cls, exposure, 7) / 24
    wk = pd.DataFrame({"weekday": DAY_NAMES,
                       "observed_per_day": np.bincount(day_cls, obs, 7) / days,
                       "scenario_per_day": np.bincount(day_cls, expected, 7) / days,
                       "simulated_per_day": np.bincount(day_cls, sim, 7) / days})
    return how, wk


def date_only_lines(export) -> list[str]:
    """The rows read as dates without a time, and how each kind entered the fits."""
    dated = date_only_rows(export)
    out = []
    if len(dated["booked"]):
        out.append(f"date only: {len(dated['booked']):,} bookings booked with a date only "
                   f"({first_lines(dated['booked'])}): in the booking rate, not the hour of the "
                   "day; their stays average over a booking time uniform on the day")
    if len(dated["released"]):
        out.append(f"date only: {len(dated['released']):,} releases with a date only "
                   f"({first_lines(dated['released'])}): each stay interval-censored to the "
                   "day of release")
    return out


def fit_report(cal, folder, *, replications: int = 20, seed: int = 1,
               progress=None, workers: int | None = None) -> FitReport:
    """Simulate the calibrated scenario over the export's window and write the report folder.

    Files: ``stay_survival.png``, ``arrivals_hour_of_week.png``, ``arrivals_weekday.png``,
    ``daily_census.png``, ``fit.json`` (distances, and the calibration's ``warnings``),
    ``fit.txt`` (the fit summary, a ``warning:`` line per caveat of the calibration, then
    the distances) and the tables behind them as CSV (plus the cleaning log and the
    model-choice tables). ``progress(done, total)`` is called as the replications finish;
    ``workers`` local processes run them (default: this process).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    export = cal.export
    sc, bookings = simulate_window(cal.scenario(), export, replications=replications, seed=seed,
                                   progress=progress, workers=workers)
    source = (f"Data: {Path(export.source).name}, {len(export.bookings):,} bookings, "
              f"{export.start:%Y-%m-%d} to {export.as_of:%Y-%m-%d}. Simulated: calibrated "
              f"scenario, jailsim, {replications} replications, seed {seed}, starting empty.")
    b = export.bookings
    groups = {"all": (np.ones(len(b), bool), np.ones(len(bookings), bool))}
    if len(cal.stays) > 1:
        for g in cal.stays:
            groups[g] = ((cal.groups == g).to_numpy(),
                         (bookings["charge"].astype(str) == g).to_numpy())
    if b["hold"].any():
        groups["with hold"] = (b["hold"].to_numpy(), bookings["detainer_at"].notna().to_numpy())
    stay, curves = _stay_distances(export, bookings, groups)
    how, wk = _arrival_tables(export, sc, bookings, replications)
    r = float(np.corrcoef(how["observed_per_hour"], how["scenario_per_hour"])[0, 1])
    census = compare_census(export, bookings, 0.9)
    distances = {
        "stay": stay,
        "arrivals": {
            "hour_of_week_correlation": r,
            "observed_per_day": float(len(b) / export.window_days),
            "expected_per_day": float(how["scenario_per_hour"].mul(how["clock_hours"]).sum()
                                      / export.window_days),
            "weekday_max_rel_gap": float(np.max(np.abs(wk["observed_per_day"]
                                                       / wk["scenario_per_day"] - 1))),
        },
        "census": {"observed_mean": float(census["observed"].mean()),
                   "simulated_mean": float(census["sim_mean"].mean()),
                   "days_inside_band": float(census["inside"].mean()), "level": 0.9},
        "replications": replications, "seed": seed,
    }
    tables = {"stay_survival": curves, "arrivals_hour_of_week": how, "arrivals_weekday": wk,
              "daily_census": census}
    report = FitReport(distances, tables)
    files = report.files
    for name, table in tables.items():
        safe_csv(table, folder / f"{name}.csv", index=False)
        files.append(folder / f"{name}.csv")
    safe_csv(cal.log.to_frame(), folder / "cleaning_log.csv", index=False)
    safe_csv(pd.concat([f.table().assign(group=g) for g, f in cal.stays.items()]),
             folder / "stay_models.csv", index=False)
    safe_csv(cal.arrivals.candidates, folder / "arrival_models.csv", index=False)
    safe_csv(cal.arrivals.heldout, folder / "arrival_profiles_heldout.csv", index=False)
    parameters = cal.parameters()
    safe_csv(parameters, folder / "parameters.csv", index=False)
    files += [folder / "cleaning_log.csv", folder / "stay_models.csv",
              folder / "arrival_models.csv", folder / "arrival_profiles_heldout.csv",
              folder / "parameters.csv"]
    files.append(plot_stays(curves, folder / "stay_survival.png", source))
    files.append(plot_hour_of_week(how, r, folder / "arrivals_hour_of_week.png", source))
    files.append(plot_weekday(wk, folder / "arrivals_weekday.png", source))
    files.append(plot_census(census, folder / "daily_census.png", source, 0.9,
                             "Daily census: export vs calibrated model"))
    dated = date_only_lines(export)
    tails = {g: f.tail.describe() for g, f in cal.stays.items() if f.tail is not None}
    written = {**distances, "warnings": list(cal.caveats), "date_only": dated,
               "stay_tail": tails,
               "arrival_profiles_heldout": cal.arrivals.heldout.to_dict("records"),
               "parameters": json.loads(parameters.to_json(orient="records")),
               "uncertainty": cal.uncertainty}
    (folder / "fit.json").write_text(json.dumps(written, indent=2) + "\n")
    lines = (cal.summary_lines() + [f"warning: {line}" for line in cal.caveats]
             + ["", "parameters (95% intervals):"] + text_lines(parameters) + dated
             + [f"stay tail [{g}]: {t}" for g, t in tails.items()] + [""]
             + report.lines())
    (folder / "fit.txt").write_text("\n".join(lines) + "\n")
    files += [folder / "fit.json", folder / "fit.txt"]
    return report
