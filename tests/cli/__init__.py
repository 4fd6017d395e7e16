"""The command line: every command, its exit codes and its one-line errors."""
