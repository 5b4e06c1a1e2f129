"""The API twin of the Users, Cycles and Audit-trail pages: the same services, the same field
names as the pages and the commands' ``--json``, the same policy rules.

Writes need a session or a write-scope token (:class:`competence.web.api.TokenAuth` refuses a
read token anything but GET).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ConfigDict

from competence.domain.roles import ROLES
from competence.errors import InputError
from competence.services import accounts, audit_log, policy, privacy, records
from competence.store.models import ApiToken, Cycle

router = Router()

ERRORS = {401: dict[str, Any], 403: dict[str, Any], 404: dict[str, Any], 422: dict[str, Any]}


def _admin(request: HttpRequest) -> None:
    if not policy.allowed(request.user, "admin"):
        raise PermissionDenied


def _invalid(exc: InputError, where: str = "body") -> ValidationError:
    """422 naming each field: a problem reads ``field: reason``."""
    errors = []
    for p in exc.problems:
        field, sep, _ = p.partition(": ")
        errors.append({"loc": [where, field] if sep and " " not in field else [where], "msg": p})
    return ValidationError(errors)


def _user(request: HttpRequest, user_id: int) -> Any:
    _admin(request)
    try:
        return accounts.get_user(user_id)
    except InputError:
        raise Http404("no such user") from None


class UserFilter(Schema):
    q: str = Field("", max_length=200, description="In the user name or email")
    role: str | None = Field(None, json_schema_extra={"enum": [*ROLES, None]})
    active: bool | None = None


@router.get(
    "/users",
    tags=["users"],
    summary="The users (admins), as the Users page lists them",
    response={200: list[dict[str, Any]], **ERRORS},
)
def get_users(request: HttpRequest, filters: Query[UserFilter]) -> Any:
    _admin(request)
    try:
        return accounts.users(filters.q, filters.role, filters.active)
    except InputError as exc:
        raise _invalid(exc, "query") from None


class UserIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., max_length=150)
    email: str = Field(..., max_length=254)
    role: str = Field(ROLES[0], json_schema_extra={"enum": list(ROLES)})
    person: str | None = Field(None, description="Email or employee id of the person to link")


@router.post(
    "/users",
    tags=["users"],
    summary="Invite a user (admins): made without a password, and emailed a set-password link",
    response={201: dict[str, Any], **ERRORS},
)
def post_user(request: HttpRequest, body: UserIn) -> Any:
    _admin(request)
    try:
        made = accounts.create_user(
            body.username,
            role=body.role,
            email=body.email,
            password=None,
            person=body.person or None,
            fields={"username": "username", "email": "email", "person": "person", "role": "role"},
        )
    except InputError as exc:
        raise _invalid(exc) from None
    return Status(201, accounts.user_data(made))


class UserPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    role: str | None = Field(None, json_schema_extra={"enum": [*ROLES, None]})
    active: bool | None = Field(None, description="false: the user can no longer sign in")
    person: str | None = Field(
        None, description='Email or employee id of the person to link; "" to unlink'
    )


@router.patch(
    "/users/{user_id}",
    tags=["users"],
    summary="Change a user's role, whether they may sign in, and their person (admins)",
    response={200: dict[str, Any], **ERRORS},
)
def patch_user(request: HttpRequest, user_id: int, body: UserPatch) -> Any:
    user = _user(request, user_id)
    given = body.model_dump(exclude_unset=True)
    try:
        accounts.update_user(
            user,
            role=given.get("role"),
            active=given.get("active"),
            person=given.get("person", accounts.UNCHANGED),
            by=request.user,
        )
    except InputError as exc:
        raise _invalid(exc) from None
    return accounts.user_data(user)


@router.post(
    "/users/{user_id}/password-reset",
    tags=["users"],
    summary="Email the user a link to set a new password (admins); no password is sent back",
    response={202: dict[str, Any], **ERRORS},
)
def post_password_reset(request: HttpRequest, user_id: int) -> Any:
    user = _user(request, user_id)
    try:
        accounts.send_password_link(user)
    except InputError as exc:
        raise _invalid(exc) from None
    return Status(202, {"sent_to": user.email})


@router.get(
    "/tokens",
    tags=["users"],
    summary="Every API token, never its secret (admins; as `competence token list --json`)",
    response={200: list[dict[str, Any]], **ERRORS},
)
def get_tokens(request: HttpRequest, user: int | None = None) -> Any:
    _admin(request)
    return accounts.tokens(_user(request, user) if user is not None else None)


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=100)
    scope: str = Field(ApiToken.Scope.READ, json_schema_extra={"enum": [*ApiToken.Scope.values]})


@router.post(
    "/users/{user_id}/tokens",
    tags=["users"],
    summary="Make an API token for a user (admins); its `secret` is in this answer only",
    response={201: dict[str, Any], **ERRORS},
)
def post_token(request: HttpRequest, user_id: int, body: TokenIn) -> Any:
    user = _user(request, user_id)
    try:
        token, secret = accounts.create_token(user, body.name, body.scope)
    except InputError as exc:
        raise _invalid(exc) from None
    made = next(t for t in accounts.tokens(user) if t["id"] == token.pk)
    return Status(201, {**made, "secret": secret})


@router.delete(
    "/tokens/{token_id}",
    tags=["users"],
    summary="Revoke an API token (admins): it stops working at once",
    response={200: dict[str, Any], **ERRORS},
)
def delete_token(request: HttpRequest, token_id: int) -> Any:
    _admin(request)
    try:
        token = accounts.revoke_token(token_id)
    except InputError:
        raise Http404("no such token") from None
    return next(t for t in accounts.tokens(token.user) if t["id"] == token.pk)


def _cycle(request: HttpRequest, cycle_id: int) -> Cycle:
    _admin(request)
    try:
        return records.get_cycle(cycle_id)
    except InputError:
        raise Http404("no such cycle") from None


@router.get(
    "/cycles",
    tags=["cycles"],
    summary="Every cycle (as `competence cycle list --json`)",
    response={200: list[dict[str, Any]], 401: dict[str, Any]},
)
def get_cycles(request: HttpRequest) -> Any:
    return records.cycles()


class CycleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=100)
    opens_on: dt.date
    closes_on: dt.date | None = Field(None, description="The due date: the last day")


@router.post(
    "/cycles",
    tags=["cycles"],
    summary="Open a cycle (admins)",
    response={201: dict[str, Any], **ERRORS},
)
def post_cycle(request: HttpRequest, body: CycleIn) -> Any:
    _admin(request)
    try:
        made = records.create_cycle(body.name, body.opens_on, body.closes_on, ("name", "closes_on"))
    except InputError as exc:
        raise _invalid(exc) from None
    return Status(201, records.cycle_data(made))


class CyclePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    opens_on: dt.date | None = None
    closes_on: dt.date | None = Field(
        None, description="The due date; set it to today or before to close the cycle; null: none"
    )


@router.patch(
    "/cycles/{cycle_id}",
    tags=["cycles"],
    summary="Move a cycle's opening day or due date, or close it (admins)",
    response={200: dict[str, Any], **ERRORS},
)
def patch_cycle(request: HttpRequest, cycle_id: int, body: CyclePatch) -> Any:
    cycle = _cycle(request, cycle_id)
    given = body.model_dump(exclude_unset=True)
    try:
        records.update_cycle(
            cycle,
            opens_on=given.get("opens_on"),
            closes_on=given.get("closes_on", records.KEEP),
        )
    except InputError as exc:
        raise _invalid(exc) from None
    return records.cycle_data(cycle)


class RemindIn(Schema):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(False, description="Only say who would be reminded; send nothing")


@router.post(
    "/cycles/{cycle_id}/reminders",
    tags=["cycles"],
    summary="Remind everyone whose self-assessment in an open cycle is due (admins; as "
    "`competence remind --json`)",
    response={200: dict[str, Any], **ERRORS},
)
def post_reminders(request: HttpRequest, cycle_id: int, body: RemindIn) -> Any:
    cycle = _cycle(request, cycle_id)
    try:
        return privacy.remind(dry_run=body.dry_run, cycle=cycle)
    except InputError as exc:
        raise _invalid(exc) from None


class AuditQuery(Schema):
    person: str = Field("", max_length=audit_log.MAX_FILTER_LENGTH)
    actor: str = Field("", max_length=audit_log.MAX_FILTER_LENGTH)
    action: str = Field("", max_length=audit_log.MAX_FILTER_LENGTH)
    model: str = Field("", max_length=audit_log.MAX_FILTER_LENGTH)
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(audit_log.PAGE_SIZE, ge=1, le=audit_log.MAX_PAGE_SIZE)


@router.get(
    "/audit",
    tags=["audit"],
    summary="The audit trail, newest first, a page at a time (admins; PMO leads: the entries "
    "about the people they may see)",
    description='Answers `{"items": [...], "count": N, "page": N, "pages": N}`. Read only: '
    "the trail cannot be changed.",
    response={200: dict[str, Any], **ERRORS},
)
def get_audit(request: HttpRequest, query: Query[AuditQuery]) -> Any:
    if not policy.allowed(request.user, "audit.view"):
        raise PermissionDenied
    given = query.model_dump(exclude={"page", "page_size"})
    try:
        filters = audit_log.parse_filters(
            {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in given.items()}
        )
        return audit_log.page(request.user, filters, query.page, query.page_size)
    except InputError as exc:
        raise _invalid(exc, "query") from None
