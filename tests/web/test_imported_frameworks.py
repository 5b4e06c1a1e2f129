"""The web with an imported CASE framework: the frameworks page lists it with its items, and a
person whose profile is over it rates themself on its one axis and sees their results."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Group
from openpyxl import load_workbook
from pypdf import PdfReader

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


def _assessed(org: Org, emmy: Person) -> None:
    """Emmy rated and submitted on the framework's one axis; Grace is her assessor."""
    assert emmy.user is not None
    with audit.acting_as("test-setup"):
        emmy.assessor = org.grace
        emmy.save()
        org.grace_user.groups.add(Group.objects.get_or_create(name="assessor")[0])
    submit_self_assessment(signed_in(emmy.user), {"application-2": "4", "application-3": "2"})


def test_the_review_page_shows_the_frameworks_one_axis(org: Org, emmy: Person) -> None:
    _assessed(org, emmy)
    grace = signed_in(org.grace_user)
    url = f"/people/{emmy.pk}/review"
    page = grace.get(url).content.decode()
    assert "Knowledge" not in page
    assert "knowledge" not in page
    assert 'name="application-2"' in page
    assert "(target 3)</small>" in page  # one target, no " / "
    assert '<label for="id_application-2">Application' in page
    assert "Not yet" in page  # the rubric's own level names, not APM's
    assert "Unaware" not in page
    grace.post(url, {"action": "send", "application-2": "3", "application-3": "3"})
    page = signed_in(org.grace_user).get(url).content.decode()
    assert "Application 3" in page
    assert "Knowledge" not in page
    assert emmy.user is not None
    results = signed_in(emmy.user).get(f"/people/{emmy.pk}").content.decode()
    assert "Your assessor's review" in results
    assert "Knowledge" not in results


def test_the_team_view_and_reports_show_the_frameworks_one_axis(org: Org, emmy: Person) -> None:
    _assessed(org, emmy)
    lead = signed_in(org.lead)
    maths = Team.objects.get(name="Maths").pk
    page = lead.get(f"/team?team={maths}").content.decode()
    assert "Application heatmap" in page
    assert "Knowledge" not in page
    assert "knowledge" not in page
    # the heatmap's table says the level and the target each cell is coloured against
    emmy_row = re.search(r'<tr><th scope="row">Emmy Noether</th>(.*?)</tr>', page)
    assert emmy_row is not None
    assert "<td>4/3</td>" in emmy_row.group(1)
    book = load_workbook(io.BytesIO(lead.get(f"/team/report.xlsx?team={maths}").content))
    assert "Knowledge" not in book.sheetnames
    assert "Knowledge targets" not in book.sheetnames
    assert "Application" in book.sheetnames
    sheet = book["Application"]
    header = [c.value for c in next(sheet.iter_rows())]
    assert len(header) == 3 + 16  # the framework's 16 items, not APM's 29
    gaps = [[c.value for c in r] for r in book["Gaps"].iter_rows(min_row=2)]
    assert [g[3] for g in gaps] == ["application"]  # competence 3: 2 against 3
    pdf = lead.get(f"/team/report.pdf?team={maths}").content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "What Standards Could Be" in text
    assert "APM Competence Framework" not in text
    assert "Knowledge" not in text


def test_the_pdf_report_captions_its_chart_for_the_framework(org: Org, emmy: Person) -> None:
    _assessed(org, emmy)
    assert emmy.user is not None
    pdf = signed_in(emmy.user).get(f"/people/{emmy.pk}/report.pdf").content
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert (
        "Application (the bar) against the targets (the grey marks), one row per competence "
        "that applies: 2 of the 16 competences of What Standards Could Be." in text
    )
    assert "Knowledge" not in text


def _footer(page: str) -> str:
    return page[page.index("<footer") : page.index("</footer>")]


def test_the_footer_names_the_framework_a_page_shows(org: Org, emmy: Person) -> None:
    assert emmy.user is not None
    hers = _footer(signed_in(emmy.user).get("/me/assessment").content.decode())
    assert "What Standards Could Be, a CASE framework by Brandon Dorman." in hers
    assert (
        "The rating scale (levels 0 Not yet to 5 Expert) and its descriptors are ours, not "
        "Brandon Dorman&#x27;s." in hers
    )
    assert "APM" not in hers
    ada = signed_in(org.ada_user)
    apm = _footer(ada.get(f"/people/{org.ada.pk}").content.decode())
    assert "APM Competence Framework, 3rd edition" in apm
    assert "Level 0 &quot;Unaware&quot; and its descriptors are ours, not APM&#x27;s." in apm
    neutral = _footer(ada.get("/frameworks").content.decode())  # every framework: each credited
    assert "APM" not in neutral
    assert "Each framework is its publisher's" in neutral


def test_a_team_across_frameworks_shows_apms_and_says_who_is_elsewhere(
    org: Org, emmy: Person
) -> None:
    _assessed(org, emmy)
    lead = signed_in(org.lead)
    page = lead.get("/team").content.decode()
    assert "Knowledge heatmap" in page
    assert ">application</a> ratings" in page  # the other axis, a link away
    assert "Application heatmap" in lead.get("/team?axis=application").content.decode()
    assert "1 person is judged against profiles over another framework" in page
    rows = {p["name"]: p for p in lead.get("/api/v1/team/summary").json()["people"]}
    assert rows["Emmy Noether"]["ratings"] == {}  # none shown on APM's competences
    assert set(rows["Emmy Noether"]["targets"].values()) == {None}
    assert rows["Ada Lovelace"]["targets"]["1"] == {"knowledge": 4, "application": 4}


def test_the_profile_page_shows_targets_on_the_one_axis(org: Org, emmy: Person) -> None:
    page = signed_in(org.ada_user).get("/profiles/ratio-analyst/versions/1").content.decode()
    assert "2 competences. Targets are application." in page
    assert '<td class="num">3</td>' in page
    assert '<td class="num"> / 3</td>' not in page
    assert "What Standards Could Be" in _footer(page)


def test_a_stale_save_says_what_changed_on_the_one_axis(emmy: Person) -> None:
    assert emmy.user is not None
    client = signed_in(emmy.user)
    client.post("/me/assessment", {"application-2": "4", "version": "0", "action": "save"})
    stale = client.post("/me/assessment", {"application-2": "2", "version": "0", "action": "save"})
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Levels are application; – is not rated." in page
    assert "<td>4</td>" in page
    assert "<td>2</td>" in page
    assert "–/" not in page
