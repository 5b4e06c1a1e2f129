"""The events webhooks are told of, and the one place each is raised.

- The workflow's steps: :func:`step`, called by :func:`competence.services.records._advance`
  (submit, withdraw, review, sign off), and :func:`agreed`, by ``records.agree``.
- Changes to people: :func:`on_audit_entry`, on every entry of the audit trail, which every change
  to a person passes (created, updated, left, erased). An erasure's event carries only the
  pseudonym.

Each event is written as deliveries in the transaction of the change, and sent once it commits
(:func:`competence.services.webhooks.enqueue`): nothing is sent for a change that is rolled back.
A people import writes its rows in bulk, with one audit entry of its own, and raises no event per
person.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from competence.domain import webhooks as rules
from competence.services import people, webhooks
from competence.store.models import Assessment, AuditEntry, Person


def _person_ref(person: Person) -> dict[str, Any]:
    return {"id": person.pk, "email": person.email, "employee_id": person.employee_id}


def _assessment(assessment: Assessment) -> dict[str, Any]:
    from competence.services.results import assessment_data  # results imports records

    return {
        "assessment": {**assessment_data(assessment), "version": assessment.version},
        "person": _person_ref(assessment.person),
    }


def step(name: str, assessment: Assessment) -> None:
    """A workflow step was taken on the assessment (in the step's transaction)."""
    kind = rules.STEP_EVENTS.get(name)
    if kind is not None:
        webhooks.enqueue(kind, _assessment(assessment))


def agreed(assessment: Assessment) -> None:
    """The ratings were agreed: ``assessment`` is the agreed one."""
    webhooks.enqueue(rules.AGREED, _assessment(assessment))


def _person_event(entry: AuditEntry) -> tuple[str, dict[str, Any]] | None:
    """The event of an audit entry about a person, if it makes one."""
    if entry.model != "Person":
        return None
    if entry.action == "erase":
        pseudonym = (entry.new or {}).get("pseudonym")
        return ("person.erased", {"person": {"pseudonym": pseudonym}}) if pseudonym else None
    if entry.action not in ("create", "update") or not entry.object_id.isdigit():
        return None
    person = Person.objects.select_related("team", "assessor").filter(pk=entry.object_id).first()
    if person is None:
        return None
    data: dict[str, Any] = {"person": {**people.data(person), "left_on": _day(person)}}
    if entry.action == "create":
        return "person.created", data
    changed = sorted((entry.new or {}).keys())
    data["changed"] = changed
    left = (
        "left_on" in changed and person.left_on is not None and not (entry.old or {}).get("left_on")
    )
    return ("person.left" if left else "person.updated"), data


def _day(person: Person) -> str | None:
    return person.left_on.isoformat() if person.left_on else None


def on_audit_entry(sender: type[AuditEntry], instance: AuditEntry, created: bool, **_: Any) -> None:
    if not created:
        return
    event = _person_event(instance)
    if event is not None:
        webhooks.enqueue(*event)


def connect() -> None:
    """Listen to the audit trail (once, at start-up)."""
    post_save.connect(on_audit_entry, sender=AuditEntry, dispatch_uid="webhook-person-events")
