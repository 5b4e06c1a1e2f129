"""Transactions with a purpose: one consistent read that does not block writers (a backup, an
export), and a write that is tried again when a concurrent one made it fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar, cast

from django.db import OperationalError, connection, transaction


@contextmanager
def consistent_read() -> Iterator[None]:
    """One transaction that reads one snapshot and does not block writers.

    On PostgreSQL: REPEATABLE READ, READ ONLY. On SQLite the settings begin transactions with
    ``BEGIN IMMEDIATE``, which takes the write lock; a consistent read begins a deferred
    transaction instead, whose first read takes a snapshot of the database (in WAL mode) and no
    write lock. Inside a transaction already open, it reads in that one. A backup and every
    export read this way.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with ExitStack() as stack:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            wrapper = cast(Any, connection)
            mode = wrapper.transaction_mode
            wrapper.transaction_mode = "DEFERRED"
            try:
                stack.enter_context(transaction.atomic())
            finally:
                wrapper.transaction_mode = mode
        else:
            stack.enter_context(transaction.atomic())
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


RETRIED_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
ATTEMPTS = 3

_T = TypeVar("_T")


def conflicted(exc: BaseException) -> bool:
    """PostgreSQL gave up a transaction because of a concurrent one: trying again is right."""
    cause = exc.__cause__
    return isinstance(exc, OperationalError) and getattr(cause, "sqlstate", None) in (
        RETRIED_SQLSTATES
    )


def retrying(work: Callable[[], _T]) -> _T:
    """Run ``work`` in a transaction, again (up to :data:`ATTEMPTS` times in all) when PostgreSQL
    ends it with a serialization failure or a deadlock. Inside a transaction already open it
    runs once: only the outermost transaction can be tried again."""
    if connection.in_atomic_block:
        return work()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as exc:
            if attempt == ATTEMPTS or not conflicted(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover
