"""The Population: every per-booking random draw of one replication, sampled up front.

A Population is a struct of numpy arrays, one entry per booking, holding arrival times,
attributes and every duration or decision a booking could need on any path through the jail
its own draws allow (whether or not that path is taken; a duration no such path uses, say
the jail sentence of someone sentenced to prison, is left at zero, its uniform drawn and not
turned into a duration). Engines consume it and draw nothing themselves, so the SimPy engine
and the vectorized engine see the very same random numbers and must produce the very same
timelines. Draws are made by inverting CDFs of uniforms from the purpose streams of
:mod:`jailsim.model.streams`, in a fixed order per purpose, so that a change to one parameter moves
only the uniforms that parameter governs (and the durations whose use it decides: a
parameter that changes who may get a detainer changes whose pickup delay is filled in).

Durations are stored as float32 (days; ample for sampled values), times and the uniforms
compared with thresholds that may change on a date (bond posting, the jail's refusal, ICE's
pickup; see :mod:`jailsim.model.policy`) as float64, so the engine applies the threshold in force.
A parameter that can change on a date and shapes a duration (the ICE pickup delay) gets one
row of durations per distinct value.

Database errors: the biometric check may miss a DHS record (``biometric.missed_record``) or
match a naturalized U.S. citizen to an old record (``biometric.citizen_record_hit``); a JEM
interview may take a screened citizen for removable (``jem.p_lodge_citizen``). A citizen's
detainer then follows the same path as anyone's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from jailsim.base import chunks
from jailsim.model.arrivals import sample_arrivals
from jailsim.model.calendar import Clock
from jailsim.model.context import Context
from jailsim.model.policy import distinct, period_scenarios
from jailsim.model.streams import SOURCES, generator
from jailsim.scenario.schema import Scenario, Stream

# Pretrial decision at initial appearance.
ROR, BAIL, DENIED = 0, 1, 2
PRETRIAL_NAMES = ("ror", "bail", "denied")
# Outcome of a case that is disposed while the person is held.
TIME_SERVED, JAIL, PRISON = 0, 1, 2
SENTENCE_NAMES = ("time_served", "jail", "prison")


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
    citizen: np.ndarray  # bool
    removable: np.ndarray  # bool
    dhs_record: np.ndarray  # bool
    record_hit: np.ndarray  # bool: the biometric check matches a DHS record (true or false)
    remote_lodge: np.ndarray  # bool: ICE would lodge a detainer after a biometric hit
    remote_delay: np.ndarray  # float32 days, booking -> remote detainer
    jem_lodge: np.ndarray  # bool: a JEM screening would lodge a detainer (citizens: by error)
    screening_time: np.ndarray  # float32 days
    nta_time: np.ndarray  # float32 days
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
    # distinct ice.pickup_delay over the policy periods (Policy.delay_row)
    service_time: np.ndarray  # float32 days, WSO warrant service
    booking_id: np.ndarray | None = None  # int64: each booking's row in the Population with
    # its whole warm-start history (None: the row here); set when the history was trimmed

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
        cls, scenario: Scenario, seed: int, replication: int, *, context: Context | None = None
    ) -> Population:
        """Draw the Population of replication ``replication`` of ``scenario`` under ``seed``.

        ``context`` (the scenario's :class:`~jailsim.model.context.Context`): with it, a steady-state
        warm start keeps from its history only the bookings that may still matter at day 0
        (:func:`_may_matter`), which gives the same bookings table, census and metrics for
        a fraction of the work; ``booking_id`` numbers the rows as in the whole history.
        """
        if context is not None and context.scenario is not scenario:
            raise ValueError("context must be the Context of this scenario (Context.build)")
        clock = Clock(scenario.start_date)
        delays, _ = distinct([s.ice.pickup_delay for s in period_scenarios(scenario)])
        sources = [
            (source, stream)
            for source, stream in (
                ("bookings", scenario.arrivals.bookings),
                ("task_force", scenario.arrivals.task_force),
            )
            if stream is not None
        ]
        parts = [
            _source_chunks(scenario, clock, stream, source, seed, replication, delays)
            for source, stream in sources
        ]
        if scenario.warm_start.kind == "steady_state":
            parts += [
                _source_chunks(
                    scenario, clock, stream, source, seed, replication, delays, history=True,
                    trim=context,
                )
                for source, stream in sources
            ]
            if context is not None:
                _number(parts)
        elif scenario.warm_start.kind == "roster":  # the people in custody at day 0
            from jailsim.engines.roster import roster_draws

            parts.append({k: [v] for k, v in roster_draws(scenario, seed, replication,
                                                          delays).items()})
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


def _court_wait(ctx: Context, booked_at: np.ndarray) -> int:
    """Whole days beyond the longest possible wait from booking to an initial appearance.

    Over the calendar days the bookings ``booked_at`` (plus the minimum time to appearance)
    fall on, with one day to spare for the session's time of day and one for rounding.
    """
    if not len(booked_at):
        return 2
    t = booked_at[[0, -1]] + ctx.scenario.court.min_time_to_appearance
    span = np.arange(int(np.floor(t[0])), int(np.floor(t[1])) + 1)
    return int((ctx.court.days.after(span) - span).max()) + 2


def _may_matter(ctx: Context, wait: int, p: dict[str, np.ndarray]) -> np.ndarray:
    """Which history bookings may still be in custody at day 0 or meet anyone who is.

    Bookings meet one another only in queues: the JEM screening line (foreign-born bookings
    under JEM) and, for those held on a detainer, warrant service and transport seats. A
    history booking in none of them (not screened, no remote detainer, so no detainer at all)
    leaves when its court path says, whoever else is in the jail; if an upper bound of that
    time is before day 0, it is not in custody at day 0 nor in anyone's way, and no table,
    census or metric sees it. The bound takes the initial appearance a whole day past the
    longest wait for a court session, and the latest of the court path's ways out (a duration
    left at zero is one that path cannot take).
    """
    sc = ctx.scenario
    booked = p["booked_at"]
    may = p["remote_lodge"].copy()
    if ctx.jem_staff is not None:
        may |= p["foreign_born"] & ctx.policy.in_force(ctx.policy.jem_on, booked)
    t = booked + (sc.court.min_time_to_appearance + wait)  # after the initial appearance
    proc, sentence = p["release_processing"], p["sentence"]
    out = np.where(
        sentence == TIME_SERVED, proc, np.where(sentence == JAIL, p["jail_days"], p["prison_delay"])
    ).astype(np.float64)
    out += np.maximum(t, booked + p["time_to_disposition"])
    np.maximum(out, t + np.maximum(proc, p["post_delay"]), out=out)
    # A day to spare: the bound need not follow the engines' floating-point steps exactly.
    may |= out >= -1.0
    return may


def _number(parts: list[dict]) -> None:
    """Give every part its ``booking_id``: the row each booking has if nothing is trimmed.

    That is its place in the stable order by booking time of all parts, in this order. A
    trimmed part carries ``_rows`` (the rows it kept) and ``_times`` (its booking times
    before trimming); both are removed here.
    """
    times = [p.pop("_times") if "_times" in p else np.concatenate(p["booked_at"]) for p in parts]
    for k, p in enumerate(parts):
        rows = p.pop("_rows", None)
        x = times[k] if rows is None else times[k][rows]
        rank = np.arange(len(x), dtype=np.int64) if rows is None else rows.astype(np.int64)
        for j, other in enumerate(times):
            if j == k or not len(other) or not len(x):
                continue
            side = "right" if j < k else "left"
            if x[0] > other[-1]:  # after all of them (as with a history before its horizon)
                rank += len(other)
            elif x[-1] >= other[0]:
                rank += np.searchsorted(other, x, side=side)
        p["booking_id"] = [rank]


def _by_charge(
    groups: list[np.ndarray], u: np.ndarray, dists: list, used: np.ndarray | None = None
) -> np.ndarray:
    """Apply each charge's distribution to the uniforms of the bookings with that charge.

    ``groups[code]`` holds the indices of the bookings with charge ``code`` (in order).
    ``used`` (bool per booking): only there; zero elsewhere (see :func:`_where`).
    """
    out = np.empty(len(u), dtype=np.float32) if used is None else np.zeros(len(u), np.float32)
    for g, dist in zip(groups, dists, strict=True):
        if used is not None:
            g = g[used[g]]
        if len(g):
            out[g] = dist.ppf(u[g])
    return out


def _where(dist, u: np.ndarray, used: np.ndarray) -> np.ndarray:
    """``dist.ppf(u)`` as float32 where ``used`` (bool per booking), zero elsewhere.

    A duration that no path of a booking can use (its own draws rule the path out) is not
    computed: the uniform is still drawn, so every stream stays as it was.
    """
    out = np.zeros(len(u), dtype=np.float32)
    rows = np.flatnonzero(used)
    if len(rows):
        out[rows] = dist.ppf(u[rows])
    return out


def _categorical(u: np.ndarray, cum: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """Category index for uniforms ``u`` given per-charge cumulative probabilities ``cum``.

    The index is the number of cumulative probabilities at or below ``u`` (at most the last
    category); ``groups`` as for :func:`_by_charge`.
    """
    out = np.empty(len(u), dtype=np.int8)
    for g, row in zip(groups, cum, strict=True):
        ug = u[g]
        count = np.zeros(len(g), dtype=np.int8)
        for c in row:
            count += ug >= c
        out[g] = np.minimum(count, len(row) - 1)
    return out


def _zeros(rows, n: int) -> np.ndarray:
    """Zeros for a duration that does not apply, after drawing its row (as if it did)."""
    next(rows)
    return np.zeros(n, dtype=np.float32)


def _history_arrivals(
    sc: Scenario, clock: Clock, stream: Stream, rng: np.random.Generator
) -> np.ndarray:
    """Booking times of the warm-start history, in [-history, 0) (whole days back)."""
    days = int(np.ceil(sc.warm_start.history))
    back = Clock(clock.start_date - dt.timedelta(days=days))
    # Same intensity as the main period continued backwards: the trend factor is relative to
    # day 0, so scale the rate by the growth over the history.
    rate = stream.rate * (1.0 + stream.profile.trend_per_year) ** (-days / 365.25)
    return sample_arrivals(stream.model_copy(update={"rate": rate}), back, days, rng, shift=days)


def _source_chunks(
    sc: Scenario,
    clock: Clock,
    stream: Stream,
    source: str,
    seed: int,
    rep: int,
    delays: list,
    history: bool = False,
    given: tuple[np.ndarray, Callable[[str], np.random.Generator]] | None = None,
    trim: Context | None = None,
) -> dict[str, list[np.ndarray]]:
    """The draws of one booking source, chunk by chunk: name -> list of arrays.

    Each purpose's uniforms are the rows of ``rng.random((k, n))``; a chunk of bookings
    ``[a, b)`` takes columns ``a:b`` of them by advancing the generator (PCG64 draws one
    64-bit word per uniform), so the draws are the same whatever the chunk size.
    ``trim`` (a history's Context): once the court path is drawn, keep only the bookings that
    may matter at day 0 (:func:`_may_matter`); the dict then also holds ``_rows`` (the rows
    kept) and ``_times`` (every booking time), single arrays (see :func:`_number`).
    """

    def gen(purpose: str) -> np.random.Generator:
        return generator(seed, rep, source, purpose, history=history)

    if given is not None:  # booking times and purpose streams given (jailsim.engines.roster)
        booked_at, gen = given
    elif history:
        booked_at = _history_arrivals(sc, clock, stream, gen("arrivals"))
    else:
        booked_at = sample_arrivals(stream, clock, sc.horizon, gen("arrivals"))
    n = len(booked_at)
    out: dict[str, list[np.ndarray]] = {}
    kept = []
    trim_by = None if trim is None else (trim, _court_wait(trim, booked_at))
    for a, b in chunks.spans(n):  # see jailsim.base.chunks
        chunk = _draws(
            sc, stream, source, booked_at[a:b], _Uniforms(gen, n, a, b), delays, trim_by
        )
        if trim is not None:
            kept.append(chunk.pop("_rows") + a)
        for k, v in chunk.items():
            out.setdefault(k, []).append(v)
    if trim is not None:
        out["_rows"], out["_times"] = np.concatenate(kept), booked_at
    return out


def _sample_source(*args, **kwargs) -> dict[str, np.ndarray]:
    """The draws of one booking source, untrimmed (:func:`_source_chunks` joined)."""
    return {k: np.concatenate(v, axis=-1) for k, v in _source_chunks(*args, **kwargs).items()}


class _Uniforms:
    """Rows of one purpose's uniforms, columns ``a:b`` of ``n`` (see :func:`_source_chunks`).

    ``rows(purpose)`` yields them one row at a time in one buffer: a row is used up (or
    copied) before the next is drawn.
    """

    def __init__(self, gen: Callable[[str], np.random.Generator], n: int, a: int, b: int):
        self.gen, self.n, self.a, self.buf = gen, n, a, np.empty(b - a)

    def rows(self, purpose: str):
        rng = self.gen(purpose)
        bits = rng.bit_generator
        bits.advance(self.a)
        while True:
            rng.random(out=self.buf)
            yield self.buf
            bits.advance(self.n - len(self.buf))


def _draws(
    sc: Scenario,
    stream: Stream,
    source: str,
    booked_at: np.ndarray,
    uniforms: _Uniforms,
    delays: list,
    trim: tuple[Context, int] | None,
) -> dict[str, np.ndarray]:
    """The draws of the bookings ``booked_at`` of one chunk (see :func:`_source_chunks`).

    ``trim``: the Context and court wait :func:`_may_matter` takes, to keep only those rows.
    """
    rows = uniforms.rows
    n = len(booked_at)
    charges = [sc.charges[name] for name in sc.charge_names]

    u = rows("attributes")
    shares = np.array([stream.charge_mix.get(name, 0.0) for name in sc.charge_names])
    u0, charge = next(u), np.zeros(n, dtype=np.int8)
    for c in np.cumsum(shares):  # the number of cumulative shares at or below u
        charge += u0 >= c
    np.minimum(charge, len(shares) - 1, out=charge)
    groups = [np.flatnonzero(charge == code) for code in range(len(charges))]
    felony = np.array([c.felony for c in charges], dtype=bool)[charge]
    foreign_born = next(u) < stream.foreign_born
    citizen = foreign_born & (next(u) < stream.citizen_given_foreign_born)
    noncitizen = foreign_born & ~citizen
    removable = noncitizen & (next(u) < stream.removable_given_noncitizen)
    dhs_record = noncitizen & (next(u) < stream.dhs_record_given_noncitizen)

    bio = sc.biometric
    u = rows("biometric")  # rows 2-3 added for database errors
    lodges = next(u) < bio.p_lodge
    u_delay = next(u).copy()
    record_hit = dhs_record & (next(u) >= bio.missed_record)
    record_hit |= citizen & (next(u) < bio.citizen_record_hit)
    # ICE cannot tell a false hit from a true one: the same chance of lodging a detainer.
    remote_lodge = record_hit & (removable | citizen) & lodges
    remote_delay = _where(bio.delay, u_delay, remote_lodge)
    del u_delay

    u = rows("screening")
    jem = sc.jem
    # Citizens are never removable, so the same uniform decides an officer's error for them.
    u0 = next(u)
    jem_lodge = np.where(
        citizen,
        u0 < (jem.p_lodge_citizen if jem else 0.0),
        removable & (u0 < (jem.p_lodge if jem else 0.0)),
    )
    screening_time = _where(jem.screening_time, next(u), foreign_born) if jem else _zeros(u, n)
    nta_time = _where(jem.nta_time, next(u), jem_lodge) if jem else _zeros(u, n)

    u = rows("court")
    cum = np.array([[c.pretrial.ror, c.pretrial.ror + c.pretrial.bail] for c in charges])
    u0 = next(u)
    pretrial = _categorical(u0, np.column_stack([cum, np.ones(len(charges))]), groups)
    # One uniform decides both worlds: ROR if u < ror (no detainer) or u < ror * factor.
    ror_lost = (pretrial == ROR) & (u0 >= cum[charge, 0] * sc.bond.detainer_ror_factor)
    release_processing = sc.court.release_processing.ppf(next(u)).astype(np.float32)

    u = rows("bond")
    u_post = next(u).copy()
    post_delay = _by_charge(
        groups, next(u), [c.pretrial.post_delay for c in charges], (pretrial == BAIL) | ror_lost
    )

    u = rows("disposition")
    d = [c.disposition for c in charges]
    ttd = _by_charge(groups, next(u), [x.time_to_disposition for x in d])
    cum = np.array([[x.time_served, x.time_served + x.jail, 1.0] for x in d])
    sentence = _categorical(next(u), cum, groups)
    jail_days = _by_charge(groups, next(u), [x.jail_days for x in d], sentence == JAIL)
    prison_delay = _by_charge(
        groups, next(u), [x.prison_transfer_delay for x in d], sentence == PRISON
    )

    out = {
        "booked_at": booked_at,
        "charge": charge,
        "felony": felony,
        "foreign_born": foreign_born,
        "citizen": citizen,
        "removable": removable,
        "dhs_record": dhs_record,
        "record_hit": record_hit,
        "remote_lodge": remote_lodge,
        "remote_delay": remote_delay,
        "jem_lodge": jem_lodge,
        "screening_time": screening_time,
        "nta_time": nta_time,
        "pretrial": pretrial,
        "ror_lost": ror_lost,
        "release_processing": release_processing,
        "u_post": u_post,
        "post_delay": post_delay,
        "time_to_disposition": ttd,
        "sentence": sentence,
        "jail_days": jail_days,
        "prison_delay": prison_delay,
    }
    del booked_at, charge, felony, foreign_born, citizen, removable, dhs_record, record_hit
    del remote_delay, screening_time, nta_time, pretrial, ror_lost, release_processing
    del u_post, post_delay, ttd, sentence, jail_days, prison_delay

    kept = None if trim is None else np.flatnonzero(_may_matter(*trim, out))
    if kept is not None:
        out = {k: a[kept] for k, a in out.items()} | {"_rows": kept}

    def cut(a: np.ndarray) -> np.ndarray:
        """A row of uniforms for the bookings kept, as a new array."""
        return a.copy() if kept is None else a[kept]

    out["u_refuse"] = cut(next(rows("honor")))
    detainer = out["remote_lodge"] | out["jem_lodge"]  # who may be held for ICE
    u = rows("pickup")
    out["u_pickup"] = cut(next(u))
    u1 = cut(next(u))
    out["pickup_delay"] = np.stack([_where(d, u1, detainer) for d in delays])
    u = rows("warrant")
    out["service_time"] = (
        _where(sc.wso.service_time, cut(next(u)), detainer) if sc.wso else _zeros(u, len(detainer))
    )
    out["source"] = np.full(len(detainer), SOURCES[source], dtype=np.int8)
    return out
