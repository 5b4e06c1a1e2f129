"""The web with an imported CASE framework: the frameworks page lists it with its items, and a
person whose profile is over it rates themself on its one axis and sees their results."""

from __future__ import annotations

import pytest

from competence.services import frameworks, profiles
from competence.store import audit
from competence.store.models import Assessment, Person, Team
from tests.conftest import CASE_FILES
from tests.web.conftest import Org, signed_in, submit_self_assessment, user

SAMPLE_ID = "20c5134f-423d-4097-a971-3dd5152bf507"


@pytest.fixture
def emmy(org: Org) -> Person:
    with audit.acting_as("test-setup"):
        frameworks.import_case_framework(CASE_FILES / "opensalt-sample-framework.json")
        profiles.publish(
            {
                "schema": "competence/profile/1",
                "id": "ratio-analyst",
                "name": "Ratio analyst",
                "framework": SAMPLE_ID,
                "requirements": [
                    {"competence": 2, "application": 3, "contexts": ["programme"]},
                    {"competence": 3, "application": 3, "contexts": ["programme"]},
                ],
            }
        )
        return Person.objects.create(
            name="Emmy Noether",
            email="emmy@example.org",
            team=Team.objects.create(name="Maths"),
            context="programme",
            profile="ratio-analyst",
            user=user("emmy"),
        )


def test_the_frameworks_page_lists_every_framework_with_its_items(org: Org, emmy: Person) -> None:
    page = signed_in(org.ada_user).get("/frameworks").content.decode()
    assert "APM Competence Framework, 3rd edition" in page
    assert "What Standards Could Be" in page
    assert f"<code>{SAMPLE_ID}</code>" in page
    assert "<caption>What Standards Could Be: 16 items</caption>" in page
    assert "Ratio analyst v1" in page
    assert "application, levels 0 Not yet" in page
    framework_page = signed_in(org.ada_user).get("/framework").content.decode()
    assert 'href="/frameworks"' in framework_page


def test_a_person_rates_themself_on_the_one_axis_and_sees_the_verdict(emmy: Person) -> None:
    assert emmy.user is not None
    client = signed_in(emmy.user)
    page = client.get("/me/assessment").content.decode()
    assert "<span data-progress>0 of 2</span> competences rated." in page
    assert page.count('type="radio"') == 2 * 6  # application only, levels 0-5
    assert "Knowledge" not in page
    assert "<legend>Application <small>(target 3)</small></legend>" in page
    assert "on application." in page
    saved = client.post(
        "/me/assessment", {"application-2": "4"}, headers={"X-Requested-With": "fetch"}
    )
    assert saved.json() == {"saved": True, "rated": 1, "total": 2, "version": 1}
    ignored = client.post(
        "/me/assessment",
        {"application-2": "4", "knowledge-2": "4", "version": "1"},
        headers={"X-Requested-With": "fetch"},
    )
    assert ignored.json() == {"saved": True, "rated": 1, "total": 2, "version": 1}
    rating = Assessment.objects.get(person=emmy).ratings.get(competence=2)
    assert (rating.knowledge, rating.application) == (None, 4)  # no knowledge field to save
    submit_self_assessment(client, {"application-2": "4", "application-3": "2"})
    assert Assessment.objects.get(person=emmy).status == "submitted"
    results = client.get(f"/people/{emmy.pk}")
    assert results.status_code == 200
    text = results.content.decode()
    assert "Ratio analyst" in text
    assert "1 of 2 requirements that apply are not met" in text
    assert '<th scope="col">Knowledge</th>' not in text  # one axis: one column
    assert '<td class="num">2 / 3</td>' in text
