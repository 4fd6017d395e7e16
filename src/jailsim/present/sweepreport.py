"""The report of a sweep folder (``jailsim sweep``): each headline metric at every design point.

Read from ``sweep.json``, ``sweep.csv`` and ``scenario.resolved.yaml``, laid out by
``templates/sweep.html``: where each headline metric is lowest and highest (with 95%
intervals), a figure of the metrics against each varied parameter
(:func:`~jailsim.results.sweepplot.sweep_metrics`, the figure ``Sweep.plot()`` draws), a table
per metric, what was varied, the resolved inputs and their sources.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from jailsim.present import alttext
from jailsim.present.blocks import Table, embed
from jailsim.present.formats import interval, number
from jailsim.present.page import render
from jailsim.present.sources import sources
from jailsim.results.metrics import HEADLINE, METRICS
from jailsim.results.sweepplot import sweep_metrics, sweep_source
from jailsim.scenario.loading import RESOLVED_NAME, load
from jailsim.scenario.reference import field_unit

__all__ = ["read_sweep", "sweep_page"]


def read_sweep(folder: Path, factors: list[str]) -> pd.DataFrame:
    """``sweep.csv`` as written: a factor's value ``null`` (no seat limit) is a value."""
    table = pd.read_csv(folder / "sweep.csv", keep_default_na=False,
                        na_values={c: ["", "nan", "NaN"] for c in ("mean", "ci_low", "ci_high")})
    table[factors] = table[factors].replace("", "null")  # the CSV writes null as ""
    return table


def _value(v) -> str:
    return number(v) if isinstance(v, float) else str(v)


def _sentence(t: pd.DataFrame, metric: str, factors: list[str]) -> str:
    """Where ``metric`` is lowest and highest over the design points."""
    low, high = t.loc[t["mean"].idxmin()], t.loc[t["mean"].idxmax()]

    def where(row) -> str:
        return ", ".join(f"{f}={row[f]}" for f in factors)

    if low["mean"] == high["mean"]:
        return f"{number(low['mean'])} at every design point."
    return (f"lowest {number(low['mean'])} (95% interval "
            f"{interval(low['ci_low'], low['ci_high'], metric)}) at {where(low)}; highest "
            f"{number(high['mean'])} ({interval(high['ci_low'], high['ci_high'], metric)}) at "
            f"{where(high)}.")


def sweep_page(folder: Path) -> str:
    """The report of a sweep folder, as HTML."""
    info = json.loads((folder / "sweep.json").read_text())
    factors = list(info["factors"])
    table = read_sweep(folder, factors)
    metrics = [m for m in HEADLINE if m in set(table["metric"])]
    n_points = table["point"].nunique()
    sentences, tables = [], []
    for metric in metrics:
        unit, meaning = METRICS[metric]
        t = table[table["metric"] == metric].reset_index(drop=True)
        if t["mean"].isna().all():
            continue
        sentences.append((meaning, unit, _sentence(t, metric, factors)))
        rows = [[str(int(r["point"])), *(_value(r[f]) for f in factors), number(r["mean"]),
                 interval(r["ci_low"], r["ci_high"], metric)] for _, r in t.iterrows()]
        tables.append((metric, meaning, unit,
                       Table(["point", *factors, "mean", "95% interval"], rows,
                             names=1 + len(factors), code=False)))
    source = sweep_source(info)
    figures = [embed(sweep_metrics(table, f, metrics, factor_unit=field_unit(f), source=source),
                     alttext.sweep(table, f, metrics, info["scenario"])) for f in factors]
    crn = "common random numbers" if info.get("common_random_numbers") else "independent"
    paired = (" Replication r of every point uses the same random streams, so the "
              "difference between two points is known more precisely than their two intervals "
              "suggest (replications.csv has the pairs)."
              if info.get("common_random_numbers") else "")
    facts = (f"{n_points} design point{'s' if n_points != 1 else ''} (full factorial) x "
             f"{info['replications']} replications, seed {info['seed']} at every point "
             f"({crn}), engine {info['engine']}, jailsim {info['jailsim_version']}. Means with "
             f"95% t-intervals over replications.{paired}")
    sc = load(folder / RESOLVED_NAME)
    return render(
        "sweep.html", title=f"jailsim sweep: {info['scenario']}", description=sc.description,
        facts=facts, sentences=sentences, figures=figures, tables=tables,
        design=[(f, ", ".join(str(v) for v in vals)) for f, vals in info["factors"].items()],
        resolved=[(info["scenario"], (folder / RESOLVED_NAME).read_text())],
        sources=sources({sc.name: sc}))
