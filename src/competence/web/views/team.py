"""The team view, the team reports and the capability planner (PMO leads and admins; assessors
see their PMO's figures without names)."""

from __future__ import annotations

import io
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from competence.data import load_catalogue
from competence.domain import budget
from competence.domain.framework import AXES, CONTEXTS
from competence.domain.words import people as people_count
from competence.errors import InputError
from competence.reports import charts
from competence.services import (
    freshness,
    jobs,
    policy,
    profiles,
    results,
    team_view,
    trends,
)
from competence.services.planning import MAX_REQUIREMENTS_BYTES
from competence.web.views.common import FORM_LIMIT, XLSX_TYPE, attachment, credit
from competence.web.views.jobs import started


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
    try:
        cycle = trends.cycle_id(choice.figures.people, request.GET.get("cycle") or None)
    except InputError as exc:
        raise BadFilter(exc.report()) from None
    summary = results.team_figures(choice.figures, page=page, cycle=cycle)
    if summary.get("people"):
        summary = {**summary, "people": freshness.with_words(summary["people"])}
    competences = summary["framework"]["competences"]
    axes = summary["framework"]["axes"]
    # One axis's heatmap at a time: two of 50 people by 29 competences would not fit a page of
    # 150 KB with their tables (docs/web.md); links, not a script, choose the other.
    wanted = request.GET.get("axis") or ""
    axis: str = wanted if wanted in axes else axes[0]
    filters = choice.query + (f"&cycle={quote(request.GET['cycle'])}" if cycle else "")
    options, narrowed = team_view.filter_options(request.user, choice.team)
    return render(
        request,
        "competence/team.html",
        {
            "summary": summary,
            "answer": _answer(summary),
            "competences": competences,
            "axis": axis,
            "axis_links": _axis_links(axes, f"?{filters}&page={summary['page']}&axis="),
            "heatmap": results.kept_until_change(  # drawn once per page, axis and audit position
                ("heatmap", summary["page"], axis, profiles.generation()),
                choice.figures.people,
                lambda: _heatmap(summary["people"], competences, axis),
            ),
            "credit": credit(profiles.catalogue(summary["framework"]["id"]).framework),
            "team_options": _team_options(options, choice.team),
            "teams_narrowed": narrowed,
            "contexts": CONTEXTS,
            "chosen_team": choice.team,
            "chosen_context": choice.context or "",
            "query": f"{filters}&axis={axis}",
            "report_query": filters,
            "cycles": [name for _, name in trends.cycles_with_results(choice.figures.people)],
            "chosen_cycle": request.GET.get("cycle") or "",
        },
    )


def _answer(summary: dict[str, Any]) -> str:
    """The answer a lead comes for, in one sentence above the filters: how much of what applies
    someone covers at the officer target, what nobody covers and what hangs on one person."""
    if summary.get("hidden") or not summary["framework"]["apm"] or not summary["coverage"]:
        return ""
    applies = [c for c in summary["coverage"] if c["applies_to"]]
    covered = sum(1 for c in applies if not c["uncovered"])
    nobody, alone = len(summary["uncovered"]), len(summary["single_points_of_failure"])
    gaps = []
    if nobody:
        gaps.append(f"nobody meets {nobody}")
    if alone:
        gaps.append(f"{alone} depend{'s' if alone == 1 else ''} on one person alone")
    share = f"All {covered}" if covered == len(applies) else f"{covered} of the {len(applies)}"
    return (
        f"{share} competences that apply have someone at the PMO officer target"
        f"{': ' + ' and '.join(gaps) if gaps else ', and none depends on one person alone'}."
    )


def _axis_links(axes: list[str], href: str) -> list[tuple[str, str]]:
    """Each axis with the link that shows its heatmap (none when there is one axis)."""
    return [(a, href + a) for a in axes] if len(axes) > 1 else []


def _heatmap(
    people: list[dict[str, Any]], competences: list[dict[str, Any]], axis: str
) -> tuple[SafeString, SafeString]:
    """One axis's heatmap and the rows of its table alternative."""
    return mark_safe(charts.heatmap(people, competences, axis)), _matrix_rows(
        people, competences, axis
    )


def _team_options(teams: list[tuple[int, str]], chosen: int | None) -> SafeString:
    """The team filter's options, built here: hundreds of teams render slowly in a template."""
    return mark_safe(
        "".join(
            f'<option value="{pk}" {"selected" if pk == chosen else ""}>{escape(path)}</option>'
            for pk, path in teams
        )
    )  # paths are escaped; ids are integers


