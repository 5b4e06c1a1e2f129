"""Users, roles and API tokens (CONTRACT.md "Identity").

A user always sees their own person's data; a role adds to it: ``member`` (nothing more),
``assessor`` (the people assigned to them), ``pmo-lead`` (everyone in the PMOs they lead, and
their team analytics), ``admin`` (everything). Roles are Django groups of those names.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import OperationalError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from competence.domain.roles import ADMIN, ROLES
from competence.errors import InputError
from competence.services import notify, people, policy
from competence.services.database import is_busy
from competence.store import audit
from competence.store.models import ApiToken

TOKEN_PREFIX = "cmp_"


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")


@transaction.atomic
def set_role(user: User, role: str, *, new: bool = False) -> None:
    """Give the user ``role`` (``new``: a user just made, who had none)."""
    _check_role(role)
    before = None if new else role_of(user)
    groups = [Group.objects.get_or_create(name=r)[0] for r in ROLES]
    user.groups.remove(*groups)
    user.groups.add(next(g for g in groups if g.name == role))
    user.is_staff = role == ADMIN
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_competence_role", None)
    audit.record(
        "update",
        "User",
        object_id=str(user.pk),
        summary=f"{user.username}: role {role}",
        old={"role": before} if before is not None else None,
        new={"role": role},
    )


def role_of(user: User) -> str:
    """The user's role, as the policy reads it (a superuser is an admin)."""
    user.__dict__.pop("_competence_role", None)
    return policy.role(user) or ROLES[0]


@transaction.atomic
def create_user(
    username: str,
    *,
    role: str,
    email: str,
    password: str | None,
    person: str | None = None,
    fields: dict[str, str] | None = None,
) -> User:
    """A user with a role and a password (checked by Django's validators), linked to a person.

    ``password`` None: an invitation, a user without a usable password who is emailed a
    set-password link (:func:`send_password_link`). ``fields`` renames the fields that problems
    name (the command line's ``USERNAME``, ``--email`` and ``--person`` by default)."""
    names = {"username": "USERNAME", "email": "--email", "person": "--person"} | (fields or {})
    problems = []
    if role not in ROLES:
        problems.append(
            f"{names.get('role', '--role')}: unknown role {role!r}: "
            f"choose one of {', '.join(ROLES)}"
        )
    if not username.strip() or len(username) > 150:
        problems.append(f"{names['username']}: a user name has 1 to 150 characters")
    elif User.objects.filter(username=username).exists():
        problems.append(f"{names['username']}: {username!r} is taken")
    try:
        validate_email(email)
    except ValidationError:
        problems.append(f"{names['email']}: not an email address: {email!r}")
    if password is not None:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            problems.extend(f"password: {m}" for m in exc.messages)
    linked = None
    if person:
        try:
            linked = _free_person(person, None)
        except InputError as exc:
            problems.extend(f"{names['person']}: {p}" for p in exc.problems)
    if problems:
        raise InputError(problems)
    user = User.objects.create_user(username, email, password)  # None: no usable password
    audit.record(
        "create",
        "User",
        object_id=str(user.pk),
        summary=f"{username} ({role})" + (" invited" if password is None else ""),
        new={"username": username, "email": email},
    )
    set_role(user, role, new=True)
    if linked is not None:
        linked.user = user
        linked.save()
    if password is None:
        send_password_link(user, invited=True)
    return user


def _free_person(key: str, user: User | None) -> Any:
    """The person of this email or employee id, when no other user is linked to them."""
    linked = people.find(key)
    if linked.user_id is not None and (user is None or linked.user_id != user.pk):
        raise InputError(f"{linked.email} is already linked to another user")
    return linked


