"""Capability over time: the trends page, its API twin and `competence team trend`, on an
organisation imported in bulk (the people file, then one ratings file per cycle) whose moves the
test knows; and the privacy rules on every figure (docs/web.md "Capability over time")."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from openpyxl import load_workbook

from competence.cli import main
from competence.services.imports import import_file
from competence.store import audit
from competence.store.models import Cycle, Person, Pmo, Team
from tests.web.conftest import hashed, signed_in

NUMBERS = range(1, 30)
PEOPLE = 12


@dataclass
class Office:
    assessor: User
    lead: User
    team: Team
    people: list[Person]


def levels(cycle: str, i: int) -> tuple[int, int] | dict[int, tuple[int, int]] | None:
    """Person i's levels in a cycle (one pair for every competence, or per competence), or None
    for no result. In 2025 everyone is at 0 but person 7 at 1; in 2026 people 0 to 5 reach 5
    everywhere, person 6 raises life cycles' knowledge to 5, person 7 falls back to 0, person 11
    has no result; in 2024 only people 5 to 8 have one."""
    if cycle == "2024":
        return (1, 1) if 5 <= i <= 8 else None
    if cycle == "2025":
        return (1, 1) if i == 7 else (0, 0)
    if i == 11:
        return None
    if i <= 5:
        return (5, 5)
    if i == 6:
        return {n: (5, 0) if n == 1 else (0, 0) for n in NUMBERS}
    return (0, 0)


def office(tmp_path: Path) -> Office:
    """A programme PMO of twelve people (Pat, an assessor, assesses people 0 to 4), imported in
    bulk: the people file, then a ratings file for each of 2024, 2025 and 2026."""
    with audit.acting_as("test-setup"):
        roles = {n: Group.objects.get_or_create(name=n)[0] for n in ("assessor", "pmo-lead")}
        pmo = Pmo.objects.create(name="Programme Office", context="programme")
        team = Team.objects.create(name="Delivery", pmo=pmo)
        for year in (2024, 2025, 2026):
            Cycle.objects.create(name=str(year), opens_on=dt.date(year, 1, 6))
        pat = User.objects.create(username="pat", password=hashed())
        pat.groups.add(roles["assessor"])
        lead = User.objects.create(username="lea", password=hashed())
        lead.groups.add(roles["pmo-lead"])
        pmo.leads.add(lead)
    people_csv = tmp_path / "people.csv"
    with people_csv.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "email", "team", "context", "profile"])
        w.writerow(["Pat Assessor", "pat@example.org", "Delivery", "programme", "pmo-officer"])
        for i in range(PEOPLE):
            w.writerow(
                [f"Person {i:02}", f"p{i}@example.org", "Delivery", "programme", "pmo-officer"]
            )
    with audit.acting_as("test-setup"):
        import_file(people_csv)
    for cycle in ("2024", "2025", "2026"):
        ratings_csv = tmp_path / f"ratings-{cycle}.csv"
        with ratings_csv.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["person", "competence", "knowledge", "application"])
            for i in range(PEOPLE):
                found = levels(cycle, i)
                if found is None:
                    continue
                for n in NUMBERS:
                    k, a = found[n] if isinstance(found, dict) else found
                    w.writerow([f"p{i}@example.org", n, k, a])
        with audit.acting_as("test-setup"):
            import_file(ratings_csv, cycle=cycle, kind="agreed")
    with audit.acting_as("test-setup"):
        pat_person = Person.objects.get(email="pat@example.org")
        pat_person.user = pat
        pat_person.save()
        people = [Person.objects.get(email=f"p{i}@example.org") for i in range(PEOPLE)]
        for person in people[:5]:
            person.assessor = pat_person
            person.save()
    return Office(pat, lead, team, people)


def api(client: Client, **query: Any) -> Any:
    return client.get("/api/v1/team/trends", query)


def cycle(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["per_cycle"] if c["cycle"] == name)


def share(found: dict[str, Any], number: int, axis: str) -> dict[str, Any]:
    return next(r for r in found["competences"] if (r["number"], r["axis"]) == (number, axis))


@pytest.mark.db
def test_a_lead_sees_each_cycle_the_profiles_met_and_who_moved(db: None, tmp_path: Path) -> None:
    o = office(tmp_path)
    data = api(signed_in(o.lead)).json()
    assert data["individuals"] is True
    assert data["cycles"] == ["2026", "2025", "2024"]
    assert data["chosen"] == ["2024", "2025", "2026"]
    counts = [
        (c["cycle"], c["people"], c["meets_officer"], c["meets_specialist"])
        for c in data["per_cycle"]
    ]
    assert counts == [("2024", 4, 0, 0), ("2025", 12, 0, 0), ("2026", 11, 6, 6)]
    life_cycles = share(cycle(data, "2026"), 1, "knowledge")  # officer 3/3, specialist 4/4
    assert life_cycles == {
        "number": 1,
        "axis": "knowledge",
        "applies_to": 11,
        "meets_officer": 7,  # people 0 to 5, and person 6
        "at_specialist": 7,
        "share_officer": round(7 / 11, 4),
        "share_specialist": round(7 / 11, 4),
        "hidden": False,
    }
    assert share(cycle(data, "2026"), 1, "application")["meets_officer"] == 6
    assert share(cycle(data, "2026"), 6, "knowledge")["applies_to"] == 0  # portfolio only
    movers = data["movers"]
    assert (movers["from"], movers["to"], movers["people"]) == ("2025", "2026", 11)
    assert (movers["up"], movers["down"], movers["mixed"]) == (7, 1, 0)
    by_name = {m["name"]: m for m in movers["moves"]}
    assert set(by_name) == {f"Person {i:02}" for i in range(8)}
    assert by_name["Person 06"]["rose"] == [{"number": 1, "axis": "knowledge", "from": 0, "to": 5}]
    assert by_name["Person 06"]["verdicts"] == {}
    assert by_name["Person 00"]["verdicts"] == {"pmo-officer": "gained", "pmo-specialist": "gained"}
    assert by_name["Person 07"]["direction"] == "down"
    page = signed_in(o.lead).get("/team/trends").content.decode()
    assert "Who moved between 2025 and 2026" in page
    assert "Person 06" in page
    assert "Life cycles knowledge 0→5" in page
    assert 'class="chart trend-panel"' in page
    assert "officer 64% (7 of 11); specialist 64% (7 of 11)" in page  # the table alternative
    answer = (
        "In 2026, 6 of the 11 with a result meet the PMO officer profile and 6 the PMO specialist "
        "profile (in 2025: 0 and 0 of 12); between 2025 and 2026, 7 moved up and 1 down."
    )
    assert answer in page
    assert page.index(answer) < page.index('<form method="get" class="filters"')  # answer first


def test_a_pair_and_the_cycles_are_chosen_by_name(db: None, tmp_path: Path) -> None:
    o = office(tmp_path)
    client = signed_in(o.lead)
    data = api(client, cycles=["2024", "2026"], compare=["2026", "2024"]).json()
    assert data["chosen"] == ["2024", "2026"]
    movers = data["movers"]
    assert (movers["from"], movers["to"], movers["people"]) == ("2024", "2026", 4)  # 5 to 8
    assert (movers["up"], movers["down"]) == (1, 3)  # person 5 up; 6, 7 and 8 down
    refused = api(client, cycles=["2031"])
    assert refused.status_code == 422
    assert "no cycle '2031' with results" in refused.content.decode()
    assert api(client, compare=["2025"]).status_code == 422
    assert client.get("/team/trends", {"cycles": "2031"}).status_code == 404


def test_an_assessor_sees_figures_only_without_names(db: None, tmp_path: Path) -> None:
    o = office(tmp_path)
    data = api(signed_in(o.assessor)).json()
    assert data["individuals"] is False
    assert "6 people you see by name are left out" in data["notice"]  # Pat and people 0 to 4
    # 2024: people 5 to 8 only, fewer than five: withheld.
    assert cycle(data, "2024") == {
        "cycle": "2024",
        "people": None,
        "hidden": True,
        "hidden_reason": "fewer than 5 people with a result: the figures would tell about "
        "individuals",
        "meets_officer": None,
        "meets_specialist": None,
        "competences": [],
    }
    assert cycle(data, "2025")["people"] == 7
    assert cycle(data, "2026")["people"] == 6  # person 11 has no result
    assert cycle(data, "2026")["meets_officer"] == 1  # person 5
    assert share(cycle(data, "2026"), 1, "knowledge")["meets_officer"] == 2  # people 5 and 6
    movers = data["movers"]
    assert movers["moves"] is None
    assert (movers["people"], movers["up"], movers["down"]) == (6, 2, 1)  # 5 and 6 up, 7 down
    page = signed_in(o.assessor).get("/team/trends").content.decode()
    assert "Person 0" not in page
    assert 'name="team"' not in page
    assert "Withheld: fewer than 5 people with a result" in page


def test_moves_over_fewer_than_the_minimum_are_withheld(db: None, tmp_path: Path) -> None:
    o = office(tmp_path)
    data = api(signed_in(o.assessor), compare=["2024", "2025"]).json()
    assert data["movers"]["hidden"] is True
    assert data["movers"]["up"] is None
    assert data["movers"]["people"] is None


def test_a_differencing_attempt_is_not_answered(db: None, tmp_path: Path) -> None:
    """Everyone, then a team that leaves one person out, would tell that person's levels by
    subtraction: an assessor may not filter, so the second request is refused. And a cycle's
    figures are the same whichever cycles are asked for with it, so choosing cycles cannot
    change whom a figure is over."""
    o = office(tmp_path)
    with audit.acting_as("test-setup"):
        other = Team.objects.create(name="Elsewhere", pmo=o.team.pmo)
        o.people[-1].team = other
        o.people[-1].save()
    client = signed_in(o.assessor)
    everyone = api(client)
    assert everyone.status_code == 200
    assert api(client, team=o.team.pk).status_code == 422
    alone = api(client, cycles=["2025"]).json()
    assert cycle(alone, "2025") == cycle(everyone.json(), "2025")


def test_the_command_line_gives_the_same_figures(db: None, tmp_path: Path, capsys: Any) -> None:
    o = office(tmp_path)
    web = api(signed_in(o.lead)).json()
    assert main(["--as", "lea", "team", "trend", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == web
    assert main(["team", "trend", "--cycle", "2031"]) == 2
    assert "no cycle '2031' with results" in capsys.readouterr().err
    assert main(["--as", "pat", "team", "trend", "--compare", "2025", "2026"]) == 0
    printed = capsys.readouterr().out
    assert "withheld" in printed
    assert "Person" not in printed


@pytest.mark.db
def test_the_figures_are_kept_until_anything_changes(db: None, tmp_path: Path) -> None:
    o = office(tmp_path)
    client = signed_in(o.lead)
    first = api(client).json()
    assert api(client).json() == first
    with audit.acting_as("test-setup"):
        Person.objects.filter(pk=o.people[0].pk).delete()
        audit.record("delete", "Person", object_id=str(o.people[0].pk), summary="gone")
    again = api(client).json()
    assert cycle(again, "2025")["people"] == 11


def test_the_team_reports_carry_the_trends(db: None, tmp_path: Path) -> None:
    o = office(tmp_path)
    book = load_workbook(io.BytesIO(signed_in(o.lead).get("/team/report.xlsx").content))
    assert "Trends" in book.sheetnames
    rows = list(book["Trends"].iter_rows(values_only=True))
    assert ("2026", 11, 6, 6) in [tuple(r[:4]) for r in rows]


def test_the_team_view_takes_a_cycle(db: None, tmp_path: Path) -> None:
    """One function chooses the counting assessments for the team figures; given a cycle, it
    chooses each person's in that cycle (none there: not rated)."""
    o = office(tmp_path)
    client = signed_in(o.lead)
    latest = client.get("/api/v1/team/summary").json()
    then = client.get("/api/v1/team/summary", {"cycle": "2025"}).json()
    life_cycles = {r["slug"]: r for r in then["coverage"]}["life-cycles"]
    assert (life_cycles["rated"], life_cycles["meets_officer"]) == (12, 0)
    now = {r["slug"]: r for r in latest["coverage"]}["life-cycles"]
    assert now["meets_officer"] == 6  # both axes: people 0 to 5 in 2026 (6 rose on one axis)
    assert then["people_count"] == latest["people_count"] == 13  # the same people, Pat too
    page = client.get("/team", {"cycle": "2024"}).content.decode()
    assert "in the 2024 cycle" in page
    assert client.get("/team", {"cycle": "1999"}).status_code == 404
    assert client.get("/api/v1/team/summary", {"cycle": "1999"}).status_code == 422


