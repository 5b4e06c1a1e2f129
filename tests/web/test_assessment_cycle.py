"""The self-assessment's cycle on the web: check your answers, then submit; withdraw until the
review starts; a save from an older version is refused with what changed (two real clients);
nothing is lost when the session ends or the CSRF check fails."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from competence.store.models import Assessment, Person
from competence.store.models import Rating as RatingRow
from tests.web.conftest import PASSWORD, Org, signed_in

FETCH = {"X-Requested-With": "fetch"}


def levels(person: Person, kind: str = "self") -> dict[int, tuple[int | None, int | None]]:
    a = Assessment.objects.get(person=person, kind=kind)
    return {r.competence: (r.knowledge, r.application) for r in a.ratings.all()}


def test_check_answers_lists_every_competence_names_the_unrated_and_gives_the_verdict(
    org: Org,
) -> None:
    grace = signed_in(org.grace_user)
    grace.post("/me/assessment", {"knowledge-1": "3", "application-1": "2", "version": "0"})
    page = grace.get("/me/assessment/check").content.decode()
    assert "Check your answers before you submit" in page
    assert page.count('class="summary-row') == 28  # every competence that applies (programme)
    assert "27 competences not rated yet" in page
    assert 'href="/me/assessment#competence-2">Rate 2. Governance arrangements</a>' in page
    assert "Knowledge: 3 Competent · Application: 2 Practised" in page
    assert "<strong>PMO officer:</strong> not yet met" in page
    assert "I submit without rating 27 competences" in page


def test_an_incomplete_submission_needs_a_confirmation_naming_how_many(org: Org) -> None:
    grace = signed_in(org.grace_user)
    grace.post("/me/assessment", {"knowledge-1": "3", "application-1": "2", "version": "0"})
    for confirmation in ({}, {"confirm_unrated": "1"}):
        refused = grace.post("/me/assessment/check", {"version": "1", **confirmation})
        assert refused.status_code == 422
        assert "27 competences are not rated yet" in refused.content.decode()
        assert Assessment.objects.get(person=org.grace, kind="self").status == "draft"
    done = grace.post("/me/assessment/check", {"version": "1", "confirm_unrated": "27"})
    assert done.status_code == 302
    assert Assessment.objects.get(person=org.grace, kind="self").status == "submitted"


def test_a_complete_submission_needs_no_confirmation(org: Org) -> None:
    ada = signed_in(org.ada_user)  # a specialist in a programme PMO: all 29 apply
    answers = {f"{axis}-{n}": "3" for n in range(1, 30) for axis in ("knowledge", "application")}
    ada.post("/me/assessment", {**answers, "version": "0"})
    page = ada.get("/me/assessment/check").content.decode()
    assert "not rated yet" not in page
    assert 'name="confirm_unrated"' not in page
    assert ada.post("/me/assessment/check", {"version": "1"}).status_code == 302
    assert Assessment.objects.get(person=org.ada, kind="self", cycle=org.cycles[1]).status == (
        "submitted"
    )


def test_a_person_withdraws_until_the_review_starts_and_the_assessor_is_told(org: Org) -> None:
    org.grace_user.groups.add(Group.objects.create(name="assessor"))
    ada, grace = signed_in(org.ada_user), signed_in(org.grace_user)
    ada.post("/me/assessment", {"knowledge-1": "4", "application-1": "4", "version": "0"})
    ada.post("/me/assessment/check", {"version": "1", "confirm_unrated": "28"})
    page = ada.get("/me/assessment").content.decode()
    assert "Withdraw my submission" in page
    mail.outbox.clear()
    assert ada.post("/me/assessment/withdraw").status_code == 302
    own = Assessment.objects.get(person=org.ada, kind="self", cycle=org.cycles[1])
    assert own.status == "draft"
    assert [m.to for m in mail.outbox] == [["grace@example.org"]]
    assert "withdrew" in mail.outbox[0].subject
    # Submitted again; once the assessor has saved ratings, it is too late.
    ada.post("/me/assessment/check", {"version": str(own.version), "confirm_unrated": "28"})
    grace.post(
        f"/people/{org.ada.pk}/review",
        {"action": "save", "knowledge-1": "3", "application-1": "3", "version": "0"},
    )
    assert "Withdraw my submission" not in ada.get("/me/assessment").content.decode()
    ada.post("/me/assessment/withdraw")
    own.refresh_from_db()
    assert own.status == "submitted"
    api = ada.post("/api/v1/me/self-assessment/withdraw")
    assert api.status_code == 409
    assert "assessor has started the review" in api.json()["detail"][0]["msg"]


def test_two_tabs_the_second_save_is_refused_with_what_changed_and_nothing_is_lost(
    org: Org,
) -> None:
    one, two = signed_in(org.grace_user), signed_in(org.grace_user)
    assert (
        '<input type="hidden" name="version" value="0"'
        in one.get("/me/assessment").content.decode()
    )
    assert (
        '<input type="hidden" name="version" value="0"'
        in two.get("/me/assessment").content.decode()
    )
    saved = one.post(
        "/me/assessment", {"knowledge-1": "5", "application-1": "5", "version": "0"}, headers=FETCH
    )
    assert saved.json()["saved"] is True
    # Tab 2 still shows competence 1 as not rated, and saves competence 2.
    late = two.post(
        "/me/assessment", {"knowledge-2": "2", "application-2": "2", "version": "0"}, headers=FETCH
    )
    assert late.status_code == 409
    body = late.json()
    assert body["conflict"] is True
    assert body["version"] == 1
    assert [c["competence"] for c in body["changes"]] == [1, 2]
    assert body["changes"][0]["name"] == "Life cycles"
    assert body["changes"][0]["saved"]["knowledge"] == 5
    assert levels(org.grace) == {1: (5, 5)}
    # Without JavaScript: the page says what differs and offers to keep either.
    page = two.post("/me/assessment", {"knowledge-2": "2", "application-2": "2", "version": "0"})
    assert page.status_code == 409
    text = page.content.decode()
    assert "Your self-assessment changed since you opened this page" in text
    assert "1. Life cycles" in text
    assert '<input type="hidden" name="version" value="1">' in text
    assert '<input type="hidden" name="knowledge-2" value="2">' in text
    assert "Keep the saved ones" in text
    # Keep mine, as the page's script does it: only the competences this tab changed, sent
    # again with the version stored now; what the other tab saved stays.
    kept = two.post(
        "/me/assessment",
        {"knowledge-2": "2", "application-2": "2", "version": "1", "competences": "2"},
        headers=FETCH,
    )
    assert kept.json()["saved"] is True
    assert levels(org.grace) == {1: (5, 5), 2: (2, 2)}
    # The page without the script sends the whole form: keeping it keeps all of its answers.
    whole = two.post("/me/assessment", {"knowledge-2": "2", "application-2": "2", "version": "2"})
    assert whole.status_code == 302
    assert levels(org.grace) == {2: (2, 2)}


def test_the_api_refuses_a_save_from_an_older_version(org: Org) -> None:
    one, two = signed_in(org.grace_user), signed_in(org.grace_user)

    def put(client: Client, version: int, competence: int) -> Any:
        body = {
            "version": version,
            "ratings": [{"competence": competence, "knowledge": 4, "application": 4}],
        }
        return client.put(
            "/api/v1/me/self-assessment", json.dumps(body), content_type="application/json"
        )

    first = put(one, 0, 1)
    assert first.status_code == 200
    assert first.json()["version"] == 1
    late = put(two, 0, 2)
    assert late.status_code == 409
    assert late.json()["version"] == 1
    assert late.json()["changes"][0]["competence"] == 2
    assert levels(org.grace) == {1: (4, 4)}
    assert put(two, 1, 2).status_code == 200
    assert levels(org.grace) == {1: (4, 4), 2: (4, 4)}


def test_the_review_open_for_the_assessor_and_an_admin_keeps_the_first_save(org: Org) -> None:
    org.grace_user.groups.add(Group.objects.create(name="assessor"))
    assessor, admin = signed_in(org.grace_user), signed_in(org.lead)
    for client in (assessor, admin):
        page = client.get(f"/people/{org.ada.pk}/review").content.decode()
        assert '<input type="hidden" name="version" value="0">' in page
    assessor.post(
        f"/people/{org.ada.pk}/review",
        {"action": "save", "knowledge-1": "4", "application-1": "3", "version": "0"},
    )
    response = admin.post(
        f"/people/{org.ada.pk}/review",
        {"action": "save", "knowledge-1": "2", "application-1": "2", "version": "0"},
        follow=True,
    )
    text = response.content.decode()
    assert "changed since it was opened" in text
    assert "Life cycles: saved 4/3, yours 2/2" in text
    assert levels(org.ada, "assessor") == {1: (4, 3)}


def test_a_form_posted_after_the_session_ended_is_kept_and_saved_after_sign_in(
    org: Org,
) -> None:
    client = Client()
    assert client.post("/signin", {"username": "grace", "password": PASSWORD}).status_code == 302
    client.get("/me/assessment")
    client.cookies.pop("sessionid")  # the session has ended
    answers = {"knowledge-1": "4", "application-1": "3", "evidence-1": "Gate reviews"}
    # The page's script is told to sign in again (it keeps the answers in the browser).
    script = client.post("/me/assessment", {**answers, "version": "0"}, headers=FETCH)
    assert script.status_code == 401
    assert script.json()["signin"] == "/signin?next=%2Fme%2Fassessment"
    # Without the script, the form is kept and the person sent to sign in.
    response = client.post("/me/assessment", {**answers, "action": "save", "version": "0"})
    assert response.status_code == 302
    assert response["Location"].startswith("/signin?next=")
    assert not Assessment.objects.filter(person=org.grace, kind="self").exists()
    signin = client.post(
        "/signin?next=/me/assessment",
        {"username": "grace", "password": PASSWORD, "next": "/me/assessment"},
    )
    assert signin["Location"] == "/me/assessment"
    back = client.get("/me/assessment", follow=True)
    assert "Your answers from before you signed in again are saved" in back.content.decode()
    assert levels(org.grace) == {1: (4, 3)}
    row = RatingRow.objects.get(assessment__person=org.grace, competence=1)
    assert (row.evidence, row.rated_by) == ("Gate reviews", "grace")
    # Sent once: opening the page again changes nothing.
    assert "signed in again" not in client.get("/me/assessment").content.decode()


def test_a_csrf_failure_shows_our_page_with_the_answers_kept(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.grace_user)
    response = client.post(
        "/me/assessment", {"knowledge-1": "4", "application-1": "3", "version": "0"}
    )
    assert response.status_code == 403
    text = response.content.decode()
    assert "Your form was not sent" in text
    assert "its security check failed" in text
    assert '<input type="hidden" name="knowledge-1" value="4">' in text
    assert 'name="csrfmiddlewaretoken"' in text  # a fresh check, to send it again
    assert "Send it again" in text
    script = client.post("/me/assessment", {"knowledge-1": "4"}, headers=FETCH)
    assert script.status_code == 403
    assert script.json()["csrf"] is True


def test_the_evidence_limit_is_stated_and_counted(org: Org) -> None:
    page = signed_in(org.grace_user).get("/me/assessment").content.decode()
    assert "up to 2000 characters" in page
    assert 'maxlength="2000"' in page
    assert 'aria-describedby="evidence-1-count"' in page
    assert 'id="evidence-1-count" data-counter-for="id_evidence-1" data-limit="2000"' in page


def test_the_overview_links_every_competence_and_the_next_unrated(org: Org) -> None:
    grace = signed_in(org.grace_user)
    grace.post("/me/assessment", {"knowledge-1": "3", "application-1": "2", "version": "0"})
    page = grace.get("/me/assessment").content.decode()
    assert page.count("data-overview-item=") == 28
    assert 'href="#competence-2" data-next-unrated>Next unrated</a>' in page


def test_a_csrf_failure_never_shows_a_password(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/signin", {"username": "grace", "password": PASSWORD})
    assert response.status_code == 403
    text = response.content.decode()
    assert "its security check failed" in text
    assert PASSWORD not in text
    assert 'href="/signin">Open the page again</a>' in text


def test_withdrawing_after_the_session_ended_comes_back_to_the_form(org: Org) -> None:
    response = Client().post("/me/assessment/withdraw")
    assert response.status_code == 302
    assert response["Location"] == "/signin?next=/me/assessment"
