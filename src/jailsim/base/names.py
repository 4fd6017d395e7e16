"""Names a user gives checked against the names allowed, with a "did you mean" for a typo.

Metrics, budget lines, figure keys: wherever a user names things from a fixed list, an
unknown name is one line that names it, suggests the closest allowed name and lists them all.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from jailsim.base.errors import ScenarioError

__all__ = ["check_names", "unknown_names"]


def unknown_names(given: Iterable[str], allowed: Iterable[str], kind: str) -> str | None:
    """The one-line problem with ``given`` (None when every name is allowed).

    Parameters
    ----------
    given
        The names as the user wrote them.
    allowed
        Every allowed name, in the order they are listed.
    kind
        What a name is, singular (``"metric"``).

    Returns
    -------
    str or None
        ``unknown metric 'adpp'; did you mean 'adp'? (allowed: ...)``, or None.

    Examples
    --------
    >>> unknown_names(["adp", "adpp"], ["adp", "bed_days"], "metric")
    "unknown metric 'adpp'; did you mean 'adp'? (allowed: adp, bed_days)"
    >>> unknown_names([], ["adp"], "metric")
    'no metric given (allowed: adp)'
    """
    given, allowed = list(given), list(allowed)
    listed = f"(allowed: {', '.join(allowed)})"
    if not given:
        return f"no {kind} given {listed}"
    bad = [name for name in dict.fromkeys(given) if name not in allowed]
    if not bad:
        return None
    hints = []
    for name in bad:
        close = difflib.get_close_matches(str(name), allowed, n=1)
        hints.append((repr(str(name)), close[0] if close else None))
    if len(hints) == 1:
        name, close = hints[0]
        guess = f"; did you mean {close!r}?" if close else ""
        return f"unknown {kind} {name}{guess} {listed}"
    names = ", ".join(f"{n} (did you mean {c!r}?)" if c else n for n, c in hints)
    return f"unknown {kind}s {names} {listed}"


def check_names(given: Iterable[str], allowed: Iterable[str], kind: str,
                where: str | None) -> list[str]:
    """``given`` as a list, if every name is allowed.

    Raises
    ------
    ScenarioError
        One line, ``where: unknown ...`` (see :func:`unknown_names`; without ``where:`` when
        ``where`` is None).
    """
    given = list(given)
    problem = unknown_names(given, allowed, kind)
    if problem is not None:
        raise ScenarioError([problem if where is None else f"{where}: {problem}"])
    return given
