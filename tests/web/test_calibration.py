"""The calibration page and its API twin: a lead sees per assessor; an assessor sees figures
only, without names, unfiltered, hidden below the minimum group size (docs/calibration.md)."""

from __future__ import annotations

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
from competence.domain import Rating
from competence.domain.workflow import Kind
from competence.services import records
from competence.store import audit
from competence.store.models import Cycle, Person, Pmo, Team
from tests.web.conftest import hashed, signed_in


@dataclass
class Office:
    assessor: User
    lead: User
    team: Team
    people: list[Person]


def office(others: int, assessed: int, db: None = None) -> Office:
    """A PMO of ``others`` people; Pat assesses the first ``assessed`` of them and agrees one
    level below what they rate themselves; the rest are agreed as they rate themselves (with
    nobody as assessor). Pat has a self-assessment only."""
    with audit.acting_as("test-setup"):
        roles = {n: Group.objects.get_or_create(name=n)[0] for n in ("assessor", "pmo-lead")}
        pmo = Pmo.objects.create(name="Programme Office", context="programme")
        team = Team.objects.create(name="Delivery", pmo=pmo)
        Cycle.objects.create(name="2025", opens_on=dt.date(2025, 1, 6))
        cycle = Cycle.objects.create(name="2026", opens_on=dt.date(2026, 1, 5))
        pat = User.objects.create(username="pat", password=hashed())
        pat.groups.add(roles["assessor"])
        lead = User.objects.create(username="lea", password=hashed())
        lead.groups.add(roles["pmo-lead"])
        pmo.leads.add(lead)
        pat_person = Person.objects.create(
            name="Pat Assessor", email="pat@example.org", team=team, context="programme", user=pat
        )
        records.submit(records.record_assessment(pat_person, cycle, {1: Rating(3, 3)}))
        people = []
        for i in range(1, others + 1):
            person = Person.objects.create(
                name=f"Person {i:02}",
                email=f"person{i}@example.org",
                team=team,
                context="programme",
                assessor=pat_person if i <= assessed else None,
            )
            people.append(person)
            levels = {n: (2 + (i + n) % 3, 1 + (i * n) % 4) for n in (1, 2)}
            own = {n: Rating(k, a) for n, (k, a) in levels.items()}
            records.submit(records.record_assessment(person, cycle, own))
            lower = 1 if i <= assessed else 0
            agreed = {n: Rating(k - lower, a - lower) for n, (k, a) in levels.items()}
            records.submit(records.record_assessment(person, cycle, agreed, kind=Kind.AGREED))
    return Office(pat, lead, team, people)


def api(client: Client, **query: Any) -> Any:
    return client.get("/api/v1/team/calibration", query)


def test_a_lead_sees_each_competence_and_each_assessor(db: None) -> None:
    o = office(others=10, assessed=5)
    data = api(signed_in(o.lead)).json()
    assert data["cycle"] == "2026"
    assert data["cycles"] == ["2026"]
    assert data["people_compared"] == 10
    assert data["individuals"] is True
    rows = {(r["number"], r["axis"]): r for r in data["competences"]}
    assert set(rows) == {(1, "knowledge"), (1, "application"), (2, "knowledge"), (2, "application")}
    assert rows[(1, "knowledge")]["n"] == 10
    assert rows[(1, "knowledge")]["mean_difference"] == 0.5  # five one level up, five even
    assert rows[(1, "knowledge")]["kappa"] is not None
    assessors = data["assessors"]
    assert assessors["team_mean_agreed_minus_self"] == -0.5
    assert assessors["assessors"] == [
        {
            "assessor": "Pat Assessor",
            "people": 5,
            "n": 20,
            "mean_agreed_minus_self": -1.0,
            "difference_from_team": -0.5,
            "text": "rates 0.5 of a level below the team's average",
        }
    ]
    page = signed_in(o.lead).get("/team/calibration").content.decode()
    assert "Per assessor: leniency and severity" in page
    assert "rates 0.5 of a level below the team&#x27;s average" in page
    assert "0.5 of a level above what is agreed" in page


def test_an_assessor_with_fewer_people_than_the_minimum_is_left_out(db: None) -> None:
    o = office(others=8, assessed=4)
    data = api(signed_in(o.lead)).json()
    assert data["assessors"]["assessors"] == []
    assert data["assessors"]["left_out"] == 1


def test_an_assessor_sees_figures_only_over_those_they_do_not_see_by_name(db: None) -> None:
    o = office(others=10, assessed=5)
    data = api(signed_in(o.assessor)).json()
    assert data["individuals"] is False
    assert data["assessors"] is None
    assert data["people_compared"] == 5  # their five assessees (and they) are left out
    assert all(r["n"] == 5 and not r["hidden"] for r in data["competences"])
    assert all(r["mean_difference"] == 0 for r in data["competences"])  # the five unassessed
    page = signed_in(o.assessor).get("/team/calibration").content.decode()
    assert "Per assessor" not in page
    assert "Pat Assessor" not in page
    assert 'name="team"' not in page


