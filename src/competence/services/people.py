"""Finding people, and what a person is as plain data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from competence.domain.framework import CONTEXTS, slugify
from competence.domain.roles import ASSESSOR, PMO_LEAD
from competence.errors import InputError
from competence.formats.ratings import text
from competence.services import policy
from competence.store.models import Person, Team
from competence.store.queries import team_tree

FIELDS = (
    "name",
    "email",
    "employee_id",
    "team",
    "context",
    "profile",
    "target_profile",
    "assessor",
    "left_on",
)
"""What the people pages, the API and a people file say of a person, by the names of ``--json``."""
LIMITS = {"name": 200, "email": 254, "employee_id": 100}
"""The longest text each field takes, in characters."""
NOT_SELF = "assessor: a person cannot assess themself"


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


def no_person(key: str) -> str:
    return f"no person with the email or employee id {key!r}"


def data(person: Person, paths: dict[int, str] | None = None) -> dict[str, Any]:
    """A person as plain data; ``paths`` (team id to path) saves a query per person."""
    team = None
    if person.team_id is not None:
        team = paths[person.team_id] if paths else team_tree().path(person.team_id)
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
        "left_on": person.left_on.isoformat() if person.left_on else None,
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
    problems = profile_problems(profile, target_profile)
    if problems:
        raise InputError(problems)
    person.profile, person.target_profile = profile, target_profile
    person.save(update_fields=["profile", "target_profile"])
    return person


def profile_problems(
    profile: str | None, target_profile: str | None, known: Sequence[str] | None = None
) -> list[str]:
    """A profile and a target profile that are not stored profiles (``known``: their slugs,
    read once by a caller that checks many people)."""
    from competence.services import profiles

    slugs = profiles.known_profiles() if known is None else known
    return [
        f"{field}: unknown profile {value!r}: choose one of {', '.join(slugs)}"
        for field, value in (("profile", profile), ("target_profile", target_profile))
        if value is not None and value not in slugs
    ]


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """A person's own fields as a form, a request or a people file's row gives them: trimmed;
    the email, context and profiles in lower case; an empty employee id or target profile
    None."""
    return {
        "name": text(values.get("name")),
        "email": text(values.get("email")).lower(),
        "employee_id": text(values.get("employee_id")) or None,
        "context": text(values.get("context")).lower(),
        "profile": text(values.get("profile")).lower(),
        "target_profile": text(values.get("target_profile")).lower() or None,
    }


def context_problem(context: str) -> str | None:
    """A person's or a PMO's context that is not one of the contexts."""
    if context in CONTEXTS:
        return None
    return f"context: must be one of {', '.join(CONTEXTS)}, got {context!r}"


def field_problems(fields: Mapping[str, Any], known: Sequence[str] | None = None) -> list[str]:
    """What is wrong with a person's own fields (as :func:`clean` gives them), each problem
    naming its field: the one check of the people pages, the API and a people file."""
    bad = []
    if not fields["name"]:
        bad.append("name: is empty")
    for field, limit in LIMITS.items():
        if len(fields[field] or "") > limit:
            bad.append(f"{field}: longer than {limit} characters")
    email = fields["email"]
    try:
        validate_email(email)
    except ValidationError:
        bad.append(f"email: not an email address: {email!r}" if email else "email: is empty")
    if problem := context_problem(fields["context"]):
        bad.append(problem)
    bad.extend(profile_problems(fields["profile"], fields["target_profile"], known))
    return bad


def _date(value: Any, field: str) -> tuple[dt.date | None, str | None]:
    if value is None or isinstance(value, dt.date):
        return value, None
    found = text(value)
    if not found:
        return None, None
    try:
        return dt.date.fromisoformat(found), None
    except ValueError:
        return None, f"{field}: not a date (write YYYY-MM-DD): {found!r}"


def _changes(user: Any, person: Person | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored values a create (``person`` None) or an update makes, checked: every problem
    names its field, and one problem changes nothing."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise InputError([f"{k}: not a field of a person" for k in unknown])
    before = data(person) if person is not None else {"profile": "pmo-officer"}
    merged = {**before, **values}
    fields = clean(merged)
    problems = field_problems(fields)
    same_email = Person.objects.filter(email__iexact=fields["email"])
    if person is not None:
        same_email = same_email.exclude(pk=person.pk)
    if fields["email"] and same_email.exists():
        problems.append(f"email: {fields['email']} already belongs to another person")
    if fields["employee_id"]:
        holders = Person.objects.filter(employee_id=fields["employee_id"])
        if person is not None:
            holders = holders.exclude(pk=person.pk)
        holder = holders.values_list("email", flat=True).first()
        if holder is not None:
            problems.append(f"employee_id: {fields['employee_id']} already belongs to {holder}")
    team, problem = _team(user, merged.get("team"))
    if problem:
        problems.append(problem)
    assessor, problem = _assessor(user, person, merged.get("assessor"), fields["email"])
    if problem:
        problems.append(problem)
    left_on, problem = _date(merged.get("left_on"), "left_on")
    if problem:
        problems.append(problem)
    if problems:
        raise InputError(problems)
    if (fields["profile"], fields["target_profile"]) != (
        before.get("profile"),
        before.get("target_profile"),
    ):
        policy.require(user, "profile.edit")
    return {**fields, "team": team, "assessor": assessor, "left_on": left_on}


def _team(user: Any, path: Any) -> tuple[Team | None, str | None]:
    """The team at a path, among those the user may put people in."""
    wanted = text(path)
    if not wanted:
        if policy.allowed(user, "admin"):
            return None, None
        return None, "team: choose one of the teams of the PMOs you lead"
    tree = team_tree()
    found = tree.find(wanted)
    if found is None or found not in policy.visible_teams(user):
        return None, f"team: no team {wanted!r} (write Department / Team)"
    return Team.objects.get(pk=found), None


def _assessor(
    user: Any, person: Person | None, key: Any, email: str
) -> tuple[Person | None, str | None]:
    """The assessor given by email or employee id, among the people the user may see."""
    wanted = text(key)
    if not wanted:
        return None, None
    visible = policy.visible_people(user)
    found = visible.filter(email__iexact=wanted).first() or (
        visible.filter(employee_id=wanted).first()
    )
    if found is None:
        return None, f"assessor: {no_person(wanted)}"
    if (person is not None and found.pk == person.pk) or found.email.lower() == email:
        return None, NOT_SELF
    return found, None


def _saved(person: Person, changes: dict[str, Any]) -> Person:
    for field, value in changes.items():
        setattr(person, field, value)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # the same email or employee id, saved at the same moment
        raise InputError(
            "email: already belongs to another person (or employee_id: already taken)"
        ) from None
    return person


def create(user: Any, values: Mapping[str, Any]) -> Person:
    """Add a person (fields as :data:`FIELDS`); audited."""
    policy.require(user, "person.manage")
    return _saved(Person(), _changes(user, None, values))


def update(user: Any, person: Person, values: Mapping[str, Any]) -> Person:
    """Change the fields given (the others stay): move them to another team, give them an
    assessor, a profile, mark them as left; all or nothing, audited with old and new values."""
    policy.require(user, "person.manage", person)
    return _saved(person, _changes(user, person, values))


def mark_left(user: Any, person: Person, left_on: Any) -> Person:
    """Say the person left on this day (None: they are still here); it starts the retention
    period (COMPETENCE_RETENTION_MONTHS) after which their data is erased."""
    return update(user, person, {"left_on": left_on})


def assign_assessor(user: Any, person_ids: Sequence[int], assessor: str | None) -> list[Person]:
    """Give all these people one assessor (None: no assessor): all or nothing, each change
    audited."""
    if not person_ids:
        raise InputError("people: choose at least one person")
    chosen = list(policy.managed_people(user).filter(pk__in=list(person_ids)))
    missing = sorted(set(person_ids) - {p.pk for p in chosen})
    if missing:
        raise InputError(f"people: no person you may manage with the id {missing[0]}")
    found, problem = _assessor(user, None, assessor, "")
    problems = [problem] if problem else []
    if found is not None:
        problems += [f"{NOT_SELF} ({p.email})" for p in chosen if p.pk == found.pk]
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        for p in chosen:
            if p.assessor_id != (found.pk if found else None):
                p.assessor = found
                p.save(update_fields=["assessor"])
    return chosen


def assessor_choices(user: Any) -> QuerySet[Person]:
    """The people the user may choose as an assessor: those they may see whose account is an
    assessor's, a PMO lead's or an admin's."""
    return (
        policy.visible_people(user)
        .filter(
            Q(user__groups__name__in=[ASSESSOR, PMO_LEAD])
            | Q(user__is_staff=True)
            | Q(user__is_superuser=True)
        )
        .distinct()
        .order_by("name", "email")
    )


