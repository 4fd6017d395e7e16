"""Metrics: the headline numbers of one replication, and their summary across replications.

Every metric is computed over the measurement window [warm-up, horizon] (or any other window,
e.g. a policy period) from the censored bookings table and the daily census, so both engines
report identically. Counts and bed-days are sums over bookings: computed on a subset of the
bookings (a group, with its own census) they add up to the totals
(:mod:`jailsim.results.breakdown`). Names are stable:
they are the keys of ``summary.json`` and are documented in ``METRICS`` (name -> meaning with
unit), which the README reproduces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from jailsim.base.names import check_names
from jailsim.model import rules
from jailsim.model.codes import sentence_code
from jailsim.model.context import Context
from jailsim.model.timetable import WeeklyStep

#: Every metric: name -> (unit, meaning). Order is the order of tables and reports.
METRICS: dict[str, tuple[str, str]] = {
    "bookings_per_day": ("per day", "bookings (both streams) booked in the window, per day"),
    "civil_arrests": (
        "count", "bookings in the window arrested for ICE alone, with no state charge (Task Force)"
    ),
    "releases_per_day": ("per day", "exits of any kind in the window, per day"),
    "adp": ("people", "average daily population: time-average census over the window"),
    "expected_los_days": ("days", "BJS expected length of stay: adp / bookings_per_day"),
    "mean_los_days": ("days", "mean length of stay of people who left in the window"),
    "median_los_days": ("days", "median length of stay of people who left in the window"),
    "mean_los_days_detainer": ("days", "mean stay of people who left with a detainer"),
    "mean_los_days_no_detainer": ("days", "mean stay of people who left without a detainer"),
    "los_ratio_detainer": ("ratio", "mean_los_days_detainer / mean_los_days_no_detainer"),
    "bed_days": ("bed-days", "occupied bed-days in the window"),
    "bed_days_per_year": ("bed-days/yr", "bed_days scaled to 365.25 days"),
    "hold_bed_days": (
        "bed-days", "bed-days held for ICE past release, until ICE took custody, in the window"
    ),
    "igsa_bed_days": (
        "bed-days", "bed-days of ICE's detainees kept in this jail under an IGSA, in the window"
    ),
    "detainer_bed_days": ("bed-days", "bed-days of people with a detainer lodged, in the window"),
    "boarded_out_bed_days": ("bed-days", "bed-days above rated capacity, in the window"),
    "attributable_bed_days": (
        "bed-days",
        "bed-days in the window caused by detainers (vs the same draws without detainer effects)",
    ),
    "attributable_bed_days_pre_release": (
        "bed-days",
        "part of attributable_bed_days before release (bail not posted because of a detainer)",
    ),
    "attributable_bed_days_hold": (
        "bed-days", "part of attributable_bed_days spent held for ICE past release"
    ),
    "attributable_bed_days_igsa": (
        "bed-days", "part of attributable_bed_days spent here as ICE's detainee (IGSA)"
    ),
    "peak_census": ("people", "highest daily average census in the window"),
    "detainers": ("count", "detainers lodged in the window on people in custody"),
    "detainers_per_1000_bookings": ("per 1,000", "detainers / bookings in the window x 1000"),
    "detainers_jem": ("count", "detainers in the window first lodged by a JEM screening"),
    "holds": ("count", "holds for ICE that started in the window"),
    "mean_hold_hours": (
        "hours", "mean hold length (to ICE custody or the hold's end), holds ended in the window"
    ),
    "hold_hours_p50": ("hours", "median hold length of holds that ended in the window"),
    "hold_hours_p90": ("hours", "90th percentile of hold length, holds ended in the window"),
    "holds_to_ice_share": ("share", "holds ended in the window with ICE taking custody"),
    "held_without_detainer_hours": (
        "hours",
        "hours people due for release in the window were kept with no detainer in force: an "
        "interview running over, or a detainer on its way (jem.at_release: finish)",
    ),
    "at_large_leads": (
        "count",
        "JEM detainers that took effect in the window after the person had left (leads for "
        "ICE at large)",
    ),
    "ice_transfers": ("count", "people transferred to ICE in the window"),
    "transfers_at_release": (
        "count",
        "of ice_transfers, those taken at the door: ICE told of the release, no one held "
        "(honor.policy notify_only, convicted_only)",
    ),
    "mandatory_detainers": (
        "count",
        "detainers lodged in the window on removable people charged with an offense ICE must "
        "lodge on (ice.mandatory_offenses)",
    ),
    "lapsed_detainers": ("count", "holds that ended at the cap without ICE in the window"),
    "cancelled_detainers": (
        "count", "holds that ended in the window when ICE cancelled the detainer"
    ),
    "detainers_to_ice_share": (
        "share",
        "detainers lodged in the window whose person ICE took into custody by the end of the run "
        "(TRAC's measure: all detainers in the denominator)",
    ),
    "detainers_held_share": (
        "share", "people with a detainer reaching release in the window who were held for ICE"
    ),
    "ice_transfers_charges_pending": (
        "count", "ICE transfers in the window of people whose criminal case was not disposed"
    ),
    "pretrial_release_share_detainer": (
        "share",
        "people whose bail was decided in the window with a detainer lodged by then, released "
        "on recognizance or on bail",
    ),
    "pretrial_release_share_no_detainer": (
        "share", "the same share for people without a detainer by their bail decision"
    ),
    "declined_detainers": ("count", "people released in the window with a detainer not held"),
    "citizen_detainers": (
        "count", "detainers lodged in the window on U.S. citizens (database or screening errors)"
    ),
    "us_born_detainers": (
        "count", "of citizen_detainers, those on people born in the U.S. (flagged by error)"
    ),
    "citizen_holds": ("count", "holds for ICE of U.S. citizens that started in the window"),
    "citizen_detainer_bed_days": (
        "bed-days", "bed-days of U.S. citizens with a detainer lodged, in the window"
    ),
    "citizen_attributable_bed_days": (
        "bed-days", "bed-days in the window caused by detainers lodged on U.S. citizens"
    ),
    "screening_coverage": (
        "share", "bookings flagged for a JEM interview that were screened before leaving"
    ),
    "mean_screening_wait_hours": ("hours", "mean wait from ready to interview, JEM"),
    "officer_utilization": ("share", "JEM officer busy time / scheduled officer time"),
    "warrants_served": ("count", "ICE warrants served by WSO officers in the window"),
    "wso_officer_utilization": ("share", "WSO officer busy time / scheduled officer time"),
}


#: The headline metrics: those the precision rule watches and a sensitivity analysis
#: analyses unless told otherwise (the DESIGN's headline numbers).
HEADLINE = ("adp", "mean_los_days", "bed_days", "hold_bed_days", "detainers", "ice_transfers")


def check_metrics(names, where: str | None = "metrics") -> list[str]:
    """``names`` as a list, if each is a metric: the one check of metric names a user gives.

    Raises
    ------
    ScenarioError
        One line: ``where: unknown metric 'adpp'; did you mean 'adp'? (allowed: ...)``.
    """
    return check_names(names, METRICS, "metric", where)


def _overlap(start: np.ndarray, end: np.ndarray, lo: float, hi: float) -> float:
    """Total length of [start, end) intervals inside [lo, hi); NaN ``end`` means still open."""
    has = ~np.isnan(start)
    s, e = start[has], end[has]  # copies, worked on in place
    e[np.isnan(e)] = hi
    np.minimum(e, hi, out=e)
    np.subtract(e, np.maximum(s, lo, out=s), out=e)
    return float(np.maximum(e, 0.0, out=e).sum())


def _is(col: pd.Series, value: str) -> np.ndarray:
    """``col == value`` as a bool array; on a categorical column, by its codes (no strings)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        if value not in cats:
            return np.zeros(len(col), dtype=bool)
        return col.cat.codes.to_numpy() == cats.get_loc(value)
    return (col == value).to_numpy(dtype=bool, na_value=False)


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else float("nan")


