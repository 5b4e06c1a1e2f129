"""The JSON API: the same figures and field names as the pages and the CLI's --json."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from competence.cli import main
from competence.services.accounts import create_token
from competence.store import audit
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


def bearer(user: User, scope: str = "read") -> Client:
    with audit.acting_as("test-setup"):
        secret = create_token(user, "docs", scope=scope)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_token_fetches_the_description_and_the_docs(org: Org) -> None:
    reader = bearer(org.ada_user)
    spec = reader.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["openapi"].startswith("3.")
    docs = reader.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "/static/ninja/swagger-ui" in docs.content.decode()
    wrong = Client(HTTP_AUTHORIZATION="Bearer cmp_not-a-token").get("/api/v1/openapi.json")
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Unauthorized"}
    assert Client().get("/api/v1/openapi.json").status_code == 302  # to sign in


def test_every_operation_declares_its_errors_and_security(org: Org) -> None:
    spec = bearer(org.ada_user).get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    missing = {}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            lacking = [s for s in ("401", "403", "404", "409", "422") if s not in
                       json.loads(json.dumps(operation["responses"]))]  # fmt: skip
            if "requestBody" in operation and "413" not in json.dumps(operation["responses"]):
                lacking.append("413")
            if operation.get("security") != [{"TokenAuth": []}, {"SessionAuth": []}]:
                lacking.append("security")
            if lacking:
                missing[f"{method} {path}"] = lacking
    assert missing == {}


def test_error_bodies_match_the_declared_schemas(org: Org) -> None:
    import jsonschema

    spec = signed_in(org.ada_user).get("/api/v1/openapi.json").json()

    def check(response: Any, status: int, schema: str = "Error") -> None:
        assert response.status_code == status
        jsonschema.validate(
            response.json(),
            {"$ref": f"#/components/schemas/{schema}", "components": spec["components"]},
        )

    ada = signed_in(org.ada_user)
    check(Client().get("/api/v1/people"), 401)
    check(ada.get(f"/api/v1/people/{org.grace.pk}"), 403)
    check(ada.get("/api/v1/people/999999"), 404)
    check(bearer(org.ada_user).post(f"/api/v1/people/{org.ada.pk}/plan/generate"), 403)
    check(ada.post("/api/v1/gap", "{}", content_type="application/json"), 422)
    check(ada.get("/api/v1/people/nope"), 422)
    body = {"ratings": [{"competence": 1, "knowledge": 3}], "version": 0}
    saved = ada.put("/api/v1/me/self-assessment", json.dumps(body), content_type="application/json")
    assert saved.status_code == 200
    body = {"ratings": [{"competence": 1, "knowledge": 1}], "version": 0}
    stale = ada.put("/api/v1/me/self-assessment", json.dumps(body), content_type="application/json")
    check(stale, 409, "ConflictError")
    assert stale.json()["version"] == saved.json()["version"]


def test_the_footer_links_to_the_api_docs(org: Org) -> None:
    page = signed_in(org.ada_user).get("/framework").content.decode()
    assert '<a href="/api/v1/docs">API documentation</a>' in page


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
