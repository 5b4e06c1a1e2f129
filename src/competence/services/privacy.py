"""Personal data: a person's own copy of it, erasing a person, and the retention rule.

Erasing removes the person, their assessments, ratings, evidence files, comments and plan;
everywhere else their identifiers (name, email, user name, employee id) are replaced by a
pseudonym: in what they gave others (ratings, comments, sign-offs), their account and API tokens,
and every audit entry that carries one, tagged with them or not (CONTRACT.md: the one exception
to an append-only trail). The erasure is itself audited.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from competence.domain import freshness, workflow
from competence.domain.roles import ROLES
from competence.domain.workflow import Kind
from competence.errors import InputError
from competence.services import accounts, evidence, people, second_views
from competence.services.export import rating_document
from competence.services.results import assessment_data
from competence.store import audit
from competence.store.models import (
    Assessment,
    AuditEntry,
    Cycle,
    Person,
    PlanItem,
    SecondView,
)


def _base64(content: bytes | memoryview) -> str:
    return base64.b64encode(bytes(content)).decode("ascii")


def personal_data(person: Person) -> dict[str, Any]:
    """Everything held about a person, for them to download."""
    assessments = person.assessments.select_related("cycle").prefetch_related(
        "ratings", "comments", "evidence_files", "replies"
    )
    return {
        "person": people.data(person),
        "left_on": person.left_on.isoformat() if person.left_on else None,
        "assessments": [
            {
                **assessment_data(a),
                "ratings": [rating_document(r) for r in a.ratings.all()],
                "evidence_files": [
                    {**evidence.as_data(f), "content_base64": _base64(f.content)}
                    for f in a.evidence_files.all()
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
                "replies": [
                    {
                        "competence": r.competence,
                        "accepted": r.accepted,
                        "text": r.text,
                        "author": r.author,
                        "at": r.at.isoformat(),
                    }
                    for r in a.replies.all()
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
        "second_views": second_views.about_data(person),
        "second_views_given": second_views.given_by_data(person.user),
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


FREE_TEXT = ("evidence", "evidence_links", "file", "text", "action")


def _redact(value: Any) -> Any:
    """Free text a person wrote (evidence, comments, plan actions) is personal: it goes."""
    if isinstance(value, dict):
        return {k: ("[erased]" if k in FREE_TEXT and v else _redact(v)) for k, v in value.items()}
    return value


KEPT = frozenset(
    {
        "contenttypes.ContentType",
        "auth.Permission",
        "auth.Group",
        "sessions.Session",
        "competence.FrameworkVersion",
        "competence.ProfileVersion",
        "competence.Person",
        "auth.User",
    }
)
"""Tables erasure does not search: reference data (frameworks, profiles, permissions, roles),
sessions (signed, and refused once the account is disabled), and people and users, whose rows
are their own identity (the erased person's row goes and their user's row is renamed, by hand)."""

NOT_TEXT = frozenset({"password", "digest", "prefix", "session_hash", "session_key"})
"""Columns that hold hashes or secrets, never a name."""

WHO = frozenset({"actor", "rated_by", "signed_off_by", "author", "username"})
"""Columns and JSON keys that hold a user name: a value equal to an identifier is theirs."""

IDENTITY = WHO | {"name", "email", "employee_id"}
"""Columns and JSON keys whose value, when equal to an identifier, is that identifier."""

WORDS = frozenset({*ROLES, "operator", "anonymous"})
"""The product's own words: an identifier equal to one is only replaced where it stands alone in
a column or key of :data:`IDENTITY`."""

TEXT_TYPES = ("CharField", "TextField", "EmailField", "JSONField", "SlugField", "URLField")


def _in_text(identifier: str) -> bool:
    """Whether an identifier may be searched for in free text: not a number, not one or two
    characters, not one of the product's words (each of those stands for too much else)."""
    return len(identifier) >= 3 and not identifier.isdigit() and identifier.casefold() not in WORDS


