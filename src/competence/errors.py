"""Errors that carry a message meant for a person (defined in :mod:`competence.domain.errors`),
and :func:`writing`, which turns a failure to write a file into one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from competence.domain.errors import (
    MAX_COUNTED,
    MAX_REPORTED,
    DataError,
    InputError,
    Problems,
    WorkflowError,
)

__all__ = [
    "MAX_COUNTED",
    "MAX_REPORTED",
    "DataError",
    "InputError",
    "Problems",
    "WorkflowError",
    "writing",
]


@contextmanager
def writing(path: object, label: str = "") -> Iterator[None]:
    """Turn a failure to write ``path`` into a clear :class:`InputError`."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        where = f"{label}: {path}" if label else str(path)
        raise InputError(f"{where}: cannot write: {exc.strerror or exc}") from None
