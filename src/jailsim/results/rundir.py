"""The output folder of a run: written here and read back here, and nowhere else.

Every file is written atomically (temporary file, then rename), and ``summary.json``, the
marker of a finished run, last; a crash leaves each file as it was before or complete, never
half written::

    summary.json  summary.csv  replications.csv  bookings.parquet  census.parquet
    scenario.resolved.yaml

:func:`read_run` reads such a folder back, with one check for every reader (the report,
``explain``, ``breakdown``, ``periods``): a missing or damaged file is a one-line error naming
it. :func:`begin_output` readies a folder for any kind of output (a run, a comparison, a
sweep, a sensitivity analysis), whose markers are :data:`MARKERS`.
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
from jailsim.base.atomic import atomic_write, atomic_write_text, is_temporary
from jailsim.base.errors import ScenarioError
from jailsim.results.metrics import METRICS
from jailsim.scenario.loading import RESOLVED_NAME, dump_resolved, load

__all__ = ["MARKERS", "RUN_FILES", "as_written", "begin_output", "read_run", "summary_dict",
           "write_run"]

#: The file each kind of output folder writes last (run, comparison, sweep, sensitivity): a
#: folder holding one holds that output whole.
MARKERS = ("summary.json", "comparison.json", "sweep.json", "sensitivity.json")
#: The files of a finished run folder.
RUN_FILES = ("summary.json", RESOLVED_NAME, "replications.csv", "bookings.parquet",
             "census.parquet")


def begin_output(folder: str | Path) -> Path:
    """Ready ``folder`` for a new output and return it.

    Creates it, removes every kind's marker (the new output writes its own last, so until then
    nothing takes the folder for a finished output, old or new, nor a report for another kind
    of run) and the temporary files of a writer killed before it could remove them.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in MARKERS:
        (folder / name).unlink(missing_ok=True)
    for tmp in folder.glob(".*.tmp"):
        if is_temporary(tmp):  # named as jailsim's atomic writes name theirs
            tmp.unlink(missing_ok=True)
    return folder


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


def write_run(result, out: Path) -> Path:
    """Write every output file of ``result`` into folder ``out``; return ``out``.

    ``result`` is a :class:`~jailsim.results.result.Result`. ``summary.json``, which makes the
    folder a finished run, is written last.
    """
    begin_output(out)
    summary = summary_dict(result)
    atomic_write(out / "bookings.parquet", _parquet(result.bookings, result))
    atomic_write(out / "census.parquet", _parquet(result.census, result))
    atomic_write(out / "replications.csv", lambda p: result.metrics.to_csv(p, index=False))
    atomic_write(
        out / "summary.csv",
        lambda p: result.summary().drop(columns="unit").rename_axis("metric").to_csv(p),
    )
    dump_resolved(result.scenario, out / RESOLVED_NAME, seed=result.seed, version=__version__)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2))
    return out


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
        With one line when the folder is missing, lacks a file of :data:`RUN_FILES`, or holds
        a file that does not read as jailsim wrote it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([f"{folder}: no such run folder (write one with jailsim run --out)"])
    missing = [n for n in RUN_FILES if not (folder / n).is_file()]
    if missing:
        raise ScenarioError([f"{folder}: not a jailsim run folder (missing {', '.join(missing)})"])
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
