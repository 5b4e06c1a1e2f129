"""Importing a people file: one row per person, creating the teams and PMOs it names.

Every row is checked first, then the rows against each other and against the database (emails,
employee ids, assessors given by email or employee id); one bad row rejects the file and every
bad row is reported. A clean file is written in one transaction: people are created or updated
by email.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from competence.errors import InputError, Problems
from competence.formats.ratings import text
from competence.formats.tables import Row
from competence.services import people, profiles
from competence.services.bulk_ratings import Progress
from competence.services.teams import TeamCache, split_path
from competence.store import audit
from competence.store.models import Person, Pmo

PEOPLE_REQUIRED = ("name", "email", "team", "context", "profile")
"""The columns a people file must have (``employee_id``, ``assessor``, ``pmo`` and
``target_profile`` are optional)."""
BATCH = 5000


@dataclass
class PersonRow:
    """One person from the file, checked."""

    where: str
    name: str
    email: str
    employee_id: str | None
    team: tuple[str, ...]
    context: str
    profile: str
    assessor: str | None
    pmo: str | None
    target_profile: str | None = None


def import_people(
    source: str,
    rows: Iterable[Row],
    *,
    dry_run: bool,
    progress: Progress,
    on_success: Callable[[dict[str, int]], None],
) -> dict[str, int]:
    """Check and write the people of a file; return the counts of what it did (or would do).

    ``on_success(counts)`` runs inside the transaction once everything is written (an import
    records its audit entry there), never on a dry run.
    """
    checked, emails, problems = _check_rows(rows, progress)
    if not checked and not problems:
        raise InputError(f"{source}: holds no people")
    problems.extend(_check_against_database(checked, emails))
    if problems:
        raise problems.error()
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
        _write(checked, emails, counts, progress)
        on_success(counts)
    return counts


def _check_rows(
    rows: Iterable[Row], progress: Progress
) -> tuple[list[PersonRow], dict[str, str], Problems]:
    """Each row on its own and against the rows before it: the people whose rows are good, where
    each email first appears, and every problem."""
    known_profiles = profiles.known_profiles()
    problems = Problems()
    checked: list[PersonRow] = []
    emails: dict[str, str] = {}
    employee_ids: dict[str, str] = {}
    for n, row in enumerate(rows, start=1):
        if problems.full:
            break  # the report lists the first ones and counts the rest: read no further
        if n % 1000 == 0:
            progress("checking", n, None)
        if row.problem:
            problems.add(f"{row.where}: {row.problem}")
            continue
        v = row.values
        fields = people.clean(v)
        name, email, employee_id = fields["name"], fields["email"], fields["employee_id"]
        context, profile = fields["context"], fields["profile"]
        target_profile = fields["target_profile"]
        path = split_path(text(v.get("team")))
        bad = people.field_problems(fields, known_profiles)
        if len(text(v.get("pmo"))) > 200:
            bad.append("pmo: longer than 200 characters")
        if any(len(part) > 200 for part in path):
            bad.append("team: a part is longer than 200 characters")
        if not any(b.startswith("email:") for b in bad):
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
                target_profile,
            )
        )
    return checked, emails, problems


def _check_against_database(checked: list[PersonRow], emails: dict[str, str]) -> list[str]:
    """Employee ids that belong to someone else, and assessors who are nobody or the person
    themself. An assessor given by employee id is replaced with their email."""
    problems: list[str] = []
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
    return problems


def _write(
    checked: list[PersonRow], emails: dict[str, str], counts: dict[str, int], progress: Progress
) -> None:
    """Create or update the people, and the teams and PMOs they name; count what is created."""
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
                pmo = Pmo.objects.bulk_create([Pmo(name=p.pmo, context=p.context)])[0]
                pmos[p.pmo] = pmo
                counts["pmos_created"] += 1
        team = teams.get(p.team, pmo) if p.team else None
        person = stored.get(p.email) or Person(email=p.email)
        person.name, person.employee_id, person.team = p.name, p.employee_id, team
        person.context, person.profile = p.context, p.profile
        person.target_profile = p.target_profile
        (changed if person.pk else new).append(person)
    counts["teams_created"] = teams.created
    Person.objects.bulk_update(
        changed,
        ["name", "employee_id", "team", "context", "profile", "target_profile"],
        batch_size=BATCH,
    )
    Person.objects.bulk_create(new, batch_size=BATCH)
    ids = dict(Person.objects.values_list("email", "id"))
    lowered = {k.lower(): v for k, v in ids.items()}
    assessed = []
    for p in checked:
        if p.assessor:
            assessed.append(Person(id=lowered[p.email], assessor_id=lowered[p.assessor]))
    Person.objects.bulk_update(assessed, ["assessor"], batch_size=BATCH)
