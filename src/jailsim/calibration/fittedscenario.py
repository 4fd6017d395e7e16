"""The fitted scenario: what the export tells, written over the base county with provenance.

Only what an export can tell is written (start date, booking rate and weekly profile, charge
mix, the stays as a court path, immigration holds), each under comment lines that say how it was
fitted; every other input keeps the base county's value and cited source. The detainer share is
matched by simulation, since a detainer lodged after a person left never shows in an export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np

from jailsim._version import __version__
from jailsim.calibration.holdfit import HoldFit
from jailsim.calibration.stayfit import SELECTION, format_days
from jailsim.county.exports import Export
from jailsim.experiments.simulate import simulate
from jailsim.scenario.paths import set_dotted
from jailsim.scenario.schema import Scenario

__all__ = ["BASE", "COURT", "fitted_scenario", "match_hold_share"]

#: The scenario a calibrated scenario extends.
BASE = "jailsim:base_county.yaml"
#: Court settings that make the court path reproduce a fitted stay exactly: appearances every
#: half hour from booking, no processing time
#: (see :meth:`jailsim.calibration.stayfit.StayFit.paths`).
COURT = {
    "weekmask": "daily",
    "holidays": "none",
    "sessions": [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)],
    "min_time_to_appearance": "0h",
    "release_processing": "0h",
}
_CHAIN = (  # factors of the detainer share, in the order the calibration changes them
    "arrivals.bookings.dhs_record_given_noncitizen",
    "biometric.p_lodge",
    "arrivals.bookings.removable_given_noncitizen",
    "arrivals.bookings.citizen_given_foreign_born",  # enters as (1 - value)
    "arrivals.bookings.foreign_born",
)


def _r(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def fitted_scenario(
    export, arrivals, stays, group, has_charge, holds, base, name, hold_excluded
) -> tuple[dict, dict, list]:
    """The scenario file's content for the fits: ``(data, comments, header)``.

    ``data`` extends :data:`BASE`; ``comments`` maps dotted keys to the comment lines written
    above them; ``header`` holds the provenance lines written at the top of the file.
    """
    src = export.source
    file_name = Path(src).name
    log = export.log
    n = len(export.bookings)
    first, last = export.bookings["booked"].min(), export.bookings["booked"].max()
    data: dict = {"extends": BASE}
    comments: dict[str, list[str]] = {}
    data["name"] = name or (f"{Path(src).stem} (calibrated)" if Path(src).is_file()
                            else "calibrated county")
    data["description"] = (f"Fitted by jailsim calibrate to {file_name}: {n:,} bookings from "
                           f"{first:%Y-%m-%d} to {last:%Y-%m-%d}.")
    data["start_date"] = export.start.date().isoformat()
    data["horizon"] = f"{export.window_days:g}d"
    comments["start_date"] = ["first booking day of the export; horizon = its booking window"]
    a = arrivals
    stream: dict = {"rate": f"{_r(a.rate, 5)}/day"}
    comments["arrivals.bookings.rate"] = [
        f"{a.n_total:,} bookings in {export.window_days:g} days; the rate at start_date "
        f"(SE {a.rate_se:.2f}/day), Poisson maximum likelihood"
        + (f"; {a.n_total - a.n_timed:,} bookings with a date only count in the rate only"
           if a.n_total > a.n_timed else "")
    ]
    prof: dict = {}
    if a.hour_of_day is not None:
        prof["hour_of_day"] = [_r(x, 3) for x in a.hour_of_day]
        prof["day_of_week"] = [_r(x, 3) for x in a.day_of_week]
        se = max(float(np.max(a.hour_of_day_se)), float(np.max(a.day_of_week_se)))
        comments["arrivals.bookings.profile.hour_of_day"] = [
            f"relative bookings by hour (00-23) and weekday (Mon-Sun), mean 1; largest SE {se:.2f}"
            if a.n_timed else "booking hours unknown (date-only times): flat over the day; "
            f"relative bookings by weekday (Mon-Sun), mean 1, largest SE {se:.2f}"
        ]
    else:
        prof["hour_of_week"] = [_r(x, 3) for x in a.weights]
        comments["arrivals.bookings.profile.hour_of_week"] = [
            f"relative bookings by hour of the week (Monday 00-01 first), mean 1; largest SE "
            f"{float(np.max(a.weights_se)):.2f}"
        ]
    prof["trend_per_year"] = _r(a.trend, 3)
    comments["arrivals.bookings.profile.trend_per_year"] = [_trend_comment(a, export)]
    candidates = ", ".join(f"{m} (dAIC {d:.1f})" for m, d in zip(
        a.candidates["model"], a.candidates["delta_aic"], strict=True))
    if len(a.heldout):
        scores = ", ".join(f"{r.model} {r.heldout_loglik:.1f}" for r in a.heldout.itertuples())
        how = (f"profile {a.profile!r} chosen by held-out log-likelihood over "
               f"{int(a.heldout['folds'].iloc[0])} folds of weeks ({scores}); with or "
               f"without trend by AIC: {candidates}")
    else:
        how = f"profile by weekday only (no booking hours); by AIC: {candidates}"
    comments["arrivals.bookings.profile"] = [how]
    stream["profile"] = prof
    if has_charge:
        shares = group.value_counts(normalize=True)
        stream["charge_mix"] = {g: _r(float(shares[g]), 5) for g in stays}
        diff = 1.0 - sum(stream["charge_mix"].values())
        top = max(stream["charge_mix"], key=stream["charge_mix"].get)
        stream["charge_mix"][top] = _r(stream["charge_mix"][top] + diff, 6)
        comments["arrivals.bookings.charge_mix"] = [
            "share of bookings by charge group; replaces the base county's mix"]
    data["arrivals"] = {"bookings": stream}

    charges: dict = {}
    targets = {g: [g] for g in stays} if has_charge else {"all": list(base.charges)}
    for g, fits in stays.items():
        best = fits.best
        pretrial, ttd, how = best.paths()
        p, se = best.params(), best.se()
        for cname in targets[g]:
            block = {"pretrial": pretrial,
                     "disposition": {"time_to_disposition": ttd, "time_served": 1.0,
                                     "jail": 0.0, "prison": 0.0}}
            if cname not in base.charges:
                block = {"felony": "fel" in cname, **block}
                block["disposition"]["jail_days"] = "1d"
                block["disposition"]["prison_transfer_delay"] = "1d"
                comments[f"charges.{cname}.disposition.jail_days"] = [
                    "unused: every case ends in time served (the fitted stay includes sentences)"
                ]
            charges[cname] = block
            st = fits.stays
            comments[f"charges.{cname}"] = [
                f"stays of {st.n:,} bookings{' charged ' + g if has_charge else ''}"
                f"{' without an immigration hold' if hold_excluded else ''} "
                f"({int(st.held.sum()):,} still held at {export.as_of:%Y-%m-%d %H:%M}: censored)",
                f"model {best.name}: {best.family.describe}",
                f"mean stay {p['mean']:.2f} d (SE {se['mean']:.2f}); naive mean of released "
                f"{st.naive_mean():.2f} d",
                "models by AIC: " + ", ".join(f"{r.model} {r.delta_aic:.1f}"
                                              for r in fits.table().itertuples()),
                f"court path: {how}",
            ]
            if fits.prior_fit is not None:
                comments[f"charges.{cname}"].append(f"stay {fits.tail.describe()}")
            if best.name.startswith("release"):
                comments[f"charges.{cname}.pretrial.bail"] = [
                    f"share released pretrial (SE {se['release_share']:.3f}); post: 1 means "
                    "all of them post, unless a detainer lowers it (the charge's "
                    "pretrial.detainer_factor, else bond.detainer_factor)"]
                if "release_median" in p:
                    delay = (f"median {format_days(p['release_median'])} (SE "
                             f"{format_days(se['release_median'])}), p90 "
                             f"{format_days(p['release_p90'])}")
                else:
                    delay = "a mixture of two lognormals"
                comments[f"charges.{cname}.pretrial.post_delay"] = [
                    f"fitted release delay, counted from the first court session: {delay}"]
    data["charges"] = charges
    data["court"] = dict(COURT)
    comments["court"] = [
        "not a court calendar: sessions every half hour from booking and no processing, so",
        "the court path above reproduces the fitted stays (the stay already includes court",
        "waits, weekends and processing)",
    ]
    if holds is not None:
        _hold_blocks(data, comments, holds, base)
    header = _header(export, log, file_name, hold_excluded, holds, arrivals)
    return data, comments, header


def _trend_comment(a, export) -> str:
    """Where ``trend_per_year`` comes from: fitted with its interval, none, or the base's."""
    if not a.trend_fitted:
        return a.trend_note
    if a.model.endswith("trend"):
        lo, hi = a.trend_interval
        return (f"fitted over the {export.window_days:g}-day window: 95% interval {lo:+.3f} to "
                f"{hi:+.3f} a year (SE {a.trend_se:.3f})")
    return (f"no trend: chosen by AIC over the {export.window_days:g}-day window (a trend is "
            "fitted over a window of a year or more)")


