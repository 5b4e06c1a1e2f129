"""The JSON API: the same figures and field names as the pages and the CLI's --json."""

from __future__ import annotations

import json

from django.test import Client

from competence.cli import main
from competence.store.models import Assessment
from tests.conftest import EXAMPLES
from tests.web.conftest import Org, signed_in


def test_the_api_needs_a_session(client: Client, org: Org) -> None:
    assert client.get("/api/v1/framework").status_code == 401
    assert client.get(f"/api/v1/people/{org.ada.pk}/results").status_code == 401


def test_openapi_and_local_docs(org: Org) -> None:
    client = signed_in(org.ada_user)
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/people/{person_id}/gap" in spec["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui" in docs
    assert "cdn" not in docs.lower()


def test_framework_and_profiles_match_the_cli(org: Org, capsys: object) -> None:
    client = signed_in(org.ada_user)
    framework = client.get("/api/v1/framework").json()
    assert len(framework["competences"]) == 29
    profile = client.get("/api/v1/profiles/pmo-officer?context=project").json()
    assert sum(r["applicable"] for r in profile["requirements"]) == 26
    assert client.get("/api/v1/profiles/pmo-officer?context=team").status_code == 422
    assert client.get("/api/v1/profiles/nobody").status_code == 404
    diff = client.get("/api/v1/profiles/pmo-officer/diff/pmo-specialist").json()
    assert len(diff["changes"]) == 15


def test_post_gap_gives_the_cli_json(org: Org, capsys: object) -> None:
    import csv

    rows = list(csv.DictReader((EXAMPLES / "ada.csv").read_text().splitlines()))
    body = {
        "profile": "pmo-specialist",
        "context": "programme",
        "ratings": [
            {
                "competence": int(r["competence"]),
                "knowledge": int(r["knowledge"]),
                "application": int(r["application"]),
                "evidence": r["evidence"] or None,
            }
            for r in rows
        ],
    }
    client = signed_in(org.ada_user)
    response = client.post("/api/v1/gap", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert (
        main(
            ["gap", str(EXAMPLES / "ada.csv"), "-p", "pmo-specialist", "-c", "programme", "--json"]
        )
        == 0
    )
    expected = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    assert response.json() == expected


def test_invalid_input_gets_422_with_field_messages(org: Org) -> None:
    client = signed_in(org.ada_user)
    body = {
        "profile": "pmo-officer",
        "context": "project",
        "ratings": [{"competence": 1, "knowledge": 7}, {"competence": "nope"}],
    }
    response = client.post("/api/v1/gap", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    locations = [d["loc"] for d in response.json()["detail"]]
    assert ["body", "body", "ratings", 0, "knowledge"] in locations
    body["ratings"] = [{"competence": "nope"}]
    response = client.post("/api/v1/gap", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "ratings", 0, "competence"], "msg": "unknown competence 'nope'"}
    ]
    body = {"profile": "pmo-officer", "context": "team", "ratings": []}
    response = client.post("/api/v1/gap", json.dumps(body), content_type="application/json")
    assert response.status_code == 422


def test_people_results_and_gap_follow_the_policy(org: Org) -> None:
    ada = signed_in(org.ada_user)
    assert [p["email"] for p in ada.get("/api/v1/people").json()] == ["ada@example.org"]
    results = ada.get(f"/api/v1/people/{org.ada.pk}/results").json()
    assert results["officer"]["meets_profile"] is True
    assert results["specialist"]["profile"] == "pmo-specialist"
    assert len(results["officer"]["competences"]) == 29
    assert ada.get(f"/api/v1/people/{org.grace.pk}/results").status_code == 403
    gap = ada.get(f"/api/v1/people/{org.ada.pk}/gap?profile=pmo-officer").json()
    assert gap["meets_profile"] is True
    assert gap["context"] == "programme"
    lead = signed_in(org.lead)
    assert len(lead.get("/api/v1/people").json()) == 3
    assessments = lead.get(f"/api/v1/people/{org.ada.pk}/assessments").json()
    assert [(a["cycle"], a["kind"], a["status"]) for a in assessments][-1] == (
        "2025",
        "agreed",
        "signed-off",
    )
    one = lead.get(f"/api/v1/assessments/{assessments[0]['id']}").json()
    assert len(one["ratings"]) == 29
    assert ada.get(f"/api/v1/assessments/{assessments[0]['id']}").status_code == 200
    grace = signed_in(org.grace_user)
    assert grace.get(f"/api/v1/assessments/{assessments[0]['id']}").status_code == 403


def test_self_assessment_through_the_api(org: Org) -> None:
    client = signed_in(org.grace_user)
    body = {"ratings": [{"competence": "life-cycles", "knowledge": 3, "application": 3}]}
    response = client.put(
        "/api/v1/me/self-assessment", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "draft"
    assert client.post("/api/v1/me/self-assessment/submit").json()["status"] == "submitted"
    again = client.put(
        "/api/v1/me/self-assessment", json.dumps(body), content_type="application/json"
    )
    assert again.status_code == 409  # the state does not allow it (CONTRACT.md)
    assert "only a draft can be changed" in again.json()["detail"][0]["msg"]
    assert Assessment.objects.get(person=org.grace, kind="self").status == "submitted"


def test_unsafe_requests_need_the_csrf_token(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.grace_user)
    body = {"ratings": [{"competence": 1, "knowledge": 3, "application": 3}]}
    response = client.put(
        "/api/v1/me/self-assessment", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 403


def test_team_summary_has_the_team_views_figures(org: Org) -> None:
    assert signed_in(org.ada_user).get("/api/v1/team/summary").status_code == 403
    lead = signed_in(org.lead)
    summary = lead.get("/api/v1/team/summary").json()
    assert summary["people_count"] == 3
    coverage = {c["number"]: c for c in summary["coverage"]}
    assert coverage[1]["meets_officer"] == 1
    assert coverage[11]["applies_to"] == 2  # programme only: Ada and Grace
    programme = lead.get("/api/v1/team/summary?context=programme").json()
    assert programme["people_count"] == 2
    assert lead.get("/api/v1/team/summary?context=team").status_code == 422
    page = lead.get("/team").content.decode()
    assert f"{summary['people_count']} people." in page


def test_one_person_follows_the_policy(org: Org) -> None:
    ada = signed_in(org.ada_user)
    data = ada.get(f"/api/v1/people/{org.ada.pk}").json()
    assert data == {
        "id": org.ada.pk,
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "employee_id": "E1",
        "team": "Delivery / Finance PMO",
        "context": "programme",
        "profile": "pmo-specialist",
        "target_profile": None,
        "assessor": "grace@example.org",
        "left_on": None,
    }
    assert ada.get(f"/api/v1/people/{org.alan.pk}").status_code == 403
    assert ada.get("/api/v1/people/99999").status_code == 404


def test_a_body_that_is_not_json_is_invalid_input(org: Org) -> None:
    response = signed_in(org.ada_user).post("/api/v1/gap", "{nope", content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"detail": [{"loc": ["body"], "msg": "not valid JSON"}]}
