"""The engines: SimPy and vector, equal booking by booking, against queueing theory."""
