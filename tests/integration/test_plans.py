"""Development plans: suggested from the gaps in order, kept, and measured against later ratings."""

from __future__ import annotations

import json

import pytest

from competence.cli import main
from competence.data import (
    activities_for,
    build_catalogue,
    check_profile_document,
    load_activities,
    load_catalogue,
)
from competence.domain import Rating
from competence.domain.plans import kind_for, suggest
from competence.domain.words import in_sentence
from competence.errors import InputError
from competence.formats.case import assessable, read_case
from competence.services import plans, records
from competence.store.models import Cycle, Person
from tests.conftest import CASE_FILES


def at_target(profile: str, **changed: Rating) -> dict[int, Rating]:
    """Every requirement of a profile met exactly, but for the competences changed (by number)."""
    requirements = load_catalogue().profile(profile).requirements
    out = {n: Rating(r.target.knowledge, r.target.application) for n, r in requirements.items()}
    out.update({int(n.lstrip("c")): r for n, r in changed.items()})
    return out


def test_suggestions_put_the_largest_gaps_of_the_own_profile_first() -> None:
    catalogue = load_catalogue()
    ratings = at_target("pmo-officer", c2=Rating(1, 2), c8=Rating(3, 2))
    found = suggest(catalogue, "pmo-officer", "programme", ratings, load_activities())
    assert [(s.competence, s.axis, s.levels_short, s.priority) for s in found] == [
        (2, "knowledge", 2, "gap"),
        (8, "application", 1, "top-up"),
    ]
    assert {s.profile for s in found} == {"pmo-officer"}
    first = found[0]
    assert (first.kind, first.action) == (
        "training",
        "Attend a course on governance arrangements, then apply it to your own work.",
    )


