"""What a comparison or a run means, in plain words written from its numbers.

A comparison is told as the README tells the demo: under the second scenario the jail lodged so
many fewer (or more) detainers a year than under the first, held people for ICE so many fewer
bed-days, had so many fewer people in jail on an average day, and where the difference in
bed-days comes from (before release, in holds, as ICE's detainees). Each size is the paired
difference with its 95% interval, its direction taken from its sign; when the interval includes
zero the sentence says that the data cannot tell the two apart. Counts and bed-days are per
year: the window's totals times 365.25 over its days. A run is told the same way, from its own
means and intervals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from jailsim.present.formats import number
from jailsim.results.breakdown import PER_DAY_UNITS

__all__ = ["DAYS_A_YEAR", "PARTS", "SAYINGS", "comparison_meaning", "join_words", "run_meaning"]

#: Days of the year totals are scaled to.
DAYS_A_YEAR = 365.25

#: How a difference of each metric is said: what the jail did (``{n}`` the size, ``{dir}`` the
#: direction word), the words for up and down, and what is the same when nothing differs.
SAYINGS = {
    "detainers": ("lodged {n} {dir} detainers{year}", ("more", "fewer"),
                  "lodged the same detainers"),
    "hold_bed_days": ("held people for ICE {n} {dir} bed-days{year} past their release",
                      ("more", "fewer"), "held people for ICE the same bed-days"),
    "adp": ("had {n} {dir} people in jail on an average day", ("more", "fewer"),
            "had the same people in jail on an average day"),
    "ice_transfers": ("handed {n} {dir} people to ICE{year}", ("more", "fewer"),
                      "handed the same people to ICE"),
    "mean_los_days_detainer": ("kept people with a detainer {n} days {dir} on average",
                               ("longer", "shorter"), "kept people with a detainer as long"),
}

#: The parts of the bed-days detainers cause: where each was spent, in short and in full.
PARTS = {
    "attributable_bed_days_pre_release": (
        "before release",
        "before release by people whom a detainer kept from bail or release on recognizance"),
    "attributable_bed_days_hold": ("in holds for ICE", "in holds for ICE past release"),
    "attributable_bed_days_igsa": ("as ICE's detainees",
                                   "as ICE's detainees kept here under an IGSA"),
}


def _defined(*xs) -> bool:
    return all(x is not None and not (isinstance(x, float) and math.isnan(x)) for x in xs)


def _scale(unit: str, days: float) -> float:
    """The factor that makes a window's total of ``unit`` a yearly one (1 for the rest)."""
    return DAYS_A_YEAR / days if unit in PER_DAY_UNITS and days > 0 else 1.0


def _span(lo: float, hi: float, words: tuple[str, str]) -> str:
    """An interval of a difference in words: ``380 to 440 fewer``, ``from 2 fewer to 8 more``."""
    up, down = words
    if lo >= 0:
        return f"{number(lo)} to {number(hi)} {up}"
    if hi <= 0:
        return f"{number(-hi)} to {number(-lo)} {down}"
    return f"from {number(-lo)} {down} to {number(hi)} {up}"


def _clause(name: str, d: Mapping, days: float) -> tuple[str, str, str] | None:
    """What the jail did differently on ``name``, or None when undefined.

    Returns the size said, the word that compares (``than``, or ``as`` when nothing
    differs) and the rest of the sentence.
    """
    if name not in SAYINGS or d is None or not _defined(d.get("diff")):
        return None
    phrase, words, same = SAYINGS[name]
    diff, lo, hi = (d.get(k) for k in ("diff", "diff_ci_low", "diff_ci_high"))
    if not _defined(lo, hi):
        lo = hi = diff
    if diff == 0 and lo == hi:
        return same, "as", " in every replication"
    scale = _scale(d.get("unit", ""), days)
    year = " a year" if d.get("unit") in PER_DAY_UNITS else ""
    said = phrase.format(n=number(abs(diff * scale)), dir=words[0] if diff > 0 else words[1],
                         year=year)
    span = _span(lo * scale, hi * scale, words)
    if lo <= 0 <= hi:
        return said, "than", (f", but the 95% interval runs {span}: the data cannot tell the "
                              "two apart")
    pct = d.get("pct")
    share = (f", {number(abs(pct))}% {words[0] if pct > 0 else words[1]}"
             if _defined(pct) and pct != 0 and name != "adp" else "")
    return said, "than", f" (95% interval {span}){share}"


