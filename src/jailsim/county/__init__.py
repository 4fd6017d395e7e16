"""What a county hands over: booking exports and roster snapshots, read and cleaned.

Timestamps in many formats and zones, columns guessed by name, every dropped or repaired row
counted. Nothing here knows about the model; the scenario and calibration layers build on it.
"""