def test_the_team_report_takes_a_cycle_and_a_pair(db: None, tmp_path: Path) -> None:
    office(tmp_path)
    book = tmp_path / "team.xlsx"
    argv = ["--as", "lea", "report", "--team", "", "--format", "xlsx", "--out", str(book)]
    assert main([*argv, "--cycle", "2025", "--compare", "2024", "2026"]) == 0
    rows = [tuple(r[:4]) for r in load_workbook(book)["Trends"].iter_rows(values_only=True)]
    assert ("2024", "2026", 4, 1) in rows  # from, to, in both, up
    assert main([*argv, "--cycle", "1999"]) == 2
    assert (
        main(["--as", "lea", "report", "p0@example.org", "--cycle", "2025", "--out", str(book)])
        == 2
    )


def test_a_competence_that_applies_to_fewer_than_the_minimum_is_withheld(
    db: None, tmp_path: Path
) -> None:
    """Portfolio shaping applies in the portfolio context only: with one portfolio person among
    those an assessor does not see by name, its figures would be that person's."""
    o = office(tmp_path)
    with audit.acting_as("test-setup"):
        o.people[8].context = "portfolio"
        o.people[8].save()
    assessor = cycle(api(signed_in(o.assessor)).json(), "2025")
    shaping = share(assessor, 6, "knowledge")
    assert shaping["applies_to"] == 1
    assert shaping["hidden"] is True
    assert shaping["meets_officer"] is None
    assert shaping["share_officer"] is None
    assert share(assessor, 1, "knowledge")["hidden"] is False
    lead = cycle(api(signed_in(o.lead)).json(), "2025")
    assert share(lead, 6, "knowledge")["hidden"] is False
    assert share(lead, 6, "knowledge")["meets_officer"] == 0  # person 8 at 0/0 in 2025
    page = signed_in(o.assessor).get("/team/trends").content.decode()
    assert "withheld: it applies to fewer than 5" in page
