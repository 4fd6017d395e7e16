"""Roster warm start: the people of a roster at day 0, each stay sampled given time served.

:func:`roster_draws` turns a roster (the scenario's ``warm_start.people``, read by
:mod:`jailsim.county.roster`) into bookings with ``booked_at < 0`` whose draws follow the
model *given what the roster says*: for each person it draws candidate paths from the model
(the same per-booking draws as any booking, from the roster's own streams
:func:`jailsim.model.streams.roster_stream`), runs them through the vector engine, and keeps the
first candidate that is still in custody at day 0 and agrees with the roster's attributes and
detainer status. That is rejection sampling: for people who do not interact it draws exactly
from the model's conditional law (e.g. a remaining stay ``S - a | S > a`` after time served
``a``). Unmatched people are drawn again in further rounds, with more candidates each round,
up to :data:`MAX_CANDIDATES`; who is still unmatched then (a time served the model hardly ever
produces) takes the candidate with the latest exit among those that agree with the roster's
attributes, and is counted in a :class:`~jailsim.county.roster.RosterWarning`.

It lives with the engines because it runs one: the replication step
(:mod:`jailsim.experiments.replication`) calls it and hands the draws to
:meth:`jailsim.model.population.Population.sample`.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np

from jailsim.county.roster import RosterWarning
from jailsim.engines import vector
from jailsim.model.clock import Clock
from jailsim.model.context import Context
from jailsim.model.draws import sample_source
from jailsim.model.policy import dated_durations
from jailsim.model.population import Population
from jailsim.model.streams import Address, roster_stream

__all__ = ["MAX_CANDIDATES", "roster_draws"]

#: Candidates drawn per person in each round (a person matched in a round needs no more).
ROUND_CANDIDATES = (4, 8, 16, 32, 64, 128, 256, 512)
#: Most candidates drawn for one person before the fallback (the sum over the rounds).
MAX_CANDIDATES = sum(ROUND_CANDIDATES)
#: Candidates per round of the fallback: time to disposition drawn given it exceeds the time
#: served, the rest of the path as before.
TAIL_CANDIDATES = (16, 64, 256)


def _targets(sc) -> dict[str, np.ndarray]:
    """The roster as arrays in booking order: booked_at (days) and the conditions (-1 = any)."""
    start = dt.datetime.combine(sc.start_date, dt.time())
    people = sorted(sc.warm_start.people, key=lambda p: p.booked)
    codes = {name: i for i, name in enumerate(sc.charge_names)}

    def flag(v):
        return -1 if v is None else int(v)

    return {
        "booked_at": np.array([(p.booked - start) / dt.timedelta(days=1) for p in people]),
        "charge": np.array([-1 if p.charge is None else codes[p.charge] for p in people]),
        "foreign_born": np.array([flag(p.foreign_born) for p in people]),
        "citizen": np.array([flag(p.citizen) for p in people]),
        "detainer": np.array([flag(p.detainer) for p in people]),
    }


def _given_stream(stream, names: tuple[str, ...], charge: int, fb: int, cz: int):
    """The booking stream conditioned on a charge, foreign birth and U.S. citizenship.

    Attributes are independent draws with these probabilities, so drawing from the stream
    with the probabilities of the conditional law is exact (no rejection needed).
    """
    update = {}
    if charge >= 0:
        update["charge_mix"] = {name: float(i == charge) for i, name in enumerate(names)}
    p_fb, p_cz = stream.foreign_born, stream.citizen_given_foreign_born
    if fb == 1 or cz == 0:  # a noncitizen is foreign-born
        update["foreign_born"] = 1.0
    elif fb == 0:
        update["foreign_born"] = 0.0
    elif cz == 1:  # a U.S. citizen: born here, or born abroad and naturalized
        both = p_fb * p_cz
        update["foreign_born"] = both / (both + 1.0 - p_fb) if both + 1.0 - p_fb > 0 else 1.0
    if cz >= 0:
        update["citizen_given_foreign_born"] = float(cz)
    return stream.model_copy(update=update)


def _candidates(sc, clock, target: dict, idx: np.ndarray, key: tuple, durations: dict,
                tail: bool) -> dict[str, np.ndarray]:
    """One candidate path for each roster person in ``idx`` (their attributes given)."""
    seed, rep, draw_round = key
    group = (target["charge"][idx] + 1) * 9 + (target["foreign_born"][idx] + 1) * 3 + (
        target["citizen"][idx] + 1)
    out: dict[str, np.ndarray] = {}
    for g in np.unique(group):
        sel = np.flatnonzero(group == g)
        first = idx[sel[0]]
        stream = _given_stream(sc.arrivals.bookings, sc.charge_names, target["charge"][first],
                               target["foreign_born"][first], target["citizen"][first])
        draws = sample_source(
            sc, clock, stream, "bookings", seed, rep, durations,
            given=(target["booked_at"][idx[sel]],
                   Address(seed, rep, roster_stream(draw_round, int(g)))),
        )
        if tail:
            v = Address(seed, rep, roster_stream(draw_round, int(g), 1)).uniforms(
                "disposition", np.arange(len(sel)))
            _tail(sc, draws, -target["booked_at"][idx[sel]], v)
        for name, values in draws.items():
            if name not in out:
                out[name] = np.empty(values.shape[:-1] + (len(idx),), dtype=values.dtype)
            out[name][..., sel] = values
    return out


def _interacting(sc) -> bool:
    """Whether people compete for a resource (officers, transport seats) in some period."""
    return any(s.uses_jem or s.uses_wso or s.ice.transport.seats is not None
               for s in sc.periods())


def _evaluate(ctx, draws: dict, sel: np.ndarray, rep: int) -> tuple[np.ndarray, np.ndarray]:
    """Exit time and detainer-by-day-0 of the candidates ``sel`` run together (vector engine)."""
    order = sel[np.argsort(draws["booked_at"][sel], kind="stable")]
    pop = Population(replication=rep, **{k: v[..., order] for k, v in draws.items()})
    tl = vector.run(ctx, pop)
    exit_at = np.empty(len(draws["booked_at"]))
    detained = np.zeros(len(exit_at), dtype=bool)
    exit_at[order] = tl.exit_at
    detained[order] = tl.detainer_at <= 0.0  # NaN (no detainer) compares False
    return exit_at[sel], detained[sel]


def _cdf(dist, x: np.ndarray, steps: int = 60) -> np.ndarray:
    """``P(D <= x)`` of a distribution known by its quantile function (bisection)."""
    lo, hi = np.zeros(len(x)), np.ones(len(x))
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        below = np.asarray(dist.ppf(mid), dtype=float) <= x
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return lo


def _tail(sc, draws: dict, served: np.ndarray, v: np.ndarray) -> None:
    """Redraw each candidate's time to disposition given it exceeds ``served`` (in place)."""
    ttd = draws["time_to_disposition"]
    for code, name in enumerate(sc.charge_names):
        sel = draws["charge"] == code
        if sel.any():
            dist = sc.charges[name].disposition.time_to_disposition
            u0 = _cdf(dist, served[sel])
            u = np.minimum(u0 + v[sel] * (1.0 - u0), np.nextafter(1.0, 0.0))
            ttd[sel] = dist.ppf(u)


