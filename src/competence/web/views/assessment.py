"""The self-assessment form: a person rates themself, saving as they go, checks their answers
and submits, and may withdraw a submission until the review starts.

Nothing typed is lost: a save carries the version it was loaded with (a save against a newer
version shows what changed and lets the person keep either); a form posted after the session
ended is kept and saved after sign-in (:func:`common.signed_in_keeping_forms`); the page's
script keeps unsaved answers in the browser until they are saved; a save that cannot get the
database's write lock in time answers 503 with the answers as they were sent.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from html import escape
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from competence.data import load_catalogue
from competence.domain import workflow
from competence.domain.framework import Framework, Level
from competence.domain.ratings import Rating
from competence.domain.workflow import Kind
from competence.errors import InputError
from competence.services import catalogue, evidence, policy, profiles, records, results
from competence.services.database import is_busy
from competence.store.models import Assessment, Cycle, Person
from competence.web.views import evidence as rating_evidence
from competence.web.views.common import (
    BUSY_RETRY_SECONDS,
    credit,
    from_script,
    kept_form,
    posted_fields,
    require,
    signed_in_keeping_forms,
)

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


def radios(
    field: forms.BoundField, levels: Sequence[Level], axis: str
) -> list[tuple[SafeString, str, str, str, str]]:
    """A level field's radio inputs (input, id, level, name, descriptor), as Django's
    RadioSelect writes them, built here: its widget templates, for the 348 radios of a
    self-assessment, cost more than the rest of the page."""
    value = field.value()
    chosen = "" if value is None else str(value)
    name, base = escape(field.html_name), escape(field.auto_id)
    invalid = ' aria-invalid="true"' if field.errors else ""
    out = []
    for i, lv in enumerate(levels):
        level = str(lv.level)
        checked = " checked" if level == chosen else ""
        at = f"{base}_{i}"
        html = f'<input type="radio" name="{name}" value="{level}" id="{at}"{invalid}{checked}>'
        out.append((mark_safe(html), at, level, lv.name, getattr(lv, axis)))
    return out  # the name and id are escaped; levels are integers


def labels(options: list[tuple[SafeString, str, str, str, str]]) -> SafeString:
    """The labels of a level field's radio inputs, each with its level's name and descriptor,
    as the page's template wrote them in a loop (6 a field, 348 a page): written here once."""
    return mark_safe(
        "".join(
            f'\n        <label class="level" for="{conditional_escape(at)}">{radio}\n'
            f"          {_level_words(level, name, descriptor)}\n"
            "        </label>\n        "
            for radio, at, level, name, descriptor in options
        )
    )  # every value escaped as the template escaped it


@functools.lru_cache(maxsize=256)
def _level_words(level: str, name: str, descriptor: str) -> str:
    """A level's number, name and descriptor, escaped: the same few on every field."""
    return (
        f"<span><strong>{conditional_escape(level)} {conditional_escape(name)}</strong> "
        f"<small>{conditional_escape(descriptor)}</small></span>"
    )


class AssessmentForm(forms.Form):
    """A field per axis of the framework (knowledge and application for APM's), an evidence
    note, how sure the person is and their links, per competence that applies; and the version
    of the self-assessment the form was loaded with."""

    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

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
                widget=forms.Textarea(
                    attrs={
                        "rows": 2,
                        "maxlength": EVIDENCE_LIMIT,
                        "aria-describedby": f"evidence-{n}-count",
                    }
                ),
            )
            rating_evidence.add_fields(self, n, c["name"])

    def ratings(self, only: str | None = None) -> dict[int, Rating]:
        """Every competence on the form (an empty one clears what was saved before), or only
        those ``only`` names ("1,5": the page's script sends the ones it changed)."""
        chosen = None if only is None else {p.strip() for p in only.split(",")}
        out = {}
        for c in self.competences:
            n = c["number"]
            if chosen is not None and str(n) not in chosen:
                continue
            k = self.cleaned_data.get(f"knowledge-{n}")
            a = self.cleaned_data.get(f"application-{n}")
            e = (self.cleaned_data.get(f"evidence-{n}") or "").strip() or None
            out[n] = Rating(k, a, e, *rating_evidence.values(self.cleaned_data, n))
        return out


def _initial(assessment: Assessment | None, framework: Framework) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": records.version_of(assessment)}
    if assessment is not None:
        for r in assessment.ratings.all():
            for axis in framework.axes:
                level = getattr(r, axis)
                initial[f"{axis}-{r.competence}"] = None if level is None else str(level)
            initial[f"evidence-{r.competence}"] = r.evidence
            initial.update(rating_evidence.initial(r))
    return initial


