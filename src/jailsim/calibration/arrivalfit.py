"""The booking intensity of an export: rate, weekly profile and trend by Poisson likelihood.

Bookings per clock hour are modelled as Poisson with mean ``rate / 24 x weight(hour of the
week) x (1 + trend) ** years``, the intensity :mod:`jailsim.model.arrivals` samples from. The
weekly profile is either hour-of-day times day-of-week (30 free weights) or a free hour-of-week
profile (168). Which one is chosen by held-out likelihood: the weeks of the window are dealt
into :data:`HELDOUT_FOLDS` folds (week ``i`` into fold ``i mod k``), each profile is fitted to
the other folds' weeks and scored on the fold's own, and the higher total wins (a profile of
168 free weights fitted to a few weeks follows their noise and scores worse on weeks it has not
seen). A trend is fitted only over a window of at least :data:`TREND_MIN_DAYS` days, and kept
(against no trend, by AIC) with its 95% interval; a shorter window keeps the base scenario's
trend, since weeks of data cannot tell a trend from a season or a run of busy weeks. Each
candidate is fitted by Newton's method on the exact likelihood; standard errors come from the
Fisher information, carried to the rate, trend and normalised weights by the delta method.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from jailsim.base.errors import ScenarioError
from jailsim.calibration.fitneeds import arrival_needs
from jailsim.calibration.stayfit import jacobian
from jailsim.county.exports import Export

__all__ = ["HELDOUT_FOLDS", "TREND_MIN_DAYS", "ArrivalFit", "fit_arrivals"]

#: A trend is fitted only to a booking window of at least this many days: a year, so that a
#: season or a few busy weeks are not read as growth (one real export of a few weeks gave
#: -97% a year). A shorter window keeps the base scenario's ``trend_per_year``.
TREND_MIN_DAYS = 365.0
#: Folds of weeks for the held-out choice of the weekly profile (fewer if the window has
#: fewer weeks; a window of two weeks gives two folds: each week predicts the other).
HELDOUT_FOLDS = 5


@dataclass(frozen=True, eq=False)
class ArrivalFit:
    """Booking rate, weekly profile and trend fitted to the export.

    ``weights`` (168, Monday 00-01 first, mean 1) is the fitted profile; ``hour_of_day`` and
    ``day_of_week`` are set when the separable profile was chosen. ``observed`` has, per hour
    of the week, the bookings with a time and the clock hours of the window. ``trend_fitted``
    says whether the trend was estimated (else it is the base scenario's, ``trend_note``
    says why); ``trend_interval`` is its 95% interval (equal ends when not estimated).
    ``log_rate_trend_cov`` is the covariance of ``log(rate)`` and ``log(1 + trend)`` (the
    trend's row and column 0 when it was not estimated), from the Fisher information.
    ``heldout`` has each weekly profile's held-out log-likelihood (see :data:`HELDOUT_FOLDS`;
    empty for an export of dates only, whose profile is by weekday alone).
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
    trend_fitted: bool = True
    trend_note: str = ""
    trend_interval: tuple = (float("nan"), float("nan"))
    heldout: pd.DataFrame = field(default_factory=pd.DataFrame)
    log_rate_trend_cov: np.ndarray = field(default_factory=lambda: np.zeros((2, 2)))

    @property
    def profile(self) -> str:
        """The weekly profile chosen: ``day_x_hour``, ``hour_of_week`` or ``day_of_week``."""
        return self.model.removesuffix("+trend")


def _poisson(X, N, t_h, cls, s_t, trend, b0=0.0):
    """Newton's method for a Poisson model with class effects ``X @ beta`` and a trend ``b``.

    ``N`` counts events per class (rows of ``X``), ``cls`` gives each time bin's class and
    ``t_h`` its middle in years, ``s_t`` is the sum of the event times' bin middles. Without
    ``trend``, ``b`` is held at ``b0`` (``log(1 + trend)`` of a trend kept from elsewhere).
    """
    p, k = X.shape[1], X.shape[0]
    theta = np.zeros(p + 1)
    theta[p] = 0.0 if trend else b0
    theta[0] = np.log(max(N.sum(), 1.0) / float(np.sum(np.exp(theta[p] * t_h))))

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


def _fit_all(designs: dict, N, t, cls, s_t, trends, b0) -> tuple[pd.DataFrame, dict]:
    fits = {}
    for dname, X in designs.items():
        for trend in trends:
            theta, cov, ll = _poisson(X, N, t, cls, s_t, trend, b0)
            fits[dname + ("+trend" if trend else "")] = (X, theta, cov, ll, X.shape[1] + trend)
    return _table(fits), fits


def _trend_rule(export: Export, base_trend: float) -> tuple[bool, str]:
    """Whether the window identifies a trend, and if not, why the base's is kept."""
    if export.window_days >= TREND_MIN_DAYS:
        return True, ""
    return False, (f"trend not fitted: the booking window of {export.window_days:g} days is "
                   f"shorter than {TREND_MIN_DAYS:g} (under a year, a trend cannot be told from a "
                   f"season or a run of busy weeks); kept the base scenario's trend_per_year "
                   f"{base_trend:g}")


