"""The two-way review in a real browser, on a desktop and on a phone: the assessor rates with
empty ratings and copies one self rating; the person sees the difference and replies; the
assessor reads the reply, agrees, and signs off after a confirmation. axe finds nothing, of any
impact, on any of these pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import (
    EVERY_IMPACT,
    Server,
    assessor_of,
    look,
    sign_in,
    submitted_users,
)

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


def sign_out(page: Any) -> None:
    page.context.clear_cookies()  # the next person signs in on the same browser


def fits(page: Any, width: int) -> None:
    body = page.evaluate("() => document.documentElement.scrollWidth")
    assert body <= width, f"{page.url} is {body}px wide"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_review_is_two_way(browser: Any, server: Server, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    officer = submitted_users(server)[WIDTHS.index(width)]
    assessor = assessor_of(server, officer)
    sign_in(page, server, officer)
    person_url = page.url
    name = (page.locator("main p.who").first.text_content() or "").split(" · ")[0]
    person_id = person_url.rsplit("/", 1)[1]
    sign_out(page)

    # The assessor: their ratings start empty, beside the self rating, its level and evidence.
    sign_in(page, server, assessor)
    page.goto(f"{server.url}/people/{person_id}/review")
    assert page.get_by_role("heading", name=f"Review: {name}, cycle 2026").is_visible()
    first = page.locator("section.review-item").first
    title = (first.locator("h2").text_content() or "").split("(")[0].strip()
    competence = title.split(". ", 1)[1]
    own = first.locator("ul.self-levels").text_content() or ""
    assert re.search(r"Knowledge: \d \w+", own), own  # the level's number and name
    knowledge = page.get_by_label(f"Knowledge for {competence}", exact=True)
    application = page.get_by_label(f"Application for {competence}", exact=True)
    assert knowledge.input_value() == ""
    assert application.input_value() == ""
    assert look(page, f"review-{width}-empty", EVERY_IMPACT) == []
    fits(page, width)
    # One click copies one self rating, and nothing else.
    page.get_by_role("button", name=f"Copy the self rating of {competence}").click()
    assert page.get_by_text("The self rating is copied").is_visible()
    copied = knowledge.input_value(), application.input_value()
    assert copied != ("", "")
    assert f"Knowledge: {copied[0]} " in own
    assert page.locator("select").evaluate_all("s => s.filter(e => e.value).length") == 2
    # The second competence: the assessor sees it differently, and says why.
    second = page.locator("section.review-item").nth(1)
    other = ((second.locator("h2").text_content() or "").split("(")[0].strip()).split(". ", 1)[1]
    said = second.locator("ul.self-levels li").first.text_content() or ""
    level = re.search(r"Knowledge: (\d)", said)
    theirs = "1" if level is None or level.group(1) != "1" else "3"
    page.get_by_label(f"Knowledge for {other}", exact=True).select_option(theirs)
    page.get_by_label(f"Application for {other}", exact=True).select_option(theirs)
    page.get_by_label(f"Comment on {other}").fill("Seen at the portfolio board in March")
    # Sending needs every competence rated: refused, then the rest copied with one click.
    page.get_by_role("button", name=f"Send my review to {name}").click()
    assert page.get_by_text("rate every competence that applies").is_visible()
    assert page.get_by_label(f"Knowledge for {other}", exact=True).input_value() == theirs
    page.get_by_role("button", name="Copy the self ratings into every empty rating").click()
    assert page.get_by_text("The self ratings are copied into every empty one.").is_visible()
    assert page.get_by_label(f"Knowledge for {other}", exact=True).input_value() == theirs
    page.get_by_role("button", name=f"Send my review to {name}").click()
    assert page.get_by_text(f"Your review is sent to {name}").is_visible()
    assert look(page, f"review-{width}-sent", EVERY_IMPACT) == []
    sign_out(page)

    # The person sees the ratings, the difference and the comment, and replies.
    sign_in(page, server, officer)
    review = page.locator("section.review-answers")
    assert review.get_by_role("heading", name="Your assessor's review, cycle 2026").is_visible()
    assert review.get_by_text("Seen at the portfolio board in March").is_visible()
    differs = review.locator("fieldset.differs")
    assert differs.count() == 1
    assert other in (differs.locator("legend").text_content() or "")
    assert re.search(r"assessor \d \([+-]\d\)", differs.text_content() or "")
    assert look(page, f"results-review-{width}-to-answer", EVERY_IMPACT) == []
    fits(page, width)
    review.get_by_label(f"Reply on {other}", exact=True).check()
    review.get_by_label(f"Your reply on {other}").fill("I chaired that board myself")
    review.get_by_role("button", name="Send my answers to my assessor").click()
    assert page.get_by_text("Your answers are sent to your assessor").is_visible()
    assert page.locator("section.review-answers").get_by_text("Replied:").is_visible()
    assert look(page, f"results-review-{width}-answered", EVERY_IMPACT) == []
    sign_out(page)

    # The assessor reads the reply, agrees, and signs off after the confirmation.
    sign_in(page, server, assessor)
    page.goto(f"{server.url}/people/{person_id}/review")
    assert page.get_by_text("I chaired that board myself").is_visible()
    page.get_by_role("button", name="Agree: take my ratings as agreed").click()
    assert page.get_by_text("The agreed ratings are recorded").is_visible()
    page.get_by_role("button", name="Sign off…").click()
    page.wait_for_url(re.compile(r".*/review/sign-off$"))
    assert page.get_by_text("It locks the whole cycle:").is_visible()
    assert look(page, f"sign-off-{width}-confirm", EVERY_IMPACT) == []
    fits(page, width)
    page.get_by_role("button", name="Sign off and lock cycle 2026").click()
    assert page.get_by_text("Signed off. Every record of this cycle is now read-only.").is_visible()
    assert look(page, f"review-{width}-signed-off", EVERY_IMPACT) == []
    context.close()
