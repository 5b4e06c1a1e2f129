"""Every request has a time budget; work that runs past it stops and says so."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from competence.domain import budget
from competence.web.limits import request_budget
from tests.web.conftest import Org, planner_rows, signed_in


def test_a_budget_stops_work_past_its_deadline_and_only_inside_it() -> None:
    budget.check()  # no budget: the command line is never stopped
    assert budget.remaining() is None
    with budget.limit(60):
        budget.check()
        left = budget.remaining()
        assert left is not None
        assert 0 < left <= 60
    with budget.limit(-1), pytest.raises(budget.OverBudget, match="time limit"):
        budget.check()
    budget.check()


def test_a_request_over_its_budget_answers_503_with_retry_after() -> None:
    def slow(request: HttpRequest) -> HttpResponse:
        budget.check()
        return HttpResponse("done")

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with override_settings(REQUEST_SECONDS=-1):
        response = request_budget(slow)(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert b"took too long and was stopped" in response.content
    with override_settings(REQUEST_SECONDS=30):
        assert request_budget(slow)(request).content == b"done"


def test_the_team_planner_stops_at_the_request_budget(org: Org) -> None:
    lead = signed_in(org.lead)
    with override_settings(REQUEST_SECONDS=-1):
        page = lead.post("/team/plan", planner_rows() | {"nobody_alone": "on"})
    assert page.status_code == 200
    assert b"took longer than its time limit and was stopped" in page.content
