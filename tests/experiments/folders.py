"""Test helper: the files of an output folder, a table's parts included, as bytes."""

from __future__ import annotations

from pathlib import Path

#: The files of a run folder compared byte for byte (each table a folder of parts).
RUN_FILES = ("bookings.parquet", "census.parquet", "summary.json", "summary.csv",
             "replications.csv", "scenario.resolved.yaml", "manifest.json")


def folder_bytes(folder: Path, names=RUN_FILES) -> dict[str, bytes]:
    """``{path in the folder: bytes}`` of each of ``names``; a folder gives each file in it.

    A name missing from the folder is a KeyError-free absence: it is simply not in the dict,
    so comparing two folders also compares which of ``names`` they hold.
    """
    folder = Path(folder)
    out = {}
    for name in names:
        path = folder / name
        if path.is_dir():
            parts = sorted(p for p in path.rglob("*") if p.is_file())
            assert parts, f"{path}: a table folder without parts"
            out.update({p.relative_to(folder).as_posix(): p.read_bytes() for p in parts})
        elif path.is_file():
            out[name] = path.read_bytes()
    return out
