"""People's assessments in the database: record, submit, review, agree, sign off; history.

Each function is one transaction and runs inside ``audit.acting_as(actor)``. Django must be set up
(:func:`competence.store.setup`) before these are called.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from competence.data import load_catalogue
from competence.domain import workflow
from competence.domain.analysis import assess
from competence.domain.errors import WorkflowError
from competence.domain.evidence import Confidence
from competence.domain.framework import AXES
from competence.domain.ratings import EVIDENCE_LIMIT, Rating, evidence_problem, unrated
from competence.domain.workflow import Kind, Status
from competence.errors import InputError
from competence.services import events, notify, profiles
from competence.store import audit, scope
from competence.store.models import (
    Assessment,
    Cycle,
    Person,
)
from competence.store.models import Rating as RatingRow
from competence.store.queries import counting_per_cycle
from competence.store.transactions import retrying

__all__ = ["EVIDENCE_LIMIT", "Conflict", "WorkflowError", "evidence_problem", "unrated"]


class Conflict(WorkflowError):
    """A save made from an older version of an assessment than the one stored, which would
    change what was saved in between: nothing is saved (409 on the API and the pages).

    ``changes`` lists each competence where the saved ratings and the ones sent differ, as
    ``{"competence": n, "saved": {...}, "yours": {...}}`` with ``knowledge``, ``application``
    and ``evidence`` in each; ``version`` is the version stored now, which a save that keeps
    these ratings after all sends."""

    def __init__(self, what: str, version: int, changes: list[dict[str, Any]]) -> None:
        self.version = version
        self.changes = changes
        names = {c.number: c.name for c in load_catalogue().framework.competences}
        super().__init__(
            [f"{what}: changed since it was opened (now version {version}); nothing was saved"]
            + [
                f"{names.get(c['competence'], c['competence'])}: saved {_shown(c['saved'])}, "
                f"yours {_shown(c['yours'])}"
                for c in changes
            ]
        )


def _shown(levels: Mapping[str, Any]) -> str:
    """Knowledge/application, with – for not rated (and whether evidence differs)."""
    k, a = (("–" if levels[x] is None else str(levels[x])) for x in ("knowledge", "application"))
    return f"{k}/{a}"


def _levels(knowledge: int | None, application: int | None, evidence: str) -> dict[str, Any]:
    return {"knowledge": knowledge, "application": application, "evidence": evidence}


def cli_actor(as_user: str | None = None) -> str:
    """``cli:<os user>``, or the user named by ``--as``."""
    if as_user:
        return as_user
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"cli:{who}"


def find_cycle(name: str) -> Cycle:
    cycle = Cycle.objects.filter(name=name).first()
    if cycle is None:
        raise InputError(f"no cycle named {name!r}")
    return cycle


def cycle_status(cycle: Cycle, today: dt.date | None = None) -> str:
    """``upcoming`` before it opens, ``closed`` after its due date (``closes_on``), else
    ``open``."""
    today = today or timezone.localdate()
    if cycle.opens_on > today:
        return "upcoming"
    if cycle.closes_on is not None and cycle.closes_on < today:
        return "closed"
    return "open"


def cycle_data(cycle: Cycle, today: dt.date | None = None) -> dict[str, Any]:
    """A cycle as plain data; ``closes_on`` is its due date, the last day to take part."""
    return {
        "id": cycle.pk,
        "name": cycle.name,
        "opens_on": cycle.opens_on.isoformat(),
        "closes_on": cycle.closes_on.isoformat() if cycle.closes_on else None,
        "status": cycle_status(cycle, today),
    }


def cycles() -> list[dict[str, Any]]:
    """Every assessment cycle, in the order they open."""
    today = timezone.localdate()
    return [cycle_data(c, today) for c in Cycle.objects.all()]


def get_cycle(cycle_id: int) -> Cycle:
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        raise InputError(f"no cycle {cycle_id}")
    return cycle


KEEP: Any = object()
"""An argument of :func:`update_cycle` left as it is."""


@transaction.atomic
def update_cycle(
    cycle: Cycle, *, opens_on: dt.date | None = None, closes_on: dt.date | None = KEEP
) -> Cycle:
    """Move a cycle's opening day or its due date (``closes_on``; None: open-ended). Closing a
    cycle is setting its due date to today or a day before. Audited, with old and new values,
    like every change to a cycle."""
    opens = opens_on or cycle.opens_on
    closes = cycle.closes_on if closes_on is KEEP else closes_on
    if closes is not None and closes < opens:
        raise InputError("closes_on: the cycle closes before it opens")
    cycle.opens_on, cycle.closes_on = opens, closes
    cycle.save()
    return cycle


def close_cycle(cycle: Cycle, on: dt.date | None = None) -> Cycle:
    """Close a cycle on ``on`` (today by default): its last day to take part."""
    return update_cycle(cycle, closes_on=on or timezone.localdate())


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
def create_cycle(
    name: str,
    opens_on: dt.date,
    closes_on: dt.date | None = None,
    fields: tuple[str, str] = ("NAME", "--closes"),
) -> Cycle:
    """A new cycle; ``fields``: what problems call the name and the due date."""
    problems = []
    if not 0 < len(name.strip()) <= 100:
        problems.append(f"{fields[0]}: a cycle name has 1 to 100 characters")
    elif Cycle.objects.filter(name=name.strip()).exists():
        problems.append(f"{fields[0]}: there is already a cycle {name!r}")
    if closes_on is not None and closes_on < opens_on:
        problems.append(f"{fields[1]}: the cycle closes before it opens")
    if problems:
        raise InputError(problems)
    made, new = cycle_named(name.strip(), opens_on, closes_on)
    if not new:  # another made it between the check and now
        raise InputError(f"{fields[0]}: there is already a cycle {name!r}")
    return made


def open_cycle(today: dt.date | None = None, quiet: bool = False) -> Cycle:
    """The cycle open today (the latest one to open), or a new one named after the date.

    ``quiet``: a new cycle is part of a bulk import's own audit entry, not one of its own.
    """
    today = today or timezone.localdate()
    return current_cycle(today) or cycle_named(today.isoformat(), today, quiet=quiet)[0]


def cycle_named(
    name: str, opens_on: dt.date, closes_on: dt.date | None = None, quiet: bool = False
) -> tuple[Cycle, bool]:
    """The cycle of this name, made (opening on ``opens_on``) if there is none; and whether it
    was made here. Two imports that make the same new cycle at once both end in the one cycle:
    the second insert waits for the first to commit, fails on the unique name inside a
    savepoint, and reads the cycle the first made.

    ``quiet``: a new cycle is part of a bulk import's own audit entry, not one of its own."""
    found = Cycle.objects.filter(name=name).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            new = Cycle(name=name, opens_on=opens_on, closes_on=closes_on)
            if quiet:
                Cycle.objects.bulk_create([new])
            else:
                new.save()
            return new, True
    except IntegrityError:
        return Cycle.objects.get(name=name), False


