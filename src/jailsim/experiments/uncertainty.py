"""Which part of a band is parameter uncertainty, and which is simulation noise.

A run with ``parameter_uncertainty=True`` draws a parameter set per replication
(:mod:`jailsim.experiments.draws`). Beside it, the same replications run with the parameters
held at the scenario's values (the *fixed* arm: the same seed and streams, metrics only), and
the law of total variance, ``Var Y = E[Var(Y | parameters)] + Var(E[Y | parameters])``, splits
the spread over replications in two (:func:`variance_parts`): the fixed arm's variance is the
simulation noise, and what the drawn arm has beyond it is the parameters'. Both arms'
replications are independent of one another, so every interval computed over replications
stays valid.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.base.manifest import write_output
from jailsim.base.spreadsheet import safe_csv
from jailsim.experiments.arms import Arm
from jailsim.experiments.checkpoints import Checkpoints
from jailsim.experiments.draws import fixed_scenario
from jailsim.experiments.prepared import PreparedRun
from jailsim.results.metrics import HEADLINE, METRICS
from jailsim.results.tables import _fmt, text_table

__all__ = ["BAND", "COLUMNS", "FIXED", "comparison_parts", "comparison_uncertainty",
           "fixed_arm", "held_arms", "save_uncertainty", "uncertainty_table",
           "uncertainty_text", "variance_parts"]

#: The band of the uncertainty table: the central share of the replications.
BAND = 0.9
#: Columns of ``uncertainty.csv`` (and of :func:`uncertainty_table`).
COLUMNS = ["metric", "unit", "mean", "band_low", "band_high", "sd", "sd_parameters",
           "sd_noise", "parameter_share", "replications"]
#: Folder of the fixed arm's checkpoints, inside a run's ``checkpoints/``.
FIXED = "fixed"


def fixed_arm(run: PreparedRun, label: str, checkpoints: Path | None,
              where: str = "") -> Arm:
    """The arm that runs ``run``'s replications with the parameters held (metrics only).

    ``checkpoints``: the drawn arm's checkpoint folder (the fixed arm's go in its
    :data:`FIXED` subfolder), or None.
    """
    fixed = PreparedRun.build(fixed_scenario(run.scenario), run.engine)
    ckpt = (Checkpoints(checkpoints / FIXED, fixed, where=f"{where} (parameters fixed)")
            if checkpoints is not None else None)
    return Arm(f"{label} (parameters fixed)", fixed, tables=False, checkpoints=ckpt)


def held_arms(arms: list[Arm]) -> list[Arm]:
    """A :func:`fixed_arm` for each arm, its checkpoints inside the arm's (if it has any)."""
    return [fixed_arm(a.run, a.label, a.checkpoints and a.checkpoints.folder,
                      a.checkpoints.where if a.checkpoints else "") for a in arms]


def variance_parts(drawn, fixed) -> tuple[np.ndarray, np.ndarray]:
    """Noise and parameter variance over replications (law of total variance).

    Parameters
    ----------
    drawn, fixed
        One row per replication (a vector, or one column per day or metric): with the
        parameters drawn, and held at the scenario's values. Missing values are left out.

    Returns
    -------
    (noise, parameters)
        ``noise``: the variance over the fixed replications (``E[Var(Y | parameters)]``,
        taking the noise to vary little over the parameters drawn); ``parameters``: the
        drawn replications' variance beyond it (``Var(E[Y | parameters])``), at least 0.
        NaN with fewer than 2 replications on either side.

    Examples
    --------
    >>> noise, params = variance_parts([1.0, 5.0, 9.0], [2.0, 3.0, 4.0])
    >>> float(noise), float(params)
    (1.0, 15.0)
    """
    with warnings.catch_warnings():  # a metric defined in too few replications: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        total = np.nanvar(np.asarray(drawn, dtype=float), axis=0, ddof=1)
        noise = np.nanvar(np.asarray(fixed, dtype=float), axis=0, ddof=1)
    return noise, np.maximum(total - noise, 0.0)