def _words(texts: Iterable[str]) -> str:
    """A regular expression for any of the texts, longest first, standing on their own: not
    inside a longer word or an email address (``ada@example.org`` is not in
    ``bada@example.org``; the user name ``ada`` is not in ``ada@elsewhere.org``)."""
    either = "|".join(re.escape(t) for t in sorted(texts, key=len, reverse=True))
    return rf"(?<![\w@])(?:{either})(?![\w@])"


def _pattern(identifiers: Iterable[str]) -> re.Pattern[str] | None:
    found = {i for i in identifiers if _in_text(i)}
    return re.compile(_words(found), re.IGNORECASE) if found else None


VOCABULARY = re.compile(_words(WORDS), re.IGNORECASE)
"""The product's words in a text: an identifier inside one (``lead`` in ``pmo-lead``) is the
word's, not the person's."""


class _Scrubber:
    """Replaces a person's identifiers with their pseudonym in text and JSON values; those in
    ``shared`` (also another person's own, in rows about that person) only where they stand for
    a user, in a column or key of :data:`WHO`."""

    def __init__(
        self, identifiers: Iterable[str], pseudonym: str, shared: frozenset[str] = frozenset()
    ) -> None:
        mine = set(identifiers)
        self.who = {i.casefold() for i in mine}
        self.exact = {i.casefold() for i in mine - shared}
        self.pattern = _pattern(mine - shared)
        self.pseudonym = pseudonym

    def text(self, value: str, key: str | None) -> str:
        found = value.strip().casefold()
        if (key in WHO and found in self.who) or (key in IDENTITY and found in self.exact):
            return self.pseudonym
        if self.pattern is None:
            return value
        words = [m.span() for m in VOCABULARY.finditer(value)]

        def swap(found: re.Match[str]) -> str:
            if any(a <= found.start() and found.end() <= b for a, b in words):
                return found.group(0)
            return self.pseudonym

        return self.pattern.sub(swap, value)

    def value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, str):
            return self.text(value, key)
        if isinstance(value, dict):
            return {self.text(k, None): self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        return value


def _anchor(identifier: str) -> str | None:
    """The identifier's longest run of ASCII letters and digits: any text that holds the
    identifier holds it, in any case and however JSON escapes the rest."""
    runs = re.findall(r"[A-Za-z0-9]+", identifier)
    return max(runs, key=len) if runs else None


def _text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.get_internal_type() in TEXT_TYPES and f.name not in NOT_TEXT
    ]


def _candidates(
    model: type[models.Model], fields: list[models.Field[Any, Any]], identifiers: Iterable[str]
) -> models.QuerySet[Any]:
    """The rows whose text might hold an identifier, found by the database (a superset: each
    is then searched in Python)."""
    anchors = {_anchor(i) for i in identifiers}
    rows: models.QuerySet[Any] = model._base_manager.all()
    if None in anchors:  # an identifier with no ASCII letter or digit: search every row
        return rows
    found = Q()
    for field in fields:
        column = field.name
        if field.get_internal_type() == "JSONField":  # search its text
            column = f"_erase_{field.name}"
            rows = rows.annotate(**{column: Cast(field.name, output_field=TextField())})
        for anchor in anchors:
            found |= Q(**{f"{column}__icontains": anchor})
    return rows.filter(found)


def _owner(model: type[models.Model]) -> str | None:
    """The lookup of the person a row is about, for the tables that say."""
    return {
        AuditEntry: "person",
        Assessment: "person_id",
        PlanItem: "person_id",
    }.get(model) or ("assessment__person_id" if model in dict(_parts_of_assessments()) else None)


