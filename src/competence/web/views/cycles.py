"""Assessment cycles (admins): open one, move its due date, close it, send its reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from competence.errors import InputError
from competence.services import privacy, records
from competence.store.models import Cycle
from competence.web.views.common import require


def day(value: str | None, field: str, required: bool = False) -> dt.date | None:
    """A date field of a form or a body (YYYY-MM-DD); a problem names the field."""
    value = (value or "").strip()
    if not value:
        if required:
            raise InputError(f"{field}: a date is needed")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{field}: a date as YYYY-MM-DD, got {value[:20]!r}") from None


def _cycle(request: HttpRequest, cycle_id: int) -> Cycle:
    require(request, "admin")
    try:
        return records.get_cycle(cycle_id)
    except InputError:
        raise Http404("no such cycle") from None


@login_required
@require_http_methods(["GET", "POST"])
def cycle_list(request: HttpRequest) -> HttpResponse:
    """Every cycle, and a form to open a new one."""
    require(request, "admin")
    form = {"name": "", "opens_on": "", "closes_on": ""}
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        try:
            made = _open(form)
        except InputError as exc:
            problems, status = exc.problems, 422
        else:
            messages.success(request, f"Cycle {made.name} is made: it opens {made.opens_on}.")
            return redirect("cycle_list")
    return render(
        request,
        "competence/cycles.html",
        {"cycles": records.cycles(), "form": form, "problems": problems},
        status=status,
    )


def _open(form: dict[str, str]) -> Cycle:
    problems = []
    days: dict[str, dt.date | None] = {}
    for field in ("opens_on", "closes_on"):
        try:
            days[field] = day(form[field], field, required=field == "opens_on")
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    opens = days["opens_on"]
    assert opens is not None
    return records.create_cycle(form["name"], opens, days["closes_on"], ("name", "closes_on"))


@login_required
@require_http_methods(["GET", "POST"])
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """One cycle: its opening day and due date; close it; who would be reminded."""
    cycle = _cycle(request, cycle_id)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            if "close" in request.POST:
                records.close_cycle(cycle, day(request.POST.get("close_on"), "close_on"))
                done = f"Cycle {cycle.name} is closed: its last day is {cycle.closes_on}."
            else:
                records.update_cycle(
                    cycle,
                    opens_on=day(request.POST.get("opens_on"), "opens_on", required=True),
                    closes_on=day(request.POST.get("closes_on"), "closes_on"),
                )
                done = f"Cycle {cycle.name} is saved."
        except InputError as exc:
            problems, status = exc.problems, 422
            cycle.refresh_from_db()
        else:
            messages.success(request, done)
            return redirect("cycle_detail", cycle_id=cycle.pk)
    return _detail(request, cycle, status, problems=problems)


def _detail(request: HttpRequest, cycle: Cycle, status: int = 200, **extra: Any) -> HttpResponse:
    data = records.cycle_data(cycle)
    preview = privacy.remind(dry_run=True, cycle=cycle) if data["status"] == "open" else None
    return render(
        request,
        "competence/cycle.html",
        {"cycle": data, "preview": preview, **extra},
        status=status,
    )


@login_required
@require_http_methods(["POST"])
def cycle_reminders(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Email everyone whose self-assessment in the cycle is due (the preview is on the cycle's
    page)."""
    cycle = _cycle(request, cycle_id)
    try:
        sent = privacy.remind(cycle=cycle)
    except InputError as exc:
        messages.error(request, exc.report())
    else:
        due = len(sent["due"])
        messages.success(
            request,
            f"{sent['sent']} reminder{'s' if sent['sent'] != 1 else ''} sent "
            f"({due} {'people' if due != 1 else 'person'} due).",
        )
    return redirect("cycle_detail", cycle_id=cycle.pk)
