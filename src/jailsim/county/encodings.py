"""The text encoding of a county's CSV file: found from its bytes, read as it is, or refused.

A jail management system writes its exports as UTF-8, as Windows "ANSI" (Latin-1 and its
kin), or as Excel's "Unicode text" (UTF-16 with a byte-order mark); some tools write UTF-32,
or UTF-16 without the mark. Reading UTF-16 as Latin-1 gives text with a NUL between every
letter, which no timestamp parser reads and which a calibrated scenario would carry on, so the
encoding is taken from the file: its byte-order mark (:data:`BOMS`) first, then the NUL
bytes that UTF-16 and UTF-32 text without a mark has in fixed places. A file that its own mark
says is UTF-8, UTF-16 or UTF-32 but that does not decode as such is refused, as is text that
holds a NUL character: neither is a text export read right.
"""

from __future__ import annotations

__all__ = ["BOMS", "decode_text", "sniff_encoding"]

#: Byte-order marks and the codec each states (UTF-32's first: its little-endian mark begins
#: with UTF-16's).
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
#: How each codec is named in notes and errors.
NAMES = {"utf-8-sig": "UTF-8 (with a byte-order mark)", "utf-16": "UTF-16",
         "utf-32": "UTF-32", "utf-16-le": "UTF-16 LE (without a byte-order mark)",
         "utf-16-be": "UTF-16 BE (without a byte-order mark)",
         "utf-32-le": "UTF-32 LE (without a byte-order mark)",
         "utf-32-be": "UTF-32 BE (without a byte-order mark)"}


#: Largest share of NUL bytes where UTF-16 or UTF-32 text of mostly ASCII letters has its
#: letters (a letter such as U+0100 has a NUL there too).
_STRAY = 0.02


def _nul_share(head: bytes, offset: int, step: int) -> float:
    part = head[offset::step]
    return part.count(0) / len(part) if part else 0.0


def sniff_encoding(head: bytes) -> str | None:
    r"""The codec the first bytes of a text file state, or None for plain bytes.

    Parameters
    ----------
    head : bytes
        The file's first bytes (a few KB are enough).

    Returns
    -------
    str or None
        The codec of a byte-order mark (:data:`BOMS`); else ``utf-32-le``/``-be`` or
        ``utf-16-le``/``-be`` when NUL bytes sit where text of mostly ASCII letters in that
        encoding has them (and almost nowhere else); else None: no NUL byte (UTF-8 or a one-byte
        encoding), or NUL bytes in no such pattern (not text).

    Examples
    --------
    >>> sniff_encoding("booked\n".encode("utf-16")), sniff_encoding(b"booked\n")
    ('utf-16', None)
    >>> sniff_encoding("booked,released\n".encode("utf-16-le"))
    'utf-16-le'
    """
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec
    if b"\x00" not in head or len(head) < 4:
        return None
    head = head[: len(head) - len(head) % 4]
    by4 = [_nul_share(head, k, 4) for k in range(4)]
    if min(by4[1:]) > 0.9 and by4[0] < _STRAY:
        return "utf-32-le"
    if min(by4[:3]) > 0.9 and by4[3] < _STRAY:
        return "utf-32-be"
    even, odd = _nul_share(head, 0, 2), _nul_share(head, 1, 2)
    if odd > 0.5 and even < _STRAY:
        return "utf-16-le"
    if even > 0.5 and odd < _STRAY:
        return "utf-16-be"
    return None


def decode_text(raw: bytes) -> tuple[str, str | None]:
    """The text of a CSV file's bytes, and a note on how it was read (or None).

    UTF-8, UTF-16 and UTF-32 as :func:`sniff_encoding` finds them; bytes without a mark that
    are not UTF-8 are read as Latin-1 (noted).

    Parameters
    ----------
    raw : bytes
        The whole file.

    Returns
    -------
    (str, str or None)
        The text (without its byte-order mark) and a note for the cleaning log.

    Raises
    ------
    ValueError
        One line saying what is wrong: bytes that do not decode in the encoding the file
        states (with the line where they are), or a NUL character (with its line).
    """
    codec = sniff_encoding(raw[: 64 * 1024])
    note = None
    if codec is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, note = raw.decode("latin-1"), "file is not UTF-8; read as Latin-1"
    else:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].decode(codec, errors="replace").count("\n") + 1
            where = (f"byte {exc.start}" if exc.end - exc.start <= 1
                     else f"bytes {exc.start}-{exc.end - 1}")
            raise ValueError(
                f"not readable as {NAMES[codec]}, the encoding its first bytes state: line "
                f"{line} ({where}) is not {NAMES[codec]}; save the file as UTF-8") from None
        if codec != "utf-8-sig":
            note = f"read as {NAMES[codec]}"
    nul = text.find("\x00")
    if nul >= 0:
        raise ValueError(f"a NUL character on line {text.count(chr(10), 0, nul) + 1}: not the "
                         "text of an export (a binary file, or text in another encoding); save "
                         "it as UTF-8")
    return text, note
