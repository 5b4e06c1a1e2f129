"""What every page shares: the menu's context, the start page, finding the person a page is about,
and download responses."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import content_disposition_header

from competence.data import load_catalogue
from competence.errors import InputError
from competence.services import people, policy
from competence.store.models import Person

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BUSY_RETRY_SECONDS = 30


def busy(request: HttpRequest, context: dict[str, Any] | None = None) -> HttpResponse:
    """503 with Retry-After: another writer (an import, say) held the database's write lock for
    longer than a request waits. Nothing was changed."""
    response = render(request, "competence/busy.html", context or {}, status=503)
    response["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The page for an error no view handled: 503 when the database was busy, else Django's 500."""
    from django.views import defaults

    from competence.services.database import is_busy

    if is_busy(sys.exc_info()[1] or Exception()):
        return busy(request)
    return defaults.server_error(request)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context for the menu."""
    user = request.user
    return {
        "own_person": policy.own_person(user) if user.is_authenticated else None,
        "can_view_team": policy.allowed(user, "team.figures"),
        "can_review": policy.allowed(user, "review.list"),
        "can_manage": policy.allowed(user, "admin"),
        "attribution": load_catalogue().framework.attribution,
        "oidc_enabled": settings.OIDC_ENABLED,
    }


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return HttpResponsePermanentRedirect(static("competence/favicon.svg"))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    person = policy.own_person(request.user)
    if person is not None:
        return redirect("results", person_id=person.pk)
    if policy.allowed(request.user, "team.figures"):
        return redirect("team")
    return redirect("framework")


def require(request: HttpRequest, rule: str, subject: Any = None) -> None:
    """403 unless the signed-in user passes the policy's ``rule``."""
    if not policy.allowed(request.user, rule, subject):
        raise PermissionDenied


def person_for(request: HttpRequest, person_id: int, rule: str = "person.view") -> Person:
    """The person a page is about: 404 when there is none, 403 when the user may not."""
    try:
        person = people.get(person_id)
    except InputError:
        raise Http404("no such person") from None
    require(request, rule, person)
    return person


def attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    """Make ``response`` a download named ``filename`` (made safe by Django)."""
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
