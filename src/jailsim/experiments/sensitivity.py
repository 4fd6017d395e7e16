"""Global sensitivity: how much each uncertain input drives each metric (SALib, Sobol or Morris).

Each parameter is a dotted scenario path with a range, ``jem.officers=1:8`` or
``hold.cap=24h:72h`` (both ends in the same unit). SALib draws the sample (Saltelli's scheme
for Sobol indices, ``N (D + 2)`` points for ``D`` parameters; Morris trajectories,
``N (D + 1)`` points); every point is the scenario with those values, run for ``R``
replications on one seed (common random numbers, so the noise moves little from point to
point); the model output at a point is the mean over its replications. SALib's analysis gives
the indices with bootstrap 95% intervals: first-order ``S1`` and total ``ST`` (Sobol), or
``mu_star`` and ``sigma`` (Morris). A parameter whose current value is a whole number (a
count of officers) is sampled uniformly over the whole numbers of its range.

Small samples and constant metrics. A Sobol index is a share of variance, in [0, 1]; its
estimate from a small sample can fall outside (S1 > 1) or carry an interval wider than the
range. The sample is called too small when some S1 or ST lies outside [0, 1] by more than its
95% half-width, or its half-width exceeds :data:`MAX_HALF_WIDTH` (an interval wider than
[0, 1] itself); then one warning line says so, naming the worst index (:attr:`Sensitivity.notes`,
``sensitivity.json``). Numpy's own warnings from SALib's arithmetic are not shown. A metric
that is the same at every sample point has no variance to share out: its Sobol indices are
undefined (NaN in :attr:`Sensitivity.indices`, ``undefined`` when printed), not 0 ± 0
(:attr:`Sensitivity.undefined`). Morris effects of such a metric are 0, which they are.

Output folder::

    sensitivity.csv  samples.csv  sensitivity.json  scenario.resolved.yaml

``jailsim sensitivity`` adds ``report.html`` (:func:`jailsim.present.report.write_report`): the
indices with their intervals, as a table and a figure.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jailsim._version import STREAMS_VERSION, __version__
from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import begin_output, finish_output, write_output
from jailsim.base.spreadsheet import safe_csv
from jailsim.engines import resolve_engine
from jailsim.experiments.arms import Tally, replicate_points
from jailsim.experiments.checkpoints import points_seed
from jailsim.experiments.footprint import check_run_memory
from jailsim.experiments.options import RunOptions, option_text, options_from
from jailsim.experiments.prepared import prepare
from jailsim.model.runchoices import SENSITIVITY_METHODS as METHODS
from jailsim.results.metrics import HEADLINE, METRICS, check_metrics
from jailsim.results.tables import text_table
from jailsim.scenario.loading import RESOLVED_NAME, load, resolved_text
from jailsim.scenario.paths import get_dotted
from jailsim.scenario.schema import Scenario

__all__ = [
    "METHODS",
    "Parameter",
    "Sensitivity",
    "analyze_sensitivity",
    "parameters",
    "parse_params",
    "too_small",
]

#: Replications per sample point unless told otherwise.
DEFAULT_REPLICATIONS = 3
#: Grid levels of the Morris method.
MORRIS_LEVELS = 4
#: Largest 95% half-width of a Sobol index from a sample not called too small (the module
#: docstring): 0.5, an interval as wide as the range [0, 1] of the index.
MAX_HALF_WIDTH = 0.5

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S*)\s*$")


def _import_salib():
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise ScenarioError(
            ["sensitivity needs SALib: pip install 'jailsim[sensitivity]'"]
        ) from None
    return sobol_sample, sobol_analyze, morris_sample, morris_analyze


@dataclass(frozen=True)
class Parameter:
    """One uncertain input: a dotted path, its range and how values are written.

    Attributes
    ----------
    path
        Dotted scenario path.
    low, high
        The range, as numbers in ``unit``.
    unit
        Suffix written after the number (``"h"``, ``"/day"``, or ``""``).
    integer
        Whether values are whole numbers (sampled uniformly over ``low..high``).
    """

    path: str
    low: float
    high: float
    unit: str = ""
    integer: bool = False

    @property
    def bounds(self) -> list[float]:
        """The range SALib samples (whole numbers: widened by 0.5 each side, then rounded)."""
        if self.integer:
            return [self.low - 0.5, self.high + 0.5]
        return [self.low, self.high]

    def value(self, x: float) -> Any:
        """The scenario value for SALib's draw ``x``."""
        if self.integer:
            return int(min(self.high, max(self.low, round(x))))
        return f"{x:.6g}{self.unit}" if self.unit else float(x)


