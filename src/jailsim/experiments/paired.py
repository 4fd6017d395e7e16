"""Paired differences: what a scenario changes against a baseline, replication by replication.

Replication ``r`` of two scenarios is a pair (on common random numbers, the same people under
two policies); the difference ``B_r - A_r`` of a metric gets a paired t-interval, and the
percent change ``100 (mean B / mean A - 1)`` a delta-method interval from the residuals
``B_r - R A_r`` of the ratio estimator. Used by :mod:`jailsim.experiments.comparison` and by
the report's policy periods.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from jailsim.results.metrics import METRICS

__all__ = ["paired_differences"]


def paired_differences(
    a: pd.DataFrame, b: pd.DataFrame, confidence: float = 0.95
) -> pd.DataFrame:
    """Difference ``b - a`` of every metric with its t-interval, and percent change.

    ``a`` and ``b`` hold one row per replication (matched by the ``replication`` column) and
    one column per metric. Replications where either value is undefined (NaN) are left out of
    that metric; ``n`` counts the pairs used.
    """
    a = a.set_index("replication")
    b = b.set_index("replication").loc[a.index]
    rows = {}
    for name in METRICS:
        x, y = a[name].to_numpy(dtype=float), b[name].to_numpy(dtype=float)
        ok = ~(np.isnan(x) | np.isnan(y))
        x, y = x[ok], y[ok]
        n = len(x)
        nan = float("nan")
        mx = float(x.mean()) if n else nan
        my = float(y.mean()) if n else nan
        diff, half, pct, pct_half = my - mx, nan, nan, nan
        t = stats.t.ppf(0.5 + confidence / 2, n - 1) if n >= 2 else nan
        if n >= 2:
            half = float(t * np.std(y - x, ddof=1) / math.sqrt(n))
        if n and mx != 0:
            ratio = my / mx
            pct = 100.0 * (ratio - 1.0)
            if n >= 2:
                resid = y - ratio * x
                pct_half = float(100.0 * t * np.std(resid, ddof=1) / math.sqrt(n) / abs(mx))
        rows[name] = {
            "baseline_mean": mx,
            "scenario_mean": my,
            "diff": diff,
            "diff_ci_low": diff - half,
            "diff_ci_high": diff + half,
            "pct": pct,
            "pct_ci_low": pct - pct_half,
            "pct_ci_high": pct + pct_half,
            "n": n,
        }
    return pd.DataFrame.from_dict(rows, orient="index")
