"""Webhooks: the addresses an administrator subscribes to events, and the sending of each event.

An event (:func:`enqueue`, called by :mod:`competence.services.events`) becomes one
:class:`Delivery` row per active webhook subscribed to it, written in the transaction of the
change that caused it. Once that transaction commits, the rows are handed to a background thread
(:class:`Worker`, a bounded queue), so that no request ever waits for a receiver; a rolled-back
change sends nothing. The thread POSTs each body, signed (:mod:`competence.domain.webhooks`), with
a short timeout, following no redirect: a 2xx answer delivers it; anything else is tried again
after the backoff of :data:`~competence.domain.webhooks.BACKOFF`, and after the last attempt the
delivery has failed. ``competence webhooks deliver`` (for cron) sends the retries that are due,
and whatever a full queue or a stopped process left behind.

Nothing here logs a secret or a payload: only ids, event kinds and what went wrong.
"""

from __future__ import annotations

import atexit
import datetime as dt
import http.client
import json
import logging
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.paginator import Paginator
from django.db import OperationalError, close_old_connections, connections, transaction
from django.utils import timezone

from competence import __version__
from competence.domain import webhooks as rules
from competence.errors import InputError
from competence.services.database import is_busy
from competence.store import audit
from competence.store.models import Delivery, Webhook

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
"""Deliveries waiting for the thread; beyond it, they wait for ``competence webhooks deliver``."""
LEASE = dt.timedelta(minutes=2)
"""While one process sends a delivery, no other takes it: its next attempt is put this far off
first (and a process stopped in the middle leaves it to be sent after that)."""
LOG_DAYS = 90
"""Delivered and failed deliveries older than this are removed by ``webhooks deliver``."""
PAGE_SIZE = 25
EXIT_WAIT_SECONDS = 10
"""How long a process that ends (a command, say) waits for its queued deliveries."""


# -- configuring -------------------------------------------------------------------------------


class NotFound(InputError):
    """There is no webhook, or no delivery, of that id (404 on the web and the API)."""


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(32)


def get(webhook_id: int) -> Webhook:
    found = Webhook.objects.filter(pk=webhook_id).first()
    if found is None:
        raise NotFound(f"no webhook {webhook_id}")
    return found


def data(webhook: Webhook) -> dict[str, Any]:
    """A webhook as plain data, without its secret."""
    return {
        "id": webhook.pk,
        "url": webhook.url,
        "events": list(webhook.events),
        "active": webhook.active,
        "created_at": webhook.created_at.isoformat(),
        "created_by": webhook.created_by,
    }


def listing() -> list[dict[str, Any]]:
    return [data(w) for w in Webhook.objects.all()]


def _audit(action: str, webhook: Webhook, summary: str, **new: Any) -> None:
    """Audit a change to a webhook: its address and events, never its secret."""
    audit.record(
        action, "Webhook", object_id=str(webhook.pk), summary=f"{webhook}: {summary}", new=new
    )


@transaction.atomic
def add(url: str, events: Iterable[str]) -> Webhook:
    """Subscribe an http(s) address to events; it gets a new secret."""
    problems = []
    try:
        url = rules.check_url(url)
    except ValueError as exc:
        problems.append(f"url: {exc}")
    try:
        chosen = rules.check_events(list(events))
    except ValueError as exc:
        problems.append(f"events: {exc}")
    if Webhook.objects.count() >= rules.MAX_WEBHOOKS:
        problems.append(f"url: there are {rules.MAX_WEBHOOKS} webhooks already; remove one first")
    if problems:
        raise InputError(problems)
    webhook = Webhook.objects.create(
        url=url,
        secret=new_secret(),
        events=chosen,
        created_at=timezone.now(),
        created_by=audit.current_actor(),
    )
    _audit("create", webhook, "added", url=url, events=chosen)
    return webhook


@transaction.atomic
def set_active(webhook_id: int, active: bool) -> Webhook:
    """Stop sending to a webhook (its waiting deliveries wait), or start again."""
    webhook = get(webhook_id)
    if webhook.active != active:
        webhook.active = active
        webhook.save(update_fields=["active"])
        _audit("update", webhook, "active" if active else "deactivated", active=active)
    return webhook


@transaction.atomic
def remove(webhook_id: int) -> Webhook:
    """Delete a webhook and its delivery log."""
    webhook = get(webhook_id)
    _audit("delete", webhook, "removed", url=webhook.url)
    webhook.delete()
    webhook.pk = webhook_id
    return webhook


@transaction.atomic
def rotate_secret(webhook_id: int) -> Webhook:
    """Give a webhook a new secret: from now on, deliveries are signed with it."""
    webhook = get(webhook_id)
    webhook.secret = new_secret()
    webhook.save(update_fields=["secret"])
    _audit("rotate-secret", webhook, "new secret")
    return webhook


def secret(webhook_id: int) -> str:
    """A webhook's secret, for an administrator who asked to see it."""
    return get(webhook_id).secret


# -- the delivery log --------------------------------------------------------------------------


