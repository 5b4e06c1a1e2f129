"""The calibration page: how far self-ratings and agreed ratings differ and agree (PMO leads
and admins, with the per-assessor section; assessors see their PMO's figures without names)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from competence.domain.framework import AXES
from competence.errors import InputError
from competence.reports import charts
from competence.services import calibration, policy, team_view
from competence.web.views.team import BadFilter


@login_required
def team_calibration(request: HttpRequest) -> HttpResponse:
    """The team view's rule and team filter (403, 404 for a team the user may not choose, and
    a filter they may not use shown as not found), and a cycle by name."""
    if not policy.allowed(request.user, "team.figures"):
        raise PermissionDenied
    try:
        choice = team_view.choose(request.user, request.GET.get("team") or None)
        data = calibration.figures(choice, request.GET.get("cycle") or None)
    except team_view.NoSuchTeam:
        raise Http404("no such team") from None
    except InputError as exc:
        raise BadFilter(exc.report()) from None
    for row in data["competences"]:  # the differences' spread, for the table: "0: 4; +1: 1"
        row["spread"] = "; ".join(
            f"{d['difference']:+d}: {d['count']}".replace("+0", "0")
            for d in row["distribution"]
            if d["count"]
        )
    return render(
        request,
        "competence/calibration.html",
        {
            "data": data,
            "charts": [
                (axis, mark_safe(charts.differences(data["competences"], axis)))  # escaped
                for axis in AXES
            ],
            "teams": team_view.team_options(request.user),
            "chosen_team": choice.team,
        },
    )
