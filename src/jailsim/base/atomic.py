"""Atomic file writes: write a temporary file beside the target, flush it, then rename.

A reader (or a crash) sees the previous file or the complete new one, never half a file.
A file that is already written and flushed elsewhere on the same file system (a checkpoint a
worker wrote) is put in place by :func:`atomic_link`: a hard link renamed into place, so no
byte is copied and, again, a reader sees the whole file or none.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

#: The name of a temporary file of :func:`atomic_write` (``.NAME.PID.HEX.tmp``): a writer killed
#: before its rename leaves one, and only such files are removed as jailsim's own.
TEMPORARY = re.compile(r"\..+\.\d+\.[0-9a-f]{8}\.tmp")


def is_temporary(path: str | Path) -> bool:
    """Whether ``path`` is named as a temporary file of :func:`atomic_write`."""
    return TEMPORARY.fullmatch(Path(path).name) is not None


def _temporary(path: Path) -> Path:
    """A fresh temporary name beside ``path`` (its folder created if need be)."""
    if path.is_dir():  # said of the path given, not of the temporary file
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` to fill a temporary file beside ``path``, then rename it to ``path``.

    The temporary file is created by ``write`` itself, with the usual permissions (umask).
    """
    path = Path(path)
    tmp = _temporary(path)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_link(source: str | Path, path: str | Path) -> Path:
    """Put the file ``source`` at ``path`` too, atomically, without copying its bytes.

    A hard link to ``source`` under a temporary name is renamed to ``path``: both names are
    then the same file (``source`` may be removed afterwards). ``source`` must be written
    and flushed already (as :func:`atomic_write` leaves it); where the file system cannot link
    the two (another device, no hard links), the file is copied with :func:`atomic_write`.
    """
    path = Path(path)
    tmp = _temporary(path)
    try:
        os.link(source, tmp)
    except OSError:
        return atomic_write(path, lambda t: shutil.copyfile(source, t))
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
