"""The heart of the project: both engines give the same timeline for the same draws."""

from __future__ import annotations

import numpy as np
import pytest

import jailsim
from _support import SHIPPED
from jailsim.engines import des, vector
from jailsim.model.context import Context
from jailsim.model.population import Population
from jailsim.model.timeline import CODE_FIELDS, TIME_FIELDS


def assert_same_timeline(a, b, tol=1e-9):
    for f in TIME_FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=f)
        ok = ~np.isnan(x)
        np.testing.assert_allclose(x[ok], y[ok], rtol=0, atol=tol, err_msg=f)
    for f in CODE_FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_engines_agree_on_shipped_scenarios(path):
    sc = jailsim.load(path).with_(horizon="150d", warmup="30d")
    ctx = Context.build(sc)
    for rep in range(2):
        pop = Population.sample(sc, seed=7, replication=rep)
        assert_same_timeline(des.run(ctx, pop), vector.run(ctx, pop))


def test_engines_agree_on_summary():
    sc = jailsim.load("scenarios/jem_wso.yaml")
    a = jailsim.simulate(sc, seed=3, replications=2, days=200, warmup_days=50, engine="des")
    b = jailsim.simulate(sc, seed=3, replications=2, days=200, warmup_days=50, engine="vector")
    np.testing.assert_allclose(
        a.summary()["mean"].to_numpy(), b.summary()["mean"].to_numpy(), rtol=1e-9, atol=1e-9
    )


# ------------------------------------------------------------------ randomized scenarios
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from _support import base  # noqa: E402

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
    changes = {
        "horizon": f"{draw(st.integers(20, 90))}d",
        "warmup": "5d",
        "program": draw(st.sampled_from(["none", "jem", "wso", "jem+wso"])),
        "arrivals.bookings.rate": f"{draw(st.integers(5, 60))}/day",
        "arrivals.bookings.foreign_born": draw(st.floats(0, 1)),
        "arrivals.bookings.removable_given_noncitizen": draw(st.floats(0, 1)),
        "arrivals.bookings.dhs_record_given_noncitizen": draw(st.floats(0, 1)),
        "bond.detainer_factor": draw(st.floats(0, 1)),
        "honor.policy": draw(st.sampled_from(["all", "none", "felony_only"])),
        "honor.refusal_probability": draw(st.sampled_from([0.0, 0.3])),
        "hold.rule": draw(st.sampled_from(["calendar_48h", "business_48h"])),
        "ice.p_pickup": draw(st.floats(0, 1)),
        "ice.pickup_delay": draw(
            st.sampled_from(["0h", "30h", {"dist": "exponential", "mean": "20h"}])
        ),
        "jem.officers": draw(st.integers(0, 3)),
        "jem.shifts": draw(st.lists(_shift, max_size=3)),
        "jem.queue_delay": draw(st.sampled_from(["0h", "2h", "1d"])),
        "jem.p_lodge": draw(st.floats(0, 1)),
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
    changes["changes"] = _dated_changes(draw, int(changes["horizon"][:-1]))
    return base().with_(changes)


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
    import datetime as dt

    days = sorted(draw(st.sets(st.integers(1, horizon - 1), max_size=3)))
    out = []
    for day in days:
        options = {
            "program": st.sampled_from(["none", "jem", "wso", "jem+wso"]),
            "jem.officers": st.integers(0, 3),
            "jem.shifts": st.lists(_shift, max_size=2),
            "wso.officers": st.integers(0, 2),
            "honor.policy": st.sampled_from(["all", "none", "felony_only"]),
            "honor.refusal_probability": st.sampled_from([0.0, 0.5]),
            "hold.rule": st.sampled_from(["calendar_48h", "business_48h"]),
            "hold.cap": st.sampled_from(["12h", "48h"]),
            "ice.p_pickup": st.floats(0, 1),
            "ice.pickup_delay": st.sampled_from(
                ["0h", "10h", {"dist": "exponential", "mean": "2d"}]
            ),
            "ice.transport": st.one_of(st.just({"times": "continuous"}), st.builds(dict)),
        }
        keys = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=4, unique=True))
        values = {k: draw(options[k]) for k in keys}
        if "ice.transport" in values and values["ice.transport"] == {}:
            values["ice.transport"] = _transport(draw)
        out.append({"from": (dt.date(2025, 1, 6) + dt.timedelta(days=day)).isoformat(),
                    "set": values})
    return out


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32))
def test_engines_agree_on_random_scenarios(sc, seed):
    ctx = Context.build(sc)
    pop = Population.sample(sc, seed=seed, replication=0)
    factual = vector.run(ctx, pop)
    assert_same_timeline(des.run(ctx, pop), factual)
    # Detainer attribution's counterfactual exits (computed alone, partly taken from the
    # factual run) are those of the engine run with every detainer effect off.
    np.testing.assert_array_equal(
        vector.exit_without_detainers(ctx, pop, factual),
        vector.run(ctx, pop, detainer_effects=False).exit_at,
    )
