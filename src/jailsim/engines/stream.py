"""The stream engine: the vector engine a chunk of bookings at a time, in bounded memory.

A replication's bookings come in chunks in booking order (a span of days each, sampled
alone: draws are addressed by booking, so a chunk's draws are those the whole run would
make). Each chunk runs through :func:`jailsim.engines.vector.run` together with the people
of earlier chunks whose timelines are not known yet (the *pending*), and the people whose
timelines are known leave as a :class:`Batch`; so memory holds a chunk and the pending, not
the run.

Bookings meet only in three lines: the JEM screening line, the WSO warrant line and ICE's
transport seats (:class:`jailsim.engines.vector.Lines`). Each is first come, first served
by a time at or after the booking (ready for the interview, held, ready for ICE), so once
every booking before a chunk's end ``E`` is in, everyone who joins a line before ``E`` is
known, in order: :class:`StreamLines` serves exactly those, carrying each line's state
(:class:`~jailsim.engines.kernels.QueueState`, :class:`~jailsim.engines.kernels.Seats`) from
chunk to chunk and remembering each answer, and marks pending whoever would join at ``E`` or
later. People who cannot be served at all (their deadline comes before they join) are
answered at once: nobody behind them in the line is affected. A pending person joins a line
at ``E`` or later and leaves no earlier than that. A batch's *frontier*, which the running
census relies on, is the time before which everyone who leaves is in the batches given so
far: ``E``, or earlier if a row known on one side (with detainers, or without) waits for the
other. The result is the whole run's, bit for bit, whatever the chunks (tested against
:func:`jailsim.engines.vector.run`, which the SimPy engine is tested against).

The counterfactual without detainer effects (detainer attribution) runs alongside with its
own screening line; a row leaves once both its timelines are known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields

import numpy as np

from jailsim.engines import vector
from jailsim.engines.kernels import QueueState, Seats, fcfs_shift_queue
from jailsim.engines.vector import Lines
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.model.timeline import Timeline

__all__ = ["NO_ID", "Batch", "StreamLines", "run_chunks"]

#: ``Batch.pending_id`` when no booking is pending: larger than any ``booking_id``.
NO_ID = np.iinfo(np.int64).max

#: The lines a stream remembers answers for (the keys of its memo).
_LINES = ("screening", "warrants", "transport")


class StreamLines(Lines):
    """The lines of a stream engine, served up to a chunk's end and carried on.

    :meth:`begin` binds the lines to the rows of one step (the pending, then the chunk) and
    their memo: for each line, whether each row's answer is known (``done``) and the answer
    (``value``), arrays over the step's rows that the engine carries with the pending.
    """

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.states = {"screening": QueueState(), "warrants": QueueState()}
        self.seats = Seats(ctx.transport)

    def begin(self, n: int, memo: dict[str, tuple[np.ndarray, np.ndarray]], end: float):
        """Serve a step of ``n`` rows whose earlier answers are ``memo``, up to ``end``."""
        self.pending = np.zeros(n, dtype=bool)
        self.memo, self.end = memo, end

    def screening(self, rows, ready, work, due, cut) -> np.ndarray:
        """The JEM screening line's start times, served up to the chunk's end."""
        return self._officers("screening", self.ctx.jem_staff, rows, ready, work, due, cut)

    def warrants(self, rows, now, service, deadline) -> np.ndarray:
        """The WSO warrant line's start times, served up to the chunk's end."""
        return self._officers("warrants", self.ctx.wso_staff, rows, now, service, deadline, None)

    def transport(self, rows, eligible, deadline) -> np.ndarray:
        """Boarding times on ICE's transport, served up to the chunk's end."""
        return self._serve("transport", rows, eligible, deadline < eligible,
                           lambda s: self.seats.board(eligible[s], deadline[s]))

    def _officers(self, line, staff, rows, joins, work, deadline, cut) -> np.ndarray:
        """:meth:`_serve` for an officers' line (compiled: it is fed many short pieces)."""
        state = self.states[line]
        return self._serve(line, rows, joins, deadline <= joins, lambda s: fcfs_shift_queue(
            joins[s], work[s], deadline[s], staff, None if cut is None else cut[s], state, True))

    def _serve(self, line: str, rows, joins, gone, serve) -> np.ndarray:
        """The answers of the line ``line`` for ``rows`` (in line order) who join at ``joins``.

        Known answers are repeated; of the others, those ``gone`` before they join get NaN
        (their memo's value), those who join before the chunk's end are served by ``serve``
        (their indices among ``rows``; in order, after everyone served before), the rest are
        pending.
        """
        done, value = self.memo[line]
        out = value[rows]
        new = ~done[rows]
        hopeless = new & gone
        now = new & ~hopeless & ((joins < self.end) | (self.end == np.inf))
        served = np.flatnonzero(now)
        if len(served):
            out[served] = serve(served)
        answered = rows[hopeless | now]
        done[answered] = True
        value[answered] = out[hopeless | now]
        self.pending[rows[new & ~hopeless & ~now]] = True
        return out


