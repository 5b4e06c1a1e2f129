"""The two-way review: the people an assessor reviews; one person's cycle side by side (the
self-assessment, the assessor's ratings, the agreed ones, the comments and the person's answers);
the assessor sending their ratings to the person; and the person answering them, accepting or
replying per competence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from competence.domain import review as rules
from competence.domain import workflow
from competence.domain.errors import InputError, WorkflowError
from competence.domain.framework import AXES
from competence.domain.ratings import Rating, unrated
from competence.domain.team import disagreement
from competence.domain.workflow import Kind, Status
from competence.services import catalogue, notify, policy, profiles, records
from competence.store import audit
from competence.store.models import Assessment, Comment, Cycle, Person, Reply
from competence.store.models import Rating as RatingRow


def people_to_review(user: policy.User, cycle: Cycle | None) -> list[dict[str, Any]]:
    """The people ``user`` reviews, each with the status of their assessments in ``cycle``."""
    people = [p for p in policy.visible_people(user) if policy.can_review(user, p)]
    statuses = (
        {
            (person_id, kind): status
            for person_id, kind, status in Assessment.objects.filter(
                person__in=people, cycle=cycle
            ).values_list("person_id", "kind", "status")
        }
        if cycle
        else {}
    )
    return [
        {
            "person": p,
            "self": statuses.get((p.pk, Kind.SELF)),
            "assessor": statuses.get((p.pk, Kind.ASSESSOR)),
            "agreed": statuses.get((p.pk, Kind.AGREED)),
        }
        for p in people
    ]


def _levels(rating: RatingRow | None) -> tuple[int | None, int | None] | None:
    return None if rating is None else (rating.knowledge, rating.application)


@dataclass
class Sheet:
    """One person's cycle, as the review page shows it."""

    own: Assessment | None
    theirs: Assessment | None
    agreed: Assessment | None
    ratings: dict[str, dict[int, RatingRow]] = field(default_factory=dict)
    comments: dict[int, list[Comment]] = field(default_factory=dict)
    replies: dict[int, Reply] = field(default_factory=dict)

    @property
    def locked(self) -> bool:
        return workflow.cycle_locked(a.status for a in self.assessments if a is not None)

    @property
    def editable(self) -> bool:
        """The assessor may still change their ratings and comments: they have not sent them
        to the person yet, and nothing is signed off."""
        theirs = self.theirs.status if self.theirs is not None else Status.DRAFT
        return workflow.editable(theirs) and not self.locked

    @property
    def assessments(self) -> tuple[Assessment | None, ...]:
        return (self.own, self.theirs, self.agreed)

    def disagrees(self, number: int) -> bool:
        """Self and assessor ratings differ by 2 levels or more on an axis."""
        return disagreement(
            _levels(self.ratings[Kind.SELF].get(number)),
            _levels(self.ratings[Kind.ASSESSOR].get(number)),
        )

    def levels(self, kind: str, number: int) -> tuple[int | None, int | None] | None:
        return _levels(self.ratings[kind].get(number))

    def differs(self, number: int) -> bool:
        """The assessor rated the competence other than the person did."""
        return rules.differs(self.levels(Kind.SELF, number), self.levels(Kind.ASSESSOR, number))

    @property
    def shared(self) -> bool:
        """The assessor's ratings are sent to the person."""
        return workflow.shared(self.theirs.status if self.theirs else None)

    @property
    def answered(self) -> bool:
        """The person has answered them."""
        return self.theirs is not None and self.theirs.status in (
            Status.REVIEWED,
            Status.SIGNED_OFF,
        )

    def can(self, step: str) -> bool:
        """Whether the review page offers a step: it would be allowed now."""
        if self.locked:
            return False
        if step == "send":  # the assessor's ratings go to the person; the self-assessment is
            return (  # reviewed
                self.own is not None and self.own.status == Status.SUBMITTED and self.editable
            )
        if step == "answer":
            return self.theirs is not None and self.theirs.status == Status.SUBMITTED
        if step == "agree":
            return self.theirs is not None and workflow.agree_blocked(self.theirs.status) is None
        if step == "sign-off":
            return self.agreed is not None and self.agreed.status == Status.REVIEWED
        return False


def sheet(person: Person, cycle: Cycle) -> Sheet:
    found = {
        a.kind: a
        for a in Assessment.objects.filter(person=person, cycle=cycle)
        .select_related("cycle", "person")
        .prefetch_related("ratings", "comments")
    }
    out = Sheet(found.get(Kind.SELF), found.get(Kind.ASSESSOR), found.get(Kind.AGREED))
    for kind in workflow.KINDS:
        a = found.get(kind)
        out.ratings[kind] = {r.competence: r for r in a.ratings.all()} if a else {}
    for a in found.values():
        for comment in a.comments.all():
            out.comments.setdefault(comment.competence, []).append(comment)
    if out.theirs is not None:
        out.replies = {r.competence: r for r in out.theirs.replies.all()}
    return out


