"""The static rules of the jail, each written once: what a booking's own draws decide.

A rule is a function of a booking's draws and the calendars that takes one booking (scalars)
or many (arrays): when the initial appearance is, when the case is disposed, whether bail is
posted with or without a detainer, when a person would walk out on each path, whom JEM
screens, how long an officer works on a person, whether the jail holds a person for ICE, and
whether and when ICE comes. Both engines, the trimming of a warm-start history, detainer
attribution, the metrics and ``explain`` call them, so a rule changed here changes everywhere.

What depends on other people is not here: the officer queues, the order of events, transport
seats. Each engine writes that dynamic part on its own, on purpose (:mod:`jailsim.engines.des`
with SimPy events, :mod:`jailsim.engines.vector` with sequential kernels): two independent
versions of it are the cross-check that the engine-equality tests rely on.
"""

from __future__ import annotations

import numpy as np

from jailsim.model.codes import (
    BAIL,
    DETAINER_CIVIL,
    DETAINER_REMOTE,
    EXIT_CANCELLED,
    EXIT_LAPSED,
    HONOR_ALL,
    HONOR_CONVICTED_ONLY,
    HONOR_FELONY_ONLY,
    HONOR_JUDICIAL_WARRANT_ONLY,
    HONOR_NOTIFY_ONLY,
    ROR,
    SENTENCE_JAIL,
    SENTENCE_TIME_SERVED,
)

__all__ = [
    "CourtPath",
    "after_disposition",
    "appearance_at",
    "chance_of_posting",
    "chance_of_ror",
    "detainer_void",
    "disposition_at",
    "held_for_ice",
    "hold_ends_without_ice",
    "ice_at_the_door",
    "ice_cancels_at",
    "ice_comes",
    "ice_ready_at",
    "ice_told",
    "igsa_keeps",
    "igsa_leaves_at",
    "interview_cut_short",
    "jail_holds",
    "jem_detainer_at",
    "jem_screens",
    "kept_for_detainer_until",
    "officer_work",
    "pretrial_decision",
    "remote_detainer_at",
    "remote_detainer_source",
    "screen_ready_at",
    "walks_out_at",
    "warrant_custody_until",
]

_ALL = slice(None)


# ---------------------------------------------------------------------------------------------
# Detainers: when they can come


def remote_detainer_at(pop) -> np.ndarray:
    """When ICE lodges a detainer remotely after a fingerprint hit (``inf``: it never does)."""
    return np.where(pop.remote_lodge, pop.booked_at + pop.remote_delay, np.inf)


def remote_detainer_source(civil_only):
    """The source code of a detainer that does not come from a JEM screening.

    ICE's remote detainer after a fingerprint hit, or the detainer of a civil arrest made for
    ICE (a Task Force arrest with no state charge).
    """
    return np.where(civil_only, np.int8(DETAINER_CIVIL), np.int8(DETAINER_REMOTE))


def jem_screens(policy, flagged, booked_at, sentence):
    """Whom JEM officers may screen: people flagged at booking, booked while JEM is in force.

    Where officers screen after sentence (``jem.screens_at: sentence``), only those of them
    sentenced to jail; they join the line if their case is disposed in custody
    (:func:`screen_ready_at`).
    """
    screens = flagged & policy.in_force(policy.jem_on, booked_at)
    if policy.jem_after_sentence:
        screens = screens & (sentence == SENTENCE_JAIL)
    return screens


def screen_ready_at(scenario, booked_at, disposition):
    """When a person JEM screens is ready for the interview: booking plus the queue delay.

    Or, where officers screen after sentence, the disposition plus the queue delay.
    """
    after = disposition if scenario.jem.screens_at == "sentence" else booked_at
    return after + scenario.jem.queue_delay


def jem_detainer_at(screen_start, work, detainer_delay):
    """When a JEM detainer takes effect: the officer's paperwork done, then review and service.

    ``work`` is :func:`officer_work` (the interview and the Notice to Appear with the warrant);
    the detainer needs the signed warrant and takes effect when served (ICE Policy 10074.2).
    """
    return screen_start + work + np.asarray(detainer_delay, dtype=np.float64)


