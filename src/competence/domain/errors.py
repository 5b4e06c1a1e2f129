"""Errors that carry a message meant for a person.

Every adapter (CLI, web, API) turns an :class:`InputError` into a clear message (exit code 2 on the
command line); anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_REPORTED = 100


class InputError(Exception):
    """Bad input or usage: a list of problems, each saying where and what."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """The problems, one a line; after ``MAX_REPORTED`` of them, a count of the rest."""
        shown = self.problems[:MAX_REPORTED]
        rest = len(self.problems) - len(shown)
        lines = list(shown)
        if rest:
            lines.append(f"... and {rest} more problem{'s' if rest != 1 else ''}")
        return "\n".join(lines)


class DataError(InputError):
    """A framework or profile data file does not hold what its schema says."""


class WorkflowError(InputError):
    """A step that an assessment's status does not allow, or a record that is read-only."""
