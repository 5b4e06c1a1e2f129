"""The webhooks in the API (admins; a write token for the writes): the twin of the webhooks page.

Registered on :data:`competence.web.api.api`, whose error handlers answer for these routes too
(403, 404, 422).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ConfigDict

from competence.data import problem_field
from competence.domain import webhooks as rules
from competence.errors import InputError
from competence.services import policy, webhooks

router = Router(tags=["webhooks"])

ERRORS: dict[int, Any] = {401: Any, 403: Any, 404: Any, 422: Any}


def _admin(request: HttpRequest) -> None:
    if not policy.allowed(request.user, "admin"):
        raise PermissionDenied


def _found(webhook_id: int) -> None:
    try:
        webhooks.get(webhook_id)
    except webhooks.NotFound:
        raise Http404("no such webhook") from None


def _invalid(exc: InputError) -> ValidationError:
    """The service's ``field: reason`` problems as 422 per field of the body."""
    errors = []
    for problem in exc.problems:
        name, reason = problem_field(problem, "")
        errors.append({"loc": ["body", name] if name else ["body"], "msg": reason})
    return ValidationError(errors)


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(..., description="http or https address the events are POSTed to")
    events: list[str] = Field(..., description="Event kinds: " + ", ".join(rules.EVENTS))


class ActiveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    active: bool = Field(..., description="false: send nothing (deliveries wait); true: again")


class LogPage(Schema):
    page: int = Field(1, ge=1)


@router.get("/webhooks", summary="The webhooks, without their secrets (admins)")
def get_webhooks(request: HttpRequest) -> list[dict[str, Any]]:
    _admin(request)
    return webhooks.listing()


@router.post(
    "/webhooks",
    summary="Add a webhook (admins); the answer holds its secret",
    response={201: dict[str, Any], **ERRORS},
)
def post_webhook(request: HttpRequest, body: WebhookIn) -> Any:
    _admin(request)
    try:
        made = webhooks.add(body.url, body.events)
    except InputError as exc:
        raise _invalid(exc) from None
    return Status(201, {**webhooks.data(made), "secret": made.secret})


@router.patch(
    "/webhooks/{webhook_id}",
    summary="Deactivate or activate a webhook (admins)",
    response={200: dict[str, Any], **ERRORS},
)
def patch_webhook(request: HttpRequest, webhook_id: int, body: ActiveIn) -> Any:
    _admin(request)
    _found(webhook_id)
    return webhooks.data(webhooks.set_active(webhook_id, body.active))


@router.delete(
    "/webhooks/{webhook_id}",
    summary="Delete a webhook and its delivery log (admins)",
    response={204: None, **ERRORS},
)
def delete_webhook(request: HttpRequest, webhook_id: int) -> Any:
    _admin(request)
    _found(webhook_id)
    webhooks.remove(webhook_id)
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/secret",
    summary="A webhook's secret, which signs its deliveries (admins)",
    response={200: dict[str, Any], **ERRORS},
)
def get_webhook_secret(request: HttpRequest, webhook_id: int) -> Any:
    _admin(request)
    _found(webhook_id)
    return {"id": webhook_id, "secret": webhooks.secret(webhook_id)}


@router.post(
    "/webhooks/{webhook_id}/secret",
    summary="Give a webhook a new secret (admins); the answer holds it",
    response={200: dict[str, Any], **ERRORS},
)
def post_webhook_secret(request: HttpRequest, webhook_id: int) -> Any:
    _admin(request)
    _found(webhook_id)
    return {"id": webhook_id, "secret": webhooks.rotate_secret(webhook_id).secret}


@router.post(
    "/webhooks/{webhook_id}/ping",
    summary="Send a test event (`ping`) to a webhook (admins)",
    response={202: dict[str, Any], **ERRORS},
)
def post_webhook_ping(request: HttpRequest, webhook_id: int) -> Any:
    _admin(request)
    _found(webhook_id)
    return Status(202, {"delivery": webhooks.ping(webhook_id)})


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    summary="A webhook's delivery log, latest first, 25 to a page (admins)",
    response={200: dict[str, Any], **ERRORS},
)
def get_webhook_deliveries(request: HttpRequest, webhook_id: int, query: Query[LogPage]) -> Any:
    _admin(request)
    _found(webhook_id)
    try:
        return webhooks.deliveries(webhook_id, page=query.page)
    except InputError as exc:
        raise ValidationError([{"loc": ["query", "page"], "msg": exc.problems[0]}]) from None


@router.post(
    "/webhooks/deliveries/{delivery_id}/retry",
    summary="Try an undelivered delivery again now (admins)",
    response={202: dict[str, Any], 409: Any, **ERRORS},
)
def post_delivery_retry(request: HttpRequest, delivery_id: int) -> Any:
    _admin(request)
    try:
        found = webhooks.retry_now(delivery_id)
    except webhooks.NotFound:
        raise Http404("no such delivery") from None
    except InputError as exc:
        return Status(409, {"detail": [{"loc": [], "msg": p} for p in exc.problems]})
    return Status(202, webhooks.delivery_data(found))
