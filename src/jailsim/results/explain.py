"""Why one person was held as long as they were: a booking's record told as dated sentences.

An :class:`Explanation` is generated from one row of the bookings table and the scenario that
produced it, never written by hand: every time in it is a time of the record (shown as weekday,
date and clock time from the scenario's ``start_date``), every probability the scenario's
(e.g. the chance of posting bail with and without a detainer), and the days the detainer cost
come from the attribution columns (the same draws run without detainer effects,
:mod:`jailsim.results.attribution`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jailsim.model import rules
from jailsim.model.codes import (
    DETAINER_SOURCES,
    HONOR_CONVICTED_ONLY,
    HONOR_JUDICIAL_WARRANT_ONLY,
    HONOR_NONE,
    HONOR_NOTIFY_ONLY,
    SENTENCE_JAIL,
    sentence_code,
)
from jailsim.model.context import Context

__all__ = ["TIME_FORMAT", "Event", "Explanation", "explain", "explain_row", "format_time"]

#: How times are shown: ``Fri 10 Jan 2025 23:10``.
TIME_FORMAT = "%a %d %b %Y %H:%M"

_RULES = {
    "calendar_48h": "calendar hours (Form I-247A)",
    "business_48h": "hours excluding Saturdays, Sundays and federal holidays (8 CFR 287.7(d))",
}
_SENTENCES = {
    "time_served": "time served",
    "jail": "sentenced to more jail time",
    "prison": "sentenced to prison",
    "pending": "sentence not yet known at the end of the run",
}


@dataclass(frozen=True)
class Event:
    """One dated sentence: ``at`` is the value of the record's column ``column``."""

    at: float
    column: str
    text: str


@dataclass(frozen=True)
class Explanation:
    """A booking's story: a header, dated events in order, and closing notes."""

    booking_id: int
    replication: int
    header: str
    events: tuple[Event, ...]
    notes: tuple[str, ...]
    clock: Any

    def lines(self) -> list[str]:
        """The explanation as lines of text."""
        out = [self.header]
        out += [f"  {format_time(self.clock, e.at)}  {e.text}" for e in self.events]
        out += self.notes
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__


#: Why a county holds no one on a detainer, by honor policy.
_NO_HOLDS = {
    HONOR_NONE: "the county does not hold people on detainers",
    HONOR_NOTIFY_ONLY: "the county holds no one on detainers, it only tells ICE the release time",
    HONOR_CONVICTED_ONLY: "the county holds no one on detainers (conviction-based cooperation "
                          "at most)",
}


def format_time(clock, t: float) -> str:
    """Engine time ``t`` (days) as ``Fri 10 Jan 2025 23:10`` (rounded to the minute)."""
    stamp = pd.Timestamp(clock.to_datetime64(np.array([t], dtype=float))[0])
    return stamp.round("min").strftime(TIME_FORMAT)


def duration(days: float) -> str:
    """``days`` in minutes, hours or days, whichever reads best."""
    if days < 1 / 24:
        return f"{days * 1440:.0f} min"
    if days < 2:
        return f"{days * 24:.1f} h"
    return f"{days:.1f} days"


def _p(x: float) -> str:
    return f"{x:.3g}"


def _has(row, col: str) -> bool:
    return not pd.isna(row[col])


# ---------------------------------------------------------------------------------------------


def explain(result: Any, booking_id: int, replication: int = 0) -> Explanation:
    """Explain booking ``booking_id`` of replication ``replication`` of a run.

    ``result`` is a ``Result`` or anything with ``scenario`` and ``bookings``.

    Raises
    ------
    ValueError
        When the booking is not in the table.

    Examples
    --------
    >>> import jailsim
    >>> res = jailsim.simulate("jailsim:jem.yaml", seed=1, days=60)
    >>> first = int(res.bookings["booking_id"].iloc[0])
    >>> e = jailsim.explain(res, first)
    >>> print(e.lines()[0])
    Booking ... (replication 0, ... stream): ... charge (...); ...
    >>> any(line.strip().endswith("Booked.") for line in e.lines())
    True
    """
    b = result.bookings
    rows = b[(b["replication"] == replication) & (b["booking_id"] == booking_id)]
    if rows.empty:
        reps = b["replication"]
        if not (reps == replication).any():
            raise ValueError(
                f"no replication {replication} (the run has {reps.min()}-{reps.max()})"
            )
        ids = b.loc[reps == replication, "booking_id"]
        raise ValueError(
            f"booking {booking_id} is not in replication {replication} (ids {ids.min()}-"
            f"{ids.max()}; with a warm start, people who left before day 0 are not recorded)"
        )
    return explain_row(Context.of(result), rows.iloc[0])


