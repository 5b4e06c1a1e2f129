"""Every request runs within a time budget (:mod:`competence.domain.budget`): the long loops it
calls check the deadline and stop, so that nobody's request goes on using a core after its
client has given up. A request stopped this way answers 503 with ``Retry-After``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from competence.domain import budget

Handler = Callable[[HttpRequest], HttpResponse]


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