def assessment_of(person: Person, cycle: Cycle, kind: str) -> Assessment | None:
    """The person's assessment of one kind in a cycle, if there is one."""
    return (
        Assessment.objects.select_related("cycle", "person")
        .filter(person=person, cycle=cycle, kind=kind)
        .first()
    )


def get_assessment(assessment_id: int) -> Assessment:
    found = Assessment.objects.select_related("cycle", "person").filter(pk=assessment_id).first()
    if found is None:
        raise InputError(f"no assessment {assessment_id}")
    return found


def assessments_of(person: Person) -> list[Assessment]:
    """Every assessment of a person's, in date order, with its cycle and ratings."""
    return list(
        person.assessments.select_related("cycle", "profile_version")
        .prefetch_related("ratings")
        .order_by("assessed_on", "id")
    )


def rated_count(assessment: Assessment, numbers: set[int], axes: tuple[str, ...] = AXES) -> int:
    """How many of these competences the assessment rates on every axis (of ``axes``, the
    framework's)."""
    return sum(
        1
        for r in assessment.ratings.all()
        if r.competence in numbers and all(getattr(r, axis) is not None for axis in axes)
    )


def _what(assessment: Assessment) -> str:
    return f"{assessment.person.email}, cycle {assessment.cycle.name}, {assessment.kind}"


