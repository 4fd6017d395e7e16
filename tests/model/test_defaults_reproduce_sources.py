"""The default county reproduces the published figures its pretrial parameters were set from.

BJS, felony defendants in the 75 largest counties, 1990-2004 (docs/sources.md §7): 62% released
before disposition; of those released, about half within a day of arrest and 75% within a
week. The parameters were fitted by hand (docs/pretrial.md), so the tolerance is the fit's:
three percentage points, against sampling errors under one point at this size.
"""

from __future__ import annotations

import math

import pytest

import jailsim


@pytest.fixture(scope="module")
def felony():
    res = jailsim.simulate("scenarios/no_287g.yaml", seed=1, replications=3)
    b = res.bookings
    return b[(b.charge == "felony") & (b.booked_at >= 0) & (b.exit_reason != "censored")]


def test_felony_pretrial_release_share_and_timing(felony):
    released = felony.bond_outcome.isin(["ror", "posted"])
    n = len(felony)
    assert math.sqrt(0.25 / n) < 0.01  # sampling error well under the fit's tolerance
    assert abs(released.mean() - 0.62) < 0.03
    days = (felony.release_eligible_at - felony.booked_at)[released]
    assert abs((days <= 1).mean() - 0.50) < 0.03
    assert abs((days <= 7).mean() - 0.75) < 0.03