def shown_time(moment: dt.datetime | str) -> str:
    """A time as the log shows it: ``2026-05-04 09:30 UTC``."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def status_words(delivery: Delivery) -> str:
    """Where a delivery stands, in words."""
    tries = f"{delivery.attempts} attempt{'s' if delivery.attempts != 1 else ''}"
    if delivery.status == Delivery.Status.DELIVERED:
        return f"delivered ({tries})"
    if delivery.status == Delivery.Status.FAILED:
        return f"failed: gave up after {tries}"
    if delivery.attempts == 0:
        return "waiting to be sent"
    when = shown_time(delivery.next_attempt_at) if delivery.next_attempt_at else "once it is due"
    return f"not delivered yet ({tries}); next attempt at {when}"


def delivery_data(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "webhook": delivery.webhook_id,
        "event": delivery.event,
        "event_id": delivery.event_id,
        "status": delivery.status,
        "status_words": status_words(delivery),
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_answer": rules.answer_words(delivery.last_status_code, delivery.last_error),
        "created_at": delivery.created_at.isoformat(),
        "last_attempt_at": delivery.last_attempt_at.isoformat()
        if delivery.last_attempt_at
        else None,
        "next_attempt_at": delivery.next_attempt_at.isoformat()
        if delivery.next_attempt_at and delivery.status == Delivery.Status.PENDING
        else None,
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
    }


def deliveries(webhook_id: int | None = None, page: int = 1) -> dict[str, Any]:
    """One page of the delivery log (of one webhook, or all), latest first."""
    rows = Delivery.objects.order_by("-created_at", "-id")
    if webhook_id is not None:
        rows = rows.filter(webhook=get(webhook_id))
    pages = Paginator(rows, PAGE_SIZE)
    if page < 1 or page > pages.num_pages:
        raise InputError(f"page: choose a page from 1 to {pages.num_pages}")
    shown = pages.page(page)
    return {
        "page": page,
        "pages": pages.num_pages,
        "count": pages.count,
        "items": [delivery_data(d) for d in shown.object_list],
    }


# -- events in, deliveries out -----------------------------------------------------------------


def body(payload: dict[str, Any]) -> bytes:
    """The bytes POSTed for a payload (and signed)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _payload(kind: str, event_id: str, data: dict[str, Any]) -> dict[str, Any]:
    payload = {
        "id": event_id,
        "event": kind,
        "created_at": timezone.now().isoformat(),
        "data": data,
    }
    if len(body(payload)) > rules.MAX_PAYLOAD_BYTES:
        log.warning("webhook event %s (%s) is too large; its data is left out", event_id, kind)
        payload["data"] = {"too_large": True}
    return payload


def enqueue(kind: str, data: dict[str, Any], only: Webhook | None = None) -> list[int]:
    """Write one delivery of an event for each active webhook subscribed to it (or for ``only``),
    in the caller's transaction; once it commits, hand them to the thread. Returns their ids."""
    hooks = [only] if only is not None else list(Webhook.objects.filter(active=True))
    hooks = [w for w in hooks if only is not None or kind in w.events]
    if not hooks:
        return []
    event_id = uuid.uuid4().hex
    payload = _payload(kind, event_id, data)
    now = timezone.now()
    ids = [
        Delivery.objects.create(
            webhook=w,
            event=kind,
            event_id=event_id,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
        ).pk
        for w in hooks
    ]
    transaction.on_commit(lambda: WORKER.hand(ids))
    return ids


def ping(webhook_id: int) -> int:
    """Send a test event to one webhook; returns the delivery's id."""
    webhook = get(webhook_id)
    with transaction.atomic():
        return enqueue(rules.PING, {"webhook": webhook.pk}, only=webhook)[0]


def retry_now(delivery_id: int) -> Delivery:
    """Try an undelivered delivery (failed, or waiting for its next attempt) again now."""
    with transaction.atomic():
        found = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if found is None:
            raise NotFound(f"no delivery {delivery_id}")
        if found.status == Delivery.Status.DELIVERED:
            raise InputError(f"delivery {delivery_id}: already delivered")
        found.status = Delivery.Status.PENDING
        found.next_attempt_at = timezone.now()
        found.save(update_fields=["status", "next_attempt_at"])
        transaction.on_commit(lambda: WORKER.hand([delivery_id]))
    return found


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx code


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, content: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST the body; (the status code or None, what went wrong in words, "" when nothing)."""
    request = urllib.request.Request(url, data=content, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=rules.TIMEOUT_SECONDS) as response:
            response.read(rules.MAX_RESPONSE_BYTES)
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code), ""
    except TimeoutError:
        return None, f"no answer within {rules.TIMEOUT_SECONDS} seconds"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return None, f"no answer within {rules.TIMEOUT_SECONDS} seconds"
        return None, f"could not connect: {reason}"[:300]
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return None, f"could not send: {type(exc).__name__}: {exc}"[:300]


BUSY_WAITS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
"""How long the thread waits before writing again when SQLite's write lock is held by another
writer (seconds; a request never waits for these)."""

_T = TypeVar("_T")


def _patiently(work: Callable[[], _T]) -> _T:
    """Run a query, again after a short wait while another writer holds SQLite's lock."""
    for wait in BUSY_WAITS:
        try:
            return work()
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            time.sleep(wait)
    return work()