def cycle_locked(person: Person, cycle: Cycle) -> bool:
    """Whether the person's cycle is signed off (see :func:`workflow.cycle_locked`)."""
    return workflow.cycle_locked(
        Assessment.objects.filter(person=person, cycle=cycle).values_list("status", flat=True)
    )


def check_unlocked(person: Person, cycle: Cycle) -> None:
    """Refuse any change to a person's cycle once it is signed off."""
    if cycle_locked(person, cycle):
        raise WorkflowError(f"{person.email}, cycle {cycle.name}: {workflow.LOCKED_MESSAGE}")


def _mine(person: Person, cycle: Cycle, kind: str) -> Assessment | None:
    """The assessment, locked for this transaction (PostgreSQL; SQLite writes one at a time)."""
    return (
        Assessment.objects.select_for_update().filter(person=person, cycle=cycle, kind=kind).first()
    )


def _changed_ratings(
    existing: Mapping[int, RatingRow], ratings: Mapping[int, Rating]
) -> list[tuple[int, Rating, RatingRow | None]]:
    """The ratings sent that differ from those stored: (number, sent, stored row or None)."""
    out = []
    for number, rating in sorted(ratings.items()):
        row = existing.get(number)
        sent = replace(rating, evidence=rating.evidence or None)  # empty text is no evidence
        if (as_rating(row) if row else Rating(None, None)) != sent:
            out.append((number, rating, row))
    return out


def check_ratings(person: Person, ratings: Mapping[int, Rating]) -> None:
    """Refuse ratings of competences the person's framework does not have, or of levels off its
    scale (:class:`InputError`, one problem per rating); the one check of anyone's ratings of a
    person, an assessment's or a second view's."""
    framework = profiles.frameworks_by_profile().get(person.profile)
    over = framework[0] if framework else load_catalogue().framework
    known = {c.number for c in over.competences}
    unknown = sorted(set(ratings) - known)
    if unknown:
        raise InputError(f"unknown competence numbers: {unknown}")
    misfits = [
        f"{over.competence(n).name}: {p}"
        for n, r in sorted(ratings.items())
        for axis in AXES
        if (p := over.level_problem(axis, r.level(axis))) is not None
    ]
    if misfits:
        raise InputError(misfits)


@transaction.atomic
def record_assessment(
    person: Person,
    cycle: Cycle,
    ratings: Mapping[int, Rating],
    *,
    kind: str = Kind.SELF,
    assessed_on: dt.date | None = None,
    version: int | None = None,
) -> Assessment:
    """Create or update a person's assessment of one kind in a cycle, with its ratings.

    Only the ratings that differ from those stored are written. ``version`` is the version the
    ratings were loaded from (0: there was no assessment yet): when the assessment has changed
    since, and these ratings would change it, :class:`Conflict` is raised and nothing is saved.
    ``None`` (imports, the command line, agreeing) checks nothing.
    """
    actor = audit.current_actor()
    judged_by = profiles.version(person.profile)  # the version it is judged against
    check_ratings(person, ratings)
    if kind not in workflow.KINDS:
        raise InputError(f"unknown kind {kind!r}: choose one of {', '.join(workflow.KINDS)}")
    check_unlocked(person, cycle)
    assessment = _mine(person, cycle, kind)
    made = False
    if assessment is None:
        # On the unique key: two first saves at once make one assessment, and both save into it.
        assessment, made = Assessment.objects.get_or_create(
            person=person,
            cycle=cycle,
            kind=kind,
            defaults={
                "status": Status.DRAFT,
                "assessed_on": assessed_on or timezone.localdate(),
                "framework": judged_by.framework,
                "profile": person.profile,
                "profile_version": judged_by,
                "context": person.context,
            },
        )
    existing = {r.competence: r for r in assessment.ratings.all()}
    pending = _changed_ratings(existing, ratings)
    if not made:
        if version is not None and version != assessment.version and pending:
            raise Conflict(
                _what(assessment),
                assessment.version,
                [
                    {
                        "competence": number,
                        "saved": _levels(row.knowledge, row.application, row.evidence)
                        if row
                        else _levels(None, None, ""),
                        "yours": _levels(
                            rating.knowledge, rating.application, rating.evidence or ""
                        ),
                    }
                    for number, rating, row in pending
                ],
            )
        changed = []
        if assessed_on is not None and assessment.assessed_on != assessed_on:
            assessment.assessed_on = assessed_on
            changed.append("assessed_on")
        if workflow.editable(assessment.status) and assessment.profile_version_id != judged_by.pk:
            # A draft is judged against the profile's current version until it is submitted.
            assessment.profile, assessment.profile_version = person.profile, judged_by
            changed += ["profile", "profile_version"]
        if changed:
            assessment.save(update_fields=changed)
        if changed or pending:
            _bump(assessment, checked=version is not None)
    now = timezone.now()
    for number, rating, row in pending:
        if rating.empty:
            if row is not None:  # cleared: nothing rated and nothing said any more
                row.delete()
            continue
        # On the unique key too: the same competence saved at once ends as one rating.
        RatingRow.objects.update_or_create(
            assessment=assessment,
            competence=number,
            defaults={
                "knowledge": rating.knowledge,
                "application": rating.application,
                "evidence": rating.evidence or "",
                "confidence": None if rating.confidence is None else rating.confidence.value,
                "evidence_links": list(rating.links),
                "rated_by": actor,
                "rated_at": now,
            },
        )
    return assessment


