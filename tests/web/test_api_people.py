"""The API twin of the people, teams and PMOs pages: the same services, policy and field names;
writes need a write-scope token or a session; 422 names each field, 403, 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from competence.services.accounts import create_token
from competence.store import audit
from competence.store.models import AuditEntry, Person, Pmo, Team
from tests.web.conftest import Org, signed_in, user


def token_client(org: Org, scope: str) -> Client:
    with audit.acting_as("test-setup"):
        _, secret = create_token(org.lead, f"integration-{scope}", scope)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, path: str, body: Any) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


NEW = {"name": "Edsger Dijkstra", "email": "Edsger@Example.org", "context": "project"}


def test_a_write_token_adds_changes_and_marks_a_person_as_left(org: Org) -> None:
    client = token_client(org, "write")
    made = send(client, "post", "/api/v1/people", {**NEW, "team": "Change"})
    assert made.status_code == 201, made.content
    data = made.json()
    assert {k: data[k] for k in ("email", "team", "profile", "assessor", "left_on")} == {
        "email": "edsger@example.org",
        "team": "Change",
        "profile": "pmo-officer",
        "assessor": None,
        "left_on": None,
    }
    changed = send(
        client,
        "patch",
        f"/api/v1/people/{data['id']}",
        {"team": "Delivery / Finance PMO", "assessor": "E1", "target_profile": "pmo-specialist"},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["team"] == "Delivery / Finance PMO"
    assert changed.json()["assessor"] == "ada@example.org"  # found by employee id
    assert changed.json()["name"] == "Edsger Dijkstra"  # not sent: kept
    left = send(client, "post", f"/api/v1/people/{data['id']}/leave", {"left_on": "2026-06-30"})
    assert left.json()["left_on"] == "2026-06-30"
    entry = AuditEntry.objects.filter(model="Person", object_id=str(data["id"])).last()
    assert entry is not None
    assert (entry.actor, entry.old, entry.new) == (
        "lead",
        {"left_on": None},
        {"left_on": "2026-06-30"},
    )


def test_a_read_token_cannot_write(org: Org) -> None:
    client = token_client(org, "read")
    assert client.get("/api/v1/teams").status_code == 200
    assert send(client, "post", "/api/v1/people", NEW).status_code == 403
    assert send(client, "patch", f"/api/v1/people/{org.alan.pk}", {"name": "X"}).status_code == 403
    assert Person.objects.get(pk=org.alan.pk).name == "Alan Turing"


def test_field_errors_name_the_field_and_nothing_is_written(org: Org) -> None:
    client = token_client(org, "write")
    answer = send(
        client,
        "post",
        "/api/v1/people",
        {**NEW, "email": "ada@example.org", "context": "galaxy", "profile": "nope"},
    )
    assert answer.status_code == 422
    fields = {d["loc"][-1] for d in answer.json()["detail"]}
    assert fields == {"email", "context", "profile"}
    assert Person.objects.count() == 3
    unknown = send(client, "patch", f"/api/v1/people/{org.alan.pk}", {"colour": "blue"})
    assert unknown.status_code == 422
    assert send(client, "patch", "/api/v1/people/999999", {"name": "X"}).status_code == 404


def test_bulk_assessor_is_all_or_nothing(org: Org) -> None:
    client = token_client(org, "write")
    body = {"people": [org.alan.pk, org.grace.pk], "assessor": "grace@example.org"}
    refused = send(client, "post", "/api/v1/people/bulk/assessor", body)
    assert refused.status_code == 422
    assert Person.objects.get(pk=org.alan.pk).assessor is None
    body["assessor"] = "ada@example.org"
    done = send(client, "post", "/api/v1/people/bulk/assessor", body)
    assert done.status_code == 200
    assert done.json()["count"] == 2
    assert {p["assessor"] for p in done.json()["items"]} == {"ada@example.org"}


def test_an_admin_erases_a_person_and_no_one_else_may(org: Org) -> None:
    assert signed_in(org.ada_user).delete(f"/api/v1/people/{org.alan.pk}").status_code == 403
    answer = token_client(org, "write").delete(f"/api/v1/people/{org.alan.pk}")
    assert answer.status_code == 200
    assert answer.json() == {"erased": org.alan.pk, "pseudonym": f"erased-person-{org.alan.pk}"}
    assert not Person.objects.filter(pk=org.alan.pk).exists()


def test_teams_and_pmos(org: Org) -> None:
    client = token_client(org, "write")
    pmo = send(client, "post", "/api/v1/pmos", {"name": "Project Office", "context": "project"})
    assert pmo.status_code == 201
    assert pmo.json() == {
        "id": pmo.json()["id"],
        "name": "Project Office",
        "context": "project",
        "leads": [],
    }
    team = send(client, "post", "/api/v1/teams", {"name": "Audit", "parent": "Change"})
    assert team.status_code == 201
    assert team.json()["path"] == "Change / Audit"
    change = Team.objects.get(name="Change")
    loop = send(client, "patch", f"/api/v1/teams/{change.pk}", {"parent": "Change / Audit"})
    assert loop.status_code == 422
    assert loop.json()["detail"][0]["loc"] == ["body", "parent"]
    moved = send(
        client,
        "patch",
        f"/api/v1/teams/{team.json()['id']}",
        {"parent": None, "pmo": pmo.json()["id"]},
    )
    assert moved.json()["path"] == "Audit"
    assert moved.json()["pmo"] == "Project Office"
    with audit.acting_as("test-setup"):
        user("linda").groups.add(Group.objects.get_or_create(name="pmo-lead")[0])
    led = send(client, "patch", f"/api/v1/pmos/{pmo.json()['id']}", {"leads": ["linda"]})
    assert led.json()["leads"] == ["linda"]
    assert Pmo.objects.get(name="Project Office").context == "project"
    assert [t["path"] for t in client.get("/api/v1/teams").json()][:2] == ["Audit", "Change"]
    assert send(client, "patch", "/api/v1/teams/999999", {"name": "X"}).status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/teams", {"name": "X"}), ("/api/v1/pmos", {"name": "X", "context": "project"})],
)
def test_only_admins_manage_teams(org: Org, path: str, body: dict[str, str]) -> None:
    member = signed_in(org.ada_user)
    assert member.get(path).status_code == 403
    assert send(member, "post", path, body).status_code == 403
    assert not Team.objects.filter(name="X").exists()
