"""Run the county presets and set jailsim's figures beside the published ones.

:func:`evidence` simulates each preset of :data:`jailsim.evidence.published.FIGURES` once
(``replications`` on common seeds), computes every figure of that preset per replication the
way its study did, and returns one row per figure: the published value and band, jailsim's
mean with a 95% t-interval over replications, the relative distance, whether it is matched,
and which of the preset's inputs (its own or inherited) were fitted to that study's figures,
so that a match is never claimed for a number the preset was tuned to.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from jailsim.evidence.measures import MEASURES
from jailsim.evidence.published import FIGURES, Figure
from jailsim.experiments.simulate import simulate
from jailsim.scenario import reference
from jailsim.scenario.defaults import defaults
from jailsim.scenario.loading import load, shipped_scenarios_dir

__all__ = ["COLUMNS", "evidence", "fitted_inputs", "preset_chain", "preset_path"]

#: The columns of the evidence table, in order.
COLUMNS = ("figure", "study", "county", "years", "denominator", "unit", "published", "low",
           "high", "jailsim", "ci_low", "ci_high", "replications", "distance", "matched",
           "headline", "calibrates", "fitted_inputs")


def preset_path(figure: Figure) -> Path:
    """The preset file of ``figure`` among the shipped scenarios."""
    return shipped_scenarios_dir() / figure.preset


def preset_chain(path: Path) -> list[Path]:
    """The file and every file it extends, in order (``extends:`` followed to the end)."""
    chain = [Path(path)]
    while (parent := reference.Comments(chain[-1]).data.get("extends")) is not None:
        parent = str(parent)
        if parent.startswith("jailsim:"):
            nxt = shipped_scenarios_dir() / parent.partition(":")[2]
        else:
            nxt = chain[-1].parent / parent
        chain.append(nxt.resolve())
    return chain


def _county_pattern(figure: Figure) -> re.Pattern:
    name = figure.county.split(" County")[0]
    return re.compile(rf"\b{re.escape(name)}\s+(Co\b|County)", re.IGNORECASE)


def _years(text: str) -> tuple[int, int] | None:
    """The span of years a text names, or None.

    ``"Oct 2016 - Jul 2018"`` -> (2016, 2018); ``"FY2014-16"`` -> (2014, 2016).
    """
    found = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", text)]
    found += [2000 + int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d\d-(\d\d)(?!\d)", text)]
    return (min(found), max(found)) if found else None


def _overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is None or b is None or (a[0] <= b[1] and b[0] <= a[1])


def fitted_inputs(figure: Figure) -> list[str]:
    """Inputs of the figure's preset (own or inherited) calibrated to its own county's figures.

    A number whose tag is ``[derived YEARS: calibrated to ...]``, names the county of the
    study (``King Co.``, ``King County``) and whose years overlap the figure's was fitted to
    that county's published outcomes of the time: the figure is then not an independent
    check. Inputs derived from the county's own inputs (its bookings, its staffing) are not
    fitted, nor is a calibration to the same county in other years.
    """
    pattern, years = _county_pattern(figure), _years(figure.years)
    seen: set[str] = set()
    fitted = []
    for path in preset_chain(preset_path(figure)):
        for d in defaults(path):
            if d.field in seen:
                continue  # overridden by a file earlier in the chain
            seen.add(d.field)
            if (d.kind == "derived" and "calibrated" in d.denominator
                    and pattern.search(d.denominator) and _overlap(years, _years(d.year))):
                fitted.append(f"{d.field} ({path.name})")
    return fitted


def _interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    x = values[~np.isnan(values)]
    if len(x) == 0:
        return (np.nan,) * 3
    mean = float(x.mean())
    if len(x) < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return mean, mean - half, mean + half


def _per_replication(figures: list[Figure], path: Path, seed: int, replications: int,
                     workers: int | None, overrides: dict | None) -> dict[str, np.ndarray]:
    sc = load(path)
    if overrides:
        sc = sc.with_(overrides)
    res = simulate(sc, seed=seed, replications=replications, workers=workers)
    out: dict[str, list[float]] = {f.key: [] for f in figures}
    for _, b in res.bookings.groupby("replication", sort=True, observed=True):
        for f in figures:
            out[f.key].append(MEASURES[f.measure](b, sc.horizon, sc.start_date))
    return {k: np.array(v, dtype=float) for k, v in out.items()}


def evidence(figures: tuple[Figure, ...] = FIGURES, *, replications: int = 5, seed: int = 1,
             workers: int | None = None, overrides: dict | None = None,
             progress=None) -> pd.DataFrame:
    """The evidence table: one row per figure (see :data:`COLUMNS`).

    Parameters
    ----------
    figures
        The figures to compute (default all); each preset is simulated once.
    replications, seed, workers
        As for :func:`jailsim.simulate`.
    overrides
        Fields set on every preset (``{"bond.detainer_factor": 0.5}``): what a mechanism or a
        value would change, never the shipped evidence.
    progress
        Called with the preset's file name before it runs.
    """
    figures = tuple(dict.fromkeys(figures))  # a figure named twice is one figure
    by_preset: dict[str, list[Figure]] = {}
    for f in figures:
        by_preset.setdefault(f.preset, []).append(f)
    values: dict[str, np.ndarray] = {}
    for preset, group in by_preset.items():
        if progress is not None:
            progress(preset)
        values.update(_per_replication(group, preset_path(group[0]), seed, replications,
                                       workers, overrides))
    rows = []
    for f in figures:
        mean, lo, hi = _interval(values[f.key])
        band = f.band
        rows.append({
            "figure": f.key, "study": f.study, "county": f.county, "years": f.years,
            "denominator": f.denominator, "unit": f.unit, "published": f.value,
            "low": band[0], "high": band[1], "jailsim": mean, "ci_low": lo, "ci_high": hi,
            "replications": int((~np.isnan(values[f.key])).sum()),
            "distance": mean / f.value - 1.0, "matched": f.matched(mean),
            "headline": f.headline, "calibrates": f.calibrates or "",
            "fitted_inputs": "; ".join(fitted_inputs(f)),
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))
