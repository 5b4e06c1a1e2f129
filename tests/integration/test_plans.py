"""Development plans: suggested from the gaps in order, kept, and measured against later ratings."""

from __future__ import annotations

import json

import pytest

from competence.cli import main
from competence.data import load_activities, load_catalogue
from competence.domain import Rating
from competence.domain.plans import kind_for, suggest
from competence.services import plans, records
from competence.store.models import Cycle, Person


def test_suggestions_put_the_target_profile_first_and_the_largest_gaps_first() -> None:
    catalogue = load_catalogue()
    officer = catalogue.profile("pmo-officer")
    ratings = {
        n: Rating(r.target.knowledge, r.target.application) for n, r in officer.requirements.items()
    }
    ratings[2] = Rating(1, 2)  # governance: knowledge 2 short of the officer's 3
    ratings[8] = Rating(3, 2)  # reviews: application 1 short
    found = suggest(catalogue, "pmo-officer", "programme", ratings, load_activities())
    officer_part = [
        (s.competence, s.axis, s.levels_short) for s in found if s.profile == "pmo-officer"
    ]
    assert officer_part == [(2, "knowledge", 2), (8, "application", 1)]
    specialist_part = [s for s in found if s.profile == "pmo-specialist"]
    assert specialist_part  # then what the PMO specialist profile asks beyond that
    assert (2, "knowledge") not in {(s.competence, s.axis) for s in specialist_part}
    first = found[0]
    assert (first.kind, first.action) == (
        "training",
        "Attend a course on governance arrangements, then apply it to your own work.",
    )


@pytest.mark.parametrize(
    ("axis", "short", "target", "kind"),
    [
        ("knowledge", 1, 3, "reading"),
        ("knowledge", 2, 3, "training"),
        ("knowledge", 2, 4, "qualification"),
        ("application", 1, 3, "mentoring"),
        ("application", 3, 3, "on-the-job"),
    ],
)
def test_the_kind_of_activity(axis: str, short: int, target: int, kind: str) -> None:
    assert kind_for(axis, short, target) == kind


def test_a_plan_is_kept_and_shows_progress(
    people: dict[str, Person], cycles: list[Cycle], capsys: pytest.CaptureFixture[str]
) -> None:
    ada = people["ada"]  # a PMO specialist's profile: no next profile
    records.submit(records.record_assessment(ada, cycles[0], {1: Rating(2, 2)}))
    made = plans.generate(ada)
    assert made
    assert plans.generate(ada) == []  # nothing twice
    life_cycles = [i for i in plans.plan_data(ada) if i["number"] == 1]
    assert [(i["axis"], i["now"], i["target_level"], i["reached"]) for i in life_cycles] == [
        ("knowledge", 2, 4, False),
        ("application", 2, 4, False),
    ]
    records.submit(records.record_assessment(ada, cycles[1], {1: Rating(4, 3)}))
    life_cycles = [i for i in plans.plan_data(ada) if i["number"] == 1]
    assert [(i["now"], i["reached"]) for i in life_cycles] == [(4, True), (3, False)]
    capsys.readouterr()
    assert main(["plan", "E1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(made)


def test_the_person_and_their_assessor_edit_the_plan_on_the_results_page(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    ada, grace = people["ada"], people["grace"]
    ada.user = User.objects.create(username="ada")
    grace.user = User.objects.create(username="grace")
    ada.save()
    grace.save()
    grace.user.groups.add(Group.objects.create(name="assessor"))
    records.submit(records.record_assessment(ada, cycles[1], {1: Rating(1, 1)}))
    client = Client()
    client.force_login(grace.user)  # Grace is Ada's assessor
    assert client.post(f"/people/{ada.pk}/plan").status_code == 302
    item = ada.plan_items.get(competence=1, axis="knowledge")
    page = client.get(f"/people/{ada.pk}").content.decode()
    assert "Development plan" in page
    assert item.action in page
    changed = {
        "status": "done",
        "action": "mentoring: shadow Grace at the gate reviews",
        "due_on": "2027-03-31",
    }
    assert client.post(f"/people/{ada.pk}/plan/{item.pk}", changed).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.action, str(item.due_on)) == (
        "done",
        "mentoring: shadow Grace at the gate reviews",
        "2027-03-31",
    )
    client.post(f"/people/{ada.pk}/plan/{item.pk}", {"status": "done", "due_on": "soon"})
    item.refresh_from_db()
    assert str(item.due_on) == "2027-03-31"
    alan = Client()
    alan.force_login(User.objects.create(username="alan-user"))
    assert alan.post(f"/people/{ada.pk}/plan/{item.pk}", {"status": "dropped"}).status_code == 403
