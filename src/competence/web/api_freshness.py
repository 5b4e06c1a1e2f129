"""Freshness and risk in the API: the due and overdue list (the twin of the ``/due`` page) and
the team plan's what-if.

Registered on :data:`competence.web.api.api`, whose error handlers answer for these routes too.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict

from competence.errors import InputError
from competence.services import freshness
from competence.services.planning import MAX_LEAVING, what_if
from competence.web.api import PageIn, paged, team_choice
from competence.web.api_workflow import TeamIn
from competence.web.views.common import FORM_LIMIT

router: Router = Router(tags=["freshness"])


@router.get(
    "/due",
    summary="Who is due or overdue among the people you may see (assessors: their assessees; "
    "PMO leads: their PMOs' people; admins: everyone), why and since when, overdue first "
    "(paginated: `?page=N&page_size=M`)",
)
def get_due(request: HttpRequest, chosen: Query[PageIn]) -> dict[str, Any]:
    return paged(freshness.due_list(request.user), chosen)


class MoveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(..., max_length=FORM_LIMIT)
    team: int = Field(..., description="The id of the team they move to")


class WhatIfIn(Schema):
    model_config = ConfigDict(extra="forbid")

    leaving: list[str] = Field(
        [], max_length=MAX_LEAVING, description="The emails of the people who leave"
    )
    moving: list[MoveIn] = Field(
        [],
        max_length=MAX_LEAVING,
        description="The people who move to another team: leaving for this one; for a team "
        "you may see, `destinations` says what it gains",
    )


@router.post(
    "/team/what-if",
    tags=["team"],
    summary="What if these people leave or move to another team: coverage, uncovered "
    "competences and single points of failure over those who stay, the capability planner's "
    "fewest levels raised to cover again what is covered today, and what each team moved to "
    "gains (PMO leads and admins; the team plan page's what-if)",
)
def post_what_if(request: HttpRequest, body: WhatIfIn, filters: Query[TeamIn]) -> Any:
    choice = team_choice(request, filters.team, filters.context, "team.individuals")
    try:
        moving = {m.email: m.team for m in body.moving}
        return what_if(choice.people, [e[:FORM_LIMIT] for e in body.leaving], moving, request.user)
    except InputError as exc:
        problems = [{"loc": ["body", p.split(":")[0]], "msg": p} for p in exc.problems]
        raise ValidationError(problems) from None