def with_self_ratings(
    given: Mapping[int, Rating], found: Sheet, numbers: set[int] | None
) -> dict[int, Rating]:
    """The assessor's ratings with the self ratings copied in, on an explicit click: into the
    competences ``numbers`` names, or (None: "copy all") into every one the assessor has not
    rated on either axis. The assessor's comments and evidence stay theirs."""
    out = dict(given)
    for n, own in found.ratings[Kind.SELF].items():
        current = out.get(n)
        if current is None:  # not one of the competences reviewed
            continue
        if (not current.rated) if numbers is None else (n in numbers):
            out[n] = Rating(own.knowledge, own.application, current.evidence)
    return out


def send(person: Person, cycle: Cycle) -> Assessment:
    """The assessor sends their ratings and comments to the person (their assessment is
    submitted, and can no longer change) and marks the self-assessment reviewed; the person is
    told, and answers on their results page. The assessor rates every competence that applies
    first (the copy buttons take the self ratings), so that the ratings the person answers, and
    that are agreed, are whole."""
    with transaction.atomic():
        own = records.assessment_of(person, cycle, Kind.SELF)
        theirs = records.assessment_of(person, cycle, Kind.ASSESSOR)
        if own is None or own.status != Status.SUBMITTED:
            raise WorkflowError(
                f"{person.email}, cycle {cycle.name}: there is no submitted self-assessment "
                "to review"
            )
        axes = profiles.catalogue_for(person.profile).framework.axes
        applicable = catalogue.applicable(person.profile, person.context)
        ratings = records.domain_ratings(theirs) if theirs is not None else {}
        missing = set(unrated((c["number"] for c in applicable), ratings, axes))
        left = [f"{c['number']}. {c['name']}" for c in applicable if c["number"] in missing]
        if theirs is None or left:
            shown = "; ".join(left[:5]) + ("; …" if len(left) > 5 else "")
            on = "on both axes" if len(axes) == 2 else f"on {axes[0]}"
            raise WorkflowError(
                f"{person.email}, cycle {cycle.name}: rate every competence that applies, "
                f"{on}, before you send your review (or copy the self ratings): "
                f"{len(left)} not rated yet: {shown}"
            )
        records.submit(theirs)
        records.review(own)
    return theirs


def answer(theirs: Assessment, given: Mapping[int, rules.Answer]) -> list[Reply]:
    """The person answers the assessor's ratings: each competence the assessor rated is
    accepted, or replied to (``given``; the rest are accepted). The answers are kept (audited),
    the assessor's assessment becomes ``reviewed`` (the person's side of the review), and the
    assessor is told."""
    if theirs.kind != Kind.ASSESSOR:
        raise InputError("only the assessor's ratings are answered")
    framework = profiles.catalogue_for(theirs.person.profile).framework
    names = {c.number: c.name for c in framework.competences}
    with transaction.atomic():
        theirs.refresh_from_db()
        found = sheet(theirs.person, theirs.cycle)
        asked = set(found.ratings[Kind.ASSESSOR])
        try:
            chosen = rules.answers(asked, given, names, {n for n in asked if found.differs(n)})
        except ValueError as exc:
            raise InputError(exc.args[0]) from None
        records.review(theirs)  # refused unless the ratings were sent and are not answered yet
        actor, now = audit.current_actor(), timezone.now()
        made = Reply.objects.bulk_create(
            Reply(
                assessment=theirs,
                competence=n,
                accepted=a.accepted,
                text=a.reply,
                author=actor,
                at=now,
            )
            for n, a in chosen.items()
        )
        for reply in made:
            audit.record(
                "create",
                "Reply",
                object_id=str(reply.pk),
                person=str(theirs.person_id),
                summary=f"{theirs}: {'accepted' if reply.accepted else 'replied on'} "
                f"{reply.competence}",
                new={"competence": reply.competence, "accepted": reply.accepted,
                     "text": reply.text},
            )  # fmt: skip
    notify.answered(theirs, sum(1 for r in made if not r.accepted))
    return made


def answer_by_name(
    person: Person, cycle_name: str, accepted: Iterable[str], replies: Iterable[tuple[str, str]]
) -> list[Reply]:
    """:func:`answer`, with the competences named by number or slug (the command line's
    ``--accept N`` and ``--reply N TEXT``), on the person's assessor's ratings of a cycle."""
    cycle = records.find_cycle(cycle_name)
    theirs = records.assessment_of(person, cycle, Kind.ASSESSOR)
    if theirs is None:
        raise InputError(f"{person.email}: no assessor's ratings in cycle {cycle_name!r}")
    framework = profiles.catalogue().framework
    given: dict[int, rules.Answer] = {}
    problems = []
    pairs = [(k, rules.ACCEPTED, "--accept") for k in accepted]
    pairs += [(k, rules.Answer(False, text), "--reply") for k, text in replies]
    for key, said, option in pairs:
        competence = framework.find(key)
        if competence is None:
            problems.append(f"{option}: no competence {key!r}")
        elif competence.number in given:
            problems.append(f"{option}: {competence.name} is answered twice")
        else:
            given[competence.number] = said
    if problems:
        raise InputError(problems)
    return answer(theirs, given)


