"""The audit trail (admins; PMO leads for the people they may see): read only, filtered, a page
at a time, and exported as CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from competence.errors import InputError
from competence.formats.exports import csv_lines
from competence.services import audit_log
from competence.web.views.accounts import when
from competence.web.views.common import attachment, require

FILTERS = ("person", "actor", "action", "model", "since", "until")


def _filters(request: HttpRequest) -> audit_log.Filters:
    return audit_log.parse_filters({k: request.GET.get(k) for k in FILTERS})


def _number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 0


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    require(request, "audit.view")
    raw = {k: (request.GET.get(k) or "")[:200] for k in FILTERS}
    context = {"filters": raw, "kinds": audit_log.kinds(), "problems": []}
    try:
        filters = _filters(request)
        found = audit_log.page(request.user, filters, _number(request))
    except InputError as exc:
        context["problems"] = exc.problems
        return render(request, "competence/audit.html", context, status=422)
    for item in found["items"]:
        item["changes"] = audit_log.changes(item["old"], item["new"])
        item["when"] = when(item["at"])
    query = filters.as_query()
    context |= {
        "found": found,
        "query": urlencode(query),
        "previous": urlencode(query | {"page": found["page"] - 1}) if found["page"] > 1 else "",
        "next": urlencode(query | {"page": found["page"] + 1})
        if found["page"] < found["pages"]
        else "",
    }
    return render(request, "competence/audit.html", context)


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered trail as CSV, streamed; every cell escaped against formulas."""
    require(request, "audit.view")
    try:
        found = audit_log.rows(request.user, _filters(request))
    except InputError as exc:
        return HttpResponse("\n".join(exc.problems), status=422, content_type="text/plain")
    response = StreamingHttpResponse(csv_lines(found), content_type="text/csv; charset=utf-8")
    return attachment(response, "competence-audit.csv")
