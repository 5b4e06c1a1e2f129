"""Teams and PMOs (admins): the tree of teams, adding, renaming and moving a team, and PMOs with
their context and leads. Every change is a service of :mod:`competence.services.teams`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from competence.domain.framework import CONTEXTS
from competence.domain.roles import PMO_LEAD
from competence.services import teams
from competence.store.models import Pmo, Team
from competence.web.views.common import FORM_LIMIT, posted_values, require, saved_or_shown


@login_required
def teams_page(request: HttpRequest) -> HttpResponse:
    require(request, "team.manage")
    return render(
        request, "competence/teams.html", {"teams": teams.tree_rows(), "pmos": teams.pmos()}
    )


def _team_form(
    request: HttpRequest, team: Team | None, values: dict[str, Any], errors: Any = None
) -> HttpResponse:
    return render(
        request,
        "competence/team_form.html",
        {
            "team": team,
            "values": values,
            "errors": errors or {},
            "teams": [t for t in teams.tree_rows() if team is None or t["id"] != team.pk],
            "pmos": Pmo.objects.order_by("name"),
        },
        status=422 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request: HttpRequest) -> HttpResponse:
    require(request, "team.manage")
    if request.method == "POST":
        values = posted_values(request, teams.TEAM_FIELDS)
        return saved_or_shown(
            request,
            lambda: teams.create_team(request.user, values),
            lambda errors: _team_form(request, None, values, errors),
            teams.TEAM_FIELDS,
            lambda made: f"Added the team {made.name}.",
            "teams",
        )
    return _team_form(request, None, {"parent": request.GET.get("parent", "")})


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    require(request, "team.manage")
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Http404("no such team")
    stored = {"name": team.name, "parent": team.parent_id or "", "pmo": team.pmo_id or ""}
    if request.method == "POST":
        values = posted_values(request, teams.TEAM_FIELDS)
        return saved_or_shown(
            request,
            lambda: teams.update_team(request.user, team, values),
            lambda errors: _team_form(
                request, Team.objects.get(pk=team_id), {**stored, **values}, errors
            ),
            teams.TEAM_FIELDS,
            lambda saved: f"Saved the team {saved.name}.",
            "teams",
        )
    return _team_form(request, team, stored)


def _lead_choices(pmo: Pmo | None) -> list[Any]:
    """Users with the PMO lead's role, and the PMO's leads now."""
    users = get_user_model().objects.filter(Q(groups__name=PMO_LEAD) | Q(pmos_led=pmo))
    return list(users.distinct().order_by("username"))


def _pmo_form(
    request: HttpRequest, pmo: Pmo | None, values: dict[str, Any], errors: Any = None
) -> HttpResponse:
    return render(
        request,
        "competence/pmo_form.html",
        {
            "pmo": pmo,
            "values": values,
            "errors": errors or {},
            "contexts": CONTEXTS,
            "users": _lead_choices(pmo),
        },
        status=422 if errors else 200,
    )


def _pmo_posted(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = posted_values(request, ("name", "context"))
    values["leads"] = [u[:FORM_LIMIT] for u in request.POST.getlist("leads")][:200]
    return values


@login_required
@require_http_methods(["GET", "POST"])
def pmo_new(request: HttpRequest) -> HttpResponse:
    require(request, "team.manage")
    if request.method == "POST":
        values = _pmo_posted(request)
        return saved_or_shown(
            request,
            lambda: teams.create_pmo(request.user, values),
            lambda errors: _pmo_form(request, None, values, errors),
            teams.PMO_FIELDS,
            lambda made: f"Added the PMO {made.name}.",
            "teams",
        )
    return _pmo_form(request, None, {"context": "project", "leads": []})


@login_required
@require_http_methods(["GET", "POST"])
def pmo_edit(request: HttpRequest, pmo_id: int) -> HttpResponse:
    require(request, "team.manage")
    pmo = Pmo.objects.filter(pk=pmo_id).first()
    if pmo is None:
        raise Http404("no such PMO")
    if request.method == "POST":
        values = _pmo_posted(request)
        return saved_or_shown(
            request,
            lambda: teams.update_pmo(request.user, pmo, values),
            lambda errors: _pmo_form(request, Pmo.objects.get(pk=pmo_id), values, errors),
            teams.PMO_FIELDS,
            lambda saved: f"Saved the PMO {saved.name}.",
            "teams",
        )
    return _pmo_form(request, pmo, teams.pmo_data(pmo))
