"""Every fitted parameter of a calibration: estimate, interval, the rows it used, what was assumed.

The fit report (:mod:`jailsim.calibration.fitreport`) writes this table as ``parameters.csv``
and prints its rows in ``fit.txt``. Intervals are 95%: estimate +- 1.96 standard errors (from
the Fisher information or the Hessian of the likelihood, by the delta method), cut to the
parameter's range (shares 0-1, durations above 0); the trend's interval is taken on the log
scale of ``1 + trend``, and a stay model's on the scales it is fitted on (the log of a
duration, the logit of a share: the interval of a median with a 40% standard error is not
symmetric), from its covariance widened along the likelihood's ridge
(:mod:`jailsim.calibration.ridge`). A value that was not estimated (kept from the base county, or
assumed) has no interval, and ``assumed`` says why. ``rows`` is the number of bookings the
estimate used, and ``which rows`` says which, with the first lines of the rows that entered
in a stated way (a date without a time, a charge code the map does not name). ``drawn``
names the entry of the scenario's ``uncertainty:`` block that draws the parameter with
``--parameter-uncertainty`` (:mod:`jailsim.calibration.uncertainty`; empty: not drawn).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from jailsim.calibration.exportcheck import date_only_rows, first_lines
from jailsim.calibration.stays import fitted_bookings

__all__ = ["COLUMNS", "parameter_table", "text_lines"]

#: The table's columns.
COLUMNS = ["parameter", "estimate", "lower", "upper", "unit", "rows", "which rows", "assumed",
           "drawn"]
_Z = 1.96


def _row(parameter, estimate, se=np.nan, unit="", rows=0, which="", assumed="",
         low=-np.inf, high=np.inf, scale="linear") -> dict:
    est = float(estimate)
    lo, hi = (est - _Z * se, est + _Z * se) if np.isfinite(se) else (np.nan, np.nan)
    if np.isfinite(se) and scale == "log" and est > 0:  # delta method: SE of log = se / est
        lo, hi = est * np.exp(-_Z * se / est), est * np.exp(_Z * se / est)
    elif np.isfinite(se) and scale == "logit" and 0 < est < 1:
        half = _Z * se / (est * (1 - est))
        lo, hi = (float(special.expit(special.logit(est) + d)) for d in (-half, half))
    return {"parameter": parameter, "estimate": est,
            "lower": max(lo, low) if np.isfinite(lo) else np.nan,
            "upper": min(hi, high) if np.isfinite(hi) else np.nan,
            "unit": unit, "rows": int(rows), "which rows": which, "assumed": assumed}


def _dated(lines: np.ndarray, sel_lines: np.ndarray | None, what: str) -> str:
    """``"; 12 bookings with a date only, ...: lines 4, 9"`` for the lines in a selection."""
    if sel_lines is not None:
        lines = lines[np.isin(lines, sel_lines)]
    if not len(lines):
        return ""
    return f"; {len(lines):,} {what} ({first_lines(lines)})"


def _arrival_rows(cal, dated) -> list[dict]:
    a, ex = cal.arrivals, cal.export
    n = a.n_total
    booked_dated = _dated(dated["booked"], None, "booked with a date only, counted in the "
                          "rate, not in the hour of the day")
    out = [_row("arrivals.bookings.rate", a.rate, a.rate_se, "per day", n,
                f"all {n:,} bookings, {ex.window_days:g} days{booked_dated}",
                "Poisson bookings per clock hour; the rate at start_date", low=0.0)]
    trend_rows = a.n_timed or n
    if a.trend_fitted and a.model.endswith("trend"):
        row = _row("arrivals.bookings.profile.trend_per_year", a.trend, unit="per year",
                   rows=trend_rows, which="bookings over the whole window",
                   assumed="trend fitted (window of a year or more), kept by AIC")
        row["lower"], row["upper"] = a.trend_interval
    else:
        why = a.trend_note if not a.trend_fitted else "no trend: chosen by AIC"
        row = _row("arrivals.bookings.profile.trend_per_year", a.trend, unit="per year",
                   rows=trend_rows if a.trend_fitted else 0,
                   which="bookings over the whole window" if a.trend_fitted else "none",
                   assumed=why)
    out.append(row)
    if len(a.heldout):
        scores = ", ".join(f"{r.model} {r.heldout_loglik:.1f}" for r in a.heldout.itertuples())
        folds = int(a.heldout["folds"].iloc[0])
        how = (f"{a.profile} chosen by held-out log-likelihood over {folds} folds of weeks "
               f"({scores})")
    else:
        how = "day_of_week: booking hours unknown (dates only), flat over the day"
    out.append(_row("arrivals.bookings.profile", np.nan, unit="model", rows=a.n_timed,
                    which=f"{a.n_timed:,} bookings with a time{booked_dated}", assumed=how))
    timed = f"{a.n_timed:,} bookings with a time" if a.n_timed else f"{n:,} bookings by day"
    if a.day_of_week is not None:
        for i, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
            out.append(_row(f"arrivals.bookings.profile.day_of_week[{name}]", a.day_of_week[i],
                            a.day_of_week_se[i], "relative", a.n_timed or n, timed,
                            "weights of mean 1", low=0.0))
        if a.n_timed:
            for h in range(24):
                out.append(_row(f"arrivals.bookings.profile.hour_of_day[{h:02d}]",
                                a.hour_of_day[h], a.hour_of_day_se[h], "relative", a.n_timed,
                                timed, "weights of mean 1", low=0.0))
    else:
        for h in range(168):
            out.append(_row(f"arrivals.bookings.profile.hour_of_week[{h}]", a.weights[h],
                            a.weights_se[h], "relative", a.n_timed, timed,
                            "weights of mean 1 (Monday 00-01 first)", low=0.0))
    return out


def _charge_rows(cal) -> list[dict]:
    mix = cal.scenario_dict.get("arrivals", {}).get("bookings", {}).get("charge_mix")
    if not mix:
        return []
    n = len(cal.groups)
    mapped = (f"charge codes mapped by the charge map ({len(cal.charge_map)} codes)"
              if cal.charge_map else "charge levels read by name (F... felony, M... "
              "misdemeanor, others by their text)")
    out = []
    for g, share in mix.items():
        k = int((cal.groups == g).sum())
        p = k / n
        out.append(_row(f"arrivals.bookings.charge_mix.{g}", share,
                        np.sqrt(p * (1 - p) / n), "share", n, f"{k:,} of {n:,} bookings",
                        f"{mapped}; replaces the base county's mix", 0.0, 1.0))
    return out


def _stay_rows(cal, dated) -> list[dict]:
    b = cal.export.bookings
    use = fitted_bookings(b["hold"].to_numpy())
    out = []
    for g, fits in cal.stays.items():
        best = fits.best
        sel = (cal.groups == g).to_numpy() & use
        lines = b["line"].to_numpy()[sel]
        held = int(fits.stays.held.sum())
        which = (f"{fits.stays.n:,} stays of bookings{'' if g == 'all' else ' charged ' + g}"
                 f"{' without an immigration hold' if not use.all() else ''} ({held:,} still "
                 f"held: censored)"
                 + _dated(dated["booked"], lines, "booked with a date only: time of day "
                          "uniform over the day")
                 + _dated(dated["released"], lines, "released with a date only: "
                          "interval-censored to the day"))
        assumed = f"model {best.name} ({best.family.describe}), chosen by AIC"
        if fits.tail is not None:
            out.append(_row(f"stay[{g}].tail", np.nan, unit="check", rows=fits.stays.n,
                            which=which, assumed=fits.tail.describe()))
        if fits.prior_fit is not None:
            assumed += f"; its mean stay from a prior (stay[{g}].tail)"
        se = best.se()
        for key, value in best.params().items():
            share = "share" in key or key.startswith("weight")
            out.append(_row(f"stay[{g}].{key}", value, se.get(key, np.nan),
                            "share" if share else "days", fits.stays.n, which, assumed,
                            0.0, 1.0 if share else np.inf, "logit" if share else "log"))
    return out


def _hold_rows(cal) -> list[dict]:
    h = cal.holds
    if h is None:
        return []
    notes = "; ".join(h.notes)
    out = [_row("detainer share of bookings", h.share, h.share_se, "share", h.n,
                f"{h.n_hold:,} of {h.n:,} bookings with a hold",
                "matched by simulation (a detainer after release never shows)", 0.0, 1.0)]
    known = h.outcomes.get("ice", 0) + h.outcomes.get("released", 0)
    if h.cap_hours:
        out.append(_row("hold.cap", h.cap_hours, unit="hours",
                        rows=h.outcomes.get("released", 0),
                        which="holds that ended without ICE",
                        assumed="median length of holds that ended without ICE"))
    if h.p_pickup is not None:
        out.append(_row("ice.p_pickup", h.p_pickup, unit="share", rows=known,
                        which="holds that ended, in a transfer to ICE or not",
                        assumed="transfer share / P(pickup before the cap); " + notes))
    if h.pickup is not None:
        for name, value in zip(("median", "p90"), h.pickup, strict=True):
            out.append(_row(f"ice.pickup_delay.{name}", value, unit="days",
                            rows=h.outcomes.get("ice", 0), which="holds that ended in a "
                            "transfer to ICE", assumed="lognormal truncated at the hold cap"))
    return out


def _drawn(parameter: str, block: dict) -> str:
    """The entry of the ``uncertainty:`` block that draws a parameter ("" if none)."""
    paths = {p: key for key, entry in block.items()
             for p in (entry.get("of") or {key: None})}
    if parameter.startswith("stay[") and not parameter.endswith(".tail"):
        key = parameter.split("]")[0] + "]"
        return key if key in block else ""
    if parameter.startswith("arrivals.bookings.charge_mix."):
        return paths.get("arrivals.bookings.charge_mix", "")
    return paths.get(parameter, "")


def parameter_table(cal) -> pd.DataFrame:
    """The table of every fitted parameter of a calibration (columns :data:`COLUMNS`)."""
    dated = date_only_rows(cal.export)
    rows = (_arrival_rows(cal, dated) + _charge_rows(cal) + _stay_rows(cal, dated)
            + _hold_rows(cal))
    block = cal.scenario_dict.get("uncertainty", {})
    for row in rows:
        row["drawn"] = _drawn(row["parameter"], block)
    return pd.DataFrame(rows, columns=COLUMNS)


def text_lines(table: pd.DataFrame) -> list[str]:
    """The table as text, one line per parameter (profile weights summed up in one line)."""
    out = []
    weights = table["parameter"].str.contains(r"\.(?:hour_of_day|day_of_week|hour_of_week)\[")
    for r in table[~weights].to_dict("records"):
        if not np.isfinite(r["estimate"]):
            out.append(f"{r['parameter']}: {r['assumed']}; rows: {r['which rows']}")
            continue
        ci = (f" (95% {r['lower']:.4g} to {r['upper']:.4g})" if np.isfinite(r["lower"])
              and np.isfinite(r["upper"]) else " (not estimated)")
        drawn = f"; drawn by uncertainty entry {r['drawn']}" if r["drawn"] else ""
        out.append(f"{r['parameter']}: {r['estimate']:.4g} {r['unit']}{ci}; rows: "
                   f"{r['which rows']}; assumed: {r['assumed']}{drawn}")
    if weights.any():
        out.append(f"profile weights: {int(weights.sum())} rows in parameters.csv")
    return out
