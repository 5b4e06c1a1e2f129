"""Who is stale or overdue (the rule: :mod:`competence.domain.freshness`), for the pages, the
API and the CLI: a few queries for any number of people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from competence.domain import freshness as rule
from competence.domain import workflow
from competence.domain.workflow import Kind
from competence.services import policy
from competence.store.models import Assessment, Cycle, Person


def latest_cycle(today: dt.date) -> Cycle | None:
    """The latest cycle to have opened by ``today``: the one whose due date counts."""
    return Cycle.objects.filter(opens_on__lte=today).order_by("-opens_on", "-id").first()


def of_people(person_ids: Iterable[int], today: dt.date | None = None) -> dict[int, rule.Freshness]:
    """Each person's freshness, by id."""
    today = today or timezone.localdate()
    ids = list(person_ids)
    cycle = latest_cycle(today)
    latest: dict[int, dt.date] = {}
    kinds: dict[int, set[str]] = {}
    for person_id, day, cycle_id, kind in Assessment.objects.filter(
        person_id__in=ids, status__in=workflow.COUNTED
    ).values_list("person_id", "assessed_on", "cycle_id", "kind"):
        latest[person_id] = max(day, latest.get(person_id, day))
        if cycle is not None and cycle_id == cycle.pk:
            kinds.setdefault(person_id, set()).add(kind)
    months = settings.CONFIG.reassess_months
    found = {}
    for person_id in ids:
        done = kinds.get(person_id, set())
        state = (
            rule.CycleState(
                cycle.name,
                cycle.closes_on,
                self_submitted=Kind.SELF in done,
                review_sent=bool(done & {Kind.ASSESSOR, Kind.AGREED}),
            )
            if cycle is not None
            else None
        )
        found[person_id] = rule.freshness(latest.get(person_id), today, months, state)
    return found


def words_for(person_ids: Iterable[int], today: dt.date | None = None) -> dict[int, str]:
    """Each person's freshness in words, by id."""
    today = today or timezone.localdate()
    return {pk: rule.words(f, today) for pk, f in of_people(person_ids, today).items()}


def data(f: rule.Freshness, today: dt.date) -> dict[str, Any]:
    return {
        "state": f.state,
        "words": rule.words(f, today),
        "assessed_on": f.last.isoformat() if f.last else None,
        "stale": f.stale,
        "overdue_since": f.overdue_since.isoformat() if f.overdue_since else None,
        "overdue_step": f.overdue_by,
        "cycle": f.cycle,
    }


def due_list(user: policy.User, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Who is due or overdue among the people ``user`` may see (an assessor: their assessees;
    a lead: their PMOs' people; an admin: everyone), still here, overdue first, then by email.
    Each entry says why and since when, with the person's id for a link to their review."""
    policy.require(user, "review.list")
    today = today or timezone.localdate()
    here = policy.visible_people(user).filter(left_on__isnull=True)
    people = list(here.exclude(user_id=user.pk) if user.pk is not None else here)
    states = of_people([p.pk for p in people], today)
    due = [(p, states[p.pk]) for p in people if states[p.pk].due]
    due.sort(key=lambda pf: (pf[1].overdue_since is None, pf[0].email))
    return [
        {
            "person": p.email,
            "name": p.name,
            "person_id": p.pk,
            "team": p.team.name if p.team else None,
            "assessor": p.assessor.email if p.assessor else None,
            **data(f, today),
        }
        for p, f in due
    ]


def with_words(
    rows: Iterable[dict[str, Any]], today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Rows of people (dicts with their ``id``), copied with their freshness in words
    (``freshness``): the people list and the team view."""
    rows = list(rows)
    found = words_for((r["id"] for r in rows), today)
    return [{**r, "freshness": found[r["id"]]} for r in rows]


def words(person: Person, today: dt.date | None = None) -> str:
    """One person's freshness in words (the results page)."""
    return words_for([person.pk], today)[person.pk]
