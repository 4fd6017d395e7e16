"""Paired comparisons: the difference each scenario makes against a baseline, with intervals.

Replication ``r`` of every scenario runs on the same random streams (common random numbers,
CRN: same seed, streams keyed by replication, source and purpose), so the same people are
booked with the same charges and court draws under each configuration, and the difference
``B_r - A_r`` of a metric has far less noise than either. Its mean over replications gets a
t-interval (paired t); the percent change ``100 (mean B / mean A - 1)`` gets a delta-method
interval from the residuals ``B_r - R A_r`` (the ratio estimator). ``independent=True`` gives
each scenario its own streams instead (the same formulas stay valid: pairs are still
independent of each other), to see what CRN buys.

Pairs are only meaningful when every scenario runs the same calendar: the same start date,
horizon and warm-up. Scenarios that differ in any of them are refused (one line per scenario,
naming it and the baseline with their start dates, horizons and warm-ups) unless
``allow_mismatch=True`` (``jailsim compare --allow-mismatch``), which compares them anyway with
one warning line each.

Output folder::

    comparison.json  comparison.csv  <label>/ (the run folder of each scenario)
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jailsim._version import STREAMS_VERSION, __version__
from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import begin_output, finish_output, write_output
from jailsim.base.spreadsheet import safe_csv
from jailsim.experiments import display
from jailsim.experiments.arms import Arm, Tally, replicate
from jailsim.experiments.checkpoints import Checkpoints, resumed_seed
from jailsim.experiments.footprint import check_run_memory
from jailsim.experiments.options import DEFAULT_REPLICATIONS, RunOptions, options_from
from jailsim.experiments.paired import paired_differences
from jailsim.experiments.prepared import PreparedRun, prepare
from jailsim.experiments.uncertainty import comparison_parts, held_arms
from jailsim.results.metrics import HEADLINE, METRICS, check_metrics
from jailsim.results.result import Result
from jailsim.results.rundir import reopen
from jailsim.results.tables import _fmt, cell, text_table, with_note
from jailsim.scenario.loading import load
from jailsim.scenario.memory import expected_bookings
from jailsim.scenario.schema import Scenario

__all__ = [
    "Comparison",
    "compare",
    "difference_cell",
    "independent_seed",
    "mismatches",
    "paired_differences",
    "table_rows",
]

#: Columns of ``comparison.csv`` (and of ``Comparison.differences``).
COLUMNS = [
    "scenario", "baseline", "metric", "unit", "baseline_mean", "scenario_mean",
    "diff", "diff_ci_low", "diff_ci_high", "pct", "pct_ci_low", "pct_ci_high", "n",
]


def independent_seed(seed: int, index: int) -> int:
    """The seed of scenario ``index`` under ``--independent``: its own streams.

    ``SeedSequence([seed, index])`` hashes the pair into fresh entropy (the first 63 bits of
    its state), so each scenario's streams are as unrelated to the others' as two seeds can
    be, and each is still reproducible from its folder's ``scenario.resolved.yaml``.
    """
    state = np.random.SeedSequence([int(seed), int(index)]).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) | (int(state[1]) >> 1))


def _calendar(label: str, sc: Scenario) -> str:
    return (f"{label} (start {sc.start_date.isoformat()}, horizon {sc.horizon:g} days, "
            f"warm-up {sc.warmup:g} days)")


def mismatches(labels: Sequence[str], scenarios: Sequence[Scenario]) -> list[str]:
    """One line per scenario whose calendar differs from the first's (the baseline's).

    The calendar is the start date, the horizon and the warm-up: replication ``r`` of two
    scenarios that differ in one of them covers different days, so their paired difference
    mixes the change of policy with the change of calendar.

    Examples
    --------
    >>> import jailsim
    >>> a = jailsim.load("jailsim:jem.yaml")
    >>> b = a.with_({"start_date": "2025-03-03"})
    >>> mismatches(["A", "B"], [a, b])[0]  # doctest: +ELLIPSIS
    'A (start 2025-01-06, ...) and B (start 2025-03-03, ...) differ in start date'
    """
    base = scenarios[0]
    lines = []
    for label, sc in zip(labels[1:], scenarios[1:], strict=True):
        differ = [what for what, a, b in (("start date", base.start_date, sc.start_date),
                                          ("horizon", base.horizon, sc.horizon),
                                          ("warm-up", base.warmup, sc.warmup)) if a != b]
        if differ:
            lines.append(f"{_calendar(labels[0], base)} and {_calendar(label, sc)} differ in "
                         f"{' and '.join(differ)}")
    return lines


def _labels(scenarios: Sequence[Scenario], paths: Sequence[str | None]) -> list[str]:
    labels = [sc.name for sc in scenarios]
    if len(set(labels)) < len(labels):
        stems = [Path(p).stem if p else sc.name for sc, p in zip(scenarios, paths, strict=True)]
        labels = stems if len(set(stems)) == len(stems) else labels
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def folder_name(label: str) -> str:
    """A file-system-safe folder name for a scenario label."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._") or "scenario"


