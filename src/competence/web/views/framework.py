"""The framework and its profiles, and the comparison of the two profiles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from competence.domain.framework import CONTEXTS
from competence.errors import InputError
from competence.services import catalogue, profiles


@login_required
def framework(request: HttpRequest) -> HttpResponse:
    try:
        page = catalogue.framework_page(
            request.GET.get("profile") or "pmo-officer",
            request.GET.get("context") or None,
            profiles.catalogue(),
        )
    except InputError:
        raise Http404("no such profile or context") from None
    return render(request, "competence/framework.html", {**page, "contexts": CONTEXTS})


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """Two stored profiles side by side (by default APM's officer and specialist)."""
    current = profiles.catalogue()
    try:
        comparison = catalogue.comparison(
            request.GET.get("first") or "pmo-officer",
            request.GET.get("second") or "pmo-specialist",
            current,
        )
    except InputError:
        raise Http404("no such profile") from None
    return render(
        request,
        "competence/compare.html",
        {"comparison": comparison, "profiles": catalogue.profiles_data(current)},
    )