def test_steps_toward_the_next_profile_come_separately_and_only_where_the_person_rates() -> None:
    """Portfolio shaping (6) is portfolio only for a PMO officer, but 1/1 everywhere for a PMO
    specialist: an officer in a project PMO never rated it, so no step proposes it."""
    catalogue = load_catalogue()
    ratings = at_target("pmo-officer")
    own = suggest(catalogue, "pmo-officer", "project", ratings, load_activities())
    assert own == []
    toward = suggest(
        catalogue, "pmo-officer", "project", ratings, load_activities(), toward="pmo-specialist"
    )
    assert toward
    assert {s.profile for s in toward} == {"pmo-specialist"}
    assert 6 not in {s.competence for s in toward}
    officer = catalogue.profile("pmo-officer")
    assert all(officer.requirements[s.competence].applies_in("project") for s in toward)


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
    ratings = at_target("pmo-specialist", c1=Rating(2, 2), c2=Rating(3, 4), c5=Rating(4, 3))
    records.submit(records.record_assessment(ada, cycles[0], ratings))
    made = plans.generate(ada, limit=3)
    assert [(i.competence, i.axis) for i in made] == [(1, "knowledge"), (1, "application"),
                                                      (2, "knowledge")]  # fmt: skip
    rest = plans.generate(ada)
    assert [(i.competence, i.axis) for i in rest] == [(5, "application")]
    assert plans.generate(ada) == []  # nothing twice
    with pytest.raises(InputError, match="no next profile"):
        plans.generate(ada, toward_next=True)
    life_cycles = [i for i in plans.plan_data(ada) if i["number"] == 1]
    assert [
        (i["axis"], i["now"], i["target_level"], i["reached"], i["priority"]) for i in life_cycles
    ] == [("knowledge", 2, 4, False, "gap"), ("application", 2, 4, False, "gap")]
    ratings[1] = Rating(4, 3)
    records.submit(records.record_assessment(ada, cycles[1], ratings))
    life_cycles = [i for i in plans.plan_data(ada) if i["number"] == 1]
    assert [(i["now"], i["reached"]) for i in life_cycles] == [(4, True), (3, False)]
    capsys.readouterr()
    assert main(["plan", "E1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(made) + len(rest)


def test_the_person_and_their_assessor_edit_the_whole_plan_in_one_form(
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
    records.submit(
        records.record_assessment(ada, cycles[1], at_target("pmo-specialist", c1=Rating(1, 1)))
    )
    client = Client()
    client.force_login(grace.user)  # Grace is Ada's assessor
    assert client.post(f"/people/{ada.pk}/plan").status_code == 302
    item = ada.plan_items.get(competence=1, axis="knowledge")
    page = client.get(f"/people/{ada.pk}").content.decode()
    assert "Development plan" in page
    assert item.action in page
    steps = list(ada.plan_items.order_by("due_on", "competence", "id"))
    assert len(steps) >= 2
    edit = client.get(f"/people/{ada.pk}/plan/edit").content.decode()
    assert edit.count("<form") == 2  # the plan's one form, and signing out
    assert edit.count('name="step"') == len(steps)
    assert f'<textarea id="step-{item.pk}-action"' in edit  # room to write, not a narrow box
    other = next(s for s in steps if s.pk != item.pk)
    form: dict[str, object] = {"step": [str(s.pk) for s in steps]}
    for s in steps:
        form |= {
            f"step-{s.pk}-status": s.status,
            f"step-{s.pk}-action": s.action,
            f"step-{s.pk}-due_on": str(s.due_on),
        }
    changed = form | {
        f"step-{item.pk}-status": "done",
        f"step-{item.pk}-action": "mentoring: shadow Grace at the gate reviews",
        f"step-{item.pk}-due_on": "2027-03-31",
        f"step-{other.pk}-status": "in-progress",
    }
    assert client.post(f"/people/{ada.pk}/plan/edit", changed).status_code == 302
    item.refresh_from_db()
    other.refresh_from_db()
    assert (item.status, item.action, str(item.due_on)) == (
        "done",
        "mentoring: shadow Grace at the gate reviews",
        "2027-03-31",
    )
    assert other.status == "in-progress"  # two steps, one save
    bad = changed | {f"step-{item.pk}-status": "planned", f"step-{other.pk}-due_on": "soon"}
    refused = client.post(f"/people/{ada.pk}/plan/edit", bad)
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "date: not a date, &#x27;soon&#x27; (write YYYY-MM-DD)" in text
    assert 'value="soon"' in text  # what was written stays in the form, to be put right
    item.refresh_from_db()
    assert item.status == "done"  # nothing of a refused form is saved
    alan = Client()
    alan.force_login(User.objects.create(username="alan-user"))
    assert alan.get(f"/people/{ada.pk}/plan/edit").status_code == 403
    assert alan.post(f"/people/{ada.pk}/plan/edit", changed).status_code == 403


def test_a_step_names_a_framework_item_as_the_framework_writes_it() -> None:
    """APM's sentence-case names read lower-case inside a sentence ("a course on governance
    arrangements"); a CASE item's name, with its code, keeps its case."""
    framework = assessable(read_case(CASE_FILES / "opensalt-sample-framework.json"))
    doc = {
        "schema": "competence/profile/1",
        "id": "ratio-analyst",
        "name": "Ratio analyst",
        "framework": framework.id,
        "requirements": [{"competence": 2, "application": 3, "contexts": ["programme"]}],
    }
    catalogue = build_catalogue(framework, [check_profile_document(doc, framework, "doc")])
    found = suggest(
        catalogue, "ratio-analyst", "programme", {2: Rating(None, 1)}, activities_for(framework)
    )
    name = framework.competence(2).name
    assert name.startswith("CCSS.Math.Content.6.RP.A.1 Understand")
    assert [(s.axis, s.kind) for s in found] == [("application", "on-the-job")]
    assert (
        found[0].action == f"Take on a piece of real work that stretches your {name}, with support."
    )
    assert in_sentence("Life cycles") == "life cycles"
    assert in_sentence("PMO governance") == "PMO governance"
