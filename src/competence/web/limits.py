"""Every request runs within a time budget (:mod:`competence.domain.budget`): the long loops it
calls check the deadline and stop, so that nobody's request goes on using a core after its
client has given up. A request stopped this way answers 503 with ``Retry-After``.

Every request body has a size limit too: one larger than the largest file an import takes
(:data:`competence.formats.limits.MAX_FILE_BYTES`) is refused with 413 before it is read, and
so is an evidence upload through the API larger than :data:`EVIDENCE_BODY`."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from competence.domain import budget
from competence.domain import evidence as evidence_rules
from competence.formats.limits import MAX_FILE_BYTES, size

Handler = Callable[[HttpRequest], HttpResponse]
UPLOAD_OVERHEAD = 64 * 1024
"""What a form sends besides its file: its other fields and the multipart boundaries."""
LARGEST_BODY = MAX_FILE_BYTES + UPLOAD_OVERHEAD
EVIDENCE_BODY = evidence_rules.MAX_FILES * evidence_rules.MAX_FILE_BYTES + UPLOAD_OVERHEAD
"""The largest request that attaches evidence: a rating's worth of files and the fields."""
EVIDENCE_TOO_LARGE = (
    f"At most {evidence_rules.MAX_FILES} files of "
    f"{evidence_rules.MAX_FILE_BYTES // (1024 * 1024)} MiB each at a time; nothing was attached."
)
EVIDENCE_UPLOADS = frozenset({"api:post_evidence"})
"""The API's evidence uploads, by URL name (the page checks its own, see views/evidence)."""


def request_size(get_response: Handler) -> Handler:
    """Refuse a body larger than :data:`LARGEST_BODY` before anything reads it (the CSRF check
    reads a form's fields, and with them its files, before any view runs)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > LARGEST_BODY:
            return too_large(request)
        if length > EVIDENCE_BODY and _name(request) in EVIDENCE_UPLOADS:
            return JsonResponse({"detail": EVIDENCE_TOO_LARGE}, status=413)
        return get_response(request)

    return middleware


def _name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


def too_large(request: HttpRequest) -> HttpResponse:
    message = (
        f"The file is too large: an import takes at most {size(MAX_FILE_BYTES)}. "
        "Split it into smaller files."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return render(
        request, "competence/too_large.html", {"largest": size(MAX_FILE_BYTES)}, status=413
    )


def request_budget(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        with budget.limit(settings.REQUEST_SECONDS):
            try:
                return get_response(request)
            except budget.OverBudget:
                return over_budget(request)

    return middleware


def over_budget(request: HttpRequest) -> HttpResponse:
    response = render(request, "competence/over_budget.html", status=503)
    response["Retry-After"] = "60"
    return response