def _bump(assessment: Assessment, checked: bool = True) -> None:
    """Raise the version of an assessment about to change. ``checked`` (a save that sent the
    version it loaded): :class:`Conflict` when another save raised it first; unchecked (an
    import, the command line, a save that lost the race to make the assessment), it is raised
    whatever it is now."""
    if not checked:
        Assessment.objects.filter(pk=assessment.pk).update(version=F("version") + 1)
        assessment.refresh_from_db(fields=["version"])
        return
    if not Assessment.objects.filter(pk=assessment.pk, version=assessment.version).update(
        version=F("version") + 1
    ):
        assessment.refresh_from_db(fields=["version"])
        raise Conflict(_what(assessment), assessment.version, [])
    assessment.version += 1


def version_of(assessment: Assessment | None) -> int:
    """The version a form or API client loads, and sends back with a save (0: none yet)."""
    return 0 if assessment is None else assessment.version


def posted_version(data: Mapping[str, Any]) -> int:
    """The version a form was loaded with, from its ``version`` field (0 when it has none)."""
    try:
        return max(0, int(data.get("version") or 0))
    except (TypeError, ValueError):
        raise InputError("version: not a version number; open the page again") from None


def save_draft(
    person: Person,
    cycle: Cycle,
    ratings: Mapping[int, Rating],
    kind: str = Kind.SELF,
    version: int | None = None,
) -> Assessment:
    """Save ratings into a person's draft of one kind (made if there is none): what a form or
    the API saves, with the version it loaded (see :func:`record_assessment`). Only a draft
    takes new ratings; a submitted one is refused."""

    def save() -> Assessment:
        existing = assessment_of(person, cycle, kind)
        if existing is not None and not workflow.editable(existing.status):
            raise WorkflowError(
                f"{_what(existing)}: already {existing.status}; only a draft can be changed"
            )
        return record_assessment(person, cycle, ratings, kind=kind, version=version)

    return retrying(save)  # a save that lost a race with another is tried again


def own_draft(person: Person, cycle: Cycle) -> Assessment:
    """The person's self-assessment of the cycle, made (empty) when there is none yet: what
    evidence files are attached to."""
    return assessment_of(person, cycle, Kind.SELF) or save_draft(person, cycle, {})


def review_has_started(person: Person, cycle: Cycle) -> bool:
    """Whether the person's assessor has started the review of this cycle."""
    return workflow.review_started(
        Assessment.objects.filter(person=person, cycle=cycle).values_list("kind", flat=True)
    )


