"""A job's page (its progress, then its result, its download or its row-by-row error report),
its download, and starting the reports for everyone."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from competence.services import jobs, policy
from competence.store.models import Job
from competence.web.views.common import attachment, require

REFRESH_SECONDS = 2
"""A running job's page reloads itself this often (a meta refresh: no script needed)."""


def job_of(request: HttpRequest, job_id: int) -> Job:
    """The job a page is about: 404 when there is none, 403 when it is someone else's."""
    try:
        return jobs.job_for(request.user, job_id)
    except LookupError:
        raise Http404("no such job") from None
    except policy.Forbidden:
        raise PermissionDenied from None


def started(job: Job) -> HttpResponseRedirect:
    """After starting a job: to its page (303, so that a reload does not start another)."""
    return HttpResponseRedirect(reverse("job", args=[job.pk]), status=303)


@login_required
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_of(request, job_id)
    data = jobs.described(job, reverse("job_download", args=[job.pk]))
    refresh = None if data["finished"] else REFRESH_SECONDS
    return render(request, "competence/job.html", {"job": data, "refresh": refresh})


@login_required
def job_download(request: HttpRequest, job_id: int) -> HttpResponseBase:
    return file_response(job_of(request, job_id))


def file_response(job: Job) -> HttpResponseBase:
    """The file a finished job made, streamed a part at a time (the page's and the API's);
    404 while it has none."""
    if not job.output_name or job.status != "done":
        raise Http404("this job has no file to download")
    response = StreamingHttpResponse(jobs.file_parts(job), content_type=job.output_type)
    return attachment(response, job.output_name)


@login_required
@require_POST
def reports_for_everyone(request: HttpRequest) -> HttpResponseBase:
    """Every person's PDF report, in a zip, made by a job."""
    require(request, "admin")
    return started(jobs.start("reports", "PDF reports for everyone", user=request.user))
