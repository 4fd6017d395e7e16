"""The next chunk made while one is used: the results of a plain map, in order."""

from __future__ import annotations

import threading

import pytest

from jailsim.base.chunks import ahead, spans


def test_spans_cover_the_range_in_chunks(monkeypatch):
    from jailsim.base import chunks

    monkeypatch.setattr(chunks, "CHUNK", 4)
    assert list(spans(10)) == [(0, 4), (4, 8), (8, 10)]
    assert list(spans(0)) == [(0, 0)]


def test_ahead_gives_map_in_order_making_the_next_in_another_thread():
    threads = set()

    def make(x):
        threads.add(threading.get_ident())
        return x * x

    got = []
    for y in ahead(make, range(7)):
        got.append(y)
    assert got == [x * x for x in range(7)]
    assert threads and threading.get_ident() not in threads
    assert list(ahead(make, [])) == []


def test_ahead_makes_at_most_one_result_beyond_those_taken():
    made = []
    gen = ahead(lambda x: made.append(x) or x, range(100))
    assert next(gen) == 0
    assert next(gen) == 1
    gen.close()  # waits for the one in the making, and makes no other
    assert made == [0, 1, 2]


def test_an_error_in_make_reaches_the_caller_at_its_item():
    def make(x):
        if x == 3:
            raise ValueError("bad item 3")
        return x

    gen = ahead(make, range(6))
    assert [next(gen) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="bad item 3"):
        next(gen)
