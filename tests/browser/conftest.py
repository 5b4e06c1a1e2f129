"""Browser tests: the app served by `competence serve --demo` in a subprocess, driven by
Playwright in Debian's headless Chromium. Screenshots go to test-artifacts/ (git-ignored), for
people to look at; CI keeps none, so `.ci/run` sets COMPETENCE_TEST_SCREENSHOTS=0 and saves the
minutes they take."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.serving import DidNotStart, serving

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "e2e" / "vendor" / "axe.min.js"
PASSWORD = "demo-competence"
JOB_BYTES = 2000
"""A web import of a larger file runs as a job, in the browser tests' server."""


@dataclass
class Server:
    url: str
    database: Path
    output: list[str]

    def draft_user(self) -> str:
        """A demo user whose self-assessment in the open cycle is still a draft."""
        with sqlite3.connect(self.database) as db:
            row = db.execute(
                "SELECT u.username FROM competence_assessment a "
                "JOIN competence_person p ON p.id = a.person_id "
                "JOIN auth_user u ON u.id = p.user_id "
                "JOIN competence_cycle c ON c.id = a.cycle_id "
                "WHERE a.kind = 'self' AND a.status = 'draft' AND c.closes_on IS NULL "
                "ORDER BY u.username LIMIT 1"
            ).fetchone()
        assert row, "the demo has no draft self-assessment"
        return str(row[0])

    def stored_evidence(self, username: str, competence: str) -> tuple[int | None, str]:
        """The confidence and the links (JSON) saved on a user's draft rating of a competence."""
        with sqlite3.connect(self.database) as db:
            row = db.execute(
                "SELECT r.confidence, r.evidence_links FROM competence_rating r "
                "JOIN competence_assessment a ON a.id = r.assessment_id "
                "JOIN competence_person p ON p.id = a.person_id "
                "JOIN auth_user u ON u.id = p.user_id "
                "WHERE u.username = ? AND a.kind = 'self' AND a.status = 'draft' "
                "AND r.competence = ?",
                (username, int(competence)),
            ).fetchone()
        return (None, "") if row is None else (row[0], row[1])


def submitted_users(server: Server) -> list[str]:
    """Demo users whose self-assessment in the open cycle is submitted, with no assessor's
    ratings yet, and whose assessor signs in."""
    with sqlite3.connect(server.database) as db:
        rows = db.execute(
            "SELECT u.username FROM competence_assessment a "
            "JOIN competence_person p ON p.id = a.person_id "
            "JOIN auth_user u ON u.id = p.user_id "
            "JOIN competence_person r ON r.id = p.assessor_id "
            "JOIN competence_cycle c ON c.id = a.cycle_id "
            "WHERE a.kind = 'self' AND a.status = 'submitted' AND c.closes_on IS NULL "
            "AND r.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM competence_assessment b "
            "WHERE b.person_id = a.person_id AND b.cycle_id = a.cycle_id AND b.kind <> 'self') "
            "ORDER BY u.username"
        ).fetchall()
    assert rows, "the demo has no submitted self-assessment to review"
    return [str(r[0]) for r in rows]


def assessor_of(server: Server, username: str) -> str:
    """The user name of the assessor of the person who signs in as ``username``."""
    with sqlite3.connect(server.database) as db:
        row = db.execute(
            "SELECT au.username FROM auth_user u "
            "JOIN competence_person p ON p.user_id = u.id "
            "JOIN competence_person a ON a.id = p.assessor_id "
            "JOIN auth_user au ON au.id = a.user_id WHERE u.username = ?",
            (username,),
        ).fetchone()
    assert row, f"{username} has no assessor who signs in"
    return str(row[0])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    home = tmp_path_factory.mktemp("demo-home")
    env = {**os.environ, "XDG_DATA_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    # Small thresholds, so that a small file is imported by a job and a demo team's report is
    # offered as one (the demo's worker runs in the server's process).
    env |= {"COMPETENCE_IMPORT_JOB_BYTES": str(JOB_BYTES), "COMPETENCE_REPORT_JOB_PEOPLE": "5"}
    env.pop("COMPETENCE_DATABASE_URL", None)
    try:
        with serving(env, "--demo") as served:
            yield Server(served.url, home / "competence" / "demo.sqlite3", served.output)
    except DidNotStart as failed:
        pytest.fail(str(failed))


@pytest.fixture(scope="module")  # Playwright's event loop must end with the browser tests
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Any, server: Server, username: str) -> None:
    page.goto(server.url + "/signin")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(people/\d+|team|framework)$"))


EVERY_IMPACT = ("minor", "moderate", "serious", "critical")
"""axe-core's impacts: a page passes with no violation of any of them."""


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot of the whole page in test-artifacts/ (unless
    COMPETENCE_TEST_SCREENSHOTS=0)."""
    if os.environ.get("COMPETENCE_TEST_SCREENSHOTS", "1") == "0":
        return
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Any, impacts: tuple[str, ...] = EVERY_IMPACT) -> list[dict[str, Any]]:
    """axe-core's violations on the page, of these impacts (any, unless told)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def swagger_ready(page: Any) -> None:
    """Wait until the API docs page has drawn the description (its title is the page's h1)."""
    page.locator("#swagger-ui h1, #swagger-ui h2.title").first.wait_for(timeout=60_000)
    page.locator("#swagger-ui .opblock").first.wait_for(timeout=60_000)


def look(page: Any, name: str, impacts: tuple[str, ...] = EVERY_IMPACT) -> list[dict[str, Any]]:
    """Save a screenshot, and return axe-core's violations on the page (of any impact, unless
    told)."""
    screenshot(page, name)
    return axe_violations(page, impacts)