def _matrix_rows(
    people: list[dict[str, Any]], competences: list[dict[str, Any]], axis: str
) -> SafeString:
    """The heatmap's table alternative, its rows built here: thousands of cells render slowly
    in a template. Each cell is the level and the target it is coloured against ("3/4"; "–"
    not rated; no target where the competence does not apply to the person)."""
    numbers = [str(c["number"]) for c in competences]
    rows = []
    for p in people:
        cells = "".join(
            f"<td>{'–' if v is None else v}{'' if t is None else f'/{t}'}</td>"
            for v, t in (
                ((p["ratings"].get(n) or {}).get(axis), (p["targets"].get(n) or {}).get(axis))
                for n in numbers
            )
        )
        rows.append(f'<tr><th scope="row">{escape(p["name"])}</th>{cells}</tr>')
    return mark_safe("\n".join(rows))  # names are escaped; levels are integers


@login_required
@require_http_methods(["GET", "POST"])
def team_report(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The team view's people as an XLSX workbook or a PDF summary, written by the service
    that writes it everywhere (:func:`competence.services.reports.team_report`); for more people
    than REPORT_JOB_PEOPLE, a page that offers it as a job, and the job (POST)."""
    from competence.services.reports import team_report as write_team_report

    if fmt not in ("xlsx", "pdf"):
        raise Http404("no such format")
    choice = _choice(request, individuals_only=True)
    if request.method == "POST" or choice.people.count() > settings.REPORT_JOB_PEOPLE:
        return _report_job(request, choice, fmt)
    buffer = io.BytesIO()
    try:
        compare = trends.compared(request.GET.getlist("compare")[:3])
        write_team_report(choice, fmt, buffer, request.GET.get("cycle") or None, compare)
    except InputError as exc:
        raise BadFilter(exc.report()) from None
    kind = XLSX_TYPE if fmt == "xlsx" else "application/pdf"
    response = HttpResponse(buffer.getvalue(), content_type=kind)
    return attachment(response, f"team-report.{fmt}")


def _report_job(request: HttpRequest, choice: team_view.Choice, fmt: str) -> HttpResponseBase:
    """A large team's report: offered (GET), then made by a job (POST)."""
    try:  # the report's cycle and pair, checked before a job is made for them
        compare = trends.compared(request.GET.getlist("compare")[:3])
        trends.cycle_id(choice.people, request.GET.get("cycle") or None)
    except InputError as exc:
        raise BadFilter(exc.report()) from None
    filters = {
        "team": request.GET.get("team") or None,
        "context": request.GET.get("context") or None,
        "cycle": request.GET.get("cycle") or None,
        "compare": list(compare) if compare else None,
    }
    if request.method == "GET":
        context = {"fmt": fmt, "label": choice.label, "people": choice.people.count()}
        return render(request, "competence/report_job.html", context)
    job = jobs.start(
        "team-report",
        f"Team report ({fmt.upper()}): {choice.label}",
        user=request.user,
        options={**filters, "format": fmt},
    )
    return started(job)


EXAMPLE_REQUIREMENTS = """requirements:
  - competence: schedule-management
    level: specialist
    at_least: 2
  - competence: risk-and-issue-management
    level: specialist
    at_least: 1
nobody_alone: true
"""
ROWS = 5
"""Requirement rows the planner's form starts with; "More rows" adds as many again."""
MAX_ROWS = 30
"""The most rows the form takes (a YAML file takes up to the planner's own limit)."""
OWN_LEVELS = "own"


class NeedForm(forms.Form):
    """One requirement: a competence, a level, and how many people must meet it."""

    competence = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    level = forms.ChoiceField(
        choices=[
            ("officer", "Officer target"),
            ("specialist", "Specialist target"),
            (OWN_LEVELS, "Levels chosen here"),
        ],
        initial="officer",
    )
    knowledge = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    application = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    at_least = forms.IntegerField(min_value=1, max_value=1000, initial=1, label="At least")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        framework = load_catalogue().framework
        competence = self.fields["competence"]
        assert isinstance(competence, forms.TypedChoiceField)
        competence.choices = [
            ("", "Choose a competence"),
            *((c.number, f"{c.number}. {c.name}") for c in framework.competences),
        ]
        levels = [("", "–"), *((lv.level, f"{lv.level} {lv.name}") for lv in framework.levels)]
        for axis in AXES:
            field = self.fields[axis]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = levels

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("competence") is not None and data.get("level") == OWN_LEVELS:
            for axis in AXES:
                if data.get(axis) is None:
                    self.add_error(axis, f"Choose the {axis} level, or a profile's target.")
        return data

    def requirement(self) -> dict[str, Any] | None:
        """The requirement as the YAML file writes it (None for a row left empty)."""
        data = self.cleaned_data
        if data.get("competence") is None:
            return None
        level: Any = data["level"]
        if level == OWN_LEVELS:
            level = {axis: data[axis] for axis in AXES}
        return {"competence": data["competence"], "level": level, "at_least": data["at_least"]}


NeedFormSet = forms.formset_factory(
    NeedForm, extra=0, max_num=MAX_ROWS, validate_max=True, absolute_max=MAX_ROWS
)


class PlanForm(forms.Form):
    nobody_alone = forms.BooleanField(
        required=False,
        label="Nobody alone: at least 2 people at the officer target on every competence that "
        "applies to them",
    )
    file = forms.FileField(
        required=False,
        label="Or upload the requirements as a YAML file",
        help_text="As for competence team plan --requirements; it replaces the rows above.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_REQUIREMENTS_BYTES:
            raise forms.ValidationError(
                f"{upload.name}: larger than {MAX_REQUIREMENTS_BYTES // 1024} KB: a requirements "
                "file is a few lines"
            )
        return upload


BLANK_ROW = {"level": "officer", "at_least": 1}


def _blank_rows(kept: list[dict[str, Any]], more: int) -> Any:
    """The form's rows: those kept, then ``more`` blank ones (at most :data:`MAX_ROWS`)."""
    return NeedFormSet(prefix="need", initial=(kept + [BLANK_ROW] * more)[:MAX_ROWS])


def _requirements(form: PlanForm, rows: Any) -> dict[str, Any] | None:
    """The requirements the form states (None while a field of it is not valid): the uploaded
    file when there is one, else the rows and the nobody-alone box; checked as a file is."""
    from competence.services.planning import check_requirements, parse_requirements

    if not form.is_valid():
        return None
    upload = form.cleaned_data.get("file")
    if upload is not None:
        name = upload.name or "requirements.yaml"
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{name}: not a text file (UTF-8)") from None
        return parse_requirements(text, name)
    if not rows.is_valid():
        return None
    wanted = [r for f in rows if (r := f.requirement()) is not None]
    nobody_alone = form.cleaned_data["nobody_alone"]
    if not wanted and not nobody_alone:
        raise InputError("Choose at least one competence, tick nobody alone, or upload a file.")
    return check_requirements({"requirements": wanted, "nobody_alone": nobody_alone}, "the form")


def _attempt(context: dict[str, Any], key: str, make: Callable[[], Any]) -> int:
    """``make()`` into ``context[key]``, or what stops it into ``context[key + "_problems"]``
    (``problems`` for the plan); the page's status."""
    problems = "problems" if key == "plan" else f"{key}_problems"
    try:
        context[key] = make()
    except budget.OverBudget as exc:
        context[problems] = exc.problems
    except InputError as exc:
        context[problems] = exc.problems
        return 422
    return 200


@login_required
@require_http_methods(["GET", "POST"])
def team_plan(request: HttpRequest) -> HttpResponse:
    """Choose the team's requirements (a form, or a YAML file); see the fewest levels raised
    to meet them, single points of failure and uncovered competences, and who is closest."""
    from competence.services.planning import MAX_LEAVING, plan_people, what_if

    choice = _choice(request, individuals_only=True)
    context: dict[str, Any] = {
        "example": EXAMPLE_REQUIREMENTS,
        "label": choice.label,
        "max_rows": MAX_ROWS,
    }
    status = 200
    choices = list(
        choice.people.order_by("name", "email").values_list("email", "name")[: MAX_LEAVING + 1]
    )
    leaving = [e[:FORM_LIMIT] for e in request.POST.getlist("leaving")[: MAX_LEAVING + 1]]
    moving_to = request.POST.get("moving_to") or ""
    context |= {
        "leaving_choices": choices[:MAX_LEAVING],
        "leaving_more": len(choices) > MAX_LEAVING,
        "leaving": set(leaving),
        "teams": team_view.team_options(request.user),
        "moving_to": int(moving_to) if moving_to.isdigit() else None,
    }
    if request.method != "POST":
        rows, form = _blank_rows([], ROWS), PlanForm()
    elif "what_if" in request.POST:
        rows, form = _blank_rows([], ROWS), PlanForm()
        if moving_to and not moving_to.isdigit():
            moving_to = "0"  # no such team: named as not one the user may choose
        moves = {e: int(moving_to) for e in leaving} if moving_to else {}
        gone = [] if moves else leaving
        status = _attempt(
            context, "what_if", lambda: what_if(choice.people, gone, moves, request.user)
        )
        if "what_if" in context:
            found = context["what_if"]
            count = people_count(len(found["leaving"]) + len(found["moving"]))
            context["gone_words"] = f"{count} moving away" if found["moving"] else count
    else:
        rows, form = NeedFormSet(request.POST, prefix="need"), PlanForm(request.POST, request.FILES)
        if "more" in request.POST and rows.is_valid():
            kept = [f.cleaned_data or BLANK_ROW for f in rows]
            rows = _blank_rows(kept, ROWS)
            if len(kept) < len(rows.forms):  # the keyboard goes on where the new rows start
                rows.forms[len(kept)].fields["competence"].widget.attrs["autofocus"] = True
        else:
            try:
                requirements = _requirements(form, rows)
            except InputError as exc:
                context["problems"] = exc.problems
                requirements = None
            if requirements is None:
                status = 422
            else:
                plan = requirements
                status = _attempt(context, "plan", lambda: plan_people(choice.people, plan))
    context |= {"rows": rows, "form": form}
    return render(request, "competence/team_plan.html", context, status=status)
