"""Honest bands on synthetic data: calibrate a known county on one window, back-test the next.

A small county with known parameters (6 bookings a day, 40% felonies, stays from the
``release_or_disposition`` family the calibration fits) is simulated for 270 days. Its
bookings are written as a county would export them, with the defects of a real export: the
charge as a 0/1 felony flag (named by a charge map), a tenth of the release times and a
twentieth of the booking times as dates without a time, and the people still inside when
each export is taken (no release time). The first 150 days are calibrated; the next 120 days
(bookings booked in them, taken at their end) are back-tested with the parameters drawn from
the calibration's ``uncertainty:`` block.

* **The band covers what it should.** The daily census is one autocorrelated path, so its
  days are not independent trials, and a band of 30 replications is their empirical 5% and
  95% quantiles, which cover a new path's day with probability (27.6 - 2.4) / 30 = 0.84, not
  0.90 (np.quantile's ranks 2.4 and 27.6 of the 29 others). Both are measured, not assumed:
  each replication is set against the band of the others (``held_out_coverage``), on the
  same weekly-spaced days as the export (days 6, 13, ..., 118: 17 days a week apart). The
  mean of those shares is the coverage to expect, and their variance ``V`` that of one
  path's share, autocorrelation included (its effective number of independent days is
  ``E(1 - E) / V``). The mean coverage of the exports over the seeds must be within 3
  standard errors, ``3 sqrt(V / seeds)``, of the expected.
* **The known parameters are inside their 95% intervals at the stated rate.** Twelve per
  seed: the booking rate, the felony share and the five stay parameters of each charge. A
  charge's five are fitted together and strongly correlated (they miss together), so the
  binomial standard error is taken over 4 independent clusters per seed (rate, share, each
  charge's stays), the least favourable case: coverage >= 0.95 - 3 sqrt(0.95 x 0.05 / (4 x
  seeds)).

Seeds are fixed. About 30 s on a loaded 2-core machine: marked slow.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import jailsim
from jailsim.calibration.backtest import backtest, held_out_coverage
from jailsim.calibration.fittedscenario import COURT
from jailsim.county.exports import to_export
from tests.conftest import base

pytestmark = pytest.mark.slow

SEEDS = (1, 2, 3)
CALIBRATE, TEST = 150, 120  # days
REPLICATIONS = 30
RATE, FELONY = 6.0, 0.4
#: pretrial-release share, release delay and disposition time (median, p90 in days)
TRUTH = {"felony": {"share": 0.4, "release": (1.0, 6.0), "disposition": (20.0, 60.0)},
         "misdemeanor": {"share": 0.7, "release": (10 / 24, 3.0), "disposition": (8.0, 30.0)}}
START = pd.Timestamp("2025-01-06")
WEEKLY = np.arange(6, TEST, 7)


def lognormal(median_p90):
    med, p90 = median_p90
    return {"dist": "lognormal", "median": f"{med!r}d", "p90": f"{p90!r}d"}


def truth():
    """The known county: no one foreign-born (no holds), court sessions every half hour."""
    data = {"start_date": START.date().isoformat(), "horizon": f"{CALIBRATE + TEST}d",
            "warm_start.kind": "none", "warmup": "0d",
            "arrivals.bookings.rate": f"{RATE}/day", "arrivals.bookings.foreign_born": 0.0,
            "arrivals.bookings.charge_mix": {"felony": FELONY, "misdemeanor": 1 - FELONY},
            "court": COURT}
    for charge, t in TRUTH.items():
        data[f"charges.{charge}.pretrial"] = {"ror": 0.0, "bail": t["share"], "post": 1.0,
                                              "post_delay": lognormal(t["release"])}
        d = f"charges.{charge}.disposition"
        data[f"{d}.time_to_disposition"] = lognormal(t["disposition"])
        data.update({f"{d}.time_served": 1.0, f"{d}.jail": 0.0, f"{d}.prison": 0.0})
    return base().with_(data)


def messy_export(bookings, start_date, first: float, last: float, rng, path):
    """Bookings booked in [first, last) as exported at ``last``, with a real export's defects."""
    frame = to_export(bookings[(bookings["booked_at"] >= first)
                               & (bookings["booked_at"] < last)], start_date, as_of_days=last)
    frame["charge_level"] = np.where(frame["charge_level"] == "FELONY", "1", "0")
    released = (frame["release_date"] != "").to_numpy()
    dated = released & (rng.random(len(frame)) < 0.1)  # "MM/DD/YYYY": a date, no time
    frame.loc[dated, "release_date"] = frame.loc[dated, "release_date"].str[:10]
    dated = rng.random(len(frame)) < 0.05
    frame.loc[dated, "booking_date"] = frame.loc[dated, "booking_date"].str[:10]
    frame.to_csv(path, index=False)
    return path


