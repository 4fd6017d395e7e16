"""Checkpoints: every finished replication on disk at once, so an interrupted run resumes.

Every finished replication is written to ``OUT/checkpoints/`` as soon as it is computed, by
the worker that computed it (:func:`write_checkpoint`; the process that runs the experiment
writes it only for workers that do not share its file system); rerunning the same command
after an interruption (Ctrl-C, ``kill -9``, a lost worker) loads those and runs only the
rest, with the seed they were made with (:func:`resumed_seed`). A folder holding checkpoints
of a different scenario, seed or engine is refused, never mixed. A checkpoint's table files
become the parts of the run folder's tables (linked, not copied:
:mod:`jailsim.results.rundir`), and the checkpoints are removed once the final outputs are
written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from jailsim._version import STREAMS_VERSION, __version__
from jailsim.base.atomic import atomic_write, is_temporary
from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import sha256
from jailsim.experiments.prepared import PreparedRun
from jailsim.scenario.schema import Scenario

__all__ = ["CheckpointWarning", "Checkpoints", "Finished", "points_seed", "resumed_seed",
           "table_path", "write_checkpoint"]


def _flatten(data: object, prefix: str = "") -> dict[str, object]:
    """Nested mappings to ``{"dotted.path": value}``."""
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, object] = {}
    for key, value in data.items():
        out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


#: The files a checkpoint folder holds (besides temporary files of atomic writes).
_OWN_NAMES = re.compile(r"rep-\d{6}\.(json|bookings\.parquet|census\.parquet)|fingerprint\.json")


def _own(path: Path) -> bool:
    """Whether ``path`` is a file jailsim writes in a checkpoint folder."""
    return path.is_file() and (_OWN_NAMES.fullmatch(path.name) is not None
                               or is_temporary(path))


class CheckpointWarning(UserWarning):
    """A checkpoint not taken: it does not match its hashes (edited or damaged)."""


def _canonical(metrics: dict) -> str:
    """The metrics as the text their hash is of (keys sorted; JSON floats round-trip)."""
    return json.dumps(metrics, sort_keys=True)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _short(value: object) -> str:
    text = "(none)" if value is None else json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _path(folder: Path, replication: int, suffix: str) -> Path:
    return Path(folder) / f"rep-{replication:06d}{suffix}"


def table_path(folder: Path, replication: int, name: str) -> Path:
    """The file of table ``name`` (``"bookings"``, ``"census"``) of a replication."""
    return _path(folder, replication, f".{name}.parquet")


def write_checkpoint(folder: Path, replication: int, metrics: dict[str, float],
                     tables: Mapping[str, bytes] | None = None,
                     written: Mapping[str, str] | None = None) -> dict[str, str]:
    """Write one finished replication into the checkpoint folder ``folder``.

    Its tables (``{"bookings": b"...", "census": b"..."}``, their Parquet files' bytes) first,
    then its metrics with the SHA-256 of the metrics and of each table, each atomically: the
    replication is finished once its JSON exists. ``written``: the SHA-256 of tables already
    written at their :func:`table_path` (a table written as its rows came). Called by the
    worker that computed it, or by the process running the experiment for a worker that does
    not see this folder. Returns the SHA-256 of each table file.
    """
    sums = {**(written or {}), **{name: _sha256(data) for name, data in (tables or {}).items()}}
    for name, data in (tables or {}).items():
        atomic_write(table_path(folder, replication, name),
                     lambda tmp, data=data: tmp.write_bytes(data))
    text = json.dumps({"replication": replication, "metrics": metrics,
                       "sha256": {"metrics": _sha256(_canonical(metrics).encode("utf-8")),
                                  **sums}})
    atomic_write(_path(folder, replication, ".json"), lambda p: p.write_text(text))
    return sums


class Finished(NamedTuple):
    """A replication as its checkpoint holds it: metrics, and the SHA-256 of each table file."""

    metrics: dict[str, float]
    sha256: dict[str, str]


class Checkpoints:
    """Finished replications of one arm, one set of files each, in a folder of their own.

    ``rep-000012.json`` (metrics) is written last, after ``rep-000012.bookings.parquet`` and
    ``rep-000012.census.parquet``, each atomically: a replication counts as finished only when
    its JSON exists. The JSON carries the SHA-256 of its metrics and of each table file; a
    checkpoint that does not match them (edited or damaged) is not taken, and its replication
    runs again, with a warning. ``fingerprint.json`` names the scenario, seed and engine they
    belong to, and ``run_seed``, the seed of the whole run (a comparison's master seed; by
    default the scenario's), which :func:`resumed_seed` gives back to a rerun that names no
    seed.
    """

    def __init__(self, folder: Path, run: PreparedRun, *, where: str,
                 run_seed: int | None = None):
        self.folder = Path(folder)
        self.where = where
        self.key = run.key
        scenario = run.scenario
        inputs = scenario.to_dict()
        for name in ("replications", "jailsim_version", "streams_version"):
            inputs.pop(name, None)
        self.identity = {
            "fingerprint": self.key,
            "scenario": scenario.name,
            "seed": scenario.seed,
            "run_seed": scenario.seed if run_seed is None else int(run_seed),
            "engine": run.engine,
            "jailsim": __version__,
            "streams": STREAMS_VERSION,
            "inputs": inputs,
        }

    def open(self) -> None:
        """Create the folder, or check that the checkpoints in it are of this scenario.

        A folder without a ``fingerprint.json`` that holds anything jailsim does not write
        there is refused: :meth:`clear` would otherwise have to delete what it did not write.
        """
        stamp = self.folder / "fingerprint.json"
        if not stamp.is_file() and self.folder.exists():
            foreign = (sorted(p.name for p in self.folder.iterdir() if not _own(p))
                       if self.folder.is_dir() else [self.folder.name])
            if foreign:
                raise ScenarioError([f"{self.where}: {self.folder} holds files jailsim did not "
                                     f"write ({', '.join(foreign[:3])}"
                                     f"{', ...' if len(foreign) > 3 else ''}); use another "
                                     "--out or move them"])
        if stamp.is_file():
            try:
                old = json.loads(stamp.read_text())
            except (OSError, ValueError):
                old = {}
            if old.get("fingerprint") != self.key:
                raise ScenarioError([f"{self.where}: holds a run of a different scenario "
                                     f"({self._differs(old)}); use another --out or delete it"])
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(stamp, lambda p: p.write_text(json.dumps(self.identity, indent=2)))

    def _differs(self, old: dict) -> str:
        new = self.identity
        said = [
            f"{k} {old.get(k)!r}, not {new[k]!r}"
            for k in ("scenario", "seed", "engine", "jailsim", "streams")
            if old.get(k) != new[k]
        ]
        if said or "inputs" not in old:
            return "; ".join(said) or f"scenario {new['scenario']!r} with other inputs"
        was, now = _flatten(old.get("inputs") or {}), _flatten(new["inputs"])
        paths = sorted(p for p in was.keys() | now.keys() if was.get(p) != now.get(p))
        shown = [f"{p} {_short(was.get(p))}, not {_short(now.get(p))}" for p in paths[:3]]
        more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        return (f"scenario {new['scenario']!r}: " + "; ".join(shown) + more if shown
                else f"scenario {new['scenario']!r} with other inputs")

    def table_path(self, replication: int, name: str) -> Path:
        """The file of table ``name`` (``"bookings"``, ``"census"``) of a replication."""
        return table_path(self.folder, replication, name)

    def finished(self) -> set[int]:
        """Indices of the replications checkpointed here."""
        if not self.folder.is_dir():
            return set()
        return {int(p.name[4:10]) for p in self.folder.glob("rep-??????.json")}

    def load(self, replication: int, tables: bool) -> Finished | None:
        """A finished replication, or None.

        None if any of its files is missing or unreadable, or is not what its hashes say (then
        with a :class:`CheckpointWarning`). ``tables``: check its tables' files too (hashed a
        block at a time; they stay on disk, at :meth:`table_path`).
        """
        names = ("bookings", "census") if tables else ()
        meta = _path(self.folder, replication, ".json")
        try:
            data = json.loads(meta.read_text())
            sums = data.get("sha256") or {}
            found = {name: sha256(self.table_path(replication, name)) for name in names}
            found["metrics"] = _sha256(_canonical(data["metrics"]).encode("utf-8"))
            bad = [name for name in ("metrics", *names) if sums.get(name) != found[name]]
            if bad:
                warnings.warn(f"{self.where}: checkpoint {meta.name} does not match the hash of "
                              f"its {' and '.join(bad)} (edited or damaged): its replication "
                              "runs again", CheckpointWarning, stacklevel=2)
                return None
            metrics = dict(data["metrics"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return Finished(metrics, {name: found[name] for name in names})

    def save(self, replication: int, metrics: dict[str, float],
             tables: Mapping[str, bytes] | None = None) -> dict[str, str]:
        """Write one finished replication here (:func:`write_checkpoint`)."""
        return write_checkpoint(self.folder, replication, metrics, tables)

    def clear(self) -> None:
        """Remove the checkpoints (once the final outputs are written), then the folder if empty.

        Only the files jailsim writes here are removed; anything else is left where it is.
        """
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if _own(path):
                path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.folder.rmdir()  # left in place if something else is in it


def resumed_seed(scenario: Scenario, seed: int | None, folders: Iterable[Path]) -> int | None:
    """The seed to run with: ``seed``, else the scenario's, else that of checkpoints to resume.

    A run that names no seed draws a fresh one, so rerunning the same command after an
    interruption must take the seed its checkpoints were made with (``run_seed`` of the first
    ``fingerprint.json`` found in ``folders``); None if there is none (a fresh seed is drawn).
    """
    if seed is not None or scenario.seed is not None:
        return seed
    for folder in folders:
        try:
            found = json.loads((Path(folder) / "fingerprint.json").read_text()).get("run_seed")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(found, int):
            return found
    return None


def points_seed(scenario: Scenario, seed: int | None, out: str | Path | None) -> int | None:
    """:func:`resumed_seed` for a design of points (``replicate_points`` into ``out``)."""
    if out is None:
        return seed
    return resumed_seed(scenario, seed, sorted((Path(out) / "checkpoints").glob("point-*")))
