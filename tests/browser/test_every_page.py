"""Every page of the app, signed in as each role, checked with axe-core at 1280 px and 390 px
(no violation of any impact), and at 360 px for a page body that never scrolls sideways."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import (
    JOB_BYTES,
    Server,
    assessor_of,
    axe_violations,
    screenshot,
    sign_in,
    swagger_ready,
)

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
NARROW = 360
WIDE = """() => [document.documentElement.scrollWidth, window.innerWidth]"""


def person_id(server: Server, username: str) -> int:
    with sqlite3.connect(server.database) as db:
        row = db.execute(
            "SELECT p.id FROM competence_person p JOIN auth_user u ON u.id = p.user_id "
            "WHERE u.username = ?",
            (username,),
        ).fetchone()
    assert row, username
    return int(row[0])


def pages(server: Server, role: str) -> Iterator[tuple[str, str, Any]]:
    """(name, path, what to do once there) of every page the role reaches."""
    nothing = None
    if role == "anonymous":
        yield "signin", "/signin", nothing
        yield "password-reset", "/password-reset", nothing
        yield "password-reset-sent", "/password-reset/sent", nothing
        yield "password-reset-bad-link", "/password-reset/MQ/not-a-token", nothing
        yield "password-reset-done", "/password-reset/done", nothing
        yield "signin-failed", "/signin", failed_sign_in
        return
    if role == "member":
        member = server.draft_user()
        own = person_id(server, member)
        yield "assessment", "/me/assessment", nothing
        yield "results", f"/people/{own}", nothing
        yield "results-with-plan", f"/people/{own}", suggest_steps
        yield "plan-edit", f"/people/{own}/plan/edit", nothing
        yield "plan-edit-problem", f"/people/{own}/plan/edit", bad_plan_date
        yield "framework", "/framework?profile=pmo-specialist&context=programme", nothing
        yield "compare", "/framework/compare", nothing
        yield "forbidden", "/team", nothing
        yield "not-found", "/people/999999", nothing
        return
    if role == "assessor":
        assessor = assessor_of(server, server.draft_user())
        yield "review-list", "/review", nothing
        ask_for_views(server, assessor, given=True)
        yield "review", "/review", open_first_review
        yield "team-figures", "/team", nothing
        yield "calibration-assessor", "/team/calibration", nothing
        yield "due", "/due", nothing
        yield "results-own", f"/people/{person_id(server, assessor)}", nothing
        return
    if role == "lead":
        yield "team", "/team", nothing
        yield "team-programme", "/team?context=programme", nothing
        yield "team-plan", "/team/plan", nothing
        yield "calibration-lead", "/team/calibration", nothing
        yield "trends-lead", "/team/trends", nothing
        yield "team-plan-result", "/team/plan", plan_the_team
        yield "team-plan-problem", "/team/plan", plan_nothing
        yield "team-plan-what-if", "/team/plan", what_if_two_leave
        yield "results-of-a-person", "/team", open_first_person
        yield "api-docs", "/api/v1/docs", swagger_ready
        yield "audit-lead", "/audit", nothing
        yield "people-lead", "/people", nothing
        yield "due-lead", "/due", nothing
        view = ask_for_views(server, None, given=False)
        yield "raters-asked", "/raters", nothing
        yield "second-view", f"/raters/{view}", nothing
        return
    if role == "admin":
        yield "import", "/manage/import", nothing
        yield "import-problem", "/manage/import", import_a_bad_file
        yield "job-import-problem", "/manage/import", import_a_bad_file_as_a_job
        yield "team-report-as-a-job", "/team/report.xlsx", nothing
        yield "review-list-admin", "/review", nothing
        yield "users", "/users", nothing
        yield "users-invite-problem", "/users", invite_nobody
        yield "user", "/users", open_first_user
        yield "user-new-token", "/users", make_a_token
        yield "cycles", "/cycles", nothing
        yield "cycles-problem", "/cycles", open_a_bad_cycle
        yield "cycle", "/cycles", open_last_cycle
        yield "audit", "/audit", nothing
        yield "calibration-admin", "/team/calibration", nothing
        yield "audit-filtered", "/audit?model=Person&action=update", nothing
        someone = person_id(server, server.draft_user())
        team_id, pmo_id = first_team_and_pmo(server)
        yield "admin-hub", "/admin", nothing
        yield "people", "/people", nothing
        yield "people-search", "/people?q=a&left=here", nothing
        yield "people-bulk-problem", "/people", bulk_without_anyone
        yield "person-new", "/people/new", nothing
        yield "person-new-problem", "/people/new", add_nobody
        yield "person-edit", f"/people/{someone}/edit", nothing
        yield "person-erase", f"/people/{someone}/erase", nothing
        yield "person-raters", f"/people/{someone}/raters", nothing
        yield "person-raters-problem", f"/people/{someone}/raters", invite_nobody_to_rate
        yield "teams", "/teams", nothing
        yield "team-new", "/teams/new", nothing
        yield "team-edit", f"/teams/{team_id}/edit", nothing
        yield "pmo-new", "/pmos/new", nothing
        yield "pmo-edit", f"/pmos/{pmo_id}/edit", nothing
        yield "webhooks", "/webhooks", nothing
        yield "webhooks-problem", "/webhooks", add_a_bad_webhook
        yield "webhooks-added", "/webhooks", add_a_webhook
        yield "webhooks-secret-and-log", "/webhooks", ping_and_show_the_secret
        yield "webhooks-delete-asks", "/webhooks", ask_to_delete


def ask_for_views(server: Server, assessor: str | None, given: bool) -> int:
    """Second views in the demo's open cycle: given by the lead and the admin of each person
    ``assessor`` reviews; or asked of the lead (not given) for the draft user's person. The id of
    the lead's view of the last person."""
    with sqlite3.connect(server.database) as db:
        (cycle,) = db.execute(
            "SELECT id FROM competence_cycle WHERE closes_on IS NULL ORDER BY opens_on DESC"
        ).fetchone()
        if assessor is not None:
            people = [
                r[0]
                for r in db.execute(
                    "SELECT p.id FROM competence_person p JOIN competence_person a "
                    "ON a.id = p.assessor_id JOIN auth_user u ON u.id = a.user_id "
                    "WHERE u.username = ?",
                    (assessor,),
                )
            ]
        else:
            people = [person_id(server, server.draft_user())]
        for person in people:
            for rater, relation in (("lead", "peer"), ("admin", "project-manager")):
                if not given and rater == "admin":
                    continue
                db.execute(
                    "INSERT OR IGNORE INTO competence_secondview (person_id, cycle_id, rater_id, "
                    "relation, status, ratings, invited_by, invited_at, given_at) SELECT ?, ?, "
                    "id, ?, ?, ?, 'admin', datetime('now'), datetime('now') FROM auth_user "
                    "WHERE username = ?",
                    (
                        person,
                        cycle,
                        relation,
                        "given" if given else "invited",
                        '{"1": {"knowledge": 3, "application": 2}}' if given else "{}",
                        rater,
                    ),
                )
        (last,) = db.execute(
            "SELECT max(v.id) FROM competence_secondview v JOIN auth_user u ON u.id = v.rater_id "
            "WHERE u.username = 'lead' AND v.person_id = ?",
            (people[-1],),
        ).fetchone()
    return int(last)


