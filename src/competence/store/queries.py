"""Queries that several services share. The rules they apply are the domain's: which assessment
counts (:mod:`competence.domain.workflow`) and a team's subtree (:mod:`competence.domain.teams`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from competence.domain import workflow
from competence.domain.contexts import CONTEXTS
from competence.domain.team import Group, Levels
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


def _kind_order() -> Case:
    """Each kind's place in :data:`workflow.COUNTING_ORDER`, in SQL."""
    return Case(
        *(When(kind=k.value, then=Value(i)) for i, k in enumerate(workflow.COUNTING_ORDER)),
        output_field=IntegerField(),
    )


def counting_assessments(
    people: QuerySet[Person], cycle: int | None = None
) -> QuerySet[Assessment]:
    """These people's counting assessments as one query, to use as a subquery (no list of ids):
    :func:`workflow.counting` in SQL, each person's assessment that counts (not a draft; in
    ``cycle``, a cycle's id, when given) and sorts last by :func:`workflow.counting_rank`, the
    latest cycle first, then the first kind in :data:`workflow.COUNTING_ORDER`."""
    counted = Assessment.objects.filter(status__in=workflow.COUNTED)
    if cycle is not None:
        counted = counted.filter(cycle_id=cycle)
    best = (
        counted.filter(person_id=OuterRef("person_id"))
        .order_by("-cycle__opens_on", "-cycle__name", _kind_order().asc())
        .values("id")[:1]
    )
    return counted.filter(
        person_id__in=people.order_by().values("pk"), id=Subquery(best)
    ).order_by()


def counting_assessment_ids(person_ids: Iterable[int], cycle: int | None = None) -> dict[int, int]:
    """Each person's counting assessment id (people with none are left out), from one query;
    with ``cycle`` (a cycle's id), the one that counts in that cycle."""
    people = Person.objects.filter(pk__in=list(person_ids))
    return dict(counting_assessments(people, cycle).values_list("person_id", "id"))


_NOT_RATED = 7
"""A level's place in a group's key when it is not rated (levels run from 0 to 5)."""
_COMPETENCES = 1 << 20
"""More than any framework's competence numbers."""


def _group_key() -> Any:
    """(context, competence, knowledge, application) as one integer: SQLite sorts one integer
    key for a ``GROUP BY`` in about half the time of four columns."""
    context = Case(
        *(When(assessment__person__context=c, then=Value(i)) for i, c in enumerate(CONTEXTS)),
        output_field=IntegerField(),
    )
    knowledge = Coalesce(F("knowledge"), Value(_NOT_RATED))
    application = Coalesce(F("application"), Value(_NOT_RATED))
    return ((context * _COMPETENCES + F("competence")) * 8 + knowledge) * 8 + application


def grouped_levels(people: QuerySet[Person], cycle: int | None = None) -> list[Group]:
    """The ratings of these people's counting assessments counted together by the person's
    context, the competence and the two levels (:data:`competence.domain.team.Group`): one
    ``GROUP BY``, a few thousand rows at most, whatever the number of people."""
    rows = (
        RatingRow.objects.filter(assessment__in=counting_assessments(people, cycle).values("id"))
        .order_by()
        .annotate(key=_group_key())
        .values_list("key")
        .annotate(count=Count("id"))
    )
    out: list[Group] = []
    for key, count in rows:
        key, application = divmod(key, 8)
        key, knowledge = divmod(key, 8)
        context, competence = divmod(key, _COMPETENCES)
        out.append(
            (
                CONTEXTS[context],
                competence,
                None if knowledge == _NOT_RATED else knowledge,
                None if application == _NOT_RATED else application,
                count,
            )
        )
    return out


def counting_levels_of(
    people: QuerySet[Person], cycle: int | None = None
) -> tuple[dict[int, int | None], dict[int, dict[int, Levels]]]:
    """For these people (a query, never a list of ids), the profile version each one's counting
    assessment records (None: none recorded; people with no counting assessment are left out),
    and their (knowledge, application) per competence in it: two queries."""
    counting = counting_assessments(people, cycle)
    pins: dict[int, int | None] = dict(counting.values_list("person_id", "profile_version_id"))
    levels: dict[int, dict[int, Levels]] = {pk: {} for pk in pins}
    rows = (
        RatingRow.objects.filter(assessment__in=counting.values("id"))
        .order_by()  # in no order: sorting every rating row costs more than reading it
        .values_list("assessment__person_id", "competence", "knowledge", "application")
    )
    for person_id, competence, knowledge, application in rows.iterator(chunk_size=5000):
        levels[person_id][competence] = (knowledge, application)
    return pins, levels


def people_groups(people: QuerySet[Person]) -> dict[tuple[str, str], int]:
    """How many of these people have each (context, profile slug), from one ``GROUP BY``."""
    rows = (
        Person.objects.filter(pk__in=people.order_by().values("pk"))
        .order_by()
        .values_list("context", "profile")
        .annotate(count=Count("id"))
    )
    return {(context, profile): count for context, profile, count in rows}


def versions_recorded(
    people: QuerySet[Person], cycle: int | None = None
) -> dict[tuple[int, str], int]:
    """How many of these people's counting assessments record each profile version, by (its
    id, the person's profile slug), from one ``GROUP BY``; those that record none are left
    out."""
    rows = (
        counting_assessments(people, cycle)
        .filter(profile_version__isnull=False)
        .values_list("profile_version_id", "person__profile")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {(version_id, profile): count for version_id, profile, count in rows}


def lone_holder_names(
    people: QuerySet[Person],
    found: dict[int, tuple[str, int | None, int | None]],
    cycle: int | None = None,
) -> dict[int, tuple[int, str]]:
    """For each competence of ``found`` (its number: the context and levels of the one person
    who holds it, :func:`competence.domain.team.lone_holders`), that person's id and name, from
    one query."""
    if not found:
        return {}
    which = Q()
    for number, (context, knowledge, application) in found.items():
        which |= Q(
            competence=number,
            knowledge=knowledge,
            application=application,
            assessment__person__context=context,
        )
    rows = (
        RatingRow.objects.filter(assessment__in=counting_assessments(people, cycle).values("id"))
        .filter(which)
        .order_by()
        .values_list("competence", "assessment__person_id", "assessment__person__name")
    )
    return {number: (pk, name) for number, pk, name in rows}


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
