"""The API twin of the Users, Cycles and Audit-trail pages: the same services and field names,
writes only with a session or a write-scope token."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from competence.cli import main
from competence.services import accounts
from competence.store import audit
from competence.store.models import AuditEntry, Cycle
from tests.web.conftest import Org, signed_in
from tests.web.test_audit_trail import lead_of


def _token(user: User, scope: str) -> dict[str, str]:
    with audit.acting_as("test-setup"):
        _, secret = accounts.create_token(user, f"{scope} token", scope)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def write(org: Org) -> dict[str, str]:
    return _token(org.lead, "write")  # the fixture's "lead" is a staff user: an admin


@pytest.fixture
def read(org: Org) -> dict[str, str]:
    return _token(org.lead, "read")


def _send(method: str, path: str, headers: dict[str, str], body: object = None) -> object:
    client = Client()
    call = getattr(client, method)
    if body is None:
        return call(path, headers=headers)
    return call(path, json.dumps(body), content_type="application/json", headers=headers)


def test_users_are_listed_with_the_pages_field_names(org: Org, read: dict[str, str]) -> None:
    answer = Client().get("/api/v1/users?q=ada&active=true", headers=read)
    assert answer.status_code == 200
    (ada,) = answer.json()
    assert ada == accounts.user_data(org.ada_user)
    assert set(ada) == {
        "id", "username", "email", "role", "active", "person", "has_password", "last_login"
    }  # fmt: skip
    assert ada["person"] == "ada@example.org"
    assert "password" not in json.dumps(answer.json()).replace("has_password", "")
    assert Client().get("/api/v1/users?role=wizard", headers=read).status_code == 422


def test_an_invitation_by_the_api_emails_a_working_link(
    org: Org, write: dict[str, str], read: dict[str, str]
) -> None:
    body = {"username": "mary", "email": "mary@example.org", "role": "assessor"}
    assert _send("post", "/api/v1/users", read, body).status_code == 403  # type: ignore[attr-defined]
    mail.outbox.clear()
    answer = _send("post", "/api/v1/users", write, body)
    assert answer.status_code == 201  # type: ignore[attr-defined]
    made = answer.json()  # type: ignore[attr-defined]
    assert made["role"] == "assessor"
    assert made["has_password"] is False
    (invitation,) = mail.outbox
    link = re.search(r"http\S+/password-reset/\S+", str(invitation.body))
    assert link is not None
    again = _send("post", "/api/v1/users", write, body | {"email": "nope", "person": "x"})
    assert again.status_code == 422  # type: ignore[attr-defined]
    fields = {tuple(e["loc"]) for e in again.json()["detail"]}  # type: ignore[attr-defined]
    assert fields == {("body", "username"), ("body", "email"), ("body", "person")}


def test_patch_deactivates_relinks_and_changes_a_role(org: Org, write: dict[str, str]) -> None:
    ada_token = _token(org.ada_user, "read")
    assert Client().get("/api/v1/people", headers=ada_token).status_code == 200
    path = f"/api/v1/users/{org.ada_user.pk}"
    answer = _send("patch", path, write, {"active": False, "role": "assessor"})
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert answer.json()["active"] is False  # type: ignore[attr-defined]
    assert answer.json()["role"] == "assessor"  # type: ignore[attr-defined]
    assert answer.json()["person"] == "ada@example.org"  # type: ignore[attr-defined]
    assert Client().get("/api/v1/people", headers=ada_token).status_code == 401
    unlinked = _send("patch", path, write, {"person": ""})
    assert unlinked.json()["person"] is None  # type: ignore[attr-defined]
    bad = _send("patch", path, write, {"role": "wizard", "colour": "red"})
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert _send("patch", "/api/v1/users/99999", write, {}).status_code == 404  # type: ignore[attr-defined]
    myself = _send("patch", f"/api/v1/users/{org.lead.pk}", write, {"active": False})
    assert myself.status_code == 422  # type: ignore[attr-defined]


def test_a_password_reset_sends_a_link_and_answers_no_secret(
    org: Org, write: dict[str, str]
) -> None:
    org.grace_user.email = "grace@example.org"
    org.grace_user.save()
    mail.outbox.clear()
    answer = _send("post", f"/api/v1/users/{org.grace_user.pk}/password-reset", write)
    assert answer.status_code == 202  # type: ignore[attr-defined]
    assert answer.json() == {"sent_to": "grace@example.org"}  # type: ignore[attr-defined]
    assert len(mail.outbox) == 1
    no_email = _send("post", f"/api/v1/users/{org.ada_user.pk}/password-reset", write)
    assert no_email.status_code == 422  # type: ignore[attr-defined]


def test_tokens_are_made_listed_as_the_command_does_and_revoked(
    org: Org,
    write: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = _send("post", f"/api/v1/users/{org.ada_user.pk}/tokens", write, {"name": "sheets"})
    assert made.status_code == 201  # type: ignore[attr-defined]
    secret = made.json()["secret"]  # type: ignore[attr-defined]
    listed = Client().get("/api/v1/tokens", headers=write).json()
    assert secret not in json.dumps(listed)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["token", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == listed
    mine = Client().get(f"/api/v1/tokens?user={org.ada_user.pk}", headers=write).json()
    assert [t["name"] for t in mine] == ["sheets"]
    gone = _send("delete", f"/api/v1/tokens/{made.json()['id']}", write)  # type: ignore[attr-defined]
    assert gone.status_code == 200  # type: ignore[attr-defined]
    assert gone.json()["revoked"] is True  # type: ignore[attr-defined]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert Client().get("/api/v1/people", headers=bearer).status_code == 401
    assert _send("delete", "/api/v1/tokens/99999", write).status_code == 404  # type: ignore[attr-defined]
    assert secret not in json.dumps(list(AuditEntry.objects.values("summary", "old", "new")))


def test_cycles_open_move_close_and_remind(
    org: Org,
    write: dict[str, str],
    read: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = {"name": "2027", "opens_on": "2027-01-04", "closes_on": "2027-03-31"}
    made = _send("post", "/api/v1/cycles", write, body)
    assert made.status_code == 201  # type: ignore[attr-defined]
    assert made.json()["status"] == "upcoming"  # type: ignore[attr-defined]
    twice = _send("post", "/api/v1/cycles", write, body | {"closes_on": "2026-01-01"})
    assert {e["loc"][1] for e in twice.json()["detail"]} == {"name", "closes_on"}  # type: ignore[attr-defined]
    listed = Client().get("/api/v1/cycles", headers=read).json()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["cycle", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == listed
    path = f"/api/v1/cycles/{made.json()['id']}"  # type: ignore[attr-defined]
    moved = _send("patch", path, write, {"closes_on": "2027-04-30"})
    assert moved.json()["closes_on"] == "2027-04-30"  # type: ignore[attr-defined]
    assert _send("patch", path, write, {"closes_on": "2026-12-31"}).status_code == 422  # type: ignore[attr-defined]
    open_ended = _send("patch", path, write, {"closes_on": None})
    assert open_ended.json()["closes_on"] is None  # type: ignore[attr-defined]
    current = org.cycles[1]
    mail.outbox.clear()
    reminders = f"/api/v1/cycles/{current.pk}/reminders"
    dry = _send("post", reminders, write, {"dry_run": True})
    assert dry.status_code == 200  # type: ignore[attr-defined]
    due = dry.json()["due"]  # type: ignore[attr-defined]
    assert [d["person"] for d in due] == [
        "ada@example.org",
        "alan@example.org",
        "grace@example.org",
    ]
    assert dry.json()["sent"] == 0  # type: ignore[attr-defined]
    assert mail.outbox == []
    assert _send("post", reminders, read, {"dry_run": True}).status_code == 403  # type: ignore[attr-defined]
    sent = _send("post", reminders, write, {})
    assert sent.json()["sent"] == 3  # type: ignore[attr-defined]
    closed = _send("post", f"/api/v1/cycles/{org.cycles[0].pk}/reminders", write, {})
    assert closed.status_code == 422  # type: ignore[attr-defined]
    assert Cycle.objects.count() == 3


def test_the_audit_is_paginated_filtered_and_for_leads_their_people(
    org: Org, read: dict[str, str]
) -> None:
    answer = Client().get("/api/v1/audit?page_size=5&page=2", headers=read).json()
    assert set(answer) == {"items", "count", "page", "pages"}
    assert answer["page"] == 2
    assert len(answer["items"]) == 5
    assert answer["pages"] == -(-answer["count"] // 5)
    assert set(answer["items"][0]) == {
        "id", "at", "actor", "action", "model", "object_id", "person", "summary", "old", "new"
    }  # fmt: skip
    too_big = Client().get("/api/v1/audit?page_size=100000", headers=read)
    assert too_big.status_code == 422
    bad = Client().get("/api/v1/audit?until=2024-01-01&since=2024-02-01", headers=read)
    assert bad.status_code == 422
    alan = Client().get("/api/v1/audit?person=alan@example.org", headers=read).json()
    assert alan["count"] > 0
    assert {e["person"] for e in alan["items"]} == {str(org.alan.pk)}
    theirs = signed_in(lead_of("Change", "project")).get("/api/v1/audit?page_size=200").json()
    assert theirs["count"] > 0
    assert {e["person"] for e in theirs["items"]} == {str(org.alan.pk)}
    assert signed_in(org.ada_user).get("/api/v1/audit").status_code == 403


def test_the_command_line_gives_the_same_users_cycles_and_trail(
    org: Org,
    read: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    capsys.readouterr()
    assert main(["user", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == Client().get("/api/v1/users", headers=read).json()
    assert main(["cycle", "update", "2026", "--closes", "2099-12-31"]) == 0
    capsys.readouterr()
    org.cycles[1].refresh_from_db()
    assert str(org.cycles[1].closes_on) == "2099-12-31"
    assert main(["audit", "--model", "Cycle", "--action", "update", "--json"]) == 0
    (moved,) = json.loads(capsys.readouterr().out)
    api = Client().get("/api/v1/audit?model=Cycle&action=update", headers=read).json()
    assert api["items"] == [moved]
    assert moved["new"] == {"closes_on": "2099-12-31"}
    assert main(["audit", "--since", "someday"]) == 2
    assert "since: a date as YYYY-MM-DD" in capsys.readouterr().err
