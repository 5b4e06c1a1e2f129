"""The review workflow in the web app: the assessor's ratings beside the self-assessment,
differences of two levels flagged, comments, agreement and sign-off, with email notices."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from competence.data import load_catalogue
from competence.domain import Rating
from competence.services import catalogue, records, review
from competence.store import audit
from competence.store.models import Assessment, AuditEntry, Comment, Reply
from tests.web.conftest import Org, signed_in, submit_self_assessment


def test_the_review_is_two_way_and_sign_off_locks_the_cycle(org: Org) -> None:
    org.grace_user.groups.add(Group.objects.create(name="assessor"))
    ada, grace = signed_in(org.ada_user), signed_in(org.grace_user)
    review_url, results_url = f"/people/{org.ada.pk}/review", f"/people/{org.ada.pk}"
    # Ada fills in and submits; Grace, her assessor, is told.
    mail.outbox.clear()
    submit_self_assessment(ada, {**every_rating(3, 3), "knowledge-1": "4", "application-1": "1"})
    assert [m.to for m in mail.outbox] == [["grace@example.org"]]
    assert "Ada Lovelace submitted" in mail.outbox[0].subject
    listing = grace.get("/review").content.decode()
    assert f'href="/people/{org.ada.pk}/review"' in listing
    assert ada.get(review_url).status_code == 403  # not her own reviewer
    # Grace enters her own ratings and a comment; 4 against 1 on application is flagged.
    response = grace.post(
        review_url,
        {
            "action": "save",
            "knowledge-1": "4",
            "application-1": "3",
            "knowledge-2": "3",
            "application-2": "3",
            "comment-1": "Ran the gate reviews for the ERP programme",
        },
    )
    assert response.status_code == 302
    page = grace.get(review_url).content.decode()
    assert "1 competence differs by 2 levels or more" in page
    assert "Ran the gate reviews for the ERP programme" in page
    assert Comment.objects.get().author == "grace"
    # Her draft is hers alone: Ada sees nothing of it yet, and it cannot be agreed yet.
    assert "Your assessor's review" not in ada.get(results_url).content.decode()
    assert ada.get(f"/api/v1/people/{org.ada.pk}/review").status_code == 404
    grace.post(review_url, {"action": "agree"})
    assert not Assessment.objects.filter(person=org.ada, kind="agreed", cycle=org.cycles[1])
    # She sends her review once she has rated every competence that applies.
    mail.outbox.clear()
    grace.post(review_url, {"action": "send", "knowledge-1": "4", "application-1": "3"})
    assert not mail.outbox
    assert records.assessment_of(org.ada, org.cycles[1], "assessor").status == "draft"  # type: ignore[union-attr]
    grace.post(review_url, {"action": "copy-all", "knowledge-1": "4", "application-1": "3"})
    # Grace sends her review: Ada is told, and sees the ratings, the difference and the comment.
    grace.post(review_url, {**every_rating(3, 3), "action": "send", "knowledge-1": "4",
                            "application-1": "3"})  # fmt: skip
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert "accept each one or reply" in mail.outbox[0].body
    page = ada.get(results_url).content.decode()
    assert "Your assessor's review, cycle 2026" in page
    assert "you 1, assessor 3 (+2)" in page
    assert "Ran the gate reviews for the ERP programme" in page
    assert 'name="answer-1" value="accept" required' in page  # it differs: her choice
    assert 'name="answer-2" value="accept" checked' in page  # the same: accepted by default
    # Grace can no longer change what Ada answers.
    grace.post(review_url, {"action": "save", "knowledge-1": "0"})
    theirs = Assessment.objects.get(person=org.ada, cycle=org.cycles[1], kind="assessor")
    assert theirs.ratings.get(competence=1).knowledge == 4
    # Ada must answer where the ratings differ; she replies, and Grace is told.
    answers_url = f"{results_url}/review/answers"
    assert grace.post(answers_url, {"answer-1": "accept"}).status_code == 403  # Ada's step
    ada.post(answers_url, {"answer-2": "accept"})
    theirs.refresh_from_db()
    assert theirs.status == "submitted"
    mail.outbox.clear()
    ada.post(answers_url, {"answer-1": "reply", "reply-1": "I led the risk workshops too"})
    theirs.refresh_from_db()
    assert theirs.status == "reviewed"
    assert [m.to for m in mail.outbox] == [["grace@example.org"]]
    assert mail.outbox[0].subject == "Ada Lovelace answered your review: 1 reply"
    replies = {r.competence: (r.accepted, r.text, r.author) for r in Reply.objects.all()}
    assert replies == {
        n: (False, "I led the risk workshops too", "ada") if n == 1 else (True, "", "ada")
        for n in applicable()
    }
    assert AuditEntry.objects.filter(model="Reply", action="create").count() == len(applicable())
    page = grace.get(review_url).content.decode()
    assert "I led the risk workshops too" in page
    assert "with 1 reply to read below" in page
    # Now Grace agrees, and signs off after the confirmation.
    grace.post(review_url, {"action": "agree"})
    agreed = Assessment.objects.get(person=org.ada, cycle=org.cycles[1], kind="agreed")
    assert {r.competence: (r.knowledge, r.application) for r in agreed.ratings.all()} == {
        n: (4, 3) if n == 1 else (3, 3) for n in applicable()
    }
    mail.outbox.clear()
    grace.post(f"{review_url}/sign-off", {"confirm": "yes"})
    agreed.refresh_from_db()
    assert agreed.status == "signed-off"
    assert sorted(mail.outbox[0].to) == ["ada@example.org", "grace@example.org"]
    # Self and assessor ratings are kept as they were, never averaged.
    own = Assessment.objects.get(person=org.ada, cycle=org.cycles[1], kind="self")
    assert own.ratings.get(competence=1).application == 1
    # The agreed assessment is what the results use now; the history shows the true statuses.
    results = ada.get(f"/api/v1/people/{org.ada.pk}/results").json()
    assert results["assessment"]["kind"] == "agreed"
    statuses = {(a["cycle"], a["kind"]): a["status"] for a in results["history"]["assessments"]}
    assert statuses[("2026", "assessor")] == statuses[("2026", "self")] == "signed-off"
    page = grace.get(review_url).content.decode()
    assert "Signed off: every record of this cycle is read-only." in page
    # The lock holds: the review form, the self-assessment page and the API refuse changes.
    before = list(theirs.ratings.values_list("competence", "knowledge", "application"))
    grace.post(review_url, {"action": "save", "knowledge-1": ""})
    assert list(theirs.ratings.values_list("competence", "knowledge", "application")) == before
    assert ada.post("/me/assessment", {"knowledge-1": "1"}).status_code == 302
    assert own.ratings.get(competence=1).knowledge == 4
    again = ada.put(
        "/api/v1/me/self-assessment",
        '{"ratings": [{"competence": 1, "knowledge": 1}]}',
        content_type="application/json",
    )
    assert again.status_code == 409
    assert "Reopen" not in page  # only admins may reopen
    admin = signed_in(org.lead)
    assert "Reopen this cycle" in admin.get(review_url).content.decode()
    admin.post(review_url, {"action": "reopen", "reason": "wrong ratings"})
    agreed.refresh_from_db()
    assert agreed.status == "reviewed"


def test_the_person_answers_through_the_api_too(org: Org) -> None:
    _submitted(org)
    with audit.acting_as("grace"):
        theirs = records.record_assessment(
            org.ada,
            org.cycles[1],
            {n: Rating(4, 3) if n == 1 else Rating(3, 3) for n in applicable()},
            kind="assessor",
        )
        records.add_comments(theirs, {1: "Ran the gate reviews"})
        review.send(org.ada, org.cycles[1])
    ada = signed_in(org.ada_user)
    url = f"/api/v1/people/{org.ada.pk}/review"
    data = ada.get(url).json()
    assert (data["status"], data["answered"], data["can_answer"]) == ("submitted", False, True)
    first = data["competences"][0]
    assert first["self"] == {"knowledge": 4, "application": 1}
    assert first["assessor"] == {"knowledge": 4, "application": 3}
    assert first["difference"] == {"knowledge": 0, "application": 2}
    assert first["differs"] is True
    assert first["comments"][0]["text"] == "Ran the gate reviews"

    def post(answers: list[dict[str, object]], client: Client = ada) -> Any:
        return client.post(
            f"{url}/answers", json.dumps({"answers": answers}), content_type="application/json"
        )

    refused = post([{"competence": 2, "accepted": True}])
    assert refused.status_code == 422
    assert "rated it differently" in refused.json()["detail"][0]["msg"]
    assert post([{"competence": "life-cycles", "accepted": True}], signed_in(org.grace_user)
                ).status_code == 403  # fmt: skip
    assert post([{"competence": 99, "accepted": True}]).status_code == 422
    done = post([{"competence": "life-cycles", "accepted": False, "reply": "See the ERP log"}])
    assert done.status_code == 200
    assert done.json()["competences"][0]["answer"]["reply"] == "See the ERP log"
    assert done.json()["answered"] is True
    assert post([{"competence": 1, "accepted": True}]).status_code == 409  # answered already


def test_a_member_cannot_review_and_a_bad_action_is_not_found(org: Org) -> None:
    assert signed_in(org.grace_user).get("/review").status_code == 403  # role member
    lead = signed_in(org.lead)  # an admin may review anyone
    with audit.acting_as("ada"):
        records.record_assessment(org.ada, org.cycles[1], {1: Rating(1, 1)})
    assert lead.post(f"/people/{org.ada.pk}/review", {"action": "dance"}).status_code == 404


def test_nobody_reviews_their_own_assessment_not_even_an_admin(org: Org) -> None:
    from competence.store.models import Person

    Person.objects.filter(pk=org.alan.pk).update(user=org.lead)  # the admin is Alan
    lead = signed_in(org.lead)
    assert lead.get(f"/people/{org.alan.pk}/review").status_code == 403
    assert lead.post(f"/people/{org.alan.pk}/review", {"action": "agree"}).status_code == 403


def applicable() -> list[int]:
    """The competences Ada (a PMO specialist in a programme PMO) rates."""
    return [c["number"] for c in catalogue.applicable("pmo-specialist", "programme")]


def every_rating(knowledge: int, application: int) -> dict[str, str]:
    """A form's fields rating every competence Ada rates at these levels."""
    out = {}
    for n in applicable():
        out[f"knowledge-{n}"], out[f"application-{n}"] = str(knowledge), str(application)
    return out


