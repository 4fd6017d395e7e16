"""Quantiles of values in batches, keeping only those near the answer: numpy's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from jailsim.results.quantiles import BAND, SETTLE, Quantile, WindowMissed


def _batches(rng, x):
    cuts = np.sort(rng.choice(len(x), 9, replace=False))
    return np.split(x, cuts)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("q,median", [(0.5, True), (0.5, False), (0.9, False), (0.1, False)])
def test_the_quantile_of_batches_is_numpys_of_all_the_values(seed, q, median):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4 * SETTLE))
    x = rng.lognormal(1.0, 1.2, n)
    if seed % 3 == 0:
        x = np.round(x, 1)  # ties, at the window's edges too
    quantile = Quantile(q, median=median)
    batches = _batches(rng, x)
    for k, batch in enumerate(batches):
        quantile.add(batch)
        if k == 2:  # settles once that many more values have come (the fewest: SETTLE)
            quantile.settle_after(int(rng.integers(0, 3)) * quantile.count)
    want = np.median(x) if median else np.quantile(x, q)
    assert quantile.value() == want  # exactly
    if quantile.window is not None and seed % 3:  # settled: only the values near it
        kept = sum(map(len, quantile.kept))  # (a quarter of them; ties aside)
        assert kept <= 2.2 * (BAND + 4 * np.sqrt(q * (1 - q) / SETTLE)) * n


def test_no_values_give_nan_and_one_value_itself():
    assert np.isnan(Quantile(0.5, median=True).value())
    one = Quantile(0.9)
    one.add(np.array([3.5]))
    assert one.value() == 3.5


def test_values_that_drift_past_the_window_say_so_rather_than_guess():
    quantile, every = Quantile(0.5, median=True), Quantile(0.5, median=True)
    quantile.settle_after(0)
    for q in (quantile, every):
        q.add(np.arange(float(SETTLE)))  # settled: a window around SETTLE / 2
        q.add(np.full(5 * SETTLE, 1e9))  # the median moves far above it
    assert quantile.window is not None and every.window is None
    with pytest.raises(WindowMissed, match="outside the window"):
        quantile.value()
    assert every.value() == 1e9


def test_a_quantile_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="not in"):
        Quantile(1.5)
