"""What the results pages, the team view and the API show: plain data, computed by the domain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from competence.data import load_catalogue
from competence.domain.analysis import assess
from competence.domain.ratings import Rating
from competence.services.records import KIND_ORDER, domain_ratings, history
from competence.web.models import Assessment, Person
from competence.web.models import Rating as RatingRow

SPECIALIST, OFFICER = "pmo-specialist", "pmo-officer"


def counting_assessment(person: Person) -> Assessment | None:
    """The assessment that counts: the latest cycle's agreed, else assessor, else self.

    Drafts do not count: an assessor's unfinished ratings are nobody's result yet.
    """
    assessments = list(person.assessments.exclude(status="draft").select_related("cycle"))
    if not assessments:
        return None
    return max(
        assessments,
        key=lambda a: (a.cycle.opens_on, a.cycle.name, -KIND_ORDER[Assessment.Kind(a.kind)]),
    )


def person_data(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "email": person.email,
        "employee_id": person.employee_id,
        "team": person.team.path if person.team else None,
        "context": person.context,
        "profile": person.profile,
        "assessor": person.assessor.email if person.assessor else None,
    }


def assessment_data(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "cycle": assessment.cycle.name,
        "kind": assessment.kind,
        "status": assessment.status,
        "assessed_on": assessment.assessed_on.isoformat(),
        "profile": assessment.profile,
        "context": assessment.context,
        "signed_off_by": assessment.signed_off_by or None,
        "signed_off_at": assessment.signed_off_at.isoformat() if assessment.signed_off_at else None,
    }


def person_results(person: Person) -> dict[str, Any]:
    """Both verdicts on the assessment that counts, and the history."""
    catalogue = load_catalogue()
    assessment = counting_assessment(person)
    ratings = domain_ratings(assessment) if assessment else {}
    context = assessment.context if assessment else person.context
    officer = assess(catalogue, OFFICER, context, ratings, person.email)
    specialist = assess(catalogue, SPECIALIST, context, ratings, person.email)
    return {
        "person": person_data(person),
        "assessment": assessment_data(assessment) if assessment else None,
        "officer": officer.as_dict(),
        "specialist": specialist.as_dict(),
        "evidence": [
            {"number": n, "evidence": r.evidence} for n, r in sorted(ratings.items()) if r.evidence
        ],
        "history": history(person),
    }


@dataclass(frozen=True)
class TeamRow:
    person: Person
    ratings: dict[int, Rating]
    officer_met: bool
    specialist_met: bool


Levels = tuple[int | None, int | None]


def counting_ratings(people: Iterable[Person]) -> dict[int, dict[int, Levels]]:
    """Each person's (knowledge, application) in the assessment that counts, in two queries.

    Plain tuples: the team view reads thousands of them on every request.
    """
    ids = [p.pk for p in people]
    best: dict[int, tuple[tuple[Any, ...], int]] = {}
    for a in (
        Assessment.objects.filter(person_id__in=ids)
        .exclude(status="draft")
        .select_related("cycle")
        .only("id", "person_id", "kind", "cycle__opens_on", "cycle__name")
    ):
        key = (a.cycle.opens_on, a.cycle.name, -KIND_ORDER[Assessment.Kind(a.kind)])
        if a.person_id not in best or key > best[a.person_id][0]:
            best[a.person_id] = (key, a.pk)
    by_assessment = {pk: person_id for person_id, (_, pk) in best.items()}
    out: dict[int, dict[int, Levels]] = {pk: {} for pk in ids}
    rows = RatingRow.objects.filter(assessment_id__in=list(by_assessment)).values_list(
        "assessment_id", "competence", "knowledge", "application"
    )
    for assessment_id, competence, knowledge, application in rows.iterator(chunk_size=5000):
        out[by_assessment[assessment_id]][competence] = (knowledge, application)
    return out


def team_summary(people: QuerySet[Person], page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """The heatmap rows for one page of people, and coverage per competence for all of them."""
    catalogue = load_catalogue()
    officer, specialist = catalogue.profile(OFFICER), catalogue.profile(SPECIALIST)
    everyone = list(people.select_related("team").order_by("name", "email"))
    ratings = counting_ratings(everyone)
    competences = catalogue.framework.competences
    coverage: dict[int, dict[str, int]] = {
        c.number: {"applies_to": 0, "rated": 0, "meets_officer": 0, "at_specialist": 0}
        for c in competences
    }
    targets = {
        context: [
            (
                c.number,
                req.target.knowledge,
                req.target.application,
                spec.target if (spec := specialist.requirement(c.number)) else None,
            )
            for c in competences
            if (req := officer.requirement(c.number)) is not None and req.applies_in(context)
        ]
        for context in ("project", "programme", "portfolio")
    }
    for person in everyone:
        rated = ratings[person.pk]
        for number, tk, ta, spec_target in targets[person.context]:
            cell = coverage[number]
            cell["applies_to"] += 1
            levels = rated.get(number)
            if levels is None or levels == (None, None):
                continue
            cell["rated"] += 1
            k, a = levels[0] or 0, levels[1] or 0
            if k >= tk and a >= ta:
                cell["meets_officer"] += 1
            if spec_target and k >= spec_target.knowledge and a >= spec_target.application:
                cell["at_specialist"] += 1
    pages = max(1, -(-len(everyone) // per_page))
    page = min(max(1, page), pages)
    shown = everyone[(page - 1) * per_page : page * per_page]
    rows = []
    for person in shown:
        page_ratings = {n: Rating(k, a) for n, (k, a) in ratings[person.pk].items()}
        rows.append(
            {
                **person_data(person),
                "meets_officer": assess(
                    catalogue, OFFICER, person.context, page_ratings
                ).meets_profile,
                "meets_specialist": assess(
                    catalogue, SPECIALIST, person.context, page_ratings
                ).meets_profile,
                "ratings": {
                    str(n): {"knowledge": r.knowledge, "application": r.application}
                    for n, r in sorted(page_ratings.items())
                },
                "targets": {
                    str(c.number): (
                        {"knowledge": req.target.knowledge, "application": req.target.application}
                        if (req := officer.requirement(c.number)) and req.applies_in(person.context)
                        else None
                    )
                    for c in competences
                },
            }
        )
    return {
        "people_count": len(everyone),
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "people": rows,
        "coverage": [
            {"number": c.number, "slug": c.slug, "name": c.name, **coverage[c.number]}
            for c in competences
        ],
    }


def private_summary(
    summary: dict[str, Any], *, individuals: bool, min_group: int
) -> dict[str, Any]:
    """What of a team summary someone may see: without individuals, no names or rows; and
    below the minimum group size, no figures either."""
    if individuals:
        return {**summary, "individuals": True, "hidden": False}
    hidden = summary["people_count"] < min_group
    return {
        **summary,
        "people": [],
        "pages": 1,
        "page": 1,
        "coverage": [] if hidden else summary["coverage"],
        "individuals": False,
        "hidden": hidden,
        "min_group": min_group,
    }
