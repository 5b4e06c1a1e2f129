"""The audit trail: every create, update and delete of the tracked tables, with its actor.

Changes must happen inside ``acting_as(actor)``; the actor is the signed-in user's name, or
``cli:<os user>`` for the command line (CONTRACT.md "Identity"). Signals record single-row changes;
a bulk import records one entry of its own (:func:`record`).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

_actor: ContextVar[str | None] = ContextVar("competence_actor", default=None)


class NoActorError(RuntimeError):
    """A tracked change was attempted without saying who made it."""


@contextmanager
def acting_as(actor: str) -> Iterator[str]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def switch_actor(actor: str) -> None:
    """Within a request already wrapped in :func:`acting_as`, record later changes as ``actor``
    (for sign-in by API token, which happens after the middleware)."""
    _actor.set(actor)


def current_actor() -> str:
    actor = _actor.get()
    if not actor:
        raise NoActorError("no actor: wrap the change in competence.store.audit.acting_as(...)")
    return actor


def plain(value: Any) -> Any:
    """A JSON-ready copy of a field value."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.attname: plain(getattr(instance, f.attname)) for f in instance._meta.concrete_fields}


def person_of(instance: models.Model) -> str:
    from competence.store.models import Assessment, Person, PlanItem, Rating, SecondView

    if isinstance(instance, Person):
        return str(instance.pk)
    if isinstance(instance, Assessment | PlanItem | SecondView):
        return str(instance.person_id)
    if isinstance(instance, Rating):
        person_id = (
            Assessment.objects.filter(pk=instance.assessment_id)
            .values_list("person_id", flat=True)
            .first()
        )
        return "" if person_id is None else str(person_id)
    return ""


def record(
    action: str,
    model: str,
    *,
    object_id: str = "",
    person: str = "",
    summary: str = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    from competence.store.models import AuditEntry

    AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor or current_actor(),
        action=action,
        model=model,
        object_id=object_id,
        person=person,
        summary=summary[:500],
        old=old,
        new=new,
    )


def _before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    current_actor()  # refuse before anything is written
    old = None
    if instance.pk is not None:
        stored = sender._default_manager.filter(pk=instance.pk).first()
        old = snapshot(stored) if stored is not None else None
    instance._audit_old = old  # type: ignore[attr-defined]


def _after(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    new = snapshot(instance)
    old = getattr(instance, "_audit_old", None)
    if created or old is None:
        record(
            "create",
            sender.__name__,
            object_id=str(instance.pk),
            person=person_of(instance),
            summary=str(instance),
            new=new,
        )
        return
    changed = sorted(k for k in new if old.get(k) != new[k])
    if not changed:
        return
    record(
        "update",
        sender.__name__,
        object_id=str(instance.pk),
        person=person_of(instance),
        summary=f"{instance}: {', '.join(changed)}",
        old={k: old.get(k) for k in changed},
        new={k: new[k] for k in changed},
    )


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    record(
        "delete",
        sender.__name__,
        object_id=str(instance.pk),
        person=person_of(instance),
        summary=str(instance),
        old=snapshot(instance),
    )


def tracked() -> list[type[models.Model]]:
    from competence.store import models as m

    return [m.Pmo, m.Team, m.Person, m.Cycle, m.Assessment, m.Rating, m.PlanItem]


def connect() -> None:
    for model in tracked():
        pre_save.connect(_before, sender=model, dispatch_uid=f"audit-before-{model.__name__}")
        post_save.connect(_after, sender=model, dispatch_uid=f"audit-after-{model.__name__}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"audit-delete-{model.__name__}")
