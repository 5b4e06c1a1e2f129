"""Finding people, and what a person is as plain data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from competence.domain.framework import slugify
from competence.errors import InputError
from competence.store.models import Person
from competence.store.queries import team_tree


def get(person_id: int) -> Person:
    """A person by id (with their team and assessor)."""
    person = Person.objects.select_related("team", "assessor").filter(pk=person_id).first()
    if person is None:
        raise InputError(f"no person {person_id}")
    return person


def find(key: str) -> Person:
    """A person by email or employee id."""
    key = key.strip()
    person = (
        Person.objects.select_related("team", "assessor").filter(email__iexact=key).first()
        or Person.objects.select_related("team", "assessor").filter(employee_id=key).first()
    )
    if person is None:
        raise InputError(f"no person with the email or employee id {key!r}")
    return person


def data(person: Person, paths: dict[int, str] | None = None) -> dict[str, Any]:
    """A person as plain data; ``paths`` (team id to path) saves a query per person."""
    team = None
    if person.team_id is not None:
        team = (paths or team_tree().paths())[person.team_id]
    return {
        "id": person.pk,
        "name": person.name,
        "email": person.email,
        "employee_id": person.employee_id,
        "team": team,
        "context": person.context,
        "profile": person.profile,
        "target_profile": person.target_profile,
        "assessor": person.assessor.email if person.assessor else None,
    }


def file_stem(person: Person) -> str:
    """A safe stem for a download about this person: the slug of their name and their id."""
    return f"{slugify(person.name) or 'person'}-{person.pk}"


def listing(people: Iterable[Person]) -> list[dict[str, Any]]:
    """People as plain data, the team paths read once."""
    paths = team_tree().paths()
    return [data(p, paths) for p in people]


def set_profiles(person: Person, profile: str, target_profile: str | None) -> Person:
    """Say which profile the person is judged against, and which is their next step (None for
    none), both stored profiles. Audited like every change to a person."""
    from competence.services import profiles

    known = profiles.catalogue().profiles
    problems = [
        f"{field}: unknown profile {value!r}: choose one of {', '.join(known)}"
        for field, value in (("profile", profile), ("target_profile", target_profile))
        if value is not None and value not in known
    ]
    if problems:
        raise InputError(problems)
    person.profile, person.target_profile = profile, target_profile
    person.save(update_fields=["profile", "target_profile"])
    return person
