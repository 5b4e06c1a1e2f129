"""The self-assessment's cycle in a real browser, at a desktop's and a phone's width: an
incomplete submission needs a confirmation, a submission can be withdrawn, an ended session
loses nothing, and the sticky Save bar never covers the keyboard focus."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, Server, look, sign_in

pytestmark = pytest.mark.browser
WIDTHS = [1280, 390]


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Any, int]]:
    width = request.param
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 600 else 780}, bypass_csp=True
    )
    page = context.new_page()
    yield page, width
    context.close()


def status_of(server: Server, username: str) -> str:
    with sqlite3.connect(server.database) as db:
        row = db.execute(
            "SELECT a.status FROM competence_assessment a "
            "JOIN competence_person p ON p.id = a.person_id "
            "JOIN auth_user u ON u.id = p.user_id "
            "JOIN competence_cycle c ON c.id = a.cycle_id "
            "WHERE a.kind = 'self' AND c.closes_on IS NULL AND u.username = ?",
            (username,),
        ).fetchone()
    return str(row[0])


def seen(page: Any, name: str, width: int) -> None:
    """A screenshot and axe's check; the page body never scrolls sideways."""
    assert look(page, name) == []
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"{name}: the page is {wide} px wide"


def saved(page: Any) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-save-state]').textContent === 'Saved'"
    )


def choose(page: Any, number: int, knowledge: int, application: int) -> None:
    section = page.locator(f"#competence-{number}")
    section.locator(f"input[name='knowledge-{number}'][value='{knowledge}']").check()
    section.locator(f"input[name='application-{number}'][value='{application}']").check()


def test_an_incomplete_submission_needs_confirmation_and_can_be_withdrawn(
    sized: tuple[Any, int], server: Server
) -> None:
    page, width = sized
    username = server.draft_user()
    sign_in(page, server, username)
    page.goto(server.url + "/me/assessment")
    choose(page, 1, 3, 2 if width > 600 else 1)  # a change at each width
    saved(page)
    seen(page, f"assessment-{width}", width)
    page.get_by_role("button", name="Check answers and submit").click()
    page.wait_for_url(re.compile(r".*/me/assessment/check$"))
    unrated = page.locator(".unrated li").count()
    assert unrated > 0
    heading = f"{unrated} competences not rated yet"
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.get_by_role("heading", name="The verdict these ratings would give").is_visible()
    seen(page, f"check-answers-{width}", width)
    # Without the confirmation, nothing is submitted.
    page.get_by_role("button", name="Submit for review").click()
    assert page.get_by_text(f"{unrated} competences are not rated yet").is_visible()
    assert status_of(server, username) == "draft"
    seen(page, f"check-answers-refused-{width}", width)
    page.get_by_label(re.compile(f"I submit without rating {unrated} competences")).check()
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(r".*/people/\d+$"))
    assert status_of(server, username) == "submitted"
    # Withdraw: a draft again, to change and submit later.
    page.goto(server.url + "/me/assessment")
    seen(page, f"assessment-submitted-{width}", width)
    page.get_by_role("button", name="Withdraw my submission").click()
    assert page.get_by_text("Withdrawn: your self-assessment is a draft again.").is_visible()
    assert status_of(server, username) == "draft"
    assert page.get_by_role("button", name="Check answers and submit").is_visible()


