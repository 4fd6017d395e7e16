"""Amounts of the ``costs:`` block: dollars, shares, and values that change on dates.

A money value is a plain number, a price with the year its dollars are in (``{usd: 93,
dollar_year: 2017}``), or a list of dated values (:class:`Period`: ``[{to: 2025-09-30, usd: 84},
{from: 2025-10-01, usd: 100}]``; both ends inclusive, days outside every range count as 0). A
share that changes on dates (the share of officers' pay a reimbursement covers) is written the
same way with ``share`` instead of ``usd`` (:class:`DatedShare`); a one-off payment on a day (a
state grant) is ``{date: DATE, usd: N}`` (:class:`Payment`). Every amount is finite and not
negative; two dated values of one field may not share a day. :mod:`jailsim.scenario.costs`
builds the blocks from these types.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

from jailsim.scenario.blocks import Frozen
from jailsim.scenario.prices import DollarYear, check_year
from jailsim.scenario.units import nonnegative

__all__ = [
    "MAX_SALARY_SHARE",
    "MAX_USD",
    "DatedShare",
    "Hours",
    "Month",
    "Officers",
    "Payment",
    "Payments",
    "Period",
    "SalaryShare",
    "Schedule",
    "Share",
    "ShareSchedule",
    "Usd",
    "payments_text",
    "schedule_by_day",
    "schedule_text",
]

#: Largest money amount accepted anywhere (a trillion dollars): above it is a typo.
MAX_USD = 1e12
#: Largest multiple of salary accepted for a share of salary (benefits, overtime, backfill).
MAX_SALARY_SHARE = 5.0


def _number(value: Any, what: str) -> float:
    """A finite, non-negative float from ``value``, or ValueError in plain words."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"got {_short(value)}; expected {what}")
    return nonnegative(float(value) if abs(value) < 1e300 else math.inf, _short(value))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _usd(value: Any) -> float:
    x = _number(value, "an amount in US dollars")
    if x > MAX_USD:
        raise ValueError(f"got {_short(value)}; must be at most {MAX_USD:.0e} dollars")
    return x


def _share_of_salary(value: Any) -> float:
    x = _number(value, "a share of salary (0.3 = 30%)")
    if x > MAX_SALARY_SHARE:
        raise ValueError(f"got {_short(value)}; must be at most {MAX_SALARY_SHARE:g}")
    return x


def _share(value: Any) -> float:
    x = _number(value, "a share from 0 to 1")
    if x > 1:
        raise ValueError(f"got {_short(value)}; a share must be at most 1")
    return x


def _count(value: Any) -> int:
    whole = isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )
    if isinstance(value, bool) or not whole:
        raise ValueError(f"got {_short(value)}; expected a whole number of officers")
    if not 0 <= value <= 100_000:
        raise ValueError(f"got {_short(value)}; must be from 0 to 100000")
    return int(value)


