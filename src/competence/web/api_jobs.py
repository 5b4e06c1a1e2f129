"""Jobs in the API: a job's progress and result (the twin of the ``/jobs/ID`` page) and its file.

Registered on :data:`competence.web.api.api`, whose error handlers answer for these routes too
(401, 403 for someone else's job, 404).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from ninja import Router

from competence.services import jobs
from competence.store.models import Job
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
