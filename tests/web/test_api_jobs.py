"""The API takes the page's rule for long work: an import above COMPETENCE_IMPORT_JOB_BYTES and
the reports for everyone answer 202 with their job, which GET /api/v1/jobs/{id} follows; an
evidence upload over its limit is refused before it is read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from competence.services import jobs
from competence.store.models import Job, Rating
from competence.web.views.evidence import UPLOAD_LIMIT
from tests.web.conftest import Org, signed_in
from tests.web.test_jobs import RATINGS, admin

pytestmark = pytest.mark.django_db


def post_import(client: Client, **headers: Any) -> Any:
    upload = SimpleUploadedFile("ratings.csv", RATINGS.encode())
    return client.post("/api/v1/imports?cycle=2026&kind=self", {"file": upload}, **headers)


@override_settings(IMPORT_JOB_BYTES=100)
def test_an_api_import_above_the_threshold_answers_202_with_its_job(org: Org) -> None:
    client = signed_in(admin())
    before = Rating.objects.count()
    response = post_import(client)
    assert response.status_code == 202, response.content[:300]
    job = Job.objects.get()
    body = response.json()
    assert response["Location"] == f"/api/v1/jobs/{job.pk}"
    assert body["url"] == f"/api/v1/jobs/{job.pk}"
    assert (body["id"], body["kind"], body["status"]) == (job.pk, "import", "queued")
    assert body["progress_words"] == "Waiting for a worker to start it."
    assert Rating.objects.count() == before  # the request only queued it

    assert jobs.work(burst=True, schedule=False) == 1
    done = client.get(response["Location"]).json()
    assert done["status"] == "done"
    assert done["result"]["counts"]["rows"] == 29
    assert Rating.objects.count() == before + 29


@override_settings(IMPORT_JOB_BYTES=100)
def test_an_api_import_sent_again_with_its_key_gives_the_same_job(org: Org) -> None:
    client = signed_in(admin())
    first = post_import(client, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_import(client, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Job.objects.count() == 1


def test_an_api_import_below_the_threshold_still_answers_its_report(org: Org) -> None:
    response = post_import(signed_in(admin()))
    assert response.status_code == 200
    assert response.json()["counts"]["rows"] == 29
    assert not Job.objects.exists()


def test_the_reports_for_everyone_start_from_the_api_as_a_job(org: Org) -> None:
    assert signed_in(org.ada_user).post("/api/v1/reports/everyone").status_code == 403
    response = signed_in(admin()).post("/api/v1/reports/everyone")
    assert response.status_code == 202
    job = Job.objects.get()
    assert (job.kind, response.json()["status"]) == ("reports", "queued")
    assert response["Location"] == f"/api/v1/jobs/{job.pk}"


def test_an_api_evidence_upload_over_its_limit_is_refused_before_it_is_read(org: Org) -> None:
    response = signed_in(org.grace_user).generic(
        "POST",
        "/api/v1/me/self-assessment/competences/1/evidence",
        b"--x--",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(UPLOAD_LIMIT + 1),
    )
    assert response.status_code == 413
    assert "At most 3 files of 5 MiB each at a time" in response.json()["detail"]
