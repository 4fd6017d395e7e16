"""Length of stay fitted by censored maximum likelihood, and the model chosen by AIC.

Dropping the people still held, or counting them as released, biases the mean stay down,
badly, because the long stays are the ones still running. Every fit here uses the censored
likelihood instead: each stay contributes ``log(S(lo) - S(hi))`` for the interval
``(lo, hi]`` known to contain it (``hi = inf``: still held), summed over the grouped stays of
:meth:`jailsim.calibration.stays.Stays.grouped`; that grouped likelihood is what AIC compares.
Every candidate family (:mod:`jailsim.calibration.stayfamilies`) is fitted, and the chosen
fit is written as the court path that reproduces it (:meth:`StayFit.paths`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from jailsim.calibration.stayfamilies import FAMILIES, Z90, Family, log_weights
from jailsim.calibration.stays import Stays

__all__ = ["SELECTION", "StayFit", "StayFits", "fit_family", "fit_stays", "format_days",
           "jacobian", "mean_stay", "objective"]

#: Fits within this many AIC units of the lowest are taken as equally supported (Burnham and
#: Anderson 2002, "substantial support" below 2).
DELTA_AIC = 2.0
#: How the stay model is chosen, in words (written into the scenario and the report).
SELECTION = (
    "lowest AIC on the censored likelihood; among fits within 2 AIC units of it, one that "
    "keeps the court path (release_*) is preferred, then fewer parameters"
)


def format_days(days: float) -> str:
    """A duration as short text with 4 significant digits: ``"7.5h"``, ``"36.2d"``."""
    if days < 2 / 24:
        return f"{days * 1440:.4g}min"
    if days < 2:
        return f"{days * 24:.4g}h"
    return f"{days:.4g}d"


def _lognormal(mu, sigma) -> dict:
    return {"dist": "lognormal", "median": format_days(np.exp(mu)),
            "p90": format_days(np.exp(mu + Z90 * sigma))}


# ---------------------------------------------------------------------------------------------
# Fitting


_DAY_X, _DAY_GW = np.polynomial.legendre.leggauss(8)
_DAY_U = (_DAY_X + 1) / 2  # times of day (days) for the average over a date-only booking
_DAY_W = _DAY_GW / 2


def _interval_ll(family: Family, theta, lo, hi) -> np.ndarray:
    a = family.logsf(np.maximum(lo, 1e-12), theta)
    a = np.where(lo <= 0, 0.0, a)
    b = np.where(np.isinf(hi), -np.inf, family.logsf(np.where(np.isinf(hi), 1.0, hi), theta))
    return a + np.log(-np.expm1(np.minimum(b - a, 0.0)))


def _negloglik(family: Family, theta, lo, hi, count, shift=None) -> float:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if shift is None or not shift.any():
            ll = _interval_ll(family, theta, lo, hi)
        else:
            ll = np.empty(len(lo))
            ll[~shift] = _interval_ll(family, theta, lo[~shift], hi[~shift])
            s_lo = lo[shift][:, None] - _DAY_U
            s_hi = hi[shift][:, None] - _DAY_U
            sf_lo = np.where(s_lo <= 0, 1.0, family.sf(np.maximum(s_lo, 1e-12).ravel(),
                                                       theta).reshape(s_lo.shape))
            sf_hi = np.where(np.isinf(s_hi), 0.0, np.where(s_hi <= 0, 1.0, family.sf(
                np.where(np.isfinite(s_hi), np.maximum(s_hi, 1e-12), 1.0).ravel(),
                theta).reshape(s_hi.shape)))
            ll[shift] = np.log(np.sum(_DAY_W * (sf_lo - sf_hi), axis=1))
    total = float(np.sum(count * ll))
    return -total if np.isfinite(total) else 1e300


def _starts(name: str, stays: Stays, rng: np.random.Generator, done: dict) -> list[np.ndarray]:
    y = np.log(np.maximum(stays.point, 1 / 24))  # date-only stays can have a point of 0
    q = np.quantile(y, [0.1, 0.25, 0.5, 0.75, 0.9])
    s = max(float(np.std(y)), 0.3)
    if name in ("lognormal", "gamma", "weibull"):
        dist = {"lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min}
        cd = stays.censored_data()
        try:
            shape, _, scale = dist[name].fit(cd, floc=0)
        except (ValueError, RuntimeError, FloatingPointError):  # pragma: no cover
            shape, scale = 1.0, float(np.exp(q[2]))
        if name == "lognormal":
            return [np.array([np.log(scale), np.log(shape)])]
        return [np.array([np.log(shape), np.log(scale)])]
    starts = []
    if name == "lognormal_mixture_2":
        for a, b in ((q[1], q[3]), (q[0], q[4])):
            starts.append(np.array([a, b, np.log(s / 2), np.log(s / 2), 0.0]))
    elif name == "release_or_disposition":
        for share, a, b in ((0.5, q[1], q[4]), (0.7, q[0], q[3])):
            starts.append(np.array([special.logit(share), a, np.log(s / 2), b, np.log(s / 2)]))
        one = done.get("lognormal")
        if one is not None:  # around the single lognormal: a short and a long part
            mu, ls = one.theta
            starts.insert(0, np.array([0.0, mu - 2.0, ls - 0.5, mu + 1.0, ls - 0.5]))
    elif name == "release_mix_or_disposition_mix":
        two = done.get("release_or_disposition_mix")
        if two is not None:  # split the release lognormal of the simpler fit in two
            w, ms, ls, *rest = two.theta
            starts.append(np.array([w, ms - 0.7, ms + 0.7, ls - 0.3, ls - 0.3, 0.0, *rest]))
            starts.append(np.array([w, ms - 1.5, ms + 0.5, ls - 0.5, ls - 0.3, 0.0, *rest]))
        else:
            starts.append(np.array([special.logit(0.5), q[0] - 0.5, q[1], np.log(s / 3),
                                    np.log(s / 3), 0.0, q[3], q[4] + 0.5, np.log(s / 3),
                                    np.log(s / 3), 0.0]))
    else:
        one = done.get("release_or_disposition")
        if one is not None:  # split the disposition lognormal of the simpler fit in two
            w, ms, ls, ml, ll = one.theta
            spread = np.exp(ll) / 2
            starts.append(np.array([w, ms, ls, ml - spread, ml + spread, ll - 0.4, ll - 0.4,
                                    0.0]))
        starts.append(np.array([special.logit(0.5), q[0], np.log(s / 2), q[3], q[4] + 0.5,
                                np.log(s / 3), np.log(s / 3), 0.0]))
    if len(starts) == 1:  # a jittered copy of the only start
        starts.append(starts[0] + rng.normal(0, 0.3, len(starts[0])))
    return starts[:2]


def _hessian(f, x, h=1e-4) -> np.ndarray:
    k = len(x)
    hess = np.empty((k, k))
    f0 = f(x)
    e = np.eye(k) * h
    for i in range(k):
        for j in range(i, k):
            if i == j:
                v = (f(x + e[i]) - 2 * f0 + f(x - e[i])) / h**2
            else:
                v = (f(x + e[i] + e[j]) - f(x + e[i] - e[j]) - f(x - e[i] + e[j])
                     + f(x - e[i] - e[j])) / (4 * h**2)
            hess[i, j] = hess[j, i] = v
    return hess


def jacobian(g, x, h=1e-5) -> np.ndarray:
    """Central-difference Jacobian of a vector function ``g`` at ``x``."""
    cols = []
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h
        cols.append((np.asarray(g(x + e)) - np.asarray(g(x - e))) / (2 * h))
    return np.column_stack(cols)


def _mean(family: Family, theta) -> float:
    u = np.linspace(np.log(1e-5), np.log(2e5), 4000)
    t = np.exp(u)
    return float(np.trapezoid(family.sf(t, theta) * t, u))


def mean_stay(family: Family, theta) -> float:
    """Mean stay (days) of ``family`` at ``theta``: the integral of its survival function."""
    return _mean(family, theta)


@dataclass(frozen=True, eq=False)
class StayFit:
    """One fitted family: parameters with standard errors, likelihood and AIC."""

    family: Family
    theta: np.ndarray
    cov: np.ndarray
    loglik: float
    n: int

    @property
    def name(self) -> str:
        """Family name."""
        return self.family.name

    @property
    def k(self) -> int:
        """Number of free parameters."""
        return self.family.k

    @property
    def aic(self) -> float:
        """Akaike information criterion on the grouped censored likelihood."""
        return 2 * self.k - 2 * self.loglik

    def sf(self, t) -> np.ndarray:
        """Fitted survival function at ``t`` days."""
        return self.family.sf(np.asarray(t, dtype=float), self.theta)

    def mean(self) -> float:
        """Mean stay in days (integral of the survival function)."""
        return _mean(self.family, self.theta)

    def params(self) -> dict[str, float]:
        """Named parameters (days, shares) and ``mean``."""
        return {**self.family.params(self.theta), "mean": self.mean()}

    def se(self) -> dict[str, float]:
        """Standard errors of :meth:`params` (delta method on the inverse Hessian)."""
        names = list(self.params())

        def g(th):
            p = {**self.family.params(th), "mean": _mean(self.family, th)}
            return np.array([p[k] for k in names])

        jac = jacobian(g, self.theta)
        var = np.einsum("ij,jk,ik->i", jac, self.cov, jac)
        return dict(zip(names, np.sqrt(np.maximum(var, 0.0)), strict=True))

    def paths(self) -> tuple[dict, dict, str]:
        """The court path that reproduces this fit: (pretrial, time_to_disposition, note).

        Disposition-only families hold everyone to disposition (``bail: 0``). The
        release-or-disposition families set bail for the pretrial-release share with
        ``post: 1`` and ``post_delay`` = the release delay. Both count from the first court
        session, as in the fitted families
        (:data:`~jailsim.calibration.stayfamilies.SESSION_WAIT`).
        """
        th, p = self.theta, self.family.params(self.theta)
        held = {"ror": 0.0, "bail": 0.0, "post": 0.0, "post_delay": "1h"}
        if self.name == "lognormal":
            return held, _lognormal(th[0], np.exp(th[1])), "everyone held to disposition"
        if self.name == "gamma":
            ttd = {"dist": "gamma", "shape": round(float(p["shape"]), 5),
                   "scale": format_days(p["scale"])}
            return held, ttd, "everyone held to disposition"
        if self.name == "weibull":
            ttd = {"dist": "weibull", "shape": round(float(p["shape"]), 5),
                   "scale": format_days(p["scale"])}
            return held, ttd, "everyone held to disposition"
        if self.name == "lognormal_mixture_2":
            return held, _mixture(th), "everyone held to disposition"
        k_s = 5 if self.name == "release_mix_or_disposition_mix" else 2
        post, rest = th[1:1 + k_s], th[1 + k_s:]
        pretrial = {
            "ror": 0.0,
            "bail": round(float(p["release_share"]), 5),
            "post": 1.0,
            "post_delay": _lognormal(post[0], np.exp(post[1])) if k_s == 2 else _mixture(post),
        }
        ttd = _lognormal(rest[0], np.exp(rest[1])) if len(rest) == 2 else _mixture(rest)
        return pretrial, ttd, "pretrial release on bail for a share, others held to disposition"


def _mixture(th) -> dict:
    w = np.exp(log_weights(th[4:]))
    comps = [{"weight": round(float(w[j]), 5), "of": _lognormal(th[j], np.exp(th[2 + j]))}
             for j in np.argsort(th[:2])]
    return {"dist": "mixture", "components": comps}


@dataclass(frozen=True, eq=False)
class StayFits:
    """Every candidate fitted to one group's stays, and the one chosen by AIC.

    ``tail`` is the check of whether the export identifies the stay's long tail
    (:class:`jailsim.calibration.stayprior.TailCheck`, None if not checked); when it does
    not, ``prior_fit`` is the chosen family refitted with the tail taken from a prior, and
    is what :attr:`best` returns.
    """

    stays: Stays
    fits: dict = field(default_factory=dict)
    tail: object = None
    prior_fit: StayFit | None = None

    @property
    def best(self) -> StayFit:
        """The fit used: :attr:`chosen`, or its refit with a tail prior (``prior_fit``)."""
        return self.prior_fit if self.prior_fit is not None else self.chosen

    @property
    def chosen(self) -> StayFit:
        """The fit chosen by likelihood alone: see :data:`SELECTION`."""
        low = min(f.aic for f in self.fits.values())
        close = [f for f in self.fits.values() if f.aic <= low + DELTA_AIC]
        return min(close, key=lambda f: (not f.name.startswith("release"), f.k, f.aic))

    def table(self):
        """Candidates with k, log-likelihood, AIC and ΔAIC, best first."""
        rows = [{"model": f.name, "k": f.k, "loglik": f.loglik, "aic": f.aic,
                 "mean_days": f.mean(), "describe": f.family.describe}
                for f in self.fits.values()]
        out = pd.DataFrame(rows).sort_values("aic").reset_index(drop=True)
        out.insert(4, "delta_aic", out["aic"] - out["aic"].min())
        return out


def fit_stays(stays: Stays, families=None, seed: int = 0) -> StayFits:
    """Fit every family in ``families`` (default: all) by censored maximum likelihood.

    Parameters
    ----------
    stays : Stays
        The group's stays.
    families : iterable of str, optional
        Names from :data:`~jailsim.calibration.stayfamilies.FAMILIES`.
    seed : int
        Seeds the jittered extra starting point of the mixture fits (results are
        deterministic for a given seed).
    """
    grouped = stays.grouped()
    rng = np.random.default_rng(seed)
    out = {}
    for name in families or FAMILIES:
        fit = fit_family(FAMILIES[name], stays, _starts(name, stays, rng, out), grouped)
        if fit is not None:
            out[name] = fit
    if not out:
        raise ValueError("no stay model could be fitted (every fit degenerate)")
    return StayFits(stays, out)


def fit_family(family: Family, stays: Stays, starts, grouped=None,
               penalty=None) -> StayFit | None:
    """Fit one family by (penalized) censored maximum likelihood from each start; keep the best.

    Parameters
    ----------
    family : Family
        The candidate.
    stays : Stays
        The group's stays.
    starts : list of numpy.ndarray
        Starting parameter vectors.
    grouped : tuple, optional
        ``stays.grouped()``, if already computed.
    penalty : callable, optional
        ``theta -> float`` added to the negative log-likelihood (a prior's negative log
        density): the fit is then the posterior mode, and its covariance the inverse Hessian
        of the penalized function. ``loglik`` is the likelihood alone at that mode.

    Returns
    -------
    StayFit or None
        None if no start gave a usable fit (see ``_sane``).
    """
    lo, hi, count, shift = grouped if grouped is not None else stays.grouped()

    def nll(th):
        return _negloglik(family, th, lo, hi, count, shift)

    def objective(th):
        return nll(th) + (penalty(th) if penalty is not None else 0.0)

    best = None
    for x0 in starts:
        with np.errstate(all="ignore"):  # line searches may step into impossible values
            res = optimize.minimize(objective, x0, method="BFGS",
                                    options={"maxiter": 2000, "gtol": 1e-2})
        if _sane(family, res.x) and (best is None or res.fun < best.fun):
            best = res
    if best is None:
        return None
    theta = best.x
    hess = _hessian(objective, theta)
    try:
        cov = np.linalg.inv(hess)
        if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(hess)
    return StayFit(family, theta, cov, -float(nll(theta)), stays.n)


def objective(family: Family, stays: Stays, penalty=None):
    """``theta -> `` the negative censored log-likelihood of ``stays`` (plus ``penalty``).

    The function :func:`fit_family` minimizes (1e300 where the likelihood is not finite).
    """
    lo, hi, count, shift = stays.grouped()

    def f(th) -> float:
        value = _negloglik(family, th, lo, hi, count, shift)
        return value + (penalty(th) if penalty is not None else 0.0)

    return f


def _sane(family: Family, theta) -> bool:
    """A fit is usable if its parameters are finite, durations under a century, no spikes."""
    with np.errstate(over="ignore", invalid="ignore"):
        params = family.params(theta)
        values = np.array(list(params.values()), dtype=float)
    # A lognormal component squeezed to a spike (p90 within 2% of its median) fits the grid of
    # the grouped data, not the stays.
    spikes = [k for k in params if "median" in k
              and not params[k.replace("median", "p90")] > 1.02 * params[k]]
    return bool(np.all(np.isfinite(theta)) and np.all(np.isfinite(values)) and not spikes
                and np.all(values < 36525) and np.all(np.abs(theta) < 50))

