"""Printed tables: an interval below 0 of a quantity that cannot be negative carries a note."""

from __future__ import annotations

import pandas as pd

from jailsim.results.metrics import METRICS
from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE, can_be_negative, side_by_side


def _summary(rows: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    """A ``Result.summary()``-shaped frame: every metric 1 ± 0.5, except ``rows``."""
    data = {m: (1.0, 0.5, 1.5) for m in METRICS} | rows
    return pd.DataFrame({m: {"mean": v[0], "ci_low": v[1], "ci_high": v[2], "n": 2}
                         for m, v in data.items()}).T


def test_an_interval_below_zero_of_a_count_is_marked_and_noted():
    s = _summary({"lapsed_detainers": (0.5, -0.7, 1.7), "attributable_bed_days": (3.0, -2.0, 8.0)})
    text = side_by_side({"A": s}, ["adp", "lapsed_detainers", "attributable_bed_days"])
    lines = text.splitlines()
    row = {line.split()[0]: line for line in lines[2:]}
    assert row["lapsed_detainers"].endswith(f"0.500 ± 1.20 {BELOW_ZERO}")
    assert BELOW_ZERO not in row["adp"]
    # attributable bed-days can be negative: a detainer can also shorten a stay
    assert can_be_negative("attributable_bed_days")
    assert BELOW_ZERO not in row["attributable_bed_days"]
    assert lines[-1] == BELOW_ZERO_NOTE and lines.count(BELOW_ZERO_NOTE) == 1
    assert "below 0" in BELOW_ZERO_NOTE and "never clipped" in BELOW_ZERO_NOTE


def test_no_note_when_no_interval_reaches_below_zero():
    text = side_by_side({"A": _summary({}), "B": _summary({})}, ["adp", "holds"])
    assert BELOW_ZERO not in text and BELOW_ZERO_NOTE not in text


def test_only_differences_from_the_counterfactual_and_net_costs_may_be_negative():
    signed = sorted(m for m in METRICS if can_be_negative(m))
    assert signed == ["attributable_bed_days", "attributable_bed_days_pre_release",
                      "citizen_attributable_bed_days"]
    assert can_be_negative("net_cost_usd") and not can_be_negative("jail_cost_usd")


def test_a_value_that_rounds_to_zero_has_no_minus_sign():
    from jailsim.results.tables import _fmt

    assert [_fmt(x) for x in (-0.0001, -0.0, -0.4, -1234.4)] == ["0.000", "0.000", "-0.400",
                                                                  "-1,234"]