def _submitted(org: Org, evidence: str = "Ran the stage gates") -> None:
    """Ada rates every competence that applies (3 / 3, and 4 / 1 on life cycles) and submits."""
    org.grace_user.groups.add(Group.objects.create(name="assessor"))
    ratings = {n: Rating(3, 3) for n in applicable()}
    with audit.acting_as("ada"):
        own = records.record_assessment(
            org.ada, org.cycles[1], {**ratings, 1: Rating(4, 1, evidence)}
        )
        records.submit(own)


def test_the_assessor_s_ratings_start_empty_beside_the_evidence_and_the_levels(org: Org) -> None:
    _submitted(org)
    page = signed_in(org.grace_user).get(f"/people/{org.ada.pk}/review").content.decode()
    # Nothing of the self-assessment is pre-selected in the assessor's own ratings.
    assert 'value="4" selected' not in page
    assert 'value="3" selected' not in page
    assert "Ran the stage gates" in page  # the officer's evidence
    assert "4 Proficient" in page  # the level names in the choices
    proficient = load_catalogue().framework.level(4)
    assert proficient.knowledge in page
    assert proficient.application in page


def test_copying_the_self_rating_is_one_click_per_competence_or_for_all(org: Org) -> None:
    _submitted(org)
    grace = signed_in(org.grace_user)
    url = f"/people/{org.ada.pk}/review"
    grace.post(url, {"action": "copy-1", "knowledge-2": "2", "comment-2": "Governance"})
    theirs = Assessment.objects.get(person=org.ada, cycle=org.cycles[1], kind="assessor")
    levels = {r.competence: (r.knowledge, r.application) for r in theirs.ratings.all()}
    assert levels == {1: (4, 1), 2: (2, None)}  # one copied, what was typed kept
    assert Comment.objects.get().text == "Governance"
    grace.post(url, {"action": "copy-all", "knowledge-1": "5", "application-1": "1"})
    levels = {r.competence: (r.knowledge, r.application) for r in theirs.ratings.all()}
    # Every empty one copied, a rating given kept.
    assert levels == {n: (5, 1) if n == 1 else (3, 3) for n in applicable()}


def test_sign_off_asks_for_confirmation_and_says_what_it_locks(org: Org) -> None:
    _submitted(org)
    with audit.acting_as("grace"):
        agreed = records.agree(org.ada, org.cycles[1])
    grace = signed_in(org.grace_user)
    url = f"/people/{org.ada.pk}/review"
    response = grace.post(url, {"action": "sign-off"})  # the review page's button
    agreed.refresh_from_db()
    assert agreed.status == "reviewed"  # nothing is signed off without the confirmation
    assert response.status_code == 302
    assert response["Location"] == f"{url}/sign-off"
    page = grace.get(f"{url}/sign-off").content.decode()
    assert "self-assessment, your ratings, the comments, the answers and the agreed" in page
    assert "Only an admin can reopen it" in page
    assert signed_in(org.ada_user).get(f"{url}/sign-off").status_code == 403
    grace.post(f"{url}/sign-off", {"confirm": "yes"})
    agreed.refresh_from_db()
    assert agreed.status == "signed-off"
