"""The manifest of an output folder: what jailsim wrote there, and whether it finished.

Every output folder (a run, a comparison, a sweep, a sensitivity analysis) holds
``manifest.json``::

    {"jailsim_output": 1, "kind": "run", "complete": true,
     "files": {"summary.json": {"bytes": 2934, "sha256": "9f2c..."},
               "bookings.parquet/part-000000.parquet": {"bytes": 681514, "sha256": "..."},
               ...},
     "parts": ["JEM", "WSO"]}

A file may be in a sub-folder (a table stored as one Parquet file per replication in the
folder ``bookings.parquet/``); such a folder holds only the files the manifest lists.

It is what the folder is, and nothing else is trusted:

- :func:`begin_output` claims a folder. It refuses, in one line, a folder that holds files
  jailsim did not write (unless ``overwrite``), removes the previous output's files (those its
  manifest lists, and its parts' files, so an output replaces the folder as a whole), and
  writes a manifest that says "not complete".
- :func:`write_output` writes one file atomically, naming it in the manifest *before* it is
  written (so a kill between the two never leaves a file jailsim cannot prove it wrote) and
  with its size and SHA-256 after; :func:`write_outputs` does the same for many files at
  once (the manifest saved twice, not twice per file), and puts a file already written
  elsewhere on the same file system in place by a hard link, not a copy.
- :func:`finish_output` marks the folder complete: the manifest is written last.
- :func:`check_output` is the one check of every reader: the folder is complete, of the kind
  asked for, every file (and every part's) has the size and hash it was written with, and a
  sub-folder of listed files holds nothing else.

A folder is never emptied of anything but what a manifest lists: files of the user (and a
``checkpoints/`` folder, which carries its own fingerprint) stay where they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath

from jailsim.base.atomic import atomic_link, atomic_write, atomic_write_text, is_temporary
from jailsim.base.errors import ScenarioError

__all__ = ["MANIFEST", "begin_output", "check_output", "finish_output", "read_manifest",
           "sha256", "write_output", "write_outputs"]

#: The manifest's file name in an output folder.
MANIFEST = "manifest.json"
#: Entries of a folder that are never another output's and never the user's to protect here:
#: the checkpoints of an unfinished run (checked by their own fingerprint).
KEPT = ("checkpoints",)
_FORMAT = 1


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: Path) -> dict | None:
    """The manifest of ``folder`` as written by jailsim, or None where it has none.

    A ``manifest.json`` that is not jailsim's (not JSON, or without its format key) is None:
    the folder is then not known to be jailsim's.
    """
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("jailsim_output") != _FORMAT:
        return None
    if not isinstance(data.get("files"), dict) or not isinstance(data.get("parts"), list):
        return None
    return data


def _save(folder: Path, manifest: dict) -> None:
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))


def _inside(folder: Path, name: object) -> Path | None:
    """``folder / name`` when ``name`` is a plain relative name inside ``folder``."""
    if not isinstance(name, str) or not name or Path(name).is_absolute() or ".." in Path(
            name).parts:
        return None
    return folder / name


def _subfolders(manifest: dict) -> list[str]:
    """The sub-folders (``a/b`` names) that hold files ``manifest`` lists, deepest first."""
    subs = set()
    for name in manifest["files"]:
        if isinstance(name, str):
            subs.update(p.as_posix() for p in PurePosixPath(name).parents
                        if p != PurePosixPath("."))
    return sorted(subs, key=lambda s: (-s.count("/"), s))


def _unlisted(folder: Path, manifest: dict, sub: str) -> list[str]:
    """Entries of the sub-folder ``sub`` that ``manifest`` does not list (``sub/name``)."""
    path = _inside(folder, sub)
    if path is None or not path.is_dir():
        return []
    own = set(manifest["files"]) | set(_subfolders(manifest))
    return sorted(f"{sub}/{p.name}" for p in path.iterdir()
                  if f"{sub}/{p.name}" not in own and not is_temporary(p))


def _remove(folder: Path, manifest: dict) -> None:
    """Remove what ``manifest`` lists in ``folder``: its files, its parts', the manifests.

    A sub-folder of listed files is removed too once empty (its temporary files of killed
    writers removed first).
    """
    for name in manifest["parts"]:
        part = _inside(folder, name)
        if part is not None and part.is_dir():
            old = read_manifest(part)
            if old is not None:
                _remove(part, old)
            try:
                part.rmdir()  # only if nothing is left in it (a user's file, checkpoints)
            except OSError:
                pass
    for name in manifest["files"]:
        path = _inside(folder, name)
        if path is not None and path.is_file():
            path.unlink()
    for sub in _subfolders(manifest):
        path = _inside(folder, sub)
        if path is None or not path.is_dir():
            continue
        for tmp in path.glob(".*.tmp"):
            if is_temporary(tmp):
                tmp.unlink(missing_ok=True)
        try:
            path.rmdir()  # only if nothing is left in it (a user's file)
        except OSError:
            pass
    (folder / MANIFEST).unlink(missing_ok=True)


def _foreign(folder: Path, manifest: dict | None) -> list[str]:
    """Entries of ``folder`` (and of its parts) that no manifest of jailsim's accounts for."""
    own = set(KEPT) | {MANIFEST}
    parts = []
    if manifest is not None:
        own |= {Path(n).parts[0] for n in manifest["files"] if isinstance(n, str) and n}
        parts = [n for n in manifest["parts"] if _inside(folder, n) is not None]
    foreign = sorted(p.name for p in folder.iterdir()
                     if p.name not in own | set(parts) and not is_temporary(p))
    if manifest is not None:
        for sub in _subfolders(manifest):
            foreign += _unlisted(folder, manifest, sub)
    for name in parts:
        part = folder / name
        if part.is_dir():
            foreign += [f"{name}/{n}" for n in _foreign(part, read_manifest(part))]
        elif part.exists():
            foreign.append(name)
    return foreign


