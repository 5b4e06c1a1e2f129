"""Reading the audit trail."""

from __future__ import annotations

from typing import Any

from competence.store.models import AuditEntry, Person


def entries(person: Person | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The most recent ``limit`` entries (about ``person``, if given), oldest first."""
    found = AuditEntry.objects.order_by("-at", "-id")
    if person is not None:
        found = found.filter(person=str(person.pk))
    return [
        {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "model": e.model,
            "object_id": e.object_id,
            "summary": e.summary,
            "old": e.old,
            "new": e.new,
        }
        for e in list(found[:limit])[::-1]
    ]