def invite_nobody_to_rate(page: Any) -> None:
    page.get_by_role("button", name="Invite").click()
    page.wait_for_load_state()


def first_team_and_pmo(server: Server) -> tuple[int, int]:
    with sqlite3.connect(server.database) as db:
        team = db.execute("SELECT min(id) FROM competence_team").fetchone()[0]
        pmo = db.execute("SELECT min(id) FROM competence_pmo").fetchone()[0]
    return int(team), int(pmo)


def bulk_without_anyone(page: Any) -> None:
    page.get_by_role("button", name="Give them this assessor").click()
    page.wait_for_load_state()


def add_nobody(page: Any) -> None:
    page.get_by_role("button", name="Add the person").click()
    page.wait_for_load_state()


def failed_sign_in(page: Any) -> None:
    page.get_by_label("User name", exact=True).fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def suggest_steps(page: Any) -> None:
    button = page.get_by_role("button", name=re.compile("^Suggest the next steps"))
    if button.count():
        button.click()
        page.wait_for_load_state()


def bad_plan_date(page: Any) -> None:
    dates = page.locator("input[type=date]")
    if dates.count():
        dates.first.evaluate("e => { e.type = 'text'; e.value = 'soon'; }")
        page.get_by_role("button", name="Save the plan").click()
        page.wait_for_load_state()


def open_first_review(page: Any) -> None:
    page.locator("main a[href$='/review']").first.click()
    page.wait_for_load_state()


