"""Project exceptions. Each carries one sentence a user can act on; the CLI prints it and picks the exit code."""

from __future__ import annotations


class KgError(Exception):
    """Base of every error rare-kg raises on purpose."""


class InputError(KgError):
    """A source file cannot be used: names the file and the reason, and says what to do."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{printable(source)}: {reason}")


def printable(text: str) -> str:
    """Text fit for one terminal line: newlines, escape sequences and direction overrides in a file name are
    shown as Python escapes, so a hostile name cannot split a report line or drive the terminal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


class OutputError(KgError):
    """An output cannot be written; the previous output is left untouched."""


class ValidationFailed(KgError):
    """A built graph broke the SHACL shapes; carries the readable report."""

    def __init__(self, report: str) -> None:
        self.report = report
        super().__init__(report)
