"""The long tail of the stays, when an export cannot tell it: taken from a named prior.

An export of a few weeks, or one taken when most of its people are still inside, shows the
short stays and almost nothing of the long ones; yet the long ones make the mean stay, the
census and the bed-days. The likelihood is then flat along the tail (one real export gave a
mean stay with a standard error of 10,000 days), and the fitted tail is whatever the optimizer
stopped at. :func:`check_tail` says when that is so, by three signs (any one is enough):

* most stays are still running: more than :data:`TAIL_MAX_CENSORED` of them are censored;
* the fitted 90th percentile lies beyond the longest stay the export followed (the fit
  extrapolates its own tail);
* the mean stay's standard error is more than :data:`TAIL_MAX_RELATIVE_SE` of it.

Then :func:`with_tail_prior` refits the chosen family with a prior on the mean stay (a
lognormal prior: ``log mean ~ Normal(log m0, sd)``, 95% of it between ``m0 / PRIOR_FACTOR_95``
and ``m0 x PRIOR_FACTOR_95``) and uses that posterior mode. The data still set the short stays;
the prior sets the mean, the one quantity of the tail that the model's census depends on. The
priors (:data:`PRIORS`) are named and sourced: the base county's felony and misdemeanor stays
(whose court path is set so that the county's expected stay matches the BJS 2023 figure), and
for any other group the BJS 2023 national expected length of stay itself, 32 days (docs/sources.md
§6: *Jail Inmates in 2023*, July 2022 to June 2023, days per admission, all US local jails).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from jailsim.calibration.stayfit import StayFit, StayFits, fit_family, mean_stay

__all__ = ["PRIOR_FACTOR_95", "PRIORS", "TAIL_MAX_CENSORED", "TAIL_MAX_RELATIVE_SE",
           "TailCheck", "TailPrior", "check_tail", "prior_penalty", "quantile", "tail_prior",
           "with_tail_prior"]

#: More than this share of stays still running (censored) leaves the tail unidentified.
TAIL_MAX_CENSORED = 0.5
#: A mean stay whose standard error is more than this share of it (its 95% interval wider
#: than +-100%) leaves the tail unidentified.
TAIL_MAX_RELATIVE_SE = 0.5
#: The prior's 95% interval for the mean stay: from the named figure divided by this to the
#: figure times this. Wide on purpose: jails' expected stays differ (BJS: 23 to 32 days
#: nationally from 2013 to 2023; smaller jails shorter), so the prior only keeps a tail the
#: data cannot see within a plausible range.
PRIOR_FACTOR_95 = 3.0


@dataclass(frozen=True)
class TailPrior:
    """A prior on a group's mean stay: ``log mean ~ Normal(log mean_days, sd_log)``."""

    name: str
    mean_days: float
    source: str
    sd_log: float = math.log(PRIOR_FACTOR_95) / 1.96

    def describe(self) -> str:
        """The prior in words, with its source."""
        lo, hi = self.mean_days / PRIOR_FACTOR_95, self.mean_days * PRIOR_FACTOR_95
        return (f"{self.name}: mean stay {self.mean_days:g} d (95% of the prior between "
                f"{lo:.3g} and {hi:.3g} d); source: {self.source}")


_BJS = ("BJS, Jail Inmates in 2023, expected length of stay (Jul 2022-Jun 2023, days per "
        "admission, all US local jails; docs/sources.md section 6)")
_BASE = ("the base county's mean by charge (a long simulation of base_county.yaml, "
         "docs/calibration.md), whose court path is set so that its expected stay "
         "(0.4 x 68.2 + 0.6 x 7.9 = 32.0 d) matches the 32 days of " + _BJS)
#: The prior of a charge group's mean stay, by group name; any other group takes ``"*"``.
PRIORS = {
    "felony": TailPrior("base county felony stays", 68.2, _BASE),
    "misdemeanor": TailPrior("base county misdemeanor stays", 7.9, _BASE),
    "*": TailPrior("national expected length of stay", 32.0, _BJS),
}


def tail_prior(group: str) -> TailPrior:
    """The prior for a charge group's mean stay (:data:`PRIORS`)."""
    return PRIORS.get(group, PRIORS["*"])