def _pseudonymise(
    identifiers: list[str], pseudonym: str, others: dict[str, frozenset[str]]
) -> dict[str, int]:
    """Replace the identifiers with the pseudonym in every text and JSON column of every table
    but :data:`KEPT`; return how many rows changed, per table. ``others`` maps another person's
    id to those of the identifiers that are also theirs (a namesake's name): rows about that
    person keep them. Written with ``bulk_update``, past the tables' save guards (a signed-off
    assessment, the append-only audit trail), and unaudited: the erasure is audited once."""
    everyone = _Scrubber(identifiers, pseudonym)
    scrubbers: dict[frozenset[str], _Scrubber] = {frozenset(): everyone}
    changed: dict[str, int] = {}
    for model in apps.get_models():
        if model._meta.label in KEPT:
            continue
        text_fields = _text_fields(model)
        if not text_fields:
            continue
        fields = [f.name for f in text_fields]
        owner = _owner(model)
        rows = _candidates(model, text_fields, identifiers)
        if owner is not None:
            rows = rows.annotate(_erase_owner=F(owner))
        dirty = []
        for row in rows.iterator(chunk_size=2000):
            theirs = others.get(str(getattr(row, "_erase_owner", "")), frozenset())
            if theirs not in scrubbers:
                scrubbers[theirs] = _Scrubber(identifiers, pseudonym, theirs)
            scrub = scrubbers[theirs]
            touched = False
            for field in fields:
                old = getattr(row, field)
                new = scrub.value(old, field)
                if new != old:
                    setattr(row, field, new)
                    touched = True
            if touched:
                dirty.append(row)
        if dirty:
            model._base_manager.bulk_update(dirty, fields, batch_size=500)
            changed[model._meta.label] = len(dirty)
    return changed


def _shared(identifiers: list[str], person: Person) -> dict[str, frozenset[str]]:
    """For each other person, those of the identifiers that are also in their own name, email
    or employee id (a namesake; someone called what the user name says)."""
    pattern = _pattern(identifiers)
    out = {}
    for pk, *own in Person.objects.exclude(pk=person.pk).values_list(
        "pk", "name", "email", "employee_id"
    ):
        texts = {t.casefold() for t in own if t}
        if pattern is not None:
            texts |= {m.casefold() for t in own if t for m in pattern.findall(t)}
        hits = frozenset(i for i in identifiers if i.casefold() in texts)
        if hits:
            out[str(pk)] = hits
    return out


def _parts_of_assessments() -> list[tuple[type[models.Model], str]]:
    """Every table whose rows belong to an assessment (ratings, comments, evidence files), with
    the column that says which: found from the model registry, so that a new one goes too."""
    return [
        (rel.related_model, rel.field.column)
        for rel in Assessment._meta.related_objects
        if isinstance(rel.related_model, type)
    ]


def erasure_summary(person: Person) -> dict[str, Any]:
    """What :func:`erase` would remove or replace for this person, counted, for a confirmation."""
    return {
        "pseudonym": f"erased-person-{person.pk}",
        "assessments": person.assessments.count(),
        "plan_items": person.plan_items.count(),
        "second_views": person.second_views.count(),
        "assessees": person.assessees.count(),
        "user": person.user.get_username() if person.user else None,
        "audit_entries": AuditEntry.objects.filter(person=str(person.pk)).count(),
    }


