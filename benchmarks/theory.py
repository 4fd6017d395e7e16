"""Queueing theory for the shared subset model, and the statistics every peer is checked with.

The subset model: Poisson bookings at rate ``lam``; every booking queues first come, first
served for one of ``c`` screening officers (exponential service, mean ``1/mu``); independently
of the queue, each booking stays in the jail for a lognormal time counted from its arrival,
with unlimited beds. The screening queue is then an M/M/c queue (mean wait: Erlang C) and the
number of people in the jail is an M/G/infinity system (time-average: Little's law,
``lam * E[stay]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: A check passes when the estimate is within this many standard errors of theory.
Z_TOLERANCE = 4.0


@dataclass(frozen=True)
class Subset:
    """Parameters of the subset model; times in days, rates per day."""

    lam: float  # bookings per day
    officers: int  # c
    service_mean: float  # days, exponential
    stay_mean: float  # days, lognormal, from arrival
    stay_sd: float  # days
    horizon: float  # days simulated (from an empty jail)
    warmup: float  # days discarded at the start

    @property
    def mu(self) -> float:
        return 1.0 / self.service_mean

    @property
    def stay_mu_sigma(self) -> tuple[float, float]:
        """Parameters of the normal underlying the lognormal stay (Ciw's and numpy's form)."""
        s2 = math.log1p((self.stay_sd / self.stay_mean) ** 2)
        return math.log(self.stay_mean) - s2 / 2, math.sqrt(s2)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``a = lam/mu``."""
    if a >= c:
        return 1.0
    b = 1.0  # Erlang B by the stable recursion B(k) = a B(k-1) / (k + a B(k-1))
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def mmc_mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue (before service) of an M/M/c queue, in the time unit of 1/mu."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def theory(p: Subset) -> dict[str, float]:
    """Expected values of the two checked statistics (wait in hours, ADP in people)."""
    return {
        "mean_wait_hours": mmc_mean_wait(p.lam, p.mu, p.officers) * 24.0,
        "adp": p.lam * p.stay_mean,
        "rho": p.lam / (p.officers * p.mu),
        "p_wait": erlang_c(p.officers, p.lam / p.mu),
    }


def batch_means(x: np.ndarray, batches: int = 50) -> tuple[float, float]:
    """Mean of ``x`` (in arrival order) and its standard error by the method of batch means."""
    x = np.asarray(x, dtype=float)
    n = len(x) // batches * batches
    if n < batches * 2:
        return float(np.mean(x)) if len(x) else math.nan, math.nan
    means = x[:n].reshape(batches, -1).mean(axis=1)
    return float(np.mean(x)), float(means.std(ddof=1) / math.sqrt(batches))


def statistics(
    p: Subset, arrive: np.ndarray, start: np.ndarray, leave: np.ndarray
) -> dict[str, float]:
    """The checked statistics of one run, from per-booking times (days).

    ``arrive``: booking time; ``start``: start of screening (NaN if never); ``leave``: exit
    from the jail (NaN or inf if still in at the horizon). Waits are those of bookings that
    arrive in the measurement window [warmup, horizon] and started screening; the ADP is the
    time-average number present over the window. Its standard error is the large-window value
    for an M/G/infinity system, ``sqrt(lam E[S^2] / T)`` (the integral of the autocovariance
    of the number present is ``lam E[S^2] / 2``).
    """
    lo, hi = p.warmup, p.horizon
    order = np.argsort(arrive, kind="stable")
    arrive, start, leave = arrive[order], start[order], leave[order]
    leave = np.where(np.isfinite(leave), leave, hi)
    inside = (arrive >= lo) & (arrive <= hi)
    waited = inside & ~np.isnan(start)
    wait_mean, wait_se = batch_means((start - arrive)[waited] * 24.0)
    overlap = np.clip(np.minimum(leave, hi) - np.maximum(arrive, lo), 0.0, None)
    width = hi - lo
    es2 = p.stay_sd**2 + p.stay_mean**2
    return {
        "bookings": int(len(arrive)),
        "bookings_in_window": int(inside.sum()),
        "never_screened": int((inside & np.isnan(start)).sum()),
        "mean_wait_hours": wait_mean,
        "mean_wait_hours_se": wait_se,
        "adp": float(overlap.sum() / width),
        "adp_se": math.sqrt(p.lam * es2 / width),
    }


def check(stats: dict[str, float], expected: dict[str, float]) -> dict[str, dict]:
    """Compare a run's statistics with theory: z-scores and pass/fail at ``Z_TOLERANCE``."""
    out = {}
    for name in ("mean_wait_hours", "adp"):
        est, se, th = stats[name], stats[f"{name}_se"], expected[name]
        z = (est - th) / se if se and se > 0 else math.inf
        out[name] = {
            "estimate": est,
            "se": se,
            "theory": th,
            "z": z,
            "tolerance": Z_TOLERANCE * se,
            "pass": bool(abs(z) <= Z_TOLERANCE),
        }
    return out
