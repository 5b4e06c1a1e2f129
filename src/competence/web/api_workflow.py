"""The workflow half of the API: the assessor's ratings and comments, every step of an assessment
(as ``competence assessment ...``), plans, the team plan and coverage, imports and exports.

Every operation asks :mod:`competence.services.policy` (the step rules of
:mod:`competence.services.steps`) and calls the services the pages and the command line call;
the field names are theirs. Imports and steps take an ``Idempotency-Key`` header."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.files import UploadedFile
from pydantic import ConfigDict

from competence.data import load_catalogue
from competence.domain import evidence as evidence_rules
from competence.domain import workflow
from competence.domain.planning import MAX_NEEDS
from competence.domain.ratings import EVIDENCE_LIMIT
from competence.domain.workflow import Kind
from competence.errors import MAX_REPORTED, InputError
from competence.services import (
    catalogue,
    evidence,
    frameworks,
    plans,
    policy,
    records,
    results,
    review,
)
from competence.services.planning import check_requirements, plan_people
from competence.store.models import Assessment, Cycle, Job, Person
from competence.web.api import (
    PageIn,
    RatingIn,
    assessment_out,
    paged,
    ratings_in,
    team_choice,
    visible_person,
)
from competence.web.api_jobs import JOB_STARTED, accepted
from competence.web.idempotency import PARAMETER as IDEMPOTENT
from competence.web.idempotency import once
from competence.web.views.manage import export_response, import_upload

router: Router = Router()


def cycle_or_404(name: str | None) -> Cycle:
    """The cycle named, or the open one (404 when there is none)."""
    if name is None:
        found = records.current_cycle()
        if found is None:
            raise Http404("no assessment cycle is open")
        return found
    try:
        return records.find_cycle(name)
    except InputError:
        raise Http404("no such cycle") from None


def _may(request: HttpRequest, rule: str, person: Person) -> None:
    if not policy.allowed(request.user, rule, person):
        raise PermissionDenied


def _taking(
    request: HttpRequest, person_id: int, step: str, kind: str, which: CycleIn
) -> tuple[Person, Cycle]:
    """The person and the cycle of a workflow step, once the workflow's rule for who takes it
    (:func:`policy.may_take`) lets the user: 404 or 403 before anything else."""
    person = visible_person(request, person_id)
    if not policy.may_take(request.user, step, kind, person):
        raise PermissionDenied
    return person, cycle_or_404(which.cycle)


def _fields(exc: InputError, where: str) -> ValidationError:
    """A service's problems as 422 entries of one place (``body``, ``query``, ``file``)."""
    return ValidationError([{"loc": [where], "msg": p} for p in exc.problems])


class CycleIn(Schema):
    cycle: str | None = Field(
        None, max_length=100, description="The cycle's name; the open cycle when not given"
    )


# -- the assessor's ratings and comments --------------------------------------------------------


class CommentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    competence: int | str = Field(..., description="Number (1-29), slug or name")
    text: str = Field(..., max_length=EVIDENCE_LIMIT)


class AssessorRatingsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ratings: list[RatingIn] = Field(default_factory=list, max_length=100)
    comments: list[CommentIn] = Field(default_factory=list, max_length=100)
    version: int | None = Field(
        None,
        ge=0,
        description="The version of the assessor's ratings these were based on (0 when there "
        "were none yet). When it has changed since, the answer is 409 with the `version` stored "
        "now and the `changes`; leave it out to save whatever it is.",
    )


def _comments(items: list[CommentIn]) -> dict[int, str]:
    framework = load_catalogue().framework
    out: dict[int, str] = {}
    errors = []
    for i, item in enumerate(items):
        competence = framework.find(item.competence)
        if competence is None:
            errors.append({"loc": ["body", "comments", i, "competence"], "msg": "unknown"})
        elif competence.number in out:
            errors.append({"loc": ["body", "comments", i, "competence"], "msg": "given twice"})
        else:
            out[competence.number] = item.text
    if errors:
        raise ValidationError(errors)
    return out


@router.put(
    "/people/{person_id}/assessor-assessment",
    tags=["review"],
    summary="Save the assessor's own ratings and comments (a draft, as the review page saves)",
    description="For the person's assessor or an admin. Only a draft takes ratings: once sent "
    "(`POST .../review/send`) the answer is 409.",
    openapi_extra=IDEMPOTENT,
)
def put_assessor_assessment(
    request: HttpRequest, person_id: int, body: AssessorRatingsIn, which: Query[CycleIn]
) -> Any:
    person, chosen = _taking(request, person_id, "submit", Kind.ASSESSOR, which)
    ratings, comments = ratings_in(body.ratings), _comments(body.comments)

    def save() -> dict[str, Any]:
        theirs = records.save_draft(
            person, chosen, ratings, kind=Kind.ASSESSOR, version=body.version
        )
        records.add_comments(theirs, comments)
        return assessment_out(theirs)

    return once(request, save)


