"""The webhooks page (admins): the webhooks, adding one, its secret, a test, and the delivery
log. Each change is a form posted to the service, then back to the page (or the page again with
the fields at fault, 422)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from competence.data import problem_field
from competence.domain import webhooks as rules
from competence.errors import InputError
from competence.services import webhooks
from competence.web.views.common import require

ACTIONS = {
    "reveal": "Show the secret",
    "rotate": "New secret",
    "ping": "Send a test",
    "deactivate": "Deactivate",
    "activate": "Activate",
    "delete": "Delete",
}
"""What each webhook's buttons do, and say."""


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        raise Http404("no such page") from None


def _render(
    request: HttpRequest,
    status: int = 200,
    form: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    revealed: tuple[int, str] | None = None,
    confirming: dict[str, Any] | None = None,
) -> HttpResponse:
    try:
        log = webhooks.deliveries(page=_page_number(request))
    except InputError:
        raise Http404("no such page of the delivery log") from None
    listed = [{**w, "added": webhooks.shown_time(w["created_at"])} for w in webhooks.listing()]
    for item in log["items"]:
        item["made"] = webhooks.shown_time(item["created_at"])
    context = {
        "webhooks": listed,
        "events": rules.EVENTS,
        "actions": list(ACTIONS.items()),
        "log": log,
        "form": form or {"url": "", "events": []},
        "errors": errors or {},
        "revealed": revealed,
        "confirming": confirming,
        "full": len(listed) >= rules.MAX_WEBHOOKS,
    }
    response = render(request, "competence/webhooks.html", context, status=status)
    if revealed is not None:
        response["Cache-Control"] = "no-store"
    return response


def _by_field(problems: list[str]) -> dict[str, list[str]]:
    """The service's problems (``field: reason``) by field."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        name, reason = problem_field(problem, "")
        errors.setdefault(name or "url", []).append(reason)
    return errors


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    require(request, "admin")
    if request.method == "GET":
        return _render(request)
    form: dict[str, Any] = {
        "url": request.POST.get("url", ""),
        "events": request.POST.getlist("events"),
    }
    try:
        made = webhooks.add(form["url"], form["events"])
    except InputError as exc:
        return _render(request, 422, form, _by_field(exc.problems))
    messages.success(
        request,
        f"Webhook {made.pk} added, for {len(made.events)} kind"
        f"{'s' if len(made.events) != 1 else ''} of event. Show its secret below to set up the "
        "receiver's check.",
    )
    return redirect("webhooks")


@login_required
@require_POST
def webhook_action(request: HttpRequest, webhook_id: int) -> HttpResponse:
    require(request, "admin")
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404("no such action")
    try:
        webhooks.get(webhook_id)
    except webhooks.NotFound:
        raise Http404("no such webhook") from None
    if action == "delete" and request.POST.get("confirm") != "yes":
        return _render(request, confirming=webhooks.data(webhooks.get(webhook_id)))
    if action == "reveal":
        return _render(request, revealed=(webhook_id, webhooks.secret(webhook_id)))
    if action == "rotate":
        webhooks.rotate_secret(webhook_id)
        messages.success(
            request, f"Webhook {webhook_id} has a new secret: give it to its receiver."
        )
        return _render(request, revealed=(webhook_id, webhooks.secret(webhook_id)))
    if action in ("deactivate", "activate"):
        webhooks.set_active(webhook_id, action == "activate")
        said = "sent events again" if action == "activate" else "sent nothing until activated"
        messages.success(request, f"Webhook {webhook_id} is {said}.")
    elif action == "delete":
        gone = webhooks.remove(webhook_id)
        messages.success(request, f"Webhook {webhook_id} to {gone.url} and its log are deleted.")
    else:
        delivery = webhooks.ping(webhook_id)
        messages.success(
            request, f"A test was sent to webhook {webhook_id}: delivery {delivery} in the log."
        )
    return redirect("webhooks")


@login_required
@require_POST
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    require(request, "admin")
    try:
        webhooks.retry_now(delivery_id)
    except webhooks.NotFound:
        raise Http404("no such delivery") from None
    except InputError as exc:
        messages.error(request, exc.problems[0])
    else:
        messages.success(request, f"Delivery {delivery_id} is being tried again now.")
    return redirect("webhooks")
