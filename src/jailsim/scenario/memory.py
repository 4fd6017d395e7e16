"""The memory guard: a run whose bookings tables would not fit in memory is refused up front.

A replication keeps one row per booking; a run of many replications of a large county can
ask for more memory than the machine has. :func:`check_memory` estimates the need from the
scenario (expected bookings x replications x bytes per row) and refuses, in one line, a run
that would not fit, before anything is simulated.
"""

from __future__ import annotations

import os

from jailsim.base.errors import ScenarioError
from jailsim.scenario.schema import Scenario

__all__ = [
    "BYTES_PER_BOOKING",
    "check_memory",
    "estimate_memory_bytes",
    "expected_bookings",
    "physical_memory_bytes",
]

#: Share of physical memory left free for the interpreter, the OS and everything else.
MEMORY_HEADROOM = 0.25
#: Memory held per booking for the bookings table of a run, in bytes: about twenty 8-byte
#: columns (milestone times, outcome and group codes) plus pandas/Arrow overhead.
BYTES_PER_BOOKING = 200

def expected_bookings(scenario: Scenario) -> float:
    """Bookings one replication is expected to hold, over the whole horizon (an upper bound).

    Each stream's rate times the horizon in days, raised by a positive trend as if the rate
    at the end of the horizon held throughout.
    """
    years = scenario.horizon / 365.25
    total = 0.0
    for stream in (scenario.arrivals.bookings, scenario.arrivals.task_force):
        if stream is not None:
            growth = 1.0 + max(0.0, stream.profile.trend_per_year) * years
            total += stream.rate * scenario.horizon * growth
    return total


def estimate_memory_bytes(scenario: Scenario, replications: int | None = None) -> int:
    """Memory the bookings tables of all replications need: bookings x reps x BYTES_PER_BOOKING.

    ``replications`` defaults to the scenario's own. Absurd inputs give a huge number, never
    an overflow.
    """
    reps = scenario.replications if replications is None else replications
    need = expected_bookings(scenario) * reps * BYTES_PER_BOOKING
    return int(min(need, 2.0**63))


def physical_memory_bytes() -> int | None:
    """Return the physical memory of this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(
    scenario: Scenario,
    replications: int | None = None,
    *,
    source: str = "<scenario>",
    total_bytes: int | None = None,
) -> None:
    """Refuse a run whose bookings tables would not fit in memory (leaving 25% headroom).

    ``total_bytes`` overrides the machine's physical memory (for tests); where it cannot be
    known the check passes.

    Raises
    ------
    ScenarioError
        With one line saying how much the run needs and what to lower.
    """
    total = physical_memory_bytes() if total_bytes is None else total_bytes
    if not total:
        return
    reps = scenario.replications if replications is None else replications
    need = estimate_memory_bytes(scenario, reps)
    usable = total * (1.0 - MEMORY_HEADROOM)
    if need > usable:
        raise ScenarioError(
            [
                f"{source}: run needs about {need / 1e9:,.1f} GB for "
                f"{expected_bookings(scenario):,.0f} bookings x {reps} replications, more than the "
                f"{usable / 1e9:,.1f} GB this machine has ({1 - MEMORY_HEADROOM:.0%} of "
                f"{total / 1e9:,.1f} GB); lower horizon, rates or replications"
            ]
        )
