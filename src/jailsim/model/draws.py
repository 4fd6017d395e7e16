"""Per-booking draws: every random number of a booking, sampled with vectorized numpy by purpose.

Draws are made by inverting CDFs of uniforms addressed by booking, purpose and place within
the purpose (:mod:`jailsim.model.streams`): row ``k`` of a purpose is draw ``k`` of that
purpose for each booking of a chunk, so a change to one parameter moves only the uniforms that
parameter governs (and the durations whose use it decides: a parameter that changes who may
get a detainer changes whose pickup delay is filled in). Bookings are drawn a chunk at a time
(:mod:`jailsim.base.chunks`); a draw is a pure function of its address, so the draws are the
same whatever the chunk size, and a uniform no path of a booking can use is not drawn at all
(the duration it would give is left at zero). :mod:`jailsim.model.population` joins the
sources.
"""

from __future__ import annotations

import math

import numpy as np

from jailsim.base import chunks
from jailsim.model import rules
from jailsim.model.arrivals import sample_arrivals
from jailsim.model.clock import Clock
from jailsim.model.codes import BAIL, ROR, SENTENCE_JAIL, SENTENCE_PRISON
from jailsim.model.context import Context
from jailsim.model.history import court_wait, may_matter
from jailsim.model.streams import SOURCES, Address
from jailsim.scenario.blocks import Stream
from jailsim.scenario.schema import Scenario

__all__ = ["sample_source", "source_chunks"]


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
    computed (its uniform is made with the others of its block; nothing else depends on it).
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


def _offenses(sc: Scenario, groups: list[np.ndarray], rows, n: int) -> np.ndarray:
    """Each booking's offense (codes of ``sc.offense_names``, 0: other) by charge class."""
    names = sc.offense_names[1:]
    if not names:
        return np.zeros(n, dtype=np.int8)
    shares = np.array([[c.offenses.get(o, 0.0) for o in names] for c in sc.charges.values()])
    cum = np.column_stack([np.cumsum(shares, axis=1), np.ones(len(shares))])
    index = _categorical(next(rows("offense")), cum, groups)  # the last index: other
    return np.where(index == len(names), 0, index + 1).astype(np.int8)


def _zeros(rows: _Purpose, n: int) -> np.ndarray:
    """Zeros for a duration that does not apply, passing over its row (not drawn)."""
    rows.skip()
    return np.zeros(n, dtype=np.float32)


def source_chunks(
    sc: Scenario,
    clock: Clock,
    stream: Stream,
    source: str,
    seed: int,
    rep: int,
    durations: dict[str, list],
    history: bool = False,
    given: tuple[np.ndarray, Address] | None = None,
    trim: Context | None = None,
) -> dict[str, list[np.ndarray]]:
    """The draws of one booking source, chunk by chunk: name -> list of arrays.

    The bookings of the run are numbered 0, 1, ... in order of time; with ``history``, those
    of the warm-start history (whole days before day 0) -1, -2, ... back from day 0: a
    booking's number is its item in every draw it makes (:mod:`jailsim.model.streams`).
    ``given``: booking times and an address of their own (a roster's candidates,
    :mod:`jailsim.engines.roster`), numbered 0, 1, ... ``trim`` (a history's Context): once
    the court path is drawn, keep only the bookings that may matter at day 0
    (:func:`may_matter`), whose other draws alone are made; the dict then also holds
    ``_rows`` (the rows kept) and ``_times`` (every booking time), single arrays (see
    :func:`jailsim.model.population.number`).
    """
    if given is not None:
        booked_at, address = given
        items = np.arange(len(booked_at), dtype=np.int64)
    else:
        address = Address.of(seed, rep, source)
        if history:
            back = -math.ceil(sc.warm_start.history)
            booked_at = sample_arrivals(stream, clock, 0.0, address, start_day=back)
            items = np.arange(len(booked_at), dtype=np.int64) - len(booked_at)
        else:
            booked_at = sample_arrivals(stream, clock, sc.horizon, address)
            items = np.arange(len(booked_at), dtype=np.int64)
    trim_by = None if trim is None else (trim, court_wait(trim, booked_at))
    out, kept = draw_rows(sc, stream, source, booked_at, address, items, durations, trim_by)
    if kept is not None:
        out["_rows"], out["_times"] = kept, booked_at
    return out


