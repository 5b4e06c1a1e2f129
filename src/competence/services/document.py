"""A JSON export coming back in: checked against its schema, then across its records, then
written into the database in one transaction.

The document is the one :mod:`competence.services.export` writes. It holds natural keys only
(emails, team paths, cycle names), so it imports into another database; a person who is already
there is a clash, and a clash is an error, like any bad field: nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from competence.data import json_path, schema_validator
from competence.domain.evidence import check_links, parse_confidence
from competence.domain.ratings import evidence_problem
from competence.errors import InputError
from competence.services import profiles
from competence.services.profiles import current_framework, latest_version_ids
from competence.services.records import cycle_named
from competence.services.teams import TeamCache, split_path
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


def parse_date(value: str | None) -> Any:
    """A date as the export writes it (ISO 8601), or None for None."""
    return None if value is None else dt.date.fromisoformat(value)


def parse_datetime(value: str | None) -> Any:
    """A date and time as the export writes it (ISO 8601), or None for None."""
    return None if value is None else dt.datetime.fromisoformat(value)


def _confidence(words: str | None) -> int | None:
    found = parse_confidence(words)  # the schema allowed only the choices' words
    return None if found is None else found.value


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
    known = set(profiles.known_profiles())
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
        if p["profile"] not in known:
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
        if a["profile"] not in known:
            problems.append(f"{where}.profile: unknown profile {a['profile']!r}")
        date(a["assessed_on"], f"{where}.assessed_on")
        date(a["signed_off_at"], f"{where}.signed_off_at")
        problems += _first_twice(
            (r["competence"] for r in a["ratings"]), partial(_rating_at, where), "competence"
        )
        for j, r in enumerate(a["ratings"]):
            date(r["rated_at"], f"{where}.ratings[{j}].rated_at")
            try:
                check_links(r["evidence_links"])
            except ValueError as exc:
                problems.append(f"{where}.ratings[{j}].evidence_links: {exc}")
            too_long = evidence_problem(r["evidence"])
            if too_long:
                problems.append(f"{where}.ratings[{j}].{too_long}")
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
    on_success: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """Write a JSON export into the database; clashes with what is there are errors.

    Return the counts of what it holds. ``on_success(counts)`` runs inside the transaction once
    everything is written (an import records its audit entry there), never on a dry run.
    """
    check_document(doc, source)
    problems = cross_check_document(doc, source)
    emails = {p["email"].lower() for p in doc["people"]}
    clash = sorted(Person.objects.filter(email__in=emails).values_list("email", flat=True))
    problems += [f"{source}, people: {e} is already in the database" for e in clash[:100]]
    if problems:
        raise InputError(problems)
    named = {u for p in doc["pmos"] for u in p.get("leads", [])}
    users = {
        u.get_username(): u for u in get_user_model().objects.filter(username__in=sorted(named))
    }
    leads = [(p["name"], u) for p in doc["pmos"] for u in p.get("leads", [])]
    counts = {
        "pmos": len(doc["pmos"]),
        "teams": len(doc["teams"]),
        "people": len(doc["people"]),
        "cycles": len(doc["cycles"]),
        "assessments": len(doc["assessments"]),
        "ratings": sum(len(a["ratings"]) for a in doc["assessments"]),
        "plans": len(doc["plans"]),
        # Leads are users, which a plain export does not carry (a backup does): each lead whose
        # user is in this database is linked, the others are counted here.
        "leads": sum(1 for _, u in leads if u in users),
        "leads_without_user": sum(1 for _, u in leads if u not in users),
    }
    if dry_run:
        return counts
    with transaction.atomic():
        builtin = current_framework()
        versions = latest_version_ids()  # an export names profiles, not their versions
        frameworks = {(f.framework_id, f.version): f for f in FrameworkVersion.objects.all()}
        pmos = {p.name: p for p in Pmo.objects.all()}
        for p in doc["pmos"]:
            if p["name"] not in pmos:
                pmos[p["name"]] = Pmo.objects.bulk_create(
                    [Pmo(name=p["name"], context=p["context"])]
                )[0]
        for pmo, username in leads:
            if username in users:
                pmos[pmo].leads.add(users[username])
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
                left_on=parse_date(p["left_on"]),
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
                stored_cycles[c["name"]] = cycle_named(
                    c["name"], parse_date(c["opens_on"]), parse_date(c["closes_on"]), quiet=True
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
                assessed_on=parse_date(a["assessed_on"]),
                framework=fw,
                profile=a["profile"],
                profile_version_id=versions.get(a["profile"]),
                context=a["context"],
                signed_off_by=a["signed_off_by"],
                signed_off_at=parse_datetime(a["signed_off_at"]),
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
                    confidence=_confidence(r["confidence"]),
                    rated_by=r["rated_by"],
                    rated_at=parse_datetime(r["rated_at"]),
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
                due_on=parse_date(i["due_on"]),
                status=i["status"],
            )
            for i in doc["plans"]
        )
        if on_success is not None:
            on_success(counts)
    return counts
