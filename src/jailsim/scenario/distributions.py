"""Duration distributions named by their natural parameters, sampled by inverting the CDF.

Each distribution turns uniforms into durations (``ppf``) and knows its analytic ``mean`` (and
standard deviation, ``moments``), so tests and reports can compare simulated averages with
theory. Both must be finite and at most :data:`~jailsim.scenario.units.LONGEST` days: a gamma
of shape 1e300 or a Weibull of shape 0.001 has parameters that are each allowed, and a mean
no run could represent; it is refused when the scenario is validated.

Sampling by inversion means one uniform per draw: changing a distribution's parameters moves
each draw monotonically and shifts no other random number in the run (common random numbers
across scenarios).

In YAML a distribution is a mapping with a ``dist`` key, e.g.
``{dist: lognormal, median: 2h, p90: 12h}``; a bare duration such as ``2h`` means ``fixed``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from jailsim.scenario.units import LONGEST, Duration, parse_duration

#: ``float(scipy.special.ndtri(0.9))``, written out: validating a lognormal given by its p90
#: needs it, and scipy takes a third of a second to import (tests/cli/test_startup.py checks it).
_Z90 = 1.2815515655446004


def _exp(x: float) -> float:
    """``exp(x)``, infinite where it overflows (``math.exp`` raises)."""
    return math.exp(x) if x < 709.0 else math.inf


def _square(x: float) -> float:
    """``x ** 2``, infinite where it overflows (``**`` raises)."""
    try:
        return x**2
    except OverflowError:
        return math.inf


def _gamma(x: float) -> float:
    """The gamma function of ``x > 0``, infinite where it overflows (``math.gamma`` raises)."""
    try:
        return math.gamma(x)
    except OverflowError:
        return math.inf


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Quantile function: durations in days for uniforms ``u`` in [0, 1)."""
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - abstract
        """Analytic mean in days."""
        raise NotImplementedError

    def moments(self) -> tuple[float, float]:
        """Analytic mean and standard deviation in days (``inf`` where they overflow)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` durations (days) from ``rng`` by inversion."""
        return self.ppf(rng.random(size))


class Fixed(_Dist):
    """Always the same duration."""

    dist: Literal["fixed"] = "fixed"
    value: Duration

    def ppf(self, u):  # noqa: D102
        return np.full(np.shape(u), self.value)

    def mean(self):  # noqa: D102
        return self.value

    def moments(self):  # noqa: D102
        return self.value, 0.0


class Exponential(_Dist):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean_: Duration = Field(alias="mean")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("mean_")
    @classmethod
    def _positive(cls, v):
        if v <= 0:
            raise ValueError("must be greater than 0")
        return v

    def ppf(self, u):  # noqa: D102
        return -self.mean_ * np.log1p(-np.asarray(u, dtype=float))

    def mean(self):  # noqa: D102
        return self.mean_

    def moments(self):  # noqa: D102
        return self.mean_, self.mean_


class Lognormal(_Dist):
    """Lognormal given by ``mean`` and ``sd``, or by ``median`` and ``p90`` (90th percentile)."""

    dist: Literal["lognormal"]
    mean_: Duration | None = Field(default=None, alias="mean")
    sd: Duration | None = None
    median: Duration | None = None
    p90: Duration | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_parametrisation(self):
        by_moments = self.mean_ is not None and self.sd is not None
        by_quantiles = self.median is not None and self.p90 is not None
        if by_moments == by_quantiles or (
            by_moments and (self.median is not None or self.p90 is not None)
        ) or (by_quantiles and (self.mean_ is not None or self.sd is not None)):
            raise ValueError("give either 'mean' and 'sd', or 'median' and 'p90'")
        if by_moments and (self.mean_ <= 0 or self.sd <= 0):
            raise ValueError("'mean' and 'sd' must be greater than 0")
        if by_quantiles and not (0 < self.median < self.p90):
            raise ValueError("need 0 < median < p90")
        return self

    @property
    def mu_sigma(self) -> tuple[float, float]:
        """Parameters of the underlying normal (log scale)."""
        if self.median is not None:
            mu = math.log(self.median)
            return mu, (math.log(self.p90) - mu) / _Z90
        s2 = math.log1p(_square(self.sd / self.mean_))
        return math.log(self.mean_) - s2 / 2, math.sqrt(s2)

    def ppf(self, u):  # noqa: D102
        from scipy import special  # imported with the first draw, not to validate

        mu, sigma = self.mu_sigma
        return np.exp(mu + sigma * special.ndtri(np.asarray(u, dtype=float)))

    def mean(self):  # noqa: D102
        mu, sigma = self.mu_sigma
        return _exp(mu + _square(sigma) / 2)

    def moments(self):  # noqa: D102
        mu, sigma = self.mu_sigma
        s2 = _square(sigma)
        return _exp(mu + s2 / 2), _exp(mu + s2 / 2) * math.sqrt(math.expm1(min(s2, 709.0)))