def _quantile(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q)) if len(x) else float("nan")


def _utilization(start, free, staff: WeeklyStep | None, lo: float, hi: float) -> float:
    if staff is None:
        return float("nan")
    scheduled = staff.integral(lo, hi)
    return _overlap(start, free, lo, hi) / scheduled if scheduled > 0 else float("nan")


def _attributable(b: pd.DataFrame, lo: float, hi: float) -> dict[str, float]:
    """Window bed-days of the factual stays minus those of the counterfactual stays."""
    booked = b["booked_at"].to_numpy()
    end = booked + b["los_days"].to_numpy()
    end_without = booked + b["counterfactual_los_days"].to_numpy()
    total = _overlap(booked, end, lo, hi) - _overlap(booked, end_without, lo, hi)
    igsa_days = b["attributable_days_igsa"].to_numpy()
    hold_end = end - igsa_days  # a hold ends where an IGSA stay begins
    hold = _overlap(hold_end - b["attributable_days_hold"].to_numpy(), hold_end, lo, hi)
    igsa = _overlap(hold_end, end, lo, hi)
    return {
        "attributable_bed_days": total,
        "attributable_bed_days_pre_release": total - hold - igsa,
        "attributable_bed_days_hold": hold,
        "attributable_bed_days_igsa": igsa,
    }


