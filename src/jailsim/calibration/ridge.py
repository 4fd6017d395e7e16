"""A stay fit's covariance, widened where its likelihood is flatter than its peak says.

The inverse Hessian at the maximum describes the likelihood as a paraboloid. The stay models
that keep the court path (a share released after a delay, the rest held to disposition) have a
ridge instead: a larger release share with a later release fits almost as well as a smaller
one with an earlier release, and the log-likelihood falls far more slowly along the ridge than
its curvature at the top predicts. Intervals and parameter draws from the inverse Hessian are
then too narrow (in simulated exports the true values lay 4 of its standard deviations away
with the log-likelihood only 2.6 below its maximum, which a likelihood-ratio test finds
unremarkable).

:func:`ridge_covariance` keeps the inverse Hessian's axes (its eigenvectors) and sets the
length of each so that the ellipse's 2-standard-deviation points lie where the log-likelihood
(plus a tail prior's log density, if one was taken) has fallen by 2, as it would for a normal
likelihood: the Wald and likelihood-ratio boundaries then agree along every axis. An axis is
never shortened (a likelihood steeper than the paraboloid keeps the inverse Hessian's width)
and is lengthened at most :data:`MAX_STRETCH`-fold.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from jailsim.calibration.stayfit import StayFits, objective
from jailsim.calibration.stayprior import prior_penalty

__all__ = ["DROP", "MAX_STRETCH", "ridge_covariance", "with_ridge_covariance"]

#: Fall of the log-likelihood at 2 standard deviations of a normal likelihood.
DROP = 2.0
#: Most an axis of the covariance ellipse is lengthened.
MAX_STRETCH = 10.0


def _reach(fall, steps: int = 8) -> float:
    """The step ``s >= 2`` at which ``fall(s)`` (increasing) first reaches :data:`DROP`."""
    below, s = 0.0, 2.0
    while not fall(s) >= DROP:
        below, s = s, 2 * s
        if s > 2 * MAX_STRETCH:
            return 2 * MAX_STRETCH
    if below == 0.0:
        return 2.0  # as steep as the paraboloid, or steeper: not shortened
    above = s
    for _ in range(steps):
        mid = (below + above) / 2
        if fall(mid) >= DROP:
            above = mid
        else:
            below = mid
    return (below + above) / 2


def ridge_covariance(f, theta: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """``cov`` with each principal axis lengthened to where ``f`` has risen by :data:`DROP`.

    Parameters
    ----------
    f
        The negative log-likelihood (plus a prior's negative log density) of ``theta``.
    theta
        Its minimum.
    cov
        The inverse Hessian of ``f`` at ``theta``.

    Returns
    -------
    numpy.ndarray
        ``V diag(lambda * k**2) V'``, with ``V``, ``lambda`` the eigenvectors and values of
        ``cov`` and ``k`` each axis's stretch: half the mean of the steps (in standard
        deviations, one each way) at which ``f`` has risen by 2, at least 1, at most
        :data:`MAX_STRETCH`.
    """
    cov = (np.asarray(cov, dtype=float) + np.asarray(cov, dtype=float).T) / 2
    lam, vecs = np.linalg.eigh(cov)
    f0 = f(theta)
    stretch = np.ones(len(lam))
    for i, (value, v) in enumerate(zip(lam, vecs.T, strict=True)):
        if not (np.isfinite(value) and value > 0):
            continue
        u = v * np.sqrt(value)
        steps = [_reach(lambda s, sign=sign, u=u: f(theta + sign * s * u) - f0)
                 for sign in (1, -1)]
        stretch[i] = min(max(1.0, float(np.mean(steps)) / 2), MAX_STRETCH)
    lam = np.where(lam > 0, lam, 0.0)
    return (vecs * (lam * stretch**2)) @ vecs.T


def with_ridge_covariance(fits: StayFits, group: str) -> StayFits:
    """``fits`` with the covariance of the fit used (``best``) widened by :func:`ridge_covariance`.

    A fit with a tail prior is widened on its penalized likelihood (the posterior's).
    """
    best = fits.best
    penalty = prior_penalty(best.family, group) if fits.prior_fit is not None else None
    cov = ridge_covariance(objective(best.family, fits.stays, penalty), best.theta, best.cov)
    wide = dataclasses.replace(best, cov=cov)
    if fits.prior_fit is not None:
        return dataclasses.replace(fits, prior_fit=wide)
    return dataclasses.replace(fits, fits={**fits.fits, best.name: wide})