def _advance(assessment: Assessment, name: str) -> Assessment:
    assessment.refresh_from_db()
    to = workflow.step(
        name,
        assessment.kind,
        assessment.status,
        _what(assessment),
        review_has_started=review_has_started(assessment.person, assessment.cycle),
    )
    check_unlocked(assessment.person, assessment.cycle)
    assessment.status = to
    assessment.version += 1
    if to == Status.SIGNED_OFF:
        assessment.signed_off_by = audit.current_actor()
        assessment.signed_off_at = timezone.now()
    assessment.save()
    events.step(name, assessment)
    return assessment


def submit(assessment: Assessment) -> Assessment:
    with transaction.atomic():
        done = _advance(assessment, "submit")
    notify.submitted(done)
    return done


def withdraw(assessment: Assessment) -> Assessment:
    """The person takes back their submitted self-assessment, until the assessor starts the
    review: it is a draft again, and the assessor is told."""
    with transaction.atomic():
        done = _advance(assessment, "withdraw")
    notify.withdrawn(done)
    return done


def submit_checked(
    assessment: Assessment, numbers: list[int], confirmed_unrated: int
) -> Assessment:
    """Submit from the check-answers page: with competences of ``numbers`` still unrated, only
    when the person confirmed exactly how many (they count as 0 in the verdict)."""
    axes = profiles.catalogue_for(assessment.person.profile).framework.axes
    missing = unrated(numbers, domain_ratings(assessment), axes)
    if missing and confirmed_unrated != len(missing):
        raise InputError(
            f"confirm: {len(missing)} competence{'s are' if len(missing) != 1 else ' is'} not "
            "rated yet; confirm that you submit without rating them, or rate them first"
        )
    return submit(assessment)


def review(assessment: Assessment) -> Assessment:
    with transaction.atomic():
        done = _advance(assessment, "review")
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

    Self and assessor ratings are kept as they are and never averaged. Refused while the
    person has not answered the assessor's ratings (:func:`workflow.agree_blocked`).
    """
    theirs = Assessment.objects.filter(person=person, cycle=cycle, kind=Kind.ASSESSOR).first()
    blocked = workflow.agree_blocked(theirs.status if theirs else None)
    if blocked:
        raise WorkflowError(f"{person.email}, cycle {cycle.name}: cannot agree yet: {blocked}")
    if ratings is None:
        source = (
            theirs or Assessment.objects.filter(person=person, cycle=cycle, kind=Kind.SELF).first()
        )
        if source is None:
            raise WorkflowError(
                f"{person.email}, cycle {cycle.name}: nothing to agree yet (no self or assessor "
                "assessment)"
            )
        ratings = {r.competence: as_rating(r) for r in source.ratings.all()}
    agreed = record_assessment(person, cycle, ratings, kind=Kind.AGREED, assessed_on=assessed_on)
    if agreed.status != Status.REVIEWED:
        agreed.status = Status.REVIEWED
        agreed.version += 1
        agreed.save()
    events.agreed(agreed)
    return agreed


def take_step(step: str, person: Person, cycle_name: str, kind: str) -> Assessment:
    """Take a workflow step (one of :data:`workflow.STEPS`) on one of a person's assessments,
    found by cycle and kind."""
    cycle = find_cycle(cycle_name)
    found = assessment_of(person, cycle, kind)
    if found is None:
        raise InputError(f"{person.email}: no {kind} assessment in cycle {cycle_name!r}")
    return STEP_ACTIONS[step](found)


def sign_off(assessment: Assessment) -> Assessment:
    """Sign off an assessment, and with it the whole cycle: every other assessment of the
    person's cycle is marked signed off too, as it is read-only from now on."""
    with transaction.atomic():
        done = _advance(assessment, "sign-off")
        rest = Assessment.objects.filter(person_id=done.person_id, cycle_id=done.cycle_id)
        for other in rest.exclude(pk=done.pk).exclude(status=Status.SIGNED_OFF):
            other.status = Status.SIGNED_OFF
            other.signed_off_by, other.signed_off_at = done.signed_off_by, done.signed_off_at
            other.save()
    notify.signed_off(done)
    return done


def as_rating(row: RatingRow) -> Rating:
    """A stored rating as the domain's: levels, evidence, confidence and links."""
    return Rating(
        row.knowledge,
        row.application,
        row.evidence or None,
        None if row.confidence is None else Confidence(row.confidence),
        tuple(row.evidence_links or ()),
    )


