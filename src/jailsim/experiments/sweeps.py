"""Sweeps: a scenario run at every combination of values of some of its fields (full factorial).

Factors are dotted scenario paths with lists of values, given as ``--vary PATH=V1,V2,...``
(values in YAML flow syntax, as in a scenario file: ``jem.officers=1,2,4``,
``hold.cap=24h,48h``) or in a ``sweep:`` block of the scenario file::

    extends: jem.yaml
    sweep:
      jem.officers: [1, 2, 4, 8]
      bond.detainer_factor: [0.3, 0.6]

Design point ``p`` is the scenario with ``with_()`` of one value per factor (the last factor
varies fastest). Every point runs on the same seed, so points differ only by what was varied
(common random numbers). The result is one tidy table, one row per design point and metric
with the mean and its 95% interval; only metrics are kept (no bookings tables).

Output folder::

    sweep.csv  replications.csv  sweep.json  scenario.resolved.yaml

``jailsim sweep`` adds ``report.html`` (:func:`jailsim.present.report.write_report`): the headline
metrics at every design point and a figure of them against each varied parameter, the figure
``Sweep.plot()`` draws (:mod:`jailsim.results.sweepplot`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from jailsim._version import STREAMS_VERSION, __version__
from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import begin_output, finish_output, write_output
from jailsim.base.spreadsheet import safe_csv
from jailsim.engines import resolve_engine
from jailsim.experiments import display
from jailsim.experiments.arms import Tally, replicate_points
from jailsim.experiments.checkpoints import points_seed
from jailsim.experiments.footprint import check_run_memory
from jailsim.experiments.options import DEFAULT_REPLICATIONS, RunOptions, options_from
from jailsim.experiments.prepared import prepare
from jailsim.results.metrics import HEADLINE, METRICS, check_metrics, summarize
from jailsim.results.tables import cell, text_table, with_note
from jailsim.scenario.loading import RESOLVED_NAME, resolved_text
from jailsim.scenario.reference import field_unit
from jailsim.scenario.schema import Scenario
from jailsim.scenario.sweepblock import Factors, load_sweep
from jailsim.scenario.sweepblock import check_factors as _check_factors

__all__ = ["Sweep", "design_points", "load_sweep", "parse_vary", "sweep"]


def parse_vary(items: Sequence[str]) -> Factors:
    """``["jem.officers=1,2,4", ...]`` to ``{"jem.officers": [1, 2, 4], ...}``.

    The values after ``=`` are read as a YAML flow list, so numbers are numbers, ``48h``
    stays text and lists or mappings may be written in brackets.

    Raises
    ------
    ScenarioError
        One line per malformed item.
    """
    factors: Factors = {}
    problems = []
    for item in items:
        path, eq, values = item.partition("=")
        path = path.strip()
        if not eq or not path or not values.strip():
            problems.append(f"--vary {item}: expected PATH=VALUE1,VALUE2,...")
            continue
        try:
            parsed = yaml.safe_load(f"[{values}]")
        except yaml.YAMLError as exc:
            problems.append(f"--vary {item}: cannot read the values ({_first_line(exc)})")
            continue
        if path in factors:
            problems.append(f"--vary {item}: {path} is varied twice")
            continue
        factors[path] = parsed
    if problems:
        raise ScenarioError(problems)
    return factors


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def design_points(factors: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of factor values (full factorial), the last factor fastest."""
    paths = list(factors)
    return [dict(zip(paths, combo, strict=True)) for combo in
            itertools.product(*(factors[p] for p in paths))]


def _show(value: Any) -> Any:
    """A factor value as a table cell: scalars as they are, the rest as compact YAML."""
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()


def point_label(point: Mapping[str, Any]) -> str:
    """``jem.officers=2, hold.cap=48h``."""
    return ", ".join(f"{k}={_show(v)}" for k, v in point.items())