def known_values() -> dict[str, float]:
    out = {"arrivals.bookings.rate": RATE, "arrivals.bookings.charge_mix.felony": FELONY}
    for charge, t in TRUTH.items():
        out[f"stay[{charge}].release_share"] = t["share"]
        out[f"stay[{charge}].release_median"], out[f"stay[{charge}].release_p90"] = t["release"]
        (out[f"stay[{charge}].disposition_median"],
         out[f"stay[{charge}].disposition_p90"]) = t["disposition"]
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """For each seed: the calibration's parameter table and the back-test of the next window."""
    sc = truth()
    out = []
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"seed{seed}")
        b = jailsim.simulate(sc, seed=seed, replications=1, engine="vector").bookings
        rng = np.random.default_rng(seed)
        first = messy_export(b, sc.start_date, 0, CALIBRATE, rng, folder / "first.csv")
        second = messy_export(b, sc.start_date, CALIBRATE, CALIBRATE + TEST, rng,
                              folder / "second.csv")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cal = jailsim.calibrate(first, as_of=START + pd.Timedelta(days=CALIBRATE),
                                    charge_map={"0": "misdemeanor", "1": "felony"},
                                    families=["release_or_disposition"])
        scenario = cal.write(folder / "county.yaml")
        bt = backtest(scenario, second, as_of=START + pd.Timedelta(days=CALIBRATE + TEST),
                      replications=REPLICATIONS, seed=100 + seed, parameter_uncertainty=True)
        out.append((cal.parameters().set_index("parameter"), bt))
    return out


def test_the_band_with_parameter_uncertainty_covers_the_next_window(runs):
    observed = np.array([bt.census["inside"].to_numpy()[WEEKLY].mean() for _, bt in runs])
    reference = [held_out_coverage(bt.paths, 0.9, WEEKLY) for _, bt in runs]
    expected = float(np.mean(reference))
    var = float(np.mean([r.var(ddof=1) for r in reference]))  # one path's share
    tolerance = 3 * math.sqrt(var / len(runs))
    held = np.array([bt.census["inside_fixed"].to_numpy()[WEEKLY].mean() for _, bt in runs])
    share = [bt.variance["daily_census"]["parameter_share"] for _, bt in runs]
    print(f"weekly days inside the 90% band: {observed.round(3).tolist()} (mean "
          f"{observed.mean():.3f}); expected {expected:.3f} +- {tolerance:.3f} (3 SE; "
          f"effective days per path {expected * (1 - expected) / var:.1f} of {len(WEEKLY)}); "
          f"parameters held: {held.round(3).tolist()}; parameters' share of the band's "
          f"variance: {np.round(share, 2).tolist()}")
    assert abs(expected - 0.84) < 0.05  # the empirical band's coverage of exchangeable paths
    assert abs(observed.mean() - expected) <= tolerance


def test_the_known_parameters_are_inside_their_intervals(runs):
    known = known_values()
    inside = [bool(table.loc[name, "lower"] <= value <= table.loc[name, "upper"])
              for table, _ in runs for name, value in known.items()]
    rate = float(np.mean(inside))
    clusters = 4 * len(runs)
    floor = 0.95 - 3 * math.sqrt(0.95 * 0.05 / clusters)
    missed = [f"seed {s}: {name}" for s, (table, _) in zip(SEEDS, runs, strict=True)
              for name, value in known.items()
              if not table.loc[name, "lower"] <= value <= table.loc[name, "upper"]]
    print(f"known parameters inside their 95% intervals: {sum(inside)} of {len(inside)} "
          f"({rate:.3f}; floor {floor:.3f}); missed: {missed}")
    assert rate >= floor
