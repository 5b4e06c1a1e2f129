"""Second views in the API (optional 360): the twin of the raters pages and of the other views on
the review page.

Registered on :data:`competence.web.api.api`, whose error handlers answer for these routes too
(403, 404, 409 once the cycle is signed off, 422).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from competence.domain import second_views as rules
from competence.services import policy, second_views
from competence.store.models import SecondView
from competence.web.api import RatingIn, ratings_in, visible_person
from competence.web.api_workflow import CycleIn, cycle_or_404

router: Router = Router(tags=["second views"])


def _may(request: HttpRequest, rule: str, subject: Any) -> None:
    if not policy.allowed(request.user, rule, subject):
        raise PermissionDenied


def _view(request: HttpRequest, view_id: int, rule: str) -> SecondView:
    try:
        view = second_views.get(view_id)
    except second_views.NotFound:
        raise Http404("no such second view") from None
    _may(request, rule, view.person if rule == "second-view.invite" else view)
    return view


class InviteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    rater: str = Field(..., max_length=254, description="The rater's user name or email")
    relation: str = Field(
        ..., description="How they know the person: " + ", ".join(rules.RELATIONS)
    )
    cycle: str | None = Field(None, max_length=100, description="The open cycle when not given")


class GiveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ratings: list[RatingIn] = Field(default_factory=list, max_length=100)
    give: bool = Field(
        True, description="true: give the view (the reviewer sees it); false: keep it unseen"
    )


@router.get(
    "/people/{person_id}/second-views",
    summary="The views other raters gave of a person, as their reviewer sees them (named only "
    "once 3 or more were given); never part of a verdict",
)
def get_person_views(request: HttpRequest, person_id: int, which: Query[CycleIn]) -> Any:
    person = visible_person(request, person_id)
    _may(request, "second-view.see", person)
    return second_views.shown_data(request.user, person, cycle_or_404(which.cycle))


@router.get(
    "/people/{person_id}/raters",
    summary="The raters invited for a person in a cycle, and where each stands (admins)",
)
def get_raters(request: HttpRequest, person_id: int, which: Query[CycleIn]) -> Any:
    person = visible_person(request, person_id)
    _may(request, "second-view.invite", person)
    return [second_views.data(v) for v in second_views.invited(person, cycle_or_404(which.cycle))]


@router.post(
    "/people/{person_id}/raters",
    summary="Ask a user for their view of a person (admins); the rater is told by email",
    response={201: dict[str, Any], 401: Any, 403: Any, 404: Any, 409: Any, 422: Any},
)
def post_rater(request: HttpRequest, person_id: int, body: InviteIn) -> Any:
    person = visible_person(request, person_id)
    _may(request, "second-view.invite", person)
    made = second_views.invite(person, body.rater, body.relation, body.cycle)
    return Status(201, second_views.data(made))


@router.delete(
    "/second-views/{view_id}",
    summary="Withdraw an invitation, or remove a given view (admins)",
    response={204: None, 401: Any, 403: Any, 404: Any, 409: Any},
)
def delete_view(request: HttpRequest, view_id: int) -> Any:
    view = _view(request, view_id, "second-view.invite")
    second_views.remove(view.pk)
    return Status(204, None)


@router.get("/second-views", summary="The views you are asked for, latest cycle first")
def get_asked(request: HttpRequest) -> list[dict[str, Any]]:
    return [second_views.data(v) for v in second_views.asked_of(request.user)]


@router.get(
    "/second-views/{view_id}", summary="Your own view of a person, with your ratings (its rater)"
)
def get_own_view(request: HttpRequest, view_id: int) -> Any:
    return second_views.own_data(_view(request, view_id, "second-view.give"))


@router.put(
    "/second-views/{view_id}",
    summary="Save your ratings of the person and give your view (its rater)",
    description="The ratings replace those kept; `give: false` keeps them unseen. 409 once the "
    "person's cycle is signed off.",
)
def put_own_view(request: HttpRequest, view_id: int, body: GiveIn) -> Any:
    view = _view(request, view_id, "second-view.give")
    return second_views.own_data(second_views.give(view, ratings_in(body.ratings), final=body.give))
