"""The self-assessment form: a person rates themself, saving as they go, and submits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from competence.data import load_catalogue
from competence.domain import workflow
from competence.domain.framework import Framework
from competence.domain.ratings import Rating
from competence.domain.workflow import Kind
from competence.errors import InputError
from competence.services import catalogue, evidence, policy, profiles, records
from competence.services.database import is_busy
from competence.web.views import evidence as rating_evidence
from competence.web.views.common import BUSY_RETRY_SECONDS

BUSY = (
    "Not saved: someone else is writing a lot at once (an import, say). Your answers are still "
    "on this page: save again in a minute."
)
EVIDENCE_LIMIT = records.EVIDENCE_LIMIT


def check_evidence(value: str) -> None:
    """The limit of every way a rating comes in, with its message."""
    problem = records.evidence_problem(value)
    if problem:
        raise ValidationError(problem)


class AssessmentForm(forms.Form):
    """A field per axis of the framework (knowledge and application for APM's) and an evidence
    field, per competence that applies."""

    def __init__(
        self,
        competences: list[dict[str, Any]],
        *args: Any,
        framework: Framework | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.competences = competences
        self.framework = framework or load_catalogue().framework
        choices = [(str(lv.level), str(lv.level)) for lv in self.framework.levels]
        for c in competences:
            n = c["number"]
            for axis in self.framework.axes:
                self.fields[f"{axis}-{n}"] = forms.TypedChoiceField(
                    choices=choices,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    widget=forms.RadioSelect,
                    label=f"{c['name']}: {axis}",
                )
            self.fields[f"evidence-{n}"] = forms.CharField(
                required=False,
                label=f"{c['name']}: evidence",
                validators=[check_evidence],
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": EVIDENCE_LIMIT}),
            )
            rating_evidence.add_fields(self, n, c["name"])

    def ratings(self) -> dict[int, Rating]:
        """Every competence on the form: an empty one clears what was saved before."""
        out = {}
        for c in self.competences:
            n = c["number"]
            k = self.cleaned_data.get(f"knowledge-{n}")
            a = self.cleaned_data.get(f"application-{n}")
            e = (self.cleaned_data.get(f"evidence-{n}") or "").strip() or None
            out[n] = Rating(k, a, e, *rating_evidence.values(self.cleaned_data, n))
        return out


@login_required
@require_http_methods(["GET", "POST"])
def self_assessment(request: HttpRequest) -> HttpResponse:
    person = policy.own_person(request.user)
    if person is None:
        return render(request, "competence/no_person.html", status=404)
    cycle = records.current_cycle()
    if cycle is None:
        return render(request, "competence/no_cycle.html", status=404)
    assessment = records.assessment_of(person, cycle, Kind.SELF)
    competences = catalogue.applicable(person.profile, person.context)
    framework = profiles.catalogue_for(person.profile).framework
    numbers = {c["number"] for c in competences}
    editable = (assessment is None or workflow.editable(assessment.status)) and not (
        records.cycle_locked(person, cycle)
    )
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    busy_now = False
    if request.method == "POST":
        form = AssessmentForm(competences, request.POST, framework=framework)
        if form.is_valid():
            try:
                assessment = records.save_draft(person, cycle, form.ratings())
                rated = records.rated_count(assessment, numbers, framework.axes)
                if wants_json:
                    return JsonResponse({"saved": True, "rated": rated, "total": len(numbers)})
                if request.POST.get("action") == "submit":
                    records.submit(assessment)
                    messages.success(request, "Submitted. Your assessor can now review it.")
                    return redirect("results", person_id=person.pk)
            except InputError as exc:
                if wants_json:
                    return JsonResponse({"saved": False, "error": exc.report()}, status=409)
                for problem in exc.problems:
                    messages.error(request, problem)
                return redirect("self_assessment")
            except OperationalError as exc:
                if not is_busy(exc):
                    raise
                if wants_json:
                    answer = JsonResponse({"saved": False, "error": BUSY}, status=503)
                    answer["Retry-After"] = str(BUSY_RETRY_SECONDS)
                    return answer
                busy_now = True  # the page comes back with the answers as they were sent
            else:
                messages.success(request, f"Saved: {rated} of {len(numbers)} rated.")
                return redirect("self_assessment")
        elif wants_json:
            return JsonResponse({"saved": False, "errors": form.errors}, status=422)
    else:
        initial: dict[str, Any] = {}
        if assessment is not None:
            for r in assessment.ratings.all():
                for axis in framework.axes:
                    value = getattr(r, axis)
                    initial[f"{axis}-{r.competence}"] = None if value is None else str(value)
                initial[f"evidence-{r.competence}"] = r.evidence
                initial.update(rating_evidence.initial(r))
        form = AssessmentForm(competences, initial=initial, framework=framework)
    levels = framework.levels
    held = evidence.files_by_competence(assessment)
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
                for axis in framework.axes
            ],
            "evidence": form[f"evidence-{c['number']}"],
            "more": rating_evidence.section(form, c["number"], held),
        }
        for c in competences
    ]
    response = render(
        request,
        "competence/assessment.html",
        {
            "busy": BUSY if busy_now else "",
            "person": person,
            "cycle": cycle,
            "assessment": assessment,
            "form": form,
            "sections": sections,
            "levels": levels,
            "editable": editable,
            "rated": records.rated_count(assessment, numbers, framework.axes) if assessment else 0,
            "axes": framework.axes,
            "low": levels[0],
            "top": levels[-1],
            "total": len(competences),
            "evidence_limit": EVIDENCE_LIMIT,
        },
        status=503 if busy_now else 200,
    )
    if busy_now:
        response["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response
