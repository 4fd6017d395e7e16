"""What a run gives back: the bookings table, census, metrics, and views of them.

Everything here works on an engine's Timeline or on tables already made: records, detainer
attribution, the census, the metrics, breakdowns, explanations, per-run figures, the run
folder and the :class:`~jailsim.results.result.Result`. Nothing here runs an engine.
"""
