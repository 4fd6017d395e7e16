"""The uncertainty of a calibration's fits, written as the scenario's ``uncertainty:`` block.

Every fit here is a likelihood fit with a covariance (the inverse of its Fisher information
or of its Hessian; with the tail prior where one was taken, the posterior's): this module
carries each to the values the scenario writes, on scales where the fit is normal, as entries
of the ``uncertainty:`` block (:mod:`jailsim.scenario.uncertainty`) that a run with
``--parameter-uncertainty`` draws from. Each entry is centred on the scenario's own value, so
a user who edits a fitted value moves its uncertainty with it:

* ``arrivals``: the booking rate (``log``) and, when fitted, the trend (``log1p``: the
  Poisson fit's parameter), jointly;
* ``arrivals.bookings.charge_mix``: a Dirichlet of the export's bookings (their number is its
  ``n``);
* ``stay[GROUP]``: each group's stay model, jointly: the pretrial-release share (``logit``),
  each lognormal's median (``log``) and p90 (``spread``: ``log(log(p90 / median))``), a
  mixture's weight (``log``, against the first component's) and a gamma's or Weibull's shape
  and scale (``log``). On these scales every family's parameters are linear in the fitted
  ones, so the joint normal is the fit's own asymptotic normal, exactly;
* ``ice.p_pickup`` (``logit``): the transfer share's binomial error over the chance that the
  pickup comes before the cap.

Not drawn, and said so in the block's comment: the weekly profile's weights (they move
bookings within a week, not the census over weeks), the hold cap and ICE's pickup delay (no
covariance is fitted for them) and the detainer share (matched by simulation).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from jailsim.calibration.commentedyaml import _scalar, comment_lines
from jailsim.calibration.stayfamilies import log_weights
from jailsim.calibration.stayfit import StayFit, jacobian

__all__ = ["NOT_DRAWN", "stay_coordinates", "uncertainty_block", "uncertainty_lines"]

#: What the block leaves out, and why (written above it).
NOT_DRAWN = ("not drawn: the weekly profile's weights (they move bookings within the week, "
             "not the census over weeks), the hold cap and ICE's pickup delay (no covariance "
             "fitted) and the detainer share (matched by simulation)")
_LOG_Z90 = math.log(float(special.ndtri(0.9)))


def _sig(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def _lognormal(prefix: str, mu: int, ls: int) -> list[tuple]:
    return [(f"{prefix}.median", "log", lambda th: th[mu]),
            (f"{prefix}.p90", "spread", lambda th: _LOG_Z90 + th[ls])]


def _mixture(prefix: str, th0: np.ndarray, at: int) -> list[tuple]:
    """A two-lognormal mixture at ``prefix``, its parameters from ``theta[at:at + 5]``.

    The components are written in the order of their medians at the fit (``_mixture`` of
    :mod:`~jailsim.calibration.stayfit`); the weight of the second is drawn against the
    first's (the mixture normalises its weights).
    """
    order = np.argsort(th0[at:at + 2])
    out = []
    for i, j in enumerate(order):
        comp = f"{prefix}.components.{i}"
        out += _lognormal(f"{comp}.of", at + j, at + 2 + j)
    first, second = int(order[0]), int(order[1])
    out.append((f"{prefix}.components.1.weight", "log",
                lambda th: (log_weights(th[at + 4:at + 5])[second]
                            - log_weights(th[at + 4:at + 5])[first])))
    return out


def stay_coordinates(fit: StayFit, charge: str) -> list[tuple]:
    """``(path, scale, function of theta)`` of each value a stay fit writes for a charge.

    The paths are those :meth:`~jailsim.calibration.stayfit.StayFit.paths` writes under
    ``charges.CHARGE``; each function gives the value on its scale from the fit's
    unconstrained parameters, linearly.
    """
    ttd = f"charges.{charge}.disposition.time_to_disposition"
    th0 = fit.theta
    name = fit.name
    if name == "lognormal":
        return _lognormal(ttd, 0, 1)
    if name in ("gamma", "weibull"):
        return [(f"{ttd}.shape", "log", lambda th: th[0]),
                (f"{ttd}.scale", "log", lambda th: th[1])]
    if name == "lognormal_mixture_2":
        return _mixture(ttd, th0, 0)
    post = f"charges.{charge}.pretrial.post_delay"
    out = [(f"charges.{charge}.pretrial.bail", "logit", lambda th: th[0])]
    k_s = 5 if name == "release_mix_or_disposition_mix" else 2
    out += _lognormal(post, 1, 2) if k_s == 2 else _mixture(post, th0, 1)
    rest = 1 + k_s
    out += _lognormal(ttd, rest, rest + 1) if len(th0) - rest == 2 else _mixture(ttd, th0, rest)
    return out


def _joint(coords: list[tuple], theta: np.ndarray, cov: np.ndarray) -> dict:
    """A joint ``normal`` entry: each coordinate's sd and their correlation, from ``cov``."""
    jac = jacobian(lambda th: np.array([g(th) for _, _, g in coords]), theta)
    c = jac @ cov @ jac.T
    sd = np.sqrt(np.maximum(np.diag(c), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(np.outer(sd, sd) > 0, c / np.outer(sd, sd), 0.0)
    np.fill_diagonal(corr, 1.0)
    corr = np.clip(corr, -1.0, 1.0)
    entry = {"dist": "normal",
             "of": {p: {"scale": s, "sd": _sig(x)} for (p, s, _), x in zip(coords, sd,
                                                                           strict=True)}}
    if len(coords) > 1:
        entry["correlation"] = [[round(float(x), 3) + 0.0 for x in row] for row in corr]
    return entry


def _arrivals(cal) -> tuple[dict, list[str]]:
    a = cal.arrivals
    cov = np.asarray(a.log_rate_trend_cov, dtype=float)
    coords = [("arrivals.bookings.rate", "log", lambda th: th[0])]
    trend = a.trend_fitted and a.model.endswith("trend") and cov[1, 1] > 0
    if trend:
        coords.append(("arrivals.bookings.profile.trend_per_year", "log1p", lambda th: th[1]))
    else:
        cov = cov[:1, :1]
    entry = _joint(coords, np.zeros(len(coords)), cov)
    what = "the booking rate" + (" and its trend" if trend else "")
    return entry, [f"{what}: covariance of the Poisson fit of {a.n_total:,} bookings "
                   f"(Fisher information)" + ("" if trend else "; the trend is not drawn "
                                              "(kept from the base county, or none by AIC)")]


def _p_pickup(cal) -> tuple[dict, list[str]] | None:
    h = cal.holds
    if h is None or h.p_pickup is None or not 0 < h.p_pickup < 0.999:
        return None
    ice = h.outcomes.get("ice", 0)
    known = ice + h.outcomes.get("released", 0)
    q = ice / known
    if not 0 < q < 1:
        return None
    within = q / h.p_pickup
    sd_p = math.sqrt(q * (1 - q) / known) / within
    sd = sd_p / (h.p_pickup * (1 - h.p_pickup))
    return ({"dist": "normal", "scale": "logit", "sd": _sig(sd)},
            [f"binomial error of the transfer share, {ice:,} of {known:,} holds, over the "
             f"chance {within:.3f} that the pickup comes before the cap"])


def uncertainty_block(cal, targets: dict[str, list[str]]) -> tuple[dict, dict[str, list[str]]]:
    """The ``uncertainty:`` block of a calibration, and the comment lines of its entries.

    Parameters
    ----------
    cal
        The :class:`~jailsim.calibration.calibrate.Calibration` (its fits).
    targets
        Each stay group's charge classes in the scenario (one group fitted to all bookings
        is written to every class of the base county: drawn together, correlation 1).

    Returns
    -------
    (block, comments)
        ``block``: entry name -> entry; ``comments``: entry name -> comment lines.
    """
    block, comments = {}, {}
    block["arrivals"], comments["arrivals"] = _arrivals(cal)
    mix = cal.scenario_dict.get("arrivals", {}).get("bookings", {}).get("charge_mix")
    if mix and len(mix) > 1:
        n = len(cal.groups)
        block["arrivals.bookings.charge_mix"] = {"dist": "dirichlet", "n": n}
        comments["arrivals.bookings.charge_mix"] = [
            f"the charge mix of {n:,} bookings (a Dirichlet around the shares above)"]
    for g, fits in cal.stays.items():
        best = fits.best
        coords = [c for charge in targets[g] for c in stay_coordinates(best, charge)]
        key = f"stay[{g}]"
        block[key] = _joint(coords, best.theta, best.cov)
        prior = " with its tail prior (the posterior's covariance)" \
            if fits.prior_fit is not None else ""
        comments[key] = [f"stays [{g}]: model {best.name} fitted to {fits.stays.n:,} stays: "
                         f"covariance of the censored likelihood{prior}"]
    pickup = _p_pickup(cal)
    if pickup is not None:
        block["ice.p_pickup"], comments["ice.p_pickup"] = pickup
    return block, comments


def uncertainty_lines(block: dict, comments: dict[str, list[str]]) -> list[str]:
    """The block as readable YAML: one line per value, one per correlation row."""
    lines = ["", *comment_lines("", "What the export could not pin down: each entry is a "
                                "distribution around the value written above (normal on the "
                                "scale named: sd 0.05 on a log scale is about 5%). jailsim "
                                "run, compare and backtest draw one parameter set per "
                                "replication from it with --parameter-uncertainty, and "
                                "ignore it otherwise (docs/calibration.md)."),
             *comment_lines("", NOT_DRAWN + "."), "uncertainty:"]
    for key, entry in block.items():
        for c in comments.get(key, []):
            lines += comment_lines("  ", c)
        name = _scalar(key)
        if "of" not in entry:
            lines.append(f"  {name}: {_scalar(entry)}")
            continue
        lines += [f"  {name}:", "    dist: normal", "    of:"]
        lines += [f"      {path}: {_scalar(c)}" for path, c in entry["of"].items()]
        if "correlation" in entry:
            lines.append("    correlation:")
            lines += ["      - [" + ", ".join(f"{x:g}" for x in row) + "]"
                      for row in entry["correlation"]]
    return lines
