"""The administration hub, and importing and exporting people and ratings (admins)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from competence.domain import workflow
from competence.errors import MAX_REPORTED, InputError
from competence.formats import exports
from competence.formats.limits import MAX_FILE_BYTES, size
from competence.services.export import export_rows, iter_export_json, people_count
from competence.services.imports import import_file
from competence.web.views.common import XLSX_TYPE, attachment, require


@login_required
def admin_hub(request: HttpRequest) -> HttpResponse:
    """Everyday administration, one link and a sentence per task."""
    require(request, "admin")
    return render(request, "competence/admin.html")


@login_required
@require_http_methods(["GET", "POST"])
def manage_import(request: HttpRequest) -> HttpResponse:
    require(request, "admin")
    context: dict[str, Any] = {"kinds": workflow.KINDS, "largest": size(MAX_FILE_BYTES)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["problems"] = ["Choose a file to import."]
        else:
            suffix = Path(upload.name or "upload.csv").suffix.lower() or ".csv"
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{suffix}"
                with path.open("wb") as f:
                    for chunk in upload.chunks():
                        f.write(chunk)
                try:
                    report = import_file(
                        path,
                        cycle=request.POST.get("cycle") or None,
                        kind=request.POST.get("kind") or None,
                        dry_run=bool(request.POST.get("dry_run")),
                        name=upload.name,
                    )
                except InputError as exc:
                    shown = str(path)
                    context["problems"] = [
                        p.replace(shown, upload.name or "upload")
                        for p in exc.problems[:MAX_REPORTED]
                    ]
                    context["more"] = exc.rest()
                else:
                    context["report"] = report.as_dict()
    return render(request, "competence/import.html", context)


@login_required
def manage_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    require(request, "admin")
    team_path = request.GET.get("team") or None
    history = bool(request.GET.get("history"))
    response: HttpResponseBase
    try:
        if fmt == "json":
            people_count(team_path)  # an unknown team is an error before streaming
            response = StreamingHttpResponse(
                iter_export_json(team_path), content_type="application/json"
            )
        elif fmt == "csv":
            buffer = io.StringIO()
            exports.write_csv(export_rows(team_path, history), buffer)
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            out = io.BytesIO()
            exports.write_xlsx(export_rows(team_path, history), out)
            response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
        else:
            raise Http404("no such format")
    except InputError as exc:
        return render(request, "competence/import.html", {"problems": exc.problems}, status=400)
    return attachment(response, f"competence-export.{fmt}")