class Gamma(_Dist):
    """Gamma given by ``mean`` and ``sd``, or by ``shape`` and ``scale``."""

    dist: Literal["gamma"]
    mean_: Duration | None = Field(default=None, alias="mean")
    sd: Duration | None = None
    shape: float | None = None
    scale: Duration | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_parametrisation(self):
        by_moments = self.mean_ is not None and self.sd is not None
        by_shape = self.shape is not None and self.scale is not None
        given = sum(x is not None for x in (self.mean_, self.sd, self.shape, self.scale))
        if by_moments == by_shape or given != 2:
            raise ValueError("give either 'mean' and 'sd', or 'shape' and 'scale'")
        given = (self.mean_, self.sd) if by_moments else (self.shape, self.scale)
        if not all(x > 0 for x in given):
            raise ValueError("parameters must be greater than 0")
        k, theta = self.shape_scale
        if not (0 < k < math.inf and 0 < theta < math.inf):  # mean and sd far apart
            raise ValueError(f"shape {k:.4g} and scale {theta:.4g} days (from the mean and sd); "
                             "both must be finite and more than 0")
        return self

    @property
    def shape_scale(self) -> tuple[float, float]:
        """Shape k and scale theta (days)."""
        if self.shape is not None:
            return self.shape, self.scale
        if self.mean_ <= 0 or self.sd <= 0:
            return 0.0, 0.0
        return _square(self.mean_ / self.sd), _square(self.sd) / self.mean_

    def ppf(self, u):  # noqa: D102
        from scipy import special  # imported with the first draw, not to validate

        k, theta = self.shape_scale
        return special.gammaincinv(k, np.asarray(u, dtype=float)) * theta

    def mean(self):  # noqa: D102
        k, theta = self.shape_scale
        return k * theta

    def moments(self):  # noqa: D102
        k, theta = self.shape_scale
        return k * theta, math.sqrt(k) * theta


class Weibull(_Dist):
    """Weibull with ``shape`` k and ``scale`` lambda (a duration)."""

    dist: Literal["weibull"]
    shape: float = Field(gt=0, le=100)
    scale: Duration

    @field_validator("scale")
    @classmethod
    def _positive(cls, v):
        if v <= 0:
            raise ValueError("must be greater than 0")
        return v

    def ppf(self, u):  # noqa: D102
        return self.scale * (-np.log1p(-np.asarray(u, dtype=float))) ** (1.0 / self.shape)

    def mean(self):  # noqa: D102
        return self.scale * _gamma(1.0 + 1.0 / self.shape)

    def moments(self):  # noqa: D102
        g1, g2 = _gamma(1.0 + 1.0 / self.shape), _gamma(1.0 + 2.0 / self.shape)
        if math.isinf(g2):
            return self.scale * g1, math.inf
        return self.scale * g1, self.scale * math.sqrt(max(0.0, g2 - g1 * g1))


