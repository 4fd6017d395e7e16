"""The scenario layer: units, distributions, validation messages, loading, the reference."""