def officer_work(screening_time, nta_time, lodges) -> np.ndarray:
    """An officer's time on one screened person (days).

    The interview, plus the Notice to Appear when the interview lodges a detainer.
    """
    screening = np.asarray(screening_time, dtype=np.float64)
    return screening + np.where(lodges, np.asarray(nta_time, dtype=np.float64), 0.0)


# ---------------------------------------------------------------------------------------------
# Court


def appearance_at(ctx, booked_at, civil_only=False):
    """The initial appearance: the first court session after the paperwork.

    That is, at or after booking plus ``court.min_time_to_appearance``. A civil arrest (no
    state charge) has no court case: its "appearance" is the booking itself, where it is
    released on the criminal side at once (and held for ICE).
    """
    court = ctx.court.next_session(booked_at + ctx.scenario.court.min_time_to_appearance)
    return np.where(civil_only, booked_at, court)


def disposition_at(appearance, booked_at, time_to_disposition):
    """When the case of a person still held is disposed (not before the appearance)."""
    return np.maximum(appearance, booked_at + time_to_disposition)


def detainer_factors(scenario) -> tuple[np.ndarray, np.ndarray]:
    """What a detainer multiplies P(bail posted) and P(release on recognizance) by, per charge.

    Arrays in the order of ``scenario.charge_names``: each class's own factor
    (``charges.NAME.pretrial.detainer_factor`` / ``detainer_ror_factor``), else ``bond``'s.
    """
    bond, pts = scenario.bond, [scenario.charges[c].pretrial for c in scenario.charge_names]
    post = [bond.detainer_factor if p.detainer_factor is None else p.detainer_factor
            for p in pts]
    ror = [bond.detainer_ror_factor if p.detainer_ror_factor is None else p.detainer_ror_factor
           for p in pts]
    return np.array(post, dtype=float), np.array(ror, dtype=float)


def chance_of_ror(p_ror, factor, detained):
    """P(release on recognizance); ``detained``: a detainer lodged by the appearance.

    A detainer multiplies it by ``factor``, the charge's (:func:`detainer_factors`).
    """
    return np.where(detained, p_ror * factor, p_ror)


def chance_of_posting(p_post, factor, detained):
    """P(bail posted | bail set); ``detained``: a detainer lodged before posting.

    A detainer multiplies it by ``factor``, the charge's (:func:`detainer_factors`).
    """
    return np.where(detained, p_post * factor, p_post)


def pretrial_decision(pretrial, ror_lost, detained) -> np.ndarray:
    """The pretrial decision at the appearance, given a detainer lodged by then.

    A release on recognizance that the draws grant only without a detainer (``ror_lost``)
    becomes bail when a detainer is lodged by the appearance.
    """
    return np.where(ror_lost & detained, np.int8(BAIL), pretrial).astype(np.int8, copy=False)


def after_disposition(sentence, release_processing, jail_days, prison_delay):
    """Time from disposition to leaving, by sentence.

    Release processing after time served, the rest of a jail sentence, or the wait for a
    transfer to prison.
    """
    return np.where(
        sentence == SENTENCE_TIME_SERVED,
        release_processing,
        np.where(sentence == SENTENCE_JAIL, jail_days, prison_delay),
    )


