"""Jobs in the API: a job's progress and result (the twin of the ``/jobs/ID`` page) and its file;
starting the reports for everyone; and the answer of an operation that starts a job
(:func:`accepted`).

Registered on :data:`competence.web.api.api`, whose error handlers answer for these routes too
(401, 403 for someone else's job, 404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from ninja import Router

from competence.services import jobs, policy
from competence.store.models import Job
from competence.web.idempotency import PARAMETER as IDEMPOTENT
from competence.web.idempotency import once
from competence.web.views.jobs import file_response

router: Router = Router(tags=["jobs"])


def _job(request: HttpRequest, job_id: int) -> Job:
    try:
        return jobs.job_for(request.user, job_id)
    except LookupError:
        raise Http404("no such job") from None


@router.get(
    "/jobs/{job_id}",
    summary="A job: its status, its progress (`stage`, `done`, `total`, `percent`, and in words), "
    "and once it ends its result, its problems (an import's bad rows, as the import page lists "
    "them) or its file (`output.url`). Whoever started it, and admins.",
)
def get_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return jobs.described(_job(request, job_id), reverse("api:get_job_file", args=[job_id]))


@router.get(
    "/jobs/{job_id}/file",
    summary="The file a job made (a zip of reports, a team report); 404 while it has none",
)
def get_job_file(request: HttpRequest, job_id: int) -> HttpResponseBase:
    return file_response(_job(request, job_id))


def accepted(request: HttpRequest, job: Job) -> HttpResponse:
    """202 for an operation that started a job: the job as ``GET /api/v1/jobs/{id}`` gives it,
    its ``url``, and the same in the ``Location`` header."""
    from competence.web.api import api

    url = reverse("api:get_job", args=[job.pk])
    data = {**jobs.described(job, reverse("api:get_job_file", args=[job.pk])), "url": url}
    response = api.create_response(request, data, status=202)
    response["Location"] = url
    return response


JOB_STARTED = {
    202: {
        "description": "Started as a job: the job (its `id`, `status`, progress, and `url`, "
        "also in the `Location` header), to follow with `GET /api/v1/jobs/{job_id}`",
        "headers": {"Location": {"schema": {"type": "string"}, "description": "The job"}},
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}
"""The 202 answer in an operation's OpenAPI description (its ``openapi_extra``)."""


@router.post(
    "/reports/everyone",
    summary="Start every person's PDF report, in a zip, as a job (admins), as the import page's "
    "button does; the job's file is the zip",
    openapi_extra={**IDEMPOTENT, "responses": JOB_STARTED},
)
def post_reports_everyone(request: HttpRequest) -> HttpResponseBase:
    if not policy.allowed(request.user, "admin"):
        raise PermissionDenied

    def start() -> HttpResponse:
        return accepted(
            request, jobs.start("reports", "PDF reports for everyone", user=request.user)
        )

    response: HttpResponseBase = once(request, start, status=202)
    return response
