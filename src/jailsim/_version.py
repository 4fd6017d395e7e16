"""The version of jailsim (read by the build and written into every output)."""

__version__ = "0.1.0"

#: The layout of the random draws (jailsim.model.streams): the same seed gives the same numbers
#: within a streams version, on any engine, chunk size or worker count. Every output records it.
STREAMS_VERSION = 2
