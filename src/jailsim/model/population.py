"""The Population: every per-booking random draw of one replication, sampled up front.

A Population is a struct of numpy arrays, one entry per booking, holding arrival times,
attributes and every duration or decision a booking could need on any path through the jail
its own draws allow (whether or not that path is taken; a duration no such path uses, say
the jail sentence of someone sentenced to prison, is left at zero, its uniform drawn and not
turned into a duration). Engines consume it and draw nothing themselves, so the SimPy engine
and the vectorized engine see the very same random numbers and must produce the very same
timelines. The draws of each booking source are made by :mod:`jailsim.model.draws`; this
module joins the sources (and a warm start's history or roster) in booking order.

Durations are stored as float32 (days; ample for sampled values), times and the uniforms
compared with thresholds that may change on a date (bond posting, the jail's refusal, ICE's
pickup and cancellation, the IGSA; see :mod:`jailsim.model.policy`) as float64, so the engine
applies the threshold in force. A parameter that can change on a date and shapes a duration
(the ICE pickup and cancellation delays, the IGSA stay) gets one row of durations per distinct
value.

Database errors: the biometric check may miss a DHS record (``biometric.missed_record``) or
match a naturalized U.S. citizen to an old record (``biometric.citizen_record_hit``); a JEM
interview may take a screened citizen for removable (``jem.p_lodge_citizen``). A citizen's
detainer then follows the same path as anyone's.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from jailsim.model.clock import Clock
from jailsim.model.context import Context
from jailsim.model.draws import booking_sources, source_chunks
from jailsim.model.policy import dated_durations
from jailsim.model.spans import booking_days, rank_among, span_arrays
from jailsim.scenario.schema import Scenario

__all__ = ["Population", "booking_days", "number"]


@dataclass(frozen=True, eq=False)
class Population:
    """All draws for one replication; arrays of equal length sorted by ``booked_at``.

    Both engines consume it and draw nothing themselves, so the same Population gives the
    same timeline on ``des`` and ``vector``.

    Examples
    --------
    >>> import jailsim
    >>> sc = jailsim.load("jailsim:jem.yaml").with_(
    ...     {"horizon": "30d", "warm_start": {"kind": "none"}})
    >>> pop = jailsim.Population.sample(sc, seed=1, replication=0)
    >>> len(pop.booked_at) > 300, bool((pop.booked_at[1:] >= pop.booked_at[:-1]).all())
    (True, True)
    """

    replication: int
    booked_at: np.ndarray  # float64 days since start
    source: np.ndarray  # int8, SOURCES code
    charge: np.ndarray  # int8, index into scenario.charge_names
    felony: np.ndarray  # bool
    foreign_born: np.ndarray  # bool
    jem_flagged: np.ndarray  # bool: the question at booking flags them for a JEM interview
    civil_only: np.ndarray  # bool: arrested for ICE alone, no state charge (no court case)
    offense: np.ndarray  # int8, index into scenario.offense_names (0: other)
    prior_conviction: np.ndarray  # bool: a prior conviction a conviction-based regime counts
    citizen: np.ndarray  # bool
    removable: np.ndarray  # bool
    dhs_record: np.ndarray  # bool
    record_hit: np.ndarray  # bool: the biometric check matches a DHS record (true or false)
    remote_lodge: np.ndarray  # bool: ICE would lodge a detainer after a biometric hit
    remote_delay: np.ndarray  # float32 days, booking -> remote detainer
    jem_lodge: np.ndarray  # bool: a JEM screening would lodge a detainer (citizens: by error)
    screening_time: np.ndarray  # float32 days
    nta_time: np.ndarray  # float32 days
    jem_detainer_delay: np.ndarray  # float32 days, paperwork done -> JEM detainer in effect
    pretrial: np.ndarray  # int8: ROR, BAIL, DENIED (with no detainer by the appearance)
    ror_lost: np.ndarray  # bool: released on recognizance only if no detainer by then
    release_processing: np.ndarray  # float32 days, decision -> out the door
    u_post: np.ndarray  # float64 uniform; posts bail if u_post < p_post * factor
    post_delay: np.ndarray  # float32 days, initial appearance -> release on bail
    time_to_disposition: np.ndarray  # float32 days from booking
    sentence: np.ndarray  # int8: TIME_SERVED, JAIL, PRISON
    jail_days: np.ndarray  # float32 days served after disposition
    prison_delay: np.ndarray  # float32 days, disposition -> transfer to prison
    u_refuse: np.ndarray  # float64 uniform; the jail refuses if < honor.refusal_probability
    u_pickup: np.ndarray  # float64 uniform; ICE takes custody (in time) if < ice.p_pickup
    pickup_delay: np.ndarray  # float32 days (rows, n): hold start -> ICE ready, one row per
    # distinct ice.pickup_delay over the policy periods (Policy.rows)
    service_time: np.ndarray  # float32 days, WSO warrant service
    booking_id: np.ndarray | None = None  # int64: each booking's row in the Population with
    # its whole warm-start history (None: the row here); set when the history was trimmed
    # and in a span of booking times (Population.sample's span)
    # Drawn only when some period uses them (None: ICE never cancels; no IGSA):
    u_cancel: np.ndarray | None = None  # float64 uniform; ICE cancels if < ice.p_cancel
    cancel_delay: np.ndarray | None = None  # float32 days (rows, n): hold start -> cancelled
    u_igsa: np.ndarray | None = None  # float64 uniform; kept under the IGSA if < its share
    igsa_stay: np.ndarray | None = None  # float32 days (rows, n): ICE custody -> leaves

    def __len__(self) -> int:
        return len(self.booked_at)

    @property
    def n(self) -> int:
        """Number of bookings."""
        return len(self.booked_at)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        arrays = (getattr(self, f.name) for f in fields(self) if f.name != "replication")
        return sum(a.nbytes for a in arrays if a is not None)

    def rows(self, sel: slice | np.ndarray) -> Population:
        """The bookings ``sel`` (a slice: views, no copy; indices: copies) as a Population."""
        arrays = {
            f.name: None if (x := getattr(self, f.name)) is None else x[..., sel]
            for f in fields(self)
            if f.name != "replication"
        }
        return Population(replication=self.replication, **arrays)

    def ids(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The booking ids (int64) of the rows ``rows`` (default all): see ``booking_id``."""
        if self.booking_id is not None:
            return self.booking_id.copy() if rows is None else self.booking_id[rows]
        return np.arange(self.n, dtype=np.int64) if rows is None else rows.astype(np.int64)

    @classmethod
    def sample(
        cls,
        scenario: Scenario,
        seed: int,
        replication: int,
        *,
        context: Context | None = None,
        roster: dict[str, np.ndarray] | None = None,
        span: tuple[float, float] | None = None,
    ) -> Population:
        """Draw the Population of replication ``replication`` of ``scenario`` under ``seed``.

        ``context`` (the scenario's :class:`~jailsim.model.context.Context`): with it, a
        steady-state warm start keeps from its history only the bookings that may still matter
        at day 0 (:func:`jailsim.model.history.may_matter`), which gives the same bookings
        table, census and metrics for a fraction of the work; ``booking_id`` numbers the rows
        as in the whole history. ``roster``: with a roster warm start, the draws of the
        roster's people (:func:`jailsim.engines.roster.roster_draws`, which runs an engine;
        :func:`jailsim.experiments.replication.sample_population` composes the two).

        ``span``: ``(a, b)`` in days, the bookings with ``a <= booked_at < b`` alone: the rows
        of the whole Population (``span=None``, the same other arguments) with those times,
        in the same order and with the same draws, drawn without drawing the others. Only the
        day counts of the other days are drawn (one draw a day, to number the span's
        bookings) and the times of the span's days and the day before it; the span's rows
        are the roster's people booked in it, its history bookings (trimmed by ``context`` as
        the whole history is) and its bookings of the run. Its ``booking_id`` is always set:
        each row's place in the whole Population with nothing trimmed (the row itself when
        the whole Population has no ``booking_id``), so spans that cover
        :func:`~jailsim.model.spans.booking_days` one after another give the whole
        Population, ids included. Whole-day spans draw the least beyond their own bookings.
        """
        if context is not None and context.scenario is not scenario:
            raise ValueError("context must be the Context of this scenario (Context.build)")
        if (scenario.warm_start.kind == "roster") != (roster is not None):
            raise ValueError("the draws of a roster's people (roster=) go with a roster warm "
                             "start, and only with one: see jailsim.engines.roster.roster_draws")
        if span is not None:
            return cls(replication=replication,
                       **span_arrays(scenario, seed, replication, span, context, roster))
        clock = Clock(scenario.start_date)
        durations = dated_durations(scenario)
        sources = booking_sources(scenario)
        parts = [
            source_chunks(scenario, clock, stream, source, seed, replication, durations)
            for source, stream in sources
        ]
        if scenario.warm_start.kind == "steady_state":
            parts += [
                source_chunks(
                    scenario, clock, stream, source, seed, replication, durations, history=True,
                    trim=context,
                )
                for source, stream in sources
            ]
            if context is not None:
                number(parts)
        elif roster is not None:  # the people in custody at day 0
            parts.append({k: [v] for k, v in roster.items()})
        return cls(replication=replication, **_merge(parts))