#: Metrics that are sums over bookings (counts, bed-days, officer time): over a partition of
#: the bookings they add up to the total.
ADDITIVE = (
    "bookings_per_day",
    "civil_arrests",
    "releases_per_day",
    "adp",
    "bed_days",
    "bed_days_per_year",
    "hold_bed_days",
    "detainer_bed_days",
    "boarded_out_bed_days",
    "attributable_bed_days",
    "attributable_bed_days_pre_release",
    "attributable_bed_days_hold",
    "attributable_bed_days_igsa",
    "igsa_bed_days",
    "detainers",
    "detainers_jem",
    "holds",
    "held_without_detainer_hours",
    "at_large_leads",
    "ice_transfers",
    "transfers_at_release",
    "mandatory_detainers",
    "lapsed_detainers",
    "cancelled_detainers",
    "ice_transfers_charges_pending",
    "declined_detainers",
    "citizen_detainers",
    "citizen_holds",
    "citizen_detainer_bed_days",
    "citizen_attributable_bed_days",
    "us_born_detainers",
    "officer_utilization",
    "warrants_served",
    "wso_officer_utilization",
)


def _pretrial_release(b: pd.DataFrame, within) -> dict[str, float]:
    """Share released pretrial (on recognizance or bail) among bail decisions in the window.

    Apart for people with a detainer lodged by the decision and for the others.
    """
    decided = within("bond_decided_at")
    released = (_is(b["bond_outcome"], "ror") | _is(b["bond_outcome"], "posted"))
    by = b["detainer_at"].to_numpy() <= b["bond_decided_at"].to_numpy()  # NaN: False
    out = {}
    for name, group in (("detainer", decided & by), ("no_detainer", decided & ~by)):
        n = int(group.sum())
        out[f"pretrial_release_share_{name}"] = (
            float((released & group).sum() / n) if n else float("nan")
        )
    return out


def _flagged(b: pd.DataFrame) -> np.ndarray:
    """Who was flagged for a JEM interview (folders written before the flag: the foreign-born)."""
    return b["jem_flagged" if "jem_flagged" in b else "foreign_born"].to_numpy()


def _citizen_metrics(b: pd.DataFrame, within, lo: float, hi: float) -> dict[str, float]:
    """Detainers on U.S. citizens (naturalized or U.S.-born) and the bed-days they cost."""
    us_born = ~b["foreign_born"].to_numpy()
    citizen = b["citizen"].to_numpy() | us_born
    c = b[citizen & ~_is(b["detainer_source"], "none")]  # their own detainers only
    return {
        "citizen_detainers": int((within("detainer_at") & citizen).sum()),
        "citizen_holds": int((within("hold_start_at") & citizen).sum()),
        "citizen_detainer_bed_days": _overlap(
            c["detainer_at"].to_numpy(), c["exit_at"].to_numpy(), lo, hi
        ),
        "citizen_attributable_bed_days": _attributable(c, lo, hi)["attributable_bed_days"],
        "us_born_detainers": int((within("detainer_at") & us_born).sum()),
    }


def _mandatory(b: pd.DataFrame, sc, lodged: np.ndarray) -> int:
    """Detainers (``lodged`` in the window) on removable people with a mandatory offense."""
    if not sc.ice.mandatory_offenses or "offense" not in b:
        return 0
    on = b["offense"].isin(sc.ice.mandatory_offenses).to_numpy() & b["removable"].to_numpy()
    return int((lodged & on).sum())


