"""The JSON API under /api/v1/ (OpenAPI 3 at /api/v1/openapi.json, docs at /api/v1/docs).

The field names are those of the command's ``--json``. Every route needs a signed-in session and
asks :mod:`competence.services.policy` who may see what.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import wraps
from typing import Any, Literal

import orjson
from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from ninja import Body, Field, NinjaAPI, Query, Schema, Status, Swagger
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer, django_auth
from pydantic import ConfigDict

from competence.data import load_catalogue, path_parts, problem_field
from competence.domain import budget
from competence.domain.analysis import assess
from competence.domain.evidence import (
    CONFIDENCE_WORDS,
    MAX_LINK_LENGTH,
    MAX_LINKS,
    check_links,
    confidence_words,
    parse_confidence,
)
from competence.domain.framework import CONTEXTS
from competence.domain.ratings import EVIDENCE_LIMIT, Rating, evidence_problem
from competence.domain.review import REPLY_LIMIT, Answer
from competence.domain.workflow import Kind
from competence.errors import InputError, WorkflowError
from competence.formats import json_stream
from competence.services import (
    evidence,
    people,
    policy,
    profiles,
    records,
    results,
    review,
    team_view,
)
from competence.services.accounts import ReadScope, user_for_token
from competence.services.catalogue import (
    framework_data,
    profile_data,
    profile_diff_data,
)
from competence.services.database import is_busy
from competence.store import audit
from competence.store.models import Assessment, Person
from competence.web.views.common import BUSY_RETRY_SECONDS
from competence.web.views.evidence import served


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cmp_…``: a user's API token, within its scope."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token, request.method or "GET")
        if user is not None:
            request.user = user
            audit.switch_actor(user.get_username())
        return user


class BoundedParser(Parser):
    """Request bodies are JSON whose nesting is checked before it is decoded."""

    def parse_body(self, request: HttpRequest) -> Any:
        text = request.body.decode("utf-8")
        json_stream.check_depth(text, "body")
        return json.loads(text)


class ErrorItem(Schema):
    """One problem: where it is (``["body", "ratings", 0, "knowledge"]``, ``["query", "team"]``;
    empty when it is about the request as a whole) and what is wrong."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str


class Error(Schema):
    """The body of every error: a sentence, or the list of problems (422, 409)."""

    model_config = ConfigDict(extra="allow")

    detail: str | list[ErrorItem]


class ConflictError(Error):
    """409: the record is locked, the state does not allow the step, or it changed since the
    version sent; then ``version`` is the one stored now and ``changes`` what differs."""

    version: int | None = None
    changes: list[dict[str, Any]] | None = None


ERROR_RESPONSES: dict[int, tuple[str, type[Schema]]] = {
    401: ("Not signed in: no session, or no valid token", Error),
    403: (
        "Not allowed: the access policy refuses it, or a read token asked to write",
        Error,
    ),
    404: ("No such thing (or not one you may know of)", Error),
    409: (
        "The record is locked (signed off), the state does not allow the step, or it changed "
        "since the version sent",
        ConflictError,
    ),
    422: ("Invalid input: each problem names its field", Error),
    503: ("Busy or over the time budget: nothing was changed; try again (Retry-After)", Error),
}
"""The errors every operation declares (CONTRACT.md), with the bodies the handlers send."""
TOO_LARGE = (413, ("The request body is larger than the limit", Error))
"""Declared by every operation that takes a body."""


