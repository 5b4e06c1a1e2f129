"""The journeys of DESIGN.md in a real browser, each page checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Server, assessor_of, look, sign_in, swagger_ready

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const e = document.activeElement;
  return e ? [e.tagName, e.type || "", e.name || "", e.value || "", e.checked || false] : null;
}"""
TARGET = """() => {
  const f = document.activeElement.closest("fieldset");
  const m = f && f.querySelector("legend small").textContent.match(/target (\\d)/);
  return m ? Number(m[1]) : null;
}"""
CHECKED = """() => {
  const c = document.activeElement.closest("fieldset").querySelector("input:checked");
  return c ? Number(c.value) : null;
}"""


def tab_to(page: Any, predicate: Any, limit: int = 400) -> list[Any]:
    for _ in range(limit):
        focused = page.evaluate(FOCUSED)
        if focused and predicate(focused):
            return list(focused)
        page.keyboard.press("Tab")
    raise AssertionError("focus never reached the element")


def test_a_member_fills_in_and_submits_with_the_keyboard_alone(page: Any, server: Server) -> None:
    username = server.draft_user()
    sign_in(page, server, username)
    page.goto(server.url + "/me/assessment")
    assert look(page, "assessment-before") == []
    groups = page.locator("fieldset").count()
    assert groups % 2 == 0
    assert groups >= 52
    tab_to(page, lambda f: f[1] == "radio")
    for group in range(groups):
        focused = page.evaluate(FOCUSED)
        assert focused[1] == "radio", f"group {group}: focus is on {focused}"
        target, checked = page.evaluate(TARGET), page.evaluate(CHECKED)
        if checked is None:
            page.keyboard.press("Space")  # selects the focused level, 0
            checked = 0
        for _ in range((target - checked) % 6):
            page.keyboard.press("ArrowDown")  # the next level, selected as focus moves
        assert page.evaluate(CHECKED) == target
        page.keyboard.press("Tab")
        if group % 2 == 1:  # after application comes the evidence note
            assert page.evaluate(FOCUSED)[0] == "TEXTAREA"
            if group == 1:
                page.keyboard.type("Ran the stage-gate reviews for the finance programme")
            page.keyboard.press("Tab")
            # Then how sure, links and a file: optional, each reached and passed with Tab.
            assert page.evaluate(FOCUSED)[2].startswith("confidence-")
            if group < groups - 1:
                tab_to(page, lambda f: f[1] == "radio", limit=8)
    state = page.locator("[data-save-state]")
    page.wait_for_function(
        "() => !['', 'Saving…'].includes(document.querySelector('[data-save-state]').textContent)"
    )
    assert state.text_content() == "Saved"
    tab_to(page, lambda f: f[0] == "BUTTON" and f[3] == "check")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/me/assessment/check$"))
    assert page.get_by_role("heading", name="Check your answers before you submit").is_visible()
    assert look(page, "check-answers-complete") == []
    page.get_by_role("button", name="Submit for review").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/people/\d+$"))
    assert page.get_by_text("Submitted. Your assessor can now review it.").is_visible()
    standing = page.locator(".standing li").first
    assert standing.is_visible()
    assert (standing.text_content() or "").startswith("PMO officer: met")
    assert page.get_by_text("Ran the stage-gate reviews for the finance programme").is_visible()
    assert look(page, "results-after-submit") == []
    name = page.locator("main p.who").first.text_content() or ""
    person = name.split(" · ")[0]
    # The assessor takes it from here: rate, comment and send the review (the rest of the
    # two-way review is tests/browser/test_review.py).
    page.get_by_role("button", name=re.compile("^Sign out")).click()
    sign_in(page, server, assessor_of(server, username))
    page.get_by_role("link", name="Review", exact=True).click()
    assert look(page, "review-list") == []
    page.get_by_role("link", name=person).click()
    assert page.get_by_role("heading", name=f"Review: {person}, cycle 2026").is_visible()
    assert look(page, "review") == []
    page.get_by_label("Comment on Life cycles").fill("Agreed after the quarterly review")
    page.get_by_label("Knowledge for Life cycles", exact=True).select_option("3")
    page.get_by_label("Application for Life cycles", exact=True).select_option("1")
    page.get_by_role("button", name="Save my ratings and comments").click()
    assert page.get_by_text("Your ratings and comments are saved.").is_visible()
    page.get_by_role("button", name="Copy the self ratings into every empty rating").click()
    page.get_by_role("button", name=f"Send my review to {person}").click()
    assert page.get_by_text("Agreed after the quarterly review").is_visible()
    assert look(page, "review-sent") == []
    # Two levels apart: the self-assessment said the target, 3 or more; the assessor said 1.
    assert page.get_by_text(re.compile(r"differs? by 2 levels or more")).is_visible()


def test_the_pmo_lead_opens_the_team_view_and_a_person(page: Any, server: Server) -> None:
    sign_in(page, server, "lead")
    page.goto(server.url + "/team")
    assert page.get_by_role("heading", name="Team capability").is_visible()
    assert look(page, "team") == []
    page.get_by_label("Context").select_option("programme")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r".*context=programme.*"))
    assert look(page, "team-programme") == []
    page.locator("table a").first.click()
    page.wait_for_url(re.compile(r".*/people/\d+$"))
    assert page.get_by_role("heading", name=re.compile("^Results: ")).is_visible()
    assert look(page, "results-by-lead") == []


@pytest.mark.parametrize(
    ("user", "path", "name"),
    [
        (None, "/signin", "signin"),
        ("lead", "/framework?profile=pmo-specialist&context=programme", "framework"),
        ("lead", "/framework/compare", "compare"),
        ("lead", "/manage/import", "import"),
        ("lead", "/team/plan", "team-plan"),
        ("lead", "/api/v1/docs", "api-docs"),
    ],
)
def test_every_page_passes_the_accessibility_check(
    page: Any, server: Server, user: str | None, path: str, name: str
) -> None:
    if user:
        sign_in(page, server, user)
    page.goto(server.url + path)
    if name == "api-docs":
        swagger_ready(page)
    violations = look(page, name)
    assert violations == [], violations


def test_pages_fit_a_small_screen(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, server, "lead")
    for path, name in (("/team", "team-360"), ("/framework/compare", "compare-360")):
        page.goto(server.url + path)
        assert look(page, name) == []
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
    context.close()