def _agrees(draws: dict, idx: np.ndarray, target: dict) -> np.ndarray:
    """Candidates whose attributes are those the roster gives for person ``idx``."""
    us_citizen = ~draws["foreign_born"] | draws["citizen"]
    ok = np.ones(len(idx), dtype=bool)
    for key, got in (("charge", draws["charge"]), ("foreign_born", draws["foreign_born"]),
                     ("citizen", us_citizen)):
        want = target[key][idx]
        ok &= (want < 0) | (got.astype(int) == want)
    return ok


def roster_draws(ctx: Context, seed: int, rep: int) -> dict[str, np.ndarray]:
    """The draws of the roster's people, in booking order, sampled given the roster.

    Parameters
    ----------
    ctx
        The Context of the scenario (``warm_start.kind == "roster"``).
    seed, rep
        Master seed and replication: the roster's streams are keyed by them alone.

    Returns
    -------
    dict
        Arrays as :func:`jailsim.model.draws.sample_source` returns them, one entry per
        roster person (the ``roster`` of :meth:`jailsim.model.population.Population.sample`).
    """
    sc = ctx.scenario
    durations = dated_durations(sc)
    target = _targets(sc)
    n = len(target["booked_at"])
    clock = Clock(sc.start_date)
    interacting = _interacting(sc)
    chosen: dict[str, np.ndarray] | None = None
    best = np.full(n, -np.inf)  # latest exit of a candidate that agrees on attributes
    matched = np.zeros(n, dtype=bool)
    rounds = [(k, False) for k in ROUND_CANDIDATES] + [(k, True) for k in TAIL_CANDIDATES]
    tail_matched = np.zeros(n, dtype=bool)
    for draw_round, (k, tail) in enumerate(rounds):
        todo = np.flatnonzero(~matched)
        if not len(todo):
            break
        idx = np.tile(todo, k)  # layer j holds one candidate of every person still to do
        draws = _candidates(sc, clock, target, idx, (seed, rep, draw_round), durations, tail)
        if chosen is None:
            chosen = {key: np.zeros(v.shape[:-1] + (n,), dtype=v.dtype)
                      for key, v in draws.items()}
        layers = [np.arange(j * len(todo), (j + 1) * len(todo)) for j in range(k)]
        exit_at, detained = np.empty(len(idx)), np.zeros(len(idx), dtype=bool)
        for sel in layers if interacting else [np.arange(len(idx))]:
            exit_at[sel], detained[sel] = _evaluate(ctx, draws, sel, rep)
        agree = _agrees(draws, idx, target)
        want = target["detainer"][idx]
        agree &= (want < 0) | (detained == (want == 1))
        ok = agree & (exit_at > 0.0)
        # First consistent candidate of each person (layer order), else the latest-leaving one
        # that agrees on attributes, kept as that person's fallback so far.
        first = np.where(ok.reshape(k, -1).any(axis=0), ok.reshape(k, -1).argmax(axis=0), -1)
        score = np.where(agree, exit_at, -np.inf).reshape(k, -1)
        latest = score.argmax(axis=0)
        better = score.max(axis=0) > best[todo]
        better |= (draw_round == 0)
        pick = np.where(first >= 0, first, np.where(better, latest, -1))
        take = pick >= 0
        src = pick[take] * len(todo) + np.flatnonzero(take)
        for key, v in draws.items():
            chosen[key][..., todo[take]] = v[..., src]
        best[todo[take]] = np.maximum(best[todo[take]], score.max(axis=0)[take])
        matched[todo[first >= 0]] = True
        tail_matched[todo[first >= 0]] = tail
        if interacting and matched.any():
            # Candidates were tried beside other candidates; run the people kept so far
            # together and try again for those no longer consistent.
            keep = np.flatnonzero(matched)
            exit_at, detained = _evaluate(ctx, chosen, keep, rep)
            want = target["detainer"][keep]
            bad = (exit_at <= 0.0) | ((want >= 0) & (detained != (want == 1)))
            matched[keep[bad]] = False
    tailed, unmatched = int((tail_matched & matched).sum()), int((~matched).sum())
    if tailed or unmatched:
        served = -target["booked_at"][tail_matched | ~matched]
        exit_at, _ = _evaluate(ctx, chosen, np.arange(n), rep)  # the roster run together
        gone = int((exit_at[~matched] <= 0.0).sum())
        warnings.warn(RosterWarning(
            f"roster warm start, replication {rep}: {tailed + unmatched} of {n} people had no "
            f"model path consistent with the roster in {MAX_CANDIDATES} candidates (time "
            f"served up to {served.max():.0f} days); {tailed} were sampled given a time to "
            f"disposition longer than their time served, {unmatched} took the candidate "
            f"leaving latest that agrees with the roster ({gone} of them leave before day 0 "
            "and are not in the records)"
        ), stacklevel=2)
    return chosen
