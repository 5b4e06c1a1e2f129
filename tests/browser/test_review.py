"""The two-way review in a real browser, on a desktop and on a phone: the assessor rates with
empty ratings and copies one self rating; the person sees the difference and replies; the
assessor reads the reply, agrees, and signs off after a confirmation. axe finds nothing, of any
impact, on any of these pages."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
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
from tests.conftest import CASE_FILES
from tests.e2e.test_cli_database import competence

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


SAMPLE = "20c5134f-423d-4097-a971-3dd5152bf507"  # OpenSALT's sample framework: one axis
SHOTS = Path("/tmp/shots-axes")


def on_the_sample_framework(server: Server, tmp_path: Path) -> tuple[str, int]:
    """A person on a profile over OpenSALT's sample framework, with a submitted
    self-assessment, reviewed by a demo assessor who signs in: the assessor's user name and
    the person's id. Made once per server."""
    with sqlite3.connect(server.database) as db:
        assessor = db.execute(
            "SELECT u.username, p.email FROM auth_user u "
            "JOIN auth_user_groups ug ON ug.user_id = u.id "
            "JOIN auth_group g ON g.id = ug.group_id AND g.name = 'assessor' "
            "JOIN competence_person p ON p.user_id = u.id ORDER BY u.username LIMIT 1"
        ).fetchone()
        found = db.execute(
            "SELECT id FROM competence_person WHERE email = 'emmy@example.org'"
        ).fetchone()
    assert assessor, "the demo has no assessor who signs in"
    if found:
        return str(assessor[0]), int(found[0])
    url = f"sqlite:///{server.database}"
    files = {
        "ratio.yaml": f"schema: competence/profile/1\nid: ratio-analyst\nname: Ratio analyst\n"
        f"framework: {SAMPLE}\nrequirements:\n"
        "  - {competence: 2, application: 3, contexts: [programme]}\n"
        "  - {competence: 3, application: 3, contexts: [programme]}\n",
        "people.csv": "name,email,team,context,profile,assessor\n"
        f"Emmy Noether,emmy@example.org,Maths,programme,ratio-analyst,{assessor[1]}\n",
        "ratings.csv": "person,competence,knowledge,application,evidence\n"
        "emmy@example.org,2,,4,Taught ratios to year 6\nemmy@example.org,3,,2,\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    for args in (
        ("framework", "import", str(CASE_FILES / "opensalt-sample-framework.json")),
        ("profile", "import", str(tmp_path / "ratio.yaml")),
        ("import", str(tmp_path / "people.csv")),
        ("import", str(tmp_path / "ratings.csv"), "--cycle", "2026"),
    ):
        done = competence(url, *args)
        assert done.returncode == 0, done.stderr
    return on_the_sample_framework(server, tmp_path)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_single_axis_framework_is_reviewed_on_its_one_axis(
    browser: Any, server: Server, width: int, tmp_path: Path
) -> None:
    assessor, person_id = on_the_sample_framework(server, tmp_path)
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, server, assessor)
    page.goto(f"{server.url}/people/{person_id}/review")
    assert page.get_by_role("heading", name="Review: Emmy Noether, cycle 2026").is_visible()
    first = page.locator("section.review-item").first
    assert "(target 3)" in (first.locator("h2").text_content() or "")
    own = first.locator("ul.self-levels").text_content() or ""
    assert own.strip().startswith("Application: 4 "), own  # a level of the rubric
    name = (first.locator("h2").text_content() or "").split("(")[0].strip().split(". ", 1)[1]
    rating = page.get_by_label(f"Application for {name}", exact=True)
    assert rating.input_value() == ""
    assert page.get_by_label(f"Knowledge for {name}", exact=True).count() == 0
    main = page.locator("main").text_content() or ""
    assert "Knowledge" not in main
    assert "Unaware" not in main
    footer = page.locator("footer").text_content() or ""
    assert "What Standards Could Be" in footer
    assert "APM" not in footer
    rating.focus()
    page.keyboard.press("ArrowDown")  # the keyboard chooses a level
    assert rating.input_value() != ""
    assert look(page, f"review-single-axis-{width}", EVERY_IMPACT) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"review-single-axis-{width}.png"), full_page=True)
    fits(page, width)
    context.close()
