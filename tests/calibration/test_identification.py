"""What an export cannot tell: a trend from weeks, the long tail of stays, a noisy weekly profile.

* A trend is fitted only over a window of a year or more; a shorter one keeps the base's trend
  with a warning (one real export of a few weeks gave -97% a year).
* A stay tail the export does not identify (most stays still running, the fitted p90 beyond the
  longest stay followed, or a mean whose SE is over half of it) is taken from a named prior.
* The weekly profile is chosen between hour-of-week and weekday x hour by held-out likelihood
  over folds of weeks.

Tolerances are in standard errors of the quantity checked; seeds are fixed.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special

import jailsim
from jailsim.calibration.arrivalfit import HELDOUT_FOLDS, TREND_MIN_DAYS, fit_arrivals
from jailsim.calibration.calibrate import CalibrationWarning, calibrate
from jailsim.calibration.stayfit import fit_stays
from jailsim.calibration.stayprior import (
    PRIORS,
    TAIL_MAX_CENSORED,
    check_tail,
    quantile,
    with_tail_prior,
)
from jailsim.calibration.stays import Stays
from jailsim.county.exports import read_export, to_export
from jailsim.model.arrivals import sample_arrivals
from jailsim.model.clock import Clock
from jailsim.model.streams import Address
from tests.calibration.conftest import truth_scenario

Z = 4.0


def arrivals_export(profile: dict, rate: float, days: float, seed: int, trend: float = 0.0):
    """An export of booking times only, sampled from a profile and a trend."""
    sc = truth_scenario(**{"arrivals.bookings.profile": {**profile, "trend_per_year": trend},
                           "arrivals.bookings.rate": f"{rate}/day"})
    times = sample_arrivals(sc.arrivals.bookings, Clock(sc.start_date), days,
                            Address.of(seed, 0, "bookings"))
    t0 = pd.Timestamp(sc.start_date)
    frame = pd.DataFrame({"booked": t0 + pd.to_timedelta(times, unit="D")})
    return read_export(frame, as_of=t0 + pd.Timedelta(days=days))


@pytest.fixture(scope="module")
def six_weeks():
    """Six weeks of the truth county (a felony disposition median of 45 days), calibrated."""
    sc = truth_scenario(horizon="42d")
    res = jailsim.simulate(sc, seed=5, replications=1, engine="vector")
    frame = to_export(res.bookings, sc.start_date)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cal = calibrate(frame, as_of=pd.Timestamp(sc.start_date) + pd.Timedelta(days=42),
                        families=["lognormal", "release_or_disposition"])
    return cal, [str(w.message) for w in caught if issubclass(w.category, CalibrationWarning)]


# ------------------------------------------------------------------------------------- trend
def test_weeks_of_growth_are_not_extrapolated_into_a_yearly_trend():
    """Six weeks of a county growing 500% a year: AIC would keep that trend; it is not fitted."""
    ex = arrivals_export({}, 60.0, 42.0, seed=3, trend=5.0)
    fit = fit_arrivals(ex, base_trend=0.02)
    assert not fit.trend_fitted and fit.trend == pytest.approx(0.02) and fit.trend_se == 0.0
    assert fit.trend_note == (
        "trend not fitted: the booking window of 42 days is shorter than 365 (under a year, a "
        "trend cannot be told from a season or a run of busy weeks); kept the base scenario's "
        "trend_per_year 0.02")
    assert set(fit.candidates["model"]) == {"day_x_hour", "hour_of_week"}
    # The rate, with the base trend held, is the window's mean rate at its start.
    mean = 60.0 * 6.0 ** (21 / 365.25) / 1.02 ** (21 / 365.25)  # at mid-window, back to day 0
    assert abs(fit.rate - mean) < Z * fit.rate_se


def test_the_window_rule_is_what_stops_the_trend():
    """The same growth sampled over a year is fitted, with a 95% interval around the truth."""
    ex = arrivals_export({}, 20.0, TREND_MIN_DAYS, seed=4, trend=0.5)
    fit = fit_arrivals(ex)
    assert fit.trend_fitted and fit.model.endswith("+trend")
    lo, hi = fit.trend_interval
    se_b = (math.log1p(hi) - math.log1p(lo)) / (2 * 1.96)  # the interval is on log(1 + trend)
    assert se_b == pytest.approx(fit.trend_se / (1 + fit.trend), rel=1e-3)
    assert abs(math.log1p(fit.trend) - math.log(1.5)) < Z * se_b


def test_a_short_export_warns_that_the_trend_is_kept(six_weeks):
    cal, said = six_weeks
    assert any("trend not fitted: the booking window of 42 days" in w for w in said)
    assert cal.scenario().arrivals.bookings.profile.trend_per_year == 0.0  # the base county's
    assert "# trend not fitted: the booking window of 42 days" in cal.yaml()


# -------------------------------------------------------------------------------------- tail
def test_an_unidentified_tail_is_taken_from_the_prior(six_weeks):
    cal, said = six_weeks
    fits = cal.stays["felony"]
    tail = fits.tail
    assert not tail.identified and tail.prior == PRIORS["felony"]
    held = float(np.mean(fits.stays.held))
    assert tail.share_censored == pytest.approx(held)
    assert tail.longest_days == pytest.approx(float(np.max(fits.stays.lo)))
    assert tail.p90_days > tail.longest_days  # the likelihood fit extrapolates its own tail
    assert any("fitted p90" in r for r in tail.reasons)
    chosen, best = fits.chosen, fits.best
    assert best is fits.prior_fit and best.name == chosen.name
    # The prior pulls the mean toward its figure, and the fit knows the log mean at least as
    # well as the prior alone: with the prior's Gaussian term in the Hessian, the delta-method
    # variance g'(H + g g'/sd**2)^-1 g of log mean is below sd**2 (Sherman-Morrison).
    prior = PRIORS["felony"]
    assert abs(math.log(best.mean() / prior.mean_days)) < abs(
        math.log(chosen.mean() / prior.mean_days))
    assert best.se()["mean"] / best.mean() < prior.sd_log
    assert any(w.startswith("<DataFrame>: stay tail [felony]: tail not identified") for w in said)
    row = cal.parameters().set_index("parameter").loc["stay[felony].tail"]
    assert row["assumed"].startswith("tail not identified (")
    assert "BJS, Jail Inmates in 2023" in row["assumed"]
    assert "mean stay from a prior (stay[felony].tail)" in cal.parameters().set_index(
        "parameter").loc["stay[felony].mean", "assumed"]


def test_a_tail_the_export_follows_is_left_to_the_data():
    """Stays of a few days followed for a year: no sign, no prior."""
    rng = np.random.default_rng(9)
    n, days = 3000, 365.0
    booked = rng.uniform(0, days, n)
    stay = rng.lognormal(math.log(3.0), 1.0, n)
    end = np.minimum(booked + stay, days)
    stays = Stays(end - booked, np.where(booked + stay < days, end - booked, np.inf))
    fits = with_tail_prior(fit_stays(stays, families=["lognormal"]), "felony")
    assert fits.tail.identified and fits.prior_fit is None and fits.best is fits.chosen
    assert fits.tail.describe().startswith("tail identified (")


def test_most_stays_still_running_is_a_sign_by_itself():
    """Heavy censoring alone: two thirds of stays cut off, the p90 within the follow-up."""
    rng = np.random.default_rng(10)
    n = 2000
    stay = rng.lognormal(math.log(40.0), 0.15, n)
    follow = rng.uniform(0, 60.0, n)
    stays = Stays(np.minimum(stay, follow), np.where(stay < follow, stay, np.inf))
    check = check_tail(fit_stays(stays, families=["lognormal"]))
    assert check.share_censored > TAIL_MAX_CENSORED
    assert check.reasons == (
        f"{check.share_censored:.0%} of stays still running, more than 50%",)
    fit = fit_stays(stays, families=["lognormal"]).chosen
    sigma = math.exp(fit.theta[1])
    p90 = math.exp(fit.theta[0] + special.ndtri(0.9) * sigma)
    assert quantile(fit, 0.9) == pytest.approx(p90, rel=0.01)  # on the grid's 0.5% steps


# ----------------------------------------------------------------------------------- profile
#: A weekly profile no product of an hour and a weekday can follow: each hour on its own.
UNEVEN = np.random.default_rng(0).uniform(0.5, 3.0, 168)


def test_heldout_likelihood_picks_a_profile_of_hours_only_when_weeks_support_it():
    """Six weeks of 200 bookings a day: enough for 168 weights, if the county has them."""
    separable = {"hour_of_day": truth_scenario().arrivals.bookings.profile.hour_of_day}
    a = fit_arrivals(arrivals_export(separable, 200.0, 42.0, seed=21))
    b = fit_arrivals(arrivals_export({"hour_of_week": UNEVEN.tolist()}, 200.0, 42.0, seed=22))
    assert a.profile == "day_x_hour" and b.profile == "hour_of_week"
    for fit in (a, b):
        assert list(fit.heldout["model"]) == ["day_x_hour", "hour_of_week"]
        assert (fit.heldout["folds"] == HELDOUT_FOLDS).all()
        assert fit.heldout["heldout_loglik"].idxmax() == list(fit.heldout["model"]).index(
            fit.profile)


def test_heldout_likelihood_of_the_free_profile_by_hand():
    """Without a trend the free profile's fit is each hour's bookings over its clock hours."""
    ex = arrivals_export({}, 30.0, 35.0, seed=23)  # five whole weeks: one per fold
    fit = fit_arrivals(ex)
    hours = 35 * 24
    h = (ex.bookings["t_booked"].to_numpy() * 24).astype(int)
    n_h = np.bincount(h, minlength=hours).astype(float)
    week, cls = np.arange(hours) // 168, (np.arange(hours) + 24 * ex.start.weekday()) % 168
    total = 0.0
    for f in range(5):
        train = week != f
        rate = np.bincount(cls[train], n_h[train], 168) / np.bincount(cls[train], minlength=168)
        mu, n = rate[cls[~train]], n_h[~train]
        with np.errstate(divide="ignore", invalid="ignore"):
            total += float(np.sum(np.where(n > 0, n * np.log(mu), 0.0) - mu
                                  - special.gammaln(n + 1)))
    got = fit.heldout.set_index("model").loc["hour_of_week", "heldout_loglik"]
    assert got == pytest.approx(total, rel=1e-8) or (np.isinf(got) and np.isinf(total))
    assert fit.profile == "day_x_hour"  # a flat county: 168 free weights fit the noise