def uncertainty_table(drawn: pd.DataFrame, fixed: pd.DataFrame,
                      level: float = BAND) -> pd.DataFrame:
    """Each metric's band over replications and the share of its variance due to parameters.

    ``drawn`` and ``fixed`` have one row per replication and a column per metric
    (``Result.metrics`` of the drawn and the fixed arm). Columns :data:`COLUMNS`: the drawn
    replications' mean and band (their central ``level``), the standard deviation and its
    two parts (``sd**2 = sd_parameters**2 + sd_noise**2``, :func:`variance_parts`), the
    parameters' share of the variance and the replications behind it.
    """
    names = [m for m in METRICS if m in drawn.columns]
    v = drawn[names].to_numpy(dtype=float)
    noise, params = variance_parts(v, fixed[names].to_numpy(dtype=float))
    total = noise + params
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # a metric undefined throughout
        share = np.where(total > 0, params / total, np.nan)
        lo, hi = (np.nanquantile(v, q, axis=0) for q in ((1 - level) / 2, (1 + level) / 2))
        mean = np.nanmean(v, axis=0)
    return pd.DataFrame({
        "metric": names, "unit": [METRICS[m][0] for m in names], "mean": mean,
        "band_low": lo, "band_high": hi, "sd": np.sqrt(total), "sd_parameters": np.sqrt(params),
        "sd_noise": np.sqrt(noise), "parameter_share": share,
        "replications": np.isfinite(v).sum(axis=0),
    }, columns=COLUMNS)


def comparison_uncertainty(drawn: dict[str, pd.DataFrame], fixed: dict[str, pd.DataFrame],
                           baseline: str, level: float = BAND) -> pd.DataFrame:
    """:func:`uncertainty_table` of each scenario of a comparison and of each difference.

    ``drawn`` and ``fixed``: each scenario's per-replication metrics by label, with the
    parameters drawn and held; the differences ``B - A`` are taken replication by replication
    against ``baseline`` (replication ``r`` draws the same values on both sides for every
    entry they share). Rows gain a first column ``scenario`` (``"B − A"`` for a difference).
    """
    parts = [uncertainty_table(drawn[k], fixed[k], level).assign(scenario=k) for k in drawn]

    def diff(table: dict, label: str) -> pd.DataFrame:
        return (table[label].set_index("replication")
                - table[baseline].set_index("replication")).reset_index()

    for label in drawn:
        if label != baseline:
            parts.append(uncertainty_table(diff(drawn, label), diff(fixed, label), level)
                         .assign(scenario=f"{label} − {baseline}"))
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", *COLUMNS]]


def comparison_parts(arms: list[Arm], fixed: list[Arm], n: int) -> pd.DataFrame | None:
    """:func:`comparison_uncertainty` of a comparison's arms and their :func:`held_arms`.

    None without held arms (parameters not drawn); the first arm is the baseline.
    """
    if not fixed:
        return None
    return comparison_uncertainty({a.label: a.metrics(n) for a in arms},
                                  {a.label: f.metrics(n) for a, f in zip(arms, fixed,
                                                                         strict=True)},
                                  arms[0].label)


def save_uncertainty(folder: str | Path, table: pd.DataFrame,
                     name: str = "uncertainty.csv") -> Path:
    """Write an uncertainty table into a finished output folder (listed in its manifest)."""
    return write_output(Path(folder), name,
                        lambda p: safe_csv(table, p, index=False))


def uncertainty_text(table: pd.DataFrame, metrics=None, level: float = BAND) -> str:
    """An uncertainty table as text: band, sd and its two parts, the parameters' share.

    ``metrics`` limits the rows (default :data:`~jailsim.results.metrics.HEADLINE`); a table
    with a ``scenario`` column (a comparison's) gets it as the first column.
    """
    names = list(metrics or HEADLINE)
    rows = table[table["metric"].isin(names)]
    scenario = "scenario" in table.columns
    header = [*(["scenario"] if scenario else []), "metric", "unit", "mean",
              f"{level:.0%} band", "sd", "sd parameters", "sd noise", "parameters' share"]
    cells = [header]
    for r in rows.to_dict("records"):
        share = r["parameter_share"]
        cells.append([*([r["scenario"]] if scenario else []), r["metric"], r["unit"],
                      _fmt(r["mean"]), f"{_fmt(r['band_low'])} to {_fmt(r['band_high'])}",
                      _fmt(r["sd"]), _fmt(r["sd_parameters"]), _fmt(r["sd_noise"]),
                      "-" if not np.isfinite(share) else f"{share:.0%}"])
    note = ("band and sd over the replications with parameters drawn; sd noise: over the same "
            "replications with the parameters held (sd² = parameters² + noise²)")
    return text_table(cells, left=3 if scenario else 2) + "\n" + note
