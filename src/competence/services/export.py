"""Streamed exports: people and ratings as rows (CSV, XLSX) and everything as one JSON document.

Both read a thousand people at a time, so memory stays bounded whatever the size of the database.
Rows come back from the database as named tuples (still plain tuples, so reading stays as fast as
a plain SQL join, see docs/performance.md). The JSON document comes back in through
:mod:`competence.services.document`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

from django.db.models import F, QuerySet, TextField
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


class RatingCells(NamedTuple):
    """The rating fields of a row of the CSV or XLSX export (the links last, as
    :func:`_ratings_of` reads them)."""

    assessment_id: int
    competence: int
    knowledge: int | None
    application: int | None
    evidence: str
    confidence: int | None
    evidence_links: Sequence[str]


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


AnyRating = TypeVar("AnyRating", RatingCells, RatingRecord)
AnyRecord = TypeVar("AnyRecord", PersonRecord, AssessmentRecord, RatingCells, RatingRecord)


def people_count(team: str | None = None) -> int:
    """How many people an export of this team (None: everyone) holds.

    An unknown team is an error, so callers ask this before they start writing.
    """
    return people_in(team).count()


def export_rows(
    team: str | None = None, history: bool = False, person: Person | None = None
) -> Iterator[dict[str, Any]]:
    """People and ratings, one row per rating: the latest assessment, or all with ``history``.

    Read a thousand people at a time: three queries per thousand people, memory bounded, all of
    them in one snapshot (:func:`consistent_read`), so that what others save meanwhile is left
    out whole.
    """
    with consistent_read():
        yield from _export_rows(team, history, person)


def _export_rows(
    team: str | None, history: bool, person: Person | None
) -> Iterator[dict[str, Any]]:
    builtin = {c.number: c.slug for c in load_catalogue().framework.competences}
    by_profile = {  # each profile's framework: a person's competence numbers are its items
        slug: {c.number: c.slug for c in framework.competences}
        for slug, (framework, _) in profiles.frameworks_by_profile().items()
    }
    words: dict[int | None, str] = {None: ""}
    words.update((c.value, confidence_words(c.value) or "") for c in Confidence)
    paths = team_tree().paths()
    people = _people(team, person)
    for chunk in _chunks(people):
        by_person = _assessments_of([p.id for p in chunk])
        chosen: dict[int, list[AssessmentRecord]] = {}
        for pk, items in by_person.items():
            if history:
                chosen[pk] = items
            else:
                counting = workflow.counting(
                    items, lambda a: ((a.cycle_opens_on, a.cycle_name), a.kind, a.status)
                )
                if counting is not None:
                    chosen[pk] = [counting]
        ratings = _ratings_of([a.id for items in chosen.values() for a in items], RatingCells)
        for p in chunk:
            slugs = by_profile.get(p.profile, builtin)
            for a in chosen.get(p.id, []):
                assessment: dict[str, Any] = {  # the columns all its ratings share
                    "person": p.email,
                    "name": p.name,
                    "employee_id": p.employee_id or "",
                    "team": paths[p.team_id] if p.team_id else "",
                    "context": p.context,
                    "profile": p.profile,
                    "cycle": a.cycle_name,
                    "kind": a.kind,
                    "status": a.status,
                    "assessed_on": a.assessed_on.isoformat(),
                }
                for r in ratings[a.id]:
                    yield {
                        **assessment,
                        "competence": r.competence,
                        "slug": slugs.get(r.competence, ""),
                        "knowledge": "" if r.knowledge is None else r.knowledge,
                        "application": "" if r.application is None else r.application,
                        "evidence": r.evidence,
                        "confidence": words[r.confidence],
                        "evidence_links": " ".join(r.evidence_links or ()),
                    }


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
        rows = export_rows(team, history)
        if fmt == "csv":
            if out is None:
                return exports.write_csv(rows, sys.stdout), "ratings"
            with out.open("w", encoding="utf-8", newline="") as f:
                return exports.write_csv(rows, f), "ratings"
        assert out is not None
        return exports.write_xlsx(rows, out), "ratings"


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


def _ratings_of(assessment_ids: list[int], record: type[AnyRating]) -> dict[int, list[AnyRating]]:
    """The ratings of these assessments, each as a ``record``, by competence.

    The links are read as the JSON text they are stored as, and decoded only when there are
    some (no links: one shared empty tuple): most ratings have none, and the JSON field's decoder
    on every row was the largest part of a CSV export's time.
    """
    out: dict[int, list[AnyRating]] = {pk: [] for pk in assessment_ids}
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