def _folders(labels: Sequence[str]) -> list[str]:
    names, seen = [], set()
    for label in labels:
        name, k = folder_name(label), 1
        while name.lower() in seen:
            k += 1
            name = f"{folder_name(label)}_{k}"
        seen.add(name.lower())
        names.append(name)
    return names


@dataclass(frozen=True, eq=False)
class Comparison:
    """What :func:`compare` returns.

    Attributes
    ----------
    results
        The Result of each scenario, by label, baseline first.
    differences
        One row per (scenario other than the baseline, metric): see :data:`COLUMNS`.
    crn
        Whether the scenarios shared random streams (common random numbers).
    folders
        Folder name of each label inside the output folder.
    tally
        Replications computed now and resumed from checkpoints.
    seed
        The master seed (each scenario's own seed is in its Result).
    notes
        Warnings given, one line each: scenarios compared with different calendars
        (``allow_mismatch``).
    uncertainty
        Parameters drawn: each band's two parts (:mod:`jailsim.experiments.uncertainty`).

    Examples
    --------
    >>> import jailsim
    >>> c = jailsim.compare(["jailsim:jem.yaml", "jailsim:wso.yaml"], seed=1,
    ...                     replications=2, days=60)
    >>> c.crn, c.seed, list(c.results)
    (True, 1, ['JEM', 'WSO'])
    >>> row = c.differences.set_index("metric").loc["bookings_per_day"]
    >>> row["scenario"], row["baseline"], float(row["diff"])  # same bookings under both
    ('WSO', 'JEM', 0.0)
    >>> c.summary().loc[("WSO", "hold_bed_days"), "unit"]
    'bed-days'
    """

    results: dict[str, Result]
    differences: pd.DataFrame
    crn: bool
    folders: dict[str, str]
    tally: Tally
    seed: int
    notes: tuple[str, ...] = ()
    uncertainty: pd.DataFrame | None = None

    @property
    def baseline(self) -> str:
        """Label of the baseline (the first scenario)."""
        return next(iter(self.results))

    def summaries(self) -> dict[str, pd.DataFrame]:
        """``Result.summary()`` of every scenario, by label."""
        return {label: res.summary() for label, res in self.results.items()}

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Every scenario's ``Result.summary()`` in one table, index (scenario, metric).

        Columns ``unit``, ``mean``, ``ci_low``, ``ci_high``, ``n``; the paired differences
        are :attr:`differences`.
        """
        parts = {label: res.summary(confidence) for label, res in self.results.items()}
        return pd.concat(parts, names=["scenario", "metric"])

    @property
    def plot(self):
        """Figures: ``comparison.plot.differences()`` (paired, in percent), ``.los()``."""
        from jailsim.results.plots import ComparisonPlotAccessor  # matplotlib, when asked

        return ComparisonPlotAccessor(self)

    def __repr__(self) -> str:
        return display.comparison_repr(self)

    def _repr_html_(self) -> str:
        """A notebook's view: the scenarios, and the headline metrics with the differences."""
        rows = table_rows(self.summaries(), self.differences, HEADLINE)
        return display.comparison_html(self, rows)

    def to_dict(self) -> dict:
        """The content of ``comparison.json``."""
        first = self.results[self.baseline]
        sc = first.scenario

        def clean(x):
            return None if isinstance(x, float) and math.isnan(x) else x

        diffs: dict[str, dict] = {}
        for row in self.differences.to_dict("records"):
            diffs.setdefault(row["scenario"], {})[row["metric"]] = {
                k: clean(row[k]) for k in COLUMNS[3:]
            }
        return {
            "jailsim_version": __version__,
            "streams_version": STREAMS_VERSION,
            "baseline": self.baseline,
            "common_random_numbers": self.crn,
            "seed": self.seed,
            "replications": sc.replications,
            "engine": first.engine,
            "confidence": 0.95,
            "scenarios": [
                {"label": label, "name": res.scenario.name, "folder": self.folders[label],
                 "seed": res.seed}
                for label, res in self.results.items()
            ],
            "differences": diffs,
            "notes": list(self.notes),
        }

    def save(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write each scenario's run folder, then ``comparison.json`` and ``comparison.csv``.

        A folder holding files jailsim did not write is refused unless ``overwrite``
        (:func:`~jailsim.base.manifest.begin_output`); the manifest is written last.
        """
        out = begin_output(out, "comparison", overwrite=overwrite,
                           parts=self.folders.values())
        for label, res in self.results.items():
            res.save(out / self.folders[label])
        write_output(out, "comparison.csv", lambda p: safe_csv(self.differences, p, index=False))
        if self.uncertainty is not None:
            write_output(out, "uncertainty.csv",
                         lambda p: safe_csv(self.uncertainty, p, index=False))
        text = json.dumps(self.to_dict(), indent=2)
        write_output(out, "comparison.json", lambda p: p.write_text(text, encoding="utf-8"))
        return finish_output(out)

    def table(self, metrics: Sequence[str] | None = None) -> str:
        """Plain-text table: each scenario's mean ± half-width, then each difference and %.

        An interval below 0 of a metric that cannot be negative is marked, with a note under
        the table (:mod:`jailsim.results.tables`).
        """
        rows = table_rows(self.summaries(), self.differences, metrics)
        return with_note(text_table(rows))


def table_rows(
    summaries: dict[str, pd.DataFrame],
    differences: pd.DataFrame,
    metrics: Sequence[str] | None = None,
) -> list[list[str]]:
    """The cells of a comparison's table, header first (the command line's and the report's).

    ``summaries``: ``Result.summary()`` of each scenario by label, baseline first;
    ``differences``: rows of :data:`COLUMNS`. Each scenario's column is its own mean ±
    half-width over replications, defined even where the other side's is not (a JEM metric
    under WSO); each other scenario adds its difference from the baseline and the percent
    change, each ± half-width (``-`` where undefined, ``0`` where identical in every
    replication).
    """
    names = check_metrics(metrics) if metrics else list(METRICS)
    labels = list(summaries)
    baseline, others = labels[0], labels[1:]
    header = ["metric", "unit", *labels]
    for label in others:
        header += [f"{label} − {baseline}", "%"]
    rows = [header]
    d = differences.set_index(["scenario", "metric"])
    for name in names:
        row = [name, METRICS[name][0], *(cell(s.loc[name], name) for s in summaries.values())]
        for label in others:
            r = d.loc[(label, name)]
            row.append(difference_cell(r["diff"], r["diff_ci_low"], r["diff_ci_high"]))
            row.append(difference_cell(r["pct"], r["pct_ci_low"], r["pct_ci_high"], pct=True))
        rows.append(row)
    return rows


def difference_cell(mean: float, lo: float, hi: float, pct: bool = False) -> str:
    """A signed difference (or percent change, ``pct``) ± half-width, as tables print it."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    if mean == 0 and not hi - lo > 0:  # identical in every replication (same draws)
        return "0%" if pct else "0"
    sign = "+" if mean > 0 else ""
    text = f"{sign}{mean:.1f}%" if pct else f"{sign}{_fmt(mean)}"
    if isinstance(lo, float) and not math.isnan(lo):
        half = (hi - lo) / 2
        text += f" ± {half:.1f}" if pct else f" ± {_fmt(half)}"
    return text


