"""Bulk import and export: people files, ratings files and the full JSON document.

An import is all or nothing: every row is checked first (streaming, in bounded memory), every bad
row is reported, and only a clean file is written, in one transaction, as one audit entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from competence.data import json_path, load_catalogue, schema_validator
from competence.domain import workflow
from competence.domain.framework import CONTEXTS
from competence.errors import InputError, writing
from competence.formats.ratings import iter_json_rows, label_text, text
from competence.formats.tables import (
    Row,
    check_path,
    file_kind,
    open_table,
    read_text,
)
from competence.services.bulk_ratings import RatingsSource, import_ratings, text_cell
from competence.services.records import current_framework
from competence.services.teams import TeamCache, people_in, split_path
from competence.store import audit
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

EXPORT_FORMAT = "competence-export"
PEOPLE_REQUIRED = ("name", "email", "team", "context", "profile")
RATINGS_REQUIRED = ("person", "competence", "knowledge", "application")
BATCH = 5000
Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``; total is None while it is not known yet."""


def _quiet(stage: str, done: int, total: int | None) -> None:
    """The default progress callback: say nothing."""


@dataclass
class ImportReport:
    file: str
    kind: str  # people | ratings | export
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "sha256": self.sha256,
            "counts": self.counts,
            "dry_run": self.dry_run,
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    path: str | Path,
    *,
    cycle: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
    progress: Progress = _quiet,
    name: str | None = None,
) -> ImportReport:
    """Import a people file, a ratings file or a JSON export; the header tells which."""
    path = Path(path)
    check_path(path)
    if cycle is not None and not 0 < len(cycle.strip()) <= 100:
        raise InputError("--cycle: a cycle name has 1 to 100 characters")
    if kind is not None and kind not in workflow.KINDS:
        raise InputError(f"--kind: unknown kind {kind!r}: choose one of self, assessor, agreed")
    report = ImportReport(name or str(path), "", sha256_of(path), dry_run=dry_run)
    if file_kind(path) == "json":
        doc = _load_json(path)
        if isinstance(doc, dict) and doc.get("format") == EXPORT_FORMAT:
            report.kind = "export"
            report.counts = import_document(doc, str(path), dry_run=dry_run, report=report)
            return report
        report.kind = "ratings"
        source = _json_source(str(path), doc)
    else:
        with open_table(path, (), is_header=_any_known_header) as table:
            columns = set(table.columns)
        if not {"competence", "number"} & columns:
            report.kind = "people"
            with open_table(path, PEOPLE_REQUIRED) as table:
                report.counts = _import_people(report, table.rows, dry_run, progress)
            return report
        report.kind = "ratings"
        source = _table_source(path)
    report.counts = import_ratings(
        source,
        cycle=cycle,
        kind=kind,
        dry_run=dry_run,
        progress=progress,
        on_success=lambda counts: _record_import(report, counts),
    )
    return report


def _table_source(path: Path) -> RatingsSource:
    """A CSV file or workbook as text rows (a workbook's cells turned into text)."""
    required = ("competence", "knowledge", "application")
    with open_table(path, required, {"number": "competence"}) as table:
        index, labels, where_prefix, kind = (
            table.index,
            table.labels,
            table.where_prefix,
            table.kind,
        )
    person = None
    if "person" not in index:
        person = label_text(labels, "person") or None
        if not person:
            raise InputError(
                f'{path}: missing column "person" (an email or employee id on each row)'
            )

    def rows() -> Iterator[tuple[int, list[str], str | None]]:
        with open_table(path, required, {"number": "competence"}) as table:
            if table.kind == "csv":
                yield from table.raw
            else:
                for number, cells, problem in table.raw:
                    yield number, [text_cell(c) for c in cells], problem

    return RatingsSource(
        str(path), index, rows, lambda n: f"{where_prefix}{n}", person, escaped=kind != "json"
    )


