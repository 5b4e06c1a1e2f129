"""A tailored profile end to end in a real browser: an admin makes "PMO analyst" in the profile
editor (a copy of PMO officer, schedule management raised, sustainability dropped) and publishes
it; the person is put on it through the API; they rate themself in the browser, see what they
are judged against with the reasons, and their PDF report says so too."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.conftest import Server, look, sign_in

pytestmark = pytest.mark.browser

RAISED, DROPPED = "Schedule management", "Sustainability"


def person_of(server: Server, username: str) -> tuple[int, str]:
    with sqlite3.connect(server.database) as db:
        row = db.execute(
            "SELECT p.id, p.context FROM competence_person p "
            "JOIN auth_user u ON u.id = p.user_id WHERE u.username = ?",
            (username,),
        ).fetchone()
    assert row, f"{username} is no person"
    return int(row[0]), str(row[1])


def both_widths(page: Any, name: str) -> None:
    """Screenshots at 1280 and 390 px wide, each page checked with axe at both."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        violations = look(page, f"{name}-{width}")
        assert violations == [], (width, violations)
    page.set_viewport_size({"width": 1280, "height": 900})


def make_the_analyst_profile(page: Any, server: Server) -> None:
    sign_in(page, server, "admin")
    page.get_by_role("link", name="Profiles", exact=True).click()
    assert page.get_by_role("heading", name="Profiles").is_visible()
    both_widths(page, "profiles-list")
    page.get_by_role("link", name="Copy PMO officer").click()
    assert page.get_by_role("heading", name="A copy of PMO officer v1").is_visible()
    page.get_by_label("Id (lower case, words joined by -)").fill("pmo-analyst")
    page.get_by_label("Name", exact=True).fill("PMO analyst")
    page.get_by_label(f"{RAISED}: knowledge target").select_option("4")
    page.get_by_label(f"{RAISED}: application target").select_option("4")
    contexts = page.get_by_role("group", name=f"{DROPPED}: applies in")
    for context in ("project", "programme", "portfolio"):
        contexts.get_by_label(context).uncheck()
    both_widths(page, "profile-editor")
    page.get_by_role("button", name="Preview what changed").click()
    assert page.get_by_role("heading", name="Preview: what changed").is_visible()
    assert page.get_by_text("2 requirements differ").is_visible()
    preview = page.locator("section.preview tr.rise")
    assert preview.count() == 2
    assert "knowledge +1 application +1" in (preview.nth(1).text_content() or "")
    assert "dropped" in (preview.nth(0).text_content() or "")
    both_widths(page, "profile-editor-preview")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r".*/profiles/pmo-analyst/versions/1$"))
    assert page.get_by_text("Published PMO analyst v1.").is_visible()
    both_widths(page, "profile-version")


def put_on_the_profile(page: Any, server: Server, person_id: int) -> None:
    """The admin's session, through the API, as a script would."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.put(
        f"{server.url}/api/v1/people/{person_id}/profile",
        data=json.dumps({"profile": "pmo-analyst", "target_profile": None}),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": server.url},
    )
    assert response.status == 200, response.text()
    assert response.json()["profile"] == "pmo-analyst"


def rate_at_the_targets_but_one(page: Any) -> None:
    """Every level at its target, except the raised schedule management application at 3."""
    fieldsets = page.locator("fieldset")
    for i in range(fieldsets.count()):
        group = fieldsets.nth(i)
        legend = group.locator("legend").text_content() or ""
        target = int(re.search(r"target (\d)", legend).group(1))  # type: ignore[union-attr]
        heading = group.locator("xpath=ancestor::section[1]//h2").first.text_content() or ""
        if RAISED in heading and legend.startswith("Application"):
            target -= 1
        group.locator(f'input[type="radio"][value="{target}"]').check()


def test_an_admin_tailors_a_profile_and_a_person_is_judged_against_it(
    page: Any, server: Server
) -> None:
    make_the_analyst_profile(page, server)
    username = server.draft_user()
    person_id, context = person_of(server, username)
    put_on_the_profile(page, server, person_id)
    page.get_by_role("button", name=re.compile("^Sign out")).click()

    sign_in(page, server, username)
    page.goto(server.url + "/me/assessment")
    assert page.get_by_role("heading", name=RAISED).is_visible()
    assert page.get_by_role("heading", name=DROPPED).count() == 0
    rate_at_the_targets_but_one(page)
    page.get_by_role("button", name="Check answers and submit").click()
    page.wait_for_url(re.compile(r".*/me/assessment/check$"))
    assert page.locator(".unrated li").count() == 0  # every competence it asks is rated
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(rf".*/people/{person_id}$"))
    assert page.get_by_text("Judged against PMO analyst v1.").is_visible()
    standing = page.locator(".standing li").first.text_content() or ""
    assert standing.startswith("PMO analyst: not yet met: 1 of ")
    page.get_by_text("Why: the reasons, competence by competence").click()
    reason = f"Does not meet the PMO analyst profile in the {context} context: 1 of "
    assert page.get_by_text(re.compile(re.escape(reason))).is_visible()
    shortfalls = page.get_by_role("region", name="Shortfalls by competence")
    assert "23. Schedule management" in (shortfalls.text_content() or "")
    both_widths(page, "results-pmo-analyst")

    report = page.request.get(f"{server.url}/people/{person_id}/report.pdf")
    assert report.status == 200
    pdf = PdfReader(io.BytesIO(report.body()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Judged against PMO analyst v1" in text
    assert "PMO analyst: not yet met" in text
    assert "Schedule management: application 3, the PMO analyst profile needs 4" in text
