"""A known jail for calibration tests: its stays lie in a family the calibration fits exactly."""

from __future__ import annotations

import math
from pathlib import Path

from scipy import special

import jailsim
from jailsim.calibration.fittedscenario import COURT
from jailsim.county.exports import to_export
from tests.conftest import base

#: Truth of the round trip: pretrial release share, release delay and disposition time
#: (lognormal median and 90th percentile, days) by charge.
TRUTH = {
    "felony": {"share": 0.4, "release": (1.0, 6.0), "disposition": (45.0, 200.0)},
    "misdemeanor": {"share": 0.7, "release": (10 / 24, 3.0), "disposition": (12.0, 60.0)},
}
RATE, TREND = 15.6, 0.10
#: The truth's weekly profile: evening and weekend peaks (the base county's is flat, unsourced),
#: so that the profile fits and the report's profile correlation have a shape to find.
PROFILE = {
    "hour_of_day": [1.3, 1.3, 1.2, 1.0, 0.7, 0.5, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
                    1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.2, 1.2, 1.3, 1.3, 1.4, 1.4],
    "day_of_week": [0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0],
}
START, AS_OF = "2025-01-06", "2027-01-06"  # two years


def lognormal(median_p90):
    med, p90 = median_p90
    return {"dist": "lognormal", "median": f"{med!r}d", "p90": f"{p90!r}d"}


def theta(charge: str):
    """Parameters of the ``release_or_disposition`` family for a charge's truth."""
    t = TRUTH[charge]
    z90 = special.ndtri(0.9)
    (ms, ps), (ml, pl) = t["release"], t["disposition"]
    return [special.logit(t["share"]), math.log(ms), math.log(math.log(ps / ms) / z90),
            math.log(ml), math.log(math.log(pl / ml) / z90)]


def truth_scenario(**changes):
    data = {
        "start_date": START,
        "horizon": "730d",
        "warm_start.kind": "none",
        "warmup": "0d",
        "arrivals.bookings.rate": f"{RATE}/day",
        "arrivals.bookings.profile": {**PROFILE, "trend_per_year": TREND},
        "court": COURT,
        # ICE as the hold fit reads an export: it comes or the hold lapses (no cancellations)
        "ice.p_pickup": 0.4,
        "ice.p_cancel": 0.0,
    }
    for charge, t in TRUTH.items():
        data[f"charges.{charge}.pretrial"] = {"ror": 0.0, "bail": t["share"], "post": 1.0,
                                              "post_delay": lognormal(t["release"])}
        d = f"charges.{charge}.disposition"
        data[f"{d}.time_to_disposition"] = lognormal(t["disposition"])
        data.update({f"{d}.time_served": 1.0, f"{d}.jail": 0.0, f"{d}.prison": 0.0})
    data.update(changes)
    return base().with_(data)


def write_export(path: Path, seed: int = 11, scenario=None) -> Path:
    """Simulate the truth (or ``scenario``) and write its bookings as a county export."""
    sc = scenario or truth_scenario()
    res = jailsim.simulate(sc, seed=seed, replications=1, engine="vector")
    to_export(res.bookings, sc.start_date).to_csv(path, index=False)
    return path