def _json_source(name: str, doc: Any) -> RatingsSource:
    problems: list[str] = []
    rows = list(iter_json_rows(name, doc, problems))
    if problems:
        raise InputError(problems)
    columns = ("person", "competence", "knowledge", "application", "evidence")
    wheres = [r.where for r in rows]

    def cells() -> Iterator[tuple[int, list[str], str | None]]:
        for i, r in enumerate(rows):
            yield i, [text_cell(r.values.get(c)) for c in columns], None

    return RatingsSource(name, {c: i for i, c in enumerate(columns)}, cells, lambda i: wheres[i])


def _any_known_header(present: set[str]) -> bool:
    return bool({"competence", "number", "email"} & present)


def _load_json(path: Path) -> Any:
    import gzip

    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
        content = raw.decode("utf-8")
    else:
        content = read_text(path)
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}, line {exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None


# -- people ------------------------------------------------------------------------------------


@dataclass
class PersonRow:
    where: str
    name: str
    email: str
    employee_id: str | None
    team: tuple[str, ...]
    context: str
    profile: str
    assessor: str | None
    pmo: str | None


def _import_people(
    report: ImportReport, rows: Iterable[Row], dry_run: bool, progress: Progress
) -> dict[str, int]:
    catalogue = load_catalogue()
    problems: list[str] = []
    checked: list[PersonRow] = []
    emails: dict[str, str] = {}
    employee_ids: dict[str, str] = {}
    for n, row in enumerate(rows, start=1):
        if n % 1000 == 0:
            progress("checking", n, None)
        if row.problem:
            problems.append(f"{row.where}: {row.problem}")
            continue
        v = row.values
        bad = []
        name, email = text(v.get("name")), text(v.get("email")).lower()
        employee_id = text(v.get("employee_id")) or None
        context, profile = text(v.get("context")).lower(), text(v.get("profile")).lower()
        path = split_path(text(v.get("team")))
        if not name:
            bad.append("name: is empty")
        for column, value, limit in (
            ("name", name, 200),
            ("email", email, 254),
            ("employee_id", employee_id or "", 100),
            ("pmo", text(v.get("pmo")), 200),
        ):
            if len(value) > limit:
                bad.append(f"{column}: longer than {limit} characters")
        if any(len(part) > 200 for part in path):
            bad.append("team: a part is longer than 200 characters")
        try:
            validate_email(email)
        except ValidationError:
            bad.append(f"email: not an email address: {email!r}" if email else "email: is empty")
        else:
            if email in emails:
                bad.append(f"email: {email} appears twice (first at {emails[email]})")
            emails.setdefault(email, row.where.split(", ", 1)[-1])
        if employee_id:
            if employee_id in employee_ids:
                bad.append(
                    f"employee_id: {employee_id} appears twice "
                    f"(first at {employee_ids[employee_id]})"
                )
            employee_ids.setdefault(employee_id, row.where.split(", ", 1)[-1])
        if path and not all(path):
            bad.append(f"team: {text(v.get('team'))!r} has an empty part (write Department / Team)")
        if context not in CONTEXTS:
            bad.append(f"context: must be one of {', '.join(CONTEXTS)}, got {context!r}")
        if profile not in catalogue.profiles:
            bad.append(
                f"profile: unknown profile {profile!r}: "
                f"choose one of {', '.join(catalogue.profiles)}"
            )
        if bad:
            problems.extend(f"{row.where}: {b}" for b in bad)
            continue
        checked.append(
            PersonRow(
                row.where,
                name,
                email,
                employee_id,
                path,
                context,
                profile,
                text(v.get("assessor")) or None,
                text(v.get("pmo")) or None,
            )
        )
    if not checked and not problems:
        raise InputError(f"{report.file}: holds no people")
    # Checks against the database and across rows.
    stored_ids: dict[str, str] = {
        k: v
        for k, v in Person.objects.exclude(employee_id=None).values_list("employee_id", "email")
        if k
    }
    known = {e.lower() for e in Person.objects.values_list("email", flat=True)} | set(emails)
    by_employee_id: dict[str, str] = {
        **{k: v.lower() for k, v in stored_ids.items()},
        **{p.employee_id: p.email for p in checked if p.employee_id},
    }
    for p in checked:
        if p.employee_id and stored_ids.get(p.employee_id, p.email).lower() != p.email:
            problems.append(
                f"{p.where}: employee_id: {p.employee_id} already belongs to "
                f"{stored_ids[p.employee_id]}"
            )
        if p.assessor:
            assessor: str | None = (
                p.assessor.lower()
                if p.assessor.lower() in known
                else by_employee_id.get(p.assessor)
            )
            if assessor is None:
                problems.append(
                    f"{p.where}: assessor: no person with the email or employee id {p.assessor!r}"
                )
            elif assessor == p.email:
                problems.append(f"{p.where}: assessor: a person cannot assess themself")
            else:
                p.assessor = assessor
    if problems:
        raise InputError(problems)
    counts = {
        "rows": len(checked),
        "created": 0,
        "updated": 0,
        "teams_created": 0,
        "pmos_created": 0,
    }
    existing = {
        e.lower() for e in Person.objects.filter(email__in=emails).values_list("email", flat=True)
    }
    counts["created"] = sum(1 for p in checked if p.email not in existing)
    counts["updated"] = len(checked) - counts["created"]
    if dry_run:
        teams_now = set(TeamCache().by_path)
        wanted = {p.team[:i] for p in checked for i in range(1, len(p.team) + 1)}
        counts["teams_created"] = len(wanted - teams_now)
        pmos_now = set(Pmo.objects.values_list("name", flat=True))
        counts["pmos_created"] = len({p.pmo for p in checked if p.pmo} - pmos_now)
        return counts
    with transaction.atomic(), audit.acting_as(audit.current_actor()):
        teams = TeamCache()
        pmos = {p.name: p for p in Pmo.objects.all()}
        stored = {p.email.lower(): p for p in Person.objects.filter(email__in=emails)}
        new: list[Person] = []
        changed: list[Person] = []
        for i, p in enumerate(checked, start=1):
            if i % 1000 == 0:
                progress("writing", i, len(checked))
            pmo = None
            if p.pmo:
                pmo = pmos.get(p.pmo)
                if pmo is None:
                    pmo = pmos[p.pmo] = Pmo.objects.bulk_create(
                        [Pmo(name=p.pmo, context=p.context)]
                    )[0]
                    counts["pmos_created"] += 1
            team = teams.get(p.team, pmo) if p.team else None
            person = stored.get(p.email) or Person(email=p.email)
            person.name, person.employee_id, person.team = p.name, p.employee_id, team
            person.context, person.profile = p.context, p.profile
            (changed if person.pk else new).append(person)
        counts["teams_created"] = teams.created
        Person.objects.bulk_update(
            changed, ["name", "employee_id", "team", "context", "profile"], batch_size=BATCH
        )
        Person.objects.bulk_create(new, batch_size=BATCH)
        ids = dict(Person.objects.values_list("email", "id"))
        lowered = {k.lower(): v for k, v in ids.items()}
        assessed = []
        for p in checked:
            if p.assessor:
                assessed.append(Person(id=lowered[p.email], assessor_id=lowered[p.assessor]))
        Person.objects.bulk_update(assessed, ["assessor"], batch_size=BATCH)
        _record_import(report, counts)
    return counts


def _record_import(report: ImportReport, counts: dict[str, int]) -> None:
    audit.record(
        "import",
        "file",
        object_id=report.sha256[:16],
        summary=f"{report.kind} file {Path(report.file).name}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items()),
        new={"file": report.file, "sha256": report.sha256, "kind": report.kind, "counts": counts},
    )


# -- ratings -----------------------------------------------------------------------------------


# -- export ------------------------------------------------------------------------------------


CHUNK = 1000  # people per query when exporting


PERSON_FIELDS = (
    "id",
    "email",
    "name",
    "employee_id",
    "team_id",
    "context",
    "profile",
    "assessor_id",
    "left_on",
)


def _people(team: str | None, person: Person | None = None) -> list[tuple[Any, ...]]:
    """The people to export, as tuples of PERSON_FIELDS, by email."""
    people = people_in(team)
    if person is not None:
        people = people.filter(pk=person.pk)
    return list(people.order_by("email").values_list(*PERSON_FIELDS))


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _assessments_of(person_ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    """Each person's assessments, in the export's order (cycle, then agreed/assessor/self)."""
    out: dict[int, list[tuple[Any, ...]]] = {pk: [] for pk in person_ids}
    rows = Assessment.objects.filter(person_id__in=person_ids).values_list(
        "id",
        "person_id",
        "cycle__name",
        "cycle__opens_on",
        "kind",
        "status",
        "assessed_on",
        "framework_id",
        "profile",
        "context",
        "signed_off_by",
        "signed_off_at",
    )
    for row in rows:
        out[row[1]].append(row)
    for items in out.values():
        items.sort(key=lambda a: (a[3], a[2], workflow.COUNTING_ORDER.index(workflow.Kind(a[4]))))
    return out


def _ratings_of(assessment_ids: list[int], *fields: str) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = {pk: [] for pk in assessment_ids}
    for row in (
        RatingRow.objects.filter(assessment_id__in=assessment_ids)
        .order_by("assessment_id", "competence")
        .values_list("assessment_id", *fields)
    ):
        out[row[0]].append(row[1:])
    return out


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def iter_export_json(team: str | None = None) -> Iterator[str]:
    """The JSON export as pieces of text, read in chunks so that memory stays bounded.

    It uses natural keys only (emails, team paths, cycle names), in a stable order, so that
    exporting, importing into an empty database and exporting again gives the same document.
    """
    paths = team_tree().paths()
    people = _people(team)
    ids = [p[0] for p in people]
    emails = {p[0]: p[1] for p in people}
    team_ids: set[int] = set()
    parents = dict(Team.objects.values_list("id", "parent_id"))
    for p in people:
        node = p[4]
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
                "email": email,
                "name": name,
                "employee_id": employee_id,
                "team": paths[team_id] if team_id else None,
                "context": context,
                "profile": profile,
                "assessor": emails.get(assessor_id),
                "left_on": _iso(left_on),
            }
            for _, email, name, employee_id, team_id, context, profile, assessor_id, left_on in (
                people
            )
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
            wanted = [a[0] for items in by_person.values() for a in items]
            ratings = _ratings_of(
                wanted,
                "competence",
                "knowledge",
                "application",
                "evidence",
                "evidence_links",
                "confidence",
                "rated_by",
                "rated_at",
            )
            for pk in chunk:
                for (
                    aid,
                    _,
                    cycle,
                    _,
                    kind,
                    status,
                    assessed_on,
                    framework,
                    profile,
                    context,
                    signed_by,
                    signed_at,
                ) in by_person[pk]:
                    yield {
                        "person": emails[pk],
                        "cycle": cycle,
                        "kind": kind,
                        "status": status,
                        "assessed_on": _iso(assessed_on),
                        "framework": frameworks[framework],
                        "profile": profile,
                        "context": context,
                        "signed_off_by": signed_by,
                        "signed_off_at": _iso(signed_at),
                        "ratings": [
                            {
                                "competence": c,
                                "knowledge": k,
                                "application": a,
                                "evidence": e,
                                "evidence_links": links,
                                "confidence": conf,
                                "rated_by": by,
                                "rated_at": _iso(at),
                            }
                            for c, k, a, e, links, conf, by, at in ratings[aid]
                        ],
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


def export_to(fmt: str, team: str | None, history: bool, out: Path | None) -> tuple[int, str]:
    """Write an export to a file, or to standard output; return (how many, of what)."""
    import sys

    from competence.formats import exports

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


def people_count(team: str | None = None) -> int:
    return people_in(team).count()


def export_document(team: str | None = None) -> dict[str, Any]:
    """The JSON export as a dict (for smaller databases and tests: it is all in memory)."""
    return dict(json.loads("".join(iter_export_json(team))))


def export_rows(
    team: str | None = None, history: bool = False, person: Person | None = None
) -> Iterator[dict[str, Any]]:
    """People and ratings, one row per rating: the latest assessment, or all with ``history``.

    Read a thousand people at a time: three queries per thousand people, memory bounded.
    """
    slugs = {c.number: c.slug for c in load_catalogue().framework.competences}
    paths = team_tree().paths()
    people = _people(team, person)
    for chunk in _chunks(people):
        by_person = _assessments_of([p[0] for p in chunk])
        chosen: dict[int, list[tuple[Any, ...]]] = {}
        for pk, items in by_person.items():
            if history:
                chosen[pk] = items
            else:
                counting = workflow.counting(items, lambda a: ((a[3], a[2]), a[4], a[5]))
                if counting is not None:
                    chosen[pk] = [counting]
        ratings = _ratings_of(
            [a[0] for items in chosen.values() for a in items],
            "competence",
            "knowledge",
            "application",
            "evidence",
        )
        for pk, email, name, employee_id, team_id, context, profile, _, _ in chunk:
            for aid, _, cycle, _, kind, status, assessed_on, *_rest in chosen.get(pk, []):
                for competence, knowledge, application, evidence in ratings[aid]:
                    yield {
                        "person": email,
                        "name": name,
                        "employee_id": employee_id or "",
                        "team": paths[team_id] if team_id else "",
                        "context": context,
                        "profile": profile,
                        "cycle": cycle,
                        "kind": kind,
                        "status": status,
                        "assessed_on": assessed_on.isoformat(),
                        "competence": competence,
                        "slug": slugs.get(competence, ""),
                        "knowledge": "" if knowledge is None else knowledge,
                        "application": "" if application is None else application,
                        "evidence": evidence,
                    }


# -- the JSON document back in -----------------------------------------------------------------


def _date(value: str | None) -> Any:
    return None if value is None else dt.date.fromisoformat(value)


def _datetime(value: str | None) -> Any:
    return None if value is None else dt.datetime.fromisoformat(value)


def check_document(doc: dict[str, Any], source: str) -> None:
    """Check a JSON export against its schema, naming every bad field."""
    errors = sorted(
        schema_validator("export").iter_errors(doc), key=lambda e: list(e.absolute_path)
    )
    if errors:
        raise InputError(f"{source}, {json_path(e.absolute_path)}: {e.message}" for e in errors)


def _first_twice(values: Iterable[Any], where: Callable[[int], str], what: str) -> list[str]:
    seen: dict[Any, int] = {}
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append(f"{where(i)}: {what} {value} appears twice (first at [{seen[value]}])")
        else:
            seen[value] = i
    return problems


def _rating_at(where: str, j: int) -> str:
    return f"{where}.ratings[{j}]"


def cross_check_document(doc: dict[str, Any], source: str) -> list[str]:
    """What a schema cannot say: references between records, duplicates, dates, known names."""
    catalogue = load_catalogue()
    problems: list[str] = []

    def date(value: str | None, where: str) -> None:
        if value is None:
            return
        try:
            (dt.datetime if "T" in value else dt.date).fromisoformat(value)
        except ValueError:
            problems.append(f"{where}: not a valid date: {value!r}")

    pmos = {p["name"] for p in doc["pmos"]}
    problems += _first_twice(
        (p["name"] for p in doc["pmos"]), lambda i: f"{source}, pmos[{i}].name", "PMO"
    )
    paths = {" / ".join(split_path(t["path"])) for t in doc["teams"]}
    problems += _first_twice(
        (" / ".join(split_path(t["path"])) for t in doc["teams"]),
        lambda i: f"{source}, teams[{i}].path",
        "team",
    )
    for i, t in enumerate(doc["teams"]):
        if t["pmo"] is not None and t["pmo"] not in pmos:
            problems.append(f"{source}, teams[{i}].pmo: {t['pmo']} is not in pmos")
    emails = {p["email"].lower() for p in doc["people"]}
    problems += _first_twice(
        (p["email"].lower() for p in doc["people"]),
        lambda i: f"{source}, people[{i}].email",
        "person",
    )
    problems += _first_twice(
        (p["employee_id"] for p in doc["people"] if p["employee_id"]),
        lambda i: f"{source}, people (employee_id)",
        "employee id",
    )
    for i, p in enumerate(doc["people"]):
        where = f"{source}, people[{i}]"
        try:
            validate_email(p["email"])
        except ValidationError:
            problems.append(f"{where}.email: not an email address: {p['email']!r}")
        if p["team"] is not None and " / ".join(split_path(p["team"])) not in paths:
            problems.append(f"{where}.team: {p['team']} is not in teams")
        if p["profile"] not in catalogue.profiles:
            problems.append(f"{where}.profile: unknown profile {p['profile']!r}")
        if p["assessor"]:
            if p["assessor"].lower() not in emails:
                problems.append(f"{where}.assessor: {p['assessor']} is not in people")
            elif p["assessor"].lower() == p["email"].lower():
                problems.append(f"{where}.assessor: a person cannot assess themself")
        date(p["left_on"], f"{where}.left_on")
    cycles = {c["name"] for c in doc["cycles"]}
    problems += _first_twice(
        (c["name"] for c in doc["cycles"]), lambda i: f"{source}, cycles[{i}].name", "cycle"
    )
    for i, c in enumerate(doc["cycles"]):
        date(c["opens_on"], f"{source}, cycles[{i}].opens_on")
        date(c["closes_on"], f"{source}, cycles[{i}].closes_on")
    problems += _first_twice(
        ((a["person"].lower(), a["cycle"], a["kind"]) for a in doc["assessments"]),
        lambda i: f"{source}, assessments[{i}]",
        "assessment",
    )
    for i, a in enumerate(doc["assessments"]):
        where = f"{source}, assessments[{i}]"
        if a["person"].lower() not in emails:
            problems.append(f"{where}.person: {a['person']} is not in people")
        if a["cycle"] not in cycles:
            problems.append(f"{where}.cycle: {a['cycle']} is not in cycles")
        if a["profile"] not in catalogue.profiles:
            problems.append(f"{where}.profile: unknown profile {a['profile']!r}")
        date(a["assessed_on"], f"{where}.assessed_on")
        date(a["signed_off_at"], f"{where}.signed_off_at")
        problems += _first_twice(
            (r["competence"] for r in a["ratings"]), partial(_rating_at, where), "competence"
        )
        for j, r in enumerate(a["ratings"]):
            date(r["rated_at"], f"{where}.ratings[{j}].rated_at")
    for i, item in enumerate(doc["plans"]):
        if item["person"].lower() not in emails:
            problems.append(f"{source}, plans[{i}].person: {item['person']} is not in people")
        date(item["due_on"], f"{source}, plans[{i}].due_on")
    return problems


def import_document(
    doc: dict[str, Any],
    source: str,
    *,
    dry_run: bool = False,
    report: ImportReport | None = None,
) -> dict[str, int]:
    """Write a JSON export into the database; clashes with what is there are errors."""
    check_document(doc, source)
    problems = cross_check_document(doc, source)
    emails = {p["email"].lower() for p in doc["people"]}
    clash = sorted(Person.objects.filter(email__in=emails).values_list("email", flat=True))
    problems += [f"{source}, people: {e} is already in the database" for e in clash[:100]]
    if problems:
        raise InputError(problems)
    counts = {
        "pmos": len(doc["pmos"]),
        "teams": len(doc["teams"]),
        "people": len(doc["people"]),
        "cycles": len(doc["cycles"]),
        "assessments": len(doc["assessments"]),
        "ratings": sum(len(a["ratings"]) for a in doc["assessments"]),
        "plans": len(doc["plans"]),
    }
    if dry_run:
        return counts
    with transaction.atomic():
        builtin = current_framework()
        frameworks = {(f.framework_id, f.version): f for f in FrameworkVersion.objects.all()}
        pmos = {p.name: p for p in Pmo.objects.all()}
        for p in doc["pmos"]:
            if p["name"] not in pmos:
                pmos[p["name"]] = Pmo.objects.bulk_create(
                    [Pmo(name=p["name"], context=p["context"])]
                )[0]
        for p in doc["pmos"]:
            # Leads are users: restored with a backup; a plain export carries no users.
            leads = get_user_model().objects.filter(username__in=p.get("leads", []))
            pmos[p["name"]].leads.add(*leads)
        teams = TeamCache()
        for t in doc["teams"]:
            team = teams.get(split_path(t["path"]), pmos.get(t["pmo"]) if t["pmo"] else None)
            if t["pmo"] and team.pmo_id != pmos[t["pmo"]].pk:
                team.pmo = pmos[t["pmo"]]
                Team.objects.bulk_update([team], ["pmo"])
        Person.objects.bulk_create(
            Person(
                email=p["email"].lower(),
                name=p["name"],
                employee_id=p["employee_id"],
                team=teams.by_path[split_path(p["team"])] if p["team"] else None,
                context=p["context"],
                profile=p["profile"],
                left_on=_date(p["left_on"]),
            )
            for p in doc["people"]
        )
        people = {e.lower(): pk for e, pk in Person.objects.values_list("email", "id")}
        Person.objects.bulk_update(
            [
                Person(id=people[p["email"].lower()], assessor_id=people[p["assessor"].lower()])
                for p in doc["people"]
                if p["assessor"]
            ],
            ["assessor"],
        )
        stored_cycles = {c.name: c for c in Cycle.objects.all()}
        for c in doc["cycles"]:
            if c["name"] not in stored_cycles:
                stored_cycles[c["name"]] = Cycle.objects.bulk_create(
                    [
                        Cycle(
                            name=c["name"],
                            opens_on=_date(c["opens_on"]),
                            closes_on=_date(c["closes_on"]),
                        )
                    ]
                )[0]
        for i, a in enumerate(doc["assessments"]):
            key = (a["framework"]["id"], a["framework"]["version"])
            fw = frameworks.get(
                key, builtin if key == (builtin.framework_id, builtin.version) else None
            )
            if fw is None:
                raise InputError(
                    f"{source}, assessments[{i}].framework: {key[0]} {key[1]} is not in this "
                    "database (restore a backup, which carries framework versions)"
                )
            assessment = Assessment(
                person_id=people[a["person"].lower()],
                cycle=stored_cycles[a["cycle"]],
                kind=a["kind"],
                status=a["status"],
                assessed_on=_date(a["assessed_on"]),
                framework=fw,
                profile=a["profile"],
                context=a["context"],
                signed_off_by=a["signed_off_by"],
                signed_off_at=_datetime(a["signed_off_at"]),
            )
            Assessment.objects.bulk_create([assessment])
            RatingRow.objects.bulk_create(
                RatingRow(
                    assessment=assessment,
                    competence=r["competence"],
                    knowledge=r["knowledge"],
                    application=r["application"],
                    evidence=r["evidence"],
                    evidence_links=r["evidence_links"],
                    confidence=r["confidence"],
                    rated_by=r["rated_by"],
                    rated_at=_datetime(r["rated_at"]),
                )
                for r in a["ratings"]
            )
        PlanItem.objects.bulk_create(
            PlanItem(
                person_id=people[i["person"].lower()],
                competence=i["competence"],
                axis=i["axis"],
                target_level=i["target_level"],
                action=i["action"],
                due_on=_date(i["due_on"]),
                status=i["status"],
            )
            for i in doc["plans"]
        )
        if report is not None:
            _record_import(report, counts)
    return counts
