"""Jobs: a large web import runs on the queue and its page follows it to its result or its
row-by-row error report; only whoever started a job (and admins) sees it; the schedule enqueues
reminders and retention once a period; a job left running by a stopped worker is failed."""

from __future__ import annotations

import datetime as dt
import io
import json
import socket

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from competence.domain import jobs as rules
from competence.services import jobs
from competence.store import audit
from competence.store.models import Job, JobChunk, Rating, ScheduledRun
from tests.web.conftest import Org, signed_in

RATINGS = "person,competence,knowledge,application\n" + "".join(
    f"ada@example.org,{n},3,2\n" for n in range(1, 30)
)


def admin() -> User:
    return User.objects.create(username="root", is_superuser=True, is_staff=True)


def upload(client: Client, text: str, name: str = "ratings.csv") -> str:
    response = client.post(
        "/manage/import",
        {"file": SimpleUploadedFile(name, text.encode()), "cycle": "2026", "kind": "self"},
    )
    assert response.status_code == 303, response.content[:300]
    return str(response["Location"])


@override_settings(IMPORT_JOB_BYTES=100)
def test_a_large_web_import_runs_as_a_job_and_its_page_shows_the_result(org: Org) -> None:
    client = signed_in(admin())
    before = Rating.objects.count()
    page = upload(client, RATINGS)
    waiting = client.get(page)
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert "Waiting for a worker" in html
    assert '<meta http-equiv="refresh" content="2">' in html
    assert Rating.objects.count() == before  # nothing yet: the request only queued it

    assert jobs.work(burst=True, schedule=False) == 1
    done = client.get(page).content.decode()
    assert "Imported</strong> ratings file ratings.csv" in done
    assert 'http-equiv="refresh"' not in done
    assert 'value="100"' in done
    assert Rating.objects.count() == before + 29
    job = Job.objects.get()
    assert job.status == "done"
    assert job.result is not None
    assert job.result["counts"]["rows"] == 29
    assert not JobChunk.objects.filter(job=job, role="input").exists()  # the upload is gone


@override_settings(IMPORT_JOB_BYTES=100)
def test_a_bad_file_in_a_job_shows_the_row_by_row_report_and_writes_nothing(org: Org) -> None:
    client = signed_in(admin())
    before = Rating.objects.count()
    bad = RATINGS.replace("ada@example.org,3,3,2", "ada@example.org,3,7,2")
    bad += "nobody@example.org,1,1,1\n"
    page = upload(client, bad)
    jobs.work(burst=True, schedule=False)
    html = client.get(page).content.decode()
    assert "Nothing was imported." in html
    assert "ratings.csv, line 4: knowledge" in html
    assert "ratings.csv, line 31: person" in html
    assert "upload.csv" not in html  # the upload's own name, never the temporary file's
    assert Rating.objects.count() == before


def test_a_small_web_import_still_runs_in_the_request(org: Org) -> None:
    client = signed_in(admin())
    response = client.post(
        "/manage/import", {"file": SimpleUploadedFile("ratings.csv", RATINGS.encode())}
    )
    assert response.status_code == 200
    assert "Imported</strong> ratings file ratings.csv" in response.content.decode()
    assert not Job.objects.exists()


def test_only_whoever_started_a_job_and_admins_see_it(org: Org) -> None:
    with audit.acting_as("grace"):
        job = jobs.start("reminders", "Reminders", user=org.grace_user, options={"dry_run": True})
    jobs.work(burst=True, schedule=False)
    assert signed_in(org.grace_user).get(f"/jobs/{job.pk}").status_code == 200
    assert signed_in(admin()).get(f"/jobs/{job.pk}").status_code == 200
    assert signed_in(org.ada_user).get(f"/jobs/{job.pk}").status_code == 403
    assert signed_in(org.ada_user).get(f"/api/v1/jobs/{job.pk}").status_code == 403
    assert signed_in(org.ada_user).get("/jobs/999999").status_code == 404
    api = signed_in(org.grace_user).get(f"/api/v1/jobs/{job.pk}").json()
    assert api["status"] == "done"
    assert api["result"] == {"due": 3, "sent": 0}
    assert api["started_by"] == "grace"


