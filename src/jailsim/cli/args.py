"""Argument types shared by the ``jailsim`` subcommands; bad text is a one-line error (exit 2)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 2."""

    def error(self, message: str):  # noqa: D102
        self.exit(2, f"{self.prog}: {message}\n")


def _typed(cast: Callable, kind: str, ok: Callable[[float], bool], expected: str):
    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


positive_int = _typed(int, "a whole number", lambda v: 1 <= v < 2**31, "1 or more")
nonnegative_int = _typed(int, "a whole number", lambda v: 0 <= v < 2**31, "0 or more")
seed = _typed(int, "a whole number", lambda v: 0 <= v < 2**63, "0 to 2**63-1")
days = _typed(float, "a number of days", lambda v: 0 < v <= 36525,
              "more than 0 and at most 36525")
nonnegative_days = _typed(float, "a number of days", lambda v: 0 <= v <= 36525,
                          "0 to 36525 days")
share = _typed(float, "a number", lambda v: 0 < v < 1, "more than 0 and less than 1")