def _hold_blocks(data, comments, holds: HoldFit, base) -> None:
    if holds.cap_hours:
        data["hold"] = {"cap": f"{holds.cap_hours:g}h"}
        comments["hold.cap"] = [f"median length of holds that ended without ICE "
                                f"({holds.outcomes.get('released', 0):,} holds)"]
    if holds.pickup is not None:
        med, p90 = holds.pickup
        data["ice"] = {"p_pickup": _r(holds.p_pickup, 4),
                       "pickup_delay": {"dist": "lognormal", "median": format_days(med),
                                        "p90": format_days(max(p90, med * 1.01))},
                       "p_cancel": 0.0}
        comments["ice.p_pickup"] = [
            f"{holds.outcomes.get('ice', 0):,} of {holds.outcomes.get('ice', 0) + holds.outcomes.get('released', 0):,}"  # noqa: E501
            " holds ended in an ICE transfer, divided by P(pickup delay < hold cap)"]
        comments["ice.pickup_delay"] = ["lognormal fitted to the hold hours of transfers, "
                                        "truncated at the hold cap"]
        comments["ice.p_cancel"] = ["an export does not tell a cancelled detainer from a lapsed "
                                    "one: the fit reads every hold that ended without ICE as "
                                    "ICE not coming, so no cancellations here"]


