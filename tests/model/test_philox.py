"""Draws addressed by booking and purpose: Philox4x32-10 as published, a function of the address."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from jailsim.model import philox
from jailsim.model.population import Population
from jailsim.model.streams import PURPOSES, Address, roster_stream
from tests.conftest import base

#: Known-answer vectors of Philox4x32-10 published with the reference implementation
#: (Random123's kat_vectors): counter, key, block.
KNOWN = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def reference(counter, key):
    """Philox4x32-10 in plain Python integers, transcribed from Salmon et al. (2011)."""
    (c0, c1, c2, c3), (k0, k1), mask = counter, key, 0xFFFFFFFF
    for _ in range(10):
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & mask, (p0 >> 32) ^ c3 ^ k1, p0 & mask
        k0, k1 = (k0 + 0x9E3779B9) & mask, (k1 + 0xBB67AE85) & mask
    return c0, c1, c2, c3


@pytest.mark.parametrize(("counter", "key", "expected"), KNOWN)
def test_known_answers(counter, key, expected):
    assert tuple(philox.blocks(key, counter[:1], counter[1:])[:, 0]) == expected
    assert reference(counter, key) == expected


def test_blocks_and_uniforms_follow_the_algorithm():
    g = np.random.default_rng(2024)
    key = g.integers(0, 2**32, 2)
    rest = g.integers(0, 2**32, 3)
    first = g.integers(0, 2**32, 200)
    got = philox.blocks(key, first, rest)
    u = philox.uniforms(key, first, rest)
    for i, c0 in enumerate(first):
        want = reference((int(c0), *map(int, rest)), tuple(map(int, key)))
        assert tuple(got[:, i]) == want
        np.testing.assert_array_equal(u[:, i], (np.array(want) + 0.5) / 2**32)
    assert 0 < u.min() and u.max() < 1


def test_negative_items_are_their_twos_complement():
    key, rest = [5, 6], [7, 8, 9]
    items = np.array([-1, -2, -(2**31), 3])
    assert np.array_equal(philox.blocks(key, items, rest),
                          philox.blocks(key, (items % 2**32).astype(np.uint32), rest))
    with pytest.raises(ValueError, match="key is 2 words"):
        philox.uniforms([1, 2, 3], items, [0, 0, 0])


def test_a_draw_depends_on_its_address_alone():
    a = Address(seed=3, replication=2, stream=0)
    items = np.arange(-500, 1500)
    whole = a.uniforms("bond", items, 5)
    picked = np.array([7, 0, 1999, 1000, 3])
    assert np.array_equal(a.uniforms("bond", items[picked], 5), whole[picked])
    # Every part of the address matters.
    for other in (Address(4, 2, 0), Address(3, 3, 0), Address(3, 2, 1)):
        assert not np.any(other.uniforms("bond", items, 5) == whole)
    assert not np.any(a.uniforms("court", items, 5) == whole)
    assert not np.any(a.uniforms("bond", items, 6) == whole)
    assert not np.any(a.uniforms("bond", items + 1, 5) == whole)
    with pytest.raises(ValueError, match="2\\*\\*32"):
        Address(1, 2**32, 0)
    with pytest.raises(ValueError, match="round below"):
        roster_stream(300, 1)


def test_uniforms_are_uniform_and_rows_and_lanes_uncorrelated():
    a = Address(seed=11, replication=0, stream=0)
    n = 50_000
    rows = np.concatenate([a.block("attributes", np.arange(n), b) for b in range(2)])
    for row in rows:
        assert stats.kstest(row, "uniform").pvalue > 1e-4
    r = np.corrcoef(rows)[np.triu_indices(len(rows), 1)]
    assert np.abs(r).max() < 5 / np.sqrt(n)  # |r| < 5 standard errors, 28 pairs
    # Neighbouring bookings are uncorrelated too.
    lag = np.corrcoef(rows[0][1:], rows[0][:-1])[0, 1]
    assert abs(lag) < 5 / np.sqrt(n)


def test_purposes_are_stable_numbers():
    """Renumbering a purpose would change every result of the version: they never move."""
    assert PURPOSES["arrivals"] == 0 and PURPOSES["pickup"] == 9
    assert PURPOSES["conviction"] == 15 and len(set(PURPOSES.values())) == len(PURPOSES)


def test_a_bookings_draws_do_not_depend_on_the_warm_start():
    """The run's bookings are the same items with and without a warm-start history."""
    sc = base().with_({"horizon": "60d"})
    cold = Population.sample(sc.with_({"warm_start": {"kind": "none"}}), seed=5, replication=1)
    warm = Population.sample(sc.with_({"warm_start": {"kind": "steady_state",
                                                      "history": "200d"}}),
                             seed=5, replication=1)
    run = warm.booked_at >= 0
    assert cold.n > 500 and (~run).sum() > 1000
    for f in dataclasses.fields(Population):
        x = getattr(cold, f.name)
        if isinstance(x, np.ndarray) and f.name != "booking_id":
            np.testing.assert_array_equal(x, getattr(warm, f.name)[..., run], err_msg=f.name)
