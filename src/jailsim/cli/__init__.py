"""The ``jailsim`` command line: a thin layer over the Python API.

One subcommand per task; bad input is one line on stderr and exit code 2, never a traceback.
"""
