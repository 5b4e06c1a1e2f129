"""Queries that several services share. The rules they apply are the domain's: which assessment
counts (:mod:`competence.domain.workflow`) and a team's subtree (:mod:`competence.domain.teams`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from competence.domain import workflow
from competence.domain.team import Levels
from competence.domain.teams import TeamNode, TeamTree
from competence.store import scope
from competence.store.models import Assessment, Person, Team
from competence.store.models import Rating as RatingRow


def team_tree() -> TeamTree:
    """Every team, from one query (once per request)."""
    return scope.once(
        "team-tree",
        lambda: TeamTree.of(
            TeamNode(pk, name, parent, pmo)
            for pk, name, parent, pmo in Team.objects.values_list(
                "id", "name", "parent_id", "pmo_id"
            )
        ),
    )


def in_teams(people: QuerySet[Person], team_ids: Iterable[int]) -> QuerySet[Person]:
    """The people in these teams or any team below them."""
    return people.filter(team_id__in=sorted(team_tree().subtree(team_ids)))


def _facts(a: Assessment) -> tuple[workflow.CycleKey, str, str]:
    return (a.cycle.opens_on, a.cycle.name), a.kind, a.status


def counting_assessment(person: Person) -> Assessment | None:
    """The assessment of this person's that counts (see :func:`workflow.counting`), with its
    cycle and profile version; read once per request (:mod:`competence.store.scope`)."""
    return scope.once(
        ("counting-assessment", person.pk),
        lambda: workflow.counting(
            person.assessments.select_related("cycle", "profile_version"), _facts
        ),
    )


def counting_per_cycle(assessments: Iterable[Assessment]) -> list[Assessment]:
    """The assessment that counts in each cycle (the assessments with their cycle loaded)."""
    return workflow.counting_per_cycle(assessments, _facts)


def _row_facts(row: tuple[Any, ...]) -> tuple[workflow.CycleKey, str, str]:
    _, _, kind, status, opens_on, cycle = row
    return (opens_on, cycle), kind, status


def counting_assessment_ids(person_ids: Iterable[int]) -> dict[int, int]:
    """Each person's counting assessment id (people with none are left out), from one query."""
    by_person: dict[int, list[tuple[Any, ...]]] = {}
    for row in Assessment.objects.filter(person_id__in=list(person_ids)).values_list(
        "id", "person_id", "kind", "status", "cycle__opens_on", "cycle__name"
    ):
        by_person.setdefault(row[1], []).append(row)
    out = {}
    for person_id, rows in by_person.items():
        best = workflow.counting(rows, _row_facts)
        if best is not None:
            out[person_id] = best[0]
    return out


def judged_version_ids(
    person_ids: Iterable[int], chosen: dict[int, int] | None = None
) -> dict[int, int | None]:
    """Each person's counting assessment's profile version (None when it records none; people
    with no assessment are left out), from two queries (one when ``chosen`` gives their
    :func:`counting_assessment_ids`)."""
    if chosen is None:
        chosen = counting_assessment_ids(person_ids)
    pins = dict(
        Assessment.objects.filter(pk__in=list(chosen.values())).values_list(
            "id", "profile_version_id"
        )
    )
    return {person_id: pins.get(aid) for person_id, aid in chosen.items()}


def counting_levels(
    person_ids: Iterable[int], chosen: dict[int, int] | None = None
) -> dict[int, dict[int, Levels]]:
    """Each person's (knowledge, application) per competence in the assessment that counts
    (``chosen``: their :func:`counting_assessment_ids`, when the caller has them already).

    Plain tuples: the team view reads thousands of them on every request.
    """
    ids = list(person_ids)
    if chosen is None:
        chosen = counting_assessment_ids(ids)
    by_assessment = {aid: pid for pid, aid in chosen.items()}
    out: dict[int, dict[int, Levels]] = {pk: {} for pk in ids}
    rows = RatingRow.objects.filter(assessment_id__in=list(by_assessment)).values_list(
        "assessment_id", "competence", "knowledge", "application"
    )
    for assessment_id, competence, knowledge, application in rows.iterator(chunk_size=5000):
        out[by_assessment[assessment_id]][competence] = (knowledge, application)
    return out