@dataclass(frozen=True, eq=False)
class Sweep:
    """What :func:`sweep` returns.

    Attributes
    ----------
    scenario
        The base scenario as run (seed, replications, horizon fixed).
    engine
        Engine used.
    factors
        Dotted path -> values.
    design
        One row per design point: ``point`` and one column per factor.
    replications
        One row per design point and replication: factors, ``replication``, every metric.
    table
        The tidy result: one row per design point and metric, with ``unit``, ``mean``,
        ``ci_low``, ``ci_high``, ``n``.
    tally
        Replications computed now and resumed from checkpoints.

    Examples
    --------
    >>> import jailsim
    >>> s = jailsim.sweep("jailsim:jem.yaml", {"jem.officers": [1, 2]}, seed=1,
    ...                   replications=2, days=30)
    >>> s.design
       point  jem.officers
    0      0             1
    1      1             2
    >>> list(s.table.columns)
    ['point', 'jem.officers', 'metric', 'unit', 'mean', 'ci_low', 'ci_high', 'n']
    """

    scenario: Scenario
    engine: str
    factors: Factors
    design: pd.DataFrame
    replications: pd.DataFrame
    table: pd.DataFrame
    tally: Tally

    def __repr__(self) -> str:
        return display.sweep_repr(self)

    def _repr_html_(self) -> str:
        """A notebook's view: the scenario, the factors, the first design points' metrics."""
        return display.sweep_html(self)

    def plot(self, metrics: Sequence[str] | None = None, factor: str | None = None, *,
             axes=None):
        """Each metric against a varied parameter: the mean and its 95% interval band.

        Parameters
        ----------
        metrics
            Metrics to draw, one panel each (default: the headline metrics).
        factor
            The varied parameter on the x axis (default: the first); when others vary too,
            each combination of their values is a series of its own.
        axes
            Panels to draw on, one per metric (default: a new figure).

        Returns
        -------
        matplotlib.figure.Figure
            Let go by pyplot: a notebook shows it once, as the cell's value
            (:func:`jailsim.results.sweepplot.sweep_metrics`).

        Examples
        --------
        >>> import jailsim
        >>> s = jailsim.sweep("jailsim:jem.yaml", {"jem.officers": [1, 2]}, seed=1,
        ...                   replications=2, days=30)
        >>> fig = s.plot(["adp", "detainers"])
        >>> [ax.get_xlabel() for ax in fig.axes]
        ['jem.officers (count)', 'jem.officers (count)']
        """
        from jailsim.results.sweepplot import sweep_metrics, sweep_source  # matplotlib

        factor = next(iter(self.factors)) if factor is None else factor
        if factor not in self.factors:
            raise ValueError(f"factor {factor!r}: not varied in this sweep "
                             f"(varied: {list(self.factors)})")
        return sweep_metrics(self.table, factor, list(metrics or HEADLINE),
                             factor_unit=field_unit(factor), source=sweep_source(self.to_dict()),
                             axes=axes)

    def to_dict(self) -> dict:
        """The content of ``sweep.json``: settings and the design."""
        sc = self.scenario
        return {
            "jailsim_version": __version__,
            "streams_version": STREAMS_VERSION,
            "scenario": sc.name,
            "seed": sc.seed,
            "replications": sc.replications,
            "engine": self.engine,
            "common_random_numbers": True,
            "factors": self.factors,
            "points": design_points(self.factors),
        }

    def save(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``sweep.csv``, ``replications.csv``, ``sweep.json``, the resolved scenario.

        A folder holding files jailsim did not write is refused unless ``overwrite``
        (:func:`~jailsim.base.manifest.begin_output`); the manifest is written last.
        """
        out = begin_output(out, "sweep", overwrite=overwrite)
        write_output(out, "sweep.csv", lambda p: safe_csv(self.table, p, index=False))
        write_output(out, "replications.csv",
                     lambda p: safe_csv(self.replications, p, index=False))
        resolved = resolved_text(self.scenario, seed=self.scenario.seed, version=__version__)
        write_output(out, RESOLVED_NAME, lambda p: p.write_text(resolved, encoding="utf-8"))
        text = json.dumps(self.to_dict(), indent=2, default=str)
        write_output(out, "sweep.json", lambda p: p.write_text(text, encoding="utf-8"))
        return finish_output(out)

    def wide(self, metrics: Sequence[str]) -> str:
        """Plain-text table: one row per design point, factors then ``mean ± half-width``.

        An interval below 0 of a metric that cannot be negative is marked, with a note under
        the table (:mod:`jailsim.results.tables`).
        """
        metrics = check_metrics(metrics)
        paths = list(self.factors)
        header = ["point", *paths, *metrics]
        rows = [header]
        t = self.table.set_index(["point", "metric"])
        for d in self.design.to_dict("records"):
            p = int(d["point"])
            row = [str(p), *(str(d[k]) for k in paths)]
            row += [cell(t.loc[(p, m)], m) for m in metrics]
            rows.append(row)
        return with_note(text_table(rows, left=0))


def sweep(
    scenario: Scenario | str | Path,
    factors: Mapping[str, Sequence[Any]] | None = None,
    options: RunOptions | None = None,
    **fields: Any,
) -> Sweep:
    """Run a scenario at every design point of ``factors`` (full factorial).

    Parameters
    ----------
    scenario
        A Scenario, or a path (whose ``sweep:`` block, if any, gives factors; ``factors``
        adds to it and wins on the same path).
    factors
        Dotted path -> list of values (YAML text form: ``"48h"``, ``"30/day"``, numbers).
    options, **fields
        As for :func:`jailsim.simulate` (:class:`~jailsim.experiments.options.RunOptions`);
        ``replications`` per design point (default: the scenario's, or
        :data:`~jailsim.experiments.options.DEFAULT_REPLICATIONS` if it asks for one);
        ``out`` is the output folder (checkpoints per design point while running).

    Returns
    -------
    Sweep
        The design and the tidy table of means with intervals.

    Examples
    --------
    >>> import jailsim
    >>> s = jailsim.sweep("jailsim:jem.yaml", {"jem.officers": [1, 2]}, seed=1,
    ...                   replications=2, days=30)
    >>> t = s.table.set_index(["point", "metric"])
    >>> int(t.loc[(0, "detainers"), "n"]), len(s.replications)
    (2, 4)
    """
    opts = options_from(options, fields, "sweep", draws=False)
    where = str(scenario) if isinstance(scenario, (str, Path)) else "sweep"
    if isinstance(scenario, (str, Path)):
        base, from_file = load_sweep(scenario)
    else:
        base, from_file = scenario, {}
    merged = {**from_file, **_check_factors(dict(factors or {}), "factors")}
    if not merged:
        raise ScenarioError([f"{where}: nothing to vary (give --vary PATH=V1,V2 or a sweep: "
                             "block)"])
    replications = opts.replications
    if replications is None and base.replications == 1:
        replications = DEFAULT_REPLICATIONS
    seed = points_seed(base, opts.seed, opts.out)  # a rerun resumes with its checkpoints' seed
    sc = prepare(base, opts, seed=seed, replications=replications, memory_check=False)
    # one replication's tables at a time in each process; only metrics are kept
    check_run_memory(sc, sc.replications, opts, resolve_engine(opts.engine), tables=False,
                     source=where)
    points = design_points(merged)
    problems, scenarios = [], []
    for p, point in enumerate(points):
        try:
            scenarios.append(sc.with_(point))
        except ScenarioError as exc:
            label = f"{where}: design point {p} ({point_label(point)})"
            problems += [line.replace("<with_>", label) for line in exc.lines]
    if problems:
        raise ScenarioError(problems)
    folder = opts.folder
    if folder is not None:  # claimed before any checkpoint is written
        begin_output(folder, "sweep", overwrite=opts.overwrite)
    n = sc.replications
    arms, tally = replicate_points(scenarios, n, opts, kind="design point")
    paths = list(merged)
    rows = [{"point": p, **{k: _show(v) for k, v in point.items()}}
            for p, point in enumerate(points)]
    design = pd.DataFrame(rows, columns=["point", *paths])
    per_rep, tidy = [], []
    for keys, arm in zip(rows, arms, strict=True):
        m = arm.metrics(n)
        per_rep.append(m.assign(**{k: [v] * len(m) for k, v in keys.items()}))
        summary = summarize(m)
        for name, row in summary.iterrows():
            tidy.append({**keys, "metric": name, "unit": METRICS[name][0],
                         "mean": row["mean"], "ci_low": row["ci_low"],
                         "ci_high": row["ci_high"], "n": int(row["n"])})
    replications_df = pd.concat(per_rep, ignore_index=True)[
        ["point", *paths, "replication", *METRICS]
    ]
    table = pd.DataFrame(tidy, columns=["point", *paths, "metric", "unit", "mean", "ci_low",
                                        "ci_high", "n"])
    result = Sweep(sc, resolve_engine(opts.engine), merged, design, replications_df, table,
                   tally)
    if folder is not None:
        result.save(folder, overwrite=opts.overwrite)
        for arm in arms:
            arm.checkpoints.clear()
        _remove_empty(folder / "checkpoints")
    return result


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
