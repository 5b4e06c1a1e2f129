"""Idempotency keys: an API request sent again with the same ``Idempotency-Key`` gets the answer
it had the first time, and is not done twice; the same key with another request is refused.

Keys are kept per user, for :data:`LIFETIME`; only answers that did something (2xx) are kept, so
that a request refused for its input can be put right and sent again with its key."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from competence.domain.errors import InputError
from competence.store.models import IdempotencyKey

LIFETIME = dt.timedelta(hours=24)
"""How long a key and its answer are kept."""
MAX_KEY_LENGTH = 255


class KeyReused(InputError):
    """The key was used with another request (422 on the API)."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def digest(parts: Iterable[bytes]) -> str:
    """The SHA-256 of a request's parts (its method, path, query and body), each length-prefixed
    so that no two different requests run together into one."""
    out = hashlib.sha256()
    for part in parts:
        out.update(len(part).to_bytes(8, "big"))
        out.update(part)
    return out.hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise InputError(
            f"Idempotency-Key: 1 to {MAX_KEY_LENGTH} printable ASCII characters, such as a UUID"
        )
    return key


def stored(user_id: int, key: str, request_digest: str) -> Answer | None:
    """The answer kept for this user's key (None when there is none, or it has expired).

    Raises :class:`KeyReused` when the key was used with a different request."""
    IdempotencyKey.objects.filter(created_at__lt=timezone.now() - LIFETIME).delete()
    found = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
    if found is None:
        return None
    if found.request_digest != request_digest:
        raise KeyReused(
            "Idempotency-Key: already used with a different request; use a new key for a new "
            "request"
        )
    return Answer(found.status, found.content_type, bytes(found.body))


def keep(user_id: int, key: str, request_digest: str, answer: Answer) -> None:
    """Keep the answer to a request done with this key (a concurrent twin that kept its own
    answer first wins: the two did the same thing)."""
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                user_id=user_id,
                key=key,
                request_digest=request_digest,
                status=answer.status,
                content_type=answer.content_type,
                body=answer.body,
                created_at=timezone.now(),
            )
    except IntegrityError:
        pass
