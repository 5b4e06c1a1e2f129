"""An admin's everyday work in the browser, at 1280 px and 390 px: add a person, then give
them (and someone else) an assessor from the people list."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest

from tests.browser.conftest import JOB_BYTES, Server, look, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_adds_a_person_and_gives_them_an_assessor(
    browser: Any, server: Server, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, server, "admin")
    if width < 600:
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("button", name="Add a person").click()  # a link that looks like one
    email = f"new-{width}@example.org"
    page.get_by_label("Name").fill(f"New Starter {width}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Team").select_option(index=1)
    page.get_by_label("PMO context").select_option("programme")
    assert look(page, f"admin-person-new-{width}") == []
    page.get_by_role("button", name="Add the person").click()
    page.wait_for_url(re.compile(r".*/people$"))
    assert page.get_by_role("status").filter(has_text=f"Added New Starter {width}").count() == 1

    page.get_by_label("Name, email or employee id").fill(email)
    page.get_by_role("button", name="Find").click()
    page.get_by_label(f"Choose New Starter {width}").check()
    assessor = page.get_by_label("Assessor", exact=True).last
    assessor.select_option(index=1)
    chosen = assessor.input_value()
    assert look(page, f"admin-people-bulk-{width}") == []
    page.get_by_role("button", name="Give them this assessor").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="1 people now have").count() == 1
    assert look(page, f"admin-people-done-{width}") == []
    with sqlite3.connect(server.database) as db:
        row = db.execute(
            "SELECT a.email FROM competence_person p JOIN competence_person a "
            "ON a.id = p.assessor_id WHERE p.email = ?",
            (email,),
        ).fetchone()
    assert row == (chosen,)
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_big_import_runs_as_a_job_with_its_progress_and_ends_with_its_result(
    browser: Any, server: Server, width: int
) -> None:
    """Above the server's job threshold (tests.browser.conftest.JOB_BYTES), the import page
    hands the file to a job; its page shows the progress in a bar and in words, reloads itself
    without a script, and ends with the same report the import page gives."""
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, server, "admin")
    rows = "".join(
        f"Starter {width}-{i},starter-{width}-{i}@example.org,Delivery / New starters,"
        "programme,pmo-officer\n"
        for i in range(100)
    )
    people = ("name,email,team,context,profile\n" + rows).encode()
    assert len(people) > JOB_BYTES
    page.goto(server.url + "/manage/import")
    page.get_by_label(re.compile("^File")).set_input_files(
        files=[{"name": "starters.csv", "mimeType": "text/csv", "buffer": people}]
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    assert page.get_by_role("heading", name="Import of starters.csv").count() == 1
    assert page.get_by_role("progressbar").count() == 1
    page.get_by_text(re.compile("Imported people file starters.csv")).wait_for()  # reloads
    assert "created 100" in page.get_by_role("status").first.inner_text() + page.inner_text("main")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # finished: it stays
    assert page.get_by_role("progressbar").get_attribute("value") == "100"
    assert look(page, f"admin-import-job-{width}") == []
    with sqlite3.connect(server.database) as db:
        made = db.execute(
            "SELECT COUNT(*) FROM competence_person WHERE email LIKE ?", (f"starter-{width}-%",)
        ).fetchone()[0]
    assert made == 100
    context.close()