def test_an_ended_session_loses_nothing(sized: tuple[Any, int], server: Server) -> None:
    page, width = sized
    username = server.draft_user()
    sign_in(page, server, username)
    page.goto(server.url + "/me/assessment")
    level = 4 if width > 600 else 5  # a change at each width
    choose(page, 2, level, 3)
    saved(page)
    # The session ends (its cookie is gone) while the person goes on.
    context = page.context
    kept = [c for c in context.cookies() if c["name"] != "sessionid"]
    context.clear_cookies()
    context.add_cookies(kept)
    choose(page, 3, 2, 2)
    page.locator("#id_evidence-3").fill(f"Wrote the PMO's governance handbook ({width})")
    page.locator("#id_evidence-3").blur()
    state = page.locator("[data-save-state]")
    page.wait_for_function(
        "() => document.querySelector('[data-save-state]').textContent.startsWith('You were')"
    )
    assert "kept on this device" in (state.text_content() or "")
    seen(page, f"assessment-signed-out-{width}", width)
    page.get_by_role("link", name="sign in again to save them").click()
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/me/assessment$"))
    saved(page)
    assert page.locator("[data-restore-state]").is_visible()
    page.reload()  # what the server holds now
    for name, value in (
        ("knowledge-2", str(level)),
        ("application-2", "3"),
        ("knowledge-3", "2"),
        ("application-3", "2"),
    ):
        assert page.locator(f"input[name='{name}'][value='{value}']").is_checked(), name
    assert page.locator("#id_evidence-3").input_value() == (
        f"Wrote the PMO's governance handbook ({width})"
    )
    assert page.evaluate("() => window.localStorage.length") == 0
    # The Save button without the script's help: the form is kept over the sign-in, and saved.
    kept = [c for c in context.cookies() if c["name"] != "sessionid"]
    context.clear_cookies()
    context.add_cookies(kept)
    page.evaluate("() => { document.querySelector('form[data-autosave]').dataset.autosave = ''; }")
    page.locator(f"input[name='knowledge-4'][value='{level - 3}']").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r".*/signin\?next=.*"))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/me/assessment$"))
    assert page.get_by_text("Your answers from before you signed in again are saved").is_visible()
    assert page.locator(f"input[name='knowledge-4'][value='{level - 3}']").is_checked()
    assert page.locator(f"input[name='knowledge-2'][value='{level}']").is_checked()
    assert page.evaluate("() => window.localStorage.length") == 0


UNDER_THE_BAR = """() => {
  const bar = document.querySelector(".actions");
  const e = document.activeElement;
  if (!bar || !e || e === document.body || bar.contains(e)) { return null; }
  const r = e.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
  const where = [e.name || e.tagName, Math.round(r.bottom), Math.round(top)];
  return r.bottom > top + 0.5 ? where : false;
}"""


def test_the_save_bar_never_covers_the_focused_control(
    sized: tuple[Any, int], server: Server
) -> None:
    page, width = sized
    sign_in(page, server, server.draft_user())
    page.goto(server.url + "/me/assessment")
    if width < 600:  # the menu folds away on a phone
        assert page.locator("#menu").is_hidden()
    covered, stops = [], 0
    for _ in range(400):
        page.keyboard.press("Tab")
        found = page.evaluate(UNDER_THE_BAR)
        if found:
            covered.append(found)
        if page.evaluate("() => document.activeElement.value === 'check'"):
            break
        stops += 1
    assert stops > 80  # every competence: two radio groups and a note each
    assert covered == []


def bump(page: Any, number: int, axis: str) -> str:
    """Choose the next level of one competence's axis (from not rated: 0); its value."""
    name = f"{axis}-{number}"
    checked = page.locator(f"input[name='{name}']:checked")
    value = str((int(checked.get_attribute("value")) + 1) % 6) if checked.count() else "0"
    page.locator(f"input[name='{name}'][value='{value}']").check()
    return value


def test_two_tabs_never_overwrite_each_other(browser: Any, server: Server) -> None:
    username = server.draft_user()
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        pages.append(context.new_page())
        sign_in(pages[-1], server, username)
        pages[-1].goto(server.url + "/me/assessment")
    one, two = pages
    first = bump(one, 7, "knowledge")
    saved(one)
    second = bump(two, 8, "knowledge")
    conflict = two.locator("[data-conflict]")
    conflict.wait_for(state="visible")
    text = conflict.text_content() or ""
    assert "8. " in text
    assert "Changed elsewhere since you opened this page:7. " in text
    seen(two, "assessment-conflict-1280", 1280)
    two.get_by_role("button", name="Keep mine").click()
    saved(two)
    two.reload()
    assert two.evaluate("() => window.localStorage.length") == 0
    assert two.locator(f"input[name='knowledge-7'][value='{first}']").is_checked()
    assert two.locator(f"input[name='knowledge-8'][value='{second}']").is_checked()
    for page in pages:
        page.context.close()


def test_autosave_tries_again_after_a_failed_save(page: Any, server: Server) -> None:
    sign_in(page, server, server.draft_user())
    posts: list[str] = []

    def fail_once(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.url)
        if len(posts) == 1:
            route.fulfill(status=503, content_type="application/json", body="{}")
        else:
            route.continue_()

    page.route("**/me/assessment", fail_once)
    page.goto(server.url + "/me/assessment")
    value = bump(page, 9, "application")
    page.wait_for_function(
        "() => document.querySelector('[data-save-state]').textContent.startsWith('Not saved yet')"
    )
    saved(page)
    assert len(posts) == 2
    page.unroute("**/me/assessment")
    page.reload()
    assert page.locator(f"input[name='application-9'][value='{value}']").is_checked()
