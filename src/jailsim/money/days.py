"""The days a budget prices: one replication's census days, weighted into a span, with dates.

A budget line is a sum over days of a daily quantity times the rate in force on the day's date.
:class:`Days` holds the days of one replication's census with the share of each that falls in
the span priced (the measurement window, or the part of one fiscal year inside it), times the
basis scale (365.25 / window days for per-year figures), their dates, and which 287(g) models
the scenario runs on each (JEM, WSO, and the Task Force Model while its stream of field arrests
runs). :func:`fiscal_years` cuts the window at the county's fiscal years
(``costs.fiscal_year_start_month``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jailsim.model.policy import Policy
from jailsim.results.census import presence, step_integral
from jailsim.scenario.costs import OfficerProgram
from jailsim.scenario.schema import Scenario

__all__ = ["DAYS_PER_YEAR", "Days", "fiscal_year_label", "fiscal_years", "price"]

DAYS_PER_YEAR = 365.25


def price(rates: np.ndarray, amounts: np.ndarray) -> float:
    """Sum of ``rates x amounts``, grouped by rate: one rate gives ``rate * amounts.sum()``."""
    values = np.unique(rates)
    if len(values) == 1:
        return float(values[0]) * float(amounts.sum())
    return float(sum(float(v) * float(amounts[rates == v].sum()) for v in values))


def fiscal_year_label(day: dt.date, start_month: int) -> str:
    """The fiscal year holding ``day``, named by the calendar year it ends in: ``"FY2026"``.

    Examples
    --------
    >>> import datetime as dt
    >>> fiscal_year_label(dt.date(2025, 10, 1), 10), fiscal_year_label(dt.date(2025, 9, 30), 10)
    ('FY2026', 'FY2025')
    >>> fiscal_year_label(dt.date(2025, 10, 1), 1)  # January: the calendar year
    'FY2025'
    """
    return f"FY{day.year + (start_month > 1 and day.month >= start_month)}"


def fiscal_years(scenario: Scenario, start_month: int) -> list[tuple[str, float, float]]:
    """The fiscal years the measurement window touches: ``(label, first day, end)``.

    ``first day`` and ``end`` are days since the scenario's start, cut to the window
    (``warmup`` to ``horizon``); a fiscal year starts on the 1st of ``start_month``.

    Examples
    --------
    >>> import jailsim
    >>> sc = jailsim.load("jailsim:sb8_wso.yaml")  # 1 Sep 2025 for 2 years
    >>> [(label, round(a), round(b)) for label, a, b in fiscal_years(sc, 10)]
    [('FY2025', 0, 30), ('FY2026', 30, 395), ('FY2027', 395, 730)]
    """
    start = scenario.start_date
    lo, hi = float(scenario.warmup), float(scenario.horizon)
    first = start + dt.timedelta(days=lo)
    year = first.year - (first.month < start_month)
    edge = dt.date(year, start_month, 1)  # the start of the fiscal year holding the window start
    out = []
    while True:
        nxt = dt.date(edge.year + 1, start_month, 1)
        a = max(lo, float((edge - start).days))
        b = min(hi, float((nxt - start).days))
        if a < b:
            out.append((fiscal_year_label(edge, start_month), a, b))
        if b >= hi:
            return out
        edge = nxt


class Days:
    """The days of one replication's census, with their share of the span and their dates.

    Parameters
    ----------
    scenario
        The scenario as run.
    census
        One replication's rows of ``Result.census``.
    scale
        Multiplies every amount: 365.25 / window days for per-year figures, 1 for totals.
    span
        ``(first, end)`` in days since the start: the part of the window priced (a fiscal
        year's); none: the whole measurement window.
    """

    def __init__(self, scenario: Scenario, census: pd.DataFrame, scale: float,
                 span: tuple[float, float] | None = None):
        lo, hi = span if span is not None else (scenario.warmup, scenario.horizon)
        day = census["day"].to_numpy(dtype=float)
        self.edges = np.append(day, min(day[-1] + 1.0, hi)) if len(day) else np.zeros(1)
        self.width = np.diff(self.edges)
        inside = np.clip(np.minimum(day + 1, hi) - np.maximum(day, lo), 0.0, None)
        self.weight = inside * scale  # span days of each day, times the basis scale
        self.dates = census["date"].to_numpy().astype("datetime64[D]")
        self.start = np.datetime64(scenario.start_date, "D")
        self.lo, self.hi, self.scale = float(lo), float(hi), scale
        #: Whether events at ``hi`` itself count (the horizon ends the last span).
        self.closed = self.hi >= scenario.horizon
        policy = Policy.build(scenario)
        period = policy.periods.of(day)
        #: Whether each model is in force on each day, by the scenario's policy timeline; the
        #: Task Force Model on every day of a scenario with its stream (``arrivals.task_force``).
        field = scenario.arrivals.task_force is not None
        self.running = {"jem": policy.jem_on[period], "wso": policy.wso_on[period],
                        "task_force": np.full(len(day), field)}

    def amounts(self, daily_average: np.ndarray) -> np.ndarray:
        """Bed-days (or any daily average) of each day, weighted into the span and basis."""
        return np.asarray(daily_average, dtype=float) * self.weight

    def occupancy(self, enter: np.ndarray, leave: np.ndarray) -> np.ndarray:
        """Daily average number present from ``enter`` to ``leave`` (NaN leave = still in)."""
        t, d = presence(np.asarray(enter, dtype=float), np.asarray(leave, dtype=float))
        return step_integral(t, d, self.edges) / self.width

    def within(self, times: np.ndarray) -> np.ndarray:
        """Whether each time is in the span (``[first, end)``, or ``[first, end]`` at the end)."""
        t = np.asarray(times, dtype=float)
        return (t >= self.lo) & ((t <= self.hi) if self.closed else (t < self.hi))

    def events(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Events in the span: their dates and their weight (the basis scale each)."""
        t = np.asarray(times, dtype=float)
        t = t[self.within(t)]
        dates = self.start + np.floor(t).astype("timedelta64[D]")
        return dates, np.full(len(t), self.scale)

    def on_day(self, day: np.datetime64) -> bool:
        """Whether the day that starts at ``day`` (a date) starts inside the span."""
        t0 = float((day - self.start) / np.timedelta64(1, "D"))
        return self.lo <= t0 < self.hi

    def person_months(self, enter: np.ndarray, leave: np.ndarray) -> float:
        """Calendar months each person is present in the span, summed (times the scale)."""
        enter, leave = np.asarray(enter, dtype=float), np.asarray(leave, dtype=float)
        has = ~np.isnan(enter)
        s = np.maximum(enter[has], self.lo)
        e = np.minimum(np.where(np.isnan(leave[has]), self.hi, leave[has]), self.hi)
        s, e = s[s < e], e[s < e]
        first = (self.start + np.floor(s).astype("timedelta64[D]")).astype("datetime64[M]")
        last_day = np.floor(np.nextafter(e, -np.inf)).astype("timedelta64[D]")
        last = (self.start + last_day).astype("datetime64[M]")
        return float(((last - first).astype(int) + 1).sum()) * self.scale

    def active(self, model: str, program: OfficerProgram) -> np.ndarray:
        """1.0 on the days the program is paid for, else 0.0.

        Those are the days the scenario runs ``model`` (its ``program``, and the dated
        ``changes:``) within the cost block's ``start``..``end`` (inclusive).
        """
        on = self.running[model].astype(float)
        if program.start is not None:
            on *= self.dates >= np.datetime64(program.start, "D")
        if program.end is not None:
            on *= self.dates <= np.datetime64(program.end, "D")
        return on
