"""Read once per request: what a page asks several times (the profile versions' generation, the
audit trail's position, a person's counting assessment) is read the first time and kept until the
request ends.

Only reading requests open a scope (the web app's GET and HEAD, :func:`reading`): a request that
writes reads afresh after its writes. Outside a scope (the command line, a POST, a test) every
call reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()


@contextmanager
def reading() -> Iterator[None]:
    """Keep what is read until the block ends (nested blocks share the outer one's)."""
    if getattr(_local, "kept", None) is not None:
        yield
        return
    _local.kept = {}
    try:
        yield
    finally:
        _local.kept = None


def once(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, or what it gave earlier in the same scope for the same key."""
    kept: dict[Hashable, Any] | None = getattr(_local, "kept", None)
    if kept is None:
        return read()
    if key not in kept:
        kept[key] = read()
    value: T = kept[key]
    return value


def forget(key: Hashable) -> None:
    """Drop what the scope holds for ``key`` (after a write in the same request)."""
    kept: dict[Hashable, Any] | None = getattr(_local, "kept", None)
    if kept is not None:
        kept.pop(key, None)
