"""Webhooks: the events an administrator may subscribe an address to, how a delivery is signed,
and when a failed one is tried again. Pure: the sending is :mod:`competence.services.webhooks`.

A delivery is a POST of a JSON body with the header ``Competence-Signature: t=<unix>,v1=<hex>``,
where ``<hex>`` is the HMAC-SHA256, keyed with the webhook's secret, of ``<unix>.<body>`` (the
timestamp, a full stop, and the body's bytes exactly as sent). docs/admin.md shows a receiver's
check.
"""

from __future__ import annotations

import datetime as dt

from competence.domain.evidence import MAX_LINK_LENGTH, check_link

__all__ = ["MAX_LINK_LENGTH"]

SIGNATURE_HEADER = "Competence-Signature"
EVENT_HEADER = "Competence-Event"
DELIVERY_HEADER = "Competence-Delivery"

PING = "ping"
"""The test event an administrator sends from the webhooks page: to that webhook only, whatever
it subscribes to."""

EVENTS: dict[str, str] = {
    "assessment.submitted": "an assessment was submitted (a self-assessment, or an assessor's "
    "ratings)",
    "assessment.withdrawn": "a submitted self-assessment was withdrawn (a draft again)",
    "assessment.reviewed": "a review was sent: the reviewer reviewed a self-assessment, or the "
    "person answered their assessor's ratings",
    "assessment.agreed": "the ratings were agreed",
    "assessment.signed_off": "an assessment was signed off, and with it the person's cycle",
    "person.created": "a person was added",
    "person.updated": "a person's details changed",
    "person.left": "a person was marked as having left",
    "person.erased": "a person was erased (the event carries only their pseudonym)",
}
"""Every event kind, with what it means in words."""

STEP_EVENTS: dict[str, str] = {
    "submit": "assessment.submitted",
    "withdraw": "assessment.withdrawn",
    "review": "assessment.reviewed",
    "sign-off": "assessment.signed_off",
}
"""The event each workflow step (:data:`competence.domain.workflow.STEPS`) sends."""

AGREED = "assessment.agreed"

BACKOFF: tuple[dt.timedelta, ...] = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
"""How long to wait after the first, second … failed attempt; after the last, it has failed."""
MAX_ATTEMPTS = len(BACKOFF) + 1

TIMEOUT_SECONDS = 5
"""How long a receiver has to connect and to answer each read."""
MAX_PAYLOAD_BYTES = 64 * 1024
"""The largest body sent; an event's data beyond it is replaced by a note that it was too large."""
MAX_RESPONSE_BYTES = 1024
"""How much of a receiver's answer is read (and then dropped: only its status code is kept)."""
MAX_WEBHOOKS = 20


def check_url(url: str) -> str:
    """The address as kept (trimmed), or ValueError saying why it is not an http(s) address."""
    return check_link(url)


def check_events(events: list[str]) -> list[str]:
    """The events as kept (known, each once, in :data:`EVENTS` order), or ValueError."""
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValueError(f"unknown events {', '.join(unknown)}: choose from {', '.join(EVENTS)}")
    if not events:
        raise ValueError("choose at least one event")
    return [e for e in EVENTS if e in events]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The HMAC-SHA256 (hex) of ``<timestamp>.<body>`` keyed with the secret."""
    import hashlib
    import hmac  # here, not at the top: the command line's start does without them

    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the :data:`SIGNATURE_HEADER`: ``t=<timestamp>,v1=<hex>``."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def retry_after(attempts: int) -> dt.timedelta | None:
    """How long to wait before the next attempt, after ``attempts`` failed ones; None once it
    has failed for good."""
    return BACKOFF[attempts - 1] if 1 <= attempts <= len(BACKOFF) else None


def answer_words(status_code: int | None, error: str) -> str:
    """A receiver's answer in words, for the delivery log."""
    if status_code is None:
        return error or "not sent yet"
    if 200 <= status_code < 300:
        return f"answered {status_code}"
    if 300 <= status_code < 400:
        return f"answered {status_code}: a redirect, which is not followed"
    return f"answered {status_code}"


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300