@dataclass(frozen=True)
class Filters:
    """What the people list is narrowed to: a text in the name, email or employee id, a team
    (and the teams below it), a PMO, an assessor (a person's id), and who left."""

    q: str = ""
    team: int | None = None
    pmo: int | None = None
    assessor: int | None = None
    left: str = ""  # "" everyone, "here" still here, "left" those who left


LEFT_CHOICES = {"": "everyone", "here": "still here", "left": "left"}
PAGE_SIZE = 50


def search(people: QuerySet[Person], filters: Filters) -> QuerySet[Person]:
    """The people among ``people`` that the filters keep, by name then email."""
    chosen = people
    if filters.q.strip():
        q = filters.q.strip()
        chosen = chosen.filter(
            Q(name__icontains=q) | Q(email__icontains=q) | Q(employee_id__icontains=q)
        )
    if filters.team is not None or filters.pmo is not None:
        tree = team_tree()
        teams = set(tree.nodes)
        if filters.team is not None:
            teams &= tree.subtree([filters.team])
        if filters.pmo is not None:
            teams &= tree.in_pmos([filters.pmo])
        chosen = chosen.filter(team_id__in=sorted(teams))
    if filters.assessor is not None:
        chosen = chosen.filter(assessor_id=filters.assessor)
    if filters.left == "here":
        chosen = chosen.filter(left_on__isnull=True)
    elif filters.left == "left":
        chosen = chosen.filter(left_on__isnull=False)
    return chosen.order_by("name", "email", "id")


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    count: int
    page: int
    pages: int

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "count": self.count, "page": self.page, "pages": self.pages}


def page_of(people: QuerySet[Person], page: int, page_size: int = PAGE_SIZE) -> Page:
    """One page of people as plain data (a count, a slice and the team paths: three queries);
    a page past the last is the last."""
    paginator = Paginator(people, page_size)
    found = paginator.get_page(page)
    return Page(listing(found.object_list), paginator.count, found.number, paginator.num_pages)
