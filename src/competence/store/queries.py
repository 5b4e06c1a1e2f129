"""Queries that several services share. The rules they apply are the domain's: which assessment
counts (:mod:`competence.domain.workflow`) and a team's subtree (:mod:`competence.domain.teams`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
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
    _, _, kind, status, opens_on, cycle = row[:6]
    return (opens_on, cycle), kind, status


K = TypeVar("K")


def _counting_by(
    rows: Iterable[tuple[Any, ...]], key: Callable[[tuple[Any, ...]], K]
) -> dict[K, int]:
    """Of assessment rows (id, person, kind, status, the cycle's opening day and name), grouped
    by ``key``, the id of the one that counts in each group (:func:`workflow.counting`)."""
    grouped: dict[K, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    out = {}
    for group, found in grouped.items():
        best = workflow.counting(found, _row_facts)
        if best is not None:
            out[group] = best[0]
    return out


FACTS = ("id", "person_id", "kind", "status", "cycle__opens_on", "cycle__name")


def counting_assessment_ids(person_ids: Iterable[int], cycle: int | None = None) -> dict[int, int]:
    """Each person's counting assessment id (people with none are left out), from one query;
    with ``cycle`` (a cycle's id), the one that counts in that cycle."""
    rows = Assessment.objects.filter(person_id__in=list(person_ids))
    if cycle is not None:
        rows = rows.filter(cycle_id=cycle)
    return _counting_by(rows.values_list(*FACTS), lambda row: row[1])


def counting_per_cycle_ids(
    people: QuerySet[Person], cycle_ids: Iterable[int]
) -> dict[tuple[int, int], int]:
    """For each (person, cycle) of these people and cycles, the id of the assessment that
    counts in that cycle, from one query."""
    rows = (
        Assessment.objects.filter(
            person_id__in=people.values("pk"),
            cycle_id__in=list(cycle_ids),
            status__in=workflow.COUNTED,
        )
        .order_by()
        .values_list(*FACTS, "cycle_id")
    )
    return _counting_by(rows, lambda row: (row[1], row[6]))


def levels_per_cycle(
    people: QuerySet[Person], cycle_ids: Iterable[int]
) -> dict[int, dict[int, dict[int, Levels]]]:
    """Cycle id → person id → (knowledge, application) per competence, in the assessment that
    counts in that cycle: one query for the assessments and one pass over their ratings (the
    cycle in the SELECT), never a query per person."""
    cycles = list(cycle_ids)
    chosen = counting_per_cycle_ids(people, cycles)
    by_assessment = {aid: key for key, aid in chosen.items()}
    out: dict[int, dict[int, dict[int, Levels]]] = {c: {} for c in cycles}
    for person, cycle in chosen:
        out[cycle][person] = {}
    rows = (
        RatingRow.objects.filter(
            assessment__person_id__in=people.values("pk"),
            assessment__cycle_id__in=cycles,
            assessment__status__in=workflow.COUNTED,
        )
        .order_by()  # in no order: sorting 1.7 million rows costs more than reading them
        .values_list("assessment_id", "competence", "knowledge", "application")
    )
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return out
    # The ORM's own SQL, read with a plain cursor: the rows are plain values, and a trend at
    # 10,000 people over six cycles reads 1.7 million of them.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(5000):
            for assessment_id, competence, knowledge, application in batch:
                key = by_assessment.get(assessment_id)
                if key is not None:  # another kind's, in a cycle where a better one counts
                    out[key[1]][key[0]][competence] = (knowledge, application)
    return out


def judged_version_ids(
    person_ids: Iterable[int], *, chosen: dict[int, int] | None = None, cycle: int | None = None
) -> dict[int, int | None]:
    """Each person's counting assessment's profile version (None when it records none; people
    with no assessment are left out), from two queries (one when ``chosen`` gives their
    :func:`counting_assessment_ids`); with ``cycle``, in that cycle."""
    if chosen is None:
        chosen = counting_assessment_ids(person_ids, cycle)
    pins = dict(
        Assessment.objects.filter(pk__in=list(chosen.values())).values_list(
            "id", "profile_version_id"
        )
    )
    return {person_id: pins.get(aid) for person_id, aid in chosen.items()}


def counting_levels(
    person_ids: Iterable[int], *, chosen: dict[int, int] | None = None, cycle: int | None = None
) -> dict[int, dict[int, Levels]]:
    """Each person's (knowledge, application) per competence in the assessment that counts
    (``chosen``: their :func:`counting_assessment_ids`, when the caller has them already; with
    ``cycle``, the one that counts in that cycle; none there: no levels).

    Plain tuples: the team view reads thousands of them on every request.
    """
    ids = list(person_ids)
    if chosen is None:
        chosen = counting_assessment_ids(ids, cycle)
    by_assessment = {aid: pid for pid, aid in chosen.items()}
    out: dict[int, dict[int, Levels]] = {pk: {} for pk in ids}
    rows = (
        RatingRow.objects.filter(assessment_id__in=list(by_assessment))
        .order_by()  # in no order: sorting every rating row costs more than reading it
        .values_list("assessment_id", "competence", "knowledge", "application")
    )
    for assessment_id, competence, knowledge, application in rows.iterator(chunk_size=5000):
        out[by_assessment[assessment_id]][competence] = (knowledge, application)
    return out
