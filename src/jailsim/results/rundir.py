"""The output folder of a run, written file by file atomically (temporary file, then rename).

A crash leaves each file as it was before or complete, never half written::

    summary.json  summary.csv  replications.csv  bookings.parquet  census.parquet
    scenario.resolved.yaml
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jailsim._version import __version__
from jailsim.base.atomic import atomic_write, atomic_write_text, begin_output
from jailsim.results.metrics import METRICS
from jailsim.results.result import Result
from jailsim.scenario.loading import dump_resolved


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def summary_dict(result: Result) -> dict:
    """The content of ``summary.json``."""
    sc = result.scenario
    table = result.summary()
    return {
        "scenario": sc.name,
        "jailsim_version": __version__,
        "seed": result.seed,
        "replications": sc.replications,
        "engine": result.engine,
        "start_date": sc.start_date.isoformat(),
        "window_days": [sc.warmup, sc.horizon],
        "metrics": {
            name: {
                "mean": _clean(float(row["mean"])),
                "ci_low": _clean(float(row["ci_low"])),
                "ci_high": _clean(float(row["ci_high"])),
                "n": int(row["n"]),
                "unit": METRICS[name][0],
            }
            for name, row in table.iterrows()
        },
    }


def _parquet(df: pd.DataFrame, result: Result) -> Callable[[Path], None]:
    sc = result.scenario
    meta = {
        b"jailsim.start_date": sc.start_date.isoformat().encode(),
        b"jailsim.time_unit": b"days since start_date 00:00",
        b"jailsim.horizon_days": repr(sc.horizon).encode(),
        b"jailsim.seed": str(result.seed).encode(),
        b"jailsim.version": __version__.encode(),
    }

    def write(tmp: Path) -> None:
        table = pa.Table.from_pandas(df, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
        pq.write_table(table, tmp)

    return write


def write_run(result: Result, out: Path) -> Path:
    """Write every output file of ``result`` into folder ``out``; return ``out``.

    ``summary.json``, which makes the folder a finished run, is written last.
    """
    begin_output(out)
    summary = summary_dict(result)
    atomic_write(out / "bookings.parquet", _parquet(result.bookings, result))
    atomic_write(out / "census.parquet", _parquet(result.census, result))
    atomic_write(out / "replications.csv", lambda p: result.metrics.to_csv(p, index=False))
    atomic_write(
        out / "summary.csv",
        lambda p: result.summary().rename_axis("metric").to_csv(p),
    )
    dump_resolved(result.scenario, out / "scenario.resolved.yaml", seed=result.seed,
                  version=__version__)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2))
    return out
