"""People's assessments in the database: record, submit, review, agree, sign off; history.

Each function is one transaction and runs inside ``audit.acting_as(actor)``. Django must be set up
(:func:`competence.store.setup`) before these are called.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from competence.data import load_catalogue
from competence.domain.analysis import assess
from competence.domain.framework import Catalogue
from competence.domain.ratings import Rating
from competence.errors import InputError
from competence.services import notify
from competence.services.catalogue import framework_data, profile_data
from competence.store import audit
from competence.store.models import (
    Assessment,
    Cycle,
    FrameworkVersion,
    Person,
    ProfileVersion,
)
from competence.store.models import Rating as RatingRow

Status = Assessment.Status
Kind = Assessment.Kind


class WorkflowError(InputError):
    """A step that the assessment's status does not allow."""


def cli_actor(as_user: str | None = None) -> str:
    """``cli:<os user>``, or the user named by ``--as``."""
    if as_user:
        return as_user
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"cli:{who}"


def catalogue_document(catalogue: Catalogue) -> dict[str, Any]:
    return {
        "framework": framework_data(catalogue),
        "profiles": [profile_data(p, None, catalogue) for p in catalogue.profiles],
    }


def current_framework(catalogue: Catalogue | None = None) -> FrameworkVersion:
    """The stored version of the built-in framework, recorded on first use."""
    cat = catalogue or load_catalogue()
    document = catalogue_document(cat)
    checksum = hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    fw = cat.framework
    with transaction.atomic():
        stored, created = FrameworkVersion.objects.get_or_create(
            framework_id=fw.id,
            version=fw.version,
            defaults={
                "title": fw.title,
                "source": "builtin",
                "document": document,
                "checksum": checksum,
                "loaded_at": timezone.now(),
            },
        )
        if created:
            ProfileVersion.objects.bulk_create(
                ProfileVersion(framework=stored, profile_id=p.id, name=p.name, document=doc)
                for p, doc in zip(cat.profiles.values(), document["profiles"], strict=True)
            )
        elif stored.checksum != checksum:
            raise InputError(
                f"framework {fw.id} {fw.version}: the data files changed without a new version; "
                "give the framework a new version number"
            )
    return stored


def find_person(key: str) -> Person:
    """A person by email or employee id."""
    key = key.strip()
    person = (
        Person.objects.filter(email__iexact=key).first()
        or Person.objects.filter(employee_id=key).first()
    )
    if person is None:
        raise InputError(f"no person with the email or employee id {key!r}")
    return person


def find_cycle(name: str) -> Cycle:
    cycle = Cycle.objects.filter(name=name).first()
    if cycle is None:
        raise InputError(f"no cycle named {name!r}")
    return cycle


def current_cycle(today: dt.date | None = None) -> Cycle | None:
    """The cycle open today (the latest to open), if there is one."""
    today = today or timezone.localdate()
    return (
        Cycle.objects.filter(opens_on__lte=today)
        .exclude(closes_on__lt=today)
        .order_by("-opens_on", "-id")
        .first()
    )


@transaction.atomic
def create_cycle(name: str, opens_on: dt.date, closes_on: dt.date | None = None) -> Cycle:
    problems = []
    if not 0 < len(name.strip()) <= 100:
        problems.append("NAME: a cycle name has 1 to 100 characters")
    elif Cycle.objects.filter(name=name.strip()).exists():
        problems.append(f"NAME: there is already a cycle {name!r}")
    if closes_on is not None and closes_on < opens_on:
        problems.append("--closes: the cycle closes before it opens")
    if problems:
        raise InputError(problems)
    return Cycle.objects.create(name=name.strip(), opens_on=opens_on, closes_on=closes_on)


def open_cycle(today: dt.date | None = None, quiet: bool = False) -> Cycle:
    """The cycle open today (the latest one to open), or a new one named after the date.

    ``quiet``: a new cycle is part of a bulk import's own audit entry, not one of its own.
    """
    today = today or timezone.localdate()
    cycle = current_cycle(today)
    if cycle is None:
        cycle = Cycle.objects.filter(name=today.isoformat()).first() or (
            Cycle.objects.bulk_create([Cycle(name=today.isoformat(), opens_on=today)])[0]
            if quiet
            else Cycle.objects.create(name=today.isoformat(), opens_on=today)
        )
    return cycle


