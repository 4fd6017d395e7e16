"""Quantiles of values in batches, keeping only those near the answer: numpy's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from jailsim.results.quantiles import Quantile, WindowMissed


def _batches(rng, x):
    cuts = np.sort(rng.choice(len(x), 9, replace=False))
    return np.split(x, cuts)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("q,median", [(0.5, True), (0.5, False), (0.9, False), (0.1, False)])
def test_the_quantile_of_batches_is_numpys_of_all_the_values(seed, q, median):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 20_000))
    x = rng.lognormal(1.0, 1.2, n)
    if seed % 3 == 0:
        x = np.round(x, 1)  # ties, at the window's edges too
    quantile = Quantile(q, median=median, settle=int(rng.integers(1, 3000)))
    for batch in _batches(rng, x):
        quantile.add(batch)
    want = np.median(x) if median else np.quantile(x, q)
    assert quantile.value() == want  # exactly
    if n > 10_000:  # once settled, only the values near the quantile are kept
        assert sum(map(len, quantile.kept)) < 0.25 * n


def test_no_values_give_nan_and_one_value_itself():
    assert np.isnan(Quantile(0.5, median=True).value())
    one = Quantile(0.9)
    one.add(np.array([3.5]))
    assert one.value() == 3.5


def test_values_that_drift_past_the_window_say_so_rather_than_guess():
    quantile = Quantile(0.5, median=True, settle=1000)
    quantile.add(np.arange(1000.0))  # window fixed around 500
    quantile.add(np.full(5000, 1e6))  # the median moves far above it
    with pytest.raises(WindowMissed, match="outside the window"):
        quantile.value()
    every = Quantile(0.5, median=True, settle=None)
    every.add(np.arange(1000.0))
    every.add(np.full(5000, 1e6))
    assert every.value() == 1e6


def test_a_quantile_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="not in"):
        Quantile(1.5)
