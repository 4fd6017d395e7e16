"""Shared helpers of the engine tests: the same-timeline assertion and random scenarios.

``assert_same_timeline`` is what "the engines agree" means (every milestone to 1e-9 days,
every code equal); ``scenarios`` is a hypothesis strategy over the model's switches and dated
changes, used wherever something must hold for any scenario.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import strategies as st

from jailsim.model.timeline import CODE_FIELDS, TIME_FIELDS
from tests.conftest import base


def assert_same_timeline(a, b, tol=1e-9):
    for f in TIME_FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=f)
        ok = ~np.isnan(x)
        np.testing.assert_allclose(x[ok], y[ok], rtol=0, atol=tol, err_msg=f)
    for f in CODE_FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


_shift = st.fixed_dictionaries(
    {
        "days": st.sampled_from(["daily", "Mon-Fri", "Sat,Sun", "Fri-Mon", "Wed"]),
        "start": st.sampled_from(["00:00", "06:30", "08:00", "16:00", "22:00"]),
        "end": st.sampled_from(["24:00", "04:00", "12:00", "16:00", "23:30"]),
        "officers": st.integers(0, 3),
    }
)


@st.composite
def scenarios(draw):
    """A randomized scenario: program, rates, honor, hold and ICE, officers, dated changes."""
    changes = {
        "horizon": f"{draw(st.integers(20, 90))}d",
        "warmup": "5d",
        "program": draw(st.sampled_from(["none", "jem", "wso", "jem+wso"])),
        "arrivals.bookings.rate": f"{draw(st.integers(5, 60))}/day",
        "arrivals.bookings.foreign_born": draw(st.floats(0, 1)),
        "arrivals.bookings.removable_given_noncitizen": draw(st.floats(0, 1)),
        "arrivals.bookings.dhs_record_given_noncitizen": draw(st.floats(0, 1)),
        "bond.detainer_factor": draw(st.floats(0, 1)),
        "honor.policy": draw(st.sampled_from(REGIMES)),
        "honor.refusal_probability": draw(st.sampled_from([0.0, 0.3])),
        "honor.judicial_warrant_share": draw(st.sampled_from([0.0, 0.5])),
        "honor.database_only_void": draw(st.booleans()),
        "arrivals.bookings.prior_conviction_given_noncitizen": draw(st.sampled_from([0.0, 0.4])),
        "hold.rule": draw(st.sampled_from(["calendar_48h", "business_48h"])),
        "ice.p_pickup": draw(st.floats(0, 1)),
        "ice.pickup_delay": draw(
            st.sampled_from(["0h", "30h", {"dist": "exponential", "mean": "20h"}])
        ),
        "ice.p_cancel": draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])),
        "ice.cancel_delay": draw(
            st.sampled_from(["0h", "6h", {"dist": "exponential", "mean": "20h"}])
        ),
        "ice.igsa": draw(st.sampled_from([None, None, {"share": 0.5, "stay": "3d"},
                                          {"share": 1.0, "stay": {"dist": "exponential",
                                                                  "mean": "2d"}}])),
        "jem.officers": draw(st.integers(0, 3)),
        "jem.shifts": draw(st.lists(_shift, max_size=3)),
        "jem.queue_delay": draw(st.sampled_from(["0h", "2h", "1d"])),
        "jem.p_lodge": draw(st.floats(0, 1)),
        "jem.p_flag_foreign_born": draw(st.sampled_from([1.0, 0.8])),
        "jem.p_flag_us_born": draw(st.sampled_from([0.0, 0.2])),
        "jem.detainer_delay": draw(st.sampled_from(["0h", "3h", {"dist": "exponential",
                                                                  "mean": "1d"}])),
        # Long interviews run over releases: finished, or cut short when the person leaves.
        "jem.screening_time": draw(st.sampled_from(["45min", {"dist": "exponential",
                                                               "mean": "12h"}])),
        "jem.at_release": draw(st.sampled_from(["finish", "release"])),
        "jem.screens_at": draw(st.sampled_from(["booking", "sentence"])),
        "wso.officers": draw(st.integers(0, 2)),
        "wso.shifts": draw(st.lists(_shift, max_size=2)),
        "wso.custody_cap": draw(st.sampled_from(["1h", "72h"])),
        "court.weekmask": draw(st.sampled_from(["daily", "Mon-Fri", "Tue,Thu"])),
        "court.sessions": draw(st.sampled_from([["09:00"], ["09:00", "14:00"], ["23:00"]])),
        **{k: draw(v) for k, v in _errors.items()},
    }
    changes["warm_start"] = {
        "kind": draw(st.sampled_from(["none", "none", "none", "steady_state"])),
        "history": "30d",
    }
    if draw(st.booleans()):
        changes["ice.transport"] = _transport(draw)
    if draw(st.booleans()):  # Task Force arrests, some for ICE alone
        changes["arrivals.task_force"] = {
            "rate": "3/day", "charge_mix": {"felony": 0.1, "misdemeanor": 0.9},
            "foreign_born": 0.9, "citizen_given_foreign_born": 0.1,
            "removable_given_noncitizen": 0.7, "dhs_record_given_noncitizen": 0.5,
            "civil_only_given_noncitizen": draw(st.sampled_from([0.0, 0.5])),
        }
    if draw(st.booleans()):  # offenses, some on which ICE must lodge
        changes["charges.felony.offenses"] = {"burglary": 0.2, "assault_officer": 0.1}
        changes["charges.misdemeanor.offenses"] = {"theft": 0.4}
        changes["ice.mandatory_offenses"] = draw(st.sampled_from(
            [[], ["theft"], ["theft", "burglary", "assault_officer"]]))
    changes["changes"] = _dated_changes(draw, int(changes["horizon"][:-1]))
    return base().with_(changes)


#: Every honor policy.
REGIMES = ["all", "none", "felony_only", "judicial_warrant_only", "notify_only",
           "convicted_only"]


_errors = {
    "arrivals.bookings.citizen_given_foreign_born": st.floats(0, 1),
    "biometric.missed_record": st.sampled_from([0.0, 0.3]),
    "biometric.citizen_record_hit": st.sampled_from([0.0, 0.5]),
    "jem.p_lodge_citizen": st.sampled_from([0.0, 0.5]),
}


def _transport(draw):
    return {
        "times": draw(st.sampled_from([["10:00"], ["06:00", "18:00"]])),
        "days": draw(st.sampled_from(["daily", "Mon-Fri"])),
        "seats": draw(st.sampled_from([None, 1, 3])),
    }


def _dated_changes(draw, horizon: int) -> list[dict]:
    """Up to three dated changes of the parameters a policy timeline may change."""
    days = sorted(draw(st.sets(st.integers(1, horizon - 1), max_size=3)))
    out = []
    for day in days:
        options = {
            "program": st.sampled_from(["none", "jem", "wso", "jem+wso"]),
            "jem.officers": st.integers(0, 3),
            "jem.shifts": st.lists(_shift, max_size=2),
            "wso.officers": st.integers(0, 2),
            "honor.policy": st.sampled_from(REGIMES),
            "honor.refusal_probability": st.sampled_from([0.0, 0.5]),
            "honor.database_only_void": st.booleans(),
            "hold.rule": st.sampled_from(["calendar_48h", "business_48h"]),
            "hold.cap": st.sampled_from(["12h", "48h"]),
            "ice.p_pickup": st.floats(0, 1),
            "ice.pickup_delay": st.sampled_from(
                ["0h", "10h", {"dist": "exponential", "mean": "2d"}]
            ),
            "ice.transport": st.one_of(st.just({"times": "continuous"}), st.builds(dict)),
            "ice.p_cancel": st.sampled_from([0.0, 0.7]),
            "ice.cancel_delay": st.sampled_from(["2h", {"dist": "exponential", "mean": "1d"}]),
            "ice.igsa": st.sampled_from([None, {"share": 0.7, "stay": "1d"}]),
        }
        keys = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=4, unique=True))
        values = {k: draw(options[k]) for k in keys}
        if "ice.transport" in values and values["ice.transport"] == {}:
            values["ice.transport"] = _transport(draw)
        out.append({"from": (dt.date(2025, 1, 6) + dt.timedelta(days=day)).isoformat(),
                    "set": values})
    return out
