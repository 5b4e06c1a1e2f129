"""What every page shares: the menu's context, the start page, finding the person a page is about,
and download responses."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, overload

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import content_disposition_header

from competence.data import load_catalogue
from competence.domain.framework import Framework
from competence.errors import InputError
from competence.services import people, policy, second_views
from competence.store.models import Person

T = TypeVar("T")
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
        "can_manage_people": policy.allowed(user, "person.manage"),
        "credit": None,  # a page that shows a framework gives its own: see credit()
        "oidc_enabled": settings.OIDC_ENABLED,
    }


def credit(framework: Framework) -> dict[str, str]:
    """The footer's attribution on a page that shows ``framework``: its source and notice, and
    the levels that are ours, not its owner's (APM's level 0 "Unaware"). A page that shows no
    framework says it neutrally (the footer without a credit)."""
    a = framework.attribution
    ours = [lv for lv in framework.levels if not lv.from_source]
    owner = "APM" if framework.id == load_catalogue().framework.id else a.owner
    if len(ours) == len(framework.levels):
        low, top = ours[0], ours[-1]
        said = (
            f"The rating scale (levels {low.level} {low.name} to {top.level} {top.name}) and "
            f"its descriptors are ours, not {owner}'s."
        )
    elif ours:
        names = ", ".join(f'{lv.level} "{lv.name}"' for lv in ours)
        said = (
            f"Level{'s' if len(ours) > 1 else ''} {names} and "
            f"{'their' if len(ours) > 1 else 'its'} descriptors are ours, not {owner}'s."
        )
    else:
        said = ""
    return {"source": a.source, "notice": a.notice, "ours": said}


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
    if second_views.asked_of(request.user):  # a rater who is nobody's person here
        return redirect("second_views_asked")
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


FORM_LIMIT = 1000
"""The most characters a field of the people, teams and PMOs forms takes (the services check
the real limits)."""


def posted_values(request: HttpRequest, fields: Iterable[str]) -> dict[str, str]:
    """The fields of a form that were sent (a field not sent stays as it is), each cut to
    :data:`FORM_LIMIT` characters."""
    return {f: (request.POST.get(f) or "")[:FORM_LIMIT] for f in fields if f in request.POST}


def problems_by_field(exc: InputError, fields: Iterable[str]) -> dict[str, list[str]]:
    """Each problem under the field it names (``field: reason``); the others under ``all``."""
    known = set(fields)
    found: dict[str, list[str]] = {}
    for problem in exc.problems:
        field, _, reason = problem.partition(": ")
        if field in known and reason:
            found.setdefault(field, []).append(reason)
        else:
            found.setdefault("all", []).append(problem)
    return found


def saved_or_shown(
    request: HttpRequest,
    save: Callable[[], T],
    show: Callable[[dict[str, list[str]]], HttpResponse],
    fields: Iterable[str],
    said: Callable[[T], str],
    then: str,
) -> HttpResponse:
    """Run a form's service: on success say ``said(result)`` and go to the page ``then``; on a
    problem show the form again with each problem beside its field (nothing was saved)."""
    try:
        done = save()
    except InputError as exc:
        return show(problems_by_field(exc, fields))
    messages.success(request, said(done))
    return redirect(then)


def attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    """Make ``response`` a download named ``filename`` (made safe by Django)."""
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


KEPT_FORM = "competence_kept_form"
"""The session key of a form posted while signed out, kept to be sent again after sign-in."""
TOKEN_FIELD = "csrfmiddlewaretoken"


def from_script(request: HttpRequest) -> bool:
    """A request made by the page's own script (autosave), which wants JSON back."""
    return request.headers.get("X-Requested-With") == "fetch"


def posted_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The fields of a posted form, without its CSRF token."""
    return [(k, v) for k, values in request.POST.lists() if k != TOKEN_FIELD for v in values]


KEEPS_ANSWERS = frozenset({"self_assessment"})
"""The pages whose posted answers are kept over a sign-in or a failed CSRF check (by URL name):
forms of answers, never one that holds a password."""


def keeps_answers(request: HttpRequest) -> bool:
    match = request.resolver_match or _resolve(request.path)
    return match is not None and match.url_name in KEEPS_ANSWERS


def _resolve(path: str) -> Any:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path)
    except Resolver404:
        return None


View = Callable[..., HttpResponse]


@overload
def signed_in_keeping_forms(view: View) -> View: ...
@overload
def signed_in_keeping_forms(*, then: str) -> Callable[[View], View]: ...
def signed_in_keeping_forms(
    view: View | None = None, *, then: str | None = None
) -> View | Callable[[View], View]:
    """As ``login_required``, except that a form of answers (:data:`KEEPS_ANSWERS`) posted
    after the session has ended is kept (in the new session) and the person sent to sign in;
    :func:`kept_form` gives it back to the page after sign-in, which saves it. The page's own
    script gets 401 in JSON instead, and keeps the answers in the browser. ``then``: the page
    (URL name) to come back to after sign-in, for a page that only takes a POST."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            back = reverse(then) if then else request.path
            signin = reverse("signin") + "?" + QueryDict.fromkeys(["next"], back).urlencode()
            if from_script(request):
                return JsonResponse(
                    {"saved": False, "signed_in": False, "signin": signin}, status=401
                )
            if request.method == "POST" and keeps_answers(request):
                request.session[KEPT_FORM] = {
                    "path": request.path,
                    "fields": posted_fields(request),
                }
            return redirect_to_login(reverse(then) if then else request.get_full_path())

        return wrapper

    return decorate(view) if view is not None else decorate


def kept_form(request: HttpRequest) -> QueryDict | None:
    """The form this page's person posted while signed out, once (see
    :func:`signed_in_keeping_forms`); None when there is none for this page."""
    kept = request.session.get(KEPT_FORM)
    if not isinstance(kept, dict) or kept.get("path") != request.path:
        return None
    del request.session[KEPT_FORM]
    data = QueryDict(mutable=True)
    for key, value in kept.get("fields", []):
        data.appendlist(str(key), str(value))
    return data


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form's security check failed (the page was open past the end of
    the session, or cookies were cleared or blocked). Says so, and shows what was sent as a
    form the person can send again with a fresh check, once they have seen what it holds."""
    message = (
        "This form could not be accepted: its security check failed. That happens when a page "
        "stays open after your sign-in has ended, or when cookies are cleared or blocked."
    )
    if from_script(request) or request.path.startswith("/api/"):
        return JsonResponse({"saved": False, "csrf": True, "detail": message}, status=403)
    fields = posted_fields(request) if keeps_answers(request) else []
    return render(
        request,
        "competence/csrf_failure.html",
        {"message": message, "path": request.path, "fields": fields},
        status=403,
    )
