"""Personal data: a person's own copy of it, erasing a person, and the retention rule.

Erasing removes the person, their assessments, ratings, comments and plan; audit entries about
them keep what happened but their personal values are replaced by a pseudonym (CONTRACT.md: the
one exception to an append-only trail), and the erasure is itself audited.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from competence.domain import workflow
from competence.domain.workflow import Kind
from competence.services import people
from competence.services.results import assessment_data
from competence.store import audit
from competence.store.models import (
    Assessment,
    AuditEntry,
    Comment,
    Person,
    PlanItem,
)
from competence.store.models import Rating as RatingRow


def personal_data(person: Person) -> dict[str, Any]:
    """Everything held about a person, for them to download."""
    assessments = person.assessments.select_related("cycle").prefetch_related("ratings", "comments")
    return {
        "person": people.data(person),
        "left_on": person.left_on.isoformat() if person.left_on else None,
        "assessments": [
            {
                **assessment_data(a),
                "ratings": [
                    {
                        "competence": r.competence,
                        "knowledge": r.knowledge,
                        "application": r.application,
                        "evidence": r.evidence,
                        "evidence_links": r.evidence_links,
                        "confidence": r.confidence,
                        "rated_by": r.rated_by,
                        "rated_at": r.rated_at.isoformat(),
                    }
                    for r in a.ratings.all()
                ],
                "comments": [
                    {
                        "competence": c.competence,
                        "author": c.author,
                        "text": c.text,
                        "at": c.at.isoformat(),
                    }
                    for c in a.comments.all()
                ],
            }
            for a in assessments
        ],
        "plan": [
            {
                "competence": i.competence,
                "axis": i.axis,
                "target_level": i.target_level,
                "action": i.action,
                "due_on": i.due_on.isoformat() if i.due_on else None,
                "status": i.status,
            }
            for i in person.plan_items.all()
        ],
        "audit": [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "model": e.model,
                "summary": e.summary,
                "old": e.old,
                "new": e.new,
            }
            for e in AuditEntry.objects.filter(person=str(person.pk))
        ],
    }


FREE_TEXT = ("evidence", "evidence_links", "text", "action")


def _redact(value: Any) -> Any:
    """Free text a person wrote (evidence, comments, plan actions) is personal: it goes."""
    if isinstance(value, dict):
        return {k: ("[erased]" if k in FREE_TEXT and v else _redact(v)) for k, v in value.items()}
    return value


def _scrub(value: Any, secrets: list[str], pseudonym: str) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, pseudonym)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, secrets, pseudonym) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, secrets, pseudonym) for v in value]
    return value


@transaction.atomic
def erase(key: str) -> str:
    """Erase a person (email or employee id); return the pseudonym left in the audit trail."""
    person = people.find(key)
    pseudonym = f"erased-person-{person.pk}"
    user = person.user
    secrets = sorted(
        {
            s
            for s in (
                person.email,
                person.name,
                person.employee_id or "",
                user.get_username() if user else "",
                user.email if user else "",
            )
            if s
        },
        key=len,
        reverse=True,
    )
    ids = list(person.assessments.values_list("id", flat=True))
    with connection.cursor() as cursor:  # raw: a signed-off assessment goes too, unaudited
        for model in (RatingRow, Comment):
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE assessment_id IN ({marks})", chunk
                )
        cursor.execute(f"DELETE FROM {Assessment._meta.db_table} WHERE person_id = %s", [person.pk])
        cursor.execute(f"DELETE FROM {PlanItem._meta.db_table} WHERE person_id = %s", [person.pk])
        cursor.execute(
            f"UPDATE {Person._meta.db_table} SET assessor_id = NULL WHERE assessor_id = %s",
            [person.pk],
        )
        cursor.execute(f"DELETE FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
    if user is not None:  # the account goes quiet: no sign-in, no address
        user.is_active, user.email = False, ""
        user.set_unusable_password()
        user.save()
    about = Q(person=str(person.pk))
    if user is not None:  # the account's own entries, and what it did
        about |= Q(model="User", object_id=str(user.pk)) | Q(actor=user.get_username())
    scrubbed = []
    for entry in AuditEntry.objects.filter(about):
        entry.actor = _scrub(entry.actor, secrets, pseudonym)
        entry.summary = _scrub(entry.summary, secrets, pseudonym)
        entry.old = _redact(_scrub(entry.old, secrets, pseudonym))
        entry.new = _redact(_scrub(entry.new, secrets, pseudonym))
        scrubbed.append(entry)
    AuditEntry.objects.bulk_update(scrubbed, ["actor", "summary", "old", "new"], batch_size=1000)
    audit.record(
        "erase",
        "Person",
        object_id=str(person.pk),
        person=str(person.pk),
        summary=f"{pseudonym}: erased, {len(ids)} assessments, "
        f"{len(scrubbed)} audit entries pseudonymised",
    )
    return pseudonym


def due_for_erasure(months: int | None, today: dt.date | None = None) -> list[Person]:
    """People who left more than ``months`` ago (none when retention is off)."""
    if months is None:
        return []
    today = today or timezone.localdate()
    cutoff = _months_before(today, months)
    return list(Person.objects.filter(left_on__isnull=False, left_on__lt=cutoff))


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_for_reminder(
    reassess_months: int, today: dt.date | None = None
) -> list[tuple[Person, str]]:
    """People still here whose self-assessment is due, and why."""
    from competence.services.records import current_cycle

    today = today or timezone.localdate()
    cycle = current_cycle(today)
    cutoff = _months_before(today, reassess_months)
    latest: dict[int, dt.date] = {}
    for person_id, day in Assessment.objects.filter(status__in=workflow.COUNTED).values_list(
        "person_id", "assessed_on"
    ):
        latest[person_id] = max(day, latest.get(person_id, day))
    done_in_cycle = (
        set(
            Assessment.objects.filter(
                cycle=cycle, kind=Kind.SELF, status__in=workflow.COUNTED
            ).values_list("person_id", flat=True)
        )
        if cycle
        else set()
    )
    due = []
    for person in Person.objects.filter(left_on__isnull=True).order_by("email"):
        last = latest.get(person.pk)
        if cycle is not None and person.pk not in done_in_cycle:
            why = f"The {cycle.name} cycle is open and your self-assessment is not submitted yet."
        elif last is None:
            why = "You have no assessment yet."
        elif last < cutoff:
            why = (
                f"Your last assessment, on {last.isoformat()}, is more than "
                f"{reassess_months} months old."
            )
        else:
            continue
        due.append((person, why))
    return due


def remind(dry_run: bool = False) -> dict[str, Any]:
    """Email everyone whose self-assessment is due (COMPETENCE_REASSESS_MONTHS); with
    ``dry_run``, only say who is due."""
    from django.conf import settings

    from competence.services import notify

    due = due_for_reminder(settings.CONFIG.reassess_months)
    sent = 0 if dry_run else sum(notify.reminder(person, why) for person, why in due)
    return {"due": [{"person": p.email, "why": why} for p, why in due], "sent": sent}


def apply_retention(dry_run: bool = False) -> dict[str, Any]:
    """Erase the people who left more than COMPETENCE_RETENTION_MONTHS ago (nobody when it is
    not set); with ``dry_run``, only say who."""
    from django.conf import settings

    months = settings.CONFIG.retention_months
    due = due_for_erasure(months)
    gone = [{"person": p.email, "left_on": str(p.left_on)} for p in due]
    if not dry_run:
        for p in due:
            erase(p.email)
    return {"months": months, "erased": gone, "dry_run": dry_run}
