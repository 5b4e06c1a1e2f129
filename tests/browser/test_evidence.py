"""Evidence in a real browser, on a wide and a narrow screen: a person says how sure they are,
gives a link and attaches a file to a rating, sees it listed and downloads it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server, assessor_of, look, sign_in
from tests.evidence_files import png

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height", "index"), [(1280, 900, 0), (390, 844, 1)])
def test_a_person_attaches_a_link_and_a_file_to_a_rating(
    browser: Any, server: Server, tmp_path: Path, width: int, height: int, index: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    try:
        user = server.draft_user()
        sign_in(page, server, user)
        page.goto(server.url + "/me/assessment")
        section = page.locator("section.competence").nth(index)
        number = (section.get_attribute("id") or "").removeprefix("competence-")
        link = f"https://wiki.example.org/evidence-{width}"
        section.get_by_label(re.compile("How sure are you of this rating")).select_option(
            "fairly sure"
        )
        section.get_by_label(re.compile("Links to evidence")).fill(link)
        section.get_by_label(re.compile("Links to evidence")).press("Tab")
        page.locator("[data-save-state]").filter(has_text="Saved").wait_for()
        # Saved means on the server, not only kept in this browser (both saves, the confidence's
        # and the links', may take a moment).
        for _ in range(50):
            confidence, links = server.stored_evidence(user, number)
            if link in links:
                break
            page.wait_for_timeout(200)
        assert confidence is not None
        assert link in links
        picture = tmp_path / f"gate-review-{width}.png"
        picture.write_bytes(png(40, 30))
        section.get_by_label(re.compile("Attach a file")).set_input_files(str(picture))
        section.get_by_role("button", name="Attach the file").click()
        page.wait_for_url(re.compile(rf".*/me/assessment#competence-{number}$"))
        assert page.get_by_text(f"Attached {picture.name} to competence {number}.").is_visible()
        section = page.locator(f"#competence-{number}")
        download = section.get_by_role("link", name=picture.name)
        assert download.is_visible()
        assert section.get_by_label(re.compile("Links to evidence")).input_value() == link
        assert section.get_by_label(re.compile("How sure")).input_value() == "fairly sure"
        # The file comes back as it went, as a download of its real type.
        response = page.request.get(server.url + (download.get_attribute("href") or ""))
        assert response.status == 200
        assert response.headers["content-type"] == "image/png"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.body() == picture.read_bytes()
        # Keyboard: the remove button is reachable and shows its focus.
        remove = section.get_by_role("button", name=f"Remove {picture.name}")
        remove.focus()
        outline = remove.evaluate(
            "b => getComputedStyle(b).outlineStyle + getComputedStyle(b).boxShadow"
        )
        assert outline != "nonenone"
        ARTIFACTS.mkdir(exist_ok=True)
        section.locator(".evidence-fields").evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"evidence-rating-{width}.png"))
        body_width = page.evaluate("document.documentElement.scrollWidth")
        assert body_width <= width, "the page body scrolls sideways"
        assert look(page, f"evidence-assessment-{width}") == []
        # Submitted (a draft is the person's alone), the assessor sees the confidence, the link
        # and the file beside the self rating.
        page.get_by_role("button", name="Check answers and submit").click()
        page.wait_for_url(re.compile(r".*/me/assessment/check(#.*)?$"))
        confirm = page.get_by_label(re.compile("I submit without rating"))
        if confirm.count():  # competences left unrated: submitting them needs saying so
            confirm.check()
        page.get_by_role("button", name="Submit for review").click()
        page.wait_for_url(re.compile(r".*/people/\d+(#.*)?$"))
        person = page.evaluate("document.querySelector('a[href^=\"/people/\"]').pathname")
        context.clear_cookies()
        sign_in(page, server, assessor_of(server, user))
        page.goto(server.url + person + "/review")
        row = page.locator(".review-item").filter(has=page.get_by_role("link", name=picture.name))
        assert row.get_by_role("link", name=link).is_visible()
        assert row.get_by_text("Fairly sure").is_visible()
        row.get_by_role("link", name=link).evaluate(
            "e => e.scrollIntoView({block: 'center', inline: 'nearest'})"
        )
        page.screenshot(path=str(ARTIFACTS / f"evidence-review-{width}.png"))
        assert look(page, f"evidence-review-full-{width}") == []
    finally:
        context.close()