def _mine(request: HttpRequest) -> tuple[Person, Cycle] | HttpResponse:
    """The signed-in person and the open cycle, or the page that says there is none."""
    person = policy.own_person(request.user)
    if person is None:
        return render(request, "competence/no_person.html", status=404)
    require(request, "person.own", person)
    cycle = records.current_cycle()
    if cycle is None:
        return render(request, "competence/no_cycle.html", status=404)
    return person, cycle


def _conflict(
    request: HttpRequest,
    exc: records.Conflict,
    competences: list[dict[str, Any]],
    data: Any,
    stored: Assessment | None,
    framework: Framework,
) -> HttpResponse:
    """409: the self-assessment changed since this form was loaded. Says what differs, and
    offers to keep either: these answers (sent again with the version stored now), or the
    saved ones."""
    names = {c["number"]: c["name"] for c in competences}
    changes = [{**c, "name": names.get(c["competence"], str(c["competence"]))} for c in exc.changes]
    if from_script(request):
        # All that is saved now, so that the page can say what changed elsewhere.
        now = {
            str(n): {"knowledge": r.knowledge, "application": r.application, "evidence": r.evidence}
            for n, r in (records.domain_ratings(stored) if stored else {}).items()
        }
        return JsonResponse(
            {
                "saved": False,
                "conflict": True,
                "version": exc.version,
                "changes": changes,
                "stored": now,
            },
            status=409,
        )
    fields = [(k, v) for k, v in data if k not in ("version", "action")]

    def shown(levels: dict[str, Any]) -> str:
        return "/".join("–" if levels[a] is None else str(levels[a]) for a in framework.axes)

    for c in changes:
        c.update(saved_levels=shown(c["saved"]), your_levels=shown(c["yours"]))
    return render(
        request,
        "competence/conflict.html",
        {
            "changes": changes,
            "version": exc.version,
            "fields": fields,
            "axes": "/".join(framework.axes),
            "credit": credit(framework),
        },
        status=409,
    )


def _save(
    request: HttpRequest,
    person: Person,
    cycle: Cycle,
    competences: list[dict[str, Any]],
    data: QueryDict,
    replayed: bool = False,
) -> HttpResponse | AssessmentForm:
    """Save a posted form (or one kept over a sign-in); the form again when it is invalid."""
    numbers = {c["number"] for c in competences}
    framework = profiles.catalogue_for(person.profile).framework
    form = AssessmentForm(competences, data, framework=framework)
    if not form.is_valid():
        if from_script(request):
            return JsonResponse({"saved": False, "errors": form.errors}, status=422)
        return form
    fields = (
        posted_fields(request)
        if not replayed
        else [(k, v) for k, values in data.lists() for v in values]
    )
    try:
        assessment = records.save_draft(
            person,
            cycle,
            form.ratings(data.get("competences")),
            version=form.cleaned_data["version"] or 0,
        )
    except records.Conflict as exc:
        stored = records.assessment_of(person, cycle, Kind.SELF)
        return _conflict(request, exc, competences, fields, stored, framework)
    except InputError as exc:
        if from_script(request):
            return JsonResponse({"saved": False, "error": exc.report()}, status=409)
        for problem in exc.problems:
            messages.error(request, problem)
        return redirect("self_assessment")
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        if from_script(request):
            answer = JsonResponse({"saved": False, "error": BUSY}, status=503)
            answer["Retry-After"] = str(BUSY_RETRY_SECONDS)
            return answer
        form.busy = True  # type: ignore[attr-defined]  # the page comes back with the answers
        return form
    rated = records.rated_count(assessment, numbers, framework.axes)
    if from_script(request):
        return JsonResponse(
            {"saved": True, "rated": rated, "total": len(numbers), "version": assessment.version}
        )
    if replayed:
        messages.success(
            request,
            f"Your answers from before you signed in again are saved: {rated} of "
            f"{len(numbers)} rated.",
        )
        return redirect("self_assessment")
    if data.get("action") in ("check", "submit"):  # submitting starts with checking
        return redirect("check_answers")
    messages.success(request, f"Saved: {rated} of {len(numbers)} rated.")
    return redirect("self_assessment")