def _check_editable(assessment: Assessment) -> None:
    if assessment.locked:
        raise WorkflowError(
            f"{assessment.person.email}, cycle {assessment.cycle.name}, {assessment.kind}: "
            "signed off and read-only; a new cycle makes a new assessment"
        )


@transaction.atomic
def record_assessment(
    person: Person,
    cycle: Cycle,
    ratings: Mapping[int, Rating],
    *,
    kind: str = Kind.SELF,
    assessed_on: dt.date | None = None,
) -> Assessment:
    """Create or update a person's assessment of one kind in a cycle, with its ratings."""
    actor = audit.current_actor()
    catalogue = load_catalogue()
    known = {c.number for c in catalogue.framework.competences}
    unknown = sorted(set(ratings) - known)
    if unknown:
        raise InputError(f"unknown competence numbers: {unknown}")
    if kind not in Kind.values:
        raise InputError(f"unknown kind {kind!r}: choose one of {', '.join(Kind.values)}")
    assessment = Assessment.objects.filter(person=person, cycle=cycle, kind=kind).first()
    if assessment is None:
        assessment = Assessment.objects.create(
            person=person,
            cycle=cycle,
            kind=kind,
            status=Status.DRAFT,
            assessed_on=assessed_on or timezone.localdate(),
            framework=current_framework(catalogue),
            profile=person.profile,
            context=person.context,
        )
    else:
        _check_editable(assessment)
        if assessed_on is not None and assessment.assessed_on != assessed_on:
            assessment.assessed_on = assessed_on
            assessment.save()
    now = timezone.now()
    existing = {r.competence: r for r in assessment.ratings.all()}
    for number, rating in sorted(ratings.items()):
        row = existing.get(number)
        if not rating.rated and not rating.evidence:
            if row is not None:  # cleared: nothing rated and no evidence any more
                row.delete()
            continue
        if row is None:
            row = RatingRow(assessment=assessment, competence=number)
        unchanged = row.pk is not None and (row.knowledge, row.application, row.evidence) == (
            rating.knowledge,
            rating.application,
            rating.evidence or "",
        )
        if unchanged:
            continue
        row.knowledge, row.application = rating.knowledge, rating.application
        row.evidence = rating.evidence or ""
        row.rated_by, row.rated_at = actor, now
        row.save()
    return assessment


def _advance(assessment: Assessment, allowed: tuple[str, ...], to: str, step: str) -> Assessment:
    assessment.refresh_from_db()
    _check_editable(assessment)
    if assessment.status not in allowed:
        raise WorkflowError(
            f"{assessment.person.email}, cycle {assessment.cycle.name}, {assessment.kind}: "
            f"cannot {step} an assessment that is {assessment.status} "
            f"(it must be {' or '.join(allowed)})"
        )
    assessment.status = to
    if to == Status.SIGNED_OFF:
        assessment.signed_off_by = audit.current_actor()
        assessment.signed_off_at = timezone.now()
    assessment.save()
    return assessment


def submit(assessment: Assessment) -> Assessment:
    with transaction.atomic():
        done = _advance(assessment, (Status.DRAFT,), Status.SUBMITTED, "submit")
    notify.submitted(done)
    return done


def review(assessment: Assessment) -> Assessment:
    with transaction.atomic():
        done = _advance(assessment, (Status.SUBMITTED,), Status.REVIEWED, "review")
    notify.reviewed(done)
    return done


