"""The shared subset model in every peer: jailsim (vector and des), plain SimPy, and Ciw.

Composition, the same in every peer: a booking arrives; from that moment it stays in the jail
for a lognormal time (unlimited beds), and in parallel it queues first come, first served for
one of ``c`` screening officers (exponential service). This is how jailsim counts a stay (from
booking, with the JEM screening happening during it), so jailsim runs it without any change;
plain SimPy runs the screening as a second process of the booking; Ciw, whose customers move
through nodes in series, runs a two-node network (``c`` exponential servers, then infinite
servers) whose second node holds each customer for what is left of its stay counted from its
arrival at the first node (a custom ``ciw.dists.Distribution``, Ciw's documented way to let a
service time depend on the individual).

The compositions differ only for someone whose stay ends before their screening does: jailsim
drops a screening not yet started and finishes one in progress; SimPy lets the officer finish
after the person has left; Ciw keeps the person until screening ends. With stays of days and
waits of minutes this has probability below 1e-12 per booking; ``never_screened`` in the
statistics counts it.

Each ``run_*`` returns ``(arrive, start, leave, timings)``: per-booking arrival, screening
start (NaN if never), exit (NaN if still in at the horizon) in days, and the seconds spent in
each stage.
"""

from __future__ import annotations

import math
import time

import numpy as np
from theory import Subset

#: The subset model at every size: a mid-size jail (ADP 400) with two screening officers at
#: utilization 2/3. The number of bookings sets the horizon (``n / lam`` days), so the work
#: per booking does not change with size (the jail holds about 400 people at any size).
BASE = {
    "lam": 40.0,  # bookings per day
    "officers": 2,
    "service_mean": 48.0 / 1440.0,  # 48 minutes
    "stay_mean": 10.0,  # days
    "stay_sd": 8.0,  # days
    "warmup": 120.0,  # days; P(stay > 120 d) < 1e-4, so the jail is at equilibrium by then
}


def subset_params(n: int) -> Subset:
    """The subset model sized to ``n`` expected bookings over its horizon."""
    return Subset(horizon=n / BASE["lam"], **BASE)


# ----------------------------------------------------------------------------------- jailsim
def jailsim_scenario(p: Subset, base_path: str):
    """A jailsim scenario that reduces exactly to the subset model.

    Everyone is foreign-born and screened (``program: jem``, constant officers, no queue
    delay, exponential screening, no detainer ever: ``p_lodge`` 0 in JEM and biometrics);
    everyone is held without bail until disposition and released at it with no processing
    time, so the stay is ``time_to_disposition`` counted from booking. Court sits every hour
    of every day, so the initial appearance (within an hour) always comes before the
    disposition. The jail starts empty (no warm start); the window starts after ``warmup``.
    """
    import jailsim

    fmt = "{:.12g}d".format
    stay = {"dist": "lognormal", "mean": fmt(p.stay_mean), "sd": fmt(p.stay_sd)}
    changes = {
        "horizon": fmt(p.horizon),
        "warmup": fmt(p.warmup),
        "warm_start": {"kind": "none"},
        "program": "jem",
        "arrivals.bookings.rate": f"{p.lam!r}/day",
        "arrivals.bookings.profile": {},
        "arrivals.bookings.foreign_born": 1.0,
        "arrivals.bookings.removable_given_noncitizen": 0.0,
        "arrivals.bookings.dhs_record_given_noncitizen": 0.0,
        "biometric.p_lodge": 0.0,
        "honor.policy": "none",
        "jem.officers": p.officers,
        "jem.shifts": [],
        "jem.p_lodge": 0.0,
        "jem.p_flag_foreign_born": 1.0,  # everyone flagged for the interview: the queue
        "jem.p_flag_us_born": 0.0,  # of the peers (the shipped JEM misses 5%)
        "jem.queue_delay": "0h",
        "jem.screening_time": {"dist": "exponential", "mean": fmt(p.service_mean)},
        "court.weekmask": "daily",
        "court.holidays": "none",
        "court.sessions": [f"{h:02d}:00" for h in range(24)],
        "court.min_time_to_appearance": "0h",
        "court.release_processing": "0h",
    }
    for charge in ("felony", "misdemeanor"):
        changes[f"charges.{charge}.pretrial"] = {
            "ror": 0.0, "bail": 0.0, "post": 0.0, "post_delay": "1h"
        }
        changes[f"charges.{charge}.disposition.time_to_disposition"] = stay
        for k, v in {"time_served": 1.0, "jail": 0.0, "prison": 0.0}.items():
            changes[f"charges.{charge}.disposition.{k}"] = v
    return jailsim.load(base_path).with_(changes)