class CompetenceAPI(NinjaAPI):
    """The API, whose OpenAPI description declares on every operation (of every router, those
    added later too) its security schemes and the error responses the handlers really send."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"].setdefault("schemas", {})
        models: tuple[type[Schema], ...] = (ErrorItem, Error, ConflictError)
        for model in models:
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(found.pop("$defs", {}))
            components[model.__name__] = found
        security: list[dict[str, list[str]]] = [{"TokenAuth": []}, {"SessionAuth": []}]
        for methods in schema["paths"].values():
            for operation in methods.values():
                declared: list[tuple[int, tuple[str, type[Schema]]]] = [*ERROR_RESPONSES.items()]
                if "requestBody" in operation:
                    declared.append(TOO_LARGE)
                for status, (description, body) in declared:
                    operation["responses"][status] = {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{body.__name__}"}
                            }
                        },
                    }
                operation.setdefault("security", security)
        return schema


class FastRenderer(JSONRenderer):
    """ninja's JSON renderer, written by orjson (the standard library's encoder was a tenth of
    a person's results). What orjson does not write itself (pydantic models, URLs, dates and
    times) goes through ninja's encoder, so each value is written as before; the text is
    compact and in UTF-8 rather than with ``\\u`` escapes."""

    OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return orjson.dumps(data, default=NinjaJSONEncoder().default, option=self.OPTIONS)


def signed_in_or_token(view: Any) -> Any:
    """The OpenAPI description and the docs: for a session (else to sign-in) or a token."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated and request.headers.get("Authorization"):
            try:
                user = TokenAuth()(request)
            except InputError as exc:
                return JsonResponse({"detail": exc.report()}, status=403)
            if user is None:
                return JsonResponse({"detail": "Unauthorized"}, status=401)
        return login_required(view)(request, *args, **kwargs)  # type: ignore[no-any-return]

    return wrapper


api = CompetenceAPI(
    title="competence",
    version="1",
    description="Competence assessment for PMO officers and specialists (APM Competence "
    "Framework role profile). Field names are those of `competence gap --json`. Sign in, or "
    "send `Authorization: Bearer <token>` (`competence token create`); a read token cannot "
    "write (403). Lists that take `?page=N&page_size=M` answer `{items, count, page, pages}`. "
    "Imports and workflow steps take an `Idempotency-Key` header.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    parser=BoundedParser(),
    renderer=FastRenderer(),
    # Without deep links each operation's summary is one button, with nothing focusable inside.
    docs=Swagger(settings={"deepLinking": False}),
    docs_decorator=signed_in_or_token,  # for signed-in users and tokens
)


@api.exception_handler(MultiPartParserError)
def not_a_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A form body (a file upload) that cannot be parsed: invalid input, like any other."""
    return api.create_response(
        request,
        {"detail": [{"loc": ["body"], "msg": f"not a form (multipart/form-data): {exc}"}]},
        status=422,
    )


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": f"too large: {exc}"}, status=413)


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def too_many_fields(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return api.create_response(
        request, {"detail": [{"loc": ["body"], "msg": f"too many fields: {exc}"}]}, status=422
    )


@api.exception_handler(policy.Forbidden)
def policy_forbidden(request: HttpRequest, exc: policy.Forbidden) -> HttpResponse:
    return api.create_response(request, {"detail": exc.report()}, status=403)


@api.exception_handler(ReadScope)
def read_scope(request: HttpRequest, exc: ReadScope) -> HttpResponse:
    return api.create_response(request, {"detail": exc.report()}, status=403)


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


@api.exception_handler(OperationalError)
def database_busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """SQLite's write lock was held too long by another writer: 503, nothing changed."""
    if not is_busy(exc):
        raise exc
    response = api.create_response(
        request, {"detail": "busy: another writer holds the database; try again"}, status=503
    )
    response["Retry-After"] = str(BUSY_RETRY_SECONDS)
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
        cause = exc.__cause__
        problems = cause.problems if isinstance(cause, InputError) else ["not valid JSON"]
        return api.create_response(
            request, {"detail": [{"loc": ["body"], "msg": p} for p in problems]}, status=422
        )
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "You may not see this."}, status=403)


class PageIn(Schema):
    """The one pagination convention of the API's lists: ``?page=N&page_size=M``."""

    page: int = Field(1, ge=1, le=1_000_000, description="Which page, from 1")
    page_size: int = Field(50, ge=1, le=500, description="How many items a page holds")