@signed_in_keeping_forms
@require_http_methods(["GET", "POST"])
def self_assessment(request: HttpRequest) -> HttpResponse:
    found = _mine(request)
    if isinstance(found, HttpResponse):
        return found
    person, cycle = found
    competences = catalogue.applicable(person.profile, person.context)
    kept = kept_form(request) if request.method == "GET" else None
    form: AssessmentForm | None = None
    if request.method == "POST" or kept is not None:
        saved = _save(
            request, person, cycle, competences, kept or request.POST, replayed=kept is not None
        )
        if isinstance(saved, HttpResponse):
            return saved
        form = saved
    assessment = records.assessment_of(person, cycle, Kind.SELF)
    framework = profiles.catalogue_for(person.profile).framework
    busy_now = bool(getattr(form, "busy", False))
    if form is None:
        form = AssessmentForm(
            competences, initial=_initial(assessment, framework), framework=framework
        )
    editable = (assessment is None or workflow.editable(assessment.status)) and not (
        records.cycle_locked(person, cycle)
    )
    answers = results.check_answers(person, assessment)
    rated = {row["number"]: row["rated"] for row in answers["competences"]}
    levels = framework.levels
    held = evidence.files_by_competence(assessment)
    sections = [  # numbers as text: the template writes each several times, unlocalised
        {
            "competence": {**c, "number": str(c["number"])},
            "rated": rated[c["number"]],
            "axes": [
                {
                    "axis": axis,
                    "field": form[f"{axis}-{c['number']}"],
                    "target": str(c[axis]),
                    "labels": labels(radios(form[f"{axis}-{c['number']}"], levels, axis)),
                }
                for axis in framework.axes
            ],
            "evidence": form[f"evidence-{c['number']}"],
            "more": rating_evidence.section(form, c["number"], held),
        }
        for c in competences
    ]
    withdrawable = (
        assessment is not None
        and assessment.status == workflow.Status.SUBMITTED
        and not records.review_has_started(person, cycle)
    )
    response = render(
        request,
        "competence/assessment.html",
        {
            "busy": BUSY if busy_now else "",
            "credit": credit(framework),
            "person": person,
            "cycle": cycle,
            "assessment": assessment,
            "form": form,
            "sections": sections,
            "levels": levels,
            "editable": editable,
            "withdrawable": withdrawable,
            "rated": answers["total"] - len(answers["unrated"]),
            "total": answers["total"],
            "next_unrated": answers["unrated"][0] if answers["unrated"] else None,
            "axes": framework.axes,
            "low": levels[0],
            "top": levels[-1],
            "evidence_limit": str(EVIDENCE_LIMIT),
            "draft_key": f"competence:self-assessment:{person.pk}:{cycle.pk}",
        },
        status=503 if busy_now else 200,
    )
    if busy_now:
        response["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


@signed_in_keeping_forms
@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest) -> HttpResponse:
    """Check your answers, then submit: every competence that applies with its ratings, the
    unrated ones named with a link back, and the verdict these ratings would give. Submitting
    with unrated competences needs a confirmation that names how many."""
    found = _mine(request)
    if isinstance(found, HttpResponse):
        return found
    person, cycle = found
    assessment = records.assessment_of(person, cycle, Kind.SELF)
    if assessment is None or not workflow.editable(assessment.status):
        return redirect("self_assessment")
    answers = results.check_answers(person, assessment)
    error = None
    if request.method == "POST":
        try:
            confirmed = int(request.POST.get("confirm_unrated") or 0)
        except ValueError:
            confirmed = 0
        try:
            if int(request.POST.get("version") or 0) != assessment.version:
                raise InputError(
                    "version: your answers changed since this page was opened; check them again"
                )
            records.submit_checked(
                assessment, [row["number"] for row in answers["competences"]], confirmed
            )
        except InputError as exc:
            error = exc.report()
        else:
            messages.success(
                request,
                "Submitted. Your assessor can now review it. Until they start, you can "
                "withdraw it from My assessment to change it.",
            )
            return redirect("results", person_id=person.pk)
    return render(
        request,
        "competence/check_answers.html",
        {
            "credit": credit(profiles.catalogue_for(person.profile).framework),
            "person": person,
            "cycle": cycle,
            "answers": answers,
            "error": error,
            "unrated_count": len(answers["unrated"]),
        },
        status=422 if error else 200,
    )


@signed_in_keeping_forms(then="self_assessment")
@require_POST
def withdraw(request: HttpRequest) -> HttpResponse:
    """Withdraw the submitted self-assessment, until the assessor starts the review."""
    found = _mine(request)
    if isinstance(found, HttpResponse):
        return found
    person, cycle = found
    assessment = records.assessment_of(person, cycle, Kind.SELF)
    try:
        if assessment is None:
            raise InputError("there is no self-assessment to withdraw")
        records.withdraw(assessment)
    except InputError as exc:
        for problem in exc.problems:
            messages.error(request, problem)
    else:
        messages.success(
            request, "Withdrawn: your self-assessment is a draft again. Your assessor is told."
        )
    return redirect(reverse("self_assessment"))
