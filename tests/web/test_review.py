"""The review workflow in the web app: the assessor's ratings beside the self-assessment,
differences of two levels flagged, comments, agreement and sign-off, with email notices."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core import mail

from competence.domain import Rating
from competence.services import records
from competence.store import audit
from competence.store.models import Assessment, Comment
from tests.web.conftest import Org, signed_in


def test_the_assessor_reviews_agrees_and_signs_off(org: Org) -> None:
    org.grace_user.groups.add(Group.objects.create(name="assessor"))
    ada, grace = signed_in(org.ada_user), signed_in(org.grace_user)
    # Ada fills in and submits; Grace, her assessor, is told.
    mail.outbox.clear()
    ada.post("/me/assessment", {"knowledge-1": "4", "application-1": "1", "action": "check"})
    ada.post("/me/assessment/check", {"version": "1", "confirm_unrated": "28"})
    assert [m.to for m in mail.outbox] == [["grace@example.org"]]
    assert "Ada Lovelace submitted" in mail.outbox[0].subject
    listing = grace.get("/review").content.decode()
    assert f'href="/people/{org.ada.pk}/review"' in listing
    assert ada.get(f"/people/{org.ada.pk}/review").status_code == 403  # not her own reviewer
    # Grace enters her own ratings and a comment; 4 against 1 on application is flagged.
    response = grace.post(
        f"/people/{org.ada.pk}/review",
        {
            "action": "save",
            "knowledge-1": "4",
            "application-1": "3",
            "comment-1": "Ran the gate reviews for the ERP programme",
        },
    )
    assert response.status_code == 302
    page = grace.get(f"/people/{org.ada.pk}/review").content.decode()
    assert "1 competence differ by 2 levels or more" in page
    assert "Ran the gate reviews for the ERP programme" in page
    assert Comment.objects.get().author == "grace"
    grace.post(f"/people/{org.ada.pk}/review", {"action": "reviewed"})
    grace.post(f"/people/{org.ada.pk}/review", {"action": "agree"})
    agreed = Assessment.objects.get(person=org.ada, cycle=org.cycles[1], kind="agreed")
    assert {r.competence: (r.knowledge, r.application) for r in agreed.ratings.all()} == {1: (4, 3)}
    mail.outbox.clear()
    grace.post(f"/people/{org.ada.pk}/review", {"action": "sign-off"})
    agreed.refresh_from_db()
    assert agreed.status == "signed-off"
    assert sorted(mail.outbox[0].to) == ["ada@example.org", "grace@example.org"]
    # Self and assessor ratings are kept as they were, never averaged.
    own = Assessment.objects.get(person=org.ada, cycle=org.cycles[1], kind="self")
    assert own.ratings.get(competence=1).application == 1
    # The agreed assessment is what the results use now.
    results = ada.get(f"/api/v1/people/{org.ada.pk}/results").json()
    assert results["assessment"]["kind"] == "agreed"
    page = grace.get(f"/people/{org.ada.pk}/review").content.decode()
    assert "Signed off: every record of this cycle is read-only." in page
    # The lock holds: the review form, the self-assessment page and the API refuse changes.
    theirs = Assessment.objects.get(person=org.ada, cycle=org.cycles[1], kind="assessor")
    before = list(theirs.ratings.values_list("competence", "knowledge", "application"))
    grace.post(f"/people/{org.ada.pk}/review", {"action": "save", "knowledge-1": ""})
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
    assert "Reopen this cycle" in admin.get(f"/people/{org.ada.pk}/review").content.decode()
    admin.post(f"/people/{org.ada.pk}/review", {"action": "reopen", "reason": "wrong ratings"})
    agreed.refresh_from_db()
    assert agreed.status == "reviewed"


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
