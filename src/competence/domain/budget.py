"""A budget of time for one piece of work (a web request, a job): long loops call :func:`check`,
which stops the work once its deadline has passed, so that a request nobody waits for any more
does not go on using a core.

The deadline is a context variable: it follows the request through the code it calls, and work
outside any budget (the command line) is never stopped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from competence.domain.errors import InputError

_deadline: ContextVar[float | None] = ContextVar("competence_deadline", default=None)


class OverBudget(InputError):
    """The work took longer than its budget and was stopped."""


@contextmanager
def limit(seconds: float | None) -> Iterator[None]:
    """Run the block with a deadline ``seconds`` from now (None: no deadline)."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left, or None when there is no deadline."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def check() -> None:
    """Stop the work (:class:`OverBudget`) if its deadline has passed."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget("this took longer than its time limit and was stopped")
