"""A person's development plan: steps suggested from the gaps, and each step's progress."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from competence.errors import InputError
from competence.services import plans
from competence.web.views.common import person_for


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


@login_required
@require_http_methods(["POST"])
def plan_item(request: HttpRequest, person_id: int, item_id: int) -> HttpResponse:
    person = person_for(request, person_id, "plan.edit")
    try:
        item = plans.item_of(person, item_id)
    except InputError:
        raise Http404("no such step") from None
    status = request.POST.get("status")
    if status not in plans.STATUSES:
        raise Http404("no such status")
    action = (request.POST.get("action") or "").strip() or None
    due = (request.POST.get("due_on") or "").strip()
    try:
        due_on = dt.date.fromisoformat(due) if due else None
    except ValueError:
        messages.error(request, f"Not a date: {due!r} (write YYYY-MM-DD).")
        return _back(person.pk)
    plans.update(item, status=status, action=action, due_on=due_on)
    messages.success(request, "The plan is updated.")
    return _back(person.pk)