def what_if_two_leave(page: Any) -> None:
    boxes = page.locator('input[name="leaving"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Show what if they leave").click()
    page.wait_for_load_state()


def plan_the_team(page: Any) -> None:
    page.locator("#id_need-0-competence").select_option("23")
    page.locator("#id_need-0-level").select_option("specialist")
    page.locator("#id_need-0-at_least").fill("3")
    page.locator("#id_need-1-competence").select_option("6")
    page.locator("#id_need-1-at_least").fill("9")
    page.get_by_role("button", name="Plan", exact=True).click()
    page.wait_for_load_state()


def plan_nothing(page: Any) -> None:
    page.get_by_role("button", name="Plan", exact=True).click()
    page.wait_for_load_state()


def open_first_person(page: Any) -> None:
    page.locator("main table a[href^='/people/']").first.click()
    page.wait_for_load_state()


def import_a_bad_file(page: Any) -> None:
    page.get_by_label(re.compile("^File")).set_input_files(
        files=[
            {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"name,email\nx,not-an-email\n"}
        ]
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()


def import_a_bad_file_as_a_job(page: Any) -> None:
    """A file above the job threshold: the job's page, once the demo's worker has run it."""
    rows = "".join(f"nobody{i}@example.org,1,3,3\n" for i in range(JOB_BYTES // 20))
    page.get_by_label(re.compile("^File")).set_input_files(
        files=[
            {
                "name": "big.csv",
                "mimeType": "text/csv",
                "buffer": ("person,competence,knowledge,application\n" + rows).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    page.get_by_text("Nothing was imported.").wait_for(timeout=30_000)


def invite_nobody(page: Any) -> None:
    page.get_by_label("User name", exact=True).fill("admin")
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_label("Email", exact=True).evaluate("e => { e.type = 'text'; }")
    page.get_by_role("button", name="Invite").click()
    page.wait_for_load_state()


def open_first_user(page: Any) -> None:
    page.locator("main table a[href^='/users/']").first.click()
    page.wait_for_load_state()


def make_a_token(page: Any) -> None:
    open_first_user(page)
    page.get_by_label(re.compile("^Name")).fill("a spreadsheet")
    page.get_by_role("button", name="Make a token").click()
    page.wait_for_load_state()


def open_a_bad_cycle(page: Any) -> None:
    page.get_by_label("Name", exact=True).fill("x" * 10)
    page.get_by_label("Opens on").fill("2031-01-06")
    page.get_by_label(re.compile("^Due date")).fill("2030-01-01")
    page.get_by_role("button", name="Open the cycle").click()
    page.wait_for_load_state()


def open_last_cycle(page: Any) -> None:
    page.locator("main table a[href^='/cycles/']").last.click()


def add_a_bad_webhook(page: Any) -> None:
    page.get_by_role("textbox", name=re.compile("^Address")).fill("ftp://example.org/hook")
    page.get_by_role("button", name="Add the webhook").click()
    page.wait_for_load_state()


def add_a_webhook(page: Any) -> None:
    page.get_by_role("textbox", name=re.compile("^Address")).fill(
        "http://127.0.0.1:9/competence-events"
    )
    page.get_by_role("checkbox", name=re.compile("person.created")).check()
    page.get_by_role("checkbox", name=re.compile("assessment.signed_off")).check()
    page.get_by_role("button", name="Add the webhook").click()
    page.wait_for_load_state()


def ping_and_show_the_secret(page: Any) -> None:
    """A test to an address nobody answers at: the log says so, with its retry button."""
    if not page.get_by_role("button", name=re.compile("^Send a test")).count():
        add_a_webhook(page)
    page.get_by_role("button", name=re.compile("^Send a test")).first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile("^Show the secret")).first.click()
    page.wait_for_load_state()


def ask_to_delete(page: Any) -> None:
    page.get_by_role("button", name=re.compile("^Delete")).first.click()
    page.wait_for_load_state()


ROLES = ("anonymous", "member", "assessor", "lead", "admin")


def username(server: Server, role: str) -> str | None:
    if role == "member":
        return server.draft_user()
    if role == "assessor":
        return assessor_of(server, server.draft_user())
    return None if role == "anonymous" else role


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_fits_a_phone(browser: Any, server: Server, role: str) -> None:
    found: dict[str, Any] = {}
    who = username(server, role)
    for width in (*WIDTHS, NARROW):
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        if who:
            sign_in(page, server, who)
        for name, path, then in pages(server, role):
            page.goto(server.url + path)
            if then is not None:
                then(page)
            label = f"{name}@{width}"
            if width == NARROW:
                scroll, inner = page.evaluate(WIDE)
                if scroll > inner:
                    found[label] = f"the page is {scroll}px wide in a {inner}px window"
                continue
            screenshot(page, f"every-{role}-{label}")
            violations = axe_violations(page)
            if violations:
                found[label] = violations
        context.close()
    report = "\n".join(
        f"{label}: "
        + (
            problems
            if isinstance(problems, str)
            else "; ".join(f"{v['id']} ({v['impact']}) at {v['nodes']}" for v in problems)
        )
        for label, problems in found.items()
    )
    assert not found, report
