"""The calibration figures in the API: the twin of the calibration page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from competence.errors import InputError
from competence.services import calibration
from competence.web.api import query_problems, team_choice

router: Router = Router()


class CalibrationFilter(Schema):
    team: int | None = None
    cycle: str | None = None


@router.get(
    "/team/calibration",
    tags=["team"],
    summary="Calibration: self against agreed ratings, kappa, and leniency per assessor",
    description="Per competence and axis, n, the mean of (self − agreed), the distribution of "
    "the differences and the quadratic-weighted kappa with its 95 % interval, in one cycle "
    "(default: the latest with results). Per assessor (`assessors`) for PMO leads and admins "
    "only, for assessors of at least COMPETENCE_MIN_GROUP_SIZE people. Assessors get figures "
    "without names, unfiltered, hidden below COMPETENCE_MIN_GROUP_SIZE; `notice` says so.",
)
def get_team_calibration(request: HttpRequest, filters: Query[CalibrationFilter]) -> dict[str, Any]:
    choice = team_choice(request, filters.team, None)
    try:
        return calibration.figures(choice, filters.cycle)
    except InputError as exc:
        raise query_problems(exc) from None
