"""Shared test helpers: the shipped scenarios and small analytic variants of them.

Plain functions (importable as ``tests.conftest``, for use in parametrize lists) and the
fixtures every folder may use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import jailsim

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
SHIPPED = sorted(p for p in SCENARIOS.glob("*.yaml"))


@pytest.fixture
def scenarios_dir() -> Path:
    """The repository's shipped scenarios folder."""
    return SCENARIOS


def base():
    return jailsim.load(SCENARIOS / "base_county.yaml")


def infinite_server(rate="40/day", stay=None, horizon="400d", warmup="100d", **extra):
    """Everyone is held to disposition and released on it: stay = time_to_disposition exactly.

    Court every day with hourly sessions and ``min_time_to_appearance`` 0, so the initial
    appearance (at most one hour after booking) always comes before the disposition (at least
    ~2 days after), and the release processing is fixed at zero: the jail is an M/G/infinity
    system with service time distribution ``stay``. No one is foreign-born: no detainers.
    """
    stay = stay or {"dist": "gamma", "mean": "5d", "sd": "3d"}
    changes = {
        "warm_start": {"kind": "none"},
        "horizon": horizon,
        "warmup": warmup,
        "arrivals.bookings.rate": rate,
        "arrivals.bookings.profile": {},
        "arrivals.bookings.foreign_born": 0.0,
        "court.weekmask": "daily",
        "court.holidays": "none",
        "court.sessions": [f"{h:02d}:00" for h in range(24)],
        "court.min_time_to_appearance": "0h",
        "court.release_processing": "0h",
        # who is foreign-born is who is interviewed (no wrong answers at the question)
        "jem.p_flag_foreign_born": 1.0,
        "jem.p_flag_us_born": 0.0,
    }
    for charge in ("felony", "misdemeanor"):
        changes[f"charges.{charge}.pretrial"] = {
            "ror": 0.0, "bail": 0.0, "post": 0.0, "post_delay": "1h"
        }
        changes[f"charges.{charge}.disposition.time_to_disposition"] = stay
        for k, v in {"time_served": 1.0, "jail": 0.0, "prison": 0.0}.items():
            changes[f"charges.{charge}.disposition.{k}"] = v
    changes.update(extra)
    return base().with_(changes)
