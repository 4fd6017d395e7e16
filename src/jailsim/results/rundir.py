"""The output folder of a run: written here and read back here, and nowhere else.

Every file is written atomically (temporary file, then rename) and recorded, with its size
and SHA-256, in the folder's manifest, which is written last (:mod:`jailsim.base.manifest`);
a crash leaves a folder whose manifest says it is not complete, never one that passes for a
finished run::

    manifest.json  summary.json  summary.csv  replications.csv  scenario.resolved.yaml
    bookings.parquet/part-000000.parquet  part-000001.parquet ...   (one per replication)
    census.parquet/part-000000.parquet    part-000001.parquet ...

Each table is a folder of parts, one Parquet file per replication, that pandas, pyarrow and
Dask read as one table (:mod:`jailsim.results.tablefiles`). A part kept on disk (a
checkpoint a worker wrote) is put in place by a hard link, never read or written again; a
table held in memory is written a replication at a time. Tables are read back only when
asked; a metrics-only run has none (``"metrics_only": true`` in ``summary.json``), and asking
for one is a one-line error.

:func:`read_run` reads such a folder back, with one check for every reader (the report,
``explain``, ``breakdown``, ``periods``, ``Result.load``): a folder that is not complete, or
whose files are missing, changed or damaged, is a one-line error naming it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
from pathlib import Path

import pandas as pd

from jailsim._version import STREAMS_VERSION, __version__
from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import (
    begin_output,
    check_output,
    finish_output,
    write_output,
    write_outputs,
)
from jailsim.base.spreadsheet import safe_csv
from jailsim.results.metrics import METRICS
from jailsim.results.tablefiles import (
    NoTable,
    StoredTable,
    Table,
    held,
    part_name,
    table_metadata,
    write_table,
)
from jailsim.scenario.loading import RESOLVED_NAME, load, resolved_text
from jailsim.scenario.yamlfile import written_by_jailsim

__all__ = ["TABLES", "as_written", "read_run", "reopen", "stored_tables", "summary_dict",
           "write_run"]

#: The tables of a run folder (``NAME.parquet``), unless the run kept only metrics.
TABLES = ("bookings", "census")

def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def summary_dict(result) -> dict:
    """The content of ``summary.json``."""
    sc = result.scenario
    table = result.summary()
    return {
        "scenario": sc.name,
        "jailsim_version": __version__,
        "streams_version": STREAMS_VERSION,
        "seed": result.seed,
        "replications": sc.replications,
        "engine": result.engine,
        "start_date": sc.start_date.isoformat(),
        "window_days": [sc.warmup, sc.horizon],
        # a metrics-only run writes no bookings.parquet or census.parquet
        "metrics_only": isinstance(held(result, "bookings"), NoTable),
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


def _parts(name: str, table: Table, result) -> tuple[dict, dict[str, str]]:
    """What :func:`~jailsim.base.manifest.write_outputs` puts in folder ``NAME.parquet``.

    Part ``k`` of a table kept on disk one part per replication is its file, linked into
    place as it is (its SHA-256 passed on where its writer knew it); a table in memory is
    written a replication at a time (:func:`~jailsim.results.tablefiles.write_table`), the
    same bytes as a worker's part. Returns the writers by name and the known hashes.
    """
    if isinstance(table, StoredTable) and table.per_replication:
        names = [f"{name}.parquet/{part_name(k)}" for k in range(len(table.parts))]
        files = {n: table.checked(k) for k, n in enumerate(names)}
        return files, dict(zip(names, table.sha256, strict=True)) if table.sha256 else {}
    df = table.frame() if isinstance(table, StoredTable) else table  # one file: read, split
    meta = table_metadata(result.scenario)
    rows = df.groupby("replication", sort=True).indices  # a replication's rows, in order
    files = {}
    # every replication has its part, one without rows too (a table of no bookings)
    for r in sorted({int(r) for r in rows} | {int(r) for r in result.metrics["replication"]}):
        index = rows.get(r, [])

        def write(tmp: Path, index=index) -> None:
            write_table(tmp, df.iloc[index], meta)

        files[f"{name}.parquet/{part_name(r)}"] = write
    return files, {}


def write_run(result, out: Path, *, overwrite: bool = False) -> Path:
    """Write every output file of ``result`` into folder ``out``; return ``out``.

    ``result`` is a :class:`~jailsim.results.result.Result`. The folder is claimed first
    (:func:`~jailsim.base.manifest.begin_output`: a folder holding files jailsim did not write
    is refused unless ``overwrite``; a previous output there is removed whole), and its
    manifest, which makes it a finished run, is written last.
    """
    tables = {name: held(result, name) for name in TABLES}
    for name, table in tables.items():  # read (and kept) before their folder is emptied
        if isinstance(table, StoredTable) and any(_within(p, out) for p in table.parts):
            tables[name] = getattr(result, name)
    begin_output(out, "run", overwrite=overwrite)
    for name, table in tables.items():
        if not isinstance(table, NoTable):
            files, sums = _parts(name, table, result)
            write_outputs(out, files, sha256s=sums)
    write_output(out, "replications.csv", lambda p: safe_csv(result.metrics, p, index=False))
    write_output(
        out, "summary.csv",
        lambda p: safe_csv(result.summary().drop(columns="unit").rename_axis("metric"), p),
    )
    text = resolved_text(result.scenario, seed=result.seed, version=__version__)
    write_output(out, RESOLVED_NAME, lambda p: p.write_text(text, encoding="utf-8"))
    text = json.dumps(summary_dict(result), indent=2)
    write_output(out, "summary.json", lambda p: p.write_text(text, encoding="utf-8"))
    return finish_output(out)


def _within(path: Path, folder: Path) -> bool:
    """Whether ``path`` is a file of the run folder ``folder`` (not a checkpoint in it)."""
    folder, where = Path(folder).resolve(), Path(path).resolve().parent
    return where == folder or (where.parent == folder
                               and where.name in {f"{name}.parquet" for name in TABLES})


def stored_tables(folder: Path, metrics_only: bool = False) -> dict[str, Table]:
    """The tables of the run folder ``folder``, read only when asked.

    ``metrics_only``: the run kept none; each is then a one-line error when asked for.
    """
    if metrics_only:
        return {name: NoTable(f"{folder}: a metrics-only run (--metrics-only, metrics_only="
                              f"True) keeps no {name} table ({name}.parquet); rerun it "
                              "without --metrics-only to have one") for name in TABLES}
    return {name: StoredTable.folder(folder / f"{name}.parquet") for name in TABLES}


def reopen(result, folder: Path):
    """``result`` with its tables read from the run folder it was written to (when asked)."""
    metrics_only = isinstance(held(result, "bookings"), NoTable)
    if metrics_only:
        return result
    return dataclasses.replace(result, **stored_tables(Path(folder)))


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
        summary = json.loads((folder / "summary.json").read_text())
        engine, metrics_only = summary["engine"], bool(summary.get("metrics_only", False))
    with as_written(folder / "replications.csv"):
        metrics = pd.read_csv(folder / "replications.csv")
    tables = stored_tables(folder, metrics_only)
    for name, table in tables.items():
        if isinstance(table, StoredTable):
            with as_written(folder / f"{name}.parquet"):  # its footer, not its rows
                table.rows  # noqa: B018
    with written_by_jailsim():  # its hash checked: a large roster inline is no attack
        scenario = load(folder / RESOLVED_NAME)
    return {"scenario": scenario, "engine": engine, "metrics": metrics,
            **tables}