def draw_rows(
    sc: Scenario,
    stream: Stream,
    source: str,
    booked_at: np.ndarray,
    address: Address,
    items: np.ndarray,
    durations: dict[str, list],
    trim_by: tuple[Context, int] | None = None,
) -> tuple[dict[str, list[np.ndarray]], np.ndarray | None]:
    """The draws of the bookings ``booked_at`` (numbered ``items``), chunk by chunk.

    Name -> list of arrays (one per chunk of :mod:`jailsim.base.chunks`), and with
    ``trim_by`` (a history's Context and court wait) the rows kept, else None.
    """
    out: dict[str, list[np.ndarray]] = {}
    kept = []
    for a, b in chunks.spans(len(booked_at)):
        chunk = draw_chunk(sc, stream, source, booked_at[a:b], Rows(address, items[a:b]),
                           durations, trim_by)
        if trim_by is not None:
            kept.append(chunk.pop("_rows") + a)
        for k, v in chunk.items():
            out.setdefault(k, []).append(v)
    return out, (np.concatenate(kept) if trim_by is not None else None)


def booking_sources(sc: Scenario) -> list[tuple[str, Stream]]:
    """The scenario's booking sources in their order: (name, stream), those it has."""
    return [(source, stream)
            for source, stream in (("bookings", sc.arrivals.bookings),
                                   ("task_force", sc.arrivals.task_force))
            if stream is not None]


def sample_source(*args, **kwargs) -> dict[str, np.ndarray]:
    """The draws of one booking source, untrimmed (:func:`source_chunks` joined)."""
    return {k: np.concatenate(v, axis=-1) for k, v in source_chunks(*args, **kwargs).items()}


class Rows:
    """The draws of one chunk's bookings (their items), purpose by purpose.

    ``rows(purpose)`` gives the purpose's rows in order: row ``k`` is draw ``k`` of the
    purpose for each booking. ``keep(rows)`` narrows every later ``rows(...)`` to those
    bookings, whose draws alone are then made.
    """

    def __init__(self, address: Address, items: np.ndarray):
        self.address, self.items = address, items

    def rows(self, purpose: str) -> _Purpose:
        return _Purpose(self.address, purpose, self.items)

    def keep(self, rows: np.ndarray) -> None:
        self.items = self.items[rows]


class _Purpose:
    """The rows of one purpose, made four at a time (a Philox block) as they are asked for."""

    def __init__(self, address: Address, purpose: str, items: np.ndarray):
        self.address, self.purpose, self.items = address, purpose, items
        self.k, self.made, self.block = 0, -1, None

    def __iter__(self) -> _Purpose:
        return self

    def __next__(self) -> np.ndarray:
        k, self.k = self.k, self.k + 1
        if k // 4 != self.made:
            self.made, self.block = k // 4, self.address.block(self.purpose, self.items, k // 4)
        return self.block[k % 4]

    def skip(self) -> None:
        """Pass over the next row without drawing it."""
        self.k += 1


