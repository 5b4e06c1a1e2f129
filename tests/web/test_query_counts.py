"""No page asks more of the database for more people: the results page, the self-assessment,
the team view and the API's results ask as many queries at 10 people as at 1,000 (issue 15), in
the style of ``assertNumQueries``. The 990 more people come in bulk, through the imports."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from competence.services import imports
from competence.store import audit
from competence.store.models import Person
from tests.web.conftest import Org, signed_in


def add_people(folder: Path, start: int, count: int) -> None:
    """``count`` more people in Ada's team, each rated on every competence in cycle 2026, with
    the same two imports an organisation runs."""
    people, ratings = folder / f"people-{start}.csv", folder / f"ratings-{start}.csv"
    with people.open("w", newline="") as p, ratings.open("w", newline="") as r:
        pw, rw = csv.writer(p), csv.writer(r)
        pw.writerow(["name", "email", "team", "context", "profile"])
        rw.writerow(["person", "competence", "knowledge", "application"])
        for i in range(start, start + count):
            email = f"person{i}@example.org"
            profile = "pmo-officer" if i % 2 else "pmo-specialist"
            pw.writerow([f"Person {i}", email, "Delivery / Finance PMO", "programme", profile])
            for n in range(1, 30):
                rw.writerow([email, n, (i + n) % 6, (i * n) % 6])
    with audit.acting_as("test-setup"):
        imports.import_file(people)
        imports.import_file(ratings, cycle="2026")


def counts(org: Org) -> dict[str, tuple[int, int]]:
    """Each page's queries: the first request after a change (cold), then the next (warm)."""
    lead, ada = signed_in(org.lead), signed_in(org.ada_user)
    pages = {
        "results": (lead, f"/people/{org.ada.pk}"),
        "self-assessment": (ada, "/me/assessment"),
        "team": (lead, "/team"),
        "api results": (lead, f"/api/v1/people/{org.ada.pk}/results"),
    }
    found = {}
    for name, (client, path) in pages.items():
        asked = []
        for _ in ("cold", "warm"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code == 200, (name, response.status_code)
            asked.append(len(queries))
        found[name] = (asked[0], asked[1])
        with audit.acting_as("test"):  # the next page is the first after a change
            audit.record("touch", "Test", summary="the audit trail moves")
    return found


# Each page's queries (cold, warm) at most: what is read once per request is read once (the
# person, their counting assessment and its ratings, the teams, the profile versions), and a
# warm team view reads its page from what the last change left; the team view also asks which
# cycles have results, for its cycle selector. The results page and the API read the person's
# assessments with their ratings once for the verdicts and the history, and the review's sheet
# only when the assessor's ratings are shared.
MOST = {
    "results": (13, 13),
    "self-assessment": (8, 8),
    "team": (20, 10),
    "api results": (8, 8),
}


def test_no_page_asks_more_queries_for_more_people(org: Org, tmp_path: Path) -> None:
    add_people(tmp_path, 0, 10 - Person.objects.count())
    assert Person.objects.count() == 10
    counts(org)  # what a process reads once (the profiles, the framework) is read here
    at_10 = counts(org)
    add_people(tmp_path, 10, 990)
    assert Person.objects.count() == 1000
    at_1000 = counts(org)
    assert at_1000 == at_10
    for name, (cold, warm) in at_10.items():
        assert cold <= MOST[name][0], (name, "cold", cold)
        assert warm <= MOST[name][1], (name, "warm", warm)
