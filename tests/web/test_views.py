"""Every page, through Django's test client: who may see it, and what it shows."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from competence.store.models import Assessment, AuditEntry
from tests.web.conftest import PASSWORD, Org, planner_rows, signed_in


def test_healthz_needs_no_sign_in(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/framework",
        "/framework/compare",
        "/me/assessment",
        "/team",
        "/manage/import",
        "/manage/export.csv",
    ],
)
def test_pages_send_anonymous_visitors_to_sign_in(client: Client, org: Org, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/signin?next=")


def test_sign_in_with_a_password_and_out(client: Client, org: Org) -> None:
    page = client.get("/signin")
    assert b'<label for="id_username">User name</label>' in page.content
    wrong = client.post("/signin", {"username": "ada", "password": "nope"})
    assert b"did not match" in wrong.content
    right = client.post("/signin", {"username": "ada", "password": PASSWORD})
    assert right.status_code == 302
    assert client.get("/").headers["Location"] == f"/people/{org.ada.pk}"
    assert client.post("/signout").status_code == 302
    assert client.get("/").status_code == 302


def test_security_headers(client: Client, org: Org) -> None:
    response = signed_in(org.ada_user).get("/framework")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_framework_browser_filters_by_profile_and_context(org: Org) -> None:
    client = signed_in(org.ada_user)
    page = client.get("/framework?profile=pmo-officer&context=project").content.decode()
    assert "26 competences apply in a project PMO" in page
    assert "Transition management" not in page
    page = client.get("/framework?profile=pmo-specialist&context=programme").content.decode()
    assert "29 competences apply" in page
    assert "Has an in-depth knowledge of the competence in complex situations" in page
    assert client.get("/framework?profile=nobody").status_code == 404


def test_profile_comparison_highlights_the_rises(org: Org) -> None:
    page = signed_in(org.ada_user).get("/framework/compare").content.decode()
    assert "15 requirements differ" in page
    assert page.count('class="rise"') == 15
    assert "knowledge +1 application +2" in page  # governance arrangements


def test_self_assessment_saves_resumes_and_submits(org: Org) -> None:
    client = signed_in(org.grace_user)
    page = client.get("/me/assessment").content.decode()
    assert "cycle 2026" in page
    assert "<span data-progress>0 of 28</span> competences rated" in page
    assert page.count('type="radio"') == 28 * 2 * 6
    assert "<legend>Knowledge <small>(target 3)</small></legend>" in page
    # Saved as you go (the page's script posts each change).
    response = client.post(
        "/me/assessment",
        {"knowledge-1": "3", "application-1": "2", "evidence-1": "Ran the gate reviews"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.json() == {"saved": True, "rated": 1, "total": 28, "version": 1}
    assessment = Assessment.objects.get(person=org.grace, kind="self")
    assert assessment.status == "draft"
    # Resumes where it was left, with the version it was loaded at.
    page = client.get("/me/assessment").content.decode()
    assert "<span data-progress>1 of 28</span> competences rated" in page
    assert "Ran the gate reviews" in page
    assert '<input type="hidden" name="version" value="1"' in page
    # A bad value is refused with a message per field.
    bad = client.post(
        "/me/assessment",
        {"knowledge-2": "9", "version": "1"},
        headers={"X-Requested-With": "fetch"},
    )
    assert bad.status_code == 422
    assert "knowledge-2" in bad.json()["errors"]
    # Check the answers (without JavaScript), then submit, and land on the results.
    response = client.post(
        "/me/assessment",
        {"knowledge-1": "3", "application-1": "3", "action": "check", "version": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/assessment/check"
    response = client.post("/me/assessment/check", {"version": "2", "confirm_unrated": "27"})
    assert response.status_code == 302
    assert response["Location"] == f"/people/{org.grace.pk}"
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    again = client.post(
        "/me/assessment",
        {"knowledge-1": "1", "version": "3"},
        headers={"X-Requested-With": "fetch"},
    )
    assert again.status_code == 409
    assert AuditEntry.objects.filter(actor="grace", action="update", model="Assessment").exists()


def test_a_user_without_a_person_has_no_self_assessment(org: Org) -> None:
    response = signed_in(org.lead).get("/me/assessment")
    assert response.status_code == 404
    assert b"No person is linked to your account" in response.content


def test_results_start_with_where_one_stands_and_what_to_do_next(org: Org) -> None:
    page = signed_in(org.ada_user).get(f"/people/{org.ada.pk}").content.decode()
    summary = page.index('class="summary"')
    assert summary < page.index("PMO officer: </strong>met (") < page.index("What to work on next")
    assert "<strong>PMO specialist: </strong>not yet met: " in page
    assert "Agreed and signed off by" in page
    assert page.index("What to work on next") < page.index("Why: the reasons")
    assert page.index("Why: the reasons") < page.index('id="gaps-heading"')
    # The reasons, one click away and grouped by competence, not repeated line by line.
    reasons = page[page.index("Why: the reasons") : page.index('id="gaps-heading"')]
    assert reasons.count("1. Life cycles") == 1
    assert "Life cycles: knowledge 3, the PMO specialist profile needs 4" not in page
    # The chart names every competence it shows, and the table beside it gives the figures.
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert "<title>Life cycles: knowledge 3, target 4</title>" in page
    assert ">1. Life cycles<title>" in page
    assert "Ratings (CSV)" in page


def test_a_newcomer_with_nothing_rated_is_asked_to_start(org: Org) -> None:
    page = signed_in(org.grace_user).get(f"/people/{org.grace.pk}").content.decode()
    assert "Nothing is rated yet." in page
    assert 'href="/me/assessment" role="button">Start your self-assessment</a>' in page
    assert page.count("not rated") < 10  # not a hundred "not rated" lines


def test_history_and_trend_appear_with_two_assessments(org: Org) -> None:
    from competence.domain import Rating
    from competence.services import records
    from competence.store import audit

    with audit.acting_as("ada"):
        draft = records.record_assessment(org.ada, org.cycles[1], {1: Rating(4, 4)})
    page = signed_in(org.ada_user).get(f"/people/{org.ada.pk}").content.decode()
    assert "<title>2026: knowledge 4</title>" not in page  # a draft is nobody's result yet
    with audit.acting_as("ada"):
        records.submit(draft)
    page = signed_in(org.ada_user).get(f"/people/{org.ada.pk}").content.decode()
    assert "Trend per competence" in page
    assert "<title>2026: knowledge 4</title>" in page


def test_people_see_only_their_own_results(org: Org) -> None:
    grace = signed_in(org.grace_user)
    assert grace.get(f"/people/{org.ada.pk}").status_code == 403
    assert grace.get(f"/people/{org.ada.pk}/ratings.csv").status_code == 403
    assert grace.get(f"/people/{org.grace.pk}").status_code == 200
    assert signed_in(org.lead).get(f"/people/{org.ada.pk}").status_code == 200
    assert grace.get("/people/99999").status_code == 404


def test_downloads_of_ones_own_ratings(org: Org, tmp_path: object) -> None:
    client = signed_in(org.ada_user)
    csv_text = client.get(f"/people/{org.ada.pk}/ratings.csv").content.decode()
    assert csv_text.splitlines()[0].startswith("person,name,employee_id")
    assert len(csv_text.splitlines()) == 1 + 29 * 2  # 2025: self and agreed
    data = json.loads(client.get(f"/people/{org.ada.pk}/ratings.json").content)
    assert data["officer"]["meets_profile"] is True
    response = client.get(f"/people/{org.ada.pk}/ratings.xlsx")
    assert (
        response["Content-Disposition"] == f'attachment; filename="ada-lovelace-{org.ada.pk}.xlsx"'
    )
    import io

    book = load_workbook(io.BytesIO(response.content))
    assert book["Ratings"].max_row == 1 + 29 * 2
    assert client.get(f"/people/{org.ada.pk}/ratings.pdf").status_code == 404


def test_team_view_is_for_staff_with_filters_and_click_through(org: Org) -> None:
    assert signed_in(org.ada_user).get("/team").status_code == 403
    lead = signed_in(org.lead)
    page = lead.get("/team").content.decode()
    assert "3 people." in page
    assert f'href="/people/{org.ada.pk}"' in page
    # One axis's heatmap at a time, the other a link away that keeps the filters and the page.
    assert "Knowledge heatmap" in page
    assert "Application heatmap" not in page
    assert 'href="?team=&amp;context=&amp;page=1&amp;axis=application"' in page
    # Ada is on the PMO specialist profile: her row is coloured against its target, 4, which
    # the heatmap's table says beside her level.
    assert re.search(r'<th scope="row">Ada Lovelace</th><td>3/4</td>', page)
    assert "The same figures as a table" in page
    other = lead.get("/team?axis=application").content.decode()
    assert "Application heatmap" in other
    assert "Knowledge heatmap" not in other
    programme = lead.get("/team?context=programme").content.decode()
    assert "2 people." in programme
    team = lead.get(f"/team?team={org.alan.team_id}").content.decode()
    assert "1 people." in team or "1 person" in team
    assert lead.get("/team?context=nowhere").status_code == 404


def test_import_page_reports_every_bad_row_and_imports_a_good_file(org: Org) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert signed_in(org.ada_user).get("/manage/import").status_code == 403
    lead = signed_in(org.lead)
    bad = SimpleUploadedFile(
        "ratings.csv",
        b"person,competence,knowledge,application\n"
        b"ada@example.org,1,7,1\nnobody@example.org,2,1,1\n",
    )
    page = lead.post("/manage/import", {"file": bad, "kind": "self"}).content.decode()
    assert "Nothing was imported" in page
    assert (
        "ratings.csv, line 2: knowledge: must be a whole number from 0 to 5, got &quot;7&quot;"
        in page
    )
    assert "ratings.csv, line 3: person: no person" in page
    good = SimpleUploadedFile(
        "ratings.csv", b"person,competence,knowledge,application\nalan@example.org,1,3,3\n"
    )
    done = lead.post("/manage/import", {"file": good, "cycle": "2026", "kind": "self"})
    assert b"Imported" in done.content
    assert Assessment.objects.get(person=org.alan, kind="self").ratings.get().knowledge == 3


def test_export_downloads_for_staff(org: Org) -> None:
    lead = signed_in(org.lead)
    assert signed_in(org.ada_user).get("/manage/export.json").status_code == 403
    streamed = lead.get("/manage/export.json")
    doc = json.loads(b"".join(streamed.streaming_content))  # type: ignore[attr-defined]
    assert [p["email"] for p in doc["people"]] == [
        "ada@example.org",
        "alan@example.org",
        "grace@example.org",
    ]
    assert lead.get("/manage/export.csv?history=1").content.decode().count("\n") == 1 + 29 * 2 + 1
    assert lead.get("/manage/export.xlsx").status_code == 200
    assert lead.get("/manage/export.txt").status_code == 404


def test_clearing_a_rating_in_the_self_assessment_removes_it(org: Org) -> None:
    client = signed_in(org.grace_user)
    fetch = {"X-Requested-With": "fetch"}
    client.post("/me/assessment", {"knowledge-29": "2", "evidence-29": "note"}, headers=fetch)
    assessment = Assessment.objects.get(person=org.grace, kind="self")
    assert assessment.ratings.get(competence=29).knowledge == 2
    assert client.post("/me/assessment", {"version": "1"}, headers=fetch).json()["rated"] == 0
    assert not assessment.ratings.filter(competence=29).exists()


def test_no_open_cycle_means_nothing_to_fill_in_and_no_cycle_is_made(org: Org) -> None:
    from competence.store.models import Cycle

    Cycle.objects.filter(name="2026").update(closes_on="2026-01-31")
    response = signed_in(org.grace_user).get("/me/assessment")
    assert response.status_code == 404
    assert b"No assessment cycle is open" in response.content
    assert Cycle.objects.count() == 2


def test_a_team_id_that_is_not_a_number_is_not_found(org: Org) -> None:
    assert signed_in(org.lead).get("/team?team=abc").status_code == 404


def test_drafts_do_not_count_in_results(org: Org) -> None:
    from competence.domain import Rating
    from competence.services import records
    from competence.store import audit

    with audit.acting_as("grace"):  # Grace, Ada's assessor, starts a draft in 2026
        records.record_assessment(org.ada, org.cycles[1], {1: Rating(0, 0)}, kind="assessor")
    data = signed_in(org.ada_user).get(f"/api/v1/people/{org.ada.pk}/results").json()
    assert data["assessment"]["cycle"] == "2025"
    assert data["officer"]["meets_profile"] is True


def test_the_web_import_takes_kind_and_cycle_from_the_file_by_default(org: Org) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "r.csv",
        b"person,competence,knowledge,application,cycle,kind\nalan@example.org,1,3,3,2026,agreed\n",
    )
    page = signed_in(org.lead).post("/manage/import", {"file": upload, "kind": ""})
    assert b"Imported" in page.content
    assert Assessment.objects.filter(person=org.alan, kind="agreed", cycle__name="2026").exists()
    entry = AuditEntry.objects.filter(action="import").latest("id")
    assert entry.new is not None
    assert entry.new["file"] == "r.csv"


def test_an_assessor_sees_only_figures_and_not_below_the_minimum_group(org: Org) -> None:
    from django.contrib.auth.models import Group
    from django.test import override_settings

    from competence.config import Config

    org.grace_user.groups.add(Group.objects.create(name="assessor"))
    grace = signed_in(org.grace_user)
    page = grace.get("/team").content.decode()
    assert "You see your PMO&#x27;s figures, not the individuals" in page or (
        "You see your PMO's figures, not the individuals" in page
    )
    assert "fewer than 5 people" in page  # Grace's team has no PMO: nobody, so hidden
    assert "Knowledge heatmap" not in page
    assert "Ada Lovelace" not in page
    data = grace.get("/api/v1/team/summary").json()
    assert (data["people"], data["coverage"], data["hidden"]) == ([], [], True)
    from competence.store import audit
    from competence.store.models import Pmo, Team

    with audit.acting_as("test-setup"):
        pmo = Pmo.objects.create(name="Programme Office", context="programme")
    Team.objects.filter(name="Delivery").update(pmo=pmo)
    small = grace.get("/api/v1/team/summary").json()
    assert small["people_count"] == 2  # Ada and Grace
    assert small["hidden"] is True
    from django.conf import settings

    with override_settings(CONFIG=Config(**{**settings.CONFIG.__dict__, "min_group_size": 2})):
        shown = grace.get("/api/v1/team/summary").json()
    assert shown["hidden"] is False
    assert shown["people"] == []
    assert shown["coverage"][0]["applies_to"] == 2


def test_the_team_figures_follow_every_change(org: Org) -> None:
    from competence.domain import Rating
    from competence.services import records
    from competence.store import audit

    lead = signed_in(org.lead)
    before = lead.get("/api/v1/team/summary").json()["coverage"][0]["meets_officer"]
    assert lead.get("/api/v1/team/summary").json()["coverage"][0]["meets_officer"] == before
    with audit.acting_as("alan"):
        alan = records.record_assessment(org.alan, org.cycles[1], {1: Rating(5, 5)})
        records.submit(alan)
    after = lead.get("/api/v1/team/summary").json()["coverage"][0]["meets_officer"]
    assert after == before + 1


def test_figures_without_names_cannot_be_filtered(org: Org) -> None:
    from django.contrib.auth.models import Group

    org.grace_user.groups.add(Group.objects.create(name="assessor"))
    grace = signed_in(org.grace_user)
    assert grace.get("/api/v1/team/summary?context=programme").status_code == 422
    page = grace.get("/team?context=programme").content.decode()
    assert 'aria-label="Filter the team"' not in page


def test_the_lead_downloads_team_reports_and_plans_the_capability(org: Org) -> None:
    import io

    from openpyxl import load_workbook

    lead = signed_in(org.lead)
    page = lead.get("/team").content.decode()
    assert "Team report (Excel)" in page
    book = load_workbook(io.BytesIO(lead.get("/team/report.xlsx").content))
    assert book.sheetnames[:2] == ["Knowledge", "Application"]
    assert lead.get("/team/report.pdf")["Content-Type"] == "application/pdf"
    assert lead.get("/team/report.doc").status_code == 404
    assert signed_in(org.ada_user).get("/team/plan").status_code == 403


def test_the_team_planner_is_a_form_that_names_people_and_competences(org: Org) -> None:
    lead = signed_in(org.lead)
    form = lead.get("/team/plan").content.decode()
    assert form.count('<fieldset class="need') == 5
    assert '<label for="id_need-0-competence">Competence</label>' in form
    assert '<option value="23">23. Schedule management</option>' in form
    assert "<textarea" not in form  # no YAML to type; a file may be uploaded instead
    assert 'type="file"' in form
    planned = lead.post(
        "/team/plan", planner_rows({"competence": 23, "level": "specialist", "at_least": 2})
    ).content.decode()
    found = re.search(r"The plan: (\d+) (levels?) raised in all, over 3 people", planned)
    assert found, planned
    assert found.group(2) == ("level" if found.group(1) == "1" else "levels")
    result = planned.split('id="plan-result"')[1].split('id="requirements-heading"')[0]
    assert "Ada Lovelace" in result
    assert "23. Schedule management" in result
    assert "ada@example.org" not in result
    assert "schedule-management" not in result
    assert "At least 2 people at specialist level in Schedule management:" in planned
    one = lead.post("/team/plan", planner_rows({"competence": 1, "at_least": 1})).content.decode()
    assert "At least 1 person at officer level in Life cycles: Ada Lovelace (meets it)" in one


def test_the_team_planner_says_once_what_cannot_be_met_and_what_to_put_right(org: Org) -> None:
    lead = signed_in(org.lead)
    unmet = lead.post(
        "/team/plan",
        planner_rows({"competence": 6, "at_least": 2}, {"competence": 11, "level": "specialist"}),
    ).content.decode()
    assert unmet.count('role="alert"') == 1
    assert "1 requirement cannot be met by these people" in unmet
    assert (
        "At least 2 people at officer level in Portfolio shaping: needs 2 people, but only 0 "
        "can count (those it applies to)" in unmet
    )
    own = lead.post("/team/plan", planner_rows({"competence": 2, "level": "own", "knowledge": 3}))
    assert own.status_code == 422
    assert "Choose the application level, or a profile&#x27;s target." in own.content.decode()
    empty = lead.post("/team/plan", planner_rows())
    assert empty.status_code == 422
    assert "Choose at least one competence, tick nobody alone, or upload a file." in (
        empty.content.decode()
    )
    more = lead.post("/team/plan", planner_rows({"competence": 2}) | {"more": "1"}).content.decode()
    assert more.count('<fieldset class="need') == 10
    assert '<option value="2" selected>2. Governance arrangements</option>' in more
    assert '<select name="need-5-competence" autofocus id="id_need-5-competence">' in more


def test_the_team_planner_takes_a_yaml_file_and_names_the_line_of_a_problem(org: Org) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    lead = signed_in(org.lead)

    def upload(text: str) -> Any:
        file = SimpleUploadedFile("needs.yaml", text.encode(), content_type="application/yaml")
        return lead.post("/team/plan", planner_rows() | {"file": file})

    good = upload("requirements:\n  - {competence: 1, level: specialist, at_least: 1}\n")
    assert good.status_code == 200
    assert "The plan: " in good.content.decode()
    bad = upload("nobody_alone: false\nrequirements:\n  - competence: nope\n")
    assert bad.status_code == 422
    assert (
        "needs.yaml, line 3: requirements[0].competence: unknown competence &#x27;nope&#x27;"
        in bad.content.decode()
    )
    broken = upload("requirements:\n  - competence: 1\n   level: x\n").content.decode()
    assert "needs.yaml, line 3, column 4: not valid YAML (look at the indentation): " in broken
    assert "Traceback" not in broken


def test_the_team_view_states_single_points_of_failure_and_uncovered_competences(
    org: Org,
) -> None:
    lead = signed_in(org.lead)
    page = lead.get("/team").content.decode()
    # Ada's signed-off assessment meets every officer target; nobody else's counts yet.
    assert "Single points of failure:" in page
    assert "<li>1. Life cycles: Ada Lovelace</li>" in page
    assert "Uncovered:" not in page
    change = org.alan.team
    assert change is not None
    alone = lead.get(f"/team?team={change.pk}").content.decode()
    assert (
        "<strong>Uncovered:</strong> nobody meets the officer target in 1. Life cycles, " in alone
    )
    assert "Single point" not in alone


def test_the_team_pdf_is_titled_with_its_filter(org: Org) -> None:
    import io

    from pypdf import PdfReader

    lead = signed_in(org.lead)
    finance = org.ada.team
    assert finance is not None
    pdf = lead.get(f"/team/report.pdf?team={finance.pk}&context=programme").content
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Team capability: Delivery / Finance PMO, programme context" in text
    assert "Everyone" not in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Team capability: Delivery / Finance PMO, programme context"


def test_the_favicon_and_the_report_page_landmark(org: Org) -> None:
    client = signed_in(org.ada_user)
    icon = client.get("/favicon.ico", follow=True)
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)  # type: ignore[attr-defined]
    report = client.get(f"/people/{org.ada.pk}/report.html").content.decode()
    assert report.count("<main>") == 1
    assert report.index("<main>") < report.index("<h1>") < report.index("</main>")


@pytest.mark.parametrize(
    "hostile",
    ['report.html"; x="', "E1\r\nSet-Cookie: x=1", "../../etc/passwd", '=HYPERLINK("x")'],
)
def test_download_names_come_from_a_slug_whatever_the_ids_hold(org: Org, hostile: str) -> None:
    """A person's employee id and name never reach a download's file name as written: every
    download answers, named from a slug of the name and the person's number."""
    Person = type(org.ada)
    Person.objects.filter(pk=org.ada.pk).update(employee_id=hostile, name=f"Ada {hostile}")
    client = signed_in(org.ada_user)
    assert client.get(f"/people/{org.ada.pk}/report.html").status_code == 200  # a page
    for path in ("ratings.csv", "ratings.xlsx", "ratings.json", "report.pdf"):
        response = client.get(f"/people/{org.ada.pk}/{path}")
        assert response.status_code == 200, path
        disposition = response["Content-Disposition"]
        name = re.fullmatch(
            r'attachment; filename="[a-z0-9-]+-(\d+)(-report)?\.(\w+)"', disposition
        )
        assert name is not None, disposition
        assert (int(name.group(1)), name.group(3)) == (org.ada.pk, path.split(".")[1])