@transaction.atomic
def erase(key: str) -> str:
    """Erase a person (email or employee id); return the pseudonym left in their place.

    Their person, assessments, ratings, evidence files, comments, plan and the second views
    others gave of them are deleted. Their
    user is disabled, its address removed and its user name replaced by the pseudonym; their API
    tokens are revoked and renamed to it. Everywhere else (the ratings and comments they gave
    others, the sign-offs they made, every audit entry, tagged with them or not, the sign-in log)
    their name, email, user name and employee id are replaced by the pseudonym; audit entries
    about them lose the free text they wrote too. The erasure is itself audited.
    """
    person = people.find(key)
    pseudonym = f"erased-person-{person.pk}"
    user = person.user
    identifiers = sorted(
        {
            s.strip()
            for s in (
                person.email,
                person.name,
                person.employee_id or "",
                user.get_username() if user else "",
                user.email if user else "",
                f"{user.first_name} {user.last_name}" if user else "",
            )
            if s and s.strip()
        },
        key=len,
        reverse=True,
    )
    others = _shared(identifiers, person)
    ids = list(person.assessments.values_list("id", flat=True))
    with connection.cursor() as cursor:  # raw: a signed-off assessment goes too, unaudited
        for model, column in _parts_of_assessments():
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE {column} IN ({marks})", chunk
                )
        cursor.execute(f"DELETE FROM {Assessment._meta.db_table} WHERE person_id = %s", [person.pk])
        for model in (PlanItem, SecondView):  # their plan, and others' views of them
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE person_id = %s", [person.pk])
        cursor.execute(
            f"UPDATE {Person._meta.db_table} SET assessor_id = NULL WHERE assessor_id = %s",
            [person.pk],
        )
        cursor.execute(f"DELETE FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
    about = Q(person=str(person.pk))
    if user is not None:  # the account's own entries, and what it did
        about |= Q(model="User", object_id=str(user.pk)) | Q(actor=user.get_username())
    redacted = []
    for entry in AuditEntry.objects.filter(about):
        old, new = _redact(entry.old), _redact(entry.new)
        if (old, new) != (entry.old, entry.new):
            entry.old, entry.new = old, new
            redacted.append(entry)
    AuditEntry.objects.bulk_update(redacted, ["old", "new"], batch_size=1000)
    revoked = 0
    if user is not None:  # the account goes quiet: no sign-in, no address, no name
        revoked = accounts.retire_tokens(user, pseudonym)
        taken = User.objects.filter(username=pseudonym).exclude(pk=user.pk).exists()
        user.username = f"{pseudonym}-user-{user.pk}" if taken else pseudonym
        user.email = user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    changed = _pseudonymise(identifiers, pseudonym, others)
    audit.record(
        "erase",
        "Person",
        object_id=str(person.pk),
        person=str(person.pk),
        summary=f"{pseudonym}: erased, {len(ids)} assessments; "
        f"{changed.get('competence.AuditEntry', 0)} audit entries and "
        f"{sum(changed.values()) - changed.get('competence.AuditEntry', 0)} other records "
        f"pseudonymised; {revoked} API tokens revoked",
        new={"pseudonym": pseudonym},
    )
    return pseudonym


def due_for_erasure(months: int | None, today: dt.date | None = None) -> list[Person]:
    """People who left more than ``months`` ago (none when retention is off)."""
    if months is None:
        return []
    today = today or timezone.localdate()
    cutoff = freshness.months_before(today, months)
    return list(Person.objects.filter(left_on__isnull=False, left_on__lt=cutoff))


def due_for_reminder(
    reassess_months: int, today: dt.date | None = None, cycle: Cycle | None = None
) -> list[tuple[Person, str]]:
    """People still here whose self-assessment is due, and why; in ``cycle`` (default: the
    cycle open today)."""
    from competence.services.records import current_cycle

    today = today or timezone.localdate()
    cycle = cycle or current_cycle(today)
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
            due_by = f", due by {cycle.closes_on.isoformat()}," if cycle.closes_on else ""
            why = (
                f"The {cycle.name} cycle is open{due_by} and your self-assessment is not "
                "submitted yet."
            )
        elif last is None:
            why = "You have no assessment yet."
        elif freshness.freshness(last, today, reassess_months).stale:
            why = (
                f"Your last assessment, on {last.isoformat()}, is more than "
                f"{reassess_months} months old."
            )
        else:
            continue
        due.append((person, why))
    return due


def remind(dry_run: bool = False, cycle: Cycle | None = None) -> dict[str, Any]:
    """Email everyone whose self-assessment is due (COMPETENCE_REASSESS_MONTHS), in ``cycle``
    (default: the cycle open today; a cycle given must be open); with ``dry_run``, only say who
    is due."""
    from django.conf import settings

    from competence.services import notify
    from competence.services.records import cycle_status

    if cycle is not None and (status := cycle_status(cycle)) != "open":
        raise InputError(f"cycle: {cycle.name} is {status}: reminders are for an open cycle")
    due = due_for_reminder(settings.CONFIG.reassess_months, cycle=cycle)
    sent = 0 if dry_run else sum(notify.reminder(person, why) for person, why in due)
    return {
        "due": [{"person": p.email, "name": p.name, "why": why} for p, why in due],
        "sent": sent,
        "dry_run": dry_run,
    }


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
