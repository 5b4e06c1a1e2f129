"""A person's development plan: suggested from their gaps, kept as plan items, and measured
against their later assessments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from competence.data import activities_for
from competence.domain.framework import AXES
from competence.domain.plans import (
    OPEN,
    STEPS_AT_A_TIME,
    PlanStatus,
    next_step,
    priority,
    suggest,
)
from competence.errors import InputError
from competence.services import profiles
from competence.services.records import domain_ratings
from competence.store.models import Person, PlanItem
from competence.store.queries import counting_assessment

STATUSES: tuple[str, ...] = tuple(s.value for s in PlanStatus)


def _months_ahead(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, min(day.day, 28))


def next_profile(person: Person) -> str | None:
    """The profile the person works toward next: their target profile, else the profile after
    their own (for a PMO officer, the specialist), if there is one."""
    return next_step(person.profile, person.target_profile)


@transaction.atomic
def generate(
    person: Person, *, toward_next: bool = False, limit: int = STEPS_AT_A_TIME
) -> list[PlanItem]:
    """Add up to ``limit`` steps for the largest gaps not yet in the plan: toward the person's
    own profile (due in 6 months), or with ``toward_next`` toward the next profile (12 months)."""
    assessment = counting_assessment(person)
    ratings = domain_ratings(assessment) if assessment else {}
    context = assessment.context if assessment else person.context
    toward = next_profile(person) if toward_next else person.profile
    if toward is None:
        raise InputError(f"{person.email}: the {person.profile} profile has no next profile")
    planned = {(i.competence, i.axis) for i in person.plan_items.filter(status__in=OPEN)}
    today = timezone.localdate()
    made: list[PlanItem] = []
    judged, profile = (
        profiles.judged_against(assessment)
        if assessment is not None
        else (profiles.catalogue_for(person.profile), None)
    )
    found = suggest(
        judged,
        profile.id if profile else person.profile,
        context,
        ratings,
        activities_for(judged.framework),
        toward=toward if toward_next else None,
    )
    for s in found:
        if (s.competence, s.axis) in planned:
            continue
        if len(made) == limit:
            break
        item = PlanItem(
            person=person,
            competence=s.competence,
            axis=s.axis,
            target_level=s.target,
            action=f"{s.kind}: {s.action}",
            due_on=_months_ahead(today, 12 if toward_next else 6),
        )
        item.save()
        made.append(item)
    return made


def plan_data(person: Person) -> list[dict[str, Any]]:
    """The plan with progress: where the person stands now on each item's axis."""
    assessment = counting_assessment(person)
    ratings = domain_ratings(assessment) if assessment else {}
    names = {c.number: c.name for c in profiles.catalogue_for(person.profile).framework.competences}
    out = []
    items = sorted(
        person.plan_items.all(),
        key=lambda i: (i.due_on or dt.date.max, i.competence, AXES.index(i.axis)),
    )
    for item in items:
        rating = ratings.get(item.competence)
        now = rating.level(item.axis) if rating else None
        out.append(
            {
                "id": item.pk,
                "number": item.competence,
                "name": names.get(item.competence, ""),
                "axis": item.axis,
                "target_level": item.target_level,
                "now": now,
                "reached": (now or 0) >= item.target_level,
                "priority": priority(item.target_level - (now or 0)),
                "action": item.action,
                "due_on": item.due_on.isoformat() if item.due_on else None,
                "status": item.status,
            }
        )
    return out


@transaction.atomic
def update(
    item: PlanItem,
    *,
    status: str | None = None,
    action: str | None = None,
    due_on: dt.date | None = None,
) -> PlanItem:
    if status is not None:
        item.status = status
    if action is not None:
        item.action = action
    if due_on is not None:
        item.due_on = due_on
    item.full_clean(exclude=["person"])
    item.save()
    return item


def item_of(person: Person, item_id: int) -> PlanItem:
    """One step of the person's plan."""
    item = PlanItem.objects.filter(pk=item_id, person=person).first()
    if item is None:
        raise InputError(f"{person.email}: no plan step {item_id}")
    return item
