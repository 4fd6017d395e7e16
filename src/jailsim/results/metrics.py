"""Metrics: the headline numbers of one replication, and their summary across replications.

Every metric is computed over the measurement window [warm-up, horizon] (or any other window,
e.g. a policy period) from the censored bookings table and the daily census, so both engines
report identically. Counts and bed-days are sums over bookings: computed on a subset of the
bookings (a group, with its own census) they add up to the totals
(:mod:`jailsim.results.breakdown`), and over batches of rows of one table
(:class:`MetricSums`, which keeps the stays and hold lengths the quantiles need, or only
those near each quantile). Names are
stable: they are the keys of ``summary.json`` and are documented in ``METRICS`` (name ->
meaning with unit), which the README reproduces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jailsim.model import rules
from jailsim.model.codes import sentence_code
from jailsim.model.context import Context
from jailsim.model.timetable import WeeklyStep

# the names of the metrics live in a light module (the command line's help lists them)
from jailsim.results.metricnames import HEADLINE as HEADLINE
from jailsim.results.metricnames import METRICS as METRICS
from jailsim.results.metricnames import check_metrics as check_metrics
from jailsim.results.quantiles import Quantile


def _overlap(start: np.ndarray, end: np.ndarray, lo: float, hi: float) -> float:
    """Total length of [start, end) intervals inside [lo, hi); NaN ``end`` means still open."""
    has = ~np.isnan(start)
    # copies, worked on in place (a plain copy when all start: cheaper than a selection)
    s, e = (start.copy(), end.copy()) if has.all() else (start[has], end[has])
    e[np.isnan(e)] = hi
    np.minimum(e, hi, out=e)
    np.subtract(e, np.maximum(s, lo, out=s), out=e)
    return float(np.maximum(e, 0.0, out=e).sum())


class _Columns:
    """The bookings table's columns as numpy arrays, each taken from the DataFrame once.

    Reading a DataFrame column costs far more than the arithmetic on it, so the metrics read
    each column they need once, here. ``cols[name]``: a number or flag column's array. A text
    column is read by its categorical codes (the bookings table's), so asking which rows hold
    a value compares small integers, never strings (any other column: by value).
    """

    def __init__(self, b: pd.DataFrame):
        self.frame = b
        self._arrays: dict[str, np.ndarray] = {}
        self._coded: dict[str, tuple[np.ndarray, list] | None] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.frame

    def __getitem__(self, name: str) -> np.ndarray:
        a = self._arrays.get(name)
        if a is None:
            a = self._arrays[name] = self.frame[name].to_numpy()
        return a

    def _codes(self, name: str) -> tuple[np.ndarray, list] | None:
        """A categorical column's codes (-1: missing) and categories; None for any other."""
        if name not in self._coded:
            col = self.frame[name]
            self._coded[name] = (
                (col.array.codes, col.array.categories.tolist())
                if isinstance(col.dtype, pd.CategoricalDtype) else None
            )
        return self._coded[name]

    def is_(self, name: str, *values: str) -> np.ndarray:
        """Whether column ``name`` holds one of ``values``, as a bool array (missing: False)."""
        coded = self._codes(name)
        if coded is None:
            return self.frame[name].isin(values).to_numpy(dtype=bool, na_value=False)
        codes, names = coded
        out = np.zeros(len(codes), dtype=bool)
        for k in (k for k, v in enumerate(names) if v in values):
            out |= codes == k
        return out

    def mapped(self, name: str, f) -> np.ndarray:
        """``f`` (values -> array, elementwise) of column ``name``: once per category."""
        coded = self._codes(name)
        if coded is None:
            return f(self.frame[name].to_numpy())
        codes, names = coded
        return f(np.array([*names, np.nan], dtype=object))[codes]  # code -1: the NaN


def _tally(name: str, x: np.ndarray) -> dict[str, float]:
    """The sum of the values ``x`` as ``name`` and their count as ``name_n``: a mean's parts."""
    return {name: float(x.sum()), f"{name}_n": len(x)}


def _ratio(num: float, den: float) -> float:
    """``num / den``: a mean or share, NaN when ``den`` is zero (a mean of nothing)."""
    return float(num / den) if den else float("nan")


def _utilization(busy: float, staff: WeeklyStep, lo: float, hi: float) -> float:
    """Officer ``busy`` time over the officer time scheduled in [lo, hi) (NaN: none)."""
    scheduled = staff.integral(lo, hi)
    return busy / scheduled if scheduled > 0 else float("nan")


def _attributable(t: _Columns, lo: float, hi: float, rows=slice(None)) -> dict[str, float]:
    """Window bed-days of the factual stays minus those of the counterfactual stays.

    Of the bookings ``rows`` (a bool mask; default all).
    """
    booked = t["booked_at"][rows]
    end = booked + t["los_days"][rows]
    end_without = booked + t["counterfactual_los_days"][rows]
    total = _overlap(booked, end, lo, hi) - _overlap(booked, end_without, lo, hi)
    igsa_days = t["attributable_days_igsa"][rows]
    hold_end = end - igsa_days  # a hold ends where an IGSA stay begins
    hold = _overlap(hold_end - t["attributable_days_hold"][rows], hold_end, lo, hi)
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


def _pretrial_release(t: _Columns, within) -> dict[str, int]:
    """Bail decisions in the window, and releases pretrial (on recognizance or bail) of them.

    Apart for people with a detainer lodged by the decision and for the others.
    """
    decided = within("bond_decided_at")
    released = t.is_("bond_outcome", "ror", "posted")
    by = t["detainer_at"] <= t["bond_decided_at"]  # NaN: False
    out = {}
    for name, group in (("detainer", decided & by), ("no_detainer", decided & ~by)):
        out[f"bail_decided_{name}"] = int(group.sum())
        out[f"bail_released_{name}"] = int((released & group).sum())
    return out


def _flagged(t: _Columns) -> np.ndarray:
    """Who was flagged for a JEM interview (folders written before the flag: the foreign-born)."""
    return t["jem_flagged" if "jem_flagged" in t else "foreign_born"]


def _citizen_metrics(t: _Columns, within, detained, lo: float, hi: float) -> dict[str, float]:
    """Detainers on U.S. citizens (naturalized or U.S.-born) and the bed-days they cost."""
    us_born = ~t["foreign_born"]
    citizen = t["citizen"] | us_born
    own = citizen & detained  # their own detainers only
    return {
        "citizen_detainers": int((within("detainer_at") & citizen).sum()),
        "citizen_holds": int((within("hold_start_at") & citizen).sum()),
        "citizen_detainer_bed_days": _overlap(t["detainer_at"][own], t["exit_at"][own], lo, hi),
        "citizen_attributable_bed_days": _attributable(t, lo, hi, own)["attributable_bed_days"],
        "us_born_detainers": int((within("detainer_at") & us_born).sum()),
    }


def _mandatory(t: _Columns, sc, lodged: np.ndarray) -> int:
    """Detainers (``lodged`` in the window) on removable people with a mandatory offense."""
    if not sc.ice.mandatory_offenses or "offense" not in t:
        return 0
    on = t.is_("offense", *sc.ice.mandatory_offenses) & t["removable"]
    return int((lodged & on).sum())


def _held_without_detainer(t: _Columns, due: np.ndarray, hi: float) -> float:
    """Hours people due for release (``due``) stayed with no detainer in force, up to ``hi``.

    From the release to a detainer taking effect, or to leaving without one: an interview
    that ran over, a detainer on its way (``rules.kept_for_detainer_until``).
    """
    until = np.fmin(np.fmin(t["detainer_at"], t["exit_at"]), hi)
    late = np.clip(until - t["release_eligible_at"], 0.0, None)
    return 24.0 * float(late[due].sum())


def _sums(
    ctx: Context, t: _Columns, lo: float, hi: float
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The sums over the bookings ``t`` that the metrics in the window [lo, hi] are made of.

    Returns the sums (name -> count or float; a sum named after a metric is that metric) and
    the values the quantiles need (``los_days`` of people who left in the window,
    ``hold_hours`` of holds that ended in it).
    """
    sc = ctx.scenario
    closed = hi >= sc.horizon
    seen: dict[str, np.ndarray] = {}

    def inside(v: np.ndarray) -> np.ndarray:
        """Whether the times ``v`` fall in the window (NaN: never)."""
        return (v >= lo) & ((v <= hi) if closed else (v < hi))

    def within(col: str) -> np.ndarray:
        """``inside`` for a time column, computed once."""
        if col not in seen:
            seen[col] = inside(t[col])
        return seen[col]

    booked = within("booked_at")
    left = within("exit_at")
    lodged = within("detainer_at")
    los = t["los_days"]
    stays = los[left]
    detained = ~t.is_("detainer_source", "none")
    reason = {r: left & t.is_("exit_reason", r)
              for r in ("ice_transfer", "lapsed", "cancelled", "released")}  # who left how
    exit_ = t["exit_at"]
    hold_start, custody = t["hold_start_at"], t["ice_custody_at"]
    held = ~np.isnan(hold_start)
    hold_end = np.fmin(custody, exit_)  # ICE takes custody, or the hold ends without it
    hold_ended = held & inside(hold_end)
    hours = t["hold_hours"][hold_ended]
    civil = t["civil_only"] if "civil_only" in t else np.zeros(len(t.frame), dtype=bool)
    s: dict[str, float] = {
        "booked": int(booked.sum()),
        "civil_arrests": int((booked & civil).sum()),
        **_tally("los_days", stays),
        **_tally("los_days_detainer", los[left & detained]),
        **_tally("los_days_no_detainer", los[left & ~detained]),
        "hold_bed_days": _overlap(hold_start, hold_end, lo, hi),
        "igsa_bed_days": _overlap(custody, exit_, lo, hi),
        "detainer_bed_days": _overlap(t["detainer_at"], exit_, lo, hi),
        **_attributable(t, lo, hi),
        "detainers": int(lodged.sum()),
        "detainers_jem": int((lodged & t.is_("detainer_source", "jem")).sum()),
        "detainers_to_ice": int((lodged & ~np.isnan(custody)).sum()),
        "holds": int(within("hold_start_at").sum()),
        **_tally("hold_hours", hours),
        "holds_to_ice": int((hold_ended & ~np.isnan(custody)).sum()),
        "held_without_detainer_hours": _held_without_detainer(
            t, within("release_eligible_at"), hi
        ),
        "at_large_leads": int(within("lead_at").sum()) if "lead_at" in t else 0,
        "ice_transfers": int(reason["ice_transfer"].sum()),
        "transfers_at_release": int((within("ice_custody_at") & ~held).sum()),
        "mandatory_detainers": _mandatory(t, sc, lodged),
        "lapsed_detainers": int(reason["lapsed"].sum()),
        "cancelled_detainers": int(reason["cancelled"].sum()),
        "declined_detainers": int((reason["released"] & detained & ~held).sum()),
        "ice_transfers_charges_pending": int(
            (reason["ice_transfer"] & np.isnan(t["disposition_at"])).sum()
        ),
        **_pretrial_release(t, within),
        **_citizen_metrics(t, within, detained, lo, hi),
    }
    if ctx.jem_staff is not None:
        # The bookings table names the sentence once the case is disposed in custody: where
        # JEM screens after sentence, those sentenced to jail are whom it screens.
        sentence = t.mapped("sentence", sentence_code)
        eligible = booked & rules.jem_screens(ctx.policy, _flagged(t), t["booked_at"], sentence)
        screened = t["screened_at"]
        started = ~np.isnan(screened)
        resolved = eligible & (started | ~np.isnan(exit_))
        ready_in = within("screen_ready_at") & started
        s.update(
            screenings_resolved=int(resolved.sum()),
            screenings_started=int((resolved & started).sum()),
            **_tally("screening_wait_days", (screened - t["screen_ready_at"])[ready_in]),
            jem_busy_days=_overlap(screened, t["officer_free_at"], lo, hi),
        )
    if ctx.wso_staff is not None:
        s.update(
            warrants_served=int(within("warrant_served_at").sum()),
            wso_busy_days=_overlap(t["warrant_start_at"], t["warrant_served_at"], lo, hi),
        )
    return s, {"los_days": stays, "hold_hours": hours}


class MetricSums:
    """The sums over bookings that one replication's metrics are made of, batch by batch.

    Counts, sums of stays and hours, bed-days of stays and holds clipped to the window,
    officer busy time: each a sum over bookings, so batches of rows of the bookings table
    (any rows, each once, in any order) add theirs (:meth:`add`). The quantiles need the
    values: the stays of people who left in the window and the lengths of holds that ended
    in it are kept, nothing else per booking (and of those, once a stream lets its quantiles
    settle, only the ones near each: :class:`~jailsim.results.quantiles.Quantile`, exact,
    or :class:`~jailsim.results.quantiles.WindowMissed`). :meth:`metrics` makes every metric of
    ``METRICS`` of them and of the daily census, which gives the bed-days, the boarded-out
    bed-days and the peak (the last two not sums over bookings); :func:`replication_metrics`
    is the whole table as one batch.

    Parameters
    ----------
    ctx : Context
        The run's scenario (window, horizon) and officer timetables.
    window : (float, float), optional
        The measurement window (days); defaults to [warm-up, horizon].
    """

    def __init__(self, ctx: Context, window: tuple[float, float] | None = None):
        sc = ctx.scenario
        self.ctx = ctx
        self.window = window if window is not None else (sc.warmup, sc.horizon)
        self.sums: dict[str, float] = {}
        self.quantiles = {  # metric -> (the values it is of, its Quantile)
            "median_los_days": ("los_days", Quantile(0.5, median=True)),
            "hold_hours_p50": ("hold_hours", Quantile(0.5)),
            "hold_hours_p90": ("hold_hours", Quantile(0.9)),
        }

    def add(self, part: pd.DataFrame) -> MetricSums:
        """Add the sums of the rows ``part`` of the bookings table; returns self."""
        sums, values = _sums(self.ctx, _Columns(part), *self.window)
        for k, v in sums.items():
            self.sums[k] = self.sums[k] + v if k in self.sums else v
        for of, quantile in self.quantiles.values():
            quantile.add(values[of])
        return self

    def metrics(self, census: pd.DataFrame) -> dict[str, float]:
        """Every metric of ``METRICS`` from the sums so far and the daily ``census``."""
        ctx, s = self.ctx, self.sums
        lo, hi = self.window
        length = hi - lo
        # Census integrals over the window (days are whole; a partial last day is weighted).
        day = census["day"].to_numpy(dtype=float)
        width = np.clip(np.minimum(day + 1, hi) - np.maximum(day, lo), 0.0, None)
        daily = census["census"].to_numpy()
        bed_days = float((daily * width).sum())
        n_booked, detainers = s["booked"], s["detainers"]
        nan = float("nan")
        m: dict[str, float] = {
            **dict.fromkeys(("screening_coverage", "mean_screening_wait_hours",
                             "officer_utilization", "warrants_served",
                             "wso_officer_utilization"), nan),
            **{k: v for k, v in s.items() if k in METRICS},  # sums that are metrics
            "bookings_per_day": n_booked / length,
            "releases_per_day": s["los_days_n"] / length,
            "adp": bed_days / length,
            "mean_los_days": _ratio(s["los_days"], s["los_days_n"]),
            **{name: quantile.value() for name, (_, quantile) in self.quantiles.items()},
            "mean_los_days_detainer": _ratio(s["los_days_detainer"], s["los_days_detainer_n"]),
            "mean_los_days_no_detainer": _ratio(s["los_days_no_detainer"],
                                                s["los_days_no_detainer_n"]),
            "bed_days": bed_days,
            "bed_days_per_year": bed_days / length * 365.25,
            "boarded_out_bed_days": float((census["boarded_out"].to_numpy() * width).sum()),
            "peak_census": float(daily[width > 0].max(initial=0.0)),
            "detainers_per_1000_bookings": _ratio(1000 * detainers, n_booked),
            "mean_hold_hours": _ratio(s["hold_hours"], s["hold_hours_n"]),
            "holds_to_ice_share": _ratio(s["holds_to_ice"], s["hold_hours_n"]),
            "detainers_to_ice_share": _ratio(s["detainers_to_ice"], detainers),
            **{f"pretrial_release_share_{g}": _ratio(s[f"bail_released_{g}"],
                                                     s[f"bail_decided_{g}"])
               for g in ("detainer", "no_detainer")},
        }
        m["expected_los_days"] = _ratio(m["adp"], m["bookings_per_day"])
        m["detainers_held_share"] = _ratio(m["holds"], m["holds"] + m["declined_detainers"])
        without = m["mean_los_days_no_detainer"]
        m["los_ratio_detainer"] = m["mean_los_days_detainer"] / without if without else nan
        if ctx.jem_staff is not None:
            m["screening_coverage"] = _ratio(s["screenings_started"], s["screenings_resolved"])
            m["mean_screening_wait_hours"] = _ratio(
                s["screening_wait_days"], s["screening_wait_days_n"]
            ) * 24.0
            m["officer_utilization"] = _utilization(s["jem_busy_days"], ctx.jem_staff, lo, hi)
        if ctx.wso_staff is not None:
            m["wso_officer_utilization"] = _utilization(s["wso_busy_days"], ctx.wso_staff,
                                                        lo, hi)
        return {k: float(m[k]) for k in METRICS}


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
    be any subset of the bookings with ``census`` rebuilt from that subset. The whole table
    as the one batch of a :class:`MetricSums`.
    """
    return MetricSums(ctx, window).add(b).metrics(census)


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
    from scipy import stats  # a second to import: loaded with the first interval

    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    mean = float(x.mean()) if n else float("nan")
    if n < 2:
        return mean, float("nan"), n
    return mean, float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)), n
