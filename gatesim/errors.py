"""The one error type for bad input: it renders as a single line."""

from __future__ import annotations

import datetime as dt

__all__ = ["Described", "EnvironmentFailure", "InputError", "bad_input_line", "os_reason"]


class Described(str):
    """A given value shown by description ("a list of 40 items"), not by repr."""

    def __repr__(self) -> str:
        return str(self)


class InputError(Exception):
    """Bad input from a user: a file, a key path, the given value, what is allowed.

    The CLI prints ``str(err)`` as one line and exits with code 2.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        given: object = None,
        allowed: str | None = None,
    ) -> None:
        self.file, self.line, self.key = file, line, key
        self.given, self.allowed, self.message = given, allowed, message
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        text = f"{where}{key}{self.message}"
        if self.given is not None:
            g = self.given.isoformat() if isinstance(self.given, dt.date) else repr(self.given)
            text += f"; given {g if len(g) <= 80 else g[:77] + '...'}"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return " ".join(text.split())


class EnvironmentFailure(Exception):
    """The machine failed, not the input (disk full, read-only, permission denied).

    The CLI prints it as one line and exits with code 1.
    """


def os_reason(err: OSError) -> str:
    """The system's reason for ``err`` in a few words, with the path it concerns."""
    import errno

    if err.errno == errno.ENOSPC:
        return "no space left on device; nothing was changed"
    reason = (err.strerror or type(err).__name__).lower()
    where = err.filename if err.filename is not None else None
    return f"{where}: {reason}" if where else reason


def bad_input_line(e: Exception) -> str:
    """How every command shows bad input (an InputError, or click's usage error, which click
    itself prints over several lines): one line on stderr, before exit code 2."""
    format_message = getattr(e, "format_message", None)
    return f"gatesim: error: {format_message() if callable(format_message) else e}"
