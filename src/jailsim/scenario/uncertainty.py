"""What a scenario's inputs could be: the ``uncertainty:`` block, and parameter sets drawn from it.

A scenario's numbers are estimates (fitted to a county's export by ``jailsim calibrate``) or
defaults taken from elsewhere. The ``uncertainty:`` block says how far each may be off, as a
distribution of the value; a run with ``--parameter-uncertainty`` draws one parameter set from
it per replication (:mod:`jailsim.experiments.draws`), so its bands include what the data
could not pin down (and says which part of a band is which:
:mod:`jailsim.experiments.uncertainty`). Without that option the block is ignored.

Each key is a dotted path of the scenario (``ice.p_pickup``; a number in a path indexes a list:
``...post_delay.components.1.weight``) with the distribution of its value, or, for values that
move together, a label with ``of:`` (a joint normal)::

    uncertainty:
      ice.p_pickup: {dist: beta, a: 36, b: 4}                  # a share
      bond.detainer_factor: {dist: uniform, low: 0.05, high: 0.3}
      hold.cap: {dist: lognormal, median: 48h, p90: 72h}       # a positive value
      arrivals.bookings.rate: {dist: normal, sd: 0.03, scale: log}   # around the scenario's
      arrivals.bookings.charge_mix: {dist: dirichlet, n: 5624}       # shares that sum to 1
      stay[felony]:                                            # a label: values that move together
        dist: normal
        of:
          charges.felony.pretrial.bail: {scale: logit, sd: 0.12}
          charges.felony.pretrial.post_delay.median: {scale: log, sd: 0.09}
        correlation: [[1, -0.3], [-0.3, 1]]

``normal`` is a normal distribution on a ``scale``: ``linear`` (the default), ``log`` (a
positive value; ``sd`` is then about the relative error), ``logit`` (a share), ``log1p`` (a
trend: ``log(1 + value)``) or ``spread`` (a lognormal's ``p90``: ``log(log(p90 / median))``,
so a draw keeps the ``p90`` above the ``median``). Without ``mean`` it is centred on the
scenario's own value, so an edited value moves its uncertainty with it; ``mean``, ``low``,
``high``, ``median`` and ``p90`` take the unit of the field (``48h``, ``15/day``) or a plain
number. A ``null`` entry removes an entry a parent scenario (``extends:``) gave.

Every path is checked when the scenario is validated (one line per problem: the entry, the
path, what is wrong); a drawn value the scenario refuses (a ``normal`` on the ``linear`` scale
that drew a share above 1) stops the run in one line naming the entry and the value. The
draws themselves are made by :mod:`jailsim.scenario.parameterdraws`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from jailsim.scenario.units import parse_duration, parse_rate

__all__ = ["PSD_SLACK", "SCALES", "Beta", "Coordinate", "Dirichlet", "LognormalPrior",
           "Normal", "Prior", "Uncertainty", "Uniform", "check_uncertainty", "get_path",
           "number", "set_path", "uncertainty_problems", "value_kind", "written"]


def _logit(x: float) -> float:
    from scipy import special  # imported where a logit scale is used, not to validate

    return float(special.logit(x))


def _expit(c: float) -> float:
    from scipy import special

    return float(special.expit(c))


#: The scales of a ``normal``: what is normal, as a function of the value (and its inverse).
SCALES: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "linear": (lambda x: x, lambda c: c),
    "log": (math.log, math.exp),
    "logit": (_logit, _expit),
    "log1p": (math.log1p, math.expm1),
}
#: How far below 0 a correlation matrix's least eigenvalue may be: what rounding its entries
#: to 3 decimals can do (a calibration writes them so).
PSD_SLACK = 1e-2
#: Top-level fields no entry may draw: what a run fixes, not the jail.
_NOT_DRAWN = ("name", "description", "program", "start_date", "horizon", "warmup", "seed",
              "replications", "jailsim_version", "changes", "uncertainty", "warm_start")


def _amount(value: Any) -> float:
    """A plain number, a duration (``48h``, in days) or a rate (``15/day``, per day)."""
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected a number, a duration such as '48h' or a "
                         "rate such as '15/day'")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"got {value!r}; expected a finite number")
        return float(value)
    for parse in (parse_rate, parse_duration):
        try:
            return parse(value)
        except ValueError:
            continue
    raise ValueError(f"got {value!r}; expected a number, a duration such as '48h' or a rate "
                     "such as '15/day'")


#: A number, or a duration or rate with its unit, as the field's own value is written.
Amount = Annotated[float, BeforeValidator(_amount)]


class _Prior(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Coordinate(_Prior):
    """One value of a joint ``normal``: its scale and standard deviation on that scale."""

    scale: Literal["linear", "log", "logit", "log1p", "spread"] = "linear"
    sd: float = Field(ge=0, le=1e6)


class Normal(_Prior):
    """Normal on a scale: one value (``sd``, optional ``mean``) or several (``of:``)."""

    dist: Literal["normal"]
    mean: Amount | None = None
    sd: float | None = Field(default=None, gt=0, le=1e6)
    scale: Literal["linear", "log", "logit", "log1p", "spread"] = "linear"
    of: dict[str, Coordinate] | None = None
    correlation: tuple[tuple[float, ...], ...] | None = None

    @model_validator(mode="after")
    def _one_or_joint(self):
        if self.of is None:
            if self.sd is None:
                raise ValueError("give 'sd' (one value) or 'of' (values that move together)")
            if self.correlation is not None:
                raise ValueError("'correlation' goes with 'of'")
            return self
        if self.sd is not None or self.mean is not None or self.scale != "linear":
            raise ValueError("with 'of', give each value's scale and sd under it, not 'mean', "
                             "'sd' or 'scale' beside it")
        if not self.of:
            raise ValueError("'of' names no value")
        k = len(self.of)
        c = self.correlation
        if c is None:
            return self
        if len(c) != k or any(len(row) != k for row in c):
            raise ValueError(f"'correlation' must be {k} rows of {k} numbers, one per value "
                             "of 'of'")
        m = np.array(c, dtype=float)
        if not np.all(np.isfinite(m)) or np.any(np.abs(m) > 1 + 1e-9):
            raise ValueError("'correlation' entries must be numbers from -1 to 1")
        if not np.allclose(np.diag(m), 1.0, atol=1e-6) or not np.allclose(m, m.T, atol=1e-6):
            raise ValueError("'correlation' must be symmetric with 1 on the diagonal")
        if np.linalg.eigvalsh((m + m.T) / 2).min() < -PSD_SLACK:
            raise ValueError("'correlation' is not a correlation matrix (not positive "
                             "semi-definite)")
        return self

    @property
    def joint(self) -> bool:
        """Whether this entry draws several values together (``of:``)."""
        return self.of is not None


class Beta(_Prior):
    """Beta distribution of a share: ``a`` and ``b`` (the mean is ``a / (a + b)``)."""

    dist: Literal["beta"]
    a: float = Field(gt=0, le=1e9)
    b: float = Field(gt=0, le=1e9)


class Uniform(_Prior):
    """Uniform from ``low`` to ``high``."""

    dist: Literal["uniform"]
    low: Amount
    high: Amount

    @model_validator(mode="after")
    def _order(self):
        if not self.low < self.high:
            raise ValueError("need low < high")
        return self


class LognormalPrior(_Prior):
    """Lognormal given by ``median`` and ``p90`` (a positive value)."""

    dist: Literal["lognormal"]
    median: Amount
    p90: Amount

    @model_validator(mode="after")
    def _order(self):
        if not 0 < self.median < self.p90:
            raise ValueError("need 0 < median < p90")
        return self


class Dirichlet(_Prior):
    """Shares that sum to 1 (a ``charge_mix``), around the scenario's: ``n`` observations."""

    dist: Literal["dirichlet"]
    n: float = Field(gt=0, le=1e12)