def _where_from(diffs: Mapping[str, Mapping], scale: float) -> str | None:
    """Where the difference in bed-days was spent, from the parts detainers cause."""
    total = diffs.get("bed_days")
    if total is None or not _defined(total.get("diff"), total.get("diff_ci_low"),
                                     total.get("diff_ci_high")):
        return None
    diff, lo, hi = (total[k] * scale for k in ("diff", "diff_ci_low", "diff_ci_high"))
    words = ("more", "fewer")
    if lo <= 0 <= hi:
        return (f"In all, bed-days differ by {number(abs(diff))} a year, but the 95% interval "
                f"runs {_span(lo, hi, words)}: the data cannot tell the two apart.")
    parts = []
    for name, where in PARTS.items():
        d = diffs.get(name)
        if d is None or not _defined(d.get("diff")) or round(d["diff"] * scale) == 0:
            continue
        parts.append((d["diff"] * scale, where))
    direction = words[0] if diff > 0 else words[1]
    lead = (f"Of the {number(abs(diff))} {direction} bed-days a year in all (95% interval "
            f"{_span(lo, hi, words)})")
    if not parts:
        return f"{lead}, none comes from detainers."
    told = [f"{number(abs(v))} {words[0] if v > 0 else words[1]} {where[1]}"
            for v, where in parts]
    biggest, where = max(parts, key=lambda p: abs(p[0]))
    if (biggest > 0) == (diff > 0) and abs(biggest) > abs(diff) / 2 and len(parts) > 1:
        return f"{lead}, most were spent {where[0]}: {join_words(told)}."
    return f"{lead}, detainers account for {join_words(told)}."


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def comparison_meaning(diffs: Mapping[str, Mapping], label: str, baseline: str,
                       days: float) -> list[str]:
    """Sentences on what ``label`` changes against ``baseline``, from the paired differences.

    ``diffs`` holds, per metric, the fields of a row of ``comparison.csv`` (``diff``,
    ``diff_ci_low``, ``diff_ci_high``, ``pct``, ...): one scenario's entry in
    ``comparison.json``; ``days`` is the length of the measured window.

    Examples
    --------
    >>> d = {"detainers": {"unit": "count", "diff": -100.0, "diff_ci_low": -110.0,
    ...                    "diff_ci_high": -90.0, "pct": -50.0}}
    >>> print(comparison_meaning(d, "WSO", "JEM", 365.25)[0])
    Under WSO the jail lodged 100 fewer detainers a year than under JEM (95% interval 90 to
    110 fewer), 50% fewer.
    """
    out = []
    for name in SAYINGS:
        d = diffs.get(name)
        clause = _clause(name, d, days)
        if clause is None:
            continue
        said, compare, rest = clause
        out.append(f"It {said}{rest}." if out else
                   f"Under {label} the jail {said} {compare} under {baseline}{rest}.")
    where = _where_from(diffs, _scale("bed-days", days))
    if where:
        out.append(where)
    return out


def run_meaning(metrics: Mapping[str, Mapping], scenario: str, program: str,
                days: float) -> list[str]:
    """Sentences on what a run shows, from its summary (metric -> mean, ci_low, ci_high).

    ``program`` is the program over time in words; ``days`` the length of the window.
    """
    def get(name, scale=1.0):
        m = metrics.get(name) or {}
        return tuple(None if m.get(k) is None else m[k] * scale
                     for k in ("mean", "ci_low", "ci_high"))

    per_year = _scale("count", days)
    adp, adp_lo, adp_hi = get("adp")
    out = [f"Under scenario {scenario} ({program}), the jail held {number(adp)} people on an "
           f"average day (95% interval {number(adp_lo)} to {number(adp_hi)}) and booked "
           f"{number(get('bookings_per_day')[0])} people a day."]
    det, det_lo, det_hi = get("detainers", per_year)
    if _defined(det):
        sent = f"It lodged {number(det)} detainers a year"
        if _defined(det_lo, det_hi) and det_lo != det_hi:
            sent += f" (95% interval {number(max(det_lo, 0.0))} to {number(det_hi)})"
        transfers = get("ice_transfers", per_year)[0]
        out.append(sent + (f" and handed {number(transfers)} people a year to ICE."
                           if _defined(transfers) else "."))
    with_d, without = get("mean_los_days_detainer")[0], get("mean_los_days_no_detainer")[0]
    if _defined(with_d, without):
        out.append(f"People who left with a detainer had stayed {number(with_d)} days on "
                   f"average, against {number(without)} days for the others.")
    attr, lo, hi = get("attributable_bed_days", per_year)
    if _defined(attr, lo, hi):
        words = ("more", "fewer")
        said = (f"Because of detainers the jail used {number(abs(attr))} "
                f"{words[0] if attr >= 0 else words[1]} bed-days a year than it would have "
                "without them")
        if lo <= 0 <= hi and lo != hi:
            out.append(f"{said}, but the 95% interval runs {_span(lo, hi, words)}: the data "
                       "cannot tell this from no difference.")
        else:
            parts = [f"{number(v)} {where[1]}" for name, where in PARTS.items()
                     if _defined(v := get(name, per_year)[0]) and round(v) != 0]
            tail = f": {join_words(parts)}" if parts else ""
            out.append(f"{said} (95% interval {_span(lo, hi, words)}){tail}.")
    return out
