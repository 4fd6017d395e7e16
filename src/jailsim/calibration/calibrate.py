"""Calibration: a scenario fitted to a county's booking export, with its provenance.

:func:`calibrate` reads an export (:mod:`jailsim.county.exports`), fits what the export can tell
about the jail and writes it as a scenario that ``extends: jailsim:base_county.yaml``; every
other input keeps the base county's value and cited source. What is fitted, and how:

* Arrivals: a Poisson model of bookings per clock hour, ``rate x weight(hour of week) x
  (1 + trend) ** years``, by maximum likelihood; the profile is either hour-of-day times
  day-of-week (30 weights) or a free hour-of-week profile (168), with or without a trend, chosen
  by AIC.
* Charge mix: the share of bookings in each charge group.
* Stays, by charge group: censoring-aware fits (:mod:`jailsim.calibration.stayfit`) mapped onto the court
  path (pretrial release after a delay, or held to disposition); see :meth:`StayFit.paths`.
* Immigration holds, when the export has them: the share of bookings with a detainer (matched
  by simulation, since a detainer lodged after release never shows), the hold cap from holds
  that ended without ICE, and ICE's pickup delay and pickup probability from transfers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import optimize, special

from jailsim._version import __version__
from jailsim.base.atomic import atomic_write_text
from jailsim.calibration.arrivalfit import ArrivalFit, fit_arrivals
from jailsim.calibration.stayfit import SELECTION, Stays, fit_stays, format_days
from jailsim.county.exports import Export, read_export
from jailsim.scenario.loading import load, validate
from jailsim.scenario.paths import set_dotted
from jailsim.scenario.schema import Scenario

__all__ = ["ArrivalFit", "Calibration", "HoldFit", "calibrate", "fit_arrivals", "fit_holds"]

BASE = "jailsim:base_county.yaml"
#: Charge groups with fewer bookings than this are pooled into ``other``.
MIN_GROUP = 100
#: Court settings that make the court path reproduce a fitted stay exactly: appearances every
#: half hour from booking, no processing time (see :meth:`StayFit.paths`).
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


# ---------------------------------------------------------------------------------------------
# Holds


@dataclass(frozen=True, eq=False)
class HoldFit:
    """Immigration holds in the export: how many, how long, and how they ended."""

    n: int
    n_hold: int
    share: float
    share_se: float
    outcomes: dict
    hours: pd.DataFrame
    cap_hours: float | None
    pickup: tuple[float, float] | None  # lognormal (median, p90) in days
    p_pickup: float | None
    notes: list = field(default_factory=list)


def _truncated_lognormal(d: np.ndarray, cap: float) -> tuple[float, float]:
    y = np.log(d)

    def nll(th):
        mu, s = th[0], np.exp(th[1])
        z = (y - mu) / s
        return float(np.sum(0.5 * z * z + np.log(s)) + len(y) * -special.log_ndtr(
            (np.log(cap) - mu) / s))

    res = optimize.minimize(nll, [np.median(y), np.log(max(np.std(y), 0.1))],
                            method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10})
    return float(res.x[0]), float(np.exp(res.x[1]))


def fit_holds(export: Export, base_cap_days: float = 2.0) -> HoldFit | None:
    """Share, duration and outcome of holds; None when the export says nothing about holds."""
    cols = export.columns
    if not any(r in cols for r in ("hold", "hold_start", "hold_end")):
        return None
    b = export.bookings
    n, k = len(b), int(b["hold"].sum())
    share = k / n
    held = b[b["hold"]]
    outcomes = held["hold_outcome"].value_counts().to_dict()
    hours = held[["hold_hours", "hold_outcome"]].dropna()
    notes = []
    cap_hours = None
    lapsed = hours.loc[hours["hold_outcome"] == "released", "hold_hours"]
    lapsed = lapsed[lapsed > 0]
    if len(lapsed) >= 20:
        cap_hours = float(np.round(np.median(lapsed)))
    elif len(hours):
        notes.append(f"only {len(lapsed)} holds ended without ICE: hold cap kept from base")
    cap = cap_hours / 24 if cap_hours else base_cap_days
    pickup = p_pickup = None
    if "reason" not in cols:
        notes.append("no release reason column: ICE transfers unknown, ICE values kept from base")
    else:
        moved = hours.loc[hours["hold_outcome"] == "ice", "hold_hours"] / 24
        moved = moved[moved > 0]
        over = int((moved > cap).sum())
        if over:
            notes.append(f"{over} transfers to ICE came after the hold cap; read as at the cap")
        if len(moved) >= 10:
            mu, s = _truncated_lognormal(np.minimum(moved.to_numpy(), cap), cap)
            pickup = (float(np.exp(mu)), float(np.exp(mu + special.ndtri(0.9) * s)))
            known = outcomes.get("ice", 0) + outcomes.get("released", 0)
            within = float(special.ndtr((np.log(cap) - mu) / s))
            p_pickup = min(1.0, outcomes.get("ice", 0) / known / within) if known else None
        else:
            notes.append(f"only {len(moved)} timed transfers to ICE: pickup delay kept from base")
    return HoldFit(n=n, n_hold=k, share=share, share_se=float(np.sqrt(share * (1 - share) / n)),
                   outcomes=outcomes, hours=hours, cap_hours=cap_hours, pickup=pickup,
                   p_pickup=p_pickup, notes=notes)


# ---------------------------------------------------------------------------------------------
# The calibration


@dataclass(frozen=True, eq=False)
class Calibration:
    """A fitted scenario with its fits, the cleaning log and provenance.

    ``scenario_dict`` is the scenario file's content (it ``extends`` the base county);
    ``comments`` maps dotted keys to the comment lines written above them.

    Examples
    --------
    >>> import jailsim
    >>> from jailsim.county.exports import to_export
    >>> sc = jailsim.load("jailsim:base_county.yaml").with_(
    ...     {"warm_start.kind": "none", "horizon": "180d"})
    >>> export = to_export(jailsim.simulate(sc, seed=1).bookings, sc.start_date)
    >>> cal = jailsim.calibrate(export, families=["lognormal"])
    >>> sorted(cal.scenario_dict["charges"])
    ['felony', 'misdemeanor']
    >>> isinstance(cal.scenario(), jailsim.Scenario)
    True
    """

    export: Export
    arrivals: ArrivalFit
    stays: dict
    groups: pd.Series  # charge group of each booking of export.bookings
    holds: HoldFit | None
    scenario_dict: dict
    comments: dict
    header: list

    @property
    def log(self):
        """The export's cleaning log (rows dropped, merged and repaired, by reason)."""
        return self.export.log

    @property
    def fits(self) -> dict:
        """``{"arrivals": ArrivalFit, "stays": {group: StayFits}, "holds": HoldFit|None}``."""
        return {"arrivals": self.arrivals, "stays": self.stays, "holds": self.holds}

    def scenario(self) -> Scenario:
        """The fitted scenario, validated."""
        return validate(self.scenario_dict, source="<calibration>")

    def yaml(self) -> str:
        """The scenario file's text: provenance header, then keys with their comments."""
        lines = [out for line in self.header for out in _comment("", line)]
        return "\n".join(lines + _emit(self.scenario_dict, "", 0, self.comments)) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write the scenario file (atomically) and check that it loads."""
        path = Path(path)
        atomic_write_text(path, self.yaml())
        load(path)
        return path

    def summary_lines(self) -> list[str]:
        """What was fitted, in a few lines (printed by ``jailsim calibrate``)."""
        a = self.arrivals
        trend = (f"trend {a.trend:+.3f}/year (SE {a.trend_se:.3f})" if a.model.endswith("trend")
                 else "no trend")
        out = [f"arrivals: {a.rate:.2f}/day (SE {a.rate_se:.2f}) at {self.export.start.date()},"
               f" {trend}, profile {a.model} (by AIC)"]
        for g, fits in self.stays.items():
            best = fits.best
            p, se = best.params(), best.se()
            out.append(f"stay [{g}]: {best.name}, mean {p['mean']:.1f} d (SE {se['mean']:.1f}),"
                       f" {fits.stays.n:,} stays ({int(fits.stays.held.sum()):,} still held);"
                       f" naive mean of released {fits.stays.naive_mean():.1f} d")
        if self.holds is not None:
            h = self.holds
            out.append(f"holds: {h.n_hold:,} of {h.n:,} bookings ({h.share:.2%}), outcomes "
                       f"{h.outcomes}")
        return out

    def report(self, folder, *, replications: int = 20, seed: int = 1):
        """Write the fit report folder (see :func:`jailsim.calibration.fitreport.fit_report`)."""
        from jailsim.calibration.fitreport import fit_report

        return fit_report(self, folder, replications=replications, seed=seed)


def _groups(export: Export, min_group: int) -> tuple[pd.Series, bool]:
    """Charge group of each booking; small and blank groups pooled into ``other``."""
    charge = export.bookings["charge"]
    if charge.isna().all():
        return pd.Series("all", index=charge.index), False
    counts = charge.value_counts()
    small = set(counts[counts < min_group].index)
    pooled = charge.isna() | charge.isin(small)
    out = charge.where(~pooled, "other")
    if pooled.any():
        why = f"charge blank or in a group under {min_group} bookings: pooled as 'other'"
        if (out == "other").sum() < min_group:
            if (out == "other").all():  # every group is small: one group of all bookings
                export.log.add("repaired", f"every charge group under {min_group} bookings: "
                               "one group 'all'", export.bookings["line"])
                return pd.Series("all", index=charge.index), False
            largest = out[out != "other"].value_counts().index[0]
            out = out.where(out != "other", largest)
            why = f"charge blank or in a group under {min_group} bookings: pooled into {largest!r}"
        export.log.add("repaired", why, export.bookings["line"][pooled])
    return out.astype(str), True


def calibrate(
    data,
    *,
    columns: dict[str, str] | None = None,
    timezone: str | None = None,
    as_of=None,
    name: str | None = None,
    min_group: int = MIN_GROUP,
    families: list[str] | None = None,
    seed: int = 0,
) -> Calibration:
    """Fit a scenario to a booking export.

    Parameters
    ----------
    data : str, Path or pandas.DataFrame
        The export (see :func:`jailsim.county.exports.read_export` for what it may hold).
    columns, timezone, as_of
        Passed to :func:`~jailsim.county.exports.read_export`.
    name : str, optional
        Scenario name (default: the file name + " (calibrated)").
    min_group : int
        Charge groups with fewer bookings are pooled into ``other``.
    families : list of str, optional
        Stay models to consider (names in :data:`jailsim.calibration.stayfit.FAMILIES`; default all).
    seed : int
        Seed of the mixture fits' extra start and of the simulation that matches the hold
        share (the result is deterministic for a seed).

    Returns
    -------
    Calibration
        ``.write(path)`` writes the scenario; ``.log`` is the cleaning log; ``.fits`` the fits.

    Examples
    --------
    Fit the base county's own bookings (simulated, starting empty) and find its booking rate,
    15.6 a day, again, within 4 standard errors of a Poisson count over 180 days:

    >>> import jailsim
    >>> from jailsim.county.exports import to_export
    >>> sc = jailsim.load("jailsim:base_county.yaml").with_(
    ...     {"warm_start.kind": "none", "horizon": "180d"})
    >>> export = to_export(jailsim.simulate(sc, seed=1).bookings, sc.start_date)
    >>> cal = jailsim.calibrate(export, families=["lognormal"])
    >>> rate = cal.scenario().arrivals.bookings.rate
    >>> bool(abs(rate - 15.6) < 4 * (15.6 / 180) ** 0.5)
    True
    """
    export = read_export(data, columns=columns, timezone=timezone, as_of=as_of)
    arrivals = fit_arrivals(export)
    group, has_charge = _groups(export, min_group)
    hold = export.bookings["hold"].to_numpy()
    use = ~hold if hold.any() and (~hold).sum() >= 30 else np.ones(len(hold), dtype=bool)
    b = export.bookings
    stays = {}
    for g in sorted(group.unique()):
        sel = (group == g).to_numpy() & use
        data = Stays(*(b[c].to_numpy()[sel] for c in ("stay_lo", "stay_hi", "stay_shift")))
        stays[g] = fit_stays(data, families=families, seed=seed)
    base = load(BASE)
    holds = fit_holds(export, base.hold.cap)
    data_, comments, header = _scenario(export, arrivals, stays, group, has_charge, holds,
                                        base, name, bool(hold.any()))
    cal = Calibration(export, arrivals, stays, group, holds, data_, comments, header)
    if holds is not None:
        _match_hold_share(cal, base, seed)
    return cal


# ---------------------------------------------------------------------------------------------
# The scenario


def _r(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def _scenario(export, arrivals, stays, group, has_charge, holds, base, name, hold_excluded):
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
    comments["arrivals.bookings.profile.trend_per_year"] = [
        f"SE {a.trend_se:.3f}" if a.model.endswith("trend") else "no trend: chosen by AIC"]
    comments["arrivals.bookings.profile"] = [
        f"profile model {a.model!r}, chosen by AIC from "
        + ", ".join(f"{m} (dAIC {d:.1f})" for m, d in zip(a.candidates["model"],
                                                            a.candidates["delta_aic"],
                                                            strict=True))
    ]
    stream["profile"] = prof
    if has_charge:
        shares = group.value_counts(normalize=True)
        stream["charge_mix"] = {g: _r(float(shares[g]), 5) for g in stays}
        diff = 1.0 - sum(stream["charge_mix"].values())
        top = max(stream["charge_mix"], key=stream["charge_mix"].get)
        stream["charge_mix"][top] = _r(stream["charge_mix"][top] + diff, 6)
        comments["arrivals.bookings.charge_mix"] = ["share of bookings by charge group"]
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
            if best.name.startswith("release"):
                comments[f"charges.{cname}.pretrial.bail"] = [
                    f"share released pretrial (SE {se['release_share']:.3f}); post: 1 means "
                    "all of them post, unless a detainer lowers it (bond.detainer_factor)"]
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
    header = _header(export, log, file_name, hold_excluded, holds)
    return data, comments, header


def _hold_blocks(data, comments, holds: HoldFit, base) -> None:
    if holds.cap_hours:
        data["hold"] = {"cap": f"{holds.cap_hours:g}h"}
        comments["hold.cap"] = [f"median length of holds that ended without ICE "
                                f"({holds.outcomes.get('released', 0):,} holds)"]
    if holds.pickup is not None:
        med, p90 = holds.pickup
        data["ice"] = {"p_pickup": _r(holds.p_pickup, 4),
                       "pickup_delay": {"dist": "lognormal", "median": format_days(med),
                                        "p90": format_days(max(p90, med * 1.01))}}
        comments["ice.p_pickup"] = [
            f"{holds.outcomes.get('ice', 0):,} of {holds.outcomes.get('ice', 0) + holds.outcomes.get('released', 0):,}"  # noqa: E501
            " holds ended in an ICE transfer, divided by P(pickup delay < hold cap)"]
        comments["ice.pickup_delay"] = ["lognormal fitted to the hold hours of transfers, "
                                        "truncated at the hold cap"]


def _header(export: Export, log, file_name, hold_excluded, holds) -> list[str]:
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
        "Fitted here: booking rate, weekly profile and trend; charge mix; stays by charge group"
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
        "detainer still lowers bail posting (bond.detainer_factor, kept from base) where a group",
        "has a pretrial-release share; in a group held to disposition it has no bail to act on.",
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


def _match_hold_share(cal: Calibration, base: Scenario, seed: int) -> None:
    """Set the detainer chain so the simulated share of bookings with a detainer is observed.

    A detainer lodged after a person left never shows, so the share is ``eligible x q`` with
    ``q`` the chance that the detainer comes in time; ``q`` is estimated by simulating the
    calibrated scenario with everyone eligible over the export's window.
    """
    from jailsim.experiments.simulate import simulate

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


# ---------------------------------------------------------------------------------------------
# YAML text with comments


WIDTH = 98


def _scalar(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _flow(value, indent: int) -> str:
    """Flow-style YAML; a long list of scalars is wrapped under its opening bracket."""
    if isinstance(value, list) and value and all(not isinstance(x, (dict, list)) for x in value):
        items = [f"{x:g}" if isinstance(x, float) else
                 "'" + x.replace("'", "''") + "'" if isinstance(x, str) else _scalar(x)
                 for x in value]
        rows, row = [], []
        for item in items:
            if row and indent + 2 + len(", ".join([*row, item])) > WIDTH:
                rows.append(row)
                row = []
            row.append(item)
        rows.append(row)
        return "[" + (",\n" + " " * (indent + 1)).join(", ".join(r) for r in rows) + "]"
    return _scalar(value)


def _comment(pad: str, text: str) -> list[str]:
    hang = " " * (len(text) - len(text.lstrip()) + 2)
    lines = textwrap.wrap(text, WIDTH - len(pad) - 2, subsequent_indent=hang,
                          drop_whitespace=False) if text.strip() else []
    return [f"{pad}# {line.rstrip()}" for line in lines] or [f"{pad}#"]


def _emit(node: dict, path: str, indent: int, comments: dict) -> list[str]:
    pad = " " * indent
    lines = []
    for key, value in node.items():
        here = f"{path}.{key}" if path else key
        for c in comments.get(here, []):
            lines += _comment(pad, c)
        mixture = isinstance(value, dict) and value.get("dist") == "mixture"
        block = isinstance(value, dict) and "dist" not in value and not (
            all(not isinstance(v, (dict, list)) for v in value.values()) and len(value) <= 6
        )
        if mixture:
            lines += [f"{pad}{key}:", f"{pad}  dist: mixture", f"{pad}  components:"]
            lines += [f"{pad}    - {_scalar(c)}" for c in value["components"]]
        elif block:
            lines.append(f"{pad}{key}:")
            lines += _emit(value, here, indent + 2, comments)
        else:
            lines.append(f"{pad}{key}: {_flow(value, indent + len(key) + 2)}")
    return lines
