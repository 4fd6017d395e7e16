"""The one error of bad input: a scenario, an export or an option that cannot be used.

Every problem a user can fix is a :class:`ScenarioError` holding one single-line message per
problem, naming the file (or option), the field and what is allowed; the command line prints
the lines and exits with code 2, never a traceback. A line holds no control character (a file
name with an escape character in it is shown escaped, :func:`jailsim.base.terminal.printable`).
"""

from __future__ import annotations

from jailsim.base.terminal import printable

__all__ = ["ScenarioError", "one_line"]


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``lines`` holds one single-line message per problem.

    Examples
    --------
    >>> import jailsim
    >>> try:
    ...     jailsim.load("jailsim:jem.yaml").with_({"hold.rule": "sometimes"})
    ... except jailsim.ScenarioError as exc:
    ...     print(exc.lines[0])
    <with_>: hold.rule: got 'sometimes'; not an allowed value (allowed: calendar_48h, business_48h)
    """

    def __init__(self, lines: list[str]):
        self.lines = [printable(one_line(str(line))) for line in lines]
        super().__init__("\n".join(self.lines))

    def __reduce__(self):
        # Keep ``lines`` intact when the error crosses a process boundary (pickling).
        return (type(self), (self.lines,))


def one_line(text: str) -> str:
    """Join every kind of line break in ``text`` into single spaces."""
    return " ".join(part.strip() for part in str(text).splitlines()) if text else ""
