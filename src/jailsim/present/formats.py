"""Numbers as the reports show them: one format, a true minus sign, a dash when undefined.

Every number a report prints goes through :func:`number` (the page's template environment
applies it to every number it is handed, :mod:`jailsim.present.page`): three significant
digits, whole numbers with thousands separators from 1,000 up, powers of ten (not ``e-14``)
for numbers nearer 0 than 0.0001, and a negative number with the minus sign U+2212 (``−``),
not the hyphen. Cells the command line's
tables already formatted (:func:`jailsim.experiments.comparison.table_rows`) are shown with
:func:`as_shown`, which gives their negative numbers the same minus sign. The stylesheet keeps
a number on one line.
"""

from __future__ import annotations

import math
import re

import numpy as np

from jailsim.results.tables import BELOW_ZERO, below_zero

__all__ = ["MINUS", "MISSING", "as_shown", "interval", "number", "plus_minus", "signed"]

#: The minus sign of every negative number in a report.
MINUS = "\u2212"
#: What a report shows for a number that is undefined.
MISSING = "–"

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_HYPHEN = re.compile(r"(?<![\w.\-])-(?=\.?\d)")


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def number(x) -> str:
    """``x`` with three significant digits (a whole number from 999.5 up), true minus.

    A number nearer 0 than 0.0001 is written in powers of ten (``6.15 × 10⁻¹⁴``), never as
    ``6.15e-14`` nor as a row of zeros.

    Examples
    --------
    >>> number(-1234.5), number(0.000123), number(999.7), number(12.34), number(None)
    ('−1,234', '0.000123', '1,000', '12.3', '–')
    >>> number(6.15e-14), number(-2e-5)
    ('6.15 × 10⁻¹⁴', '−2 × 10⁻⁵')
    """
    if _missing(x):
        return MISSING
    x = float(x)
    if 0 < abs(x) < 1e-4:
        mantissa, exponent = f"{x:.2e}".split("e")
        power = str(int(exponent)).translate(_SUPERSCRIPT)
        mantissa = mantissa.rstrip("0").rstrip(".").replace("-", MINUS)
        return f"{mantissa} × 10{power}"
    if abs(x) >= 999.5:
        text = f"{x:,.0f}"
    else:
        text = np.format_float_positional(x, precision=3, unique=False, fractional=False,
                                          trim="-")
    if text in ("-0", "-0.0"):
        text = "0"
    return text.replace("-", MINUS)


def signed(x) -> str:
    """A difference: :func:`number` with a ``+`` before a positive one.

    Examples
    --------
    >>> signed(12.34), signed(-0.5), signed(0.0)
    ('+12.3', '−0.5', '0')
    """
    text = number(x)
    return f"+{text}" if not _missing(x) and float(x) > 0 and text != "0" else text


def as_shown(text: str) -> str:
    """A cell formatted elsewhere, its negative numbers with a true minus sign.

    A lone ``-`` (the command line's mark of an undefined value) becomes :data:`MISSING`;
    hyphens inside words and dates stay.

    Examples
    --------
    >>> as_shown("-0.349 ± 0.057"), as_shown("-"), as_shown("2025-01-06")
    ('−0.349 ± 0.057', '–', '2025-01-06')
    """
    if text.strip() == "-":
        return MISSING
    return _HYPHEN.sub(MINUS, text)


def interval(lo, hi, name: str | None = None, sep: str = " – ") -> str:
    """``lo – hi`` (``sep`` between the ends), or :data:`MISSING` when either is undefined.

    Marked :data:`~jailsim.results.tables.BELOW_ZERO` when ``name`` cannot be negative and
    ``lo`` is below 0.
    """
    if _missing(lo) or _missing(hi):
        return MISSING
    mark = f" {BELOW_ZERO}" if name is not None and below_zero(float(lo), name) else ""
    return f"{number(lo)}{sep}{number(hi)}{mark}"


def plus_minus(mean, lo, hi, name: str | None = None) -> str:
    """``mean ± half-width`` of an interval; ``mean`` alone when it has no spread.

    Marked like :func:`interval` when ``name`` cannot be negative and ``lo`` is below 0.
    """
    if _missing(mean):
        return MISSING
    if _missing(lo) or _missing(hi) or abs(hi - lo) <= 1e-9 * max(1.0, abs(mean)):
        return number(mean)
    mark = f" {BELOW_ZERO}" if name is not None and below_zero(float(lo), name) else ""
    return f"{number(mean)} ± {number((hi - lo) / 2)}{mark}"
