"""What an assessor reviews: the people they review, and one person's cycle side by side (the
self-assessment, the assessor's ratings, the agreed ones and the comments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from competence.domain import workflow
from competence.domain.team import disagreement
from competence.domain.workflow import Kind
from competence.services import policy
from competence.store.models import Assessment, Comment, Cycle, Person
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

    @property
    def editable(self) -> bool:
        """The assessor may still change their ratings: nothing is signed off yet."""
        return not workflow.cycle_locked(a.status for a in self.assessments if a is not None)

    @property
    def assessments(self) -> tuple[Assessment | None, ...]:
        return (self.own, self.theirs, self.agreed)

    def disagrees(self, number: int) -> bool:
        """Self and assessor ratings differ by 2 levels or more on an axis."""
        return disagreement(
            _levels(self.ratings[Kind.SELF].get(number)),
            _levels(self.ratings[Kind.ASSESSOR].get(number)),
        )

    def can(self, step: str) -> bool:
        """Whether the review page offers a step: it would be allowed now."""
        if step == "review":
            return self.own is not None and self.own.status == workflow.Status.SUBMITTED
        if step == "agree":
            return self.theirs is not None and self.editable
        if step == "sign-off":
            return self.agreed is not None and self.agreed.status == workflow.Status.REVIEWED
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
    return out
