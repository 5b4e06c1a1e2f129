"""The administration hub, and importing and exporting people and ratings (admins)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from competence.domain import jobs as rules
from competence.domain import workflow
from competence.errors import MAX_REPORTED, InputError
from competence.formats import exports
from competence.formats.limits import MAX_FILE_BYTES, size
from competence.services import jobs, policy
from competence.services.export import export_cells, iter_export_json, people_count
from competence.services.imports import import_named, upload_suffix
from competence.store.models import Job
from competence.web.views.common import XLSX_TYPE, attachment, require
from competence.web.views.jobs import started


def imported(
    upload: UploadedFile, *, cycle: str | None, kind: str | None, dry_run: bool
) -> dict[str, Any]:
    """Import an uploaded file (the page's and the API's): its report, or :class:`InputError`
    naming the upload's own name (never the temporary file's) in each problem (its ``rest()``
    counts those after the first :data:`MAX_REPORTED`)."""
    suffix = upload_suffix(upload.name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
        return import_named(path, upload.name or "upload", cycle=cycle, kind=kind, dry_run=dry_run)


def import_upload(
    user: policy.User,
    upload: UploadedFile,
    *,
    cycle: str | None,
    kind: str | None,
    dry_run: bool,
) -> dict[str, Any] | Job:
    """Import an uploaded file as the page and the API both do: in the request, giving its
    report (or :class:`InputError`, see :func:`imported`); or, for a file larger than
    ``COMPETENCE_IMPORT_JOB_BYTES``, by a job (:mod:`competence.services.jobs`) that calls the
    same import with the same choices, giving the job."""
    if not rules.import_runs_as_job(upload.size or 0, settings.IMPORT_JOB_BYTES):
        return imported(upload, cycle=cycle, kind=kind, dry_run=dry_run)
    name = upload.name or "upload"
    options = {"name": name, "cycle": cycle, "kind": kind, "dry_run": dry_run}
    check = "Check" if dry_run else "Import"
    return jobs.start(
        "import", f"{check} of {name}", user=user, options=options, upload=upload.chunks()
    )


@login_required
def admin_hub(request: HttpRequest) -> HttpResponse:
    """Everyday administration, one link and a sentence per task."""
    require(request, "admin")
    return render(request, "competence/admin.html")


@login_required
@require_http_methods(["GET", "POST"])
def manage_import(request: HttpRequest) -> HttpResponse:
    require(request, "admin")
    context: dict[str, Any] = {
        "kinds": workflow.KINDS,
        "largest": size(MAX_FILE_BYTES),
        "job_size": size(settings.IMPORT_JOB_BYTES),
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["problems"] = ["Choose a file to import."]
        else:
            try:
                done = import_upload(
                    request.user,
                    upload,
                    cycle=request.POST.get("cycle") or None,
                    kind=request.POST.get("kind") or None,
                    dry_run=bool(request.POST.get("dry_run")),
                )
            except InputError as exc:
                context["problems"] = exc.problems[:MAX_REPORTED]
                context["more"] = exc.rest()
            else:
                if isinstance(done, Job):
                    return started(done)
                context["report"] = done
    return render(request, "competence/import.html", context)


def export_response(fmt: str, team_path: str | None, history: bool) -> HttpResponseBase:
    """Every rating as a download (the page's and the API's): CSV, XLSX, or the JSON document,
    streamed; :class:`InputError` for an unknown team, before anything is sent."""
    response: HttpResponseBase
    people_count(team_path)  # an unknown team is an error before anything is written
    if fmt == "json":
        response = StreamingHttpResponse(
            iter_export_json(team_path), content_type="application/json"
        )
    elif fmt == "csv":
        buffer = io.StringIO()
        exports.write_csv_cells(export_cells(team_path, history), buffer)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        out = io.BytesIO()
        exports.write_xlsx_cells(export_cells(team_path, history), out)
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    else:
        raise Http404("no such format")
    return attachment(response, f"competence-export.{fmt}")


@login_required
def manage_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    require(request, "admin")
    try:
        return export_response(
            fmt, request.GET.get("team") or None, bool(request.GET.get("history"))
        )
    except InputError as exc:
        return render(request, "competence/import.html", {"problems": exc.problems}, status=400)