def test_an_assessor_sees_nothing_below_the_minimum_group_size(db: None) -> None:
    o = office(others=8, assessed=5)  # 3 left once their own are taken out
    data = api(signed_in(o.assessor)).json()
    assert data["hidden"] is True
    assert data["competences"] == []
    assert data["people_compared"] == 0
    assert "fewer than 5 people" in data["notice"].lower()
    page = signed_in(o.assessor).get("/team/calibration").content.decode()
    assert "the figures are hidden" in page


def test_a_differencing_attempt_is_not_answered(db: None) -> None:
    """Everyone, then a team that leaves one person out, would tell that person's ratings by
    subtraction: an assessor may not filter, so the second request is refused."""
    o = office(others=12, assessed=5)
    with audit.acting_as("test-setup"):
        other = Team.objects.create(name="Elsewhere", pmo=o.team.pmo)
        o.people[-1].team = other
        o.people[-1].save()
    client = signed_in(o.assessor)
    assert api(client).status_code == 200
    refused = api(client, team=o.team.pk)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["query", "team"]
    assert client.get("/team/calibration", {"team": o.team.pk}).status_code == 404
    # A lead may: they see every person by name anyway.
    assert api(signed_in(o.lead), team=o.team.pk).json()["people_compared"] == 11


def test_a_cycle_is_chosen_by_name(db: None) -> None:
    o = office(others=6, assessed=0)
    client = signed_in(o.lead)
    assert api(client, cycle="2026").json()["cycle"] == "2026"
    wrong = api(client, cycle="1999")
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["query", "cycle"]
    assert client.get("/team/calibration", {"cycle": "1999"}).status_code == 404


def test_drafts_never_count_and_the_assessors_ratings_stand_in(db: None) -> None:
    o = office(others=6, assessed=0)
    cycle = Cycle.objects.get(name="2026")
    with audit.acting_as("test-setup"):
        newcomer = Person.objects.create(
            name="New", email="new@example.org", team=o.team, context="programme"
        )
        records.submit(records.record_assessment(newcomer, cycle, {1: Rating(4, 4)}))
        records.submit(
            records.record_assessment(newcomer, cycle, {1: Rating(2, 2)}, kind=Kind.ASSESSOR)
        )
        drafted = Person.objects.create(
            name="Draft", email="draft@example.org", team=o.team, context="programme"
        )
        records.record_assessment(drafted, cycle, {1: Rating(5, 5)})
        records.submit(
            records.record_assessment(drafted, cycle, {1: Rating(1, 1)}, kind=Kind.ASSESSOR)
        )
    data = api(signed_in(o.lead)).json()
    assert data["people_compared"] == 7
    assert data["compared_with"] == {"agreed": 6, "assessor": 1}


def test_the_command_gives_the_pages_figures(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    o = office(others=10, assessed=5)
    assert main(["--as", "lea", "team", "calibration", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == api(signed_in(o.lead)).json()
    assert main(["--as", "lea", "team", "calibration", "--cycle", "2026"]) == 0
    out = capsys.readouterr().out
    assert "Pat Assessor (5 people): rates 0.5 of a level below the team's average" in out
    assert "Self against agreed" in out
    assert main(["--as", "pat", "team", "calibration", "--team", "Delivery"]) == 2
    assert "--team: no team 'Delivery'" in capsys.readouterr().err
    assert main(["--as", "pat", "team", "calibration", "--cycle", "1999"]) == 2
    assert "cycle: no cycle '1999' with results" in capsys.readouterr().err


def test_the_team_reports_have_a_calibration_section(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office(others=10, assessed=3)
    book = tmp_path / "team.xlsx"
    assert (
        main(["--as", "lea", "report", "--team", "", "--format", "xlsx", "--out", str(book)]) == 0
    )
    sheet = load_workbook(book)["Calibration"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["No.", "Competence", "Axis", "n"]
    assert cells[1][:4] == [1, "Life cycles", "knowledge", 10]
    assert [r[0] for r in cells if r[0] and str(r[0]).startswith("Assessors of")] == [
        "Assessors of at least 5 people only; 1 left out."
    ]
    assert "Pat Assessor" not in str(cells)  # 3 people: fewer than the minimum group size
    html = tmp_path / "team.html"
    assert (
        main(["--as", "lea", "report", "--team", "", "--format", "html", "--out", str(html)]) == 0
    )
    text = html.read_text()
    assert "<h2>Calibration, cycle 2026</h2>" in text
    assert "no assessor has enough people" in text
    capsys.readouterr()


def test_the_team_workbook_from_the_web_has_the_calibration_sheet(db: None) -> None:
    office(others=10, assessed=3)
    client = Client()
    client.force_login(User.objects.get(username="lea"))
    answer = client.get("/team/report.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content))["Calibration"]
    assert [c.value for c in next(sheet.iter_rows())][:4] == ["No.", "Competence", "Axis", "n"]
