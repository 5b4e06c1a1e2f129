"""Evidence on the self-assessment page, the review page and the API: a confidence and links per
rating, files attached and served only to those the policy lets see the assessment."""

from __future__ import annotations

import json
from base64 import b64encode

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from competence.domain.evidence import MAX_FILE_BYTES
from competence.services import accounts, records
from competence.store import audit
from competence.store.models import Assessment, EvidenceFile, Person
from competence.store.models import Rating as RatingRow
from competence.web.views.evidence import UPLOAD_LIMIT
from tests.evidence_files import exe, pdf, png
from tests.web.conftest import Org, signed_in, submit_self_assessment, user

LINK = "https://wiki.example.org/gate-reviews"


def attach(client: Client, number: int, name: str, content: bytes) -> list[str]:
    """Attach a file to a rating; return the messages the page then shows."""
    response = client.post(
        "/me/assessment/evidence",
        {f"file-{number}": SimpleUploadedFile(name, content), "attach": str(number)},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_a_real_png_is_attached_and_served_as_a_download(org: Org) -> None:
    grace = signed_in(org.grace_user)
    assert attach(grace, 3, "gate review.png", png()) == [
        "Attached gate review.png to competence 3."
    ]
    (kept,) = EvidenceFile.objects.all()
    assert kept.assessment.person == org.grace
    assert kept.assessment.status == "draft"  # a draft was made to hold it
    page = grace.get("/me/assessment").content.decode()
    assert f'href="/evidence/{kept.pk}"' in page
    assert 'aria-label="Remove gate review.png"' in page
    response = grace.get(f"/evidence/{kept.pk}")
    assert response.status_code == 200
    assert response.content == png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="gate review.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # In the person's own data download, with its bytes.
    mine = grace.get("/me/data.json").json()
    (file,) = [f for a in mine["assessments"] for f in a["evidence_files"]]
    assert (file["name"], file["content_base64"]) == ("gate review.png", b64encode(png()).decode())
    # Removed again.
    removed = grace.post("/me/assessment/evidence", {"remove": str(kept.pk)}, follow=True)
    assert [str(m) for m in removed.context["messages"]] == ["Removed 1 file."]
    assert not EvidenceFile.objects.exists()


def test_a_renamed_program_and_an_oversized_file_are_refused(org: Org) -> None:
    grace = signed_in(org.grace_user)
    (problem,) = attach(grace, 1, "holiday.png", exe())
    assert problem.startswith("file for competence 1: holiday.png: not a file type we accept")
    (problem,) = attach(grace, 1, "big.pdf", pdf() + b" " * MAX_FILE_BYTES)
    assert "a file has at most 5,242,880 bytes (5 MiB)" in problem
    assert not EvidenceFile.objects.exists()


def test_a_request_over_the_upload_limit_is_refused_unread(org: Org) -> None:
    grace = signed_in(org.grace_user)
    response = grace.generic(
        "POST",
        "/me/assessment/evidence",
        b"--x--",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(UPLOAD_LIMIT + 1),
    )
    assert response.status_code == 413
    assert "At most 3 files of 5 MiB each at a time" in response.content.decode()


def test_attaching_needs_the_csrf_token(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.grace_user)
    response = client.post("/me/assessment/evidence", {"file-1": SimpleUploadedFile("a", png())})
    assert response.status_code == 403
    assert not EvidenceFile.objects.exists()


def test_only_those_who_may_see_the_assessment_fetch_its_files(org: Org) -> None:
    with audit.acting_as("test-setup"):
        assessor = Group.objects.get_or_create(name="assessor")[0]
        bob_user, carol_user = user("bob"), user("carol")
        for u in (bob_user, carol_user):
            u.groups.add(assessor)
        bob = Person.objects.create(
            name="Bob", email="bob@example.org", context="programme", user=bob_user
        )
        carol = Person.objects.create(
            name="Carol", email="carol@example.org", context="project", user=carol_user
        )
        Person.objects.filter(pk=org.grace.pk).update(assessor=bob)
        Person.objects.filter(pk=org.alan.pk).update(assessor=carol)
    grace = signed_in(org.grace_user)
    attach(grace, 1, "notes.txt", b"Ran the stage gates.\n")
    (kept,) = EvidenceFile.objects.all()
    url = f"/evidence/{kept.pk}"
    assert grace.get(url).status_code == 200  # the person
    assert signed_in(bob_user).get(url).status_code == 200  # their assessor
    assert signed_in(org.lead).get(url).status_code == 200  # an admin
    assert signed_in(carol_user).get(url).status_code == 403  # another person's assessor
    assert signed_in(org.ada_user).get(url).status_code == 403  # another officer
    assert Client().get(url).status_code == 302  # not signed in: to the sign-in page
    assert grace.get(f"/evidence/{kept.pk + 1}").status_code == 404
    # The API answers the same way.
    assert grace.get(f"/api/v1/evidence/{kept.pk}").content == b"Ran the stage gates.\n"
    assert signed_in(carol_user).get(f"/api/v1/evidence/{kept.pk}").status_code == 403
    assert Client().get(f"/api/v1/evidence/{kept.pk}").status_code == 401


def test_a_submitted_self_assessment_takes_no_file(org: Org) -> None:
    grace = signed_in(org.grace_user)
    submit_self_assessment(grace, {"knowledge-1": "3", "application-1": "3"})
    shown = attach(grace, 1, "late.png", png())
    assert any("already submitted; only a draft takes or loses evidence files" in m for m in shown)
    assert not EvidenceFile.objects.exists()


def test_the_form_saves_a_confidence_and_links_and_refuses_a_bad_link(org: Org) -> None:
    grace = signed_in(org.grace_user)
    page = grace.get("/me/assessment").content.decode()
    assert '<label for="id_confidence-1">How sure are you of this rating?' in page
    assert '<option value="fairly sure">Fairly sure</option>' in page
    saved = grace.post(
        "/me/assessment",
        {
            "knowledge-1": "3",
            "application-1": "2",
            "confidence-1": "fairly sure",
            "links-1": f"{LINK}\nhttps://example.org/b",
        },
        headers={"X-Requested-With": "fetch"},
    )
    assert saved.json()["saved"] is True
    row = RatingRow.objects.get(assessment__person=org.grace, competence=1)
    assert (row.confidence, row.evidence_links) == (2, [LINK, "https://example.org/b"])
    page = grace.get("/me/assessment").content.decode()
    assert '<option value="fairly sure" selected>Fairly sure</option>' in page
    assert f"{LINK}\nhttps://example.org/b</textarea>" in page
    bad = grace.post(
        "/me/assessment",
        {"knowledge-1": "3", "links-1": "javascript:alert(1)"},
        headers={"X-Requested-With": "fetch"},
    )
    assert bad.status_code == 422
    assert "http:// or https://" in bad.json()["errors"]["links-1"][0]
    row.refresh_from_db()
    assert row.evidence_links == [LINK, "https://example.org/b"]  # nothing was saved


def test_the_review_page_shows_the_confidence_links_and_files(org: Org) -> None:
    with audit.acting_as("test-setup"):
        accounts.set_role(org.grace_user, "assessor")  # grace assesses ada
    ada = signed_in(org.ada_user)
    ada.post(
        "/me/assessment",
        {"knowledge-1": "4", "application-1": "3", "confidence-1": "not sure", "links-1": LINK},
    )
    attach(ada, 1, "gates.pdf", pdf())
    (kept,) = EvidenceFile.objects.all()
    with audit.acting_as("ada"):
        records.submit(Assessment.objects.get(person=org.ada, kind="self", cycle=org.cycles[1]))
    page = signed_in(org.grace_user).get(f"/people/{org.ada.pk}/review").content.decode()
    assert "Not sure" in page
    assert f'<a href="{LINK}" rel="noopener noreferrer nofollow"' in page
    assert f'href="/evidence/{kept.pk}"' in page
    assert signed_in(org.grace_user).get(f"/evidence/{kept.pk}").status_code == 200


def test_the_api_reads_and_writes_confidence_and_links_and_refuses_unknown_fields(
    org: Org,
) -> None:
    grace = signed_in(org.grace_user)
    body = {
        "ratings": [
            {
                "competence": 1,
                "knowledge": 3,
                "application": 3,
                "confidence": "sure",
                "evidence_links": [LINK],
            }
        ]
    }
    response = grace.put(
        "/api/v1/me/self-assessment", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    (rating,) = response.json()["ratings"]
    assert (rating["confidence"], rating["evidence_links"]) == ("sure", [LINK])
    assert response.json()["evidence_files"] == []
    attach(grace, 1, "notes.txt", b"notes\n")
    (kept,) = EvidenceFile.objects.all()
    one = grace.get(f"/api/v1/people/{org.grace.pk}/assessments").json()[-1]
    (file,) = one["evidence_files"]
    assert (file["name"], file["url"], file["size"]) == (
        "notes.txt",
        f"/api/v1/evidence/{kept.pk}",
        6,
    )
    for wrong, field in (
        ({"confidence": "certain"}, "confidence"),
        ({"evidence_links": ["ftp://example.org"]}, "evidence_links"),
        ({"sureness": "sure"}, "sureness"),
    ):
        bad = {"ratings": [{"competence": 1, "knowledge": 3, **wrong}]}
        refused = grace.put(
            "/api/v1/me/self-assessment", json.dumps(bad), content_type="application/json"
        )
        assert refused.status_code == 422, wrong
        assert field in json.dumps(refused.json()["detail"]), wrong
    row = RatingRow.objects.get(assessment__person=org.grace, competence=1)
    assert (row.confidence, row.evidence_links) == (3, [LINK])  # nothing was changed


def test_the_results_and_the_report_show_the_confidence_and_links(org: Org) -> None:
    grace = signed_in(org.grace_user)
    submit_self_assessment(
        grace,
        {"knowledge-1": "3", "application-1": "3", "confidence-1": "sure", "links-1": LINK},
    )
    data = grace.get(f"/api/v1/people/{org.grace.pk}/results").json()
    assert data["evidence"] == [
        {
            "number": 1,
            "name": "Life cycles",
            "evidence": "",
            "confidence": "sure",
            "evidence_links": [LINK],
        }
    ]
    page = grace.get(f"/people/{org.grace.pk}").content.decode()
    assert f'<a href="{LINK}" rel="noopener noreferrer nofollow">' in page
    report = grace.get(f"/people/{org.grace.pk}/report.html").content.decode()
    assert LINK in report
