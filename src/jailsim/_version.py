"""The version of jailsim (read by the build and written into every output)."""

__version__ = "0.1.0"