def attempt(delivery_id: int, now: dt.datetime | None = None) -> Delivery | None:
    """Send one delivery if it is due (and its webhook active), and record how it went; None
    when it was not due, or another process has it."""
    now = now or timezone.now()
    claimed = _patiently(
        lambda: Delivery.objects.filter(
            pk=delivery_id,
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
            webhook__active=True,
        ).update(next_attempt_at=now + LEASE)
    )
    if not claimed:
        return None
    delivery = _patiently(
        lambda: Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    )
    if delivery is None:  # its webhook was deleted in between
        return None
    webhook = delivery.webhook
    content = body(delivery.payload)
    timestamp = int(timezone.now().timestamp())
    code, error = post(
        webhook.url,
        content,
        {
            "Content-Type": "application/json",
            "User-Agent": f"competence/{__version__}",
            rules.SIGNATURE_HEADER: rules.signature_header(webhook.secret, timestamp, content),
            rules.EVENT_HEADER: delivery.event,
            rules.DELIVERY_HEADER: str(delivery.pk),
        },
    )
    done = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = done
    delivery.last_status_code, delivery.last_error = code, error
    if rules.is_success(code):
        delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, done
    else:
        wait = rules.retry_after(delivery.attempts)
        if wait is None:
            delivery.status = Delivery.Status.FAILED
        else:
            delivery.next_attempt_at = done + wait
        log.info(
            "webhook %s: delivery %s (%s) attempt %s: %s",
            webhook.pk,
            delivery.pk,
            delivery.event,
            delivery.attempts,
            rules.answer_words(code, error),
        )
    _patiently(
        lambda: delivery.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "last_status_code",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    )
    return delivery


DELIVER_LIMIT = 1000
"""The most deliveries one run of ``webhooks deliver`` sends."""
DELIVER_SECONDS = 240.0
"""How long one run of ``webhooks deliver`` goes on sending (the rest waits for the next run)."""


def deliver_due(
    now: dt.datetime | None = None, limit: int = DELIVER_LIMIT, seconds: float = DELIVER_SECONDS
) -> dict[str, int]:
    """Send the deliveries that are due (retries, and any a full queue or a stopped process left
    behind), at most ``limit`` of them and for at most ``seconds``; remove log entries older
    than :data:`LOG_DAYS`. For cron. ``left`` counts those due but not sent this time."""
    now = now or timezone.now()
    stop = time.monotonic() + seconds
    due = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now, webhook__active=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    counts = {"sent": 0, "delivered": 0, "failed": 0, "waiting": 0, "left": 0, "removed": 0}
    for i, delivery_id in enumerate(due):
        if time.monotonic() > stop:
            counts["left"] = len(due) - i
            break
        done = attempt(delivery_id, now)
        if done is None:
            continue
        counts["sent"] += 1
        if done.status == Delivery.Status.DELIVERED:
            counts["delivered"] += 1
        elif done.status == Delivery.Status.FAILED:
            counts["failed"] += 1
        else:
            counts["waiting"] += 1
    counts["removed"] = Delivery.objects.filter(
        status__in=[Delivery.Status.DELIVERED, Delivery.Status.FAILED],
        created_at__lt=now - dt.timedelta(days=LOG_DAYS),
    ).delete()[0]
    return counts


class Worker:
    """One daemon thread per process that sends the deliveries handed to it, in order, from a
    bounded queue. Started when first needed."""

    def __init__(self, size: int = QUEUE_SIZE) -> None:
        self.queue: queue.Queue[int] = queue.Queue(maxsize=size)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def hand(self, ids: Iterable[int]) -> None:
        self._start()
        for delivery_id in ids:
            try:
                self.queue.put_nowait(delivery_id)
            except queue.Full:
                log.warning(
                    "webhook queue full: delivery %s waits for `competence webhooks deliver`",
                    delivery_id,
                )

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="competence-webhooks", daemon=True
                )
                self._thread.start()
                atexit.register(self.wait, EXIT_WAIT_SECONDS)

    def _run(self) -> None:
        while True:
            delivery_id = self.queue.get()
            try:
                close_old_connections()
                attempt(delivery_id)
            except Exception as exc:  # noqa: BLE001 - the thread must go on; the row waits
                log.warning("webhook delivery %s: %s", delivery_id, type(exc).__name__)
            finally:
                connections.close_all()  # this thread's own connections
                self.queue.task_done()

    def wait(self, timeout: float) -> bool:
        """Wait until every delivery handed over is done (at most ``timeout`` seconds); whether
        they all are."""
        with self.queue.all_tasks_done:
            return self.queue.all_tasks_done.wait_for(
                lambda: self.queue.unfinished_tasks == 0, timeout
            )


WORKER = Worker()
