"""Figures without names never single a person out: an assessor who subtracts, competence by
competence, the figures of the people they see by name (their own, their assessees') from the
team figures learns nothing about anyone (docs/admin.md "Team figures and small groups")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from competence.domain import Rating
from competence.services import records
from competence.store import audit
from competence.store.models import Cycle, Person, Pmo, Team
from tests.web.conftest import hashed, signed_in

NUMBERS = range(1, 30)
Cell = tuple[int, int, int, int]  # applies to, rated, meets officer, at specialist
Figures = dict[int, Cell]


@dataclass
class Office:
    assessor: User
    assessor_person: Person
    lead: User
    people: list[Person]
    """Everyone in the PMO but the assessor, the ones the assessor assesses first."""


def levels(i: int, n: int) -> Rating:
    """Ratings that differ from person to person and from competence to competence."""
    if (i * 7 + n) % 9 == 0:
        return Rating(None, None)
    return Rating((i + n) % 6, (2 * i + n * 3) % 6)


def office(others: int, assessed: int) -> Office:
    """A programme PMO of ``others`` people and an assessor who assesses ``assessed`` of them;
    everyone (the assessor too) has a submitted self-assessment."""
    with audit.acting_as("test-setup"):
        roles = {n: Group.objects.get_or_create(name=n)[0] for n in ("assessor", "pmo-lead")}
        pmo = Pmo.objects.create(name="Programme Office", context="programme")
        team = Team.objects.create(name="Delivery", pmo=pmo)
        cycle = Cycle.objects.create(name="2026", opens_on=dt.date(2026, 1, 5))
        pat = User.objects.create(username="pat", password=hashed())
        pat.groups.add(roles["assessor"])
        lead = User.objects.create(username="lea", password=hashed())
        lead.groups.add(roles["pmo-lead"])
        pmo.leads.add(lead)
        pat_person = Person.objects.create(
            name="Pat Assessor", email="pat@example.org", team=team, context="programme", user=pat
        )
        people = [
            Person.objects.create(
                name=f"Person {i:02}",
                email=f"person{i}@example.org",
                team=team,
                context="programme",
                assessor=pat_person if i <= assessed else None,
            )
            for i in range(1, others + 1)
        ]
        for i, person in enumerate([pat_person, *people]):
            ratings = {n: levels(i, n) for n in NUMBERS}
            records.submit(records.record_assessment(person, cycle, ratings))
    return Office(pat, pat_person, lead, people)


def contribution(results: dict[str, Any]) -> Figures:
    """What one person adds to each competence's team figures, worked out from their results
    (as anyone who may see their results page can)."""
    officer = {c["number"]: c for c in results["officer"]["competences"]}
    specialist = {c["number"]: c for c in results["specialist"]["competences"]}
    out: Figures = {}
    for n in NUMBERS:
        c = officer[n]
        if not c["applicable"]:
            out[n] = (0, 0, 0, 0)
            continue
        actual = c["actual"] or {}
        k, a = actual.get("knowledge") or 0, actual.get("application") or 0
        target = specialist[n]["target"]
        at_specialist = (
            target is not None and k >= target["knowledge"] and a >= target["application"]
        )
        out[n] = (1, int(c["actual"] is not None), int(bool(c["met"])), int(at_specialist))
    return out


def add(x: Cell, y: Cell, sign: int = 1) -> Cell:
    return (x[0] + sign * y[0], x[1] + sign * y[1], x[2] + sign * y[2], x[3] + sign * y[3])


def total(parts: Iterable[Figures]) -> Figures:
    out: Figures = {n: (0, 0, 0, 0) for n in NUMBERS}
    for part in parts:
        out = {n: add(out[n], part[n]) for n in NUMBERS}
    return out


def minus(first: Figures, second: Figures) -> Figures:
    """What is left of ``first`` once ``second`` is taken away, competence by competence."""
    return {n: add(first[n], second[n], -1) for n in first}


def api_figures(client: Client, query: str = "") -> Figures:
    """The coverage figures of the API's team summary ({} when it shows none)."""
    response = client.get(f"/api/v1/team/summary{query}")
    assert response.status_code == 200, response.content
    return {
        c["number"]: (c["applies_to"], c["rated"], c["meets_officer"], c["at_specialist"])
        for c in response.json()["coverage"]
    }


ROW = re.compile(
    r'<tr class="(?:thin)?"><td>(\d+)</td><td>[^<]*</td>'
    r'<td class="num">(\d+)</td><td class="num">(\d+)</td>'
    r'<td class="num">(\d+)</td><td class="num">(\d+)</td>'
)


def page_figures(client: Client, query: str = "") -> Figures:
    """The coverage table of the /team page ({} when it shows none)."""
    response = client.get(f"/team{query}")
    assert response.status_code == 200
    return {
        int(n): (int(a), int(r), int(m), int(s))
        for n, a, r, m, s in ROW.findall(response.content.decode())
    }


def results_of(client: Client, people: Iterable[int]) -> list[Figures]:
    return [contribution(client.get(f"/api/v1/people/{pk}/results").json()) for pk in people]


def seen_by_name(client: Client) -> set[int]:
    return {p["id"] for p in client.get("/api/v1/people").json()}


