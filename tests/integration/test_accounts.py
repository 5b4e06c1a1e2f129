"""Users, roles and API tokens from the command line and through the API."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from competence.cli import main
from competence.store.models import ApiToken, AuditEntry, Cycle, Person


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def create_ada(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, role: str
) -> tuple[int, str, str]:
    """`competence user create ada` with the role, linked to Ada Lovelace (E1)."""
    return run(
        capsys,
        monkeypatch,
        "user",
        "create",
        "ada",
        "--role",
        role,
        "--email",
        "ada@example.org",
        "--password-stdin",
        "--person",
        "E1",
        stdin="a long pass phrase\n",
    )


def test_user_create_with_a_role_and_a_linked_person(
    people: dict[str, Person],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = create_ada(capsys, monkeypatch, "assessor")
    assert (code, err.strip()) == (0, "Created ada (assessor).")
    user = User.objects.get(username="ada")
    assert user.check_password("a long pass phrase")
    assert user.password.startswith("argon2")
    assert [g.name for g in user.groups.all()] == ["assessor"]
    assert Person.objects.get(email="ada@example.org").user == user
    code, _, _ = run(capsys, monkeypatch, "user", "set-role", "ada", "pmo-lead")
    assert code == 0
    assert [g.name for g in User.objects.get(username="ada").groups.all()] == ["pmo-lead"]
    assert AuditEntry.objects.filter(model="User", summary="ada: role pmo-lead").exists()


def test_user_create_refuses_weak_passwords_and_bad_input(
    people: dict[str, Person],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = run(
        capsys,
        monkeypatch,
        "user",
        "create",
        "bob",
        "--role",
        "member",
        "--email",
        "nope",
        "--password-stdin",
        "--person",
        "zed@example.org",
        stdin="short\n",
    )
    assert code == 2
    assert "--email: not an email address: 'nope'" in err
    assert "password: This password is too short." in err
    assert "--person: no person with the email or employee id 'zed@example.org'" in err
    assert not User.objects.filter(username="bob").exists()


def test_tokens_are_scoped_revocable_and_stored_hashed(
    people: dict[str, Person],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_ada(capsys, monkeypatch, "member")
    code, secret, _ = run(capsys, monkeypatch, "token", "create", "ada", "--name", "HR sync")
    assert code == 0
    secret = secret.strip()
    assert secret.startswith("cmp_")
    stored = ApiToken.objects.get()
    assert secret not in (stored.digest, stored.prefix)
    client = Client()
    auth = {"Authorization": f"Bearer {secret}"}
    ada = Person.objects.get(email="ada@example.org")
    assert client.get(f"/api/v1/people/{ada.pk}/results", headers=auth).status_code == 200
    assert client.get(f"/api/v1/people/{people['grace'].pk}", headers=auth).status_code == 403
    body = json.dumps({"ratings": [{"competence": 1, "knowledge": 1, "application": 1}]})
    write = client.put(
        "/api/v1/me/self-assessment", body, content_type="application/json", headers=auth
    )
    assert write.status_code == 403  # a read token cannot write
    code, out, _ = run(capsys, monkeypatch, "token", "list", "--json")
    assert json.loads(out)[0]["last_used_at"] is not None
    code, _, _ = run(capsys, monkeypatch, "token", "revoke", str(stored.pk))
    assert code == 0
    assert client.get(f"/api/v1/people/{ada.pk}/results", headers=auth).status_code == 401
    assert (
        client.get("/api/v1/framework", headers={"Authorization": "Bearer cmp_nope"}).status_code
        == 401
    )


def test_a_write_token_can_fill_in_the_self_assessment(
    people: dict[str, Person],
    cycles: list[Cycle],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_ada(capsys, monkeypatch, "member")
    _, secret, _ = run(
        capsys, monkeypatch, "token", "create", "ada", "--name", "app", "--scope", "write"
    )
    body = json.dumps({"ratings": [{"competence": 1, "knowledge": 1, "application": 1}]})
    response = Client().put(
        "/api/v1/me/self-assessment",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret.strip()}"},
    )
    assert response.status_code == 200, response.content
    assert AuditEntry.objects.filter(actor="ada", model="Rating").exists()


def test_the_command_line_asks_the_policy_for_the_user_given_with_as(
    people: dict[str, Person],
    cycles: list[Cycle],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_ada(capsys, monkeypatch, "member")
    run(
        capsys,
        monkeypatch,
        "user",
        "create",
        "boss",
        "--role",
        "admin",
        "--email",
        "boss@example.org",
        "--password-stdin",
        stdin="a long pass phrase\n",
    )
    assert run(capsys, monkeypatch, "--as", "ada", "history", "E1", "--json")[0] == 0
    code, out, err = run(capsys, monkeypatch, "--as", "ada", "history", "grace@example.org")
    assert (code, out) == (2, "")
    assert "--as ada: not allowed (member)" in err
    assert run(capsys, monkeypatch, "--as", "ada", "export", "--format", "json")[0] == 2
    assert run(capsys, monkeypatch, "--as", "ada", "person", "erase", "E2", "--yes")[0] == 2
    assert Person.objects.filter(email="grace@example.org").exists()
    assert run(capsys, monkeypatch, "--as", "boss", "export", "--format", "json")[0] == 0
    assert run(capsys, monkeypatch, "--as", "nobody", "export", "--format", "json")[0] == 2
    # Without --as, the shell user who can open the database acts as an administrator.
    assert run(capsys, monkeypatch, "history", "grace@example.org", "--json")[0] == 0


def test_as_a_member_framework_import_and_others_data_are_refused(
    people: dict[str, Person],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.conftest import CASE_FILES

    create_ada(capsys, monkeypatch, "assessor")
    case = CASE_FILES / "opensalt-utf8-framework.json"
    assert run(capsys, monkeypatch, "--as", "ada", "framework", "import", str(case))[0] == 2
    # Only a person (or an admin) downloads everything about a person.
    assert run(capsys, monkeypatch, "--as", "ada", "person", "data", "alan@example.org")[0] == 2
    assert run(capsys, monkeypatch, "--as", "ada", "person", "data", "E1")[0] == 0