def compare(
    scenarios: Sequence[Scenario | str | Path],
    *,
    independent: bool = False,
    allow_mismatch: bool = False,
    labels: Sequence[str] | None = None,
    options: RunOptions | None = None,
    **fields: Any,
) -> Comparison:
    """Run two or more scenarios on common random numbers; differences against the first.

    Parameters
    ----------
    scenarios
        Scenarios or paths; the first is the baseline ``A``, each other one is ``B`` in
        ``B - A``.
    independent
        Give scenario ``i`` its own streams (seed :func:`independent_seed`) instead of
        common random numbers.
    allow_mismatch
        Compare scenarios whose start dates, horizons or warm-ups differ (after the options'
        ``days`` and ``warmup_days``), with one warning line each (:func:`mismatches`);
        without it they are refused.
    labels
        Names in tables and folder names (default: scenario names, or file names when those
        repeat).
    options, **fields
        As for :func:`jailsim.simulate` (:class:`~jailsim.experiments.options.RunOptions`).
        ``seed`` defaults to the first scenario's (or new); ``replications`` of each scenario
        to the largest any scenario asks for, or
        :data:`~jailsim.experiments.options.DEFAULT_REPLICATIONS` if none asks for more than
        one; ``out`` holds each scenario's run folder ``out/<label>/`` (with checkpoints while
        running), ``comparison.json`` and ``comparison.csv``.

    Returns
    -------
    Comparison
        Results of each scenario and the paired differences.

    Raises
    ------
    ScenarioError
        With one line per scenario whose calendar differs from the baseline's, unless
        ``allow_mismatch``.

    Examples
    --------
    >>> import jailsim
    >>> c = jailsim.compare(["scenarios/jem.yaml", "scenarios/wso.yaml"], seed=1,
    ...                     replications=3, days=120, warmup_days=20)
    >>> c.baseline, list(c.results)
    ('JEM', ['JEM', 'WSO'])
    """
    opts = options_from(options, fields, "compare")
    if len(scenarios) < 2:
        raise ScenarioError(["compare: give two or more scenarios"])
    paths = [str(s) if isinstance(s, (str, Path)) else None for s in scenarios]
    loaded = [load(str(s)) if isinstance(s, (str, Path)) else s for s in scenarios]
    if labels is None:
        labels = _labels(loaded, paths)
    elif len(labels) != len(loaded) or len(set(labels)) != len(labels):
        raise ScenarioError(["compare: give one distinct label per scenario"])
    folders = dict(zip(labels, _folders(labels), strict=True))
    base, seed = opts.folder, opts.seed
    if base is not None:  # a rerun resumes with its checkpoints' seed
        seed = resumed_seed(loaded[0], seed, [base / f / "checkpoints" for f in folders.values()])
    if seed is None:
        seed = loaded[0].seed
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**63)
    replications = opts.replications
    if replications is None:
        replications = max(sc.replications for sc in loaded)
        if replications == 1:
            replications = DEFAULT_REPLICATIONS
    prepared = []
    for i, sc in enumerate(loaded):
        s = independent_seed(seed, i) if independent else seed
        try:
            p = prepare(sc, opts, seed=s, replications=replications, memory_check=False)
        except ScenarioError as exc:
            where = paths[i] or labels[i]
            raise ScenarioError([f"{where}: {line}" for line in exc.lines]) from None
        prepared.append(PreparedRun.build(p, opts.engine))
    differ = mismatches(labels, [p.scenario for p in prepared])
    if differ and not allow_mismatch:
        raise ScenarioError([f"compare: {line}; their replications would not cover the same "
                             "days (give --allow-mismatch, or allow_mismatch=True, to compare "
                             "them anyway)" for line in differ])
    notes = tuple(f"compare: {line}; compared anyway (allow_mismatch): a difference mixes "
                  "the policy with the calendar" for line in differ)
    for note in notes:
        warnings.warn(note, stacklevel=2)
    check_run_memory(max((p.scenario for p in prepared), key=expected_bookings), replications,
                     opts, prepared[0].engine, arms=len(prepared), source="compare")
    if base is not None:  # claimed before any checkpoint
        begin_output(base, "comparison", overwrite=opts.overwrite, parts=folders.values())
    arms = []
    for label, run in zip(labels, prepared, strict=True):
        ckpt = None if base is None else Checkpoints(
            base / folders[label] / "checkpoints", run, where=str(base / folders[label]),
            run_seed=seed)
        arms.append(Arm(label, run, tables=not opts.metrics_only, checkpoints=ckpt))
    fixed = held_arms(arms) if opts.parameter_uncertainty else []  # noise: parameters held
    with opts.running() as ex:
        tally = replicate(arms + fixed, replications, ex, progress=opts.progress)
    results = {arm.label: arm.result(replications) for arm in arms}
    baseline = arms[0]
    parts = []
    for arm in arms[1:]:
        d = paired_differences(baseline.metrics(replications), arm.metrics(replications))
        d.insert(0, "unit", [METRICS[m][0] for m in d.index])
        d.insert(0, "metric", d.index)
        d.insert(0, "baseline", baseline.label)
        d.insert(0, "scenario", arm.label)
        parts.append(d.reset_index(drop=True))
    comparison = Comparison(
        results=results,
        differences=pd.concat(parts, ignore_index=True)[COLUMNS],
        crn=not independent,
        folders=folders,
        tally=tally,
        seed=int(seed),
        notes=notes,
        uncertainty=comparison_parts(arms, fixed, replications),
    )
    if base is not None:  # each scenario's tables go from its checkpoints to its folder
        comparison.save(base, overwrite=opts.overwrite)
        comparison = replace(comparison, results={k: reopen(r, base / folders[k])
                                                  for k, r in results.items()})
        for arm in fixed + arms:  # a fixed arm's folder is inside its drawn arm's
            arm.checkpoints.clear()
    return comparison