@router.get(
    "/people/{person_id}/review/sheet",
    tags=["review"],
    summary="The review page's sheet: each competence's self, assessor's and agreed ratings, "
    "the comments and answers, and which steps are open now",
)
def get_review_sheet(request: HttpRequest, person_id: int, which: Query[CycleIn]) -> Any:
    person = visible_person(request, person_id)
    _may(request, "person.review", person)
    chosen = cycle_or_404(which.cycle)
    return review.sheet_data(person, chosen, can_reopen=policy.allowed(request.user, "admin"))


@router.post(
    "/people/{person_id}/review/send",
    tags=["review"],
    summary="Send the assessor's ratings to the person (and mark the self-assessment reviewed)",
    description="Every competence that applies must be rated on both axes first (409 says "
    "which are not).",
    openapi_extra=IDEMPOTENT,
)
def post_review_send(request: HttpRequest, person_id: int, which: Query[CycleIn]) -> Any:
    person, chosen = _taking(request, person_id, "submit", Kind.ASSESSOR, which)
    return once(request, lambda: assessment_out(review.send(person, chosen)))


# -- the steps of an assessment, as `competence assessment ...` ----------------------------------


class StepName(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    REVIEW = "review"
    SIGN_OFF = "sign-off"


@router.post(
    "/people/{person_id}/assessments/{kind}/{step}",
    tags=["assessments"],
    summary="Take a workflow step on one of the person's assessments (as `competence "
    "assessment submit|withdraw|review|sign-off PERSON --kind KIND`)",
    description="Who may take it is the workflow's: the person submits and withdraws their "
    "self-assessment and reviews the assessor's ratings (accepting every one: to reply, use "
    "`POST .../review/answers`); their reviewer takes the rest. 409 when the state does not "
    "allow the step.",
    openapi_extra=IDEMPOTENT,
)
def post_step(
    request: HttpRequest, person_id: int, kind: Kind, step: StepName, which: Query[CycleIn]
) -> Any:
    person, chosen = _taking(request, person_id, step.value, kind, which)
    found = records.assessment_of(person, chosen, kind.value)
    if found is None:
        raise Http404("no such assessment")

    def take() -> dict[str, Any]:
        if step == StepName.REVIEW and kind == Kind.ASSESSOR:  # the person's answers
            review.answer(found, {})
            found.refresh_from_db()
            return assessment_out(found)
        return assessment_out(records.STEP_ACTIONS[step.value](found))

    return once(request, take)


@router.post(
    "/people/{person_id}/agree",
    tags=["assessments"],
    summary="Make the agreed assessment from the assessor's ratings (else the self ratings), "
    "as `competence assessment agree`",
    description="Once the person has answered the assessor's ratings (409 before).",
    openapi_extra=IDEMPOTENT,
)
def post_agree(request: HttpRequest, person_id: int, which: Query[CycleIn]) -> Any:
    person, chosen = _taking(request, person_id, "agree", Kind.AGREED, which)
    return once(request, lambda: assessment_out(records.agree(person, chosen)))


class ReopenIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, description="Why (audited)")


@router.post(
    "/people/{person_id}/reopen",
    tags=["assessments"],
    summary="Reopen a signed-off cycle, with a reason (admins)",
    openapi_extra=IDEMPOTENT,
)
def post_reopen(request: HttpRequest, person_id: int, body: ReopenIn, which: Query[CycleIn]) -> Any:
    person = visible_person(request, person_id)
    _may(request, "admin", person)
    chosen = cycle_or_404(which.cycle)
    if not body.reason.strip():
        raise ValidationError([{"loc": ["body", "reason"], "msg": "say why it is reopened"}])
    return once(request, lambda: {"reopened": records.reopen(person, chosen, body.reason)})


# -- plans -------------------------------------------------------------------------------------


def _plan(person: Person, **extra: Any) -> dict[str, Any]:
    return {"person": person.email, **extra, "steps": plans.plan_data(person)}


@router.get(
    "/people/{person_id}/plan",
    tags=["plans"],
    summary="The development plan, each step with where the person stands now",
)
def get_plan(request: HttpRequest, person_id: int) -> Any:
    return _plan(visible_person(request, person_id))


class Toward(StrEnum):
    OWN = "own"
    NEXT = "next"