def explain_row(ctx: Context, row: pd.Series) -> Explanation:
    """The explanation of one row of the bookings table."""
    story = _Story(ctx, row)
    return Explanation(
        booking_id=int(row["booking_id"]),
        replication=int(row["replication"]),
        header=story.header(),
        events=tuple(sorted(story.events(), key=lambda e: e.at)),
        notes=tuple(story.notes()),
        clock=ctx.clock,
    )


class _Story:
    """Builds the sentences of one booking from its record."""

    def __init__(self, ctx: Context, row: pd.Series):
        self.ctx, self.row, self.sc = ctx, row, ctx.scenario
        self.policy = ctx.policy
        self.pretrial = self.sc.charges[str(row["charge"])].pretrial
        charge = self.sc.charge_names.index(str(row["charge"]))
        self.factors = tuple(float(f[charge]) for f in rules.detainer_factors(self.sc))
        self.detained = str(row["detainer_source"]) != "none"
        self.citizen = bool(row["citizen"]) or not bool(row["foreign_born"])  # a U.S. citizen
        self.out: list[Event] = []

    def add(self, column: str, text: str) -> None:
        if _has(self.row, column):
            self.out.append(Event(float(self.row[column]), column, text))

    def since(self, a: str, b: str) -> str:
        return duration(float(self.row[b]) - float(self.row[a]))

    def lodged_by(self, column: str) -> bool:
        return self.detained and _has(self.row, column) and (
            self.row["detainer_at"] <= self.row[column]
        )

    # ------------------------------------------------------------------------ header
    def header(self) -> str:
        r = self.row
        # folders written before these columns existed: derive what can be derived
        status = str(r.get("status", ""))
        if status not in ("us_born", "naturalized", "noncitizen"):
            status = "naturalized" if r["citizen"] else (
                "noncitizen" if r["foreign_born"] else "us_born"
            )
        hit = bool(r.get("record_hit", r["dhs_record"]))
        who = {
            "us_born": "born in the U.S.",
            "naturalized": "a naturalized U.S. citizen (born abroad)",
            "noncitizen": "not a U.S. citizen, "
            + ("removable" if r["removable"] else "not removable")
            + (", with a DHS record" if r["dhs_record"] else ", no DHS record"),
        }[status]
        if status == "noncitizen" and r["dhs_record"] and not hit:
            who += " (the fingerprint check missed it)"
        if status == "naturalized" and hit:
            who += "; fingerprints matched an old DHS record that does not show the citizenship"
        felony = "felony" if r["felony"] else "not a felony"
        text = (
            f"Booking {int(r['booking_id'])} (replication {int(r['replication'])}, "
            f"{r['stream']} stream): {r['charge']} charge ({felony}); {who.rstrip('.')}."
        )
        if self.policy.dated and "period" in r:
            text += f" Policy period at booking: from {r['period']}."
        return text

    # ------------------------------------------------------------------------ events
    def events(self) -> list[Event]:
        self.add("booked_at", "Booked.")
        if str(self.row["detainer_source"]) == "civil_arrest":
            self.add("booked_at", "Arrested for ICE alone (a Task Force civil arrest, no state "
                                  "charge): held for ICE from booking, with no court case.")
        if str(self.row["detainer_source"]) == "remote":
            text = (
                f"ICE lodged a detainer remotely after the fingerprint match, "
                f"{self.since('booked_at', 'detainer_at')} after booking."
            )
            if self.citizen:
                text += " The person is a U.S. citizen: the match was a database error."
            self.add("detainer_at", text)
        self.screening()
        if str(self.row["detainer_source"]) != "civil_arrest":  # no court case
            self.court()
        self.release()
        return self.out

    def screening(self) -> None:
        r = self.row
        flagged = bool(r.get("jem_flagged", r["foreign_born"]))
        if self.ctx.jem_staff is None or not flagged:
            if self.ctx.jem_staff is not None and r["foreign_born"]:
                self.add("booked_at", "Not flagged for a JEM interview at booking (said they "
                                      "were born in the U.S.).")
            return
        if not r["foreign_born"]:
            self.add("booked_at", "Flagged for a JEM interview at booking, though born in the "
                                  "U.S. (a wrong answer or record).")
        booked = float(r["booked_at"])
        if not rules.jem_screens(self.policy, True, booked, SENTENCE_JAIL):
            self.add("booked_at", "Not screened: JEM was not in force when they were booked.")
            return
        if not rules.jem_screens(self.policy, True, booked, sentence_code([r["sentence"]])[0]):
            self.add("booked_at", "Not screened: JEM screens after sentence, and only people "
                                  "sentenced to jail (jem.screens_at: sentence).")
            return
        if _has(r, "screened_at"):
            self.add(
                "screened_at",
                f"Interview with a JEM officer began after waiting "
                f"{self.since('screen_ready_at', 'screened_at')} in the queue.",
            )
            text = f"Interview over ({self.since('screened_at', 'screen_end_at')})"
            if _has(r, "release_eligible_at") and r["screen_end_at"] == r["release_eligible_at"]:
                text = ("Interview cut short: the person was due for release and left "
                        "(jem.at_release: release)")
            elif _has(r, "lead_at"):
                self.add("lead_at", "The JEM detainer took effect after the person had left: a "
                                    "lead for ICE to arrest them at large.")
            if str(r["detainer_source"]) == "jem":
                text += "; the officer prepared a Notice to Appear and an ICE warrant."
                if self.citizen:
                    text += " The person is a U.S. citizen: the officer took them for removable."
                self.add("screen_end_at", text)
                self.add(
                    "detainer_at",
                    f"The JEM detainer took effect (warrant signed and served), "
                    f"{self.since('screen_end_at', 'detainer_at')} after the interview.",
                )
                return
            self.add("screen_end_at", text + ".")
        elif _has(r, "exit_at"):
            self.add(
                "screen_ready_at",
                "Ready for a JEM interview; none began before they left (no officer free).",
            )

    def court(self) -> None:
        r, pt = self.row, self.pretrial
        decision = str(r["pretrial_decision"])
        post_factor, ror_factor = self.factors
        ror_detained = float(rules.chance_of_ror(pt.ror, ror_factor, True))
        by_ia = self.lodged_by("initial_appearance_at")
        if decision == "ror":
            text = f"Initial appearance: released on recognizance (chance {_p(pt.ror)}"
            text += f", {_p(ror_detained)} with a detainer)." if by_ia else ")."
        elif decision == "bail":
            text = "Initial appearance: bail set"
            if by_ia and ror_detained < pt.ror:
                text += (
                    f" (a detainer lowers release on recognizance from {_p(pt.ror)} to "
                    f"{_p(ror_detained)})"
                )
            text += "."
        else:
            text = "Initial appearance: held without bail."
        self.add("initial_appearance_at", text)

        outcome = str(r["bond_outcome"])
        post = pt.post
        post_detained = float(rules.chance_of_posting(post, post_factor, True))
        by_post = self.lodged_by("bond_decided_at")
        if outcome == "posted":
            chance = f"{_p(post_detained)} with the detainer" if by_post else _p(post)
            self.add(
                "bond_decided_at",
                f"Posted bail, {self.since('initial_appearance_at', 'bond_decided_at')} after "
                f"the appearance (chance of posting {chance}).",
            )
        elif outcome == "not_posted":
            if _has(r, "disposition_at") and r["bond_decided_at"] == r["disposition_at"]:
                pass  # the case ended before bail would have been posted: said at disposition
            elif by_post and post_detained < post:
                self.add(
                    "bond_decided_at",
                    f"Did not post bail (a detainer lowers posting from {_p(post)} to "
                    f"{_p(post_detained)}).",
                )
            else:
                self.add("bond_decided_at", f"Did not post bail (chance of posting {_p(post)}).")
        if _has(r, "disposition_at"):
            text = (
                f"Case disposed, {self.since('booked_at', 'disposition_at')} after booking: "
                f"{_SENTENCES.get(str(r['sentence']), str(r['sentence']))}"
            )
            if outcome == "not_posted" and r["bond_decided_at"] == r["disposition_at"]:
                text += " (before bail would have been posted)"
            self.add("disposition_at", text + ".")

    def release(self) -> None:
        r = self.row
        if self.detained and _has(r, "release_eligible_at"):
            self.add("release_eligible_at", "Would otherwise have been released.")
        kept = self.held_without_detainer()
        if kept:
            self.add("release_eligible_at", kept)
        reason = str(r["exit_reason"])
        if self.detained and reason == "released" and not _has(r, "hold_start_at"):
            self.add("exit_at", f"Released without a hold for ICE: {self.declined()}.")
            return
        if reason == "ice_transfer" and not _has(r, "hold_start_at"):
            self.add("ice_custody_at", f"Not held for ICE ({self.declined()}); ICE, told of "
                                       "the release, took custody at the door.")
        if _has(r, "hold_start_at"):
            t = float(r["release_eligible_at"])  # the cap runs from the release
            hold = self.policy.at(t).hold
            deadline = float(self.ctx.hold.cap(t))
            self.add(
                "hold_start_at",
                f"Held for ICE on the detainer: cap {hold.cap * 24:g} h in "
                f"{_RULES[hold.rule]} from the release, so until "
                f"{format_time(self.ctx.clock, deadline)} at the latest.",
            )
        if _has(r, "warrant_start_at"):
            self.add(
                "warrant_start_at",
                f"A WSO officer began serving the ICE warrant after waiting "
                f"{self.since('hold_start_at', 'warrant_start_at')}.",
            )
        if _has(r, "warrant_served_at"):
            self.add(
                "warrant_served_at",
                f"Warrant served: held for ICE for up to "
                f"{self.sc.wso.custody_cap * 24:g} h from now.",
            )
        hours = f"{float(r['hold_hours']):.1f} h" if _has(r, "hold_hours") else ""
        kept = _has(r, "ice_custody_at") and (
            not _has(r, "exit_at") or float(r["exit_at"]) > float(r["ice_custody_at"])
        )
        if kept:  # ICE took custody in place: an IGSA stay follows
            self.add(
                "ice_custody_at",
                f"ICE took custody after {hours} held past release and kept the person here "
                "as its detainee (IGSA).",
            )
        texts = {
            "released": "Released.",
            "ice_transfer": (
                f"Left for ICE after {self.since('ice_custody_at', 'exit_at')} here as its "
                "detainee." if kept else f"Transferred to ICE after {hours} held past release."
            ),
            "lapsed": f"Released: the detainer lapsed at the cap after {hours} without ICE.",
            "cancelled": f"Released: ICE cancelled the detainer after {hours} held.",
            "prison": "Transferred to prison.",
        }
        if reason in texts:
            self.add("exit_at", texts[reason])

    def held_without_detainer(self) -> str:
        """What kept a person due for release with no detainer in force, if anything."""
        r = self.row
        if not _has(r, "release_eligible_at") or not _has(r, "exit_at"):
            return ""
        release = float(r["release_eligible_at"])
        until = min(float(r["detainer_at"]) if _has(r, "detainer_at") else np.inf,
                    float(r["exit_at"]))
        if until <= release:
            return ""
        why = ("the interview under way was finished first"
               if _has(r, "screen_end_at") and float(r["screen_end_at"]) > release
               else "the jail waited for the detainer the JEM officer was preparing")
        return (f"Kept {(until - release) * 24:.1f} h past release with no detainer in force: "
                f"{why} (jem.at_release: finish); the time counts against the hold cap.")

    def declined(self) -> str:
        r, policy = self.row, self.policy
        t = float(r["release_eligible_at"])
        code = int(policy.in_force(policy.honor, t))
        if rules.detainer_void(policy, t, DETAINER_SOURCES.index(str(r["detainer_source"]))):
            return "a detainer lodged on database checks alone is void here"
        if code == HONOR_JUDICIAL_WARRANT_ONLY:
            return "the county holds people only on a judge's warrant, and none came with it"
        if code in _NO_HOLDS:
            return _NO_HOLDS[code]
        if not rules.jail_holds(policy, t, bool(r["felony"])):
            return "the county holds only people charged with a felony"
        return (
            f"the jail refused this detainer (it refuses "
            f"{policy.in_force(policy.refusal, t):.0%} of detainers)"
        )

    # ------------------------------------------------------------------------ notes
    def notes(self) -> list[str]:
        r = self.row
        out = []
        if str(r["exit_reason"]) == "censored":
            out.append(
                f"Still in custody at the end of the run "
                f"({format_time(self.ctx.clock, self.sc.horizon)}), after "
                f"{duration(float(r['los_days']))}; the figures below stop there."
            )
        else:
            out.append(f"In jail {duration(float(r['los_days']))} in all.")
        att = float(r["attributable_days"])
        pre, hold = float(r["attributable_days_pre_release"]), float(r["attributable_days_hold"])
        if self.detained and abs(att) > 1e-9:
            out.append(
                f"Because of the detainer: {duration(att)} more in jail ({duration(pre)} before "
                f"release, {duration(hold)} held for ICE past release); the same draws without "
                f"detainer effects give a stay of {duration(float(r['counterfactual_los_days']))}."
            )
        elif self.detained:
            out.append("The detainer did not change the length of this stay.")
        elif abs(att) > 1e-9:
            out.append(
                f"Other people's detainers moved this stay by {att * 24:+.1f} h (the screening "
                "queue moves when they leave at other times)."
            )
        return out
