"""Who may see what. Every page, API route, export and report asks here; nowhere else decides.

A user always sees their own person's data; their role adds to it (CONTRACT.md "Identity"):

- ``member``: nothing more;
- ``assessor``: the people whose assessor they are;
- ``pmo-lead``: everyone in the PMOs they lead, and those PMOs' team analytics;
- ``admin``: everything, including managing people, data and frameworks.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from competence.store.models import Person

User = AbstractBaseUser | AnonymousUser
MEMBER, ASSESSOR, PMO_LEAD, ADMIN = "member", "assessor", "pmo-lead", "admin"
ROLES = (MEMBER, ASSESSOR, PMO_LEAD, ADMIN)


def role(user: User) -> str | None:
    """The user's role; a superuser or staff account is an admin."""
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return ADMIN
    cached = getattr(user, "_competence_role", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        cached = next((r for r in reversed(ROLES) if r in names), MEMBER)
        user._competence_role = cached  # type: ignore[attr-defined]
    return str(cached)


def own_person(user: User) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user_id=user.pk).select_related("team", "assessor").first()


def _in_led_pmos(user: User) -> Q:
    """People whose team, or a team above it, belongs to a PMO the user leads."""
    led = Q(team__pmo__leads=user.pk)
    return led | Q(team__parent__pmo__leads=user.pk) | Q(team__parent__parent__pmo__leads=user.pk)


def visible_people(user: User) -> QuerySet[Person]:
    people = Person.objects.select_related("team", "assessor")
    who = role(user)
    if who is None:
        return people.none()
    if who == ADMIN:
        return people
    rule = Q(user_id=user.pk)
    if who == ASSESSOR:
        rule |= Q(assessor__user_id=user.pk)
    if who == PMO_LEAD:
        rule |= _in_led_pmos(user) | Q(assessor__user_id=user.pk)
    return people.filter(rule).distinct()


def can_view_person(user: User, person: Person) -> bool:
    if not user.is_authenticated:
        return False
    if person.user_id == user.pk or role(user) == ADMIN:
        return True
    return visible_people(user).filter(pk=person.pk).exists()


def can_review(user: User, person: Person) -> bool:
    """Enter assessor ratings, agree and sign off: the person's assessor, or an admin; never for
    one's own assessment."""
    if not user.is_authenticated or person.user_id == user.pk:
        return False
    if role(user) == ADMIN:
        return True
    assessor = person.assessor
    return (
        role(user) in (ASSESSOR, PMO_LEAD)
        and assessor is not None
        and assessor.user_id == user.pk
        and person.user_id != user.pk
    )


def can_edit_plan(user: User, person: Person) -> bool:
    """A development plan is the person's and their assessor's to edit (an admin's too)."""
    if not user.is_authenticated:
        return False
    return person.user_id == user.pk or can_review(user, person)


def can_view_team(user: User) -> bool:
    """The team view: PMO leads and admins with individuals, assessors as figures only."""
    return role(user) in (ASSESSOR, PMO_LEAD, ADMIN)


def sees_individuals_in_team_view(user: User) -> bool:
    return role(user) in (PMO_LEAD, ADMIN)


def team_people(user: User) -> QuerySet[Person]:
    """Whom the team view counts: those a lead or admin may see; for an assessor, the people of
    their own PMO, shown only as figures (and not at all below COMPETENCE_MIN_GROUP_SIZE)."""
    if sees_individuals_in_team_view(user):
        return visible_people(user)
    person = own_person(user)
    team = person.team if person else None
    pmo_id = None
    while team is not None and pmo_id is None:
        pmo_id, team = team.pmo_id, team.parent
    if pmo_id is None:
        return Person.objects.none()
    return Person.objects.filter(
        Q(team__pmo_id=pmo_id)
        | Q(team__parent__pmo_id=pmo_id)
        | Q(team__parent__parent__pmo_id=pmo_id)
    ).select_related("team", "assessor")


def can_manage_data(user: User) -> bool:
    """Import and export people and ratings."""
    return role(user) == ADMIN


def is_staff(user: User) -> bool:
    return role(user) == ADMIN
