"""The framework and its profiles, the comparison of the two profiles, and every framework
there is to assess against (APM's and the imported ones)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from competence.domain.framework import CONTEXTS
from competence.errors import InputError
from competence.services import catalogue, frameworks, profiles
from competence.web.views.common import credit, require


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
    shown = profiles.catalogue().framework
    return render(
        request,
        "competence/framework.html",
        {**page, "contexts": CONTEXTS, "credit": credit(shown)},
    )


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
        {
            "comparison": comparison,
            "profiles": catalogue.profiles_data(current),
            "credit": credit(current.framework),
        },
    )


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    require(request, "signed-in")
    return render(request, "competence/frameworks.html", {"frameworks": frameworks.page()})
