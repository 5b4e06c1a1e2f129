"""Users and their API tokens (admins): invite, role, person, deactivate, password link."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from competence.domain import words
from competence.domain.roles import ROLES
from competence.errors import InputError
from competence.services import accounts
from competence.store.models import ApiToken
from competence.web.views.common import require

ACTIVE_CHOICES = {"": None, "yes": True, "no": False}
"""The users list's ``active`` filter: all, active only, deactivated only."""


def _user(request: HttpRequest, user_id: int) -> Any:
    require(request, "admin")
    try:
        return accounts.get_user(user_id)
    except InputError:
        raise Http404("no such user") from None


@login_required
@require_http_methods(["GET", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    """The users (search, role, active) and the invitation form."""
    require(request, "admin")
    search = request.GET.get("q", "")[:200]
    role = request.GET.get("role") or None
    active = request.GET.get("active", "")
    problems: list[str] = []
    form = {"username": "", "email": "", "role": ROLES[0], "person": ""}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        try:
            made = accounts.create_user(
                form["username"],
                role=form["role"],
                email=form["email"],
                password=None,
                person=form["person"] or None,
                fields={
                    "username": "username",
                    "email": "email",
                    "person": "person",
                    "role": "role",
                },
            )
        except InputError as exc:
            problems, status = exc.problems, 422
        else:
            messages.success(
                request, f"{made.username} is invited: a set-password link went to {made.email}."
            )
            return redirect("user_detail", user_id=made.pk)
    found = accounts.users_page(
        search,
        role if role in ROLES else None,
        ACTIVE_CHOICES.get(active),
        int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "competence/users.html",
        {
            "users": found,
            "query": query.urlencode(),
            "roles": ROLES,
            "search": search,
            "role": role,
            "active": active,
            "form": form,
            "problems": problems,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """One user: role, person and whether they may sign in; the password link; their tokens."""
    user = _user(request, user_id)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            accounts.update_user(
                user,
                role=request.POST.get("role") or None,
                active=request.POST.get("active") == "yes",
                person=request.POST.get("person", "").strip(),
                by=request.user,
            )
        except InputError as exc:
            problems, status = exc.problems, 422
        else:
            messages.success(request, f"{user.username} is saved.")
            return redirect("user_detail", user_id=user.pk)
    return _detail(request, user, problems=problems, status=status)


def _detail(request: HttpRequest, user: Any, status: int = 200, **extra: Any) -> HttpResponse:
    account = accounts.user_data(user)
    tokens = accounts.tokens(user)
    for t in tokens:
        t["last_used"] = words.shown_time(t["last_used_at"])
    return render(
        request,
        "competence/user.html",
        {
            "account": account,
            "last_login": words.shown_time(account["last_login"]),
            "roles": ROLES,
            "tokens": tokens,
            "scopes": ApiToken.Scope.values,
            **extra,
        },
        status=status,
    )


@login_required
@require_http_methods(["POST"])
def user_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Email the user a link to set a new password (the page never shows or sets one)."""
    user = _user(request, user_id)
    try:
        accounts.send_password_link(user)
    except InputError as exc:
        messages.error(request, exc.report())
    else:
        messages.success(request, f"A set-password link went to {user.email}.")
    return redirect("user_detail", user_id=user.pk)


@never_cache
@login_required
@require_http_methods(["POST"])
def user_token_create(request: HttpRequest, user_id: int) -> HttpResponse:
    """A new API token for the user: its secret is shown on this answer only."""
    user = _user(request, user_id)
    try:
        token, secret = accounts.create_token(
            user, request.POST.get("name", "").strip(), request.POST.get("scope", "read")
        )
    except InputError as exc:
        return _detail(request, user, status=422, token_problems=exc.problems)
    return _detail(request, user, secret=secret, new_token=token)


@login_required
@require_http_methods(["POST"])
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    require(request, "admin")
    try:
        token = accounts.revoke_token(token_id)
    except InputError:
        raise Http404("no such token") from None
    messages.success(request, f"Token {token.name!r} is revoked: it no longer works.")
    return redirect("user_detail", user_id=token.user_id)
