"""A county's own numbers: arrival and stay fits from a booking export, and the back-test.

``jailsim calibrate`` turns an export into a scenario with its provenance and a fit report;
``jailsim backtest`` sets a scenario against an export over the same period.
"""