def quantile(fit: StayFit, q: float) -> float:
    """The fitted stay's ``q`` quantile in days (inf if beyond 100,000 days)."""
    t = np.exp(np.linspace(np.log(1e-4), np.log(1e5), 3000))
    above = np.nonzero(fit.sf(t) <= 1.0 - q)[0]
    return float(t[above[0]]) if len(above) else float("inf")


@dataclass(frozen=True)
class TailCheck:
    """Whether an export identifies the tail of a group's stays, and the signs looked at."""

    share_censored: float
    longest_days: float
    p90_days: float
    mean_days: float
    mean_se_days: float
    reasons: tuple = ()
    prior: TailPrior | None = None

    @property
    def identified(self) -> bool:
        """True when none of the signs of :func:`check_tail` is present."""
        return not self.reasons

    def describe(self) -> str:
        """One line: the signs, and what was done."""
        signs = (f"{self.share_censored:.0%} of stays still running, longest followed "
                 f"{self.longest_days:.1f} d, fitted p90 {self.p90_days:.1f} d, mean "
                 f"{self.mean_days:.1f} d (SE {self.mean_se_days:.1f} d)")
        if self.identified:
            return f"tail identified ({signs})"
        return (f"tail not identified ({'; '.join(self.reasons)}): mean stay given the prior "
                f"{self.prior.describe() if self.prior else '(none)'}")


def check_tail(fits: StayFits) -> TailCheck:
    """The signs that the export does not identify the tail of the chosen fit's stays."""
    stays, fit = fits.stays, fits.chosen
    censored = float(np.mean(stays.held)) if stays.n else 0.0
    longest = float(np.max(stays.lo)) if stays.n else 0.0
    p90 = quantile(fit, 0.9)
    mean, se = fit.params()["mean"], fit.se()["mean"]
    reasons = []
    if censored > TAIL_MAX_CENSORED:
        reasons.append(f"{censored:.0%} of stays still running, more than "
                       f"{TAIL_MAX_CENSORED:.0%}")
    if p90 > longest:
        reasons.append(f"fitted p90 {p90:.1f} d beyond the longest stay followed, "
                       f"{longest:.1f} d")
    if not (np.isfinite(se) and se <= TAIL_MAX_RELATIVE_SE * mean):
        reasons.append(f"mean {mean:.1f} d has SE {se:.1f} d, more than "
                       f"{TAIL_MAX_RELATIVE_SE:.0%} of it")
    return TailCheck(censored, longest, p90, mean, se, tuple(reasons))


def prior_penalty(family, group: str):
    """The negative log density of a group's tail prior, as a function of a family's theta.

    ``0.5 * ((log mean(theta) - log m0) / sd) ** 2`` (:func:`tail_prior`); a theta whose mean
    stay is not a positive number gets a penalty no fit can take (1e300).
    """
    prior = tail_prior(group)
    mu0, sd = math.log(prior.mean_days), prior.sd_log

    def penalty(theta) -> float:
        m = mean_stay(family, theta)
        if not (np.isfinite(m) and m > 0):
            return 1e300
        return 0.5 * ((math.log(m) - mu0) / sd) ** 2

    return penalty


def with_tail_prior(fits: StayFits, group: str) -> StayFits:
    """``fits`` with its tail check, refitted with the group's prior if the tail is unidentified.

    The chosen family is refitted by maximizing the likelihood plus the log density of the
    prior on the log mean stay (:func:`tail_prior`); the refit is ``prior_fit`` and becomes
    :attr:`~jailsim.calibration.stayfit.StayFits.best`. If no refit is usable the likelihood
    fit is kept, and the check says so.
    """
    check = check_tail(fits)
    if check.identified:
        return dataclasses.replace(fits, tail=check)
    prior = tail_prior(group)
    chosen = fits.chosen
    mu0 = math.log(prior.mean_days)
    penalty = prior_penalty(chosen.family, group)
    starts = [chosen.theta]
    if chosen.family.name == "lognormal":  # the prior's mean at the fitted median
        mu = chosen.theta[0]
        sigma2 = max(2 * (mu0 - mu), 0.01)
        starts.append(np.array([mu, 0.5 * math.log(sigma2)]))
    refit = fit_family(chosen.family, fits.stays, starts, penalty=penalty)
    check = dataclasses.replace(check, prior=prior)
    return dataclasses.replace(fits, tail=check, prior_fit=refit)
