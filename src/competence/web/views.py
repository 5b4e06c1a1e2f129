"""Pages. Each view asks the policy who may see what, calls a service and renders a template."""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
from html import escape
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from competence.data import load_catalogue
from competence.domain.framework import CONTEXTS
from competence.domain.ratings import Rating
from competence.errors import InputError
from competence.reports import charts
from competence.services import policy, records, results, transfer
from competence.services.catalogue import framework_data, profile_data, profile_diff_data
from competence.store.models import Assessment, Person, Team

LEVEL_CHOICES = [(str(n), str(n)) for n in range(6)]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context for the menu."""
    user = request.user
    return {
        "own_person": policy.own_person(user) if user.is_authenticated else None,
        "can_view_team": policy.can_view_team(user),
        "can_review": policy.role(user) in (policy.ASSESSOR, policy.PMO_LEAD, policy.ADMIN),
        "can_manage": policy.can_manage_data(user),
        "attribution": load_catalogue().framework.attribution,
        "oidc_enabled": settings.OIDC_ENABLED,
    }


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    person = policy.own_person(request.user)
    if person is not None:
        return redirect("results", person_id=person.pk)
    if policy.can_view_team(request.user):
        return redirect("team")
    return redirect("framework")


# -- the framework -----------------------------------------------------------------------------


@login_required
def framework(request: HttpRequest) -> HttpResponse:
    catalogue = load_catalogue()
    profile_id = request.GET.get("profile") or "pmo-officer"
    context = request.GET.get("context") or None
    if profile_id not in catalogue.profiles or (context and context not in CONTEXTS):
        raise Http404("no such profile or context")
    data = profile_data(profile_id, context)
    shown = (
        [r for r in data["requirements"] if r["applicable"]] if context else data["requirements"]
    )
    return render(
        request,
        "competence/framework.html",
        {
            "framework": framework_data(),
            "profile": data,
            "requirements": shown,
            "profiles": list(catalogue.profiles.values()),
            "contexts": CONTEXTS,
            "chosen_context": context,
        },
    )


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    diff = profile_diff_data("pmo-officer", "pmo-specialist")
    officer = profile_data("pmo-officer")
    specialist = {r["number"]: r for r in profile_data("pmo-specialist")["requirements"]}
    changed = {c["number"]: c for c in diff["changes"]}
    rows = [
        {
            "number": r["number"],
            "name": r["name"],
            "officer": r,
            "specialist": specialist[r["number"]],
            "rise": changed.get(r["number"], {}).get("rise"),
            "changed": r["number"] in changed,
        }
        for r in officer["requirements"]
    ]
    rule = profile_data("pmo-specialist")["rule"]
    return render(
        request,
        "competence/compare.html",
        {"rows": rows, "rule": rule, "changed_count": len(changed)},
    )


# -- self-assessment ---------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    """One knowledge, one application and one evidence field per competence that applies."""

    def __init__(self, competences: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competences = competences
        for c in competences:
            n = c["number"]
            for axis in ("knowledge", "application"):
                self.fields[f"{axis}-{n}"] = forms.TypedChoiceField(
                    choices=LEVEL_CHOICES,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    widget=forms.RadioSelect,
                    label=f"{c['name']}: {axis}",
                )
            self.fields[f"evidence-{n}"] = forms.CharField(
                required=False,
                max_length=2000,
                label=f"{c['name']}: evidence",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def ratings(self) -> dict[int, Rating]:
        """Every competence on the form: an empty one clears what was saved before."""
        out = {}
        for c in self.competences:
            n = c["number"]
            k = self.cleaned_data.get(f"knowledge-{n}")
            a = self.cleaned_data.get(f"application-{n}")
            e = (self.cleaned_data.get(f"evidence-{n}") or "").strip() or None
            out[n] = Rating(k, a, e)
        return out


def _applicable(person: Person) -> list[dict[str, Any]]:
    data = profile_data(person.profile, person.context)
    return [r for r in data["requirements"] if r["applicable"]]


@login_required
@require_http_methods(["GET", "POST"])
def self_assessment(request: HttpRequest) -> HttpResponse:
    person = policy.own_person(request.user)
    if person is None:
        return render(request, "competence/no_person.html", status=404)
    cycle = records.current_cycle()
    if cycle is None:
        return render(request, "competence/no_cycle.html", status=404)
    assessment = Assessment.objects.filter(person=person, cycle=cycle, kind="self").first()
    competences = _applicable(person)
    editable = assessment is None or assessment.status == Assessment.Status.DRAFT
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    if request.method == "POST":
        if not editable:
            if wants_json:
                return JsonResponse({"saved": False, "error": "already submitted"}, status=409)
            messages.error(request, "This self-assessment is already submitted.")
            return redirect("self_assessment")
        form = AssessmentForm(competences, request.POST)
        if form.is_valid():
            assessment = records.record_assessment(person, cycle, form.ratings())
            rated = _rated_count(assessment, competences)
            if wants_json:
                return JsonResponse({"saved": True, "rated": rated, "total": len(competences)})
            if request.POST.get("action") == "submit":
                records.submit(assessment)
                messages.success(request, "Submitted. Your assessor can now review it.")
                return redirect("results", person_id=person.pk)
            messages.success(request, f"Saved: {rated} of {len(competences)} rated.")
            return redirect("self_assessment")
        if wants_json:
            return JsonResponse({"saved": False, "errors": form.errors}, status=422)
    else:
        initial: dict[str, Any] = {}
        if assessment is not None:
            for r in assessment.ratings.all():
                initial[f"knowledge-{r.competence}"] = (
                    None if r.knowledge is None else str(r.knowledge)
                )
                initial[f"application-{r.competence}"] = (
                    None if r.application is None else str(r.application)
                )
                initial[f"evidence-{r.competence}"] = r.evidence
        form = AssessmentForm(competences, initial=initial)
    levels = load_catalogue().framework.levels
    sections = [
        {
            "competence": c,
            "axes": [
                {
                    "axis": axis,
                    "field": form[f"{axis}-{c['number']}"],
                    "target": c[axis],
                    "options": [
                        (radio, lv.name, getattr(lv, axis))
                        for radio, lv in zip(form[f"{axis}-{c['number']}"], levels, strict=True)
                    ],
                }
                for axis in ("knowledge", "application")
            ],
            "evidence": form[f"evidence-{c['number']}"],
        }
        for c in competences
    ]
    return render(
        request,
        "competence/assessment.html",
        {
            "person": person,
            "cycle": cycle,
            "assessment": assessment,
            "form": form,
            "sections": sections,
            "levels": levels,
            "editable": editable,
            "rated": _rated_count(assessment, competences) if assessment else 0,
            "total": len(competences),
        },
    )


def _rated_count(assessment: Assessment, competences: list[dict[str, Any]]) -> int:
    numbers = {c["number"] for c in competences}
    return sum(
        1
        for r in assessment.ratings.all()
        if r.competence in numbers and r.knowledge is not None and r.application is not None
    )


# -- results -----------------------------------------------------------------------------------


def _person_for(request: HttpRequest, person_id: int) -> Person:
    person = get_object_or_404(Person.objects.select_related("team", "assessor"), pk=person_id)
    if not policy.can_view_person(request.user, person):
        raise PermissionDenied
    return person


@login_required
def person_results(request: HttpRequest, person_id: int) -> HttpResponse:
    from competence.services.plans import plan_data

    person = _person_for(request, person_id)
    data = results.person_results(person)
    officer, specialist = data["officer"], data["specialist"]
    target = specialist if person.profile == "pmo-specialist" else officer
    names = {c.number: c.name for c in load_catalogue().framework.competences}
    trend = [
        {
            **t,
            "name": names[t["number"]],
            "svg": mark_safe(charts.sparkline(t["points"], names[t["number"]])),
        }
        for t in data["history"]["trend"]
    ]
    cycles = trend[0]["points"] if trend else []
    return render(
        request,
        "competence/results.html",
        {
            "person": person,
            "data": data,
            "officer": officer,
            "specialist": specialist,
            "target": target,
            "radar": mark_safe(charts.radar(target)),
            "rows": [c for c in target["competences"]],
            "names": names,
            "trend": trend,
            "cycles": cycles,
            "show_history": len(data["history"]["assessments"]) >= 2,
            "plan": plan_data(person),
            "can_edit_plan": policy.can_edit_plan(request.user, person),
            "plan_statuses": ["planned", "in-progress", "done", "dropped"],
            "is_own": person.user_id == request.user.pk,
        },
    )


@login_required
def person_download(request: HttpRequest, person_id: int, fmt: str) -> HttpResponse:
    person = _person_for(request, person_id)
    stem = (person.employee_id or person.email).replace("@", "_at_")
    rows = list(transfer.export_rows(history=True, person=person))
    if fmt == "json":
        response = HttpResponse(
            json.dumps(results.person_results(person), indent=2, ensure_ascii=False),
            content_type="application/json",
        )
    elif fmt == "csv":
        buffer = io.StringIO()
        transfer.write_csv(rows, buffer)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = _xlsx_response(rows)
    else:
        raise Http404("no such format")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


# -- the team ----------------------------------------------------------------------------------


@login_required
def team(request: HttpRequest) -> HttpResponse:
    if not policy.can_view_team(request.user):
        raise PermissionDenied
    people = policy.team_people(request.user)
    individuals = policy.sees_individuals_in_team_view(request.user)
    # Figures only: no filters, which could be subtracted from each other to single people out.
    team_id = (request.GET.get("team") or "") if individuals else ""
    context = (request.GET.get("context") or "") if individuals else ""
    teams = sorted(Team.objects.select_related("parent"), key=lambda t: t.path)
    if team_id:
        if not team_id.isdigit():
            raise Http404("no such team")
        chosen = get_object_or_404(Team, pk=int(team_id))
        ids = _team_and_below(chosen)
        people = people.filter(team_id__in=ids)
    if context:
        if context not in CONTEXTS:
            raise Http404("no such context")
        people = people.filter(context=context)
    try:
        page = int(request.GET.get("page") or 1)
    except ValueError:
        page = 1
    summary = results.private_summary(
        results.team_summary(people, page=page),
        individuals=individuals,
        min_group=settings.CONFIG.min_group_size,
    )
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
                for axis in ("knowledge", "application")
            ],
            "teams": teams,
            "contexts": CONTEXTS,
            "chosen_team": team_id,
            "chosen_context": context,
            "query": f"team={team_id}&context={context}",
        },
    )


def _matrix_rows(people: list[dict[str, Any]], competences: list[dict[str, Any]], axis: str) -> str:
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


def _team_and_below(team: Team) -> set[int]:
    ids, frontier = {team.pk}, [team.pk]
    while frontier:
        frontier = list(Team.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids.update(frontier)
    return ids


# -- import and export -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def manage_import(request: HttpRequest) -> HttpResponse:
    if not policy.can_manage_data(request.user):
        raise PermissionDenied
    context: dict[str, Any] = {"kinds": ["self", "assessor", "agreed"]}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["problems"] = ["Choose a file to import."]
        else:
            suffix = Path(upload.name or "upload.csv").suffix.lower() or ".csv"
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{suffix}"
                with path.open("wb") as f:
                    for chunk in upload.chunks():
                        f.write(chunk)
                try:
                    report = transfer.import_file(
                        path,
                        cycle=request.POST.get("cycle") or None,
                        kind=request.POST.get("kind") or None,
                        dry_run=bool(request.POST.get("dry_run")),
                        name=upload.name,
                    )
                except InputError as exc:
                    shown = str(path)
                    context["problems"] = [
                        p.replace(shown, upload.name or "upload") for p in exc.problems[:200]
                    ]
                    context["more"] = max(0, len(exc.problems) - 200)
                else:
                    context["report"] = report.as_dict()
    return render(request, "competence/import.html", context)


@login_required
def manage_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if not policy.can_manage_data(request.user):
        raise PermissionDenied
    team_path = request.GET.get("team") or None
    history = bool(request.GET.get("history"))
    response: HttpResponseBase
    try:
        if fmt == "json":
            transfer.people_count(team_path)  # an unknown team is an error before streaming
            response = StreamingHttpResponse(
                transfer.iter_export_json(team_path), content_type="application/json"
            )
        elif fmt == "csv":
            buffer = io.StringIO()
            transfer.write_csv(transfer.export_rows(team_path, history), buffer)
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            response = _xlsx_response(transfer.export_rows(team_path, history))
        else:
            raise Http404("no such format")
    except InputError as exc:
        return render(request, "competence/import.html", {"problems": exc.problems}, status=400)
    response["Content-Disposition"] = f'attachment; filename="competence-export.{fmt}"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(rows: Any) -> HttpResponse:
    buffer = io.BytesIO()
    transfer.write_xlsx(rows, buffer)
    return HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)


# -- review ------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    """The assessor's own ratings per competence, and a comment on each."""

    def __init__(self, competences: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competences = competences
        choices = [("", "–"), *LEVEL_CHOICES]
        for c in competences:
            n = c["number"]
            for axis in ("knowledge", "application"):
                self.fields[f"{axis}-{n}"] = forms.TypedChoiceField(
                    choices=choices,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    label=f"{c['name']}: assessor's {axis}",
                )
            self.fields[f"comment-{n}"] = forms.CharField(
                required=False,
                max_length=2000,
                label=f"{c['name']}: comment",
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def ratings(self) -> dict[int, Rating]:
        return {
            c["number"]: Rating(
                self.cleaned_data.get(f"knowledge-{c['number']}"),
                self.cleaned_data.get(f"application-{c['number']}"),
            )
            for c in self.competences
        }


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The people the signed-in user reviews, with where their assessments stand."""
    if policy.role(request.user) not in (policy.ASSESSOR, policy.PMO_LEAD, policy.ADMIN):
        raise PermissionDenied
    cycle = records.current_cycle()
    people = [
        p
        for p in policy.visible_people(request.user)
        if p.user_id != request.user.pk and policy.can_review(request.user, p)
    ]
    statuses = (
        {
            (a.person_id, a.kind): a.status
            for a in Assessment.objects.filter(person__in=people, cycle=cycle)
        }
        if cycle
        else {}
    )
    rows = [
        {
            "person": p,
            "self": statuses.get((p.pk, "self")),
            "assessor": statuses.get((p.pk, "assessor")),
            "agreed": statuses.get((p.pk, "agreed")),
        }
        for p in people
    ]
    return render(request, "competence/review_list.html", {"rows": rows, "cycle": cycle})


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_for(request, person_id)
    if not policy.can_review(request.user, person):
        raise PermissionDenied
    cycle = records.current_cycle()
    if cycle is None:
        return render(request, "competence/no_cycle.html", status=404)
    competences = _applicable(person)

    def assessment(kind: str) -> Assessment | None:
        return Assessment.objects.filter(person=person, cycle=cycle, kind=kind).first()

    own, theirs, agreed = assessment("self"), assessment("assessor"), assessment("agreed")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save":
                form = ReviewForm(competences, request.POST)
                if not form.is_valid():
                    messages.error(request, "Some ratings are not levels 0 to 5.")
                    return redirect("review", person_id=person.pk)
                theirs = records.record_assessment(person, cycle, form.ratings(), kind="assessor")
                records.add_comments(
                    theirs,
                    {
                        c["number"]: form.cleaned_data.get(f"comment-{c['number']}") or ""
                        for c in competences
                    },
                )
                messages.success(request, "Your ratings and comments are saved.")
            elif action == "reviewed" and own is not None:
                records.review(own)
                messages.success(request, "The self-assessment is marked as reviewed.")
            elif action == "agree":
                records.agree(person, cycle)
                messages.success(request, "The agreed ratings are recorded: check and sign off.")
            elif action == "sign-off" and agreed is not None:
                records.sign_off(agreed)
                messages.success(request, "Signed off. The agreed assessment is now read-only.")
            else:
                raise Http404("no such action")
        except InputError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
        return redirect("review", person_id=person.pk)

    def levels(a: Assessment | None) -> dict[int, Any]:
        return {r.competence: r for r in a.ratings.all()} if a else {}

    mine, yours, settled = levels(own), levels(theirs), levels(agreed)
    initial: dict[str, Any] = {}
    for n, r in (yours or mine).items():  # start from the self-assessment
        initial[f"knowledge-{n}"] = "" if r.knowledge is None else str(r.knowledge)
        initial[f"application-{n}"] = "" if r.application is None else str(r.application)
    form = ReviewForm(competences, initial=initial)
    comments: dict[int, list[Any]] = {}
    for a in (own, theirs, agreed):
        if a is not None:
            for comment in a.comments.all():
                comments.setdefault(comment.competence, []).append(comment)
    rows = []
    for c in competences:
        n = c["number"]
        s, t = mine.get(n), yours.get(n)
        far = bool(
            s
            and t
            and any(
                x is not None and y is not None and abs(x - y) >= 2
                for x, y in ((s.knowledge, t.knowledge), (s.application, t.application))
            )
        )
        rows.append(
            {
                "competence": c,
                "self": s,
                "assessor": t,
                "agreed": settled.get(n),
                "far": far,
                "knowledge": form[f"knowledge-{n}"],
                "application": form[f"application-{n}"],
                "comment": form[f"comment-{n}"],
                "comments": comments.get(n, []),
            }
        )
    return render(
        request,
        "competence/review.html",
        {
            "person": person,
            "cycle": cycle,
            "rows": rows,
            "own": own,
            "theirs": theirs,
            "agreed": agreed,
            "editable": agreed is None or agreed.status != "signed-off",
            "far_count": sum(r["far"] for r in rows),
        },
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything held about the signed-in user's person, as JSON."""
    from competence.services.privacy import personal_data

    person = policy.own_person(request.user)
    if person is None:
        return render(request, "competence/no_person.html", status=404)
    response = HttpResponse(
        json.dumps(personal_data(person), indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="my-competence-data.json"'
    return response


# -- development plans -------------------------------------------------------------------------


@login_required
@require_http_methods(["POST"])
def plan_generate(request: HttpRequest, person_id: int) -> HttpResponse:
    from competence.services import plans

    person = _person_for(request, person_id)
    if not policy.can_edit_plan(request.user, person):
        raise PermissionDenied
    made = plans.generate(person)
    messages.success(request, f"{len(made)} steps added to the development plan.")
    return redirect(f"/people/{person.pk}#plan-heading")


@login_required
@require_http_methods(["POST"])
def plan_item(request: HttpRequest, person_id: int, item_id: int) -> HttpResponse:
    from competence.services import plans
    from competence.store.models import PlanItem

    person = _person_for(request, person_id)
    if not policy.can_edit_plan(request.user, person):
        raise PermissionDenied
    item = get_object_or_404(PlanItem, pk=item_id, person=person)
    status = request.POST.get("status")
    if status not in PlanItem.Status.values:
        raise Http404("no such status")
    action = (request.POST.get("action") or "").strip() or None
    due = (request.POST.get("due_on") or "").strip()
    try:
        due_on = dt.date.fromisoformat(due) if due else None
    except ValueError:
        messages.error(request, f"Not a date: {due!r} (write YYYY-MM-DD).")
        return redirect(f"/people/{person.pk}#plan-heading")
    plans.update(item, status=status, action=action, due_on=due_on)
    messages.success(request, "The plan is updated.")
    return redirect(f"/people/{person.pk}#plan-heading")


@login_required
def person_report(request: HttpRequest, person_id: int, fmt: str) -> HttpResponse:
    """The individual report, as a page or an A4 PDF."""
    from competence.reports.individual import render_html, write_pdf
    from competence.services.plans import plan_data

    person = _person_for(request, person_id)
    html = render_html(results.person_results(person), plan_data(person))
    if fmt == "html":
        return HttpResponse(html)
    if fmt != "pdf":
        raise Http404("no such format")
    buffer = io.BytesIO()
    write_pdf(html, buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    stem = (person.employee_id or person.email).replace("@", "_at_")
    response["Content-Disposition"] = f'attachment; filename="{stem}-report.pdf"'
    return response


# -- team reports and capability planning ------------------------------------------------------


def _lead_people(request: HttpRequest) -> Any:
    if not (
        policy.can_view_team(request.user) and policy.sees_individuals_in_team_view(request.user)
    ):
        raise PermissionDenied
    people = policy.team_people(request.user)
    team_id = request.GET.get("team") or ""
    if team_id:
        if not team_id.isdigit():
            raise Http404("no such team")
        people = people.filter(team_id__in=_team_and_below(get_object_or_404(Team, pk=team_id)))
    context = request.GET.get("context") or ""
    if context:
        if context not in CONTEXTS:
            raise Http404("no such context")
        people = people.filter(context=context)
    return people


@login_required
def team_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The team view's people as an XLSX workbook or a PDF summary."""
    from competence.reports.individual import write_pdf
    from competence.reports.team import render_summary_html, write_xlsx

    people = _lead_people(request)
    summary = results.team_summary(people, page=1, per_page=max(1, people.count()))
    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(summary, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    elif fmt == "pdf":
        write_pdf(render_summary_html(summary, None), buffer)
        response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    else:
        raise Http404("no such format")
    response["Content-Disposition"] = f'attachment; filename="team-report.{fmt}"'
    return response


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

    people = _lead_people(request)
    text = request.POST.get("requirements", EXAMPLE_REQUIREMENTS)
    context: dict[str, Any] = {"requirements": text}
    if request.method == "POST":
        try:
            context["plan"] = plan_people(people, parse_requirements(text, "requirements"))
        except InputError as exc:
            context["problems"] = exc.problems
    return render(request, "competence/team_plan.html", context)
