"""The profiles in the API: every profile and version read by anyone signed in, in the field
names of `competence profile show --json`; created and updated by admins only, with 422 naming
each field at fault; a person's profile and target profile set by an admin."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from competence.cli import main
from competence.services import profiles
from competence.store.models import Person, ProfileVersion
from tests.web.conftest import Org, signed_in


def analyst(**changes: Any) -> dict[str, Any]:
    """PMO officer, copied: schedule management (23) raised to 4/4, transition management
    (11) dropped."""
    doc = profiles.export("pmo-officer")
    doc.pop("owner")
    doc["requirements"] = [
        {**r, "knowledge": 4, "application": 4} if r["competence"] == 23 else r
        for r in doc["requirements"]
        if r["competence"] != 11
    ]
    return {**doc, "id": "pmo-analyst", "name": "PMO analyst", **changes}


def send(client: Client, method: str, path: str, body: Any) -> Any:
    call = client.post if method == "POST" else client.put
    return call(path, json.dumps(body), content_type="application/json")


def test_every_profile_and_version_is_read_with_the_cli_field_names(org: Org, capsys: Any) -> None:
    admin = signed_in(org.lead)
    assert send(admin, "POST", "/api/v1/profiles", analyst()).status_code == 201
    assert send(admin, "PUT", "/api/v1/profiles/pmo-analyst", analyst(name="PMO analyst (2)"))
    member = signed_in(org.grace_user)
    listed = {p["id"]: p for p in member.get("/api/v1/profiles").json()}
    assert main(["profile", "list", "--json"]) == 0
    assert list(listed.values()) == json.loads(capsys.readouterr().out)
    assert (listed["pmo-analyst"]["version"], listed["pmo-analyst"]["owner"]) == (
        2,
        "organisation",
    )
    latest = member.get("/api/v1/profiles/pmo-analyst?context=programme").json()
    assert [v["version"] for v in latest.pop("versions")] == [1, 2]
    assert main(["profile", "show", "pmo-analyst", "--context", "programme", "--json"]) == 0
    assert latest == json.loads(capsys.readouterr().out)
    first = member.get("/api/v1/profiles/pmo-analyst/versions/1").json()
    assert main(["profile", "show", "pmo-analyst", "--version", "1", "--json"]) == 0
    assert first == json.loads(capsys.readouterr().out)
    assert first["name"] == "PMO analyst"
    assert first["version"] == 1
    assert member.get("/api/v1/profiles/pmo-analyst/versions/3").status_code == 404
    assert member.get("/api/v1/profiles/nobody").status_code == 404
    diff = member.get("/api/v1/profiles/pmo-officer/diff/pmo-analyst").json()
    assert [c["number"] for c in diff["changes"]] == [11, 23]


def test_only_admins_create_and_update_profiles(org: Org) -> None:
    for who in (org.grace_user, org.ada_user):
        client = signed_in(who)
        assert send(client, "POST", "/api/v1/profiles", analyst()).status_code == 403
        assert send(client, "PUT", "/api/v1/profiles/pmo-officer", analyst()).status_code == 403
    assert send(Client(), "POST", "/api/v1/profiles", analyst()).status_code == 401
    assert not ProfileVersion.objects.filter(profile_id="pmo-analyst").exists()


def test_a_bad_profile_gets_422_naming_each_field_and_nothing_is_stored(org: Org) -> None:
    admin = signed_in(org.lead)
    bad = analyst()
    bad["requirements"][0]["knowledge"] = 9
    bad["requirements"][1]["contexts"] = ["everywhere"]
    response = send(admin, "POST", "/api/v1/profiles", bad)
    assert response.status_code == 422
    assert sorted((e["loc"], e["msg"]) for e in response.json()["detail"]) == [
        (["body", "requirements", 0, "knowledge"], "9 is greater than the maximum of 5"),
        (
            ["body", "requirements", 1, "contexts", 0],
            "'everywhere' is not one of ['project', 'programme', 'portfolio']",
        ),
    ]
    rule = {
        "kind": "builds-on",
        "statement": "",
        "base_profile": "nobody",
        "required": [23],
        "specialisms": [26],
        "deciding": [28],
        "at_least": 1,
    }
    response = send(admin, "POST", "/api/v1/profiles", analyst(rule=rule))
    assert response.status_code == 422
    locs = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert locs[("body", "rule", "deciding")] == "28 is not in rule.specialisms"
    apm = send(admin, "PUT", "/api/v1/profiles/pmo-officer", profiles.export("pmo-officer"))
    assert apm.status_code == 422
    assert apm.json()["detail"][0]["loc"] == ["body", "id"]
    assert send(admin, "PUT", "/api/v1/profiles/nobody", analyst()).status_code == 404
    assert send(admin, "POST", "/api/v1/profiles", [1, 2]).status_code == 422
    too_big = analyst(description="x" * 1_000_001)
    assert send(admin, "POST", "/api/v1/profiles", too_big).status_code == 413
    assert not ProfileVersion.objects.filter(profile_id="pmo-analyst").exists()


def test_create_refuses_an_existing_id_and_update_publishes_the_next_version(org: Org) -> None:
    admin = signed_in(org.lead)
    made = send(admin, "POST", "/api/v1/profiles", analyst())
    assert made.status_code == 201
    assert (made.json()["id"], made.json()["version"]) == ("pmo-analyst", 1)
    again = send(admin, "POST", "/api/v1/profiles", analyst())
    assert again.status_code == 422
    assert again.json()["detail"][0]["loc"] == ["body", "id"]
    other = send(admin, "PUT", "/api/v1/profiles/pmo-analyst", analyst(id="pmo-other"))
    assert other.status_code == 422
    body = analyst()
    del body["id"]  # the path names the profile
    updated = send(admin, "PUT", "/api/v1/profiles/pmo-analyst", body)
    assert updated.status_code == 200
    assert updated.json()["version"] == 2
    assert ProfileVersion.objects.filter(profile_id="pmo-analyst").count() == 2


def test_an_admin_sets_a_persons_profile_and_target_profile(org: Org) -> None:
    admin = signed_in(org.lead)
    send(admin, "POST", "/api/v1/profiles", analyst())
    path = f"/api/v1/people/{org.grace.pk}/profile"
    body = {"profile": "pmo-analyst", "target_profile": "pmo-specialist"}
    assert send(signed_in(org.grace_user), "PUT", path, body).status_code == 403
    done = send(admin, "PUT", path, body)
    assert done.status_code == 200
    assert (done.json()["profile"], done.json()["target_profile"]) == (
        "pmo-analyst",
        "pmo-specialist",
    )
    grace = Person.objects.get(pk=org.grace.pk)
    assert (grace.profile, grace.target_profile) == ("pmo-analyst", "pmo-specialist")
    wrong = send(admin, "PUT", path, {"profile": "nobody", "target_profile": None})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "profile"]
    assert Person.objects.get(pk=org.grace.pk).profile == "pmo-analyst"
    assert send(admin, "PUT", "/api/v1/people/999999/profile", body).status_code == 404
