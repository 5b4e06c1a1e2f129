"""Evidence on the self-assessment: each rating's confidence and links (fields of the rating form)
and files (their own small form: attach, remove), and serving a file to those the policy lets
see the person's assessments. The rules live in :mod:`competence.domain.evidence` and
:mod:`competence.services.evidence`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from competence.domain import evidence as rules
from competence.domain.evidence import CONFIDENCE_WORDS, Confidence, parse_confidence
from competence.errors import InputError
from competence.services import catalogue, policy, records
from competence.services import evidence as files
from competence.store.models import EvidenceFile
from competence.store.models import Rating as RatingRow
from competence.web.limits import EVIDENCE_BODY, EVIDENCE_TOO_LARGE
from competence.web.views.common import attachment

CONFIDENCE_CHOICES = [("", "Not said"), *((w, w.capitalize()) for w in CONFIDENCE_WORDS)]
UPLOAD_LIMIT = EVIDENCE_BODY
"""The largest request the attach form takes: a rating's worth of files and the form's fields."""
MIB = 1024 * 1024


def _links(text: str) -> tuple[str, ...]:
    try:
        return rules.split_links(text)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from None


class LinksField(forms.CharField):
    """Links, one a line (or separated by spaces), checked by the domain's rule."""

    def clean(self, value: Any) -> tuple[str, ...]:
        return _links(super().clean(value) or "")


def add_fields(form: forms.Form, number: int, name: str) -> None:
    """Add a rating's confidence and links fields to a rating form."""
    form.fields[f"confidence-{number}"] = forms.ChoiceField(
        choices=CONFIDENCE_CHOICES, required=False, label=f"{name}: how sure you are"
    )
    form.fields[f"links-{number}"] = LinksField(
        required=False,
        max_length=rules.MAX_LINKS * (rules.MAX_LINK_LENGTH + 1),
        label=f"{name}: links to evidence",
        widget=forms.Textarea(attrs={"rows": 2, "inputmode": "url", "spellcheck": "false"}),
    )


def values(cleaned: dict[str, Any], number: int) -> tuple[Confidence | None, tuple[str, ...]]:
    """A rating's confidence and links from a valid form."""
    return parse_confidence(cleaned.get(f"confidence-{number}") or None), tuple(
        cleaned.get(f"links-{number}") or ()
    )


def initial(rating: Any) -> dict[str, Any]:
    """A stored rating's confidence and links, as the form's initial values."""
    n = rating.competence
    return {
        f"confidence-{n}": rules.confidence_words(rating.confidence) or "",
        f"links-{n}": "\n".join(rating.evidence_links or ()),
    }


def section(form: forms.Form, number: int, held: dict[int, list[EvidenceFile]]) -> dict[str, Any]:
    """What ``_rating_evidence.html`` shows for one competence (its numbers as text: written
    on every competence of the page, they need no localising)."""
    return {
        "number": str(number),
        "confidence": form[f"confidence-{number}"],
        "links": form[f"links-{number}"],
        "files": held.get(number, []),
        "room": len(held.get(number, [])) < rules.MAX_FILES,
        "accepted": rules.ACCEPTED,
        "max_files": str(rules.MAX_FILES),
        "max_mib": str(rules.MAX_FILE_BYTES // MIB),
        "max_links": str(rules.MAX_LINKS),
    }


def shown(rating: RatingRow | None, held: list[EvidenceFile]) -> dict[str, Any]:
    """A rating's confidence, links and files as the review page shows them beside it."""
    return {
        "confidence": rules.confidence_words(rating.confidence) if rating else None,
        "links": list(rating.evidence_links or ()) if rating else [],
        "files": held,
    }


@csrf_exempt  # checked below, once the request's size is known to be within the limit
@login_required
@require_POST
def my_evidence(request: HttpRequest) -> HttpResponseBase:
    """Attach files to, or remove them from, the ratings of one's own self-assessment draft.

    A request larger than :data:`UPLOAD_LIMIT` is refused (413) before its body is read."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > UPLOAD_LIMIT:
        problem = EVIDENCE_TOO_LARGE
        return render(request, "competence/too_large.html", {"problem": problem}, status=413)
    return _attach_or_remove(request)


@csrf_protect
def _attach_or_remove(request: HttpRequest) -> HttpResponseBase:
    person = policy.own_person(request.user)
    if person is None:
        return render(request, "competence/no_person.html", status=404)
    policy.require(request.user, "person.own", person)
    cycle = records.current_cycle()
    if cycle is None:
        return render(request, "competence/no_cycle.html", status=404)
    numbers = {c["number"] for c in catalogue.applicable(person.profile, person.context)}
    anchor = ""
    if request.POST.get("attach", "").isdigit():
        anchor = f"#competence-{request.POST['attach']}"
    removed = [int(v) for v in request.POST.getlist("remove") if v.isdigit()]
    uploads: list[tuple[int, UploadedFile]] = []
    for key in request.FILES:
        digits, upload = key.removeprefix("file-"), request.FILES.get(key)
        if digits.isdigit() and int(digits) in numbers and upload is not None:
            uploads.append((int(digits), upload))
    if not removed and not uploads:
        messages.error(request, "Choose a file to attach first.")
        return redirect(reverse("self_assessment") + anchor)
    try:
        assessment = records.own_draft(person, cycle)
        if removed:
            gone = files.remove(assessment, removed)
            messages.success(request, f"Removed {gone} file{'s' if gone != 1 else ''}.")
        for number, upload in uploads:
            anchor = f"#competence-{number}"
            # Never more than one byte past the limit is read: enough to say it is too large.
            content = upload.read(rules.MAX_FILE_BYTES + 1)
            kept = files.attach(assessment, number, upload.name or "evidence", content)
            messages.success(request, f"Attached {kept.name} to competence {number}.")
    except InputError as exc:
        for problem in exc.problems:
            messages.error(request, problem)
    return redirect(reverse("self_assessment") + anchor)


def file_response(f: EvidenceFile) -> HttpResponseBase:
    """A file as a download: always an attachment, of the type its content was found to be,
    never sniffed by the browser, and sandboxed should a browser open it anyway."""
    response = HttpResponse(files.bytes_of(f), content_type=f.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return attachment(response, f.name)


@login_required
@require_GET
def evidence_file(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """One evidence file, for whoever may see the person's assessments (``evidence.view``)."""
    return served(request, file_id)


def served(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """The download of one evidence file, as the page and the API answer it: 404 when there is
    no such file, 403 when the policy does not let the user see it."""
    try:
        found = files.fetch(request.user, file_id)
    except files.NotFound:
        raise Http404("no such file") from None
    except policy.Forbidden:
        raise PermissionDenied from None
    return file_response(found)