def _heldout(designs: dict, n_h, cls, t_h, trend: bool, b0: float) -> pd.DataFrame:
    """Each profile's log-likelihood on weeks it was not fitted to (k folds of weeks).

    A class (hour of the week) with no bookings in the training weeks gets intensity 0 under
    the free profile, so a booking in that hour of a held-out week scores ``-inf``.
    """
    weeks = np.arange(len(n_h)) // 168
    k = int(min(HELDOUT_FOLDS, weeks.max() + 1))
    fold = weeks % k
    rows = []
    for name, X in designs.items():
        total = 0.0
        for f in range(k):
            train, test = fold != f, fold == f
            N = np.bincount(cls[train], n_h[train], X.shape[0])
            keep = np.ones(X.shape[0], bool) if name == "day_x_hour" else N > 0
            Xk = X if name == "day_x_hour" else np.eye(int(keep.sum()))
            index = np.cumsum(keep) - 1
            sel = train & keep[cls]
            try:
                theta, _, _ = _poisson(Xk, N[keep], t_h[sel], index[cls[sel]],
                                       float(n_h[sel] @ t_h[sel]), trend, b0)
            except np.linalg.LinAlgError:  # pragma: no cover - a degenerate training fold
                total = -np.inf
                break
            log_mu = np.full(X.shape[0], -np.inf)
            log_mu[keep] = Xk @ theta[:-1]
            lm = log_mu[cls[test]] + theta[-1] * t_h[test]
            n = n_h[test]
            with np.errstate(invalid="ignore"):
                terms = np.where(n > 0, n * lm, 0.0) - np.exp(lm) - special.gammaln(n + 1)
            total += float(np.sum(terms))
        rows.append({"model": name, "k": X.shape[1], "heldout_loglik": total, "folds": k})
    out = pd.DataFrame(rows)
    best = out["heldout_loglik"].max()
    out["delta"] = out["heldout_loglik"] - best if np.isfinite(best) else np.nan
    return out


def _se(quantities, theta, cov) -> np.ndarray:
    jac = jacobian(quantities, theta)
    return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", jac, cov, jac), 0.0))


@arrival_needs  # too few bookings, or a fit that fails: one line saying what is lacking
def fit_arrivals(export: Export, base_trend: float = 0.0) -> ArrivalFit:
    """Fit the booking intensity over the export's booking window (local clock hours).

    Bookings with a date only carry no hour: the profile and trend are fitted to the bookings
    with a time, and the rate is scaled up by all bookings / bookings with a time. When fewer
    than half the bookings have a time, the hour of the day is taken as unknown: a flat
    hour-of-day profile, and day-of-week weights and trend fitted to daily counts.

    Parameters
    ----------
    export : Export
        The cleaned export.
    base_trend : float
        The base scenario's ``trend_per_year``, kept when the window is shorter than
        :data:`TREND_MIN_DAYS` (the rate is then fitted with this trend held fixed).
    """
    b = export.bookings
    if export.window_days < 14:
        raise ScenarioError([f"{export.source}: bookings span {export.window_days:g} days; "
                             "calibration needs at least 14"])
    allow, note = _trend_rule(export, base_trend)
    trends, b0 = ((True, False) if allow else (False,)), float(np.log1p(base_trend))
    timed = ~b["booked_date_only"].to_numpy()
    if timed.sum() < 0.5 * len(b):
        return _fit_daily(export, trends, b0, note)
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
    heldout = _heldout({"day_x_hour": sep, "hour_of_week": full}, n_h, cls, t_h, allow, b0)
    scores = heldout.set_index("model")["heldout_loglik"]
    profile = ("hour_of_week" if "hour_of_week" in designs
               and scores["hour_of_week"] > scores["day_x_hour"] else "day_x_hour")
    table, fits = _fit_all(designs, N, t_h, cls, float(n_h @ t_h), trends, b0)
    chosen = table["model"][table["model"].str.split("+").str[0] == profile].iloc[0]
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
        **_trend_fields(chosen, theta, cov, allow, note), heldout=heldout,
        log_rate_trend_cov=_log_cov(quantities, theta, cov),
    )


def _log_cov(quantities, theta, cov) -> np.ndarray:
    """Covariance of ``log(rate)`` and ``log(1 + trend)`` (delta method on the fit)."""
    jac = jacobian(lambda th: np.array([np.log(quantities(th)[0]), th[-1]]), theta)
    return jac @ cov @ jac.T


def _trend_fields(chosen: str, theta, cov, allow: bool, note: str) -> dict:
    """``trend_fitted``, ``trend_note`` and the trend's 95% interval (on the log scale)."""
    b, se_b = float(theta[-1]), float(np.sqrt(max(cov[-1, -1], 0.0)))
    if not allow:
        return {"trend_fitted": False, "trend_note": note,
                "trend_interval": (float(np.expm1(b)), float(np.expm1(b)))}
    if not chosen.endswith("trend"):
        return {"trend_fitted": True, "trend_note": "no trend: chosen by AIC",
                "trend_interval": (0.0, 0.0)}
    return {"trend_fitted": True, "trend_note": "",
            "trend_interval": (float(np.expm1(b - 1.96 * se_b)),
                               float(np.expm1(b + 1.96 * se_b)))}


def _fit_daily(export: Export, trends, b0: float, note: str) -> ArrivalFit:
    """Day-of-week weights and trend from bookings per day (booking hours unknown)."""
    b = export.bookings
    days = int(round(export.window_days))
    d = np.clip(np.floor(b["t_booked"].to_numpy()).astype(np.int64), 0, days - 1)
    cls = (np.arange(days) + export.start.weekday()) % 7
    t_d = (np.arange(days) + 0.5) / 365.25
    n_d = np.bincount(d, minlength=days).astype(float)
    N = np.bincount(cls, n_d, 7)
    X = np.column_stack([np.ones(7)] + [np.arange(7) == k for k in range(1, 7)]).astype(float)
    table, fits = _fit_all({"day_of_week": X}, N, t_d, cls, float(n_d @ t_d), trends, b0)
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
        n_total=len(b), **_trend_fields(chosen, theta, cov, len(trends) == 2, note),
        log_rate_trend_cov=_log_cov(quantities, theta, cov),
    )