def test_reports_for_everyone_are_a_zip_to_download(org: Org, monkeypatch) -> None:
    client = signed_in(admin())
    response = client.post("/manage/reports")
    assert response.status_code == 303
    jobs.work(burst=True, schedule=False)
    job = Job.objects.get()
    assert job.status == "done", job.problems
    assert job.result == {"reports": 3}
    page = client.get(response["Location"]).content.decode()
    assert f'href="/jobs/{job.pk}/download"' in page
    download = client.get(f"/jobs/{job.pk}/download")
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    names = archive.namelist()
    assert len(names) == 3
    assert all(n.endswith(".pdf") for n in names)
    assert archive.read(names[0]).startswith(b"%PDF")


@override_settings(REPORT_JOB_PEOPLE=1)
def test_a_large_teams_report_is_made_by_a_job(org: Org) -> None:
    client = signed_in(org.lead)
    offered = client.get("/team/report.xlsx")
    assert offered.status_code == 200
    assert "made in the background" in offered.content.decode()
    response = client.post("/team/report.xlsx")
    assert response.status_code == 303
    jobs.work(burst=True, schedule=False)
    job = Job.objects.get()
    assert job.status == "done", job.problems
    assert job.result == {"people": 3}
    download = client.get(f"/jobs/{job.pk}/download")
    assert b"".join(download.streaming_content).startswith(b"PK")  # type: ignore[attr-defined]


def test_the_schedule_enqueues_each_job_once_a_period_whatever_the_workers(org: Org) -> None:
    monday = dt.date(2026, 11, 30)
    first = jobs.enqueue_scheduled(monday)
    again = jobs.enqueue_scheduled(monday)  # a second worker, the same day
    assert sorted(j.kind for j in first) == ["reminders", "retention"]
    assert again == []
    tuesday = jobs.enqueue_scheduled(monday + dt.timedelta(days=1))
    assert [j.kind for j in tuesday] == ["retention"]  # the reminders are weekly
    assert ScheduledRun.objects.count() == 3
    retention = next(j for j in first if j.kind == "retention")
    assert retention.options == {"dry_run": True}  # COMPETENCE_RETENTION_MONTHS is not set
    assert jobs.work(burst=True, schedule=False) == 3
    assert set(Job.objects.values_list("status", flat=True)) == {"done"}


def test_a_job_left_running_by_a_stopped_worker_is_failed_when_a_worker_starts(
    org: Org,
) -> None:
    job = jobs.start("reminders", "Reminders", options={"dry_run": True}, upload=iter([b"rows"]))
    silent = jobs.start("reminders", "Reminders", options={"dry_run": True})
    long_ago = timezone.now() - rules.STALE_AFTER - dt.timedelta(minutes=1)
    dead = f"{socket.gethostname()}:{2**22 + 12345}"  # above Linux's largest pid
    Job.objects.filter(pk=job.pk).update(status="running", worker=dead, heartbeat_at=timezone.now())
    Job.objects.filter(pk=silent.pk).update(
        status="running", worker="elsewhere:1", heartbeat_at=long_ago
    )
    assert sorted(jobs.recover_stale()) == [job.pk, silent.pk]
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.problems == [rules.STOPPED]
    assert job.finished_at is not None
    assert not JobChunk.objects.filter(job_id__in=[job.pk, silent.pk], role="input").exists()


def test_the_job_queue_is_django_tasks(org: Org) -> None:
    from django_tasks import TaskResultStatus, default_task_backend

    job = jobs.start("reminders", "Reminders", options={"dry_run": True})
    result = default_task_backend.get_result(str(job.pk))
    assert result.status == TaskResultStatus.READY
    jobs.work(burst=True, schedule=False)
    assert default_task_backend.get_result(str(job.pk)).status == TaskResultStatus.SUCCESSFUL
    assert json.loads(json.dumps(jobs.described(Job.objects.get(pk=job.pk))))["finished"]


@pytest.mark.parametrize(
    ("status", "stage", "done", "total", "words"),
    [
        ("queued", "", 0, None, "Waiting for a worker to start it."),
        ("running", "importing", 12000, None, "Importing: 12,000 so far."),
        ("running", "writing", 50, 200, "Writing: 50 of 200 (25 %)."),
    ],
)
def test_progress_in_words(status: str, stage: str, done: int, total: int | None, words: str):
    assert rules.progress_words(status, stage, done, total) == words
