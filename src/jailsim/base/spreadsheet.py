"""Text a spreadsheet will not run: the formula-injection rule for every CSV and XLSX written.

Excel, LibreOffice and Google Sheets read a cell that begins with ``=``, ``+``, ``-`` or ``@``
as a formula (a tab or a carriage return first, too), so a scenario name or a cost source such
as ``=HYPERLINK("http://x")`` would run when a county opens an output. Every CSV and workbook
jailsim writes passes its text through here, by the usual spreadsheet-injection rule: text
that begins with one of :data:`FORMULA_STARTS` gets a leading single quote (``'=1+1``), which
every spreadsheet shows as text. Numbers stay numbers: a number, or text that is only a
decimal number (``-5``, ``-1.5e3``), is never quoted, so a negative value stays a value.

In a workbook a text cell is typed as text instead (:func:`as_text_cell`: data type ``s``,
with Excel's "quote prefix" style where the text would read as a formula), so its value is
the text itself and no cell holds a formula.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["FORMULA_STARTS", "as_text_cell", "formula_safe", "formula_safe_frame", "safe_csv"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Text that is only a decimal number: a spreadsheet reads it as that number, never a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _formula_like(value: object) -> bool:
    return (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and _NUMBER.fullmatch(value) is None)


def formula_safe(value):
    """``value`` as a spreadsheet shows it as text: quoted if it would read as a formula.

    Parameters
    ----------
    value
        Any cell value. Only text is changed; numbers, dates and missing values are returned
        as they are.

    Returns
    -------
    object
        Text beginning with one of :data:`FORMULA_STARTS` (and not a plain decimal number)
        with a single quote in front; anything else unchanged.

    Examples
    --------
    >>> print(formula_safe('=HYPERLINK("http://x")'))
    '=HYPERLINK("http://x")
    >>> formula_safe("@SUM(A1)"), formula_safe("jem"), formula_safe("-5"), formula_safe(-5)
    ("'@SUM(A1)", 'jem', '-5', -5)
    """
    return f"'{value}" if _formula_like(value) else value


def _safe_labels(index: pd.Index) -> pd.Index:
    """``index`` with its labels and names passed through :func:`formula_safe`."""
    multi = isinstance(index, pd.MultiIndex)
    labels = [v for t in index for v in (t if multi else (t,))]
    if not any(map(_formula_like, [*labels, *index.names])):
        return index
    names = [formula_safe(n) for n in index.names]
    if multi:
        return pd.MultiIndex.from_tuples([tuple(map(formula_safe, t)) for t in index],
                                         names=names)
    return index.map(formula_safe).rename(names[0])


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text safe from formulas (:func:`formula_safe`), ready for ``to_csv``.

    Every text cell, column name and index label is passed through :func:`formula_safe`.

    Columns of numbers, booleans and dates are left as they are (a negative number is a
    number, not text); in a column of objects only the text cells change.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write.

    Returns
    -------
    pandas.DataFrame
        A copy where anything changed (``frame`` itself when nothing needs quoting).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"scenario": ["=1+1", "jem"], "delta": [-2.5, 1.0]})
    >>> formula_safe_frame(t).to_csv(index=False).splitlines()
    ['scenario,delta', "'=1+1,-2.5", 'jem,1.0']
    """
    out = frame
    for j, (_, values) in enumerate(frame.items()):
        kind = values.dtype
        if not (kind is np.dtype(object) or isinstance(kind, pd.StringDtype | pd.CategoricalDtype)):
            continue
        if isinstance(kind, pd.CategoricalDtype):
            values = values.astype(object)
        if not values.map(_formula_like).any():
            continue
        if out is frame:
            out = frame.copy()
        out.isetitem(j, values.map(formula_safe))
    columns, index = _safe_labels(frame.columns), _safe_labels(frame.index)
    if columns is not frame.columns or index is not frame.index:
        out = out.copy() if out is frame else out
        out.columns, out.index = columns, index
    return out


def safe_csv(frame: pd.DataFrame, path, **kwargs) -> None:
    """Write ``frame`` as CSV with its text safe from formulas: every CSV writer's one call.

    ``formula_safe_frame(frame).to_csv(path, **kwargs)``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    path
        The file (or buffer) ``to_csv`` writes.
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv` (``index=False``, ...).
    """
    formula_safe_frame(frame).to_csv(path, **kwargs)


def as_text_cell(cell) -> None:
    """Type an openpyxl cell holding text as text, so that it never holds a formula.

    openpyxl stores text that begins with ``=`` as a formula (data type ``f``); this sets
    the data type to ``s`` and, where the text would read as a formula
    (:data:`FORMULA_STARTS`), Excel's quote-prefix style, as Excel does for text typed after
    a single quote. The value is kept as it is. A cell that does not hold text is left
    unchanged.

    Parameters
    ----------
    cell : openpyxl.cell.Cell
        A cell of a worksheet.
    """
    if not isinstance(cell.value, str):
        return
    cell.data_type = "s"
    if _formula_like(cell.value):
        cell.quotePrefix = True