def test_the_differencing_attack_works_on_what_a_lead_sees(db: None) -> None:
    """The attack's arithmetic is right: a lead's figures are exactly the sum of what each
    person adds, worked out from their results."""
    world = office(others=5, assessed=4)
    lead = signed_in(world.lead)
    everyone = [world.assessor_person.pk, *(p.pk for p in world.people)]
    assert seen_by_name(lead) == set(everyone)
    assert api_figures(lead) == total(results_of(lead, everyone))
    assert page_figures(lead) == api_figures(lead)


def test_an_assessor_cannot_work_out_the_one_person_they_do_not_see(db: None) -> None:
    """Five people and their assessor; the assessor assesses four of them. Subtracting what they
    see by name (their own results and their four assessees') from the team figures would leave
    the fifth person's figures on every competence: the figures are hidden instead."""
    world = office(others=5, assessed=4)
    fifth = world.people[4]
    pat, lead = signed_in(world.assessor), signed_in(world.lead)
    seen = seen_by_name(pat)
    assert seen == {world.assessor_person.pk, *(p.pk for p in world.people[:4])}
    known = total(results_of(pat, seen))
    theirs = results_of(lead, [fifth.pk])[0]
    for where, shown in (("API", api_figures(pat)), ("page", page_figures(pat))):
        recovered = [n for n, cell in minus(shown, known).items() if cell == theirs[n]]
        assert recovered == [], (
            f"{where}: the fifth person's figures on {len(recovered)} competences"
        )
        assert shown == {}, where
    summary = pat.get("/api/v1/team/summary").json()
    assert (summary["hidden"], summary["people"], summary["coverage"]) == (True, [], [])
    assert (summary["people_count"], summary["left_out"]) == (1, 5)
    assert "you see by name" in summary["notice"]
    page = pat.get("/team").content.decode()
    assert "fewer than 5 people" in page
    assert "Person 05" not in page


def test_figures_shown_to_an_assessor_are_over_the_people_they_do_not_see(db: None) -> None:
    """Twelve people in the PMO, the assessor among them; the assessor sees three by name
    (themself and their two assessees): the figures are over the nine others, exactly."""
    world = office(others=11, assessed=2)
    pat, lead = signed_in(world.assessor), signed_in(world.lead)
    seen = seen_by_name(pat)
    assert len(seen) == 3
    others = [p.pk for p in world.people if p.pk not in seen]
    assert len(others) == 9
    expected = total(results_of(lead, others))
    shown = api_figures(pat)
    assert shown == expected
    assert shown[1][0] == 9  # life cycles applies to all nine
    assert page_figures(pat) == expected
    summary = pat.get("/api/v1/team/summary").json()
    assert (summary["people_count"], summary["left_out"], summary["hidden"]) == (9, 3, False)
    assert "9 people" in pat.get("/team").content.decode()
    # The assessor's figures and what they see by name add up to the lead's: nobody is counted
    # twice, so subtracting what they see by name takes nothing away from the figures.
    assert total([shown, *results_of(pat, seen)]) == api_figures(lead)
    # Every way the assessor may ask gives the same nine: no two answers differ by one person.
    assert api_figures(pat, "?page=1") == shown
    assert page_figures(pat, "?page=2") == shown
    assert pat.get("/api/v1/team/summary?page=2").status_code == 422
    assert pat.get("/api/v1/team/summary?context=programme").status_code == 422
    assert pat.get("/team?context=programme").status_code == 404


def test_one_viewers_figures_never_reach_another(db: None) -> None:
    """The figures are kept between requests: two assessors of one PMO who see different people
    each get the figures over the people they do not see, asked in turn."""
    world = office(others=11, assessed=2)
    with audit.acting_as("test-setup"):
        quinn = User.objects.create(username="quinn", password=hashed())
        quinn.groups.add(Group.objects.get(name="assessor"))
        quinn_person = world.people[10]
        quinn_person.user = quinn
        quinn_person.save()
        for p in world.people[5:9]:
            p.assessor = quinn_person
            p.save()
    lead = signed_in(world.lead)
    clients = {"pat": signed_in(world.assessor), "quinn": signed_in(quinn)}
    expected = {}
    for name, client in clients.items():
        seen = seen_by_name(client)
        others = [p.pk for p in [world.assessor_person, *world.people] if p.pk not in seen]
        expected[name] = (len(others), total(results_of(lead, others)))
    assert (expected["pat"][0], expected["quinn"][0]) == (9, 7)
    for name in ("pat", "quinn", "pat", "quinn"):
        summary = clients[name].get("/api/v1/team/summary").json()
        assert summary["people_count"] == expected[name][0], name
        assert api_figures(clients[name]) == expected[name][1], name
        assert page_figures(clients[name]) == expected[name][1], name
    full = lead.get("/api/v1/team/summary").json()
    assert (full["people_count"], full["individuals"], len(full["people"])) == (12, True, 12)


@pytest.mark.parametrize("admin", [False, True])
def test_leads_and_admins_see_everyone_they_count(db: None, admin: bool) -> None:
    world = office(others=5, assessed=4)
    who = world.lead
    if admin:
        with audit.acting_as("test-setup"):
            who = User.objects.create(username="root", password=hashed(), is_superuser=True)
    summary = signed_in(who).get("/api/v1/team/summary").json()
    assert (summary["people_count"], summary["individuals"], summary["hidden"]) == (6, True, False)
    assert summary["left_out"] == 0
    assert len(summary["people"]) == 6
