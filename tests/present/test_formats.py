"""Numbers as the reports show them: one format, a true minus sign, a dash when undefined."""

from __future__ import annotations

import pytest

from jailsim.present.formats import MINUS, as_shown, interval, number, plus_minus, signed
from jailsim.results.tables import BELOW_ZERO


@pytest.mark.parametrize(("x", "shown"), [
    (-1234.5, "−1,234"), (1234.5, "1,234"), (999.7, "1,000"), (999.4, "999"),
    (12.345, "12.3"), (-0.0123, "−0.0123"), (0.000123, "0.000123"), (1e-7, "1 × 10⁻⁷"),
    (-6.15e-14, "−6.15 × 10⁻¹⁴"),
    (0.0, "0"), (-0.0, "0"), (2, "2"), (None, "–"), (float("nan"), "–"),
])
def test_number_has_three_digits_a_true_minus_and_never_an_e_notation(x, shown):
    assert number(x) == shown
    assert "e" not in number(x) and "-" not in number(x)


def test_signed_interval_and_plus_minus_use_the_same_format():
    assert (signed(3.0), signed(-3.0), signed(0.0)) == ("+3", f"{MINUS}3", "0")
    assert interval(-0.7, 1.7, "lapsed_detainers") == f"{MINUS}0.7 – 1.7 {BELOW_ZERO}"
    assert interval(-0.7, 1.7) == f"{MINUS}0.7 – 1.7"  # a difference: never marked
    assert interval(-2.0, 8.0, sep=" to ") == f"{MINUS}2 to 8"
    assert interval(None, 1.0) == "–"
    assert plus_minus(-10.0, -12.0, -8.0) == f"{MINUS}10 ± 2"
    assert plus_minus(5.0, 5.0, 5.0) == "5"  # no spread: the amount alone


def test_cells_formatted_by_the_command_line_get_the_true_minus():
    assert as_shown("-0.349 ± 0.057") == f"{MINUS}0.349 ± 0.057"
    assert as_shown("-57.6% ± 1.5") == f"{MINUS}57.6% ± 1.5"
    assert as_shown("+9.47 ± 3.68") == "+9.47 ± 3.68"
    assert as_shown("-") == "–"  # undefined
    assert as_shown("2025-01-06") == "2025-01-06" and as_shown("bed-days") == "bed-days"
