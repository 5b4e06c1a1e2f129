"""Capability over time in the API: the twin of the trends page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from competence.errors import InputError
from competence.services import trends
from competence.web.api import query_problems, team_choice

router: Router = Router()


class TrendsFilter(Schema):
    team: int | None = None
    cycles: list[str] | None = None
    compare: list[str] | None = None


@router.get(
    "/team/trends",
    tags=["team"],
    summary="Capability over time: shares per competence and axis, profiles met, who moved",
    description="Per cycle (`cycles`, repeated, by name; default: the latest six with results), "
    "earliest first: per competence and axis how many it applies to, how many meet the officer "
    "target and how many are at specialist level (with the shares), and how many meet the PMO "
    "officer and specialist profiles; and between two cycles (`compare`, given twice; default: "
    "the last two) who moved up or down. Names of movers for PMO leads and admins only. "
    "Assessors get figures without names, unfiltered; a cycle with fewer than "
    "COMPETENCE_MIN_GROUP_SIZE people with a result is withheld (`hidden`).",
)
def get_team_trends(request: HttpRequest, filters: Query[TrendsFilter]) -> dict[str, Any]:
    choice = team_choice(request, filters.team, None)
    try:
        return trends.figures(choice, filters.cycles, trends.compared(filters.compare))
    except InputError as exc:
        raise query_problems(exc) from None
