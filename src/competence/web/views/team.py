"""The team view, the team reports and the capability planner (PMO leads and admins; assessors
see their PMO's figures without names)."""

from __future__ import annotations

import io
from html import escape
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from competence.domain.framework import AXES, CONTEXTS
from competence.errors import InputError
from competence.reports import charts
from competence.services import policy, results, team_view
from competence.services.catalogue import framework_data
from competence.web.views.common import XLSX_TYPE, attachment


def _choice(request: HttpRequest, individuals_only: bool = False) -> team_view.Choice:
    """The people the request's filters choose, as the policy allows: 403, 404 or 400."""
    rule = "team.individuals" if individuals_only else "team.figures"
    if not policy.allowed(request.user, rule):
        raise PermissionDenied
    try:
        return team_view.choose(
            request.user, request.GET.get("team") or None, request.GET.get("context") or None
        )
    except team_view.NoSuchTeam:
        raise Http404("no such team") from None
    except InputError as exc:
        raise BadFilter(exc.report()) from None


class BadFilter(Http404):
    """A filter that is not valid for this user (shown as not found)."""


@login_required
def team(request: HttpRequest) -> HttpResponse:
    choice = _choice(request)
    try:
        page = int(request.GET.get("page") or 1)
    except ValueError:
        page = 1
    summary = results.team_figures(choice.figures, page=page)
    competences = framework_data()["competences"]
    return render(
        request,
        "competence/team.html",
        {
            "summary": summary,
            "competences": competences,
            "heatmaps": [
                (
                    axis,
                    mark_safe(charts.heatmap(summary["people"], competences, axis)),
                    _matrix_rows(summary["people"], competences, axis),
                )
                for axis in AXES
            ],
            "teams": team_view.team_options(request.user),
            "contexts": CONTEXTS,
            "chosen_team": choice.team,
            "chosen_context": choice.context or "",
            "query": choice.query,
        },
    )


def _matrix_rows(
    people: list[dict[str, Any]], competences: list[dict[str, Any]], axis: str
) -> SafeString:
    """The heatmap's table alternative, its rows built here: thousands of cells render slowly
    in a template."""
    numbers = [str(c["number"]) for c in competences]
    rows = []
    for p in people:
        cells = "".join(
            f'<td class="num">{"–" if v is None else v}</td>'
            for v in ((p["ratings"].get(n) or {}).get(axis) for n in numbers)
        )
        rows.append(f'<tr><th scope="row">{escape(p["name"])}</th>{cells}</tr>')
    return mark_safe("\n".join(rows))  # names are escaped; levels are integers


@login_required
def team_report(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The team view's people as an XLSX workbook or a PDF summary."""
    from competence.reports.individual import write_pdf
    from competence.reports.team import render_summary_html, write_xlsx

    choice = _choice(request, individuals_only=True)
    summary = results.team_summary(choice.people, page=1, per_page=None)
    buffer = io.BytesIO()
    response: HttpResponse
    if fmt == "xlsx":
        write_xlsx(summary, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    elif fmt == "pdf":
        write_pdf(render_summary_html(summary, choice.label), buffer)
        response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    else:
        raise Http404("no such format")
    return attachment(response, f"team-report.{fmt}")


EXAMPLE_REQUIREMENTS = """requirements:
  - competence: schedule-management
    level: specialist
    at_least: 2
  - competence: risk-and-issue-management
    level: specialist
    at_least: 1
nobody_alone: true
"""


@login_required
@require_http_methods(["GET", "POST"])
def team_plan(request: HttpRequest) -> HttpResponse:
    """State the team's requirements; see coverage, single points of failure and the plan."""
    from competence.services.planning import parse_requirements, plan_people

    choice = _choice(request, individuals_only=True)
    text = request.POST.get("requirements", EXAMPLE_REQUIREMENTS)
    context: dict[str, Any] = {"requirements": text}
    if request.method == "POST":
        try:
            context["plan"] = plan_people(choice.people, parse_requirements(text, "requirements"))
        except InputError as exc:
            context["problems"] = exc.problems
    return render(request, "competence/team_plan.html", context)
