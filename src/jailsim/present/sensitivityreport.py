"""The report of a sensitivity folder (``jailsim sensitivity``): indices with their intervals.

Read from ``sensitivity.json``, ``sensitivity.csv`` and ``scenario.resolved.yaml``, laid out
by ``templates/sensitivity.html``: the method and sample, its warnings (a sample too small),
the figure of the indices (:func:`~jailsim.present.figures.sensitivity_indices`), the table of
every index with its 95% bootstrap interval, the metrics left out or undefined, what was
varied, the resolved inputs and their sources.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from jailsim.present import alttext
from jailsim.present.blocks import Table, embed
from jailsim.present.figures import sensitivity_indices
from jailsim.present.formats import interval, number
from jailsim.present.page import render
from jailsim.present.sources import sources
from jailsim.scenario.loading import RESOLVED_NAME, load

__all__ = ["sensitivity_page"]


def _span(p: dict) -> str:
    """``24h to 72h``: the range of one varied parameter, as written."""
    unit = p.get("unit") or ""
    whole = " (whole numbers)" if p.get("integer") else ""
    return f"{number(p['low'])}{unit} to {number(p['high'])}{unit}{whole}"


def sensitivity_page(folder: Path) -> str:
    """The report of a sensitivity folder, as HTML."""
    info = json.loads((folder / "sensitivity.json").read_text())
    indices = pd.read_csv(folder / "sensitivity.csv")
    undefined = info.get("undefined_metrics") or []
    metrics = [m for m in dict.fromkeys(indices["metric"]) if m not in undefined]
    source = (f"jailsim — {info['method']} sensitivity of scenario '{info['scenario']}', "
              f"seed {info['seed']}, {info['points']} points x {info['replications_per_point']}"
              f" replications, engine {info['engine']}")
    figures = ([embed(sensitivity_indices(indices, metrics, source=source),
                      alttext.sensitivity(indices, metrics, info["method"]))]
               if metrics else [])
    rows = [[r["metric"], r["parameter"], r["index"],
             number(r["value"]) if pd.notna(r["value"]) else "undefined",
             interval(r["ci_low"], r["ci_high"])] for _, r in indices.iterrows()]
    facts = (f"{info['method']} method, N = {info['samples']}: {info['points']} sample points x "
             f"{info['replications_per_point']} replications, seed {info['seed']}, engine "
             f"{info['engine']}, jailsim {info['jailsim_version']}. Indices with 95% bootstrap "
             "intervals (SALib).")
    sc = load(folder / RESOLVED_NAME)
    return render(
        "sensitivity.html", title=f"jailsim sensitivity: {info['scenario']}",
        description=sc.description, facts=facts, notes=info.get("notes", []),
        figures=figures,
        indices=Table(["metric", "parameter", "index", "value", "95% interval"], rows, names=3),
        skipped=info.get("skipped_metrics") or [], undefined=undefined,
        parameters=[(p["path"], _span(p)) for p in info["parameters"]],
        resolved=[(info["scenario"], (folder / RESOLVED_NAME).read_text())],
        sources=sources({sc.name: sc}))