def run_jailsim(p: Subset, engine: str, seed: int, base_path: str):
    """The subset model through jailsim's pipeline (``run_replication``), stage by stage."""
    import contextlib

    from jailsim.experiments.replication import run_replication
    from jailsim.model.context import Context

    sc = jailsim_scenario(p, base_path)
    ctx = Context.build(sc)
    timings: dict[str, float] = {}

    @contextlib.contextmanager
    def timed(name: str):
        t0 = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - t0

    b, _, metrics = run_replication(ctx, seed, 0, engine, stage=timed)
    timings = {
        "sample": timings["sample"],
        "engine": timings["engine"],
        "records_metrics": timings["records"] + timings["census_metrics"],
    }
    arrive = b["booked_at"].to_numpy()
    start = b["screened_at"].to_numpy()
    leave = b["exit_at"].to_numpy()
    own = {k: metrics[k] for k in ("adp", "mean_screening_wait_hours", "screening_coverage")}
    return arrive, start, leave, timings, own


# -------------------------------------------------------------------------------- plain SimPy
def run_simpy(p: Subset, seed: int):
    """Plain SimPy, written the usual way: a process per booking, a draw per event."""
    import simpy

    rng = np.random.default_rng(seed)
    mu_log, sigma_log = p.stay_mu_sigma
    env = simpy.Environment()
    officers = simpy.Resource(env, capacity=p.officers)
    arrive, start, leave = [], [], []

    def screening(i):
        with officers.request() as req:
            yield req
            start[i] = env.now
            yield env.timeout(rng.exponential(p.service_mean))

    def booking(i):
        arrive.append(env.now)
        start.append(math.nan)
        leave.append(math.nan)
        env.process(screening(i))
        yield env.timeout(rng.lognormal(mu_log, sigma_log))
        leave[i] = env.now

    def bookings():
        i = 0
        while True:
            yield env.timeout(rng.exponential(1.0 / p.lam))
            env.process(booking(i))
            i += 1

    t0 = time.perf_counter()
    env.process(bookings())
    env.run(until=p.horizon)
    t1 = time.perf_counter()
    out = np.array(arrive), np.array(start), np.array(leave)
    t2 = time.perf_counter()
    return (*out, {"simulate": t1 - t0, "records": t2 - t1}, {})


# ----------------------------------------------------------------------------------------- Ciw
def run_ciw(p: Subset, seed: int):
    """Ciw: a two-node network, c exponential servers then infinite servers."""
    import random

    import ciw

    mu_log, sigma_log = p.stay_mu_sigma

    class RestOfStay(ciw.dists.Distribution):
        """Lognormal stay counted from arrival at node 1: what is left of it at node 2."""

        def sample(self, t=None, ind=None):
            arrived = ind.data_records[0].arrival_date
            return max(random.lognormvariate(mu_log, sigma_log) - (t - arrived), 0.0)

    t0 = time.perf_counter()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=p.lam), None],
        service_distributions=[ciw.dists.Exponential(rate=p.mu), RestOfStay()],
        number_of_servers=[p.officers, float("inf")],
        routing=[[0.0, 1.0], [0.0, 0.0]],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(p.horizon)
    t1 = time.perf_counter()
    # Completed services (one record per node), then the people still inside at the horizon.
    arrive, start, leave = {}, {}, {}
    for r in sim.get_all_records():
        if r.record_type != "service":
            continue
        if r.node == 1:
            arrive[r.id_number] = r.arrival_date
            start[r.id_number] = r.service_start_date
        elif r.node == 2:
            leave[r.id_number] = r.exit_date
    for node in sim.transitive_nodes:
        for ind in node.all_individuals:
            if node.id_number == 1:
                arrive[ind.id_number] = ind.arrival_date
                if ind.service_start_date is not False:
                    start[ind.id_number] = ind.service_start_date
    ids = np.array(sorted(arrive))
    out = (
        np.array([arrive[i] for i in ids]),
        np.array([start.get(i, math.nan) for i in ids]),
        np.array([leave.get(i, math.nan) for i in ids]),
    )
    t2 = time.perf_counter()
    return (*out, {"simulate": t1 - t0, "records": t2 - t1}, {})
