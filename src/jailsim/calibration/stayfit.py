"""Length of stay from censored records: Kaplan–Meier, and model fits chosen by AIC.

People still held when an export is taken have a stay that is only known to exceed the time
served so far (right-censored), and a date-only release time only says "sometime that day"
(interval-censored). Dropping the first or counting them as released biases the mean stay
down, badly, because the long stays are the ones still running. Every fit here uses the
censored likelihood instead: each stay contributes ``log(S(lo) - S(hi))`` for the interval
``(lo, hi]`` known to contain it (``hi = inf``: still held). Exact stays are grouped into
narrow log-spaced bins (40 per decade, a 6% width) first, so a fit costs the same for 1,000
or 1,000,000 bookings; the grouped likelihood is what AIC compares.

Each candidate family is one way the jail model can produce stays (see :meth:`StayFit.paths`),
including the wait ``U`` for the first court session (uniform on 0-30 min in a calibrated
scenario), so that simulating the calibrated scenario gives back the fitted distribution:

* ``lognormal``, ``gamma``, ``weibull``, ``lognormal_mixture_2``: everyone is held until the
  case is disposed; the stay is the time to disposition.
* ``release_or_disposition``, ``release_or_disposition_mix`` (disposition time a mixture of
  two lognormals) and ``release_mix_or_disposition_mix`` (both times mixtures): a share ``w``
  of people is released pretrial after a delay ``S`` unless the case ends first, the others
  wait for disposition ``L``: ``stay = min(S, L)`` for the first group and ``L`` for the
  rest, so (ignoring ``U``)
  ``S_stay(t) = S_L(t) * (1 - w * F_S(t))``. This is the court path of the model (bail set,
  posted after ``post_delay``, otherwise held to disposition), so a detainer can still lower
  the chance of posting bail in the calibrated scenario.

Held to disposition, the stay is ``max(U, L)``; on the bail path it is ``min(U + S, max(U, L))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

__all__ = ["FAMILIES", "SELECTION", "StayFit", "StayFits", "Stays", "fit_stays", "format_days"]

_Z90 = float(special.ndtri(0.9))
#: Bins per decade for grouping exact stays.
BINS_PER_DECADE = 40
#: Shortest bin edge (days): one minute.
MIN_EDGE = 1 / 1440
#: Everyone waits for the first court session after booking; the calibrated scenario holds
#: one every half hour, so the wait is uniform on (0, 30 min) (days).
SESSION_WAIT = 0.5 / 24


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


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True, eq=False)
class Stays:
    """Stays known to lie in ``(lo, hi]`` (days); ``lo == hi`` exact, ``hi = inf`` still held.

    ``shift`` marks bookings recorded with a date only: their bounds count from the start of
    the booking day, and the stay is ``x - u`` with ``u`` the unknown time of day, uniform on
    (0, 1 day). Such a stay contributes ``E_u[S(lo - u) - S(hi - u)]`` to the likelihood (and a
    timed release ``x`` the interval ``(x - 1, x]``), which is what makes a booking day and a
    release day, both without times, informative without bias.
    """

    lo: np.ndarray
    hi: np.ndarray
    shift: np.ndarray | None = None

    def __post_init__(self):
        object.__setattr__(self, "lo", np.asarray(self.lo, dtype=float))
        object.__setattr__(self, "hi", np.asarray(self.hi, dtype=float))
        shift = np.zeros(len(self.lo), bool) if self.shift is None else self.shift
        object.__setattr__(self, "shift", np.asarray(shift, dtype=bool))

    @property
    def n(self) -> int:
        """Number of stays."""
        return len(self.lo)

    @property
    def held(self) -> np.ndarray:
        """Right-censored (still held)."""
        return np.isinf(self.hi)

    @property
    def point(self) -> np.ndarray:
        """One number per stay: exact value, interval midpoint, or time served so far."""
        mid = np.where(self.held, self.lo, (self.lo + np.where(self.held, 0, self.hi)) / 2)
        return np.maximum(mid - 0.5 * self.shift, 0.0)

    def naive_mean(self) -> float:
        """Mean stay of the people released (what ignoring censoring gives)."""
        released = ~self.held
        return float(np.mean(self.point[released])) if released.any() else float("nan")

    def _plain(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds that hold whatever the time of day of a date-only booking."""
        return np.maximum(self.lo - self.shift, 0.0), self.hi

    def censored_data(self) -> stats.CensoredData:
        """The stays as scipy CensoredData: exact, right-censored and interval-censored.

        Date-only bookings enter with their widest bounds (a day less at the low end).
        """
        lo, hi = self._plain()
        exact = (lo == hi) & ~self.shift
        interval = ~exact & ~self.held
        return stats.CensoredData(
            uncensored=np.maximum(lo[exact], MIN_EDGE / 2),
            right=np.maximum(lo[self.held], MIN_EDGE / 2),
            interval=np.column_stack([lo[interval], hi[interval]]),
        )

    def km(self):
        """Kaplan–Meier estimate (scipy ``ecdf``); interval stays enter at their midpoint."""
        data = stats.CensoredData(
            uncensored=np.maximum(self.point[~self.held], 1e-9),
            right=np.maximum(self.point[self.held], 1e-9),
        )
        return stats.ecdf(data)

    def grouped(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Intervals ``(lo, hi]`` with counts and shift flags, for the likelihood.

        Exact stays are binned on the log grid, censoring times floored to it; a date-only
        booking with a timed release becomes the plain interval ``(x - 1, x]`` (``x`` on the
        grid); other date-only bookings keep their bounds, rounded to the minute.
        """
        top = max(float(np.max(np.where(np.isinf(self.hi), self.lo, self.hi))), 1.0) * 1.1
        decades = np.log10(top / MIN_EDGE)
        edges = np.concatenate(
            ([0.0], MIN_EDGE * np.logspace(0, decades, int(np.ceil(decades * BINS_PER_DECADE))))
        )
        exact = self.lo == self.hi
        k = np.clip(np.searchsorted(edges, self.lo, side="right") - 1, 0, len(edges) - 2)
        plain = ~self.shift
        lo = np.where(exact | self.held, edges[k], self.lo)
        hi = np.where(exact, edges[k + 1], self.hi)
        day_exact = self.shift & exact
        lo = np.where(day_exact, np.maximum(edges[k + 1] - 1.0, 0.0), lo)
        shift = self.shift & ~exact
        minute = 1 / 1440
        lo = np.where(shift, np.round(self.lo / minute) * minute, np.where(plain | day_exact,
                                                                          lo, self.lo))
        hi = np.where(shift & ~self.held, np.round(self.hi / minute) * minute, hi)
        table = np.column_stack([lo, hi, shift])
        rows, count = np.unique(table, axis=0, return_counts=True)
        return rows[:, 0], rows[:, 1], count.astype(float), rows[:, 2].astype(bool)


# ---------------------------------------------------------------------------------------------
# Families: each gives log S(t) from unconstrained parameters theta.


def _ln_logsf(t, mu, s):
    with np.errstate(divide="ignore"):
        return special.log_ndtr(-(np.log(t) - mu) / s)


def _ln_cdf(t, mu, s):
    with np.errstate(divide="ignore"):
        return special.ndtr((np.log(t) - mu) / s)


def _logsumexp0(parts: np.ndarray) -> np.ndarray:
    top = np.max(parts, axis=0)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.sum(np.exp(parts - safe), axis=0))


def _mix_logsf(t, mus, sigmas, logw):
    parts = [lw + _ln_logsf(t, m, s) for m, s, lw in zip(mus, sigmas, logw, strict=True)]
    return _logsumexp0(np.stack(parts))


def _log_weights(eta):
    full = np.concatenate(([0.0], np.asarray(eta, dtype=float)))
    top = full.max()
    return full - (top + np.log(np.sum(np.exp(full - top))))


def _lognormal(mu, sigma) -> dict:
    return {"dist": "lognormal", "median": format_days(np.exp(mu)),
            "p90": format_days(np.exp(mu + _Z90 * sigma))}


@dataclass(frozen=True)
class Family:
    """A candidate model of the stay distribution."""

    name: str
    k: int
    logsf: object  # (t, theta) -> log S(t)
    params: object  # theta -> dict of named quantities (days, shares)
    describe: str

    def sf(self, t, theta):
        """Survival function at ``t`` (days)."""
        return np.exp(self.logsf(np.asarray(t, dtype=float), theta))


_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_GL3_X, _GL3_W = np.polynomial.legendre.leggauss(3)


def _wait_cdf(t):
    return np.clip(t / SESSION_WAIT, 0.0, 1.0)


def _held(logsf_l):
    """Held to disposition: the stay is ``max(U, L)`` (U the wait for the first session)."""

    def logsf(t, th):
        a = logsf_l(t, th)
        with np.errstate(divide="ignore"):
            early = np.log1p(-_wait_cdf(t) * -np.expm1(a))
        return np.where(t >= SESSION_WAIT, a, early)

    return logsf


def _mix(m):
    def logsf(t, th):
        return _mix_logsf(t, th[:m], np.exp(th[m:2 * m]), _log_weights(th[2 * m:]))

    def params(th):
        w = np.exp(_log_weights(th[2 * m:]))
        out = {}
        for j in np.argsort(th[:m]):
            i = len(out) // 3 + 1
            out[f"weight_{i}"] = w[j]
            out[f"median_{i}"] = np.exp(th[j])
            out[f"p90_{i}"] = np.exp(th[j] + _Z90 * np.exp(th[m + j]))
        return out

    return logsf, params


def _court(ms, ml):
    """Pretrial release share w after U + S, else disposition max(U, L).

    S and L are mixtures of ``ms`` and ``ml`` lognormals; U is the wait for the first
    half-hourly session, uniform on (0, 30 min); all independent. A bail-path stay is
    ``min(U + S, max(U, L))``, so given U = u < t it exceeds t with probability
    ``S_S(t - u) * S_L(t)``; the average over u is taken by Gauss-Legendre quadrature.
    Parameters: ``[logit w, S mixture (3 ms - 1), L mixture (3 ml - 1)]``.
    """
    mix_s, params_s = _mix(ms)
    mix_l, params_l = _mix(ml)
    k_s = 3 * ms - 1

    def logsf(t, th):
        w = special.expit(th[0])
        avg_cdf = np.empty(np.shape(t))
        near = t < 4 * SESSION_WAIT  # 8 nodes near the wait, 3 (exact for quintics) beyond
        for sel, (x, wq) in ((near, (_GL_X, _GL_W)), (~near, (_GL3_X, _GL3_W))):
            width = np.minimum(t[sel], SESSION_WAIT)[:, None]
            u = np.maximum(t[sel, None] - width / 2 * (x + 1), 1e-300)
            cdf = -np.expm1(mix_s(u.ravel(), th[1:1 + k_s])).reshape(u.shape)
            avg_cdf[sel] = np.sum(wq * cdf, axis=-1) / 2
        log_l = mix_l(t, th[1 + k_s:])
        late = log_l + np.log1p(-w * avg_cdf)
        fu, sl = _wait_cdf(t), np.exp(log_l)
        early = w * ((1 - fu) + sl * fu * (1 - avg_cdf)) + (1 - w) * (1 - fu * (1 - sl))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t >= SESSION_WAIT, late, np.log(early))

    def params(th):
        out = {"release_share": special.expit(th[0])}
        for part, inner in (("release", params_s(th[1:1 + k_s])),
                            ("disposition", params_l(th[1 + k_s:]))):
            if len(inner) == 3:
                out.update({f"{part}_median": inner["median_1"], f"{part}_p90": inner["p90_1"]})
            else:
                out.update({f"{part}_{k}": v for k, v in inner.items()})
        return out

    return logsf, params


_MIX2 = _mix(2)
_COURT1 = _court(1, 1)
_COURT2 = _court(1, 2)
_COURT3 = _court(2, 2)
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("lognormal", 2, _held(lambda t, th: _ln_logsf(t, th[0], np.exp(th[1]))),
               lambda th: {"median": np.exp(th[0]), "p90": np.exp(th[0] + _Z90 * np.exp(th[1]))},
               "held to disposition; lognormal time to disposition"),
        Family("gamma", 2,
               _held(lambda t, th: stats.gamma.logsf(t, np.exp(th[0]), scale=np.exp(th[1]))),
               lambda th: {"shape": np.exp(th[0]), "scale": np.exp(th[1])},
               "held to disposition; gamma time to disposition"),
        Family("weibull", 2, _held(lambda t, th: -((t / np.exp(th[1])) ** np.exp(th[0]))),
               lambda th: {"shape": np.exp(th[0]), "scale": np.exp(th[1])},
               "held to disposition; Weibull time to disposition"),
        Family("lognormal_mixture_2", 5, _held(_MIX2[0]), _MIX2[1],
               "held to disposition; time to disposition a mixture of two lognormals"),
        Family("release_or_disposition", 5, _COURT1[0], _COURT1[1],
               "a share released pretrial after a lognormal delay, the rest held to a "
               "lognormal disposition"),
        Family("release_or_disposition_mix", 8, _COURT2[0], _COURT2[1],
               "a share released pretrial after a lognormal delay, the rest held to a "
               "disposition time that is a mixture of two lognormals"),
        Family("release_mix_or_disposition_mix", 11, _COURT3[0], _COURT3[1],
               "a share released pretrial after a delay and the rest held to disposition, "
               "both times mixtures of two lognormals"),
    )
}


# ---------------------------------------------------------------------------------------------
# Fitting


_DAY_U = (_GL_X + 1) / 2  # times of day (days) for the average over a date-only booking
_DAY_W = _GL_W / 2


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
        session, as in the fitted families (:data:`SESSION_WAIT`).
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
    w = np.exp(_log_weights(th[4:]))
    comps = [{"weight": round(float(w[j]), 5), "of": _lognormal(th[j], np.exp(th[2 + j]))}
             for j in np.argsort(th[:2])]
    return {"dist": "mixture", "components": comps}


@dataclass(frozen=True, eq=False)
class StayFits:
    """Every candidate fitted to one group's stays, and the one chosen by AIC."""

    stays: Stays
    fits: dict = field(default_factory=dict)

    @property
    def best(self) -> StayFit:
        """The chosen fit: see :data:`SELECTION`."""
        low = min(f.aic for f in self.fits.values())
        close = [f for f in self.fits.values() if f.aic <= low + DELTA_AIC]
        return min(close, key=lambda f: (not f.name.startswith("release"), f.k, f.aic))

    def table(self):
        """Candidates with k, log-likelihood, AIC and ΔAIC, best first."""
        import pandas as pd

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
        Names from :data:`FAMILIES`.
    seed : int
        Seeds the jittered extra starting point of the mixture fits (results are
        deterministic for a given seed).
    """
    lo, hi, count, shift = stays.grouped()
    rng = np.random.default_rng(seed)
    out = {}
    for name in families or FAMILIES:
        fam = FAMILIES[name]

        def nll(th, fam=fam):
            return _negloglik(fam, th, lo, hi, count, shift)

        best = None
        for x0 in _starts(name, stays, rng, out):
            with np.errstate(all="ignore"):  # line searches may step into impossible values
                res = optimize.minimize(nll, x0, method="BFGS",
                                        options={"maxiter": 2000, "gtol": 1e-2})
            if _sane(fam, res.x) and (best is None or res.fun < best.fun):
                best = res
        if best is None:
            continue
        theta = best.x
        hess = _hessian(nll, theta)
        try:
            cov = np.linalg.inv(hess)
            if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:
            cov = np.linalg.pinv(hess)
        out[name] = StayFit(fam, theta, cov, -float(best.fun), stays.n)
    if not out:
        raise ValueError("no stay model could be fitted (every fit degenerate)")
    return StayFits(stays, out)


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
