"""The Population: every per-booking random draw of one replication, sampled up front.

A Population is a struct of numpy arrays, one entry per booking, holding arrival times,
attributes and every duration or decision a booking could need on any path through the jail
(whether or not that path is taken). Engines consume it and draw nothing themselves, so the
SimPy engine and the vectorized engine see the very same random numbers and must produce the
very same timelines. Draws are made by inverting CDFs of uniforms from the purpose streams of
:mod:`jailsim.streams`, in a fixed order per purpose, so that a change to one parameter moves
only the draws that parameter governs.

Durations are stored as float32 (days; ample for sampled values), times and the uniforms
compared with thresholds that may change on a date (bond posting, the jail's refusal, ICE's
pickup; see :mod:`jailsim.policy`) as float64, so the engine applies the threshold in force.
A parameter that can change on a date and shapes a duration (the ICE pickup delay) gets one
row of durations per distinct value.

Database errors: the biometric check may miss a DHS record (``biometric.missed_record``) or
match a naturalized U.S. citizen to an old record (``biometric.citizen_record_hit``); a JEM
interview may take a screened citizen for removable (``jem.p_lodge_citizen``). A citizen's
detainer then follows the same path as anyone's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np

from jailsim.arrivals import sample_arrivals
from jailsim.calendar import Clock
from jailsim.policy import distinct, period_scenarios
from jailsim.scenario.schema import Scenario, Stream
from jailsim.streams import SOURCES, generator

# Pretrial decision at initial appearance.
ROR, BAIL, DENIED = 0, 1, 2
PRETRIAL_NAMES = ("ror", "bail", "denied")
# Outcome of a case that is disposed while the person is held.
TIME_SERVED, JAIL, PRISON = 0, 1, 2
SENTENCE_NAMES = ("time_served", "jail", "prison")


@dataclass(frozen=True, eq=False)
class Population:
    """All draws for one replication; arrays of equal length sorted by ``booked_at``."""

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

    def __len__(self) -> int:
        return len(self.booked_at)

    @property
    def n(self) -> int:
        """Number of bookings."""
        return len(self.booked_at)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(getattr(self, f.name).nbytes for f in fields(self) if f.name != "replication")

    @classmethod
    def sample(cls, scenario: Scenario, seed: int, replication: int) -> Population:
        """Draw the Population of replication ``replication`` of ``scenario`` under ``seed``."""
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
            _sample_source(scenario, clock, stream, source, seed, replication, delays)
            for source, stream in sources
        ]
        if scenario.warm_start.kind == "steady_state":
            parts += [
                _sample_source(
                    scenario, clock, stream, source, seed, replication, delays, history=True
                )
                for source, stream in sources
            ]
        merged = {k: np.concatenate([p[k] for p in parts], axis=-1) for k in parts[0]}
        order = np.argsort(merged["booked_at"], kind="stable")
        return cls(replication=replication, **{k: v[..., order] for k, v in merged.items()})


def _by_charge(charge: np.ndarray, u: np.ndarray, dists: list) -> np.ndarray:
    """Apply each charge's distribution to the uniforms of the bookings with that charge."""
    out = np.empty(len(u), dtype=np.float32)
    for code, dist in enumerate(dists):
        sel = charge == code
        if sel.any():
            out[sel] = dist.ppf(u[sel])
    return out


def _categorical(u: np.ndarray, cum: np.ndarray, charge: np.ndarray) -> np.ndarray:
    """Category index for uniforms ``u`` given per-charge cumulative probabilities ``cum``."""
    c = cum[charge]  # (n, k)
    return np.minimum((u[:, None] >= c).sum(axis=1), cum.shape[1] - 1).astype(np.int8)


def _history_arrivals(
    sc: Scenario, clock: Clock, stream: Stream, rng: np.random.Generator
) -> np.ndarray:
    """Booking times of the warm-start history, in [-history, 0) (whole days back)."""
    days = int(np.ceil(sc.warm_start.history))
    back = Clock(clock.start_date - dt.timedelta(days=days))
    # Same intensity as the main period continued backwards: the trend factor is relative to
    # day 0, so scale the rate by the growth over the history.
    rate = stream.rate * (1.0 + stream.profile.trend_per_year) ** (-days / 365.25)
    return sample_arrivals(stream.model_copy(update={"rate": rate}), back, days, rng) - days