STEP_ACTIONS = {"submit": submit, "withdraw": withdraw, "review": review, "sign-off": sign_off}
"""The service that takes each step of :data:`workflow.STEPS` (and tells whom it concerns)."""


def domain_ratings(assessment: Assessment) -> dict[int, Rating]:
    """An assessment's ratings by competence number: read once per request."""
    return scope.once(
        ("ratings", assessment.pk, assessment.version),
        lambda: {r.competence: as_rating(r) for r in assessment.ratings.all()},
    )


def assessments_in_order(person: Person) -> list[Assessment]:
    """Every assessment of the person's in date order, with its cycle, profile version and
    ratings: read once per request (the history and the review ask)."""
    return scope.once(
        ("assessments-in-order", person.pk),
        lambda: list(
            person.assessments.select_related("cycle", "profile_version")
            .prefetch_related("ratings")
            .order_by("assessed_on", "cycle__opens_on", "id")
        ),
    )


def history(person: Person, assessments: list[Assessment] | None = None) -> dict[str, Any]:
    """Assessments in date order with their verdicts, and the trend per competence.

    The trend follows the assessment that counts in each cycle (drafts never count).
    ``assessments``: :func:`assessments_in_order`, when the caller has read them.
    """
    catalogue = profiles.catalogue_for(person.profile)
    assessments = assessments_in_order(person) if assessments is None else assessments
    rated = {a.pk: domain_ratings(a) for a in assessments}
    items = []
    for a in assessments:
        judged, profile = profiles.judged_against(a)
        verdict = assess(judged, profile.id, a.context, rated[a.pk], person.email)
        items.append(
            {
                "cycle": a.cycle.name,
                "kind": a.kind,
                "status": a.status,
                "assessed_on": a.assessed_on.isoformat(),
                "profile": a.profile,
                "profile_version": profile.version,
                "context": a.context,
                "meets_profile": verdict.meets_profile,
                "ratings": {
                    str(n): {"knowledge": r.knowledge, "application": r.application}
                    for n, r in sorted(rated[a.pk].items())
                },
            }
        )
    counting = counting_per_cycle(assessments)
    trend = []
    for c in catalogue.framework.competences:
        points = []
        for a in counting:
            r = rated[a.pk].get(c.number)
            points.append(
                {
                    "cycle": a.cycle.name,
                    "knowledge": r.knowledge if r else None,
                    "application": r.application if r else None,
                }
            )
        trend.append({"number": c.number, "slug": c.slug, "points": points})
    return {
        "person": person.email,
        "axes": list(catalogue.framework.axes),
        "assessments": items,
        "trend": trend,
    }


@transaction.atomic
def add_comments(assessment: Assessment, texts: Mapping[int, str]) -> int:
    """Keep the non-empty comments, one per competence, signed by the actor."""
    from competence.store.models import Comment

    actor = audit.current_actor()
    check_unlocked(assessment.person, assessment.cycle)
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


@transaction.atomic
def reopen(person: Person, cycle: Cycle, reason: str) -> int:
    """Reopen a signed-off cycle (an admin's act, with a reason): its signed-off assessments go
    back to reviewed, so that the assessor can change and sign off again. Audited; returns how
    many assessments were reopened."""
    reason = reason.strip()
    if not reason:
        raise InputError("--reason: say why the signed-off assessment is reopened")
    signed = Assessment.objects.filter(person=person, cycle=cycle, status=Status.SIGNED_OFF)
    ids = [str(pk) for pk in signed.values_list("id", flat=True)]
    if not ids:
        raise WorkflowError(f"{person.email}, cycle {cycle.name}: nothing is signed off")
    # update(), not save(): a signed-off assessment refuses save() by design.
    signed.update(status=Status.REVIEWED, version=F("version") + 1)
    audit.record(
        "reopen",
        "Assessment",
        object_id=",".join(ids),
        person=str(person.pk),
        summary=f"{person.email}, cycle {cycle.name}: reopened: {reason}"[:500],
        old={"status": Status.SIGNED_OFF.value},
        new={"status": Status.REVIEWED.value, "reason": reason},
    )
    return len(ids)
