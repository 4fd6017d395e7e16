"""The progress bar of the commands that run replications (tqdm, on stderr)."""

from __future__ import annotations

import sys

from jailsim.base.terminal import printable

__all__ = ["ProgressBar"]


def tqdm(**kwargs):
    """A tqdm bar, tqdm imported with the first bar shown (it takes a fifth of a second)."""
    from tqdm import tqdm

    return tqdm(**kwargs)


class ProgressBar:
    """A tqdm progress bar fed by ``progress(done, total)``; silent when not a terminal."""

    def __init__(self, label: str, quiet: bool):
        self.label = printable(label)  # a file name's control characters, escaped
        self.on = not quiet and sys.stderr.isatty()
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        """``done`` of ``total`` replications are finished."""
        if not self.on:
            return
        if self.bar is None:
            self.bar = tqdm(desc=self.label, total=total, initial=done, unit="rep",
                            file=sys.stderr, leave=False, delay=0.5, dynamic_ncols=True)
            return
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
