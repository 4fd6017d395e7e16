"""Candidate stay distributions: each one way the jail model can produce a length of stay.

A family gives the log survival function ``log S(t)`` of the stay from unconstrained
parameters ``theta``, and the named quantities (days, shares) those parameters stand for.
Every family includes the wait ``U`` for the first court session (uniform on 0-30 min in a
calibrated scenario), so that simulating the calibrated scenario gives back the fitted
distribution:

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

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["FAMILIES", "SESSION_WAIT", "Z90", "Family", "log_weights"]

#: The standard normal's 90th percentile: a lognormal's p90 is ``exp(mu + Z90 * sigma)``.
Z90 = float(special.ndtri(0.9))
#: Everyone waits for the first court session after booking; the calibrated scenario holds
#: one every half hour, so the wait is uniform on (0, 30 min) (days).
SESSION_WAIT = 0.5 / 24


def _ln_logsf(t, mu, s):
    with np.errstate(divide="ignore"):
        return special.log_ndtr(-(np.log(t) - mu) / s)


def _logsumexp0(parts: np.ndarray) -> np.ndarray:
    top = np.max(parts, axis=0)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.sum(np.exp(parts - safe), axis=0))


def _mix_logsf(t, mus, sigmas, logw):
    parts = [lw + _ln_logsf(t, m, s) for m, s, lw in zip(mus, sigmas, logw, strict=True)]
    return _logsumexp0(np.stack(parts))


def log_weights(eta):
    """Log weights of a mixture from ``eta``: the first component's logit fixed at 0."""
    full = np.concatenate(([0.0], np.asarray(eta, dtype=float)))
    top = full.max()
    return full - (top + np.log(np.sum(np.exp(full - top))))


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
        return _mix_logsf(t, th[:m], np.exp(th[m:2 * m]), log_weights(th[2 * m:]))

    def params(th):
        w = np.exp(log_weights(th[2 * m:]))
        out = {}
        for j in np.argsort(th[:m]):
            i = len(out) // 3 + 1
            out[f"weight_{i}"] = w[j]
            out[f"median_{i}"] = np.exp(th[j])
            out[f"p90_{i}"] = np.exp(th[j] + Z90 * np.exp(th[m + j]))
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
               lambda th: {"median": np.exp(th[0]), "p90": np.exp(th[0] + Z90 * np.exp(th[1]))},
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
