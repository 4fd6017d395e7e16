"""Calibration: fits to a booking export, messy exports, the back-test."""
