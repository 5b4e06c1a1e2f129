"""Errors that carry a message meant for a person.

Every adapter (CLI, web, API) turns an :class:`InputError` into a clear message (exit code 2 on the
command line); anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_REPORTED = 100
"""The most problems a report lists; a count of the others follows them."""
MAX_COUNTED = 10_000
"""After this many problems a file is read no further (:attr:`Problems.full`)."""


class InputError(Exception):
    """Bad input or usage: a list of problems, each saying where and what.

    ``more`` counts problems found but not kept; ``stopped`` says that reading stopped early, so
    that there may be more still."""

    def __init__(self, problems: str | Iterable[str], more: int = 0, stopped: bool = False) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.more = more
        self.stopped = stopped
        super().__init__(self.report())

    @property
    def count(self) -> int:
        """How many problems were found in all."""
        return len(self.problems) + self.more

    def rest(self, shown: int = MAX_REPORTED) -> str:
        """The line that follows the first ``shown`` problems ("" when there are no others)."""
        rest = self.count - min(shown, len(self.problems))
        if not rest:
            return ""
        line = f"... and {rest} more problem{'s' if rest != 1 else ''}"
        if self.stopped:
            line += f" (the file was read no further after {self.count} problems)"
        return line

    def report(self) -> str:
        """The problems, one a line; after ``MAX_REPORTED`` of them, a count of the rest."""
        lines = self.problems[:MAX_REPORTED]
        rest = self.rest()
        return "\n".join([*lines, rest] if rest else lines)


class Problems:
    """The problems found while reading a file: the first :data:`MAX_REPORTED` kept as text, the
    others only counted, so that memory stays bounded however many there are."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.count = 0

    def add(self, problem: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_REPORTED:
            self.kept.append(problem)

    def extend(self, problems: Iterable[str]) -> None:
        for problem in problems:
            self.add(problem)

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count

    @property
    def full(self) -> bool:
        """Enough problems to stop reading: the report would not list more of them."""
        return self.count >= MAX_COUNTED

    def error(self) -> InputError:
        return InputError(self.kept, more=self.count - len(self.kept), stopped=self.full)


class DataError(InputError):
    """A framework or profile data file does not hold what its schema says."""


class WorkflowError(InputError):
    """A step that an assessment's status does not allow, or a record that is read-only."""
