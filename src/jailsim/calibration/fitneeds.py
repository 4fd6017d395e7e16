"""What each fit needs of an export, and the one line that says what an export lacks.

The fits are maximum-likelihood fits, solved by Newton's method or BFGS with an inverse
information matrix. An export that cannot identify one (three bookings over six years, every
booking at the same hour of the week, no booking with a release) makes that matrix singular,
or sends the estimates to infinity. Instead of a ``LinAlgError`` or a rate of 10^131 bookings a
day, the calibration stops with one line naming the file, what it holds and what the fit
needs:

* the booking rate, weekly profile and trend (:func:`arrival_needs`, a guard around
  :func:`jailsim.calibration.arrivalfit.fit_arrivals`): at least :data:`MIN_BOOKINGS`
  bookings, at least :data:`MIN_PER_WEEK` a week on average over the booking window, and a
  fit that reproduces the number of bookings (a profile fitted to bookings at too few hours
  of the week does not);
* the stays of each group (:func:`fit_group_stays`): at least :data:`MIN_RELEASES` stays
  that end in a release, and a model that fits them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.calibration.stayfit import fit_stays
from jailsim.calibration.stays import Stays
from jailsim.county.exports import Export

__all__ = ["MIN_BOOKINGS", "MIN_PER_WEEK", "MIN_RELEASES", "arrival_needs", "fit_group_stays",
           "need_bookings", "need_releases"]

#: Fewest bookings a booking rate and its weekly profile (30 weights) are fitted to.
MIN_BOOKINGS = 30
#: Fewest bookings a week, on average over the booking window, to fit the rate and its trend.
MIN_PER_WEEK = 1.0
#: Fewest stays ending in a release (not still held) a group's stay models are fitted to.
MIN_RELEASES = 10
#: Largest relative gap between the bookings a fitted intensity expects over the window and
#: the bookings there are; the maximum-likelihood fit matches them (to the partial week at
#: the window's end), so a larger gap is a fit that did not converge.
_COUNT_TOLERANCE = 0.5


def need_bookings(export: Export) -> None:
    """Stop, in one line, if the export has too few bookings to fit the booking intensity.

    Raises
    ------
    ScenarioError
        Fewer than :data:`MIN_BOOKINGS` bookings, or fewer than :data:`MIN_PER_WEEK` a week
        on average over the booking window.
    """
    n, weeks = len(export.bookings), export.window_days / 7
    if n < MIN_BOOKINGS:
        raise ScenarioError([
            f"{export.source}: too few bookings to fit the booking rate and its weekly profile: "
            f"{n} booking{'s' if n != 1 else ''} kept of {export.log.rows_read:,} rows read; "
            f"need at least {MIN_BOOKINGS}"])
    if n < MIN_PER_WEEK * weeks:
        raise ScenarioError([
            f"{export.source}: too few bookings per week to fit the booking rate and its trend: "
            f"{n:,} bookings over {weeks:,.0f} weeks ({export.start:%Y-%m-%d} to "
            f"{export.end - pd.Timedelta(days=1):%Y-%m-%d}), {n / weeks:.2g} a week; need at "
            f"least {MIN_PER_WEEK:g} a "
            "week on average (an export of a shorter period, or --as-of to cut it)"])


def _spread(export: Export) -> str:
    """Where in the week the bookings fall, for the message of a fit that failed."""
    b = export.bookings
    booked = b["booked"]
    days = booked.dt.day_of_week.nunique()
    timed = ~b["booked_date_only"].to_numpy()
    hours = booked[timed].dt.hour.nunique()
    where = (f"on {days} of the 7 days of the week" if not timed.any() else
             f"in {hours} of the 24 hours of the day and on {days} of the 7 days of the week")
    return f"the {len(b):,} bookings fall {where}"


def _reproduces(fit, export: Export) -> bool:
    """Whether a fitted intensity expects about the bookings the window holds."""
    values = np.array([fit.rate, fit.trend, *np.asarray(fit.weights, dtype=float)])
    if not np.all(np.isfinite(values)) or fit.rate <= 0 or fit.trend <= -1:
        return False
    days = np.arange(int(np.ceil(export.window_days))) + 0.5
    expected = fit.rate * np.sum((1 + fit.trend) ** (days / 365.25))
    n = len(export.bookings)
    return bool(abs(expected - n) <= _COUNT_TOLERANCE * n)


def arrival_needs(fit: Callable) -> Callable:
    """Guard a fit of the booking intensity: enough bookings first, a fit that converged after.

    Wraps ``fit(export, ...)`` (:func:`jailsim.calibration.arrivalfit.fit_arrivals`):
    :func:`need_bookings` before it; after it, a singular information matrix or estimates
    that do not reproduce the number of bookings are one line saying where in the week the
    bookings fall.
    """

    @functools.wraps(fit)
    def guarded(export: Export, *args, **kwargs):
        need_bookings(export)
        try:
            with np.errstate(all="ignore"):  # overflow on the way to a failed fit
                result = fit(export, *args, **kwargs)
        except (np.linalg.LinAlgError, ZeroDivisionError, OverflowError):
            result = None
        if result is None or not _reproduces(result, export):
            raise ScenarioError([
                f"{export.source}: the booking rate and weekly profile cannot be fitted: "
                f"{_spread(export)}; the profile needs bookings spread over the hours and days "
                "of the week"])
        return result

    return guarded


def need_releases(export: Export, group: str, stays: Stays) -> None:
    """Stop, in one line, if a group has too few stays that end in a release to fit.

    Raises
    ------
    ScenarioError
        Fewer than :data:`MIN_RELEASES` of the group's stays end in a release.
    """
    released = int((~stays.held).sum())
    if released >= MIN_RELEASES:
        return
    column = export.columns.get("released")
    hint = (f"is {column!r} the release time? name it with --columns released=COLUMN"
            if column else "the export has no release column: name it with --columns "
            "released=COLUMN")
    raise ScenarioError([
        f"{export.source}: too few releases to fit the length of stay [{group}]: {released} "
        f"of {stays.n:,} stays end in a release (the others are still held); need at least "
        f"{MIN_RELEASES} ({hint})"])


def fit_group_stays(export: Export, group: str, stays: Stays, **kwargs):
    """Fit one group's stays (``fit_stays``), or say in one line what the group lacks.

    :func:`need_releases` first; a group no model fits is one line naming it.

    Parameters
    ----------
    export : Export
        The export the stays come from (its name is in the messages).
    group : str
        The charge group.
    stays : Stays
        The group's stays.
    **kwargs
        ``families`` and ``seed``, passed to ``fit_stays``.

    Returns
    -------
    StayFits

    Raises
    ------
    ScenarioError
        Too few releases, or no stay model could be fitted.
    """
    need_releases(export, group, stays)
    try:
        return fit_stays(stays, **kwargs)
    except (ValueError, np.linalg.LinAlgError):
        ended = ~stays.held
        lengths = np.unique(np.round(stays.hi[ended] * 1440)).size  # to the minute
        raise ScenarioError([
            f"{export.source}: no stay model fits the {stays.n:,} stays [{group}]: every fit is "
            f"degenerate; the {int(ended.sum()):,} that end in a release have {lengths:,} "
            "distinct length(s) to the minute, and the models need stays whose lengths vary"
        ]) from None