def _merge(parts: list[dict[str, list[np.ndarray]]]) -> dict[str, np.ndarray]:
    """The parts' arrays (lists of chunks) joined in booking order: a stable sort.

    Each part's times are sorted. When the parts, taken by their first booking, follow one
    another without overlap (one stream: its warm-start history, then its horizon), that order
    is their plain concatenation, which saves a sort and a gather of every array. The parts
    are consumed (each array is dropped once joined, so memory holds one copy, not two).
    """
    keys = list(parts[0])
    bounds = [
        (c[0][0], c[-1][-1]) if (c := [x for x in p["booked_at"] if len(x)]) else None
        for p in parts
    ]
    full = sorted((b for b in bounds if b is not None), key=lambda b: b[0])
    chained = all(x[1] < y[0] for x, y in zip(full, full[1:], strict=False)) and all(
        _ascending(p["booked_at"]) for p in parts
    )
    if chained:
        order = sorted(range(len(parts)), key=lambda i: bounds[i][0] if bounds[i] else 0.0)
        return {
            k: np.concatenate([x for i in order for x in parts[i].pop(k)], axis=-1)
            for k in keys
        }
    times = np.concatenate([x for p in parts for x in p["booked_at"]])
    order = np.argsort(times, kind="stable")
    return {
        k: np.concatenate([x for p in parts for x in p.pop(k)], axis=-1)[..., order]
        for k in keys
    }


def _ascending(chunks: list[np.ndarray]) -> bool:
    """Whether the chunks, one after another, are in ascending order."""
    full = [x for x in chunks if len(x)]
    return all(bool(np.all(x[1:] >= x[:-1])) for x in full) and all(
        a[-1] <= b[0] for a, b in zip(full, full[1:], strict=False)
    )


def number(parts: list[dict]) -> None:
    """Give every part its ``booking_id``: the row each booking has if nothing is trimmed.

    That is its place in the stable order by booking time of all parts, in this order. A
    trimmed part carries ``_rows`` (the rows it kept) and ``_times`` (its booking times
    before trimming); both are removed here.
    """
    times = [p.pop("_times") if "_times" in p else np.concatenate(p["booked_at"]) for p in parts]
    for k, p in enumerate(parts):
        rows = p.pop("_rows", None)
        x = times[k] if rows is None else times[k][rows]
        place = np.arange(len(x), dtype=np.int64) if rows is None else rows
        p["booking_id"] = [rank_among(place, x, k, [(t, 0) for t in times])]
