"""A person's development plan: suggested from their gaps, kept as plan items, and measured
against their later assessments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
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


MAX_ACTION = 2000
"""The longest activity a plan step takes, in characters."""


@dataclass(frozen=True)
class StepEdit:
    """What a form says one step of the plan should become (each field as written)."""

    status: str
    action: str
    due_on: str


def save_plan(person: Person, edits: Mapping[int, StepEdit]) -> int:
    """Save the whole plan at once: every step's status, activity and date, each as written.

    Every problem is named with its step; when there is one, nothing is saved. Returns how many
    steps changed."""
    items = {i.pk: i for i in person.plan_items.all()}
    names = {c.number: c.name for c in profiles.catalogue_for(person.profile).framework.competences}
    problems: list[str] = []
    changed: list[PlanItem] = []
    for pk, edit in edits.items():
        item = items.get(pk)
        if item is None:
            problems.append(f"step {pk}: not a step of {person.name}'s plan")
            continue
        where = f"{names.get(item.competence, item.competence)}, {item.axis}"
        if edit.status not in STATUSES:
            problems.append(f"{where}: status: one of {', '.join(STATUSES)}")
        action = edit.action.strip()
        if not action:
            problems.append(f"{where}: activity: say what the step is")
        elif len(action) > MAX_ACTION:
            problems.append(
                f"{where}: activity: at most {MAX_ACTION} characters, got {len(action)}"
            )
        due = edit.due_on.strip()
        try:
            due_on = dt.date.fromisoformat(due) if due else None
        except ValueError:
            problems.append(f"{where}: date: not a date, {due!r} (write YYYY-MM-DD)")
            continue
        if (item.status, item.action, item.due_on) != (edit.status, action, due_on):
            item.status, item.action, item.due_on = edit.status, action, due_on
            changed.append(item)
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        for item in changed:
            item.full_clean(exclude=["person"])
            item.save()
    return len(changed)
