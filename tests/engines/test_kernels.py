"""The sequential kernels: the officer queue's fast paths agree with its general loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jailsim.engines import kernels
from jailsim.model.timetable import WeeklyStep


def _queue(rng: np.random.Generator, n: int):
    """Arrivals (sorted, with ties), services, deadlines (some infinite), rounded to ties, and
    the part of each service cut short at the deadline (none for some, or no cut at all)."""
    arr = np.sort(np.round(rng.uniform(-3, 30, n), int(rng.integers(0, 3))))
    svc = np.round(rng.exponential(0.5, n), int(rng.integers(0, 3)))
    dl = arr + np.where(rng.random(n) < 0.3, np.inf, np.round(rng.exponential(3, n), 1))
    cut = np.where(rng.random(n) < 0.3, -np.inf, np.round(svc * rng.random(n), 1))
    return arr, svc, dl, (cut if rng.random() < 0.7 else None)


def _staff(rng: np.random.Generator) -> WeeklyStep:
    m = int(rng.integers(1, 6))
    minutes = np.sort(rng.choice(10080, m, replace=False))
    return WeeklyStep(minutes, rng.integers(0, 4, m), int(rng.integers(0, 7)))


def _general(arr, svc, dl, cut, staff) -> np.ndarray:
    """The pure-Python timetable loop from the first person, whatever the staffing."""
    finite = dl[np.isfinite(dl)]
    horizon = max(arr[-1], finite.max() if len(finite) else arr[-1]) + 7.0
    cursor = kernels._Cursor(staff, float(arr[0]), float(horizon))
    cut = np.full(len(arr), -np.inf) if cut is None else cut
    return np.array(kernels._fcfs_general(arr, svc, dl, cut, staff, cursor, 0, [], -math.inf,
                                          0)[0])


def test_a_small_queue_by_hand():
    # One officer; the second person waits for the first, the third gives up at 1.5.
    staff = WeeklyStep.constant(1)
    start = kernels.fcfs_shift_queue(
        np.array([0.0, 0.5, 1.0]), np.array([1.0, 1.0, 1.0]), np.array([np.inf, 9.0, 1.5]), staff
    )
    np.testing.assert_array_equal(start, [0.0, 1.0, np.nan])


def test_a_service_cut_short_frees_the_officer_at_the_deadline():
    # One officer. The first person's interview (the first 0.5 of 1.0) would end at 0.5, but
    # they leave at 0.3: the officer is free then, and the second person starts at 0.3. The
    # third's interview is over (0.4 of 1.0) before they leave at 1.0: the officer finishes.
    staff = WeeklyStep.constant(1)
    arr, svc = np.array([0.0, 0.1, 0.2]), np.array([1.0, 1.0, 1.0])
    dl, cut = np.array([0.3, 9.0, 9.0]), np.array([0.5, 0.4, 0.4])
    start = kernels.fcfs_shift_queue(arr, svc, dl, staff, cut)
    np.testing.assert_array_equal(start, [0.0, 0.3, 1.3])


@pytest.mark.parametrize("seed", range(4))
def test_constant_staffing_is_the_general_loop(seed, monkeypatch):
    monkeypatch.setenv("JAILSIM_NUMBA", "0")
    kernels._compiled.cache_clear()
    rng = np.random.default_rng(seed)
    try:
        for _ in range(50):
            arr, svc, dl, cut = _queue(rng, int(rng.integers(1, 200)))
            staff = WeeklyStep.constant(int(rng.integers(0, 4)))
            np.testing.assert_array_equal(
                kernels.fcfs_shift_queue(arr, svc, dl, staff, cut),
                _general(arr, svc, dl, cut, staff),
            )
    finally:
        kernels._compiled.cache_clear()


@pytest.mark.parametrize("seed", range(4))
def test_compiled_loops_give_the_same_starts(seed, monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.delenv("JAILSIM_NUMBA", raising=False)
    monkeypatch.setattr(kernels, "NUMBA_MIN_QUEUE", 0)
    kernels._compiled.cache_clear()
    assert kernels._compiled() is not None
    rng = np.random.default_rng(100 + seed)
    try:
        for _ in range(50):
            arr, svc, dl, cut = _queue(rng, int(rng.integers(1, 200)))
            for staff in (WeeklyStep.constant(int(rng.integers(0, 4))), _staff(rng)):
                np.testing.assert_array_equal(
                    kernels.fcfs_shift_queue(arr, svc, dl, staff, cut),
                    _general(arr, svc, dl, cut, staff),
                )
    finally:
        kernels._compiled.cache_clear()


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_a_queue_fed_in_pieces_is_the_whole_queue(seed, compiled, monkeypatch):
    # The stream engine feeds each line piece by piece, carrying the QueueState: the start
    # times must be those of the whole line, with any cuts, constant or shifting staff.
    if compiled:
        pytest.importorskip("numba")
        monkeypatch.delenv("JAILSIM_NUMBA", raising=False)
        monkeypatch.setattr(kernels, "NUMBA_MIN_QUEUE", 0)
    else:
        monkeypatch.setenv("JAILSIM_NUMBA", "0")
    kernels._compiled.cache_clear()
    rng = np.random.default_rng(200 + seed)
    try:
        for _ in range(30):
            n = int(rng.integers(2, 300))
            arr, svc, dl, cut = _queue(rng, n)
            cut = np.full(n, -np.inf) if cut is None else cut
            for staff in (WeeklyStep.constant(int(rng.integers(1, 4))), _staff(rng)):
                whole = kernels.fcfs_shift_queue(arr, svc, dl, staff, cut)
                cuts = np.sort(rng.choice(np.arange(1, n), int(rng.integers(1, min(n, 6))),
                                          replace=False))
                state, parts = kernels.QueueState(), []
                for a, b in zip([0, *cuts], [*cuts, n], strict=True):
                    parts.append(kernels.fcfs_shift_queue(arr[a:b], svc[a:b], dl[a:b], staff,
                                                          cut[a:b], state))
                np.testing.assert_array_equal(np.concatenate(parts), whole)
    finally:
        kernels._compiled.cache_clear()


@pytest.mark.parametrize("seed", range(3))
def test_transport_seats_taken_in_pieces_are_those_of_the_whole_line(seed):
    # Runs at 06:00 and 18:00 with two seats, then (a dated change) every business day at
    # 10:00 with one: boarding in pieces, with the seats left carried, is boarding at once.
    import jailsim
    from jailsim.model.context import Context

    sc = jailsim.load("scenarios/jem.yaml").with_({
        "horizon": "60d", "ice.transport": {"times": ["06:00", "18:00"], "seats": 2},
        "changes": [{"from": "2025-02-01", "set": {"ice.transport": {
            "times": ["10:00"], "days": "Mon-Fri", "seats": 1}}}]})
    transport = Context.build(sc).transport
    rng = np.random.default_rng(300 + seed)
    n = 400
    eligible = np.sort(rng.uniform(0, 55, n))
    deadline = eligible + rng.exponential(1.5, n)
    whole = kernels.Seats(transport).board(eligible, deadline)
    assert 50 < np.isfinite(whole).sum() < n  # seats run out: the line matters
    seats, parts = kernels.Seats(transport), []
    cuts = np.sort(rng.choice(np.arange(1, n), 8, replace=False))
    for a, b in zip([0, *cuts], [*cuts, n], strict=True):
        parts.append(seats.board(eligible[a:b], deadline[a:b]))
    np.testing.assert_array_equal(np.concatenate(parts), whole)
