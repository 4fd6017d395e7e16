"""The output folder of a run: written here and read back here, and nowhere else.

Every file is written atomically (temporary file, then rename) and recorded, with its size
and SHA-256, in the folder's manifest, which is written last (:mod:`jailsim.base.manifest`);
a crash leaves a folder whose manifest says it is not complete, never one that passes for a
finished run::

    manifest.json  summary.json  summary.csv  replications.csv  bookings.parquet
    census.parquet  scenario.resolved.yaml

:func:`read_run` reads such a folder back, with one check for every reader (the report,
``explain``, ``breakdown``, ``periods``, ``Result.load``): a folder that is not complete, or
whose files are missing, changed or damaged, is a one-line error naming it.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jailsim._version import __version__
from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import begin_output, check_output, finish_output, write_output
from jailsim.results.metrics import METRICS
from jailsim.scenario.loading import RESOLVED_NAME, load, resolved_text

__all__ = ["as_written", "read_run", "summary_dict", "write_run"]

def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def summary_dict(result) -> dict:
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


def _parquet(df: pd.DataFrame, result) -> Callable[[Path], None]:
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


def write_run(result, out: Path, *, overwrite: bool = False) -> Path:
    """Write every output file of ``result`` into folder ``out``; return ``out``.

    ``result`` is a :class:`~jailsim.results.result.Result`. The folder is claimed first
    (:func:`~jailsim.base.manifest.begin_output`: a folder holding files jailsim did not write
    is refused unless ``overwrite``; a previous output there is removed whole), and its
    manifest, which makes it a finished run, is written last.
    """
    begin_output(out, "run", overwrite=overwrite)
    write_output(out, "bookings.parquet", _parquet(result.bookings, result))
    write_output(out, "census.parquet", _parquet(result.census, result))
    write_output(out, "replications.csv", lambda p: result.metrics.to_csv(p, index=False))
    write_output(
        out, "summary.csv",
        lambda p: result.summary().drop(columns="unit").rename_axis("metric").to_csv(p),
    )
    text = resolved_text(result.scenario, seed=result.seed, version=__version__)
    write_output(out, RESOLVED_NAME, lambda p: p.write_text(text, encoding="utf-8"))
    text = json.dumps(summary_dict(result), indent=2)
    write_output(out, "summary.json", lambda p: p.write_text(text, encoding="utf-8"))
    return finish_output(out)


@contextlib.contextmanager
def as_written(path: Path):
    """Within it, a file that does not read as jailsim wrote it is a one-line error on ``path``.

    (A damaged or hand-edited output: bad JSON, a truncated Parquet file, missing keys or
    columns.)
    """
    try:
        yield
    except ScenarioError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, OSError) as exc:
        raise ScenarioError([f"{path}: not as jailsim writes it ({type(exc).__name__}: {exc}); "
                             "rerun the command that wrote it"]) from None


def read_run(folder: str | Path) -> dict:
    """The parts of a run read back from its folder (the fields of a Result).

    ``scenario``, ``engine``, ``bookings``, ``census`` and ``metrics``.

    Raises
    ------
    ScenarioError
        With one line when the folder is missing, is not a complete run of jailsim's, or
        holds a file that is missing, changed since it was written, or does not read as
        jailsim wrote it (:func:`~jailsim.base.manifest.check_output`).
    """
    folder = Path(folder)
    check_output(folder, kinds=("run",))
    with as_written(folder / "summary.json"):
        engine = json.loads((folder / "summary.json").read_text())["engine"]
    with as_written(folder / "replications.csv"):
        metrics = pd.read_csv(folder / "replications.csv")
    tables = {}
    for name in ("bookings", "census"):
        with as_written(folder / f"{name}.parquet"):
            tables[name] = pd.read_parquet(folder / f"{name}.parquet")
    return {"scenario": load(folder / RESOLVED_NAME), "engine": engine, "metrics": metrics,
            **tables}
