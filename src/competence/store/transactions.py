"""Transactions with a purpose: one consistent read that does not block writers (a backup, an
export), and a write that is tried again when a concurrent one made it fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, cast

from django.db import connection, transaction


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