def _sample_source(
    sc: Scenario,
    clock: Clock,
    stream: Stream,
    source: str,
    seed: int,
    rep: int,
    delays: list,
    history: bool = False,
) -> dict[str, np.ndarray]:
    def gen(purpose: str) -> np.random.Generator:
        return generator(seed, rep, source, purpose, history=history)

    if history:
        booked_at = _history_arrivals(sc, clock, stream, gen("arrivals"))
    else:
        booked_at = sample_arrivals(stream, clock, sc.horizon, gen("arrivals"))
    n = len(booked_at)
    charges = [sc.charges[name] for name in sc.charge_names]

    u = gen("attributes").random((5, n))
    shares = np.array([stream.charge_mix.get(name, 0.0) for name in sc.charge_names])
    charge = np.minimum(
        np.searchsorted(np.cumsum(shares), u[0], side="right"), len(shares) - 1
    ).astype(np.int8)
    felony = np.array([c.felony for c in charges], dtype=bool)[charge]
    foreign_born = u[1] < stream.foreign_born
    citizen = foreign_born & (u[2] < stream.citizen_given_foreign_born)
    noncitizen = foreign_born & ~citizen
    removable = noncitizen & (u[3] < stream.removable_given_noncitizen)
    dhs_record = noncitizen & (u[4] < stream.dhs_record_given_noncitizen)

    bio = sc.biometric
    u = gen("biometric").random((4, n))  # rows 2-3 added for database errors
    record_hit = (dhs_record & (u[2] >= bio.missed_record)) | (
        citizen & (u[3] < bio.citizen_record_hit)
    )
    # ICE cannot tell a false hit from a true one: the same chance of lodging a detainer.
    remote_lodge = record_hit & (removable | citizen) & (u[0] < bio.p_lodge)
    remote_delay = bio.delay.ppf(u[1]).astype(np.float32)

    u = gen("screening").random((3, n))
    jem = sc.jem
    # Citizens are never removable, so the same uniform decides an officer's error for them.
    jem_lodge = np.where(
        citizen,
        u[0] < (jem.p_lodge_citizen if jem else 0.0),
        removable & (u[0] < (jem.p_lodge if jem else 0.0)),
    )
    screening_time = (jem.screening_time.ppf(u[1]) if jem else np.zeros(n)).astype(np.float32)
    nta_time = (jem.nta_time.ppf(u[2]) if jem else np.zeros(n)).astype(np.float32)

    u = gen("court").random((2, n))
    cum = np.array([[c.pretrial.ror, c.pretrial.ror + c.pretrial.bail] for c in charges])
    pretrial = _categorical(u[0], np.column_stack([cum, np.ones(len(charges))]), charge)
    # One uniform decides both worlds: ROR if u < ror (no detainer) or u < ror * factor.
    ror_lost = (pretrial == ROR) & (u[0] >= cum[charge, 0] * sc.bond.detainer_ror_factor)
    release_processing = sc.court.release_processing.ppf(u[1]).astype(np.float32)

    u = gen("bond").random((2, n))
    u_post = u[0].copy()
    post_delay = _by_charge(charge, u[1], [c.pretrial.post_delay for c in charges])

    u = gen("disposition").random((4, n))
    d = [c.disposition for c in charges]
    ttd = _by_charge(charge, u[0], [x.time_to_disposition for x in d])
    cum = np.array([[x.time_served, x.time_served + x.jail, 1.0] for x in d])
    sentence = _categorical(u[1], cum, charge)
    jail_days = _by_charge(charge, u[2], [x.jail_days for x in d])
    prison_delay = _by_charge(charge, u[3], [x.prison_transfer_delay for x in d])

    u_refuse = gen("honor").random(n)

    u = gen("pickup").random((2, n))
    u_pickup = u[0]
    pickup_delay = np.stack([d.ppf(u[1]).astype(np.float32) for d in delays])

    u = gen("warrant").random(n)
    service_time = (sc.wso.service_time.ppf(u) if sc.wso else np.zeros(n)).astype(np.float32)

    return {
        "booked_at": booked_at,
        "source": np.full(n, SOURCES[source], dtype=np.int8),
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
        "u_refuse": u_refuse,
        "u_pickup": u_pickup,
        "pickup_delay": pickup_delay,
        "service_time": service_time,
    }