@router.post(
    "/people/{person_id}/plan/generate",
    tags=["plans"],
    summary="Add steps for the largest gaps not yet in the plan (toward the person's own "
    "profile, or the next one)",
    openapi_extra=IDEMPOTENT,
)
def post_plan_generate(request: HttpRequest, person_id: int, toward: Toward = Toward.OWN) -> Any:
    person = visible_person(request, person_id)
    _may(request, "plan.edit", person)

    def make() -> dict[str, Any]:
        try:
            made = plans.generate(person, toward_next=toward == Toward.NEXT)
        except InputError as exc:
            raise ValidationError(
                [{"loc": ["query", "toward"], "msg": p} for p in exc.problems]
            ) from None
        return _plan(person, added=len(made))

    return once(request, make)


class StepIn(Schema):
    model_config = ConfigDict(extra="forbid")

    id: int
    status: str = Field(..., description="One of " + ", ".join(plans.STATUSES))
    action: str = Field(..., max_length=plans.MAX_ACTION * 2)
    due_on: str | None = Field(None, max_length=20, description="YYYY-MM-DD, or null")


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid")

    steps: list[StepIn] = Field(..., max_length=1000)


@router.put(
    "/people/{person_id}/plan",
    tags=["plans"],
    summary="Save the plan's steps at once: each one's status, activity and date (as the plan "
    "page does); nothing is saved when one is wrong",
    openapi_extra=IDEMPOTENT,
)
def put_plan(request: HttpRequest, person_id: int, body: PlanIn) -> Any:
    person = visible_person(request, person_id)
    _may(request, "plan.edit", person)
    edits = {s.id: plans.StepEdit(s.status, s.action, s.due_on or "") for s in body.steps}

    def save() -> dict[str, Any]:
        try:
            changed = plans.save_plan(person, edits)
        except InputError as exc:
            raise _fields(exc, "body") from None
        return _plan(person, changed=changed)

    return once(request, save)


# -- the team ----------------------------------------------------------------------------------


class TeamIn(Schema):
    team: int | None = None
    context: str | None = None


@router.get(
    "/team/coverage",
    tags=["team"],
    summary="Coverage per competence: how many meet the officer and specialist targets, and "
    "single points of failure (as the team view, with its privacy rules)",
)
def get_team_coverage(request: HttpRequest, filters: Query[TeamIn]) -> Any:
    summary = results.team_figures(team_choice(request, filters.team, filters.context).figures)
    return {k: v for k, v in summary.items() if k != "people"}


class NeedIn(Schema):
    model_config = ConfigDict(extra="forbid")

    competence: int | str = Field(..., description="Number (1-29) or slug")
    level: str | dict[str, int] = Field(
        "officer", description="officer, specialist, or {knowledge: K, application: A}"
    )
    at_least: int = Field(1, ge=1, le=1000)


class TeamPlanIn(Schema):
    model_config = ConfigDict(extra="forbid")

    requirements: list[NeedIn] = Field(default_factory=list, max_length=MAX_NEEDS)
    nobody_alone: bool = False


@router.post(
    "/team/plan",
    tags=["team"],
    summary="The capability planner: the fewest levels raised to meet the requirements, single "
    "points of failure, uncovered competences and who is closest (PMO leads and admins)",
)
def post_team_plan(request: HttpRequest, body: TeamPlanIn, filters: Query[TeamIn]) -> Any:
    choice = team_choice(request, filters.team, filters.context, "team.individuals")
    doc = body.model_dump()
    if not doc["requirements"] and not doc["nobody_alone"]:
        raise ValidationError(
            [{"loc": ["body", "requirements"], "msg": "give a requirement, or nobody_alone"}]
        )
    try:
        return plan_people(choice.people, check_requirements(doc, "body"))
    except InputError as exc:
        raise _fields(exc, "body") from None


# -- frameworks, imports and exports -----------------------------------------------------------


@router.get(
    "/frameworks",
    tags=["framework"],
    summary="Every framework (APM's and imported CASE ones), with the profiles over each",
)
def get_frameworks(request: HttpRequest) -> list[dict[str, Any]]:
    return frameworks.page()


class ImportFilters(Schema):
    dry_run: bool = Field(False, description="Check the whole file and count; write nothing")
    cycle: str | None = Field(None, max_length=100, description="For a ratings file")
    kind: Kind | None = Field(None, description="For a ratings file")


