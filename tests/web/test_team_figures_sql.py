"""The team figures come from the database's GROUP BY (issue 15): the same numbers as counting
every person's ratings in Python, no list of people's ids longer than a page in any query, and a
page of the team view under 150 KB whatever the size of the organisation."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from competence.data import load_catalogue
from competence.domain import workflow
from competence.domain.team import Targets, coverage, single_points_of_failure
from competence.services import imports, profiles, results
from competence.services.team_view import MAX_TEAM_OPTIONS
from competence.store import audit
from competence.store.models import Cycle, Person
from tests.web.conftest import Org, signed_in

CONTEXTS = ("programme", "project", "portfolio")
ALONE, NOBODY = 29, 28
"""Competence 29 is met by one person alone; nobody meets 28."""


def bulk_people(folder: Path, count: int, teams: int = 12, rated: bool = True) -> None:
    """``count`` people over ``teams`` teams and the three contexts, through the imports; when
    ``rated``, a self-assessment for everyone in 2025, an assessor's for two in three in 2026
    and an agreed one for one in five in 2026, with levels left empty here and there."""
    people = folder / "people.csv"
    with people.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "email", "team", "context", "profile"])
        for i in range(count):
            profile = "pmo-officer" if i % 3 else "pmo-specialist"
            team = f"Department {i % 4} / Team {i % teams}"
            w.writerow([f"Person {i:03}", f"p{i}@example.org", team, CONTEXTS[i % 3], profile])

    def levels(i: int, n: int, shift: int) -> tuple[Any, Any]:
        if n == NOBODY:
            return 0, ""
        if n == ALONE:
            return (5, 5) if i == 7 else (1, 0)
        k, a = (i + n + shift) % 6, (i * n + shift) % 6
        return ("" if (i + n) % 11 == 0 else k), ("" if (i * n) % 13 == 0 else a)

    def ratings(name: str, who: range | list[int], shift: int) -> Path:
        path = folder / f"{name}.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["person", "competence", "knowledge", "application"])
            for i in who:
                for n in range(1, 30):
                    w.writerow([f"p{i}@example.org", n, *levels(i, n, shift)])
        return path

    with audit.acting_as("test-setup"):
        imports.import_file(people)
        if not rated:
            return
        imports.import_file(ratings("self-2025", range(count), 0), cycle="2025", kind="self")
        assessed = [i for i in range(count) if i % 3]
        imports.import_file(ratings("assessor", assessed, 1), cycle="2026", kind="assessor")
        agreed = [i for i in range(count) if i % 5 == 0 and i != 0]
        imports.import_file(ratings("agreed", agreed, 2), cycle="2026", kind="agreed")


def in_python(cycle: int | None = None) -> tuple[dict[int, Any], dict[int, str], dict[int, int]]:
    """Coverage, the single points of failure (by name) and the people judged against each
    profile version, counted as the team view counted them before: every person's counting
    assessment chosen in Python (:func:`workflow.counting`), every rating read."""
    catalogue = load_catalogue()
    numbers = [c.number for c in catalogue.framework.competences]
    targets = Targets.of(catalogue.profile("pmo-officer"), catalogue.profile("pmo-specialist"),
                         numbers)  # fmt: skip
    latest = profiles.latest_version_ids()
    members = []
    versions: dict[int, int] = {}
    for person in Person.objects.prefetch_related("assessments__cycle", "assessments__ratings"):
        found = [a for a in person.assessments.all() if cycle is None or a.cycle_id == cycle]
        counting = workflow.counting(
            found, lambda a: ((a.cycle.opens_on, a.cycle.name), a.kind, a.status)
        )
        levels = (
            {r.competence: (r.knowledge, r.application) for r in counting.ratings.all()}
            if counting
            else {}
        )
        members.append((person.name, person.context, levels))
        version = (counting.profile_version_id if counting else None) or latest[person.profile]
        versions[version] = versions.get(version, 0) + 1
    figures = coverage(((c, levels) for _, c, levels in members), targets, numbers)
    alone = dict(single_points_of_failure(members, targets, numbers))
    return {n: c.as_dict() for n, c in figures.items()}, alone, versions


def test_the_team_figures_from_sql_are_those_counted_in_python(org: Org, tmp_path: Path) -> None:
    bulk_people(tmp_path, 90)
    for cycle in (None, Cycle.objects.get(name="2025").pk, Cycle.objects.get(name="2026").pk):
        expected, alone, versions = in_python(cycle)
        summary = results.team_summary(Person.objects.all(), page=1, per_page=None, cycle=cycle)
        assert summary["people_count"] == Person.objects.count() == 93
        found = {c["number"]: {k: v for k, v in c.items() if k not in ("slug", "name")}
                 for c in summary["coverage"]}  # fmt: skip
        assert found == expected, cycle
        assert {s["number"]: s["name"] for s in summary["single_points_of_failure"]} == alone
        assert {v["people"] for v in summary["judged_against"]["versions"]} == set(
            versions.values()
        )
    # in 2026 (the last asked), where Ada's signed-off 2025 does not count, one person meets 29
    assert alone[ALONE] == "Person 007", "the data has a single point of failure"
    assert any(c["number"] == NOBODY and c["uncovered"] for c in summary["coverage"])


def test_a_page_of_rows_holds_the_levels_of_the_assessment_that_counts(
    org: Org, tmp_path: Path
) -> None:
    bulk_people(tmp_path, 60)
    summary = results.team_summary(Person.objects.all(), page=2, per_page=25)
    shown = summary["people"]
    assert [p["name"] for p in shown] == list(
        Person.objects.order_by("name", "email").values_list("name", flat=True)[25:50]
    )
    for row in shown:
        person = Person.objects.get(pk=row["id"])
        counting = workflow.counting(
            list(person.assessments.select_related("cycle")),
            lambda a: ((a.cycle.opens_on, a.cycle.name), a.kind, a.status),
        )
        assert counting is not None
        assert row["ratings"] == {
            str(r.competence): {"knowledge": r.knowledge, "application": r.application}
            for r in counting.ratings.order_by("competence")
        }


IN_LIST = re.compile(r"\bIN \(([^()]*)\)")


def test_the_team_view_names_no_more_people_in_a_query_than_a_page_holds(
    org: Org, tmp_path: Path
) -> None:
    bulk_people(tmp_path, 120)
    lead = signed_in(org.lead)
    with CaptureQueriesContext(connection) as queries:
        response = lead.get("/team")
    assert response.status_code == 200
    longest = max(
        (len(found.split(",")) for q in queries for found in IN_LIST.findall(q["sql"])), default=0
    )
    assert longest <= results.PER_PAGE


@pytest.mark.parametrize("axis", ["knowledge", "application"])
def test_a_page_of_the_team_view_stays_under_150_kb(org: Org, tmp_path: Path, axis: str) -> None:
    bulk_people(tmp_path, 120, teams=400)
    lead = signed_in(org.lead)
    page = lead.get(f"/team?axis={axis}&page=2")
    assert page.status_code == 200
    assert len(page.content) <= 150_000, len(page.content)
    html = page.content.decode()
    assert f'aria-labelledby="heatmap-{axis}-heading"' in html  # the axis chosen is shown
    assert html.count("<tbody>") >= 3  # coverage, the people, the heatmap's table


def test_past_so_many_teams_the_filter_offers_departments_then_their_teams(
    org: Org, tmp_path: Path
) -> None:
    bulk_people(tmp_path, MAX_TEAM_OPTIONS + 20, teams=MAX_TEAM_OPTIONS + 20, rated=False)
    lead = signed_in(org.lead)
    page = lead.get("/team").content.decode()
    offered = re.findall(r'<option value="(\d+)" >([^<]*)</option>', team_select(page))
    assert {path for _, path in offered} == {f"Department {d}" for d in range(4)} | {
        "Change",
        "Delivery",
    }
    assert "Choose a department and Show to list its teams." in page
    department = next(pk for pk, path in offered if path == "Department 1")
    chosen = lead.get(f"/team?team={department}").content.decode()
    listed = re.findall(r'<option value="\d+" (?:selected)?>([^<]*)</option>', team_select(chosen))
    assert "Department 1 / Team 1" in listed
    assert "Department 2 / Team 2" not in listed  # another department's
    assert len(chosen.encode()) <= 150_000


def team_select(page: str) -> str:
    found = re.search(r'<select name="team">(.*?)</select>', page, re.S)
    assert found is not None
    return found.group(1)


def test_figures_without_names_name_nobody_in_a_query(org: Org, tmp_path: Path) -> None:
    """An assessor's figures are over the people they do not see by name: given as a subquery,
    never as a list of ids (at 100,000 people past SQLite's limit on a query's values)."""
    from django.contrib.auth.models import Group

    from competence.store.models import Pmo, Team

    bulk_people(tmp_path, 120)
    with audit.acting_as("test-setup"):
        department = Team.objects.get(name="Department 0", parent=None)  # 30 people below it
        department.pmo = Pmo.objects.create(name="Department 0 PMO", context="programme")
        department.save()
        org.grace.team = department
        org.grace.save()
    org.grace_user.groups.add(Group.objects.get_or_create(name="assessor")[0])
    with CaptureQueriesContext(connection) as queries:
        response = signed_in(org.grace_user).get("/team")
    assert response.status_code == 200
    assert "figures, not the individuals" in response.content.decode()
    longest = max(
        (len(found.split(",")) for q in queries for found in IN_LIST.findall(q["sql"])), default=0
    )
    assert longest <= 10