def _held_without_detainer(b: pd.DataFrame, due: np.ndarray, hi: float) -> float:
    """Hours people due for release (``due``) stayed with no detainer in force, up to ``hi``.

    From the release to a detainer taking effect, or to leaving without one: an interview
    that ran over, a detainer on its way (``rules.kept_for_detainer_until``).
    """
    until = np.fmin(np.fmin(b["detainer_at"].to_numpy(), b["exit_at"].to_numpy()), hi)
    late = np.clip(until - b["release_eligible_at"].to_numpy(), 0.0, None)
    return 24.0 * float(late[due].sum())


def replication_metrics(
    ctx: Context,
    b: pd.DataFrame,
    census: pd.DataFrame,
    window: tuple[float, float] | None = None,
) -> dict[str, float]:
    """Every metric of ``METRICS`` for one replication's bookings and daily census.

    ``window`` (days) defaults to [warm-up, horizon]. A window that ends before the horizon
    leaves out its end: an event at that instant belongs to the window that starts there (as
    a dated change applies from its instant), so consecutive windows count it once. ``b`` may
    be any subset of the bookings with ``census`` rebuilt from that subset.
    """
    sc = ctx.scenario
    lo, hi = window if window is not None else (sc.warmup, sc.horizon)
    length = hi - lo
    closed = hi >= sc.horizon

    def within(col: str) -> np.ndarray:
        v = b[col].to_numpy()
        return (v >= lo) & ((v <= hi) if closed else (v < hi))

    booked = within("booked_at")
    left = within("exit_at")
    los = b["los_days"].to_numpy()
    detained = ~_is(b["detainer_source"], "none")
    reason = b["exit_reason"]
    exit_ = b["exit_at"].to_numpy()
    hold_start, custody = b["hold_start_at"].to_numpy(), b["ice_custody_at"].to_numpy()
    held = ~np.isnan(hold_start)
    hold_end = np.fmin(custody, exit_)  # ICE takes custody, or the hold ends without it
    v = hold_end
    hold_ended = held & (v >= lo) & ((v <= hi) if closed else (v < hi))
    hours = b["hold_hours"].to_numpy()[hold_ended]

    # Census integrals over the window (days are whole; a partial last day is weighted).
    day = census["day"].to_numpy(dtype=float)
    width = np.clip(np.minimum(day + 1, hi) - np.maximum(day, lo), 0.0, None)
    bed_days = float((census["census"].to_numpy() * width).sum())

    n_booked = int(booked.sum())
    detainers = int(within("detainer_at").sum())
    civil = b["civil_only"].to_numpy() if "civil_only" in b else np.zeros(len(b), dtype=bool)
    m: dict[str, float] = {
        "bookings_per_day": n_booked / length,
        "civil_arrests": int((booked & civil).sum()),
        "releases_per_day": int(left.sum()) / length,
        "adp": bed_days / length,
        "mean_los_days": _mean(los[left]),
        "median_los_days": float(np.median(los[left])) if left.any() else float("nan"),
        "mean_los_days_detainer": _mean(los[left & detained]),
        "mean_los_days_no_detainer": _mean(los[left & ~detained]),
        "bed_days": bed_days,
        "bed_days_per_year": bed_days / length * 365.25,
        "hold_bed_days": _overlap(hold_start, hold_end, lo, hi),
        "igsa_bed_days": _overlap(custody, exit_, lo, hi),
        "detainer_bed_days": _overlap(b["detainer_at"].to_numpy(), exit_, lo, hi),
        "boarded_out_bed_days": float((census["boarded_out"].to_numpy() * width).sum()),
        **_attributable(b, lo, hi),
        "peak_census": float(census["census"].to_numpy()[width > 0].max(initial=0.0)),
        "detainers": detainers,
        "detainers_per_1000_bookings": 1000 * detainers / n_booked if n_booked else float("nan"),
        "detainers_jem": int((within("detainer_at") & _is(b["detainer_source"], "jem")).sum()),
        "holds": int(within("hold_start_at").sum()),
        "mean_hold_hours": _mean(hours),
        "hold_hours_p50": _quantile(hours, 0.5),
        "hold_hours_p90": _quantile(hours, 0.9),
        "held_without_detainer_hours": _held_without_detainer(
            b, within("release_eligible_at"), hi
        ),
        "at_large_leads": int(within("lead_at").sum()) if "lead_at" in b else 0,
        "holds_to_ice_share": (
            float((hold_ended & ~np.isnan(custody)).sum() / hold_ended.sum())
            if hold_ended.any() else float("nan")
        ),
        "ice_transfers": int((left & _is(reason, "ice_transfer")).sum()),
        "transfers_at_release": int(
            (within("ice_custody_at") & np.isnan(hold_start)).sum()
        ),
        "mandatory_detainers": _mandatory(b, sc, within("detainer_at")),
        "lapsed_detainers": int((left & _is(reason, "lapsed")).sum()),
        "cancelled_detainers": int((left & _is(reason, "cancelled")).sum()),
        "declined_detainers": int(
            (left & detained & _is(reason, "released") & ~held).sum()
        ),
        "detainers_to_ice_share": (
            float((within("detainer_at") & ~np.isnan(custody)).sum() / detainers)
            if detainers else float("nan")
        ),
        "ice_transfers_charges_pending": int(
            (left & _is(reason, "ice_transfer") & np.isnan(b["disposition_at"].to_numpy())).sum()
        ),
        **_pretrial_release(b, within),
        **_citizen_metrics(b, within, lo, hi),
    }
    m["expected_los_days"] = m["adp"] / m["bookings_per_day"] if n_booked else float("nan")
    reached = m["holds"] + m["declined_detainers"]
    m["detainers_held_share"] = m["holds"] / reached if reached else float("nan")
    without = m["mean_los_days_no_detainer"]
    m["los_ratio_detainer"] = m["mean_los_days_detainer"] / without if without else float("nan")

    nan = float("nan")
    m.update(
        screening_coverage=nan,
        mean_screening_wait_hours=nan,
        officer_utilization=nan,
        warrants_served=nan,
        wso_officer_utilization=nan,
    )
    if ctx.jem_staff is not None:
        # The bookings table names the sentence once the case is disposed in custody: where
        # JEM screens after sentence, those sentenced to jail are whom it screens.
        sentence = sentence_code(b["sentence"].to_numpy())
        eligible = booked & rules.jem_screens(ctx.policy, _flagged(b), b["booked_at"].to_numpy(),
                                              sentence)
        started = b["screened_at"].notna().to_numpy()
        resolved = eligible & (started | b["exit_at"].notna().to_numpy())
        m["screening_coverage"] = (
            float(started[resolved].mean()) if resolved.any() else nan
        )
        ready_in = within("screen_ready_at") & started
        wait = b["screened_at"].to_numpy() - b["screen_ready_at"].to_numpy()
        m["mean_screening_wait_hours"] = _mean(wait[ready_in]) * 24.0
        m["officer_utilization"] = _utilization(
            b["screened_at"].to_numpy(), b["officer_free_at"].to_numpy(), ctx.jem_staff, lo, hi
        )
    if ctx.wso_staff is not None:
        m["warrants_served"] = int(within("warrant_served_at").sum())
        m["wso_officer_utilization"] = _utilization(
            b["warrant_start_at"].to_numpy(),
            b["warrant_served_at"].to_numpy(),
            ctx.wso_staff,
            lo,
            hi,
        )
    return {k: float(m[k]) for k in METRICS}


def summarize(per_replication: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of each metric across replications (rows: metrics).

    Columns ``unit`` (from :data:`METRICS`, the one place a metric's unit is written),
    ``mean``, ``ci_low``, ``ci_high``, ``n`` (replications where the metric is defined).
    With one replication the interval is NaN (no spread to estimate).
    """
    rows = {}
    for name in METRICS:
        mean, half, n = mean_interval(per_replication[name].to_numpy(dtype=float), confidence)
        rows[name] = {"unit": METRICS[name][0], "mean": mean, "ci_low": mean - half,
                      "ci_high": mean + half, "n": n}
    return pd.DataFrame.from_dict(rows, orient="index")


def mean_interval(x: np.ndarray, confidence: float = 0.95) -> tuple[float, float, int]:
    """Mean, t-interval half-width and count of the non-NaN values of ``x``.

    The half-width is NaN with fewer than two values (no spread to estimate).
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    mean = float(x.mean()) if n else float("nan")
    if n < 2:
        return mean, float("nan"), n
    return mean, float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)), n
