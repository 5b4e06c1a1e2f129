"""The API twin of the people pages and the teams and PMOs pages: the same services, the same
policy and the field names of the pages and ``--json``.

The operations on paths the API already serves (``/people``, ``/people/{person_id}``) are added
to the API's own router: django-ninja makes one URL pattern per path and router, so a second
router's POST on ``/people`` would never be reached. The others are on :data:`router`, added at
the end of :mod:`competence.web.api`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ConfigDict

from competence.errors import InputError
from competence.services import people, policy, privacy, teams
from competence.store.models import Person, Pmo, Team
from competence.web.api import api
from competence.web.views.common import person_for

router: Router = Router(tags=["people"])
T = TypeVar("T")
ERRORS: dict[int, Any] = {401: Any, 403: Any, 404: Any, 422: Any}


def _checked(change: Callable[[], T]) -> T:
    """Run a service: 403 when the policy refuses, 422 naming each field at fault."""
    try:
        return change()
    except policy.Forbidden:
        raise PermissionDenied from None
    except InputError as exc:
        raise ValidationError(
            [{"loc": ["body", p.split(":")[0]], "msg": p} for p in exc.problems]
        ) from None


class PersonIn(Schema):
    """A person, as the people page's form and ``--json`` name the fields."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=1000)
    email: str = Field(..., max_length=1000)
    employee_id: str | None = Field(None, max_length=1000)
    team: str | None = Field(None, description="The team's path: Department / Team")
    context: str = Field(..., description="project, programme or portfolio")
    profile: str = Field("pmo-officer", description="The profile they are judged against")
    target_profile: str | None = Field(None, description="Their next step, or null for none")
    assessor: str | None = Field(None, description="The assessor's email or employee id")
    left_on: dt.date | None = Field(None, description="The day they left (drives retention)")


