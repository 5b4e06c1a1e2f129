"""The JSON API under /api/v1/ (OpenAPI 3 at /api/v1/openapi.json, docs at /api/v1/docs).

The field names are those of the command's ``--json``. Every route needs a signed-in session and
asks :mod:`competence.services.policy` who may see what.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Query, Schema, Swagger
from ninja.errors import HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from competence.data import load_catalogue
from competence.domain import budget
from competence.domain.analysis import assess
from competence.domain.framework import CONTEXTS
from competence.domain.ratings import Rating
from competence.domain.workflow import Kind
from competence.errors import InputError, WorkflowError
from competence.services import people, policy, records, results, team_view
from competence.services.catalogue import (
    framework_data,
    profile_data,
    profile_diff_data,
    profiles_data,
)
from competence.store import audit
from competence.store.models import Assessment, Person


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cmp_…``: a user's API token, within its scope."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from competence.services.accounts import user_for_token

        user = user_for_token(token, request.method or "GET")
        if user is not None:
            request.user = user
            audit.switch_actor(user.get_username())
        return user


api = NinjaAPI(
    title="competence",
    version="1",
    description="Competence assessment for PMO officers and specialists (APM Competence "
    "Framework role profile). Field names are those of `competence gap --json`.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    # Without deep links each operation's summary is one button, with nothing focusable inside.
    docs=Swagger(settings={"deepLinking": False}),
    docs_decorator=login_required,  # the description and docs are for signed-in users too
)


@api.exception_handler(InputError)
def input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    return api.create_response(
        request, {"detail": [{"loc": [], "msg": p} for p in exc.problems]}, status=422
    )


@api.exception_handler(budget.OverBudget)
def over_budget(request: HttpRequest, exc: budget.OverBudget) -> HttpResponse:
    """The request ran past its time budget and was stopped (nothing was changed)."""
    response = api.create_response(request, {"detail": exc.report()}, status=503)
    response["Retry-After"] = "60"
    return response


@api.exception_handler(WorkflowError)
def workflow_error(request: HttpRequest, exc: WorkflowError) -> HttpResponse:
    """The record is locked, its state does not allow the step, or it changed since the version
    sent (CONTRACT.md: 409). A conflict also gives the version stored now and what differs."""
    body: dict[str, Any] = {"detail": [{"loc": [], "msg": p} for p in exc.problems]}
    if isinstance(exc, records.Conflict):
        body |= {"version": exc.version, "changes": exc.changes}
    return api.create_response(request, body, status=409)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # a body that is not JSON: invalid input, like any other
        return api.create_response(
            request, {"detail": [{"loc": ["body"], "msg": "not valid JSON"}]}, status=422
        )
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "You may not see this."}, status=403)


class RatingIn(Schema):
    competence: int | str = Field(..., description="Number (1-29), slug or name")
    knowledge: int | None = Field(None, ge=0, le=5)
    application: int | None = Field(None, ge=0, le=5)
    evidence: str | None = Field(None, max_length=2000)


class GapIn(Schema):
    profile: str = "pmo-officer"
    context: str
    person: str | None = None
    ratings: list[RatingIn]


class SelfAssessmentIn(Schema):
    ratings: list[RatingIn]
    version: int = Field(
        0,
        ge=0,
        description="The version of the self-assessment the ratings were based on (its "
        "`version`; 0 when there was none yet). When it has changed since, and these ratings "
        "would change it, the answer is 409 with the `version` stored now and the `changes`.",
    )


def _ratings(items: list[RatingIn], field: str = "ratings") -> dict[int, Rating]:
    framework = load_catalogue().framework
    out: dict[int, Rating] = {}
    errors = []
    for i, item in enumerate(items):
        competence = framework.find(item.competence)
        if competence is None:
            errors.append(
                {
                    "loc": ["body", field, i, "competence"],
                    "msg": f"unknown competence {item.competence!r}",
                }
            )
        elif competence.number in out:
            errors.append(
                {
                    "loc": ["body", field, i, "competence"],
                    "msg": f"{competence.name} is given twice",
                }
            )
        else:
            out[competence.number] = Rating(item.knowledge, item.application, item.evidence)
    if errors:
        raise ValidationError(errors)
    return out


def _person(request: HttpRequest, person_id: int) -> Person:
    try:
        person = people.get(person_id)
    except InputError:
        raise Http404("no such person") from None
    if not policy.allowed(request.user, "person.view", person):
        raise PermissionDenied
    return person


@api.get("/framework", tags=["framework"], summary="The 29 competences and the rating scale")
def get_framework(request: HttpRequest) -> dict[str, Any]:
    return framework_data()


@api.get("/profiles", tags=["framework"], summary="The role profiles")
def get_profiles(request: HttpRequest) -> list[dict[str, Any]]:
    return profiles_data()


@api.get("/profiles/{profile_id}", tags=["framework"], summary="One profile's requirements")
def get_profile(request: HttpRequest, profile_id: str, context: str | None = None) -> Any:
    if profile_id not in load_catalogue().profiles:
        raise Http404("no such profile")
    if context is not None and context not in CONTEXTS:
        raise ValidationError(
            [{"loc": ["query", "context"], "msg": f"must be one of {', '.join(CONTEXTS)}"}]
        )
    return profile_data(profile_id, context)


@api.get(
    "/profiles/{first}/diff/{second}",
    tags=["framework"],
    summary="The requirements that rise from one profile to another",
)
def get_profile_diff(request: HttpRequest, first: str, second: str) -> dict[str, Any]:
    return profile_diff_data(first, second)


@api.post("/gap", tags=["results"], summary="A gap analysis of ratings sent in the request")
def post_gap(request: HttpRequest, body: GapIn) -> dict[str, Any]:
    if body.context not in CONTEXTS:
        raise ValidationError(
            [{"loc": ["body", "context"], "msg": f"must be one of {', '.join(CONTEXTS)}"}]
        )
    if body.profile not in load_catalogue().profiles:
        raise ValidationError([{"loc": ["body", "profile"], "msg": "unknown profile"}])
    return assess(
        load_catalogue(), body.profile, body.context, _ratings(body.ratings), body.person
    ).as_dict()


@api.get("/people", tags=["people"], summary="The people you may see")
def get_people(request: HttpRequest) -> list[dict[str, Any]]:
    return people.listing(policy.visible_people(request.user))


@api.get("/people/{person_id}", tags=["people"])
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return people.data(_person(request, person_id))


@api.get(
    "/people/{person_id}/results",
    tags=["results"],
    summary="Both verdicts on the assessment that counts, evidence and history",
)
def get_results(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return results.person_results(_person(request, person_id))


@api.get(
    "/people/{person_id}/gap",
    tags=["results"],
    summary="The gap analysis against one profile (as `competence gap --json`)",
)
def get_person_gap(
    request: HttpRequest, person_id: int, profile: str | None = None, context: str | None = None
) -> dict[str, Any]:
    return results.person_gap(_person(request, person_id), profile, context)


@api.get("/people/{person_id}/assessments", tags=["assessments"])
def get_assessments(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    return [_assessment(a) for a in records.assessments_of(_person(request, person_id))]


def _assessment(a: Assessment) -> dict[str, Any]:
    return {
        **results.assessment_data(a),
        "version": a.version,
        "ratings": [
            {
                "competence": r.competence,
                "knowledge": r.knowledge,
                "application": r.application,
                "evidence": r.evidence,
                "rated_by": r.rated_by,
                "rated_at": r.rated_at.isoformat(),
            }
            for r in a.ratings.all()
        ],
    }


@api.get("/assessments/{assessment_id}", tags=["assessments"])
def get_assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    try:
        assessment = records.get_assessment(assessment_id)
    except InputError:
        raise Http404("no such assessment") from None
    _person(request, assessment.person_id)
    return _assessment(assessment)


@api.put(
    "/me/self-assessment",
    tags=["assessments"],
    summary="Save ratings in your self-assessment for the open cycle (a draft)",
)
def put_self_assessment(request: HttpRequest, body: SelfAssessmentIn) -> dict[str, Any]:
    person = policy.own_person(request.user)
    if person is None:
        raise Http404("no person is linked to your account")
    cycle = records.current_cycle()
    if cycle is None:
        raise InputError("no assessment cycle is open")
    return _assessment(
        records.save_draft(person, cycle, _ratings(body.ratings), version=body.version)
    )


@api.post("/me/self-assessment/submit", tags=["assessments"])
def submit_self_assessment(request: HttpRequest) -> dict[str, Any]:
    person = policy.own_person(request.user)
    if person is None:
        raise Http404("no person is linked to your account")
    cycle = records.current_cycle()
    assessment = records.assessment_of(person, cycle, Kind.SELF) if cycle else None
    if assessment is None:
        raise InputError("there is no self-assessment to submit yet")
    return _assessment(records.submit(assessment))


@api.post(
    "/me/self-assessment/withdraw",
    tags=["assessments"],
    summary="Withdraw your submitted self-assessment (a draft again), until the review starts",
)
def withdraw_self_assessment(request: HttpRequest) -> dict[str, Any]:
    person = policy.own_person(request.user)
    if person is None:
        raise Http404("no person is linked to your account")
    cycle = records.current_cycle()
    assessment = records.assessment_of(person, cycle, Kind.SELF) if cycle else None
    if assessment is None:
        raise InputError("there is no self-assessment to withdraw")
    return _assessment(records.withdraw(assessment))


class TeamFilter(Schema):
    team: int | None = None
    context: str | None = None
    page: int = Field(1, ge=1)


@api.get(
    "/team/summary",
    tags=["team"],
    summary="Heatmap rows (one page of people) and coverage per competence",
    description="For PMO leads and admins, over the people they may see, with rows. For an "
    "assessor, figures without names over the people of their PMO whom they may not see by "
    "name (`left_out` counts the others), hidden below COMPETENCE_MIN_GROUP_SIZE; `notice` "
    "says so in words.",
)
def get_team_summary(request: HttpRequest, filters: Query[TeamFilter]) -> dict[str, Any]:
    if not policy.allowed(request.user, "team.figures"):
        raise PermissionDenied
    try:
        choice = team_view.choose(request.user, filters.team, filters.context)
    except team_view.NoSuchTeam:
        raise Http404("no such team") from None
    except InputError as exc:
        raise ValidationError(
            [{"loc": ["query", p.split(":")[0]], "msg": p} for p in exc.problems]
        ) from None
    if not choice.figures.individuals and filters.page != 1:
        raise ValidationError(
            [{"loc": ["query", "page"], "msg": "figures without names come on one page"}]
        )
    return results.team_figures(choice.figures, page=filters.page)
