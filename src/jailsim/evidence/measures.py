"""Each published figure, computed from simulated bookings the way its study computed it.

A measure takes the bookings table of one replication (:mod:`jailsim.results.records`: times in
days from the scenario's start, censored at the horizon) and the scenario, and returns one
number. The study's window is the scenario's: day 0 to the horizon. Who "has a detainer" is
whoever had one lodged by the time they left (``detainer_at`` set), as on a booking sheet.

- :func:`detainer_share`: detainers lodged in the window per booking in the window (Harris
  County's "1.5% of the inmate population", 2015).
- :func:`extra_days`: among people released in the window, the mean stay of those with a
  detainer minus the mean stay of those without (a difference of means: Los Angeles 2011-12,
  Miami-Dade 2017).
- :func:`stay_ratio`: among people released in the window, exp(b) of the least-squares fit of
  log stay on a detainer indicator, controlling for the charge (class and offense): the
  multiplier "controlling for charge seriousness" (King County 2011, Pierce County 2016-18).
- :func:`days_per_detainer_month`: jail days with a detainer per person-month with a detainer,
  as the Texas Commission on Jail Standards counts them month by month (Bell County 2011-14).
- :func:`days_per_detainer`: jail days with a detainer in the window per detainer lodged in
  it: by Little's law, the mean time held with a detainer, as a count of people held on a date
  over a year's detainers gives it (Harris County 2019).
- :func:`holds_to_ice`: holds that ended with ICE taking custody, per hold started.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MEASURES", "days_per_detainer", "days_per_detainer_month", "detainer_share",
           "extra_days", "holds_to_ice", "stay_ratio"]


_MINUTE = 1.0 / 1440.0  # the shortest stay a log takes (a record's clock is in minutes)


def _window(bookings: pd.DataFrame, horizon: float) -> pd.Series:
    booked = bookings["booked_at"].to_numpy()
    return pd.Series((booked >= 0.0) & (booked < horizon), index=bookings.index)


def _released(bookings: pd.DataFrame) -> pd.DataFrame:
    """People who left the jail in the window (any way but still held at its end)."""
    exit_at = bookings["exit_at"].to_numpy()
    return bookings[(exit_at >= 0.0) & ~np.isnan(exit_at)]


def _with_detainer(bookings: pd.DataFrame) -> np.ndarray:
    return ~np.isnan(bookings["detainer_at"].to_numpy())


def detainer_share(bookings: pd.DataFrame, horizon: float, start_date=None) -> float:
    """Detainers lodged in the window per booking in the window."""
    booked = _window(bookings, horizon).to_numpy()
    at = bookings["detainer_at"].to_numpy()
    lodged = (at >= 0.0) & (at <= horizon)
    return float(lodged.sum() / max(booked.sum(), 1))


def extra_days(bookings: pd.DataFrame, horizon: float, start_date=None) -> float:
    """Mean stay (days) of people released with a detainer minus that of those without."""
    out = _released(bookings)
    has = _with_detainer(out)
    stay = out["los_days"].to_numpy()
    if has.all() or not has.any():
        return float("nan")
    return float(stay[has].mean() - stay[~has].mean())


def stay_ratio(bookings: pd.DataFrame, horizon: float, start_date=None) -> float:
    """exp(b) of log stay = a + b * detainer + charge effects, over people released."""
    out = _released(bookings)
    has = _with_detainer(out).astype(float)
    if has.all() or not has.any():
        return float("nan")
    controls = [pd.get_dummies(out[c], drop_first=True, dtype=float)
                for c in ("charge", "offense") if out[c].nunique() > 1]
    x = np.column_stack([np.ones(len(out)), has,
                         *[c.to_numpy() for c in controls if c.shape[1]]])
    y = np.log(np.maximum(out["los_days"].to_numpy(), _MINUTE))
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return float(np.exp(coef[1]))


def days_per_detainer_month(bookings: pd.DataFrame, horizon: float, start_date) -> float:
    """Jail days with a detainer per person-month with a detainer, calendar month by month.

    The Texas Commission on Jail Standards reports, for each month, the people held with an
    immigration detainer and the days they were held with it; a study's "N inmates for D
    days" sums both over its months. A person counts once in each month they were held with
    a detainer for part of; their days run from the detainer (or the month's start) to their
    exit (or the month's end).
    """
    d = bookings["detainer_at"].to_numpy()
    has = ~np.isnan(d)
    start = np.maximum(d[has], 0.0)
    end = np.fmin(bookings["exit_at"].to_numpy()[has], horizon)
    bounds = month_bounds(start_date, horizon)
    days = people = 0.0
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        overlap = np.minimum(end, b) - np.maximum(start, a)
        inside = overlap > 0
        days += overlap[inside].sum()
        people += inside.sum()
    return float(days / people) if people else float("nan")


def month_bounds(start_date, horizon: float) -> np.ndarray:
    """Where the calendar months of the window start, in days from ``start_date``.

    The window's own ends (0 and the horizon) are the first and last bounds.
    """
    start = pd.Timestamp(start_date)
    end = start + pd.Timedelta(days=horizon)
    firsts = pd.date_range(start, end, freq="MS", inclusive="neither")
    inner = ((firsts - start) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    return np.concatenate([[0.0], inner[(inner > 0) & (inner < horizon)], [horizon]])


def days_per_detainer(bookings: pd.DataFrame, horizon: float, start_date=None) -> float:
    """Jail days with a detainer in the window per detainer lodged in the window.

    The average number of people held with a detainer divided by the detainers lodged a day:
    by Little's law, the mean time a person is held with a detainer.
    """
    d = bookings["detainer_at"].to_numpy()
    has = ~np.isnan(d)
    end = np.fmin(bookings["exit_at"].to_numpy()[has], horizon)
    days = np.clip(end - np.maximum(d[has], 0.0), 0.0, None).sum()
    lodged = ((d >= 0.0) & (d <= horizon)).sum()
    return float(days / lodged) if lodged else float("nan")


def holds_to_ice(bookings: pd.DataFrame, horizon: float, start_date=None) -> float:
    """Holds started in the window that ended with ICE taking custody, per hold started."""
    h = bookings["hold_start_at"].to_numpy()
    held = (h >= 0.0) & (h <= horizon)
    if not held.any():
        return float("nan")
    to_ice = ~np.isnan(bookings["ice_custody_at"].to_numpy()) & held
    return float(to_ice.sum() / held.sum())


#: The measures by name, each ``f(bookings of one replication, horizon, start_date)``.
MEASURES = {
    "detainer_share": detainer_share,
    "extra_days": extra_days,
    "stay_ratio": stay_ratio,
    "days_per_detainer_month": days_per_detainer_month,
    "days_per_detainer": days_per_detainer,
    "holds_to_ice": holds_to_ice,
}
