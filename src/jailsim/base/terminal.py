r"""Text a user gave, made safe to print on a terminal.

A scenario's name, a file name, a cell of a county's export or a value typed on the command
line may hold control characters: a newline or carriage return breaks a table's lines, and
NUL, backspace or the escape character (which starts the ANSI sequences that move the cursor,
clear the screen or recolour the text) make the terminal show something else than what was
printed. :func:`printable` writes each as its Python escape (``\x1b``, ``\n``), visible and
harmless; :func:`printable_stdout` applies it to everything the command line prints.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator

__all__ = ["CONTROLS", "printable", "printable_stdout"]

#: What a terminal may act on rather than show: the C0 and C1 control characters and DEL, the
#: Unicode line and paragraph separators, and the marks and overrides that reorder text
#: (bidirectional controls).
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def printable(text: object, keep: str = "") -> str:
    r"""``str(text)`` with every control character written as its Python escape.

    Parameters
    ----------
    text
        Anything; it is printed as ``str(text)``.
    keep
        Control characters left as they are (``"\n"`` for text of several lines).

    Examples
    --------
    >>> printable("JEM\x1b[2J\nnext")
    'JEM\\x1b[2J\\nnext'
    >>> print(printable("JEM\x1b[2J\nnext"))
    JEM\x1b[2J\nnext
    >>> printable("line one\nline two", keep="\n")
    'line one\nline two'
    """
    text = str(text)
    if not CONTROLS.search(text):
        return text
    return CONTROLS.sub(
        lambda m: m.group() if m.group() in keep else m.group().encode("unicode_escape").decode(),
        text,
    )


class _PrintableWriter:
    """A text stream that escapes control characters (but line breaks and tabs) on writing."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text, keep="\n\t"))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def printable_stdout() -> Iterator[None]:
    """Within it, text written to ``sys.stdout`` has its control characters escaped.

    Line breaks and tabs (the tool's own layout) are kept. ``sys.stdout`` is put back on leaving,
    unless something else replaced it meanwhile (a closed pipe's ``os.devnull``).
    """
    before = sys.stdout
    wrapper = sys.stdout = _PrintableWriter(before)
    try:
        yield
    finally:
        if sys.stdout is wrapper:
            sys.stdout = before
