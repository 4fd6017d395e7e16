"""How a budget is totalled (``--per``), named in a module light enough for a parser's help.

:mod:`jailsim.money.lines` computes each basis; ``jailsim budget --help`` lists them, and this
module imports nothing, so the command line can name them without numpy or pandas.
"""

from __future__ import annotations

__all__ = ["PER"]

#: Bases of a budget: a year (window totals x 365.25 / window days), the whole window, or
#: the totals of each of the county's fiscal years (``costs.fiscal_year_start_month``).
PER = ("year", "window", "fiscal_year")