#: One entry of the block, chosen by its ``dist``.
Prior = Annotated[Union[Normal, Beta, Uniform, LognormalPrior, Dirichlet],  # noqa: UP007
                  Field(discriminator="dist")]
#: The ``uncertainty:`` block: a path (or a label, with ``of:``) to its distribution.
Uncertainty = dict[str, Prior | None]


# ---------------------------------------------------------------------------------------------
# Paths into the scenario's data


_MISSING = object()


def get_path(data: Any, path: str, default: Any = _MISSING) -> Any:
    """``data["a"]["b"][1]`` for ``path == "a.b.1"``: a number indexes a list."""
    node = data
    for key in path.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            if default is _MISSING:
                raise KeyError(path)
            return default
    return node


def set_path(data: Any, path: str, value: Any) -> None:
    """Set the value at an existing ``path`` (as :func:`get_path` reads it)."""
    *head, last = path.split(".")
    node = get_path(data, ".".join(head)) if head else data
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def _leaves(node: Any, prefix: str = "") -> list[str]:
    """Every path of ``node`` that ends in a value (for a "did you mean")."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return [prefix]
    return [p for k, v in items for p in _leaves(v, f"{prefix}.{k}" if prefix else k)]


def value_kind(value: Any) -> str | None:
    """``number``, ``rate`` or ``duration`` for a value that can be drawn; else None."""
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        for kind, parse in (("rate", parse_rate), ("duration", parse_duration)):
            try:
                parse(value)
            except ValueError:
                continue
            return kind
    return None


def number(value: Any) -> float:
    """A drawable value (see :func:`value_kind`) as a float (days, per day)."""
    return value if isinstance(value, float) else _amount(value)


def written(kind: str, x: float) -> float | str:
    """A drawn value written as the field takes it."""
    if kind == "rate":
        return f"{x!r}/day"
    if kind == "duration":
        return f"{x!r}d"
    return float(x)


# ---------------------------------------------------------------------------------------------
# Checks against the scenario


def _path_problem(data: dict, key: str, path: str, prior, scale: str) -> str | None:
    where = key + (f": {path}" if path != key else "")
    top = path.split(".")[0]
    if top in _NOT_DRAWN:
        return f"{where}: {top} is fixed by the run, not drawn"
    value = get_path(data, path, None)
    if value is None:
        close = difflib.get_close_matches(path, _leaves(data), n=1)
        guess = f" (did you mean {close[0]}?)" if close else ""
        return f"{where}: no such field in the scenario{guess}"
    if isinstance(prior, Dirichlet):
        ok = (isinstance(value, dict) and value and all(isinstance(v, float)
                                                       for v in value.values())
              and abs(sum(value.values()) - 1.0) < 1e-6)
        return None if ok else (f"{where}: dirichlet needs shares that sum to 1 (such as "
                                "arrivals.bookings.charge_mix), not this field")
    kind = value_kind(value)
    if kind is None:
        what = "a whole number" if isinstance(value, int) and not isinstance(value, bool) \
            else type(value).__name__
        return (f"{where}: {what} ({value!r}); only numbers, durations and rates can be drawn"
                if not isinstance(value, dict | list) else
                f"{where}: names a block, not a value (name one of its fields)")
    x = number(value)
    if isinstance(prior, Beta) or scale == "logit":
        if kind != "number" or not 0 < x < 1:
            return f"{where}: a {'beta' if isinstance(prior, Beta) else 'logit'} draw needs a " \
                   f"share between 0 and 1, and the scenario's value is {value!r}"
    if scale == "log" and not x > 0:
        return f"{where}: scale log needs a value above 0, and the scenario's value is {value!r}"
    if scale == "log1p" and not x > -1:
        return f"{where}: scale log1p needs a value above -1, not {value!r}"
    if scale == "spread":
        median = get_path(data, path.rsplit(".", 1)[0] + ".median", None) \
            if path.endswith(".p90") else None
        if median is None:
            return (f"{where}: scale spread is for the p90 of a lognormal given by median and "
                    "p90")
    return None


def uncertainty_problems(data: dict, block: dict) -> list[str]:
    """The problems of an ``uncertainty:`` block against the scenario's data, one line each.

    Parameters
    ----------
    data
        The scenario as plain data (``Scenario.to_dict()`` without the block is enough).
    block
        The validated block: entry name -> prior.
    """
    problems, seen = [], {}
    for key, prior in block.items():
        if prior is None:
            continue
        if isinstance(prior, Normal) and prior.joint:
            coords = [(p, c.scale) for p, c in prior.of.items()]
        else:
            coords = [(key, prior.scale if isinstance(prior, Normal) else "linear")]
        for path, scale in coords:
            problem = _path_problem(data, key, path, prior, scale)
            if problem:
                problems.append(problem)
            if path in seen:
                problems.append(f"{key}: {path} is drawn by entry {seen[path]!r} "
                                "too; draw each value in one entry")
            seen.setdefault(path, key)
    return problems


#: Blocks every scenario has: without one (it failed validation, and is reported), the
#: block's paths are not checked.
_REQUIRED = ("jail", "arrivals", "charges", "court", "bond", "biometric", "honor", "hold", "ice")


def _plain(value: Any) -> Any:
    """Validated fields as the plain data ``Scenario.to_dict()`` gives."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def check_uncertainty(block: dict | None, fields: dict) -> dict | None:
    """The validated block (``null`` entries dropped), checked against the other fields.

    Parameters
    ----------
    block
        Entry name -> prior (or None: no uncertainty there).
    fields
        The scenario's fields validated so far (pydantic's ``info.data``).

    Raises
    ------
    ValueError
        With every problem of the block (:func:`uncertainty_problems`), joined by ``"; "``.
    """
    if block is None:
        return None
    block = {k: v for k, v in block.items() if v is not None}
    if not block:
        return None
    if not all(name in fields for name in _REQUIRED):
        return block
    data = {k: _plain(v) for k, v in fields.items() if k not in _NOT_DRAWN}
    problems = uncertainty_problems(data, block)
    if problems:
        raise ValueError("; ".join(problems))
    return block