class PersonPatch(Schema):
    """The fields to change; those not sent stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=1000)
    email: str | None = Field(None, max_length=1000)
    employee_id: str | None = Field(None, max_length=1000)
    team: str | None = None
    context: str | None = None
    profile: str | None = None
    target_profile: str | None = None
    assessor: str | None = None
    left_on: dt.date | None = None


def _managed(request: HttpRequest, person_id: int) -> Person:
    """The person (404), if the user may manage them (403)."""
    return person_for(request, person_id, "person.manage")


@api.post(
    "/people",
    tags=["people"],
    summary="Add a person (admins; PMO leads in the teams of the PMOs they lead)",
    response={201: dict[str, Any], **ERRORS},
)
def post_person(request: HttpRequest, body: PersonIn) -> Any:
    made = _checked(lambda: people.create(request.user, body.dict()))
    return Status(201, people.data(made))


@api.patch(
    "/people/{person_id}",
    tags=["people"],
    summary="Change a person: the fields sent (move team, assessor, profiles, left_on)",
    description="Profiles are changed by admins only (`profile.edit`). All or nothing: one "
    "field at fault and nothing changes (422 names each).",
    response={200: dict[str, Any], **ERRORS},
)
def patch_person(request: HttpRequest, person_id: int, body: PersonPatch) -> Any:
    person = _managed(request, person_id)
    _checked(lambda: people.update(request.user, person, body.dict(exclude_unset=True)))
    return people.data(person)


@api.delete(
    "/people/{person_id}",
    tags=["people"],
    summary="Erase a person (admins), as `competence person erase`",
    description="Their assessments, ratings, evidence, comments and plan go; everywhere else "
    "their identifiers become a pseudonym, which the answer gives.",
    response={200: dict[str, Any], **ERRORS},
)
def delete_person(request: HttpRequest, person_id: int) -> Any:
    person = person_for(request, person_id, "admin")
    return {"erased": person_id, "pseudonym": privacy.erase(person.email)}


class LeaveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    left_on: dt.date | None = Field(..., description="The day they left; null: still here")


@router.post(
    "/people/{person_id}/leave",
    summary="Mark a person as left on a day (or null: still here)",
    response={200: dict[str, Any], **ERRORS},
)
def post_leave(request: HttpRequest, person_id: int, body: LeaveIn) -> Any:
    person = _managed(request, person_id)
    _checked(lambda: people.mark_left(request.user, person, body.left_on))
    return people.data(person)


class AssessorIn(Schema):
    model_config = ConfigDict(extra="forbid")

    people: list[int] = Field(..., max_length=1000, description="The people's ids")
    assessor: str | None = Field(..., description="Email or employee id; null: no assessor")


@router.post(
    "/people/bulk/assessor",
    summary="Give several people one assessor: all or nothing",
    response={200: dict[str, Any], **ERRORS},
)
def post_assessor(request: HttpRequest, body: AssessorIn) -> Any:
    if not policy.allowed(request.user, "person.manage"):
        raise PermissionDenied
    done = _checked(lambda: people.assign_assessor(request.user, body.people, body.assessor))
    return {"items": people.listing(done), "count": len(done)}


def _manages_teams(request: HttpRequest) -> None:
    if not policy.allowed(request.user, "team.manage"):
        raise PermissionDenied


class TeamIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=1000)
    parent: str | None = Field(None, description="The parent team's path or id; null: the top")
    pmo: int | None = Field(None, description="The team's own PMO, by id")


class TeamPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=1000)
    parent: str | None = Field(None, description="The parent team's path or id; null: the top")
    pmo: int | None = None


@router.get("/teams", tags=["teams"], summary="Every team, depth first (admins)")
def get_teams(request: HttpRequest) -> list[dict[str, Any]]:
    _manages_teams(request)
    return teams.tree_rows()


@router.post(
    "/teams",
    tags=["teams"],
    summary="Add a team (admins)",
    response={201: dict[str, Any], **ERRORS},
)
def post_team(request: HttpRequest, body: TeamIn) -> Any:
    _manages_teams(request)
    made = _checked(lambda: teams.create_team(request.user, body.dict()))
    return Status(201, teams.team_data(made))


def _team(team_id: int) -> Team:
    found = Team.objects.filter(pk=team_id).first()
    if found is None:
        raise Http404("no such team")
    return found


@router.patch(
    "/teams/{team_id}",
    tags=["teams"],
    summary="Rename a team, move it (never under itself or a team below it), give it a PMO",
    response={200: dict[str, Any], **ERRORS},
)
def patch_team(request: HttpRequest, team_id: int, body: TeamPatch) -> Any:
    _manages_teams(request)
    team = _team(team_id)
    _checked(lambda: teams.update_team(request.user, team, body.dict(exclude_unset=True)))
    return teams.team_data(team)


class PmoIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=1000)
    context: str = Field(..., description="project, programme or portfolio")
    leads: list[str] = Field(default_factory=list, max_length=200, description="User names")


class PmoPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=1000)
    context: str | None = None
    leads: list[str] | None = Field(None, max_length=200, description="User names")


@router.get("/pmos", tags=["teams"], summary="Every PMO, its context and leads (admins)")
def get_pmos(request: HttpRequest) -> list[dict[str, Any]]:
    _manages_teams(request)
    return teams.pmos()


@router.post(
    "/pmos",
    tags=["teams"],
    summary="Add a PMO (admins)",
    response={201: dict[str, Any], **ERRORS},
)
def post_pmo(request: HttpRequest, body: PmoIn) -> Any:
    _manages_teams(request)
    made = _checked(lambda: teams.create_pmo(request.user, body.dict()))
    return Status(201, teams.pmo_data(made))


@router.patch(
    "/pmos/{pmo_id}",
    tags=["teams"],
    summary="Rename a PMO, change its context or its leads (admins)",
    response={200: dict[str, Any], **ERRORS},
)
def patch_pmo(request: HttpRequest, pmo_id: int, body: PmoPatch) -> Any:
    _manages_teams(request)
    pmo = Pmo.objects.filter(pk=pmo_id).first()
    if pmo is None:
        raise Http404("no such PMO")
    _checked(lambda: teams.update_pmo(request.user, pmo, body.dict(exclude_unset=True)))
    return teams.pmo_data(pmo)