def _header(export: Export, log, file_name, hold_excluded, holds, arrivals) -> list[str]:
    src = Path(export.source)
    digest = ""
    if src.is_file():
        digest = f", sha256 {hashlib.sha256(src.read_bytes()).hexdigest()[:16]}"
    b = export.bookings
    dropped = ", ".join(f"{n:,} {r}" for r, n in log.dropped.items()) or "none"
    merged = sum(log.merged.values())
    repaired = ", ".join(f"{n:,} {r}" for r, n in log.repaired.items()) or "none"
    lines = [
        f"Calibrated by jailsim {__version__} on {dt.date.today().isoformat()}.",
        f"Source: {file_name}{digest}",
        f"  rows read {log.rows_read:,}; bookings used {len(b):,}; dropped: {dropped}",
        f"  merged (one row per charge): {merged:,}; repaired: {repaired}",
        f"  booked {b['booked'].min():%Y-%m-%d %H:%M} to {b['booked'].max():%Y-%m-%d %H:%M};"
        f" data as of {export.as_of:%Y-%m-%d %H:%M}"
        f" ({export.timezone or 'local time, no zone given'})",
        f"  columns: {', '.join(f'{k}={v}' for k, v in export.columns.items())}",
        "",
        "Fitted here: booking rate, weekly profile"
        + (" and trend" if arrivals.trend_fitted else " (trend kept from base)")
        + "; charge mix; stays by charge group"
        + ("; immigration holds" if holds is not None else "") + ".",
        "Everything else comes from base_county.yaml, with the sources cited there (capacity,",
        "costs, 287(g) program, JEM/WSO staffing, bond.detainer_factor ...).",
        "",
        "How stays map into the model: each charge group's stay distribution is fitted with",
        "right-censoring (people still held) and interval-censoring (date-only times) by maximum",
        f"likelihood; the model is chosen by {SELECTION}.",
        "The fitted stay replaces the court-path defaults: court sessions every half hour, no",
        "processing, and either everyone held to disposition (time_to_disposition = the stay)",
        "or a pretrial-release share that posts bail after the fitted delay while the rest wait",
        "for disposition. Sentences are inside the fitted stay (time_served: 1).",
        "What is lost: ROR, sentence types and court weekdays are not separate any more. A",
        "detainer still lowers bail posting where a group has a pretrial-release share, by its",
        "charge's factor (charges.NAME.pretrial.detainer_factor, else bond.detainer_factor,",
        "both kept from base: the base county's misdemeanors are not affected); in a group held",
        "to disposition it has no bail to act on.",
    ]
    if hold_excluded:
        lines += ["Stays of bookings with an immigration hold are left out of the stay fit: the",
                  "model gives them the same court path plus the detainer's effects and the hold."]
    if holds is not None:
        lines += [f"Holds: {holds.n_hold:,} of {holds.n:,} bookings ({holds.share:.2%}); "
                  + "; ".join(holds.notes) if holds.notes else
                  f"Holds: {holds.n_hold:,} of {holds.n:,} bookings ({holds.share:.2%})."]
    else:
        lines += ["No immigration-hold columns: the detainer share, hold cap and ICE pickup are",
                  "the base county's."]
    lines += ["The export counts only its own bookings, so compare it with a run that starts",
              "empty (warm_start kind none): `jailsim backtest` and the fit report do.", ""]
    return lines