def begin_output(folder: str | Path, kind: str, *, overwrite: bool = False,
                 parts: Iterable[str] = ()) -> Path:
    """Claim ``folder`` for a new output of ``kind``; return it.

    Creates the folder; removes the files of the output it held (those its manifest lists,
    its parts' too) and the temporary files of a writer killed before its rename; writes a
    manifest of ``kind``, not complete, naming ``parts`` (sub-folders that will hold outputs
    of their own, e.g. each scenario of a comparison).

    Raises
    ------
    ScenarioError
        When the folder holds anything no manifest accounts for (a user's files, an output of
        an older jailsim), unless ``overwrite``: then those stay and the output is written
        beside them.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScenarioError([f"{folder}: is a file, not a folder; give a folder for the output"])
    folder.mkdir(parents=True, exist_ok=True)
    old = read_manifest(folder)
    foreign = _foreign(folder, old)
    if foreign and not overwrite:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3
                                          else "")
        raise ScenarioError([f"{folder}: holds files jailsim did not write ({shown}); give an "
                             "empty or new folder, or --overwrite (overwrite=True) to write "
                             "beside them"])
    if old is not None:
        _remove(folder, old)
    for tmp in folder.glob(".*.tmp"):
        if is_temporary(tmp):  # named as jailsim's atomic writes name theirs
            tmp.unlink(missing_ok=True)
    _save(folder, {"jailsim_output": _FORMAT, "kind": kind, "complete": False, "files": {},
                   "parts": list(parts)})
    return folder


def _claimed(folder: Path) -> dict:
    manifest = read_manifest(folder)
    if manifest is None:
        raise ScenarioError([f"{folder}: not begun as a jailsim output (begin_output first)"])
    return manifest


def write_output(folder: str | Path, name: str, write: Callable[[Path], None]) -> Path:
    """Write ``folder/name`` atomically with ``write(tmp)`` and record it in the manifest.

    The name is recorded before the file is written and its size and SHA-256 after, so a kill
    at any moment leaves no file the manifest does not name. A folder already complete stays
    complete (a report added to a finished run).
    """
    write_outputs(folder, {name: write})
    return Path(folder) / name


def write_outputs(folder: str | Path, files: Mapping[str, Callable[[Path], None] | Path],
                  *, sha256s: Mapping[str, str] | None = None) -> None:
    """Write several files of ``folder``, as :func:`write_output` writes one.

    Every name is recorded first (one save of the manifest), then each file is put in place
    atomically, then every size and SHA-256 is recorded (one more save). A name may be in a
    sub-folder (``bookings.parquet/part-000000.parquet``).

    Parameters
    ----------
    files
        Each name's ``write(tmp)`` (it fills the temporary file), or the Path of a file
        already written and flushed on the same file system, put in place by a hard link
        (:func:`~jailsim.base.atomic.atomic_link`: no byte copied).
    sha256s
        The SHA-256 of files whose hash the caller knows (their writer computed it from the
        bytes it wrote); the others are hashed here.
    """
    folder = Path(folder)
    manifest = _claimed(folder)
    for name in files:
        manifest["files"][name] = None
    _save(folder, manifest)
    known = sha256s or {}
    for name, how in files.items():
        path = folder / name
        if isinstance(how, Path):
            atomic_link(how, path)
        else:
            atomic_write(path, how)
        manifest["files"][name] = {"bytes": path.stat().st_size,
                                   "sha256": known.get(name) or sha256(path)}
    _save(folder, manifest)


def finish_output(folder: str | Path) -> Path:
    """Mark ``folder`` complete: the manifest, listing every file, is written last."""
    folder = Path(folder)
    manifest = _claimed(folder)
    unwritten = sorted(n for n, entry in manifest["files"].items() if entry is None)
    if unwritten:
        raise ScenarioError([f"{folder}: {', '.join(unwritten)} begun and never written"])
    manifest["complete"] = True
    _save(folder, manifest)
    return folder


def check_output(folder: str | Path, kinds: Iterable[str] | None = None) -> dict:
    """The manifest of a complete output folder whose files are as they were written.

    Parameters
    ----------
    folder
        The output folder.
    kinds
        The kinds of output the reader can read (None: any).

    Raises
    ------
    ScenarioError
        With one line when the folder does not exist, has no manifest of jailsim's, is not
        complete (a run killed before it finished, or still running), is of another kind,
        has a file missing or changed since it was written (size or SHA-256), its parts'
        included, or has a file it does not list in a sub-folder of listed files (where a
        reader of the folder's table would take it for one of its parts).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([f"{folder}: no such output folder (write one with jailsim run "
                             "--out)"])
    manifest = read_manifest(folder)
    if manifest is None:
        raise ScenarioError([f"{folder}: not a jailsim output folder (no {MANIFEST}; written "
                             "by another tool or by a jailsim older than its manifests): "
                             "rerun the command that wrote it"])
    kinds = tuple(kinds) if kinds is not None else None
    if kinds is not None and manifest.get("kind") not in kinds:
        raise ScenarioError([f"{folder}: holds a {manifest.get('kind')} output, expected "
                             f"{' or '.join(kinds)}"])
    if manifest.get("complete") is not True:
        raise ScenarioError([f"{folder}: incomplete output (its {MANIFEST} says it never "
                             "finished: killed, or still running); rerun the command that "
                             "wrote it"])
    for name, entry in manifest["files"].items():
        path = _inside(folder, name)
        if path is None or not isinstance(entry, dict):
            raise ScenarioError([f"{folder / MANIFEST}: not as jailsim writes it (entry "
                                 f"{name!r}); rerun the command that wrote it"])
        if not path.is_file():
            raise ScenarioError([f"{path}: missing (listed in {MANIFEST}); rerun the command "
                                 "that wrote the folder"])
        if path.stat().st_size != entry.get("bytes") or sha256(path) != entry.get("sha256"):
            raise ScenarioError([f"{path}: changed since jailsim wrote it (size or SHA-256 "
                                 f"differs from {MANIFEST}); rerun the command that wrote "
                                 "the folder"])
    for sub in _subfolders(manifest):
        extra = _unlisted(folder, manifest, sub)
        if extra:
            shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3
                                            else "")
            raise ScenarioError([f"{folder / sub}: holds files jailsim did not write ({shown}), "
                                 f"not listed in {MANIFEST}; remove them, or rerun the command "
                                 "that wrote the folder"])
    for name in manifest["parts"]:
        part = _inside(folder, name)
        if part is None:
            raise ScenarioError([f"{folder / MANIFEST}: not as jailsim writes it (part "
                                 f"{name!r}); rerun the command that wrote it"])
        check_output(part)
    return manifest