def _memo(n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {line: (np.zeros(n, dtype=bool), np.full(n, np.nan)) for line in _LINES}


def _join_memo(a: dict, b: dict) -> dict:
    return {k: tuple(np.concatenate([x, y]) for x, y in zip(a[k], b[k], strict=True))
            for k in a}


def _take_memo(memo: dict, rows: np.ndarray) -> dict:
    return {k: tuple(x[rows] for x in v) for k, v in memo.items()}


def _join(a: Population, b: Population) -> Population:
    """The bookings of ``a`` then ``b`` as one Population (a scenario's: the same fields)."""
    arrays = {}
    for f in fields(Population):
        if f.name == "replication":
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if (x is None) != (y is None):
            raise ValueError(f"{f.name}: drawn for one chunk and not the other")
        arrays[f.name] = None if x is None else np.concatenate([x, y], axis=-1)
    return Population(replication=b.replication, **arrays)


@dataclass(frozen=True, eq=False)
class Batch:
    """Bookings whose timelines are known, with everything their table rows need.

    ``pop`` and ``timeline``: their draws and timelines; ``exit_without``: their exits
    without any effect of a detainer (the counterfactual). ``frontier``: every booking still
    to come leaves at this time or later (``inf`` with the last batch); ``pending_booked``:
    when those of them booked before the frontier were booked (sorted); ``pending_id``: the
    smallest ``booking_id`` still pending (every later chunk's are larger; :data:`NO_ID` when
    none is), so every row of a smaller one has come in this batch or before.
    """

    pop: Population
    timeline: Timeline
    exit_without: np.ndarray
    frontier: float
    pending_booked: np.ndarray
    pending_id: int


def run_chunks(ctx: Context, chunks: Iterable[tuple[Population, float]]) -> Iterator[Batch]:
    """Run a replication chunk by chunk: a Batch of known timelines after each chunk.

    ``chunks``: the replication's bookings in booking order, as consecutive Populations,
    each with its end (every later chunk's bookings at that time or later; the last ``inf``).
    A chunk without ``booking_id`` gets its rows' places in the run (the whole Population's
    rows). The batches hold every booking once.
    """
    lines, without = StreamLines(ctx), StreamLines(ctx)
    pool: Population | None = None
    memo = without_memo = None
    seen = 0
    for chunk, end in chunks:
        if chunk.booking_id is None:
            ids = np.arange(seen, seen + chunk.n, dtype=np.int64)
            chunk = dataclasses.replace(chunk, booking_id=ids)
        seen += chunk.n
        if pool is None:
            pool, memo, without_memo = chunk, _memo(chunk.n), _memo(chunk.n)
        else:
            pool = _join(pool, chunk)
            memo, without_memo = (_join_memo(m, _memo(chunk.n)) for m in (memo, without_memo))
        lines.begin(pool.n, memo, end)
        timeline = vector.run(ctx, pool, lines=lines)
        without.begin(pool.n, without_memo, end)
        # (its shortcut from the factual run skips the screening line when no one in the
        # chunk may get a detainer: the line must still see everyone, so never take it here)
        factual = timeline if ctx.jem_staff is None else None
        exit_without = vector.exit_without_detainers(ctx, pool, factual, lines=without)
        waiting = lines.pending | without.pending
        known = np.flatnonzero(~waiting)
        # Rows known on one side only wait for the other: the frontier waits for them too.
        exits = timeline.exit_at[waiting]
        if np.isnan(exits).any():
            raise RuntimeError("a pending booking has no exit time")
        frontier = min(end, float(exits.min(initial=np.inf)))
        rest = np.flatnonzero(waiting)
        booked = pool.booked_at[rest]
        first = int(pool.booking_id[rest].min()) if len(rest) else NO_ID
        yield Batch(pool.rows(known), _rows(timeline, known), exit_without[known], frontier,
                    booked[booked < frontier], first)
        pool = pool.rows(rest)
        memo, without_memo = _take_memo(memo, rest), _take_memo(without_memo, rest)
    if pool is not None and pool.n:
        raise RuntimeError(f"{pool.n} bookings still pending after the last chunk")


def _rows(t: Timeline, rows: np.ndarray) -> Timeline:
    return Timeline(**{k: v[rows] for k, v in t.arrays().items()})
