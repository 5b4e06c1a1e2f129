"""The workflow through the API, with tokens only: a whole cycle (self-assessment, submit, the
assessor's ratings, review, the person's answers, agree, sign off, reopen), plans, the team,
imports and exports, and the Idempotency-Key header."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
from django.test import Client

from competence.services import accounts, catalogue
from competence.store import audit
from competence.store.models import Assessment, IdempotencyKey, PlanItem, Rating
from tests.web.conftest import Org, signed_in


def token(user: Any, scope: str = "write") -> Client:
    with audit.acting_as("test-setup"):
        secret = accounts.create_token(user, "test", scope=scope)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def send(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    call = getattr(client, method.lower())
    data = "" if body is None else json.dumps(body)
    return call(path, data, content_type="application/json", headers=headers)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json()


def assessor(org: Org) -> Client:
    with audit.acting_as("test-setup"):
        accounts.set_role(org.grace_user, "assessor")
    return token(org.grace_user)


def test_a_whole_cycle_through_the_api_with_tokens(org: Org) -> None:
    ada, grace, admin = token(org.ada_user), assessor(org), token(org.lead)
    me = f"/api/v1/people/{org.ada.pk}"
    applicable = catalogue.applicable("pmo-specialist", "programme")
    mine = [{"competence": c["number"], "knowledge": 3, "application": 3} for c in applicable]
    saved = ok(send(ada, "PUT", "/api/v1/me/self-assessment", {"ratings": mine, "version": 0}))
    assert (saved["kind"], saved["status"]) == ("self", "draft")
    assert ok(send(ada, "POST", f"{me}/assessments/self/submit"))["status"] == "submitted"
    # The assessor rates: the self ratings, but 4/4 on life cycles, with a comment.
    theirs = [dict(r, knowledge=4, application=4) if r["competence"] == 1 else r for r in mine]
    body = {
        "ratings": theirs,
        "comments": [{"competence": "life-cycles", "text": "Led two gate reviews"}],
        "version": 0,
    }
    assert send(ada, "PUT", f"{me}/assessor-assessment", body).status_code == 403  # not hers
    drafted = ok(send(grace, "PUT", f"{me}/assessor-assessment", body))
    assert (drafted["kind"], drafted["status"]) == ("assessor", "draft")
    changed = {**body, "ratings": [{"competence": 1, "knowledge": 5, "application": 5}]}
    stale = send(grace, "PUT", f"{me}/assessor-assessment", changed)  # version 0 is old now
    assert stale.status_code == 409
    assert stale.json()["version"] == drafted["version"]
    sheet = ok(grace.get(f"{me}/review/sheet"))
    assert sheet["can_send"] is True
    assert sheet["statuses"] == {"self": "submitted", "assessor": "draft", "agreed": None}
    first = next(c for c in sheet["competences"] if c["number"] == 1)
    assert (first["self"], first["assessor"], first["differs"]) == (
        {"knowledge": 3, "application": 3},
        {"knowledge": 4, "application": 4},
        True,
    )
    assert [c["text"] for c in first["comments"]] == ["Led two gate reviews"]
    assert ada.get(f"{me}/review").status_code == 404  # not sent yet: the assessor's alone
    assert ok(send(grace, "POST", f"{me}/review/send"))["status"] == "submitted"
    assert send(grace, "POST", f"{me}/agree").status_code == 409  # Ada has not answered
    # Ada answers: a reply on life cycles.
    seen = ok(ada.get(f"{me}/review"))
    assert seen["differences"] == 1
    answers = {"answers": [{"competence": 1, "accepted": False, "reply": "Only one was mine"}]}
    ok(send(ada, "POST", f"{me}/review/answers", answers))
    agreed = ok(send(grace, "POST", f"{me}/agree"))
    assert (agreed["kind"], agreed["status"]) == ("agreed", "reviewed")
    signed = ok(send(grace, "POST", f"{me}/assessments/agreed/sign-off"))
    assert signed["status"] == "signed-off"
    assert send(grace, "PUT", f"{me}/assessor-assessment", body).status_code == 409  # locked
    assert send(grace, "POST", f"{me}/reopen", {"reason": "typo"}).status_code == 403  # admins
    assert send(admin, "POST", f"{me}/reopen", {"reason": " "}).status_code == 422
    assert ok(send(admin, "POST", f"{me}/reopen", {"reason": "a typo in 5"})) == {"reopened": 3}
    statuses = set(
        Assessment.objects.filter(person=org.ada, cycle__name="2026").values_list(
            "status", flat=True
        )
    )
    assert statuses == {"reviewed"}


def test_steps_follow_the_workflow_and_its_rules(org: Org) -> None:
    ada, grace = token(org.ada_user), assessor(org)
    me = f"/api/v1/people/{org.ada.pk}"
    assert send(ada, "POST", f"{me}/assessments/self/submit").status_code == 404  # none yet
    ok(send(ada, "PUT", "/api/v1/me/self-assessment", {"ratings": [{"competence": 1}]}))
    assert send(grace, "POST", f"{me}/assessments/self/submit").status_code == 403  # Ada's step
    assert send(ada, "POST", f"{me}/assessments/self/sign-off").status_code == 403
    assert send(ada, "POST", f"{me}/assessments/self/withdraw").status_code == 409  # a draft
    assert send(ada, "POST", f"{me}/assessments/nope/submit").status_code == 422
    assert send(ada, "POST", f"{me}/assessments/self/submit?cycle=1999").status_code == 404
    assert ok(send(ada, "POST", f"{me}/assessments/self/submit"))["status"] == "submitted"
    assert ok(send(ada, "POST", f"{me}/assessments/self/withdraw"))["status"] == "draft"
    other = f"/api/v1/people/{org.alan.pk}"
    assert send(grace, "PUT", f"{other}/assessor-assessment", {"ratings": []}).status_code == 403


def test_a_read_token_cannot_write(org: Org) -> None:
    reader = token(org.ada_user, scope="read")
    assert reader.get(f"/api/v1/people/{org.ada.pk}/plan").status_code == 200
    refused = send(reader, "POST", f"/api/v1/people/{org.ada.pk}/plan/generate")
    assert refused.status_code == 403
    assert "read" in refused.json()["detail"]
    assert not PlanItem.objects.filter(person=org.ada).exists()


def test_plans_through_the_api(org: Org) -> None:
    ada, alan_lead = token(org.ada_user), token(org.lead)
    me = f"/api/v1/people/{org.ada.pk}"
    assert ok(ada.get(f"{me}/plan"))["steps"] == []
    made = ok(send(ada, "POST", f"{me}/plan/generate?toward=own"))
    assert made["added"] == len(made["steps"]) > 0
    step = made["steps"][0]
    edit = {**step, "status": "in-progress", "action": "Shadow a gate review", "due_on": None}
    fields = {k: edit[k] for k in ("id", "status", "action", "due_on")}
    saved = ok(send(ada, "PUT", f"{me}/plan", {"steps": [fields]}))
    assert saved["changed"] == 1
    (kept,) = [s for s in saved["steps"] if s["id"] == step["id"]]
    assert (kept["status"], kept["action"], kept["due_on"]) == (
        "in-progress",
        "Shadow a gate review",
        None,
    )
    wrong = send(ada, "PUT", f"{me}/plan", {"steps": [{**fields, "status": "finished"}]})
    assert wrong.status_code == 422
    assert "status: one of" in wrong.json()["detail"][0]["msg"]
    assert PlanItem.objects.get(pk=step["id"]).status == "in-progress"  # nothing was written
    assert alan_lead.get(f"/api/v1/people/{org.alan.pk}/plan").json()["steps"] == []
    assert send(ada, "POST", f"/api/v1/people/{org.alan.pk}/plan/generate").status_code == 403


def test_the_team_through_the_api(org: Org) -> None:
    lead, ada = token(org.lead), token(org.ada_user)
    coverage = ok(lead.get("/api/v1/team/coverage"))
    assert coverage["people_count"] == 3
    assert "people" not in coverage
    assert {c["number"] for c in coverage["coverage"]} == set(range(1, 30))
    assert ada.get("/api/v1/team/coverage").status_code == 403
    need = {"requirements": [{"competence": "schedule-management", "at_least": 2}]}
    plan = ok(send(lead, "POST", "/api/v1/team/plan", need))
    assert plan["people"] == 3
    assert "single_points_of_failure" in plan
    assert send(lead, "POST", "/api/v1/team/plan", {"requirements": []}).status_code == 422
    unknown = send(lead, "POST", "/api/v1/team/plan", {"requirements": [{"competence": "x"}]})
    assert unknown.status_code == 422
    assert send(ada, "POST", "/api/v1/team/plan", need).status_code == 403


RATINGS = "person,competence,knowledge,application\ngrace@example.org,1,3,2\n"


def upload(client: Client, query: str, text: str, **headers: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("ratings.csv", text.encode(), content_type="text/csv")
    return client.post(f"/api/v1/imports?{query}", {"file": file}, headers=headers)


def test_imports_dry_run_real_and_refused(org: Org) -> None:
    admin = token(org.lead)
    before = Rating.objects.count()
    dry = ok(upload(admin, "dry_run=true&cycle=2026", RATINGS))
    assert (dry["kind"], dry["dry_run"], dry["file"]) == ("ratings", True, "ratings.csv")
    assert Rating.objects.count() == before
    real = ok(upload(admin, "cycle=2026", RATINGS))
    assert real["dry_run"] is False
    assert Rating.objects.count() == before + 1
    bad = upload(admin, "cycle=2026", RATINGS + "grace@example.org,2,9,1\n")
    assert bad.status_code == 422
    (problem,) = bad.json()["detail"]
    assert problem["loc"] == ["file"]
    assert problem["msg"].startswith("ratings.csv, line 3: knowledge")
    assert Rating.objects.count() == before + 1
    assert upload(token(org.ada_user), "dry_run=true", RATINGS).status_code == 403


def test_exports_as_the_page_gives_them(org: Org) -> None:
    admin = token(org.lead)
    csv = admin.get("/api/v1/exports/ratings.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content == signed_in(org.lead).get("/manage/export.csv").content
    streamed = admin.get("/api/v1/exports/ratings.json")
    document = json.loads(b"".join(streamed.streaming_content))  # type: ignore[attr-defined]
    assert document["format"] == "competence-export"
    xlsx = admin.get("/api/v1/exports/ratings.xlsx")
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert admin.get("/api/v1/exports/ratings.pdf").status_code == 422
    for fmt in ("csv", "json", "xlsx"):  # before anything is written
        assert admin.get(f"/api/v1/exports/ratings.{fmt}?team=Nowhere").status_code == 422
    import gc

    gc.collect()  # a workbook begun and left open would complain as it is collected
    assert token(org.ada_user).get("/api/v1/exports/ratings.csv").status_code == 403


def test_the_same_idempotency_key_answers_once(org: Org) -> None:
    ada = token(org.ada_user)
    me = f"/api/v1/people/{org.ada.pk}"
    ok(send(ada, "PUT", "/api/v1/me/self-assessment", {"ratings": [{"competence": 1}]}))
    first = send(ada, "POST", f"{me}/assessments/self/submit", **{"Idempotency-Key": "k-1"})
    again = send(ada, "POST", f"{me}/assessments/self/submit", **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    without = send(ada, "POST", f"{me}/assessments/self/submit")  # done, not replayed: 409
    assert without.status_code == 409
    reused = send(ada, "POST", f"{me}/assessments/self/withdraw", **{"Idempotency-Key": "k-1"})
    assert reused.status_code == 422
    assert reused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert Assessment.objects.get(person=org.ada, cycle__name="2026").status == "submitted"
    # Another user's key of the same name is theirs.
    admin = token(org.lead)
    assert upload(admin, "dry_run=true", RATINGS, **{"Idempotency-Key": "k-1"}).status_code == 200
    replay = upload(admin, "dry_run=true", RATINGS, **{"Idempotency-Key": "k-1"})
    assert replay["Idempotent-Replayed"] == "true"
    changed = upload(admin, "dry_run=true", RATINGS + "grace@example.org,2,1,1\n",
                     **{"Idempotency-Key": "k-1"})  # fmt: skip
    assert changed.status_code == 422
    assert IdempotencyKey.objects.count() == 2
    too_long = send(ada, "POST", f"{me}/assessments/self/submit", **{"Idempotency-Key": "x" * 300})
    assert too_long.status_code == 422


def test_an_idempotency_key_expires_after_a_day(org: Org) -> None:
    import datetime as dt

    from django.utils import timezone

    ada = token(org.ada_user)
    ok(send(ada, "PUT", "/api/v1/me/self-assessment", {"ratings": [{"competence": 1}]}))
    me = f"/api/v1/people/{org.ada.pk}"
    ok(send(ada, "POST", f"{me}/assessments/self/submit", **{"Idempotency-Key": "day"}))
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    late = send(ada, "POST", f"{me}/assessments/self/submit", **{"Idempotency-Key": "day"})
    assert late.status_code == 409  # done once already, and the key is forgotten
    assert not IdempotencyKey.objects.exists()


def test_an_archive_that_is_not_a_workbook_is_invalid_input(org: Org) -> None:
    """Found by schemathesis: a .zip file (a zip's first bytes, so read as a workbook) was a 500."""
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "a")
    file = SimpleUploadedFile("file.zip", archive.getvalue())
    refused = token(org.lead).post("/api/v1/imports?dry_run=true", {"file": file})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"].startswith("file.zip: not an Excel workbook")


def test_a_body_that_is_not_a_form_is_invalid_input(org: Org) -> None:
    """Found by schemathesis: a multipart body that cannot be parsed was Django's 400 page."""
    refused = token(org.lead).post("/api/v1/imports", b"x", content_type="multipart/form-data")
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": [{"loc": ["body"], "msg": "not a form (multipart/form-data): Invalid boundary "
                    "in multipart: None"}]
    }  # fmt: skip
