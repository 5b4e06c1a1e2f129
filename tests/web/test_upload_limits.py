"""The import page and the API under hostile input: a clear answer, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from competence.formats.limits import MAX_FILE_BYTES, MAX_JSON_DEPTH
from competence.store.models import Assessment
from tests.web.conftest import Org, signed_in

pytestmark = pytest.mark.django_db

DEEP = ('{"ratings": ' + "[" * 50_000 + "]" * 50_000 + "}").encode()


def test_an_upload_larger_than_the_limit_is_refused_before_it_is_read(org: Org) -> None:
    page = signed_in(org.lead).post(
        "/manage/import",
        {"file": SimpleUploadedFile("big.csv", b"person,competence\n")},
        CONTENT_LENGTH=str(MAX_FILE_BYTES + 1024 * 1024),
    )
    assert page.status_code == 413
    assert b"The file is too large" in page.content
    assert b"An import takes at most 256 MB" in page.content
    assert not Assessment.objects.filter(person=org.grace).exists()


def test_the_import_page_states_the_largest_file(org: Org) -> None:
    assert b"at most 256 MB" in signed_in(org.lead).get("/manage/import").content


def test_json_nested_too_deep_is_reported_on_the_import_page(org: Org) -> None:
    page = signed_in(org.lead).post(
        "/manage/import", {"file": SimpleUploadedFile("deep.json", DEEP)}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nothing was imported" in text
    assert f"deep.json, line 1: nesting deeper than {MAX_JSON_DEPTH} levels" in text


def test_json_nested_too_deep_is_invalid_input_on_the_api(org: Org) -> None:
    response = signed_in(org.grace_user).put(
        "/api/v1/me/self-assessment", DEEP, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body"], "msg": f"body, line 1: nesting deeper than {MAX_JSON_DEPTH} levels"}
    ]


def test_the_import_page_lists_the_first_100_problems_and_counts_the_rest(org: Org) -> None:
    rows = b"".join(b"nobody%d@example.org,1,3,3\n" % i for i in range(250))
    upload = SimpleUploadedFile("r.csv", b"person,competence,knowledge,application\n" + rows)
    text = signed_in(org.lead).post("/manage/import", {"file": upload}).content.decode()
    assert text.count("<li>r.csv, line ") == 100
    assert "... and 150 more problems" in text


def test_the_import_page_refuses_a_csv_cut_mid_row(org: Org) -> None:
    upload = SimpleUploadedFile(
        "r.csv", b"person,competence,knowledge,application\nalan@example.org,1,3,3\nalan@exa"
    )
    text = signed_in(org.lead).post("/manage/import", {"file": upload}).content.decode()
    assert "Nothing was imported" in text
    assert "r.csv, line 3: has 1 field where the header has 4" in text
    kept = Assessment.objects.get(person=org.alan, kind="self").ratings.get()
    assert (kept.knowledge, kept.application) == (2, 1)  # as it was before


TOO_LONG = "evidence: longer than 2000 characters (it has 2001)"


def test_the_api_and_the_form_give_the_evidence_limit_the_same_message(org: Org) -> None:
    client = signed_in(org.grace_user)
    response = client.put(
        "/api/v1/me/self-assessment",
        {"ratings": [{"competence": 1, "knowledge": 3, "evidence": "e" * 2001}]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "ratings", 0, "evidence"], "msg": TOO_LONG}
    ]
    page = client.post("/me/assessment", {"knowledge-1": "3", "evidence-1": "e" * 2001})
    assert TOO_LONG in page.content.decode()
    fetched = client.post(
        "/me/assessment",
        {"knowledge-1": "3", "evidence-1": "e" * 2001},
        headers={"X-Requested-With": "fetch"},
    )
    assert fetched.status_code == 422
    assert fetched.json()["errors"]["evidence-1"] == [TOO_LONG]
    assert not Assessment.objects.filter(person=org.grace).exists()
