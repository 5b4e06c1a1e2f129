"""A person's development plan: steps suggested from the gaps, and the plan edited as a whole."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from competence.errors import InputError
from competence.services import plans, profiles
from competence.web.views.common import credit, person_for


def _back(person_id: int) -> HttpResponse:
    return redirect(f"/people/{person_id}#plan-heading")


@login_required
@require_http_methods(["POST"])
def plan_generate(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_for(request, person_id, "plan.edit")
    try:
        made = plans.generate(person, toward_next=request.POST.get("toward") == "next")
    except InputError as exc:
        messages.error(request, exc.report())
        return _back(person.pk)
    if made:
        messages.success(request, f"{len(made)} step{'s' if len(made) != 1 else ''} added.")
    else:
        messages.info(request, "Nothing to add: every gap is already in the plan.")
    return _back(person.pk)


def _edits(request: HttpRequest) -> dict[int, plans.StepEdit]:
    """The steps of the form, by id: ``step`` lists them, ``step-ID-FIELD`` holds each field."""
    edits = {}
    for raw in request.POST.getlist("step"):
        if raw.isdigit():
            pk = int(raw)
            edits[pk] = plans.StepEdit(
                status=request.POST.get(f"step-{pk}-status", ""),
                action=request.POST.get(f"step-{pk}-action", ""),
                due_on=request.POST.get(f"step-{pk}-due_on", ""),
            )
    return edits


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    """The whole plan in one form: each step's activity, date and status, saved together."""
    person = person_for(request, person_id, "plan.edit")
    steps: list[dict[str, Any]] = plans.plan_data(person)
    problems: list[str] = []
    if request.method == "POST":
        edits = _edits(request)
        try:
            changed = plans.save_plan(person, edits)
        except InputError as exc:
            problems = exc.problems
            for step in steps:  # show what was written, to be put right
                edit = edits.get(step["id"])
                if edit is not None:
                    step.update(status=edit.status, action=edit.action, due_on=edit.due_on)
        else:
            messages.success(
                request,
                f"The plan is saved ({changed} step{'s' if changed != 1 else ''} changed)."
                if changed
                else "The plan is saved (nothing changed).",
            )
            return _back(person.pk)
    return render(
        request,
        "competence/plan.html",
        {
            "person": person,
            "credit": credit(profiles.catalogue_for(person.profile).framework),
            "steps": steps,
            "statuses": plans.STATUSES,
            "problems": problems,
            "max_action": plans.MAX_ACTION,
        },
        status=422 if problems else 200,
    )