def draw_chunk(
    sc: Scenario,
    stream: Stream,
    source: str,
    booked_at: np.ndarray,
    uniforms: Rows,
    durations: dict[str, list],
    trim: tuple[Context, int] | None,
) -> dict[str, np.ndarray]:
    """The draws of the bookings ``booked_at`` of one chunk (see :func:`source_chunks`).

    ``trim``: the Context and court wait :func:`may_matter` takes, to keep only those rows.
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
    civil = np.zeros(n, dtype=bool)  # drawn (the purpose's last row) only when it can happen
    if stream.civil_only_given_noncitizen > 0:
        civil = noncitizen & (next(u) < stream.civil_only_given_noncitizen)
    # Streams of their own, drawn only when the scenario uses them.
    prior = np.zeros(n, dtype=bool)
    if stream.prior_conviction_given_noncitizen > 0:
        prior = noncitizen & (next(rows("conviction")) < stream.prior_conviction_given_noncitizen)
    offense = _offenses(sc, groups, rows, n)
    # ICE must lodge on these offenses (ice.mandatory_offenses) once it identifies the person.
    codes = [sc.offense_names.index(o) for o in sc.ice.mandatory_offenses]
    mandatory = removable & np.isin(offense, codes)

    bio = sc.biometric
    u = rows("biometric")  # rows 2-3 added for database errors
    lodges = next(u) < bio.p_lodge
    u_delay = next(u)
    record_hit = dhs_record & (next(u) >= bio.missed_record)
    record_hit |= citizen & (next(u) < bio.citizen_record_hit)
    # ICE cannot tell a false hit from a true one: the same chance of lodging a detainer.
    remote_lodge = record_hit & (removable | citizen) & (lodges | mandatory)
    remote_delay = _where(bio.delay, u_delay, remote_lodge)
    del u_delay
    # A civil arrest is made for ICE: its detainer stands from booking.
    remote_lodge |= civil
    remote_delay[civil] = 0.0

    jem = sc.jem
    # Who the question asked of every booking flags for a JEM interview (drawn only when it
    # can differ from birthplace: a stream of its own).
    flagged = foreign_born.copy()
    if jem is not None and (jem.p_flag_foreign_born < 1 or jem.p_flag_us_born > 0):
        uq = next(rows("question"))
        flagged = np.where(foreign_born, uq < jem.p_flag_foreign_born, uq < jem.p_flag_us_born)
    u = rows("screening")
    # U.S. citizens are never removable, so the same uniform decides an officer's error for
    # them (naturalized, or U.S.-born and flagged by error).
    u0 = next(u)
    jem_lodge = flagged & np.where(
        citizen | ~foreign_born,
        u0 < (jem.p_lodge_citizen if jem else 0.0),
        removable & ((u0 < (jem.p_lodge if jem else 0.0)) | mandatory),
    )
    screening_time = _where(jem.screening_time, next(u), flagged) if jem else _zeros(u, n)
    nta_time = _where(jem.nta_time, next(u), jem_lodge) if jem else _zeros(u, n)
    jem_detainer_delay = (_where(jem.detainer_delay, next(u), jem_lodge) if jem
                          else _zeros(u, n))

    u = rows("court")
    cum = np.array([[c.pretrial.ror, c.pretrial.ror + c.pretrial.bail] for c in charges])
    u0 = next(u)
    pretrial = _categorical(u0, np.column_stack([cum, np.ones(len(charges))]), groups)
    pretrial[civil] = ROR  # no state charge: nothing holds them but ICE's detainer
    # One uniform decides both worlds: ROR if u is below the chance without a detainer, and
    # still ROR with one only if below the lowered chance.
    ror_factor = rules.detainer_factors(sc)[1]
    with_detainer = rules.chance_of_ror(cum[charge, 0], ror_factor[charge], True)
    ror_lost = (pretrial == ROR) & ~(u0 < with_detainer) & ~civil
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
    jail_days = _by_charge(groups, next(u), [x.jail_days for x in d], sentence == SENTENCE_JAIL)
    prison_delay = _by_charge(
        groups, next(u), [x.prison_transfer_delay for x in d], sentence == SENTENCE_PRISON
    )

    out = {
        "booked_at": booked_at,
        "charge": charge,
        "felony": felony,
        "foreign_born": foreign_born,
        "jem_flagged": flagged,
        "civil_only": civil,
        "offense": offense,
        "prior_conviction": prior,
        "citizen": citizen,
        "removable": removable,
        "dhs_record": dhs_record,
        "record_hit": record_hit,
        "remote_lodge": remote_lodge,
        "remote_delay": remote_delay,
        "jem_lodge": jem_lodge,
        "screening_time": screening_time,
        "nta_time": nta_time,
        "jem_detainer_delay": jem_detainer_delay,
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
    del booked_at, charge, felony, foreign_born, flagged, civil, citizen, removable, dhs_record
    del offense, prior, mandatory
    del record_hit
    del remote_delay, screening_time, nta_time, jem_detainer_delay, pretrial, ror_lost
    del release_processing
    del u_post, post_delay, ttd, sentence, jail_days, prison_delay

    kept = None if trim is None else np.flatnonzero(may_matter(*trim, out))
    if kept is not None:
        out = {k: a[kept] for k, a in out.items()} | {"_rows": kept}
        uniforms.keep(kept)  # the draws below are made for the bookings kept alone

    out["u_refuse"] = next(rows("honor")).copy()  # a row of its block: kept alone
    detainer = out["remote_lodge"] | out["jem_lodge"]  # who may be held for ICE
    u = rows("pickup")
    out["u_pickup"] = next(u).copy()
    u1 = next(u)
    out["pickup_delay"] = np.stack([_where(d, u1, detainer) for d in durations["pickup_delay"]])
    for purpose, name, uniform in (("cancel", "cancel_delay", "u_cancel"),
                                   ("igsa", "igsa_stay", "u_igsa")):
        if name in durations:  # drawn only when some period uses it
            u = rows(purpose)
            out[uniform] = next(u).copy()
            u1 = next(u)
            out[name] = np.stack([_where(d, u1, detainer) if d is not None else
                                  np.zeros(len(u1), np.float32) for d in durations[name]])
    u = rows("warrant")
    out["service_time"] = (
        _where(sc.wso.service_time, next(u), detainer) if sc.wso else _zeros(u, len(detainer))
    )
    out["source"] = np.full(len(detainer), SOURCES[source], dtype=np.int8)
    return out