def paged(items: Sequence[Any], chosen: PageIn) -> dict[str, Any]:
    """One page of a list: ``{"items", "count", "page", "pages"}`` (a page past the last is
    empty, with the count and pages that say so)."""
    count = len(items)
    start = (chosen.page - 1) * chosen.page_size
    return {
        "items": list(items[start : start + chosen.page_size]),
        "count": count,
        "page": chosen.page,
        "pages": max(1, -(-count // chosen.page_size)),
    }


class RatingIn(Schema):
    """One rating; a field not named here is refused (422), never dropped."""

    model_config = ConfigDict(extra="forbid")

    competence: int | str = Field(..., description="Number (1-29), slug or name")
    knowledge: int | None = Field(None, ge=0, le=5)
    application: int | None = Field(None, ge=0, le=5)
    evidence: str | None = Field(
        None,
        description=f"At most {EVIDENCE_LIMIT} characters",
        json_schema_extra={"maxLength": EVIDENCE_LIMIT},  # checked by evidence_problem
    )
    confidence: str | None = Field(
        None,
        description="How sure the person is: " + ", ".join(CONFIDENCE_WORDS) + " (optional)",
        json_schema_extra={"enum": [*CONFIDENCE_WORDS, None]},
    )
    evidence_links: list[str] = Field(
        default_factory=list,
        description=f"Links to evidence: up to {MAX_LINKS}, each http or https, at most "
        f"{MAX_LINK_LENGTH} characters",
    )


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


def ratings_in(items: list[RatingIn], field: str = "ratings") -> dict[int, Rating]:
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
        elif (too_long := evidence_problem(item.evidence)) is not None:
            errors.append({"loc": ["body", field, i, "evidence"], "msg": too_long})
        else:
            extra: dict[str, Any] = {}
            try:
                extra["confidence"] = parse_confidence(item.confidence)
            except ValueError as exc:
                errors.append({"loc": ["body", field, i, "confidence"], "msg": str(exc)})
            try:
                extra["links"] = check_links(item.evidence_links)
            except ValueError as exc:
                errors.append({"loc": ["body", field, i, "evidence_links"], "msg": str(exc)})
            if len(extra) == 2:
                out[competence.number] = Rating(
                    item.knowledge, item.application, item.evidence, **extra
                )
    if errors:
        raise ValidationError(errors)
    return out


def visible_person(request: HttpRequest, person_id: int) -> Person:
    """The person with this id, if the user may see them (404 when there is none, else 403)."""
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


PROFILE_BODY_LIMIT = 1_000_000
"""The largest profile document the API takes, in bytes (413 beyond)."""


def _stored(profile_id: str, number: int | None = None) -> tuple[Any, Any]:
    """A stored profile version, with its base profiles as they were (404 when there is none)."""
    try:
        row = profiles.version(profile_id, number)
    except InputError:
        raise Http404("no such profile or version") from None
    return profiles.pinned(row)


def _context(context: str | None) -> str | None:
    if context is not None and context not in CONTEXTS:
        raise ValidationError(
            [{"loc": ["query", "context"], "msg": f"must be one of {', '.join(CONTEXTS)}"}]
        )
    return context


@api.get(
    "/profiles",
    tags=["profiles"],
    summary="Every profile, its latest version (as `competence profile list --json`)",
)
def get_profiles(request: HttpRequest) -> list[dict[str, Any]]:
    return profiles.listing()


@api.get(
    "/profiles/{profile_id}",
    tags=["profiles"],
    summary="A profile's latest version (as `competence profile show --json`), and its versions",
)
def get_profile(request: HttpRequest, profile_id: str, context: str | None = None) -> Any:
    cat, profile = _stored(profile_id)
    return {
        **profile_data(profile.id, _context(context), cat),
        "versions": profiles.versions(profile_id),
    }


@api.get(
    "/profiles/{profile_id}/versions/{number}",
    tags=["profiles"],
    summary="One version of a profile (as `competence profile show --version N --json`)",
)
def get_profile_version(
    request: HttpRequest, profile_id: str, number: int, context: str | None = None
) -> Any:
    cat, profile = _stored(profile_id, number)
    return profile_data(profile.id, _context(context), cat)


def _published(request: HttpRequest, body: dict[str, Any], of: str) -> dict[str, Any]:
    """Publish a profile document sent to the API (admins): 422 with the fields at fault."""
    if not policy.allowed(request.user, "profile.edit"):
        raise PermissionDenied
    if len(request.body) > PROFILE_BODY_LIMIT:
        raise HttpError(413, f"a profile document is at most {PROFILE_BODY_LIMIT} bytes")
    try:
        row = profiles.publish(body, "body", of=of)
    except InputError as exc:
        errors = []
        for problem in exc.problems:
            path, reason = problem_field(problem, "body")
            errors.append({"loc": ["body", *path_parts(path)], "msg": reason})
        raise ValidationError(errors) from None
    cat, profile = profiles.pinned(row)
    return profile_data(profile.id, None, cat)


@api.post(
    "/profiles",
    tags=["profiles"],
    summary="Publish a new profile, version 1 (admins)",
    description="The body is a profile document (data/schema/profile.schema.json), checked as "
    "`competence profile import` checks a file. 422 names each field at fault; 413 above "
    f"{PROFILE_BODY_LIMIT} bytes.",
    response={201: dict[str, Any], 403: Any, 413: Any, 422: Any},
)
def post_profile(request: HttpRequest, body: Body[dict[str, Any]]) -> Any:
    return Status(201, _published(request, body, profiles.NEW))


@api.put(
    "/profiles/{profile_id}",
    tags=["profiles"],
    summary="Publish the next version of an organisation's profile (admins)",
    description="The body is the whole profile document; earlier versions stay. APM's profiles "
    "are read-only (422 on `id`).",
    response={200: dict[str, Any], 403: Any, 404: Any, 413: Any, 422: Any},
)
def put_profile(
    request: HttpRequest,
    profile_id: str,
    body: Body[dict[str, Any]],
) -> Any:
    if not policy.allowed(request.user, "profile.edit"):
        raise PermissionDenied
    _stored(profile_id)
    return _published(request, {"id": profile_id, **body}, profile_id)


@api.get(
    "/profiles/{first}/diff/{second}",
    tags=["profiles"],
    summary="The requirements that rise from one profile to another",
)
def get_profile_diff(request: HttpRequest, first: str, second: str) -> dict[str, Any]:
    current = profiles.catalogue()
    if first not in current.profiles or second not in current.profiles:
        raise Http404("no such profile")
    return profile_diff_data(first, second, current)


@api.post("/gap", tags=["results"], summary="A gap analysis of ratings sent in the request")
def post_gap(request: HttpRequest, body: GapIn) -> dict[str, Any]:
    if body.context not in CONTEXTS:
        raise ValidationError(
            [{"loc": ["body", "context"], "msg": f"must be one of {', '.join(CONTEXTS)}"}]
        )
    current = profiles.catalogue()
    if body.profile not in current.profiles:
        raise ValidationError([{"loc": ["body", "profile"], "msg": "unknown profile"}])
    return assess(
        current, body.profile, body.context, ratings_in(body.ratings), body.person
    ).as_dict()


class PeopleFilter(Schema):
    """The people page's filters (its search box and choices)."""

    q: str = Field("", max_length=200, description="Text in the name, email or employee id")
    team: int | None = Field(None, description="A team's id: its people and those below it")
    pmo: int | None = Field(None, description="A PMO's id")
    assessor: int | None = Field(None, description="The assessor's person id")
    left: Literal["", "here", "left"] = Field("", description="here: still here; left: left")


@api.get(
    "/people",
    tags=["people"],
    summary="The people you may see",
    description="Everyone you may see, narrowed by the people page's filters when given: one "
    "list, whose shape predates the pagination convention.",
)
def get_people(request: HttpRequest, filters: Query[PeopleFilter]) -> list[dict[str, Any]]:
    chosen = people.search(policy.visible_people(request.user), people.Filters(**filters.dict()))
    return people.listing(chosen)


@api.get("/people/{person_id}", tags=["people"])
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return people.data(visible_person(request, person_id))


_person = visible_person  # the name other routers knew it by


class ProfilesIn(Schema):
    profile: str = Field(..., description="The profile the person is judged against")
    target_profile: str | None = Field(None, description="Their next step, or null for none")


@api.put(
    "/people/{person_id}/profile",
    tags=["people"],
    summary="Set the profile a person is judged against and their target profile (admins)",
    response={200: dict[str, Any], 403: Any, 404: Any, 422: Any},
)
def put_person_profile(request: HttpRequest, person_id: int, body: ProfilesIn) -> Any:
    person = visible_person(request, person_id)
    if not policy.allowed(request.user, "profile.edit"):
        raise PermissionDenied
    try:
        people.set_profiles(person, body.profile, body.target_profile)
    except InputError as exc:
        raise ValidationError(
            [{"loc": ["body", p.split(":")[0]], "msg": p} for p in exc.problems]
        ) from None
    return people.data(person)


@api.get(
    "/people/{person_id}/results",
    tags=["results"],
    summary="Both verdicts on the assessment that counts, evidence and history",
)
def get_results(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return results.person_results(visible_person(request, person_id))


@api.get(
    "/people/{person_id}/gap",
    tags=["results"],
    summary="The gap analysis against one profile (as `competence gap --json`)",
)
def get_person_gap(
    request: HttpRequest, person_id: int, profile: str | None = None, context: str | None = None
) -> dict[str, Any]:
    return results.person_gap(visible_person(request, person_id), profile, context)


@api.get("/people/{person_id}/assessments", tags=["assessments"])
def get_assessments(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    return [assessment_out(a) for a in records.assessments_of(visible_person(request, person_id))]


def assessment_out(a: Assessment) -> dict[str, Any]:
    return {
        **results.assessment_data(a),
        "version": a.version,
        "ratings": [
            {
                "competence": r.competence,
                "knowledge": r.knowledge,
                "application": r.application,
                "evidence": r.evidence,
                "confidence": confidence_words(r.confidence),
                "evidence_links": r.evidence_links,
                "rated_by": r.rated_by,
                "rated_at": r.rated_at.isoformat(),
            }
            for r in a.ratings.all()
        ],
        "evidence_files": [
            {**evidence.as_data(f), "url": reverse("api:evidence_file", args=[f.pk])}
            for files in evidence.files_by_competence(a).values()
            for f in files
        ],
    }


@api.get(
    "/evidence/{file_id}",
    tags=["assessments"],
    summary="One evidence file, as a download",
    description="For whoever may see the person's assessments. The body is the file, its "
    "`Content-Type` the type its content was found to be.",
    url_name="evidence_file",
)
def get_evidence_file(request: HttpRequest, file_id: int) -> HttpResponseBase:
    return served(request, file_id)


@api.get("/assessments/{assessment_id}", tags=["assessments"])
def get_assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    try:
        assessment = records.get_assessment(assessment_id)
    except InputError:
        raise Http404("no such assessment") from None
    visible_person(request, assessment.person_id)
    return assessment_out(assessment)


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
    return assessment_out(
        records.save_draft(person, cycle, ratings_in(body.ratings), version=body.version)
    )


@api.post("/me/self-assessment/submit", tags=["assessments"])
def submit_self_assessment(request: HttpRequest) -> dict[str, Any]:
    return assessment_out(records.submit(_own_self_assessment(request, "to submit yet")))


def _own_self_assessment(request: HttpRequest, missing: str) -> Assessment:
    """The signed-in person's self-assessment of the open cycle; ``missing`` ends the message
    when there is none."""
    person = policy.own_person(request.user)
    if person is None:
        raise Http404("no person is linked to your account")
    cycle = records.current_cycle()
    assessment = records.assessment_of(person, cycle, Kind.SELF) if cycle else None
    if assessment is None:
        raise InputError(f"there is no self-assessment {missing}")
    return assessment


class AnswerIn(Schema):
    competence: int | str = Field(..., description="Number (1-29), slug or name")
    accepted: bool = Field(..., description="true: accept the assessor's rating; false: reply")
    reply: str = Field("", max_length=REPLY_LIMIT, description="What you reply (when not accepted)")


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(
        ..., description="One per competence answered; those not given are accepted"
    )


def _review(person: Person) -> dict[str, Any]:
    cycle = records.current_cycle()
    found = review.review_data(person, cycle)
    if found is None:
        raise Http404("no review to see yet: the assessor has not sent their ratings")
    return found


@api.get(
    "/people/{person_id}/review",
    tags=["review"],
    summary="The assessor's ratings beside the self ratings, the differences, the comments "
    "and the person's answers (once the assessor has sent them), in the open cycle",
    response={200: dict[str, Any], 404: dict[str, Any]},
)
def get_review(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _review(visible_person(request, person_id))


@api.post(
    "/people/{person_id}/review/answers",
    tags=["review"],
    summary="Answer the assessor's ratings: accept or reply per competence (the person's step)",
    description="Where the assessor's rating differs from the self rating, an answer is "
    "needed; the others are accepted unless answered. 409 when there is nothing to answer "
    "(not sent yet, answered already, or signed off).",
    response={200: dict[str, Any], 403: dict[str, Any], 404: dict[str, Any], 409: dict[str, Any],
              422: dict[str, Any]},
)  # fmt: skip
def post_review_answers(request: HttpRequest, person_id: int, body: AnswersIn) -> dict[str, Any]:
    person = visible_person(request, person_id)
    if not policy.may_take(request.user, "review", Kind.ASSESSOR, person):
        raise PermissionDenied
    cycle = records.current_cycle()
    theirs = records.assessment_of(person, cycle, Kind.ASSESSOR) if cycle else None
    if theirs is None:
        raise Http404("no review to answer")
    framework = load_catalogue().framework
    given: dict[int, Answer] = {}
    errors = []
    for i, item in enumerate(body.answers):
        competence = framework.find(item.competence)
        if competence is None:
            errors.append(
                {"loc": ["body", "answers", i, "competence"], "msg": "unknown competence"}
            )
        elif competence.number in given:
            errors.append({"loc": ["body", "answers", i, "competence"], "msg": "given twice"})
        else:
            given[competence.number] = Answer(item.accepted, item.reply)
    if errors:
        raise ValidationError(errors)
    review.answer(theirs, given)
    return _review(person)


@api.post(
    "/me/self-assessment/withdraw",
    tags=["assessments"],
    summary="Withdraw your submitted self-assessment (a draft again), until the review starts",
)
def withdraw_self_assessment(request: HttpRequest) -> dict[str, Any]:
    return assessment_out(records.withdraw(_own_self_assessment(request, "to withdraw")))


def query_problems(exc: InputError) -> ValidationError:
    """A 422 naming each query parameter an input error is about (its problems' field)."""
    return ValidationError([{"loc": ["query", p.split(":")[0]], "msg": p} for p in exc.problems])


def team_choice(
    request: HttpRequest, team: int | None, context: str | None, rule: str = "team.figures"
) -> team_view.Choice:
    """Whom the team figures count for this user and these filters (:func:`team_view.choose`):
    403 unless the user passes ``rule``, 404 for a team they may not choose, 422 for a filter
    they may not use."""
    if not policy.allowed(request.user, rule):
        raise PermissionDenied
    try:
        return team_view.choose(request.user, team, context)
    except team_view.NoSuchTeam:
        raise Http404("no such team") from None
    except InputError as exc:
        raise query_problems(exc) from None


class TeamFilter(Schema):
    team: int | None = None
    context: str | None = None
    page: int = Field(1, ge=1)
    cycle: str | None = None


@api.get(
    "/team/summary",
    tags=["team"],
    summary="Heatmap rows (one page of people) and coverage per competence",
    description="For PMO leads and admins, over the people they may see, with rows. For an "
    "assessor, figures without names over the people of their PMO whom they may not see by "
    "name (`left_out` counts the others), hidden below COMPETENCE_MIN_GROUP_SIZE; `notice` "
    "says so in words. `cycle` (a name): each person's result in that cycle (none there: not "
    "rated) instead of their latest.",
)
def get_team_summary(request: HttpRequest, filters: Query[TeamFilter]) -> dict[str, Any]:
    from competence.services import trends

    choice = team_choice(request, filters.team, filters.context)
    if not choice.figures.individuals and filters.page != 1:
        raise ValidationError(
            [{"loc": ["query", "page"], "msg": "figures without names come on one page"}]
        )
    try:
        cycle = trends.cycle_id(choice.figures.people, filters.cycle)
    except InputError as exc:
        raise query_problems(exc) from None
    return results.team_figures(choice.figures, page=filters.page, cycle=cycle)


from competence.web import api_accounts  # noqa: E402

api.add_router("", api_accounts.router)
from competence.web import api_freshness  # noqa: E402

api.add_router("", api_freshness.router)
from competence.web import api_people  # noqa: E402

api.add_router("", api_people.router)
from competence.web import api_webhooks  # noqa: E402

api.add_router("", api_webhooks.router)
from competence.web import api_workflow  # noqa: E402  (its routes use the helpers above)

api.add_router("", api_workflow.router)
from competence.web import api_calibration  # noqa: E402

api.add_router("", api_calibration.router)
from competence.web import api_second_views  # noqa: E402

api.add_router("", api_second_views.router)
from competence.web import api_trends  # noqa: E402

api.add_router("", api_trends.router)
from competence.web import api_jobs  # noqa: E402

api.add_router("", api_jobs.router)
