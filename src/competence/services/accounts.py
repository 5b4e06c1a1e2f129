"""Users, roles and API tokens (CONTRACT.md "Identity").

A user always sees their own person's data; a role adds to it: ``member`` (nothing more),
``assessor`` (the people assigned to them), ``pmo-lead`` (everyone in the PMOs they lead, and
their team analytics), ``admin`` (everything). Roles are Django groups of those names.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import OperationalError, transaction
from django.utils import timezone

from competence.domain.roles import ADMIN, ROLES
from competence.errors import InputError
from competence.services import people
from competence.services.database import is_busy
from competence.store import audit
from competence.store.models import ApiToken

TOKEN_PREFIX = "cmp_"


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")


@transaction.atomic
def set_role(user: User, role: str) -> None:
    _check_role(role)
    groups = [Group.objects.get_or_create(name=r)[0] for r in ROLES]
    user.groups.remove(*groups)
    user.groups.add(next(g for g in groups if g.name == role))
    user.is_staff = role == ADMIN
    user.save(update_fields=["is_staff"])
    audit.record(
        "update",
        "User",
        object_id=str(user.pk),
        summary=f"{user.username}: role {role}",
        new={"role": role},
    )


@transaction.atomic
def create_user(
    username: str, *, role: str, email: str, password: str, person: str | None = None
) -> User:
    """A user with a role and a password (checked by Django's validators), linked to a person."""
    _check_role(role)
    problems = []
    if User.objects.filter(username=username).exists():
        problems.append(f"USERNAME: {username!r} is taken")
    try:
        validate_email(email)
    except ValidationError:
        problems.append(f"--email: not an email address: {email!r}")
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        problems.extend(f"password: {m}" for m in exc.messages)
    linked = None
    if person:
        try:
            linked = people.find(person)
        except InputError as exc:
            problems.extend(f"--person: {p}" for p in exc.problems)
        else:
            if linked.user_id is not None:
                problems.append(f"--person: {linked.email} is already linked to a user")
    if problems:
        raise InputError(problems)
    user = User.objects.create_user(username, email, password)
    audit.record(
        "create",
        "User",
        object_id=str(user.pk),
        summary=f"{username} ({role})",
        new={"username": username, "email": email},
    )
    set_role(user, role)
    if linked is not None:
        linked.user = user
        linked.save()
    return user


def find_user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise InputError(f"no user {username!r}")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(user: User, name: str, scope: str = ApiToken.Scope.READ) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its SHA-256 is stored."""
    if scope not in ApiToken.Scope.values:
        raise InputError(f"--scope: choose read or write, got {scope!r}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:10],
        digest=_digest(secret),
        scope=scope,
        created_at=timezone.now(),
    )
    audit.record(
        "create",
        "ApiToken",
        object_id=str(token.pk),
        summary=f"{user.username}: token {name!r} ({scope})",
    )
    return token, secret


@transaction.atomic
def revoke_token(token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise InputError(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            "update",
            "ApiToken",
            object_id=str(token.pk),
            summary=f"{token.user.username}: token {token.name!r} revoked",
        )
    return token


def retire_tokens(user: User, name: str) -> int:
    """Revoke every API token of a user and rename them all ``name`` (erasing a person: a token's
    name may carry theirs); return how many were still live. Audited by the erasure."""
    live = ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
    ApiToken.objects.filter(user=user).update(name=name)
    return live


class ReadScope(InputError):
    """A valid token whose scope is read, on a request that writes (403 on the API)."""


def user_for_token(secret: str, method: str) -> User | None:
    """The token's user when it is valid and its scope allows the method; None when it is not
    valid. A valid read token on a request that writes raises :class:`ReadScope`."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if method not in ("GET", "HEAD", "OPTIONS") and token.scope != ApiToken.Scope.WRITE:
        raise ReadScope(
            "this token's scope is read: a request that writes needs a token with the write "
            "scope; nothing was done"
        )
    try:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    except OperationalError as exc:  # a note of when it was last used: never worth a failure
        if not is_busy(exc):
            raise
    return token.user


def tokens() -> list[dict[str, Any]]:
    """Every API token (never its secret)."""
    return [
        {
            "id": t.pk,
            "user": t.user.username,
            "name": t.name,
            "prefix": t.prefix,
            "scope": t.scope,
            "created_at": t.created_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked": t.revoked_at is not None,
        }
        for t in ApiToken.objects.select_related("user")
    ]