class CourtPath:
    """The court path of a Population's bookings, and how each one leaves given its detainer.

    Holds the initial appearance, disposition and bail-posting times of every booking; the
    rest is computed for the rows asked (``rows``: an index array, or every booking). Each
    booking's answer depends on its own draws and detainer time only.
    """

    def __init__(self, ctx, pop):
        sc = ctx.scenario
        self.pop = pop
        # float64 + float32 widens the float32 exactly: the same sums as with float64 copies.
        self.appearance = appearance_at(ctx, pop.booked_at, pop.civil_only)
        self.disposition = disposition_at(self.appearance, pop.booked_at, pop.time_to_disposition)
        self.post_at = self.appearance + pop.post_delay
        self.post = np.array([sc.charges[c].pretrial.post for c in sc.charge_names])
        self.factor = detainer_factors(sc)[0]

    def bail_in_time(self, rows=_ALL) -> np.ndarray:
        """Whether bail, once set, would be posted before the case is disposed."""
        return self.post_at[rows] < self.disposition[rows]

    def posts(self, detained, rows=_ALL) -> np.ndarray:
        """Whether the person posts bail set in time (``detained``: a detainer by then)."""
        pop = self.pop
        charge = pop.charge[rows]
        p = chance_of_posting(self.post[charge], self.factor[charge], detained)
        return pop.u_post[rows] < p

    def decide(
        self, detainer_at: np.ndarray | None, rows=_ALL
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pretrial decision, bail posted in time, and who posts, given detainer times.

        ``detainer_at``: when each one's first detainer is lodged (``inf``: never); ``None``:
        no detainer has any effect (the counterfactual of detainer attribution).
        ``rows``: only these bookings (``detainer_at`` given for them alone).
        """
        pop = self.pop
        by_appearance = by_post = False
        if detainer_at is not None:
            by_appearance = detainer_at <= self.appearance[rows]
            by_post = detainer_at <= self.post_at[rows]
        pretrial = pretrial_decision(pop.pretrial[rows], pop.ror_lost[rows], by_appearance)
        bail_in_time = (pretrial == BAIL) & self.bail_in_time(rows)
        return pretrial, bail_in_time, bail_in_time & self.posts(by_post, rows)

    def leave_ror(self, rows=_ALL) -> np.ndarray:
        """When a person released on recognizance leaves: appearance plus release processing."""
        return self.appearance[rows] + self.pop.release_processing[rows]

    def leave_disposed(self, rows=_ALL) -> np.ndarray:
        """When a person held to disposition leaves (released or to prison), by sentence."""
        pop = self.pop
        after = after_disposition(pop.sentence[rows], pop.release_processing[rows],
                                  pop.jail_days[rows], pop.prison_delay[rows])
        return self.disposition[rows] + after

    def leave(self, pretrial, posts, rows=_ALL) -> np.ndarray:
        """When each person would leave: on recognizance, on bail, or after disposition."""
        out = self.leave_disposed(rows)
        out[posts] = self.post_at[rows][posts]
        ror = np.flatnonzero(pretrial == ROR)
        out[ror] = self.leave_ror(rows)[ror]
        return out


def walks_out_at(leave, screen_start, screen_end):
    """When a person with no detainer walks out: at ``leave``, or when an interview ends.

    The interview is one under way at ``leave``; ``screen_end`` is its end as it happened
    (with ``jem.at_release: release``, ``leave`` itself: cut short). A NaN start is no
    interview.
    """
    late = screen_start < leave
    return np.where(late, np.fmax(leave, screen_end), leave)


def interview_cut_short(scenario, screen_start, interview, leave):
    """Whether an interview begun at ``screen_start`` ends when the person leaves at ``leave``.

    With ``jem.at_release: release`` the person leaves when due even if the interview
    (``interview`` days long) is not over; the officer is then free and no detainer follows.
    """
    return (scenario.jem.at_release == "release") & (screen_start + interview > leave)


def kept_for_detainer_until(scenario, walk, due, cap, holds):
    """When a person who would walk out at ``walk`` leaves, with a JEM detainer due at ``due``.

    With ``jem.at_release: finish`` a jail that would hold the person for ICE (``holds``)
    keeps them until a detainer its own officer is preparing takes effect, but not past the
    hold ``cap`` (dated from the release, I-247A; an interview that ran over past it is
    still finished): that time is held without a detainer.
    Otherwise (or with no detainer on its way: ``due`` inf, or due by ``walk``) at ``walk``.
    """
    waits = (scenario.jem.at_release == "finish") & holds & (due > walk) & np.isfinite(due)
    return np.where(waits, np.maximum(walk, np.minimum(due, cap)), walk)


# ---------------------------------------------------------------------------------------------
# Release: held for ICE, and whether ICE comes


def jail_holds(policy, t, felony):
    """Whether the honor policy in force at ``t`` holds a person with a detainer, as a rule.

    ``all``, or ``felony_only`` for those charged with a felony; ``judicial_warrant_only``
    holds only some (:func:`held_for_ice`); the other policies hold no one.
    """
    code = policy.in_force(policy.honor, t)
    return (code == HONOR_ALL) | ((code == HONOR_FELONY_ONLY) & felony)


def held_for_ice(policy, t, felony, u_refuse):
    """Whether a person with a detainer who would leave at ``t`` is held for ICE.

    The honor policy in force holds them and the jail does not decline the detainer
    (``u_refuse`` below ``honor.refusal_probability``); under ``judicial_warrant_only`` the
    same draw is the chance that a judge's warrant came with it (``u_refuse`` below
    ``honor.judicial_warrant_share``). See also :func:`detainer_void`.
    """
    held = jail_holds(policy, t, felony) & ~(u_refuse < policy.in_force(policy.refusal, t))
    code = policy.in_force(policy.honor, t)
    warrant = u_refuse < policy.in_force(policy.judicial_warrant, t)
    return held | ((code == HONOR_JUDICIAL_WARRANT_ONLY) & warrant)


def detainer_void(policy, t, source):
    """Whether a detainer from ``source`` is void at ``t``.

    Void: lodged remotely on database checks alone, where ``honor.database_only_void`` (the
    jail neither holds nor tells ICE).
    """
    return policy.in_force(policy.database_void, t) & (source == DETAINER_REMOTE)


def ice_told(policy, t, felony, prior_conviction):
    """Whether a jail that does not hold a person with a detainer tells ICE their release.

    ``notify_only`` tells ICE of everyone's; ``convicted_only`` of those charged with a felony
    or with a prior qualifying conviction (California SB 54).
    """
    code = policy.in_force(policy.honor, t)
    return (code == HONOR_NOTIFY_ONLY) | ((code == HONOR_CONVICTED_ONLY)
                                          & (felony | prior_conviction))


def ice_at_the_door(policy, period, detainer_at, walk, pop, who):
    """Whether ICE, told of a release at ``walk``, takes custody at the door then.

    It comes (``ice.p_pickup``) and is ready in time: ``pickup_delay`` after the detainer
    (when it was told) is no later than the release. No one is held for it.
    """
    ready = detainer_at + policy.duration(pop, "pickup_delay", period, who)
    return ice_comes(policy, period, pop.u_pickup[who]) & (ready <= walk)


def ice_comes(policy, period, u_pickup):
    """Whether ICE comes for a person held (the probability of the hold's period)."""
    return u_pickup < policy.p_pickup[period]


def ice_ready_at(policy, period, hold_start, pop, who):
    """When ICE is ready to pick up person(s) ``who`` held from ``hold_start``.

    The start of the hold plus the pickup delay drawn for the distribution of the policy
    period the hold starts in.
    """
    return hold_start + policy.duration(pop, "pickup_delay", period, who)


def ice_cancels_at(policy, period, hold_start, pop, who):
    """When ICE cancels the detainer of person(s) ``who`` held from ``hold_start``.

    The start of the hold plus the cancellation delay, for those whose draw falls below the
    cancellation probability of the hold's period; ``inf`` for the others (and when no period
    cancels). A cancellation ends the hold only if it comes before ICE takes custody and
    before the cap.
    """
    if pop.u_cancel is None:
        return np.full(np.shape(hold_start), np.inf) if np.ndim(hold_start) else np.inf
    cancels = pop.u_cancel[who] < policy.p_cancel[period]
    at = hold_start + policy.duration(pop, "cancel_delay", period, who)
    return np.where(cancels, at, np.inf)


def hold_ends_without_ice(cancel_at, cap):
    """How a hold ends when ICE does not take custody: cancelled, or lapsed at the cap.

    Cancelled if the cancellation came before the cap; at the same instant, a lapse.
    """
    return np.where(cancel_at < cap, np.int8(EXIT_CANCELLED), np.int8(EXIT_LAPSED))


def igsa_keeps(policy, period, pop, who):
    """Whether ICE keeps person(s) ``who`` in this jail under an IGSA once it takes custody."""
    if pop.u_igsa is None:
        return np.zeros(np.shape(who), dtype=bool) if np.ndim(who) else False
    return pop.u_igsa[who] < policy.igsa_share[period]


def igsa_leaves_at(policy, period, custody_at, pop, who):
    """When an ICE detainee kept under an IGSA leaves the jail: custody plus the IGSA stay."""
    return custody_at + policy.duration(pop, "igsa_stay", period, who)


def warrant_custody_until(scenario, served_at):
    """How long a person whose ICE warrant a WSO officer served may be held for ICE."""
    return served_at + scenario.wso.custody_cap
