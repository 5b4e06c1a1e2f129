"""Who may see what. Every page and API route asks here; nowhere else decides.

Until roles land, a user sees their own person's data, and staff see everyone.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from competence.web.models import Person

User = AbstractBaseUser | AnonymousUser


def own_person(user: User) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user_id=user.pk).select_related("team", "assessor").first()


def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


def can_view_person(user: User, person: Person) -> bool:
    return is_staff(user) or (user.is_authenticated and person.user_id == user.pk)


def can_view_team(user: User) -> bool:
    return is_staff(user)


def can_manage_data(user: User) -> bool:
    """Import and export people and ratings."""
    return is_staff(user)


def visible_people(user: User) -> QuerySet[Person]:
    people = Person.objects.select_related("team", "assessor")
    if is_staff(user):
        return people
    if not user.is_authenticated:
        return people.none()
    return people.filter(user_id=user.pk)