def _month(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
        raise ValueError(
            f"got {_short(value)}; expected the number of a month, from 1 (January) to 12 "
            "(December)"
        )
    return int(value)


#: US dollars (or dollars per day or per year, as the field name says): finite, >= 0.
Usd = Annotated[float, BeforeValidator(_usd)]
#: A share from 0 to 1 (of a cost, of submitted costs, of officers).
Share = Annotated[float, BeforeValidator(_share)]
#: A multiple of salary (benefits, overtime, backfill premium): 0 to 5.
SalaryShare = Annotated[float, BeforeValidator(_share_of_salary)]
#: Work hours (training, refresher courses, a work year).
Hours = Annotated[float, BeforeValidator(lambda v: _number(v, "a number of work hours"))]
#: A whole number of officers, 0 to 100,000.
Officers = Annotated[int, BeforeValidator(_count)]
#: A month of the year, 1 (January) to 12 (December).
Month = Annotated[int, BeforeValidator(_month)]


# ---------------------------------------------------------------------------------------------
# Dated values


def _span_text(first: dt.date | None, last: dt.date | None) -> str:
    span = ""
    if first is not None:
        span += f" from {first.isoformat()}"
    if last is not None:
        span += f" to {last.isoformat()}"
    return span


class Period(Frozen):
    """One dated value: ``usd`` from ``from`` to ``to`` (both inclusive; missing = open)."""

    from_: dt.date | None = Field(default=None, alias="from")
    """First day the value holds (inclusive); none: open."""
    to: dt.date | None = None
    """Last day the value holds (inclusive); none: open."""
    usd: Usd
    """The amount, in the unit of the field that holds it."""
    dollar_year: DollarYear | None = None
    """Year whose dollars ``usd`` is in; none: the block's ``dollar_year``."""

    @property
    def value(self) -> float:
        """The amount (``usd``)."""
        return self.usd

    def text(self) -> str:
        """``"84 from 2025-01-01 to 2025-09-30"``."""
        return f"{self.usd:g}{_span_text(self.from_, self.to)}"


class DatedShare(Frozen):
    """One dated share: ``share`` from ``from`` to ``to`` (both inclusive; missing = open)."""

    from_: dt.date | None = Field(default=None, alias="from")
    """First day the share holds (inclusive); none: open."""
    to: dt.date | None = None
    """Last day the share holds (inclusive); none: open."""
    share: Share
    """The share, from 0 to 1."""

    @property
    def value(self) -> float:
        """The share."""
        return self.share

    def text(self) -> str:
        """``"1 from 2025-10-01"``."""
        return f"{self.share:g}{_span_text(self.from_, self.to)}"


def _dated_in(value: Any, key: str, what: str) -> Any:
    """A number or a mapping is one value for every day; a list holds dated values."""
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected {what}")
    if isinstance(value, int | float):
        return ({key: _usd(value) if key == "usd" else _share(value)},)
    if isinstance(value, dict):  # {usd: 93, dollar_year: 2017}
        if value.get("dollar_year") is not None:
            try:
                check_year(value["dollar_year"])
            except ValueError as exc:
                raise ValueError(f"dollar_year {exc}") from None
        return (value,)
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError(f"empty list; give a number or at least one {{from, to, {key}}}")
        return value
    example = "{usd: 88, dollar_year: 2025}" if key == "usd" else "{from: 2025-10-01, share: 1}"
    raise ValueError(
        f"got {_short(value)}; expected {what}, {example} or a list of dated values like "
        f"[{{from: 2025-07-01, {key}: 1.0}}]"
    )


def _schedule_checked(periods: tuple) -> tuple:
    """Every range runs forward and no two ranges share a day."""
    lo, hi = dt.date.min, dt.date.max
    for p in periods:
        if p.from_ is not None and p.to is not None and p.to < p.from_:
            raise ValueError(f"range {_span(p)} ends before it starts")
    ordered = sorted(periods, key=lambda p: p.from_ or lo)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if (a.to or hi) >= (b.from_ or lo):
            raise ValueError(
                f"date ranges {_span(a)} and {_span(b)} overlap; each day may have one value "
                "(ranges include both ends)"
            )
    return tuple(ordered)


def _span(p: Period | DatedShare) -> str:
    a = p.from_.isoformat() if p.from_ else "(open)"
    b = p.to.isoformat() if p.to else "(open)"
    return f"{a}..{b}"


def _schedule_out(periods: tuple[Period, ...]) -> Any:
    if len(periods) == 1 and periods[0].from_ is None and periods[0].to is None:
        one = periods[0]
        if one.dollar_year is None:
            return one.usd
        return {"usd": one.usd, "dollar_year": one.dollar_year}
    return [p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in periods]


def _shares_out(shares: tuple[DatedShare, ...]) -> Any:
    if len(shares) == 1 and shares[0].from_ is None and shares[0].to is None:
        return shares[0].share
    return [p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in shares]


#: Dollars that may change on dates: a number, ``{usd, dollar_year}``, or a list of
#: ``{from, to, usd, dollar_year}``.
Schedule = Annotated[
    tuple[Period, ...],
    BeforeValidator(lambda v: _dated_in(v, "usd", "an amount in US dollars")),
    AfterValidator(_schedule_checked),
    PlainSerializer(_schedule_out),
]

#: A share (0 to 1) that may change on dates: a number, or a list of ``{from, to, share}``.
ShareSchedule = Annotated[
    tuple[DatedShare, ...],
    BeforeValidator(lambda v: _dated_in(v, "share", "a share from 0 to 1")),
    AfterValidator(_schedule_checked),
    PlainSerializer(_shares_out),
]


def schedule_by_day(periods: tuple[Period, ...] | tuple[DatedShare, ...],
                    dates: np.ndarray) -> np.ndarray:
    """The value in force on each of ``dates`` (datetime64[D]); 0 where no range covers it.

    Examples
    --------
    >>> import numpy as np
    >>> rate = (Period(to="2025-09-30", usd=84.0), Period(**{"from": "2025-10-01"}, usd=100.0))
    >>> days = np.array(["2025-09-30", "2025-10-01"], dtype="datetime64[D]")
    >>> schedule_by_day(rate, days).tolist()
    [84.0, 100.0]
    """
    days = np.asarray(dates, dtype="datetime64[D]")
    out = np.zeros(len(days))
    for p in periods:
        inside = np.ones(len(days), dtype=bool)
        if p.from_ is not None:
            inside &= days >= np.datetime64(p.from_, "D")
        if p.to is not None:
            inside &= days <= np.datetime64(p.to, "D")
        out[inside] = p.value
    return out


def schedule_text(periods: tuple[Period, ...] | tuple[DatedShare, ...]) -> str:
    """A schedule written for people: ``"93"`` or ``"84 to 2025-09-30; 100 from 2025-10-01"``."""
    return "; ".join(p.text() for p in periods)


# ---------------------------------------------------------------------------------------------
# One-off payments


class Payment(Frozen):
    """One payment of ``usd`` on the day ``date`` (a lump sum)."""

    date: dt.date
    """Day the payment is made, YYYY-MM-DD."""
    usd: Usd
    """The amount, in US dollars."""
    dollar_year: DollarYear | None = None
    """Year whose dollars ``usd`` is in; none: the block's ``dollar_year``."""

    def text(self) -> str:
        """``"250000 on 2026-01-15"``."""
        return f"{self.usd:g} on {self.date.isoformat()}"


def _payments_in(value: Any) -> Any:
    if isinstance(value, dict):
        return (value,)
    if not isinstance(value, list | tuple):
        raise ValueError(
            f"got {_short(value)}; expected a list of payments like "
            "[{date: 2026-01-15, usd: 250000, dollar_year: 2026}]"
        )
    return value


#: One-off payments: a list of ``{date, usd, dollar_year}`` (empty: none), kept in date order.
Payments = Annotated[
    tuple[Payment, ...],
    BeforeValidator(_payments_in),
    AfterValidator(lambda v: tuple(sorted(v, key=lambda p: p.date))),
]


def payments_text(payments: tuple[Payment, ...]) -> str:
    """Payments written for people: ``"250000 on 2026-01-15"``, or ``"(none)"``."""
    return "; ".join(p.text() for p in payments) or "(none)"
