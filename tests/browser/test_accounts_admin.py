"""Journeys at 1280 px and 390 px: an admin invites a user and opens a cycle; a PMO lead reads
the audit trail. Keyboard only where a person would type."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Server, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_invites_a_user_and_opens_a_cycle(
    browser: Any, server: Server, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, server, "admin")
    page.goto(server.url + "/users")
    page.get_by_label("User name", exact=True).fill(f"mary{width}")
    page.get_by_label("Email", exact=True).fill(f"mary{width}@example.org")
    page.get_by_label("Role", exact=True).last.select_option("assessor")
    page.get_by_label("Email", exact=True).press("Tab")
    page.get_by_role("button", name="Invite").click()
    page.wait_for_url(re.compile(r".*/users/\d+$"))
    assert f"mary{width} is invited" in page.locator(".messages").inner_text()
    assert "not set yet (invited)" in page.locator("dl.facts").inner_text()
    screenshot(page, f"accounts-invited@{width}")
    assert axe_violations(page) == []

    page.goto(server.url + "/cycles")
    page.get_by_label("Name", exact=True).fill(f"Spring {width}")
    page.get_by_label("Opens on").fill("2031-03-03")
    page.get_by_label(re.compile("^Due date")).fill("2031-04-30")
    page.get_by_role("button", name="Open the cycle").click()
    page.wait_for_url(re.compile(r".*/cycles$"))
    row = page.locator("tr", has_text=f"Spring {width}")
    assert "2031-04-30" in row.inner_text()
    assert "upcoming" in row.inner_text()
    screenshot(page, f"accounts-cycle-opened@{width}")
    assert axe_violations(page) == []
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_lead_reads_the_audit_trail(browser: Any, server: Server, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, server, "lead")
    page.goto(server.url + "/audit")
    assert "You see the entries about the people you may see" in page.inner_text("main")
    page.get_by_label("Record").select_option("Person")
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_url(re.compile(r".*/audit\?.*model=Person"))
    assert page.locator("table.audit tbody tr").count() > 0
    screenshot(page, f"accounts-audit-lead@{width}")
    assert axe_violations(page) == []
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner
    context.close()
