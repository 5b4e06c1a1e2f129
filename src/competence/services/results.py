"""What the results pages, the team view and the API show: plain data, computed by the domain."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from competence.data import load_catalogue
from competence.domain.analysis import assess
from competence.domain.ratings import Rating
from competence.services.records import KIND_ORDER, domain_ratings, history
from competence.store.models import Assessment, AuditEntry, Person
from competence.store.models import Rating as RatingRow

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


def counting_ratings(people: Iterable[int]) -> dict[int, dict[int, Levels]]:
    """Each person's (knowledge, application) in the assessment that counts, in two queries.

    Plain tuples: the team view reads thousands of them on every request.
    """
    ids = list(people)
    best: dict[int, tuple[tuple[Any, ...], int]] = {}
    order = {str(kind): -rank for kind, rank in KIND_ORDER.items()}
    for pk, person_id, kind, opens_on, cycle in (
        Assessment.objects.filter(person_id__in=ids)
        .exclude(status="draft")
        .values_list("id", "person_id", "kind", "cycle__opens_on", "cycle__name")
    ):
        key = (opens_on, cycle, order[kind])
        if person_id not in best or key > best[person_id][0]:
            best[person_id] = (key, pk)
    by_assessment = {pk: person_id for person_id, (_, pk) in best.items()}
    out: dict[int, dict[int, Levels]] = {pk: {} for pk in ids}
    rows = RatingRow.objects.filter(assessment_id__in=list(by_assessment)).values_list(
        "assessment_id", "competence", "knowledge", "application"
    )
    for assessment_id, competence, knowledge, application in rows.iterator(chunk_size=5000):
        out[by_assessment[assessment_id]][competence] = (knowledge, application)
    return out


_FIGURES: OrderedDict[tuple[str, int], tuple[Any, ...]] = OrderedDict()
_FIGURES_LOCK = threading.Lock()
_FIGURES_KEPT = 8


def _team_figures(people: QuerySet[Person]) -> tuple[Any, ...]:
    """Everyone's (id, context), their ratings, and coverage: kept per query until anything
    changes. Every change to people, assessments and ratings adds an audit entry (a bulk import
    one of its own), so the newest audit entry's id tells when the figures are stale."""
    latest = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        key = (str(people.query), latest)
    except EmptyResultSet:  # a query that matches nobody by construction
        return _compute_team_figures(people)
    with _FIGURES_LOCK:
        if key in _FIGURES:
            _FIGURES.move_to_end(key)
            return _FIGURES[key]
    figures = _compute_team_figures(people)
    with _FIGURES_LOCK:
        _FIGURES[key] = figures
        while len(_FIGURES) > _FIGURES_KEPT:
            _FIGURES.popitem(last=False)
    return figures


def _compute_team_figures(people: QuerySet[Person]) -> tuple[Any, ...]:
    catalogue = load_catalogue()
    officer, specialist = catalogue.profile(OFFICER), catalogue.profile(SPECIALIST)
    # Everyone as (id, context): model instances only for the page shown.
    everyone = list(people.order_by("name", "email").values_list("id", "context").distinct())
    ratings = counting_ratings(pk for pk, _ in everyone)
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
    for pk, context in everyone:
        rated = ratings[pk]
        for number, tk, ta, spec_target in targets[context]:
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
    return everyone, ratings, coverage


def team_summary(people: QuerySet[Person], page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """The heatmap rows for one page of people, and coverage per competence for all of them."""
    catalogue = load_catalogue()
    officer = catalogue.profile(OFFICER)
    competences = catalogue.framework.competences
    everyone, ratings, coverage = _team_figures(people)
    pages = max(1, -(-len(everyone) // per_page))
    page = min(max(1, page), pages)
    page_ids = [pk for pk, _ in everyone[(page - 1) * per_page : page * per_page]]
    found = Person.objects.filter(id__in=page_ids).select_related(
        "team__parent__parent", "assessor"
    )
    by_id = {p.pk: p for p in found}
    shown = [by_id[pk] for pk in page_ids]
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