@router.post(
    "/imports",
    tags=["imports"],
    summary="Import a people file, a ratings file or a JSON export (admins), as the import "
    "page does",
    description="The file's header tells which it is. The answer is the report: its kind, "
    "digest and counts. One bad row rejects the whole file: 422 lists each problem as `FILE, "
    "line N: field: reason` (the first 100, and `more`), and nothing is written. 413 above "
    "the upload limit. A file larger than `COMPETENCE_IMPORT_JOB_BYTES` (1 MB by default) is "
    "imported by a job, as on the import page: 202 with the job, whose `GET /api/v1/jobs/"
    "{job_id}` gives its progress, then the report or the problems.",
    openapi_extra={
        **IDEMPOTENT,
        "responses": {200: {"description": "The import's report"}, **JOB_STARTED},
    },
)
def post_import(
    request: HttpRequest, filters: Query[ImportFilters], file: File[UploadedFile]
) -> Any:
    if not policy.allowed(request.user, "admin"):
        raise PermissionDenied

    def run() -> dict[str, Any] | HttpResponse:
        try:
            done = import_upload(
                request.user,
                file,
                cycle=filters.cycle,
                kind=filters.kind.value if filters.kind else None,
                dry_run=filters.dry_run,
            )
        except InputError as exc:
            problems = [{"loc": ["file"], "msg": p} for p in exc.problems[:MAX_REPORTED]]
            if exc.rest():
                problems.append({"loc": ["file"], "msg": exc.rest()})
            raise ValidationError(problems) from None
        return accepted(request, done) if isinstance(done, Job) else done

    return once(request, run)


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


class ExportIn(Schema):
    team: str | None = Field(None, max_length=500, description="A team path: Dept / Team")
    history: bool = Field(False, description="Every cycle, not only the latest")


EXPORT_TYPES = {
    "text/csv": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}


@router.get(
    "/exports/ratings.{fmt}",
    tags=["imports"],
    summary="Export every rating (admins), as the export page does: CSV, XLSX, or the JSON "
    "document an import reads back (streamed)",
    openapi_extra={"responses": {200: {"description": "The export", "content": EXPORT_TYPES}}},
)
def get_export(
    request: HttpRequest,
    fmt: ExportFormat,
    chosen: Query[ExportIn],
) -> HttpResponseBase:
    if not policy.allowed(request.user, "admin"):
        raise PermissionDenied
    try:
        return export_response(fmt.value, chosen.team, chosen.history)
    except InputError as exc:
        raise _fields(exc, "query") from None


# -- the review list and one's own evidence files ----------------------------------------------


@router.get(
    "/review",
    tags=["review"],
    summary="The people you review, with where their assessments stand in the open cycle "
    "(paginated: `?page=N&page_size=M`)",
)
def get_review_list(request: HttpRequest, chosen: Query[PageIn]) -> dict[str, Any]:
    if not policy.allowed(request.user, "review.list"):
        raise PermissionDenied
    rows = review.people_to_review(request.user, records.current_cycle())
    return paged(
        [
            {
                "id": r["person"].pk,
                "name": r["person"].name,
                "email": r["person"].email,
                **{kind: r[kind] for kind in workflow.KINDS},
            }
            for r in rows
        ],
        chosen,
    )


def _own_draft(request: HttpRequest) -> Assessment:
    person = policy.own_person(request.user)
    if person is None:
        raise Http404("no person is linked to your account")
    policy.require(request.user, "person.own", person)
    cycle = records.current_cycle()
    if cycle is None:
        raise Http404("no assessment cycle is open")
    return records.own_draft(person, cycle)


@router.post(
    "/me/self-assessment/competences/{competence}/evidence",
    tags=["assessments"],
    summary="Attach an evidence file to one competence of your self-assessment draft",
    description=f"Up to {evidence_rules.MAX_FILES} files per competence, each at most "
    f"{evidence_rules.MAX_FILE_BYTES // (1024 * 1024)} MiB, of these types: "
    f"{evidence_rules.ACCEPTED} (checked by content: 422 otherwise).",
    response={201: dict[str, Any]},
    openapi_extra=IDEMPOTENT,
)
def post_evidence(request: HttpRequest, competence: int, file: File[UploadedFile]) -> Any:
    assessment = _own_draft(request)
    person = assessment.person
    numbers = {c["number"] for c in catalogue.applicable(person.profile, person.context)}
    if competence not in numbers:
        raise ValidationError([{"loc": ["path", "competence"], "msg": "not a competence you rate"}])
    # Never more than one byte past the limit is read: enough to say it is too large.
    content = file.read(evidence_rules.MAX_FILE_BYTES + 1)

    def attach() -> dict[str, Any]:
        kept = evidence.attach(assessment, competence, file.name or "evidence", content)
        return {**evidence.as_data(kept), "url": reverse("api:evidence_file", args=[kept.pk])}

    return once(request, attach, status=201)


@router.delete(
    "/me/self-assessment/evidence/{file_id}",
    tags=["assessments"],
    summary="Remove an evidence file from your self-assessment draft",
    response={204: None},
)
def delete_evidence(request: HttpRequest, file_id: int) -> Any:
    if not evidence.remove(_own_draft(request), [file_id]):
        raise Http404("no such file in your draft")
    return Status(204, None)