def match_hold_share(cal, base: Scenario, seed: int) -> None:
    """Set the detainer chain so the simulated share of bookings with a detainer is observed.

    A detainer lodged after a person left never shows, so the share is ``eligible x q`` with
    ``q`` the chance that the detainer comes in time; ``q`` is estimated by simulating the
    calibrated scenario with everyone eligible over the export's window. ``cal`` is the
    :class:`~jailsim.calibration.calibrate.Calibration`; its scenario, comments and header are
    changed in place.
    """
    ex = cal.export
    probe = cal.scenario().with_({
        "program": "none", "warm_start.kind": "none", "warmup": "0d",
        "horizon": f"{max(ex.as_of_days, 1.0):g}d",
        "arrivals.bookings.foreign_born": 1.0,
        "arrivals.bookings.citizen_given_foreign_born": 0.0,
        "arrivals.bookings.removable_given_noncitizen": 1.0,
        "arrivals.bookings.dhs_record_given_noncitizen": 1.0,
        "biometric.p_lodge": 1.0,
    })
    res = simulate(probe, seed=seed, replications=1, engine="vector")
    bk = res.bookings[res.bookings["booked_at"] < ex.window_days]
    q = float(bk["detainer_at"].notna().mean())
    node = cal.scenario()
    values = {
        _CHAIN[0]: node.arrivals.bookings.dhs_record_given_noncitizen,
        _CHAIN[1]: node.biometric.p_lodge,
        _CHAIN[2]: node.arrivals.bookings.removable_given_noncitizen,
        _CHAIN[3]: node.arrivals.bookings.citizen_given_foreign_born,
        _CHAIN[4]: node.arrivals.bookings.foreign_born,
    }

    def factor(k):
        return 1 - values[k] if k == _CHAIN[3] else values[k]

    current = float(np.prod([factor(k) for k in _CHAIN]))
    target = cal.holds.share / q if q > 0 else 0.0
    ratio = target / current if current > 0 else 0.0
    changed = {}
    for key in _CHAIN:
        f = factor(key)
        if f <= 0:
            continue
        new = min(1.0, f * ratio)
        ratio = ratio * f / new if new > 0 else 1.0
        changed[key] = _r(1 - new if key == _CHAIN[3] else new, 5)
        if abs(ratio - 1.0) < 1e-12:
            break
    note = (f"{cal.holds.share:.2%} of bookings had an immigration hold; a detainer reaches "
            f"{q:.1%} of eligible people before they leave (simulated), so foreign_born x "
            "(1 - citizen_given_foreign_born) x removable x dhs_record x biometric.p_lodge = "
            f"{min(target, 1.0):.4f}, changing dhs_record first, then p_lodge, removable, "
            "citizen and foreign_born as needed")
    if target > 1:
        note += f"; the share is too high for the model (needs {target:.2f} > 1)"
    first = None
    for key, value in changed.items():
        if abs(value - values[key]) > 1e-12:
            set_dotted(cal.scenario_dict, key, value)
            cal.comments[key] = [note] if first is None else [f"detainer share: see {first}"]
            first = first or key
    cal.header.insert(cal.header.index("") if "" in cal.header else len(cal.header),
                      f"Detainer share: {note}.")
