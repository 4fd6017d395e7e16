"""The booking intensity of an export: rate, weekly profile and trend by Poisson likelihood.

Bookings per clock hour are modelled as Poisson with mean ``rate / 24 x weight(hour of the
week) x (1 + trend) ** years``, the intensity :mod:`jailsim.model.arrivals` samples from. The weekly
profile is either hour-of-day times day-of-week (30 free weights) or a free hour-of-week
profile (168), with or without a trend; the four candidates are fitted by Newton's method on
the exact likelihood and the one with the lowest AIC is kept. Standard errors come from the
Fisher information, carried to the rate, trend and normalised weights by the delta method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.calibration.stayfit import jacobian
from jailsim.county.exports import Export

__all__ = ["ArrivalFit", "fit_arrivals"]


@dataclass(frozen=True, eq=False)
class ArrivalFit:
    """Booking rate, weekly profile and trend fitted to the export.

    ``weights`` (168, Monday 00-01 first, mean 1) is the fitted profile; ``hour_of_day`` and
    ``day_of_week`` are set when the separable profile was chosen. ``observed`` has, per hour
    of the week, the bookings with a time and the clock hours of the window.
    """

    model: str
    rate: float
    rate_se: float
    trend: float
    trend_se: float
    weights: np.ndarray
    weights_se: np.ndarray
    hour_of_day: np.ndarray | None
    hour_of_day_se: np.ndarray | None
    day_of_week: np.ndarray | None
    day_of_week_se: np.ndarray | None
    candidates: pd.DataFrame
    observed: pd.DataFrame
    n_timed: int
    n_total: int


def _poisson(X, N, t_h, cls, s_t, trend):
    """Newton's method for a Poisson model with class effects ``X @ beta`` and a trend ``b``.

    ``N`` counts events per class (rows of ``X``), ``cls`` gives each time bin's class and
    ``t_h`` its middle in years, ``s_t`` is the sum of the event times' bin middles.
    """
    p, k = X.shape[1], X.shape[0]
    theta = np.zeros(p + 1)
    theta[0] = np.log(max(N.sum(), 1.0) / len(t_h))

    def parts(th):
        e = np.exp(th[p] * t_h)
        G = np.bincount(cls, e, k)
        G1 = np.bincount(cls, e * t_h, k)
        G2 = np.bincount(cls, e * t_h * t_h, k)
        mu = np.exp(X @ th[:p])
        ll = float(N @ (X @ th[:p]) + th[p] * s_t - mu @ G)
        return ll, mu, G, G1, G2

    def info(th):
        ll, mu, G, G1, G2 = parts(th)
        grad = np.append(X.T @ (N - mu * G), s_t - mu @ G1)
        inf = np.zeros((p + 1, p + 1))
        inf[:p, :p] = X.T @ (X * (mu * G)[:, None])
        inf[:p, p] = inf[p, :p] = X.T @ (mu * G1)
        inf[p, p] = mu @ G2
        if not trend:
            grad[p] = 0.0
            inf[p, :] = inf[:, p] = 0.0
            inf[p, p] = 1.0
        return ll, grad, inf

    ll, grad, inf = info(theta)
    for _ in range(200):
        step = np.linalg.solve(inf, grad)
        size = 1.0
        while size > 1e-6:
            new = theta + size * step
            new_ll = parts(new)[0]
            if np.isfinite(new_ll) and new_ll >= ll - 1e-9:
                break
            size /= 2
        theta = new
        ll, grad, inf = info(theta)
        if np.max(np.abs(size * step)) < 1e-10:
            break
    cov = np.linalg.inv(inf)
    if not trend:
        cov[p, :] = cov[:, p] = 0.0
    return theta, cov, ll


def _table(fits: dict) -> pd.DataFrame:
    table = pd.DataFrame([{"model": k, "k": v[4], "loglik": v[3], "aic": 2 * v[4] - 2 * v[3]}
                          for k, v in fits.items()]).sort_values("aic").reset_index(drop=True)
    table["delta_aic"] = table["aic"] - table["aic"].min()
    return table


def _fit_all(designs: dict, N, t, cls, s_t) -> tuple[pd.DataFrame, dict]:
    fits = {}
    for dname, X in designs.items():
        for trend in (True, False):
            theta, cov, ll = _poisson(X, N, t, cls, s_t, trend)
            fits[dname + ("+trend" if trend else "")] = (X, theta, cov, ll, X.shape[1] + trend)
    return _table(fits), fits


def _se(quantities, theta, cov) -> np.ndarray:
    jac = jacobian(quantities, theta)
    return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", jac, cov, jac), 0.0))


def fit_arrivals(export: Export) -> ArrivalFit:
    """Fit the booking intensity over the export's booking window (local clock hours).

    Bookings with a date only carry no hour: the profile and trend are fitted to the bookings
    with a time, and the rate is scaled up by all bookings / bookings with a time. When fewer
    than half the bookings have a time, the hour of the day is taken as unknown: a flat
    hour-of-day profile, and day-of-week weights and trend fitted to daily counts.
    """
    b = export.bookings
    if export.window_days < 14:
        raise ScenarioError([f"{export.source}: bookings span {export.window_days:g} days; "
                             "calibration needs at least 14"])
    timed = ~b["booked_date_only"].to_numpy()
    if timed.sum() < 0.5 * len(b):
        return _fit_daily(export)
    hours = int(round(export.window_days * 24))
    h = np.clip((b["t_booked"].to_numpy()[timed] * 24).astype(np.int64), 0, hours - 1)
    offset = 24 * export.start.weekday()
    cls = (np.arange(hours) + offset) % 168
    t_h = (np.arange(hours) + 0.5) / 24 / 365.25
    n_h = np.bincount(h, minlength=hours).astype(float)
    N = np.bincount(cls, n_h, 168)
    hod, dow = np.arange(168) % 24, np.arange(168) // 24
    sep = np.column_stack([np.ones(168)] + [hod == k for k in range(1, 24)]
                          + [dow == k for k in range(1, 7)]).astype(float)
    full = np.column_stack([np.ones(168)] + [np.arange(168) == k
                                             for k in range(1, 168)]).astype(float)
    designs = {"day_x_hour": sep}
    if (N > 0).all():
        designs["hour_of_week"] = full
    table, fits = _fit_all(designs, N, t_h, cls, float(n_h @ t_h))
    chosen = table["model"][0]
    X, theta, cov, _, _ = fits[chosen]
    scale = len(b) / max(int(timed.sum()), 1)
    separable = chosen.startswith("day_x_hour")

    def quantities(th):
        w = np.exp(X @ th[:-1])
        out = [24 * w.mean() * scale, np.expm1(th[-1])]
        out += list(w / w.mean())
        if separable:
            a = np.exp(np.concatenate(([0.0], th[1:24])))
            d = np.exp(np.concatenate(([0.0], th[24:30])))
            out += list(a / a.mean()) + list(d / d.mean())
        return np.array(out)

    q, se = quantities(theta), _se(quantities, theta, cov)
    observed = pd.DataFrame({"hour_of_week": np.arange(168), "bookings": N,
                             "hours": np.bincount(cls, minlength=168)})
    return ArrivalFit(
        model=chosen, rate=float(q[0]), rate_se=float(se[0]), trend=float(q[1]),
        trend_se=float(se[1]), weights=q[2:170], weights_se=se[2:170],
        hour_of_day=q[170:194] if separable else None,
        hour_of_day_se=se[170:194] if separable else None,
        day_of_week=q[194:201] if separable else None,
        day_of_week_se=se[194:201] if separable else None,
        candidates=table, observed=observed, n_timed=int(timed.sum()), n_total=len(b),
    )


def _fit_daily(export: Export) -> ArrivalFit:
    """Day-of-week weights and trend from bookings per day (booking hours unknown)."""
    b = export.bookings
    days = int(round(export.window_days))
    d = np.clip(np.floor(b["t_booked"].to_numpy()).astype(np.int64), 0, days - 1)
    cls = (np.arange(days) + export.start.weekday()) % 7
    t_d = (np.arange(days) + 0.5) / 365.25
    n_d = np.bincount(d, minlength=days).astype(float)
    N = np.bincount(cls, n_d, 7)
    X = np.column_stack([np.ones(7)] + [np.arange(7) == k for k in range(1, 7)]).astype(float)
    table, fits = _fit_all({"day_of_week": X}, N, t_d, cls, float(n_d @ t_d))
    chosen = table["model"][0]
    _, theta, cov, _, _ = fits[chosen]

    def quantities(th):
        w = np.exp(X @ th[:-1])
        return np.array([w.mean(), np.expm1(th[-1]), *(w / w.mean())])

    q, se = quantities(theta), _se(quantities, theta, cov)
    hours = np.repeat(np.bincount(cls, minlength=7) * 24, 24)
    observed = pd.DataFrame({"hour_of_week": np.arange(168), "bookings": np.repeat(N / 24, 24),
                             "hours": hours})
    return ArrivalFit(
        model=chosen, rate=float(q[0]), rate_se=float(se[0]), trend=float(q[1]),
        trend_se=float(se[1]), weights=np.repeat(q[2:9], 24), weights_se=np.repeat(se[2:9], 24),
        hour_of_day=np.ones(24), hour_of_day_se=np.zeros(24), day_of_week=q[2:9],
        day_of_week_se=se[2:9], candidates=table, observed=observed, n_timed=0,
        n_total=len(b),
    )
