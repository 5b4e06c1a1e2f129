"""Streamed exports: people and ratings as rows (CSV, XLSX) and everything as one JSON document.

The rows come from one SQL join read as it comes, as tuples of cells (:func:`export_cells`): what
a plain SELECT written with ``csv.writer`` does, see docs/performance.md. The JSON document reads
a thousand people at a time, its rows as named tuples (still plain tuples). Memory stays bounded
whatever the size of the database. The JSON document comes back in through
:mod:`competence.services.document`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

from django.db import connection
from django.db.models import Case, CharField, F, QuerySet, TextField, When
from django.db.models.functions import Cast

from competence.data import load_catalogue
from competence.domain import workflow
from competence.domain.evidence import Confidence, confidence_words
from competence.errors import InputError, writing
from competence.formats import exports
from competence.services import profiles
from competence.services.bulk_ratings import NO_LINKS
from competence.services.teams import people_in
from competence.store.models import (
    Assessment,
    Cycle,
    FrameworkVersion,
    Person,
    PlanItem,
    Pmo,
    Team,
)
from competence.store.models import Rating as RatingRow
from competence.store.queries import team_tree
from competence.store.transactions import consistent_read

EXPORT_FORMAT = "competence-export"
"""The ``format`` field of a JSON export, which tells an import that a file is one."""
CHUNK = 1000  # people per query when exporting
_LINKS_TEXT = "links_text"  # what the rating queries call the links' stored JSON text


class PersonRecord(NamedTuple):
    """One person, as the export reads them (the fields are the model's)."""

    id: int
    email: str
    name: str
    employee_id: str | None
    team_id: int | None
    context: str
    profile: str
    assessor_id: int | None
    left_on: dt.date | None


class AssessmentRecord(NamedTuple):
    """One assessment with its cycle's name and opening date."""

    id: int
    person_id: int
    cycle_name: str
    cycle_opens_on: dt.date
    kind: str
    status: str
    assessed_on: dt.date
    framework_id: int
    profile: str
    context: str
    signed_off_by: str
    signed_off_at: dt.datetime | None


class RatingRecord(NamedTuple):
    """Every field of a rating, as the JSON export holds it (the links last, as
    :func:`_ratings_of` reads them)."""

    assessment_id: int
    competence: int
    knowledge: int | None
    application: int | None
    evidence: str
    confidence: int | None
    rated_by: str
    rated_at: dt.datetime
    evidence_links: Sequence[str]


AnyRecord = TypeVar("AnyRecord", PersonRecord, AssessmentRecord, RatingRecord)


def people_count(team: str | None = None) -> int:
    """How many people an export of this team (None: everyone) holds.

    An unknown team is an error, so callers ask this before they start writing.
    """
    return people_in(team).count()


def export_rows(
    team: str | None = None, history: bool = False, person: Person | None = None
) -> Iterator[dict[str, Any]]:
    """The rows of :func:`export_cells`, each as a dict keyed by its column's name."""
    columns = exports.EXPORT_COLUMNS
    for shared, own in export_cells(team, history, person):
        yield dict(zip(columns, (*shared, *own), strict=True))


def export_cells(
    team: str | None = None, history: bool = False, person: Person | None = None
) -> Iterator[exports.Cells]:
    """People and ratings, one row per rating, as the cells of
    :data:`~competence.formats.exports.EXPORT_COLUMNS` in two tuples: the assessment's (the same
    tuple for each of its ratings, so a writer can write them once) and the rating's own. The
    assessment that counts (:func:`competence.domain.workflow.counting`), or all of them with
    ``history``.

    One SQL join of ratings, assessments, people and cycles, read as it comes (memory bounded),
    in one snapshot (:func:`consistent_read`), so that what others save meanwhile is left out
    whole. Which assessment counts is decided beforehand, from the assessments alone.
    """
    with consistent_read():
        yield from _export_cells(team, history, person)


_KIND_ORDER = "kind_order"
_DAY_TEXT = "day_text"  # the assessment's date as ISO text, read as it is stored (no converter)
_EXPORTED = (  # the join's columns, the assessment's first (they change once an assessment)
    "assessment_id",
    "assessment__person__email",
    "assessment__person__name",
    "assessment__person__employee_id",
    "assessment__person__team_id",
    "assessment__person__context",
    "assessment__person__profile",
    "assessment__cycle__name",
    "assessment__kind",
    "assessment__status",
    _DAY_TEXT,
    "competence",
    "knowledge",
    "application",
    "evidence",
    "confidence",
    _LINKS_TEXT,
)


def _export_cells(
    team: str | None, history: bool, person: Person | None
) -> Iterator[exports.Cells]:
    builtin = {c.number: c.slug for c in load_catalogue().framework.competences}
    by_profile = {  # each profile's framework: a person's competence numbers are its items
        slug: {c.number: c.slug for c in framework.competences}
        for slug, (framework, _) in profiles.frameworks_by_profile().items()
    }
    words: dict[int | None, str] = {None: ""}
    words.update((c.value, confidence_words(c.value) or "") for c in Confidence)
    paths = team_tree().paths()
    ratings = RatingRow.objects.all()
    people = None
    if team or person is not None:
        people = people_in(team)
        if person is not None:
            people = people.filter(pk=person.pk)
        ratings = ratings.filter(assessment__person__in=people)
    chosen = None if history else _counting_ids(people)
    kind_order = Case(
        *(When(assessment__kind=k.value, then=i) for i, k in enumerate(workflow.COUNTING_ORDER))
    )
    query = (
        ratings.annotate(
            **{
                _LINKS_TEXT: Cast("evidence_links", TextField()),
                _DAY_TEXT: Cast("assessment__assessed_on", CharField()),
                _KIND_ORDER: kind_order,
            }
        )
        .order_by(
            "assessment__person__email",
            "assessment__cycle__opens_on",
            "assessment__cycle__name",
            _KIND_ORDER,
            "competence",
        )
        .values_list(*_EXPORTED)
    )
    # The ORM writes the join; its rows are read straight from the cursor, as the plain SELECT
    # of the floor reads them (every value is text or a number already: no converter to apply).
    sql, params = query.query.sql_with_params()
    current = None
    keep = False
    shared: tuple[Any, ...] = ()
    slugs = builtin
    loads = json.loads
    for row in _fetched(sql, params):
        if row[0] != current:  # the columns all its ratings share, made once
            current = row[0]
            keep = chosen is None or current in chosen
            email, name, employee_id, team_id, *facts = row[1:11]
            shared = (email, name, employee_id or "", paths[team_id] if team_id else "", *facts)
            slugs = by_profile.get(row[6], builtin)
        if keep:
            number, knowledge, application, evidence, confidence, links = row[11:]
            yield (
                shared,
                (
                    number,
                    slugs.get(number, ""),
                    "" if knowledge is None else knowledge,
                    "" if application is None else application,
                    evidence,
                    words[confidence],
                    "" if links == NO_LINKS else " ".join(loads(links)),
                ),
            )


def _fetched(sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of a query, read from the cursor a chunk at a time."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk


def _counting_ids(people: QuerySet[Person] | None) -> set[int]:
    """The ids of the assessments that count, one per person at most (drafts never count)."""
    assessments = Assessment.objects.all()
    if people is not None:
        assessments = assessments.filter(person__in=people)
    by_person: dict[int, list[tuple[Any, ...]]] = {}
    for row in assessments.values_list(
        "person_id", "id", "cycle__opens_on", "cycle__name", "kind", "status"
    ):
        by_person.setdefault(row[0], []).append(row)
    chosen: set[int] = set()
    for items in by_person.values():
        counting = workflow.counting(items, lambda a: ((a[2], a[3]), a[4], a[5]))
        if counting is not None:
            chosen.add(counting[1])
    return chosen


def iter_export_json(team: str | None = None) -> Iterator[str]:
    """The JSON export as pieces of text, read in chunks so that memory stays bounded.

    It uses natural keys only (emails, team paths, cycle names), in a stable order, so that
    exporting, importing into an empty database and exporting again gives the same document.
    Every query reads one snapshot (:func:`consistent_read`): an import that commits meanwhile is
    wholly in the document or wholly out of it.
    """
    with consistent_read():
        yield from _export_json(team)


def _export_json(team: str | None) -> Iterator[str]:
    paths = team_tree().paths()
    people = _people(team)
    ids = [p.id for p in people]
    emails = {p.id: p.email for p in people}
    team_ids: set[int] = set()
    parents = dict(Team.objects.values_list("id", "parent_id"))
    for p in people:
        node = p.team_id
        while node is not None:
            team_ids.add(node)
            node = parents[node]
    teams = Team.objects.select_related("pmo")
    if team:
        teams = teams.filter(id__in=team_ids)
    team_rows = sorted(teams, key=lambda t: paths[t.pk])
    pmo_ids = {t.pmo_id for t in team_rows if t.pmo_id}
    pmos = Pmo.objects.filter(id__in=pmo_ids) if team else Pmo.objects.all()
    cycles = Cycle.objects.all()
    if team:
        cycles = cycles.filter(assessments__person_id__in=ids).distinct()
    frameworks = dict(
        (pk, {"id": f, "version": v})
        for pk, f, v in FrameworkVersion.objects.values_list("id", "framework_id", "version")
    )

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def array(name: str, items: Iterator[Any], last: bool = False) -> Iterator[str]:
        yield f'  "{name}": ['
        first = True
        for item in items:
            yield ("\n    " if first else ",\n    ") + dump(item)
            first = False
        yield ("\n  ]" if not first else "]") + ("\n" if last else ",\n")

    yield '{\n  "format": "' + EXPORT_FORMAT + '",\n  "version": 1,\n'
    yield from array(
        "pmos",
        (
            {
                "name": p.name,
                "context": p.context,
                "leads": sorted(u.get_username() for u in p.leads.all()),
            }
            for p in pmos.order_by("name").prefetch_related("leads")
        ),
    )
    yield from array(
        "teams", ({"path": paths[t.pk], "pmo": t.pmo.name if t.pmo else None} for t in team_rows)
    )
    yield from array(
        "people",
        (
            {
                "email": p.email,
                "name": p.name,
                "employee_id": p.employee_id,
                "team": paths[p.team_id] if p.team_id else None,
                "context": p.context,
                "profile": p.profile,
                "assessor": None if p.assessor_id is None else emails.get(p.assessor_id),
                "left_on": _iso(p.left_on),
            }
            for p in people
        ),
    )
    yield from array(
        "cycles",
        (
            {"name": c.name, "opens_on": _iso(c.opens_on), "closes_on": _iso(c.closes_on)}
            for c in cycles.order_by("opens_on", "name")
        ),
    )

    def assessments() -> Iterator[dict[str, Any]]:
        for chunk in _chunks(ids):
            by_person = _assessments_of(chunk)
            ratings = _ratings_of(
                [a.id for items in by_person.values() for a in items], RatingRecord
            )
            for pk in chunk:
                for a in by_person[pk]:
                    yield {
                        "person": emails[pk],
                        "cycle": a.cycle_name,
                        "kind": a.kind,
                        "status": a.status,
                        "assessed_on": _iso(a.assessed_on),
                        "framework": frameworks[a.framework_id],
                        "profile": a.profile,
                        "context": a.context,
                        "signed_off_by": a.signed_off_by,
                        "signed_off_at": _iso(a.signed_off_at),
                        "ratings": [rating_document(r) for r in ratings[a.id]],
                    }

    yield from array("assessments", assessments())

    def plans() -> Iterator[dict[str, Any]]:
        for chunk in _chunks(ids):
            items = PlanItem.objects.filter(person_id__in=chunk).values_list(
                "person_id", "competence", "axis", "target_level", "action", "due_on", "status"
            )
            for person_id, competence, axis, level, action, due, status in sorted(
                items, key=lambda i: (emails[i[0]], i[1], i[2], i[4])
            ):
                yield {
                    "person": emails[person_id],
                    "competence": competence,
                    "axis": axis,
                    "target_level": level,
                    "action": action,
                    "due_on": _iso(due),
                    "status": status,
                }

    yield from array("plans", plans(), last=True)
    yield "}\n"


def write_export_json(out: IO[str], team: str | None = None) -> int:
    """Write the JSON export; return how many people it holds."""
    for piece in iter_export_json(team):
        out.write(piece)
    return people_count(team)


def export_document(team: str | None = None) -> dict[str, Any]:
    """The JSON export as a dict (for smaller databases and tests: it is all in memory)."""
    return dict(json.loads("".join(iter_export_json(team))))


def export_to(fmt: str, team: str | None, history: bool, out: Path | None) -> tuple[int, str]:
    """Write an export to a file, or to standard output; return (how many, of what)."""
    if fmt == "xlsx" and out is None:
        raise InputError("--out: an xlsx export needs a file name")
    people_count(team)  # an unknown team is an error before anything is written
    with writing(out, "--out"):
        if fmt == "json":
            if out is None:
                return write_export_json(sys.stdout, team), "people"
            with out.open("w", encoding="utf-8") as f:
                return write_export_json(f, team), "people"
        cells = export_cells(team, history)
        if fmt == "csv":
            if out is None:
                return exports.write_csv_cells(cells, sys.stdout), "ratings"
            with out.open("w", encoding="utf-8", newline="") as f:
                return exports.write_csv_cells(cells, f), "ratings"
        assert out is not None
        return exports.write_xlsx_cells(cells, out), "ratings"


# -- reading the database in chunks ------------------------------------------------------------


def _people(team: str | None, person: Person | None = None) -> list[PersonRecord]:
    """The people to export, by email."""
    people = people_in(team)
    if person is not None:
        people = people.filter(pk=person.pk)
    return list(_records(PersonRecord, people.order_by("email")))


def _assessments_of(person_ids: list[int]) -> dict[int, list[AssessmentRecord]]:
    """Each person's assessments, in the export's order (cycle, then agreed/assessor/self)."""
    out: dict[int, list[AssessmentRecord]] = {pk: [] for pk in person_ids}
    assessments = Assessment.objects.filter(person_id__in=person_ids).annotate(
        cycle_name=F("cycle__name"), cycle_opens_on=F("cycle__opens_on")
    )
    for a in _records(AssessmentRecord, assessments):
        out[a.person_id].append(a)
    order = workflow.COUNTING_ORDER
    for items in out.values():
        items.sort(
            key=lambda a: (a.cycle_opens_on, a.cycle_name, order.index(workflow.Kind(a.kind)))
        )
    return out


def _ratings_of(
    assessment_ids: list[int], record: type[RatingRecord]
) -> dict[int, list[RatingRecord]]:
    """The ratings of these assessments, each as a ``record``, by competence.

    The links are read as the JSON text they are stored as, and decoded only when there are
    some (no links: one shared empty tuple): most ratings have none, and the JSON field's decoder
    on every row was the largest part of a CSV export's time.
    """
    out: dict[int, list[RatingRecord]] = {pk: [] for pk in assessment_ids}
    names: tuple[str, ...] = record._fields
    fields = (*names[:-1], _LINKS_TEXT)  # each record ends with its evidence_links
    ratings: Iterable[tuple[Any, ...]] = (
        RatingRow.objects.filter(assessment_id__in=assessment_ids)
        .annotate(**{_LINKS_TEXT: Cast("evidence_links", TextField())})
        .order_by("assessment_id", "competence")
        .values_list(*fields)
        .iterator(chunk_size=CHUNK)  # rows as they come, not a second list of them all
    )
    new, loads = tuple.__new__, json.loads
    row: tuple[Any, ...]
    for row in ratings:
        text = row[-1]
        rating = new(record, (*row[:-1], () if text == NO_LINKS else loads(text)))
        out[rating.assessment_id].append(rating)
    return out


def _records(record: type[AnyRecord], rows: QuerySet[Any]) -> Iterator[AnyRecord]:
    """Each row as a ``record``, its fields read by their names in the record's order.

    Each is made as ``values_list(named=True)`` makes its rows, with ``tuple.__new__``: a third
    of the cost of ``record._make``, which an export of a few hundred thousand ratings notices.
    """
    new = tuple.__new__
    for row in rows.values_list(*record._fields):
        yield new(record, row)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def rating_document(r: Any) -> dict[str, Any]:
    """One rating as the JSON export and a person's own data download write it (``r``: a stored
    rating, or a row of its columns)."""
    return {
        "competence": r.competence,
        "knowledge": r.knowledge,
        "application": r.application,
        "evidence": r.evidence,
        "evidence_links": r.evidence_links,
        "confidence": confidence_words(r.confidence),
        "rated_by": r.rated_by,
        "rated_at": _iso(r.rated_at),
    }