class Empirical(_Dist):
    """Resample observed durations, from a list (``values``) or a CSV column.

    With ``csv: file.csv`` (relative to the scenario file), ``column`` names the column and
    ``unit`` the unit of its plain numbers (e.g. ``h``).
    """

    dist: Literal["empirical"]
    values: tuple[Duration, ...] | None = None
    csv: str | None = None
    column: str | None = None
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_csv(cls, data, info: ValidationInfo):
        if not isinstance(data, dict) or data.get("csv") is None:
            return data
        if data.get("values") is not None:
            raise ValueError("give either 'values' or 'csv', not both")
        base = Path((info.context or {}).get("base_dir", "."))
        path = base / str(data["csv"])
        column, unit = data.get("column"), data.get("unit")
        if not column or not unit:
            raise ValueError("'csv' needs 'column' and 'unit' (e.g. unit: h)")
        try:
            with open(path, newline="") as fh:
                rows = list(csv.DictReader(fh))
        except OSError as exc:
            raise ValueError(f"cannot read csv {str(path)!r}: {exc.strerror}") from None
        if not rows or column not in rows[0]:
            raise ValueError(f"csv {str(path)!r} has no column {column!r}")
        try:
            values = [parse_duration(f"{r[column].strip()}{unit}") for r in rows if r[column]]
        except ValueError as exc:
            raise ValueError(f"csv {str(path)!r} column {column!r}: {exc}") from None
        # Keep the values themselves: the resolved scenario then reproduces the run even if
        # the CSV file changes or moves.
        kept = {k: v for k, v in data.items() if k not in ("csv", "column", "unit")}
        return {**kept, "values": [f"{v!r}d" for v in values]}

    @model_validator(mode="after")
    def _nonempty(self):
        if not self.values:
            raise ValueError("needs at least one value (give 'values' or 'csv')")
        return self

    def ppf(self, u):  # noqa: D102
        v = np.sort(np.asarray(self.values, dtype=float))
        idx = np.minimum((np.asarray(u, dtype=float) * len(v)).astype(np.int64), len(v) - 1)
        return v[idx]

    def mean(self):  # noqa: D102
        return float(np.mean(self.values))

    def moments(self):  # noqa: D102
        return float(np.mean(self.values)), float(np.std(self.values))


class Component(BaseModel):
    """One weighted part of a mixture."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    weight: float = Field(gt=0, le=1e9)
    of: Distribution


class Mixture(_Dist):
    """A weighted mixture; ``components: [{weight: 0.7, of: {...}}, ...]``.

    A draw uses one uniform: its position among the cumulative weights picks the component,
    and its position within that slice is inverted by the component. Draws are therefore
    monotone within each component (common random numbers hold when a component's
    parameters change) but not across components: changing the weights moves some draws
    from one component to another, and ``ppf(0.5)`` is not the mixture's median. The mean
    is exact.
    """

    dist: Literal["mixture"]
    components: tuple[Component, ...] = Field(min_length=1)

    def _cum(self) -> np.ndarray:
        w = np.array([c.weight for c in self.components], dtype=float)
        return np.cumsum(w / w.sum())

    def ppf(self, u):  # noqa: D102
        u = np.asarray(u, dtype=float)
        cum = self._cum()
        j = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
        lo = np.concatenate(([0.0], cum[:-1]))
        inner = np.clip((u - lo[j]) / (cum[j] - lo[j]), 0.0, np.nextafter(1.0, 0.0))
        out = np.empty_like(u)
        for k, comp in enumerate(self.components):
            sel = j == k
            if np.any(sel):
                out[sel] = comp.of.ppf(inner[sel])
        return out

    def mean(self):  # noqa: D102
        w = np.array([c.weight for c in self.components], dtype=float)
        parts = zip(w / w.sum(), self.components, strict=True)
        return float(sum(wk * c.of.mean() for wk, c in parts))

    def moments(self):  # noqa: D102
        w = np.array([c.weight for c in self.components], dtype=float)
        parts = [(wk, *c.of.moments()) for wk, c in zip(w / w.sum(), self.components,
                                                          strict=True)]
        mean = sum(wk * m for wk, m, _ in parts)
        second = sum(wk * (s * s + m * m) for wk, m, s in parts)
        return float(mean), math.sqrt(max(0.0, second - mean * mean))


def _shorthand(value):
    if isinstance(value, str):
        return {"dist": "fixed", "value": value}
    return value


def _representable(dist: _Dist) -> _Dist:
    """Refuse a distribution whose mean or standard deviation no run could represent."""
    mean, sd = dist.moments()
    if not (mean <= LONGEST and sd <= LONGEST):  # an infinite or NaN moment fails too
        raise ValueError(
            f"mean {_days(mean)} and standard deviation {_days(sd)}; a duration's mean and "
            f"standard deviation must be finite and at most {LONGEST:,.0f} days (about 2,700 "
            "years)")
    return dist


def _days(x: float) -> str:
    return f"{x:.4g} days" if math.isfinite(x) else "infinite"


#: Any distribution, chosen by its ``dist`` key; a bare duration ("2h") means ``fixed``.
Distribution = Annotated[
    Union[Fixed, Exponential, Lognormal, Gamma, Weibull, Empirical, Mixture],  # noqa: UP007
    Field(discriminator="dist"),
    BeforeValidator(_shorthand),
    AfterValidator(_representable),
]
Component.model_rebuild()

#: The names accepted under ``dist:``.
DISTRIBUTIONS = ("fixed", "exponential", "lognormal", "gamma", "weibull", "empirical", "mixture")
