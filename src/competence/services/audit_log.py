"""Reading the audit trail: filtered, a page at a time, or streamed whole (the CSV export).

It is append-only (:class:`competence.store.models.AuditEntry` refuses an update or a delete);
an erased person appears in it only under their pseudonym (:func:`competence.services.privacy.
erase` rewrites their entries).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from competence.errors import InputError
from competence.services import people, policy
from competence.store.models import AuditEntry

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_FILTER_LENGTH = 200
FIELDS = ("id", "at", "actor", "action", "model", "object_id", "person", "summary", "old", "new")
"""An entry's fields, in the API, ``--json`` and the CSV export."""


def entry_data(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "model": e.model,
        "object_id": e.object_id,
        "person": e.person,
        "summary": e.summary,
        "old": e.old,
        "new": e.new,
    }


def recent(user: policy.User, filters: Filters, limit: int = 200) -> list[dict[str, Any]]:
    """The most recent ``limit`` entries ``user`` may read that pass the filters, oldest first
    (``competence audit``)."""
    return [entry_data(e) for e in list(visible(user, filters)[:limit])[::-1]]


@dataclass(frozen=True)
class Filters:
    """What to show of the trail; every field optional. ``person``: an email or employee id (or
    a person's id); ``since`` and ``until``: days, both included."""

    person: str = ""
    actor: str = ""
    action: str = ""
    model: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (for links to other pages and the export)."""
        values = {
            "person": self.person,
            "actor": self.actor,
            "action": self.action,
            "model": self.model,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}


def parse_filters(values: dict[str, str | None]) -> Filters:
    """Filters from query parameters; every problem names its field."""
    problems = []
    text: dict[str, str] = {}
    for name in ("person", "actor", "action", "model"):
        value = (values.get(name) or "").strip()
        if len(value) > MAX_FILTER_LENGTH:
            problems.append(f"{name}: at most {MAX_FILTER_LENGTH} characters")
        text[name] = value
    days: dict[str, dt.date | None] = {}
    for name in ("since", "until"):
        raw = (values.get(name) or "").strip()
        try:
            days[name] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            problems.append(f"{name}: a date as YYYY-MM-DD, got {raw[:20]!r}")
    since, until = days.get("since"), days.get("until")
    if since and until and until < since:
        problems.append("until: the range ends before it starts")
    if problems:
        raise InputError(problems)
    return Filters(since=since, until=until, **text)


def kinds() -> dict[str, list[str]]:
    """The actions and models the trail holds (for the filter's choices)."""
    return {
        "action": sorted(set(AuditEntry.objects.values_list("action", flat=True).distinct())),
        "model": sorted(set(AuditEntry.objects.values_list("model", flat=True).distinct())),
    }


def visible(user: policy.User, filters: Filters) -> QuerySet[AuditEntry]:
    """The entries ``user`` may read that pass the filters, newest first: all of them for an
    admin; for anyone else (a PMO lead), those about the people they may see
    (:func:`competence.services.policy.visible_people`)."""
    found = AuditEntry.objects.order_by("-at", "-id")
    if not policy.allowed(user, "admin"):
        ids = policy.visible_people(user).annotate(key=Cast("pk", CharField())).values("key")
        found = found.filter(person__in=ids)
    if filters.person:
        key = filters.person
        try:
            person = people.get(int(key)) if key.isdigit() else people.find(key)
        except InputError as exc:
            raise InputError([f"person: {p}" for p in exc.problems]) from None
        found = found.filter(person=str(person.pk))
    if filters.actor:
        found = found.filter(actor=filters.actor)
    if filters.action:
        found = found.filter(action=filters.action)
    if filters.model:
        found = found.filter(model=filters.model)
    zone = timezone.get_current_timezone()
    if filters.since:
        found = found.filter(at__gte=dt.datetime.combine(filters.since, dt.time(), zone))
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), zone)
        found = found.filter(at__lt=end)
    return found


def page(
    user: policy.User, filters: Filters, number: int = 1, size: int = PAGE_SIZE
) -> dict[str, Any]:
    """One page of the entries (newest first): ``{"items", "count", "page", "pages"}``, the
    list convention of the API. ``size`` is at most :data:`MAX_PAGE_SIZE`."""
    problems = []
    if number < 1:
        problems.append("page: a page number from 1")
    if not 1 <= size <= MAX_PAGE_SIZE:
        problems.append(f"page_size: from 1 to {MAX_PAGE_SIZE}")
    if problems:
        raise InputError(problems)
    found = visible(user, filters)
    count = found.count()
    pages = max(1, math.ceil(count / size))
    start = (number - 1) * size
    return {
        "items": [entry_data(e) for e in found[start : start + size]],
        "count": count,
        "page": number,
        "pages": pages,
    }


def changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[dict[str, str]]:
    """An entry's old and new values, field by field, as text to read: only the fields that
    differ (all of them on a create or a delete)."""
    old, new = old or {}, new or {}
    out = []
    for field in sorted(set(old) | set(new)):
        before, after = old.get(field), new.get(field)
        if field in old and field in new and before == after:
            continue
        out.append(
            {
                "field": field,
                "old": _text(before) if field in old else "",
                "new": _text(after) if field in new else "",
            }
        )
    return out


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def rows(user: policy.User, filters: Filters, chunk: int = 1000) -> Iterator[list[Any]]:
    """The CSV export: a header, then one row per entry (old and new as JSON), read in chunks
    from the database, newest first. The writer escapes every cell. The filters are checked
    here, before the first row (an unknown person is an error, not a cut file)."""
    found = visible(user, filters)

    def generate() -> Iterator[list[Any]]:
        yield list(FIELDS)
        for e in found.iterator(chunk_size=chunk):
            data = entry_data(e)
            yield [
                _text(data[f]) if f in ("old", "new") and data[f] is not None else data[f]
                for f in FIELDS
            ]

    return generate()