@transaction.atomic
def agree(
    person: Person,
    cycle: Cycle,
    ratings: Mapping[int, Rating] | None = None,
    *,
    assessed_on: dt.date | None = None,
) -> Assessment:
    """The agreed assessment: the ratings given, or else the assessor's (or the self) ratings.

    Self and assessor ratings are kept as they are and never averaged.
    """
    if ratings is None:
        source = (
            Assessment.objects.filter(person=person, cycle=cycle, kind=Kind.ASSESSOR).first()
            or Assessment.objects.filter(person=person, cycle=cycle, kind=Kind.SELF).first()
        )
        if source is None:
            raise WorkflowError(
                f"{person.email}, cycle {cycle.name}: nothing to agree yet (no self or assessor "
                "assessment)"
            )
        ratings = {
            r.competence: Rating(r.knowledge, r.application, r.evidence or None)
            for r in source.ratings.all()
        }
    agreed = record_assessment(person, cycle, ratings, kind=Kind.AGREED, assessed_on=assessed_on)
    if agreed.status != Status.REVIEWED:
        agreed.status = Status.REVIEWED
        agreed.save()
    return agreed


def sign_off(assessment: Assessment) -> Assessment:
    with transaction.atomic():
        done = _advance(assessment, (Status.REVIEWED,), Status.SIGNED_OFF, "sign off")
    notify.signed_off(done)
    return done


def domain_ratings(assessment: Assessment) -> dict[int, Rating]:
    return {
        r.competence: Rating(r.knowledge, r.application, r.evidence or None)
        for r in assessment.ratings.all()
    }


KIND_ORDER = {Kind.AGREED: 0, Kind.ASSESSOR: 1, Kind.SELF: 2}


def history(person: Person) -> dict[str, Any]:
    """Assessments in date order with their verdicts, and the trend per competence.

    The trend follows the assessment that counts in each cycle: agreed, else assessor, else self.
    """
    catalogue = load_catalogue()
    assessments = list(
        person.assessments.select_related("cycle")
        .prefetch_related("ratings")
        .order_by("assessed_on", "cycle__opens_on", "id")
    )
    items = []
    counting: dict[int, Assessment] = {}
    for a in assessments:
        ratings = domain_ratings(a)
        verdict = assess(catalogue, a.profile, a.context, ratings, person.email)
        items.append(
            {
                "cycle": a.cycle.name,
                "kind": a.kind,
                "status": a.status,
                "assessed_on": a.assessed_on.isoformat(),
                "profile": a.profile,
                "context": a.context,
                "meets_profile": verdict.meets_profile,
                "ratings": {
                    str(n): {"knowledge": r.knowledge, "application": r.application}
                    for n, r in sorted(ratings.items())
                },
            }
        )
        best = counting.get(a.cycle_id)
        if best is None or KIND_ORDER[Kind(a.kind)] < KIND_ORDER[Kind(best.kind)]:
            counting[a.cycle_id] = a
    ordered = sorted(counting.values(), key=lambda a: (a.assessed_on, a.cycle.opens_on, a.id))
    by_assessment = [(a, domain_ratings(a)) for a in ordered]
    trend = []
    for c in catalogue.framework.competences:
        points = []
        for a, rated in by_assessment:
            r = rated.get(c.number)
            points.append(
                {
                    "cycle": a.cycle.name,
                    "knowledge": r.knowledge if r else None,
                    "application": r.application if r else None,
                }
            )
        trend.append({"number": c.number, "slug": c.slug, "points": points})
    return {"person": person.email, "assessments": items, "trend": trend}


@transaction.atomic
def add_comments(assessment: Assessment, texts: Mapping[int, str]) -> int:
    """Keep the non-empty comments, one per competence, signed by the actor."""
    from competence.store.models import Comment

    actor = audit.current_actor()
    now = timezone.now()
    made = [
        Comment(assessment=assessment, competence=n, author=actor, text=t.strip(), at=now)
        for n, t in sorted(texts.items())
        if t.strip()
    ]
    Comment.objects.bulk_create(made)
    for comment in made:
        audit.record(
            "create",
            "Comment",
            object_id=str(comment.pk),
            person=str(assessment.person_id),
            summary=f"{assessment}: comment on {comment.competence}",
            new={"competence": comment.competence, "text": comment.text},
        )
    return len(made)
