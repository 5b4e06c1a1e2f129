"""The command line's side of the access policy: who is acting (``--as USER``, or the operator)
and whether the policy lets them run a command on a subject.

Every command that touches people's data declares a rule of :data:`policy.RULES`; the command
line calls :func:`authorize` before it does anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from competence.errors import InputError
from competence.services import people, policy
from competence.services.records import cli_actor
from competence.store import audit
from competence.store.models import Person


def principal(as_user: str | None) -> policy.User:
    """The user named by ``--as``, or the operator (full rights) when there is none."""
    if not as_user:
        return policy.OPERATOR
    from django.contrib.auth.models import User

    user = User.objects.filter(username=as_user, is_active=True).first()
    if user is None:
        raise InputError(f"--as: no active user {as_user!r}")
    return user


def authorize(
    as_user: str | None, rule: str, subject: str | None = None
) -> tuple[policy.User, Person | None]:
    """The acting user and the subject (a person's email or employee id, when the rule is about
    one), once the policy allows ``rule``; :class:`policy.Forbidden` otherwise."""
    who = principal(as_user)
    person = people.find(subject) if subject else None
    try:
        policy.require(who, rule, person)
    except policy.Forbidden as exc:
        raise policy.Forbidden(f"--as {as_user}: {exc.problems[0]}") from None
    return who, person


@contextmanager
def acting(as_user: str | None) -> Iterator[str]:
    """Record every change made inside as the command line's actor (CONTRACT.md "Identity")."""
    with audit.acting_as(cli_actor(as_user)) as who:
        yield who