def send_password_link(user: User, invited: bool = False) -> int:
    """Email the user a link to set their password (Django's password-reset token: it works
    once, and no longer once the password or the last sign-in changes). Nothing about the
    password is shown or stored; the audit says a link was sent, never the link."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    if not user.is_active:
        raise InputError(f"{user.username} is deactivated: reactivate the user first")
    if not user.email:
        raise InputError(f"email: {user.username} has no email address to send a link to")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = notify.link("password_reset_confirm", uid, default_token_generator.make_token(user))
    sent = notify.password_link(user.email, user.username, url, invited)
    audit.record(
        "update",
        "User",
        object_id=str(user.pk),
        summary=f"{user.username}: "
        + ("invitation" if invited else "password reset link")
        + f" sent to {user.email}",
    )
    return sent


UNCHANGED: Any = object()
"""An argument of :func:`update_user` left as it is."""


@transaction.atomic
def update_user(
    user: User,
    *,
    role: str | None = None,
    active: bool | None = None,
    person: str | None = UNCHANGED,
    by: Any = None,
) -> User:
    """Change a user's role, whether they may sign in (``active``) and the person they are
    linked to (an email or employee id; "" or None: none). ``by``: the user making the change,
    who may neither deactivate themselves nor give up their own admin role. Audited with the
    old and new values."""
    problems = []
    if role is not None and role not in ROLES:
        problems.append(f"role: unknown role {role!r}: choose one of {', '.join(ROLES)}")
    myself = by is not None and getattr(by, "pk", None) == user.pk
    if myself and active is False:
        problems.append("active: you cannot deactivate yourself")
    if myself and role is not None and role != ADMIN:
        problems.append("role: you cannot give up your own admin role")
    linked = current = people_linked(user)
    if person is not UNCHANGED:
        if person:
            try:
                linked = _free_person(person, user)
            except InputError as exc:
                problems.extend(f"person: {p}" for p in exc.problems)
        else:
            linked = None
    if problems:
        raise InputError(problems)
    if role is not None and role != role_of(user):
        set_role(user, role)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if active is not None and active != user.is_active:
        old["active"], new["active"] = user.is_active, active
        user.is_active = active
        user.save(update_fields=["is_active"])
    if linked != current:
        old["person"] = current.email if current else None
        new["person"] = linked.email if linked else None
        if current is not None:
            current.user = None
            current.save()
        if linked is not None:
            linked.user = user
            linked.save()
    if new:
        audit.record(
            "update",
            "User",
            object_id=str(user.pk),
            summary=f"{user.username}: {', '.join(sorted(new))}",
            old=old,
            new=new,
        )
    return user


def people_linked(user: User) -> Any:
    """The person linked to the user, if any."""
    from competence.store.models import Person

    return Person.objects.filter(user_id=user.pk).first()


def user_data(user: User, person: Any = UNCHANGED) -> dict[str, Any]:
    """A user as plain data (never their password or its hash)."""
    linked = people_linked(user) if person is UNCHANGED else person
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "role": role_of(user),
        "active": user.is_active,
        "person": linked.email if linked else None,
        "has_password": user.has_usable_password(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def get_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InputError(f"no user {user_id}")
    return user


def _matching(search: str, role: str | None, active: bool | None) -> QuerySet[User]:
    """The users matching the search (in the user name or email), the role (the policy's rule,
    in SQL) and whether they are active, by user name."""
    from django.db.models import Q

    found = User.objects.prefetch_related("groups").order_by("username")
    if role is not None:
        _check_role(role)
        found = policy.with_role(found, role)
    if search.strip():
        found = found.filter(
            Q(username__icontains=search.strip()) | Q(email__icontains=search.strip())
        )
    if active is not None:
        found = found.filter(is_active=active)
    return found


def _listed(found: Iterable[User]) -> list[dict[str, Any]]:
    from competence.store.models import Person

    chosen = list(found)
    linked = {p.user_id: p for p in Person.objects.filter(user_id__in=[u.pk for u in chosen])}
    return [user_data(u, linked.get(u.pk)) for u in chosen]


def users(
    search: str = "", role: str | None = None, active: bool | None = None
) -> list[dict[str, Any]]:
    """Every user matching the search (in the user name or email), the role and whether they
    are active, by user name."""
    return _listed(_matching(search, role, active))


def users_page(
    search: str = "", role: str | None = None, active: bool | None = None, page: int = 1
) -> people.Page:
    """One page of :func:`users` (``people.PAGE_SIZE`` a page; a page past the last is the
    last): the Users page at any number of users."""
    from django.core.paginator import Paginator

    paginator = Paginator(_matching(search, role, active), people.PAGE_SIZE)
    shown = paginator.get_page(page)
    return people.Page(
        _listed(shown.object_list), paginator.count, shown.number, paginator.num_pages
    )


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
    problems = []
    if not 0 < len(name.strip()) <= 100:
        problems.append("name: a token name has 1 to 100 characters")
    if scope not in ApiToken.Scope.values:
        problems.append(f"scope: choose read or write, got {scope!r}")
    if problems:
        raise InputError(problems)
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


def tokens(user: User | None = None) -> list[dict[str, Any]]:
    """Every API token (of ``user``, if given), never its secret."""
    found = ApiToken.objects.select_related("user")
    if user is not None:
        found = found.filter(user=user)
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
        for t in found
    ]