def parse_params(items: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``["jem.officers=1:8"]`` to ``{"jem.officers": ("1", "8")}``."""
    out: dict[str, tuple[str, str]] = {}
    problems = []
    for item in items:
        path, eq, rng = item.partition("=")
        low, colon, high = rng.partition(":")
        if not eq or not colon or not path.strip() or not low.strip() or not high.strip():
            problems.append(f"--param {item}: expected PATH=LOW:HIGH")
        elif path.strip() in out:
            problems.append(f"--param {item}: {path.strip()} given twice")
        else:
            out[path.strip()] = (low.strip(), high.strip())
    if problems:
        raise ScenarioError(problems)
    return out


def parameters(base: Scenario, ranges: Mapping[str, tuple[Any, Any] | str]) -> list[Parameter]:
    """Parameters from ``path -> (low, high)`` or ``path -> "low:high"``, checked.

    Raises
    ------
    ScenarioError
        One line per range that is not two numbers in one unit with ``low < high``.
    """
    data = base.to_dict()
    params, problems = [], []
    for path, rng in ranges.items():
        if isinstance(rng, str):
            rng = tuple(rng.split(":", 1)) if ":" in rng else (rng,)
        if len(rng) != 2:
            problems.append(f"--param {path}: expected LOW:HIGH")
            continue
        parts = [_NUMBER.match(str(v)) for v in rng]
        if not all(parts):
            problems.append(f"--param {path}={rng[0]}:{rng[1]}: expected two numbers with the "
                            "same unit, e.g. 24h:72h")
            continue
        (lo, u1), (hi, u2) = (p.groups() for p in parts)
        if u1 != u2:
            problems.append(f"--param {path}={rng[0]}:{rng[1]}: both ends need the same unit")
            continue
        lo_f, hi_f = float(lo), float(hi)
        if not lo_f < hi_f:
            problems.append(f"--param {path}={rng[0]}:{rng[1]}: low must be below high")
            continue
        current = get_dotted(data, path, None)
        integer = (isinstance(current, int) and not isinstance(current, bool) and not u1
                   and lo_f.is_integer() and hi_f.is_integer())
        params.append(Parameter(path, lo_f, hi_f, u1, integer))
    if problems:
        raise ScenarioError(problems)
    if not params:
        raise ScenarioError(["sensitivity: give at least one --param PATH=LOW:HIGH"])
    return params


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """What :func:`analyze_sensitivity` returns.

    Attributes
    ----------
    scenario
        The base scenario as run.
    engine
        Engine used.
    method
        ``"sobol"`` or ``"morris"``.
    samples
        Base sample size ``N``.
    parameters
        The inputs varied.
    points
        One row per sample point: ``point``, each parameter's value, each metric's mean over
        the point's replications.
    indices
        Tidy: ``metric``, ``parameter``, ``index`` (``S1``, ``ST``; or ``mu_star``, ``mu``,
        ``sigma``), ``value``, ``ci_low``, ``ci_high`` (NaN where SALib gives no interval).
    skipped
        Metrics left out because they are undefined at some point (e.g. JEM screening
        metrics under WSO).
    tally
        Replications computed now and resumed from checkpoints.
    undefined
        Metrics the same at every sample point, whose Sobol indices are undefined (NaN).
    notes
        Warnings about the sample, one line each (given as warnings too): a sample too small
        for its indices (the module docstring).

    Examples
    --------
    >>> import jailsim
    >>> sc = jailsim.load("jailsim:jem.yaml").with_({"warm_start.kind": "none"})
    >>> s = jailsim.analyze_sensitivity(sc, {"jem.officers": "1:4"}, method="morris",
    ...                                 samples=2, replications=1, days=30, seed=1,
    ...                                 metrics=["detainers"])
    >>> s.method, s.samples, len(s.points)  # Morris: N (D + 1) points
    ('morris', 2, 4)
    >>> sorted(s.indices["index"].unique())
    ['mu', 'mu_star', 'sigma']
    """

    scenario: Scenario
    engine: str
    method: str
    samples: int
    parameters: tuple[Parameter, ...]
    points: pd.DataFrame
    indices: pd.DataFrame
    skipped: tuple[str, ...]
    tally: Tally
    undefined: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The content of ``sensitivity.json``: settings and where each number came from."""
        sc = self.scenario
        return {
            "jailsim_version": __version__,
            "streams_version": STREAMS_VERSION,
            "scenario": sc.name,
            "method": self.method,
            "samples": self.samples,
            "points": len(self.points),
            "replications_per_point": sc.replications,
            "seed": sc.seed,
            "engine": self.engine,
            "confidence": 0.95,
            "parameters": [
                {"path": p.path, "low": p.low, "high": p.high, "unit": p.unit,
                 "integer": p.integer}
                for p in self.parameters
            ],
            "skipped_metrics": list(self.skipped),
            "undefined_metrics": list(self.undefined),
            "notes": list(self.notes),
        }

    def save(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``sensitivity.csv``, ``samples.csv``, ``sensitivity.json``, the scenario.

        A folder holding files jailsim did not write is refused unless ``overwrite``
        (:func:`~jailsim.base.manifest.begin_output`); the manifest is written last.
        """
        out = begin_output(out, "sensitivity", overwrite=overwrite)
        write_output(out, "sensitivity.csv", lambda p: safe_csv(self.indices, p, index=False))
        write_output(out, "samples.csv", lambda p: safe_csv(self.points, p, index=False))
        resolved = resolved_text(self.scenario, seed=self.scenario.seed, version=__version__)
        write_output(out, RESOLVED_NAME, lambda p: p.write_text(resolved, encoding="utf-8"))
        text = json.dumps(self.to_dict(), indent=2)
        write_output(out, "sensitivity.json", lambda p: p.write_text(text, encoding="utf-8"))
        return finish_output(out)

    def table(self) -> str:
        """Plain text: one row per metric and parameter, each index with its interval.

        An undefined index (a metric the same at every point) reads ``undefined``.
        """
        idx = self.indices
        names = ["S1", "ST"] if self.method == "sobol" else ["mu_star", "sigma"]
        header = ["metric", "parameter", *names]
        rows = [header]
        for (metric, param), g in idx.groupby(["metric", "parameter"], sort=False):
            g = g.set_index("index")
            cells = []
            for name in names:
                v, lo, hi = g.loc[name, ["value", "ci_low", "ci_high"]]
                text = _num(v)
                if not math.isnan(lo):
                    text += f" ± {_num((hi - lo) / 2)}"
                cells.append(text)
            rows.append([metric, param, *cells])
        return text_table(rows)


def _num(x: float) -> str:
    if math.isnan(x):
        return "undefined"
    return f"{x:.3f}" if abs(x) < 100 else f"{x:,.0f}"


def _constant(y: np.ndarray) -> bool:
    """Whether ``y`` is the same at every point (no variance to share out), to rounding."""
    return bool(np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())))


def too_small(indices: pd.DataFrame, samples: int) -> str | None:
    """The line saying a Sobol sample is too small for its indices, or None.

    Too small: some ``S1`` or ``ST`` lies outside [0, 1] by more than its 95% half-width, or
    its half-width exceeds :data:`MAX_HALF_WIDTH`. The line names how many indices and the
    worst one (farthest outside, else widest).

    Examples
    --------
    >>> t = pd.DataFrame({"metric": ["adp"], "parameter": ["hold.cap"], "index": ["S1"],
    ...                   "value": [1.4], "ci_low": [1.2], "ci_high": [1.6]})
    >>> too_small(t, 4)  # doctest: +ELLIPSIS
    'sobol sensitivity: the sample is too small (N = 4): 1 of 1 indices ... is 1.400 ± 0.200; ...'
    """
    t = indices[indices["index"].isin(["S1", "ST"])].dropna(subset=["value", "ci_low"])
    if t.empty:
        return None
    half = (t["ci_high"] - t["ci_low"]) / 2
    outside = np.maximum(t["value"] - 1.0, -t["value"]).clip(lower=0.0)
    bad = (outside > half) | (half > MAX_HALF_WIDTH)
    if not bad.any():
        return None
    beyond = outside > half
    worst = (outside - half)[beyond].idxmax() if beyond.any() else half[bad].idxmax()
    r = t.loc[worst]
    return (f"sobol sensitivity: the sample is too small (N = {samples}): {int(bad.sum())} of "
            f"{len(t)} indices lie outside [0, 1] by more than their 95% half-width or have a "
            f"half-width over {MAX_HALF_WIDTH:g}, e.g. {r['index']} of {r['metric']} to "
            f"{r['parameter']} is {_num(r['value'])} ± {_num(half.loc[worst])}; use a larger "
            f"--samples (N = {max(2 * samples, METHODS['sobol'])} or more)")


def analyze_sensitivity(
    scenario: Scenario | str | Path,
    params: Mapping[str, tuple[Any, Any] | str],
    *,
    method: str = "sobol",
    samples: int | None = None,
    metrics: Sequence[str] | None = None,
    options: RunOptions | None = None,
    **fields: Any,
) -> Sensitivity:
    """Sobol or Morris sensitivity indices of metrics to scenario inputs (SALib).

    Parameters
    ----------
    scenario
        A Scenario or a path.
    params
        Dotted path -> ``(low, high)`` or ``"low:high"``; values with a unit carry it on
        both ends (``"24h:72h"``).
    method
        ``"sobol"`` (first-order and total indices) or ``"morris"`` (elementary effects).
    samples
        SALib's ``N``: base samples for Sobol (a power of 2; default 64), trajectories for
        Morris (default 10).
    metrics
        Metrics to analyse (default :data:`~jailsim.results.metrics.HEADLINE`).
    options, **fields
        As for :func:`jailsim.sweep` (:class:`~jailsim.experiments.options.RunOptions`);
        ``replications`` per sample point (default 3); ``seed`` also seeds SALib's sampling
        and bootstrap.

    Returns
    -------
    Sensitivity
        The sample with each point's metric means, and the indices with intervals.

    Examples
    --------
    Morris elementary effects of the number of JEM officers on detainers, on a tiny design
    (an empty jail at day 0, 30 days, 2 trajectories):

    >>> import jailsim
    >>> sc = jailsim.load("jailsim:jem.yaml").with_({"warm_start.kind": "none"})
    >>> s = jailsim.analyze_sensitivity(sc, {"jem.officers": "1:4"}, method="morris",
    ...                                 samples=2, replications=1, days=30, seed=1,
    ...                                 metrics=["detainers"])
    >>> list(s.indices.columns)
    ['metric', 'parameter', 'index', 'value', 'ci_low', 'ci_high']
    """
    opts = options_from(options, fields, "analyze_sensitivity", draws=False)
    if method not in METHODS:
        raise ScenarioError([f"{option_text('method', method)}: expected one of "
                             f"{', '.join(METHODS)}"])
    n_base = int(samples or METHODS[method])
    if n_base < 2 or (method == "sobol" and n_base & (n_base - 1)):
        given = option_text("samples", n_base)
        raise ScenarioError([f"{given}: expected a power of 2 (at least 2) for sobol"
                             if method == "sobol" else
                             f"{given}: expected 2 or more trajectories"])
    names = check_metrics(metrics or HEADLINE, option_text("metrics"))
    sobol_sample, sobol_analyze, morris_sample, morris_analyze = _import_salib()
    base = load(str(scenario)) if isinstance(scenario, (str, Path)) else scenario
    where = str(scenario) if isinstance(scenario, (str, Path)) else "sensitivity"
    seed = points_seed(base, opts.seed, opts.out)  # a rerun resumes with its checkpoints' seed
    sc = prepare(base, opts, seed=seed, replications=opts.replications or DEFAULT_REPLICATIONS,
                 memory_check=False)
    check_run_memory(sc, sc.replications, opts, resolve_engine(opts.engine), tables=False,
                     source=where)
    plist = parameters(sc, params)
    problem = {
        "num_vars": len(plist),
        "names": [p.path for p in plist],
        "bounds": [p.bounds for p in plist],
    }
    salib_seed = int(sc.seed % 2**32)
    if method == "sobol":
        x = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=salib_seed)
    else:
        x = morris_sample.sample(problem, n_base, num_levels=MORRIS_LEVELS, seed=salib_seed)
    values = [[p.value(v) for p, v in zip(plist, row, strict=True)] for row in x]
    scenarios, problems = [], []
    for k, row in enumerate(values):
        point = {p.path: v for p, v in zip(plist, row, strict=True)}
        try:
            scenarios.append(sc.with_(point))
        except ScenarioError as exc:
            problems += [line.replace("<with_>", f"{where}: sample point {k}")
                         for line in exc.lines]
            break  # one bad point shows the problem; the rest would repeat it
    if problems:
        raise ScenarioError(problems)
    folder = opts.folder
    if folder is not None:  # claimed before any checkpoint is written
        begin_output(folder, "sensitivity", overwrite=opts.overwrite)
    n = sc.replications
    arms, tally = replicate_points(scenarios, n, opts, kind="sample point")
    means = pd.DataFrame([arm.metrics(n)[list(METRICS)].mean() for arm in arms])
    points = pd.DataFrame(values, columns=[p.path for p in plist])
    points.insert(0, "point", range(len(points)))
    points = pd.concat([points, means[names].reset_index(drop=True)], axis=1)
    rows, skipped, undefined = [], [], []
    nan = float("nan")
    if method == "sobol":
        found = {"S1": ("S1", "S1_conf"), "ST": ("ST", "ST_conf")}
    else:
        found = {"mu_star": ("mu_star", "mu_star_conf"), "mu": ("mu", None),
                 "sigma": ("sigma", None)}
    for name in names:
        y = means[name].to_numpy(dtype=float)
        if np.isnan(y).any():
            skipped.append(name)
            continue
        res = None
        if method == "sobol" and _constant(y):
            undefined.append(name)  # 0/0: no variance to share out
        else:
            with warnings.catch_warnings():  # numpy's 0/0 in SALib: said in words instead
                warnings.simplefilter("ignore", RuntimeWarning)
                res = (sobol_analyze.analyze(problem, y, calc_second_order=False,
                                             conf_level=0.95, seed=salib_seed)
                       if method == "sobol" else
                       morris_analyze.analyze(problem, x, y, conf_level=0.95,
                                              num_levels=MORRIS_LEVELS, seed=salib_seed))
        for i, p in enumerate(plist):
            for index, (key, conf) in found.items():
                v = float(res[key][i]) if res is not None else nan
                half = float(res[conf][i]) if res is not None and conf is not None else nan
                rows.append({"metric": name, "parameter": p.path, "index": index, "value": v,
                             "ci_low": v - half, "ci_high": v + half})
    indices = pd.DataFrame(rows, columns=["metric", "parameter", "index", "value", "ci_low",
                                          "ci_high"])
    small = too_small(indices, n_base) if method == "sobol" else None
    if small is not None:
        warnings.warn(small, stacklevel=2)
    result = Sensitivity(sc, resolve_engine(opts.engine), method, n_base, tuple(plist), points,
                         indices, tuple(skipped), tally, undefined=tuple(undefined),
                         notes=(small,) if small else ())
    if folder is not None:
        result.save(folder, overwrite=opts.overwrite)
        for arm in arms:
            arm.checkpoints.clear()
        try:
            (folder / "checkpoints").rmdir()
        except OSError:
            pass
    return result