def _pair(
    levels: tuple[int | None, int | None] | None, axes: tuple[str, ...]
) -> dict[str, int | None] | None:
    """(knowledge, application) as a mapping over the framework's own axes."""
    if levels is None:
        return None
    return {axis: value for axis, value in zip(AXES, levels, strict=True) if axis in axes}


def review_data(person: Person, cycle: Cycle | None) -> dict[str, Any] | None:
    """The review as the person sees it (their results page, the API): per competence the self
    rating, the assessor's, the difference, the comments and the answer. None until the
    assessor has sent their ratings (a draft is the assessor's alone)."""
    if cycle is None:
        return None
    assessor = next(
        (
            a
            for a in records.assessments_in_order(person)
            if a.cycle_id == cycle.pk and a.kind == Kind.ASSESSOR
        ),
        None,
    )
    if assessor is None or not workflow.shared(assessor.status):
        return None  # the sheet is read only when there is a review to show
    found = sheet(person, cycle)
    if not found.shared or found.theirs is None:
        return None
    framework = profiles.catalogue_for(person.profile).framework
    names = {c.number: (c.slug, c.name) for c in framework.competences}
    axes = framework.axes
    rated = sorted(set(found.ratings[Kind.ASSESSOR]) | set(found.comments))
    competences = []
    for n in rated:
        own, theirs = found.levels(Kind.SELF, n), found.levels(Kind.ASSESSOR, n)
        reply = found.replies.get(n)
        competences.append(
            {
                "number": n,
                "slug": names[n][0],
                "name": names[n][1],
                "self": _pair(own, axes),
                "assessor": _pair(theirs, axes),
                "difference": _pair(rules.difference(own, theirs), axes),
                "differs": rules.differs(own, theirs),
                "comments": [
                    {"author": c.author, "text": c.text, "at": c.at.isoformat()}
                    for c in found.comments.get(n, [])
                ],
                "answer": None
                if reply is None
                else {
                    "accepted": reply.accepted,
                    "reply": reply.text,
                    "author": reply.author,
                    "at": reply.at.isoformat(),
                },
            }
        )
    return {
        "cycle": cycle.name,
        "assessment": found.theirs.pk,
        "status": found.theirs.status,
        "answered": found.answered,
        "can_answer": found.can("answer"),
        "axes": list(axes),
        "differences": sum(1 for c in competences if c["differs"]),
        "competences": competences,
    }


def sheet_data(person: Person, cycle: Cycle, *, can_reopen: bool = False) -> dict[str, Any]:
    """The review page's sheet as data (the API's): per competence that applies, the self, the
    assessor's and the agreed ratings, whether they differ (``far``: by 2 levels or more), the
    comments and the person's answer; the statuses, and which steps the page offers now.
    ``can_reopen`` is whether the viewer may reopen (admins), when the cycle is locked."""
    found = sheet(person, cycle)
    axes = profiles.catalogue_for(person.profile).framework.axes

    def pair(kind: str, n: int) -> dict[str, int | None] | None:
        return _pair(found.levels(kind, n), axes)

    competences = []
    for c in catalogue.applicable(person.profile, person.context):
        n = c["number"]
        reply = found.replies.get(n)
        competences.append(
            {
                "number": n,
                "slug": c["slug"],
                "name": c["name"],
                "self": pair(Kind.SELF, n),
                "assessor": pair(Kind.ASSESSOR, n),
                "agreed": pair(Kind.AGREED, n),
                "far": found.disagrees(n),
                "differs": found.differs(n),
                "comments": [
                    {"author": m.author, "text": m.text, "at": m.at.isoformat()}
                    for m in found.comments.get(n, [])
                ],
                "answer": None
                if reply is None
                else {"accepted": reply.accepted, "reply": reply.text},
            }
        )
    return {
        "person": person.email,
        "cycle": cycle.name,
        "statuses": {
            kind: (a.status if a is not None else None)
            for kind, a in zip(workflow.KINDS, found.assessments, strict=True)
        },
        "version": records.version_of(found.theirs),
        "editable": found.editable,
        "locked": found.locked,
        "shared": found.shared,
        "answered": found.answered,
        "can_send": found.can("send"),
        "can_agree": found.can("agree"),
        "can_sign_off": found.can("sign-off"),
        "can_reopen": found.locked and can_reopen,
        "competences": competences,
    }
