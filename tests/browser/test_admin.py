"""An admin's everyday work in the browser, at 1280 px and 390 px: add a person, then give
them (and someone else) an assessor from the people list."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest

from tests.browser.conftest import Server, look, sign_in

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
