"""The people pages and the teams and PMOs pages (admins; PMO leads for the people of the PMOs
they lead): every change through the services, checked field by field, all or nothing, and
audited with its old and new values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from competence.store import audit
from competence.store.models import AuditEntry, Person, Pmo, Team
from tests.web.conftest import Org, signed_in, user


@pytest.fixture
def admin(org: Org) -> Client:
    return signed_in(org.lead)  # staff: an admin


@pytest.fixture
def office(org: Org) -> Pmo:
    """The Programme Office over Delivery (and so Finance PMO below it), led by Linda."""
    with audit.acting_as("test-setup"):
        pmo = Pmo.objects.create(name="Programme Office", context="programme")
        Team.objects.filter(name="Delivery").update(pmo=pmo)
        linda = user("linda")
        linda.groups.add(Group.objects.get_or_create(name="pmo-lead")[0])
        pmo.leads.add(linda)
        grace = org.grace_user
        grace.groups.add(Group.objects.get_or_create(name="assessor")[0])
    return pmo


def linda() -> Client:
    return signed_in(User.objects.get(username="linda"))


def person_form(**values: str) -> dict[str, str]:
    return {
        "name": "Edsger Dijkstra",
        "email": "edsger@example.org",
        "employee_id": "E9",
        "team": "Delivery / Finance PMO",
        "context": "programme",
        "profile": "pmo-officer",
        "target_profile": "",
        "assessor": "",
        **values,
    }


def test_an_admin_adds_a_person_and_the_change_is_audited(org: Org, admin: Client) -> None:
    answer = admin.post("/people/new", person_form(assessor="grace@example.org"))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    edsger = Person.objects.get(email="edsger@example.org")
    assert str(edsger.team) == "Finance PMO"
    assert (edsger.assessor, edsger.employee_id) == (org.grace, "E9")
    entry = AuditEntry.objects.get(model="Person", action="create", object_id=str(edsger.pk))
    assert entry.actor == "lead"
    assert entry.new is not None
    assert entry.new["email"] == "edsger@example.org"


def test_every_field_error_is_named_and_nothing_is_saved(org: Org, admin: Client) -> None:
    answer = admin.post(
        "/people/new",
        person_form(
            name="",
            email="ada@example.org",
            employee_id="E1",
            team="Nowhere",
            context="galaxy",
            profile="pmo-wizard",
            assessor="nobody@example.org",
        ),
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    for shown in (
        'id="e-name"',
        'id="e-email"',
        'id="e-employee_id"',
        'id="e-team"',
        'id="e-context"',
        'id="e-profile"',
        'id="e-assessor"',
        "already belongs to another person",
        "E1 already belongs to ada@example.org",
        "unknown profile &#x27;pmo-wizard&#x27;",
        "no person with the email or employee id",
    ):
        assert shown in page, shown
    assert Person.objects.count() == 3


def test_an_admin_edits_moves_sets_profiles_and_marks_a_leaver(org: Org, admin: Client) -> None:
    form = person_form(
        name="Alan M. Turing",
        email="alan@example.org",
        employee_id="A1",
        team="Change",
        context="project",
        profile="pmo-specialist",
        target_profile="pmo-specialist",
        assessor="grace@example.org",
        left_on="2026-03-31",
    )
    form["team"] = "Delivery"
    answer = admin.post(f"/people/{org.alan.pk}/edit", form)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    alan = Person.objects.get(pk=org.alan.pk)
    assert alan.name == "Alan M. Turing"
    assert alan.team is not None
    assert alan.team.name == "Delivery"  # moved
    assert (alan.profile, alan.target_profile) == ("pmo-specialist", "pmo-specialist")
    assert alan.assessor == org.grace
    assert alan.left_on == dt.date(2026, 3, 31)
    entry = AuditEntry.objects.filter(
        model="Person", action="update", object_id=str(alan.pk)
    ).last()
    assert entry is not None
    assert entry.old is not None
    assert entry.new is not None
    assert entry.old["team_id"] == org.alan.team_id
    assert entry.new["left_on"] == "2026-03-31"
    assert entry.old["profile"] == "pmo-officer"


def test_an_edit_with_a_bad_field_changes_nothing(org: Org, admin: Client) -> None:
    form = person_form(email="alan@example.org", name="New Name", left_on="soon", team="Change")
    answer = admin.post(f"/people/{org.alan.pk}/edit", form)
    assert answer.status_code == 422
    assert "not a date" in answer.content.decode()
    assert Person.objects.get(pk=org.alan.pk).name == "Alan Turing"


def test_a_person_cannot_be_their_own_assessor(org: Org, admin: Client) -> None:
    form = person_form(email="ada@example.org", assessor="ada@example.org", team="Change")
    answer = admin.post(f"/people/{org.ada.pk}/edit", form)
    assert answer.status_code == 422
    assert "cannot assess themself" in answer.content.decode()


def test_erasing_asks_first_and_names_what_goes(org: Org, admin: Client) -> None:
    page = admin.get(f"/people/{org.ada.pk}/erase").content.decode()
    assert "Erase Ada Lovelace" in page
    assert f"their {org.ada.assessments.count()} assessments" in page
    assert f"erased-person-{org.ada.pk}" in page
    assert "disables their account ada" in page
    assert admin.post(f"/people/{org.ada.pk}/erase", {}).status_code == 422
    assert Person.objects.filter(pk=org.ada.pk).exists()
    assert admin.post(f"/people/{org.ada.pk}/erase", {"confirm": "erase"}).status_code == 302
    assert not Person.objects.filter(pk=org.ada.pk).exists()
    assert AuditEntry.objects.filter(action="erase", object_id=str(org.ada.pk)).exists()


def test_a_bulk_assessor_is_all_or_nothing_and_audited(org: Org, admin: Client) -> None:
    chosen = [org.alan.pk, org.grace.pk]
    answer = admin.post("/people", {"person": chosen, "assessor": "grace@example.org"})
    assert answer.status_code == 422  # Grace cannot assess herself: nobody changes
    assert "cannot assess themself (grace@example.org)" in answer.content.decode()
    assert Person.objects.get(pk=org.alan.pk).assessor is None
    answer = admin.post("/people", {"person": chosen, "assessor": "ada@example.org"})
    assert answer.status_code == 302
    assert {p.assessor_id for p in Person.objects.filter(pk__in=chosen)} == {org.ada.pk}
    changes = AuditEntry.objects.filter(
        model="Person", action="update", new__assessor_id=org.ada.pk
    )
    assert changes.count() == 2


def test_search_and_filters(org: Org, admin: Client, office: Pmo) -> None:
    with audit.acting_as("test-setup"):
        Person.objects.filter(pk=org.alan.pk).update(left_on=dt.date(2026, 1, 1))

    def names(**query: str | int) -> list[str]:
        return [p["name"] for p in admin.get("/people", query).context["page"].items]

    assert names(q="lovelace") == ["Ada Lovelace"]
    assert names(q="E1") == ["Ada Lovelace"]  # employee id
    assert names(q="grace@") == ["Grace Hopper"]
    delivery = Team.objects.get(name="Delivery")
    assert names(team=delivery.pk) == ["Ada Lovelace", "Grace Hopper"]  # and below it
    assert names(pmo=office.pk) == ["Ada Lovelace", "Grace Hopper"]
    assert names(assessor=org.grace.pk) == ["Ada Lovelace"]
    assert names(left="left") == ["Alan Turing"]
    assert names(left="here") == ["Ada Lovelace", "Grace Hopper"]


def test_ten_thousand_people_page_in_a_few_queries(
    org: Org, admin: Client, django_assert_max_num_queries: object
) -> None:
    team = Team.objects.get(name="Change")
    with audit.acting_as("test-setup"):
        Person.objects.bulk_create(
            Person(
                name=f"Person {i:05}",
                email=f"p{i}@example.org",
                team=team,
                context="project",
                assessor=org.grace,
            )
            for i in range(10_000)
        )
    # The session, the user and the menu's own person; the people: a count, the page and the
    # team paths; the filters' choices: the teams (two), the PMOs and the assessors; how fresh
    # the page's people are: the latest cycle and their assessments.
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        answer = admin.get("/people", {"page": "3", "q": "person"})
    page = answer.context["page"]
    assert (page.count, page.page, page.pages, len(page.items)) == (10_000, 3, 200, 50)
    assert page.items[0]["name"] == "Person 00100"
    html = answer.content.decode()
    assert 'rel="next"' in html
    assert "q=person&amp;page=4" in html


def test_a_lead_manages_only_the_people_of_their_pmo(org: Org, office: Pmo) -> None:
    client = linda()
    listed = [p["name"] for p in client.get("/people").context["page"].items]
    assert listed == ["Ada Lovelace", "Grace Hopper"]
    assert client.get(f"/people/{org.alan.pk}/edit").status_code == 403
    assert client.post("/people", {"person": [org.alan.pk], "assessor": ""}).status_code == 422
    page = client.get(f"/people/{org.ada.pk}/edit").content.decode()
    assert 'name="profile"' not in page  # an admin chooses the profiles
    form = person_form(email="ada@example.org", name="Ada King", employee_id="E1")
    del form["profile"], form["target_profile"]
    assert client.post(f"/people/{org.ada.pk}/edit", form).status_code == 302
    assert Person.objects.get(pk=org.ada.pk).name == "Ada King"
    moved = person_form(email="ada@example.org", employee_id="E1", team="Change")
    del moved["profile"], moved["target_profile"]
    answer = client.post(f"/people/{org.ada.pk}/edit", moved)
    assert answer.status_code == 422  # Change is not one of Linda's teams
    assert str(Person.objects.get(pk=org.ada.pk).team) == "Finance PMO"
    assert client.get(f"/people/{org.ada.pk}/erase").status_code == 403
    assert client.get("/teams").status_code == 403
    assert client.get("/admin").status_code == 403


def test_a_member_has_no_people_pages(org: Org) -> None:
    client = signed_in(org.ada_user)
    for path in ("/people", "/people/new", f"/people/{org.alan.pk}/edit", "/teams", "/admin"):
        assert client.get(path).status_code == 403, path


def test_the_menu_links_the_admin_hub_and_the_hub_links_each_task(org: Org, admin: Client) -> None:
    page = admin.get("/admin").content.decode()
    for link in ('href="/people"', 'href="/teams"', 'href="/manage/import"', 'href="/admin"'):
        assert link in page, link


def test_teams_create_rename_move_and_refuse_a_loop(org: Org, admin: Client) -> None:
    delivery = Team.objects.get(name="Delivery")
    finance = Team.objects.get(name="Finance PMO")
    assert admin.post("/teams/new", {"name": "Risk", "parent": str(finance.pk)}).status_code == 302
    risk = Team.objects.get(name="Risk")
    assert risk.parent == finance
    answer = admin.post(f"/teams/{delivery.pk}/edit", {"name": "Delivery", "parent": str(risk.pk)})
    assert answer.status_code == 422
    assert "cannot move under itself or a team below it" in answer.content.decode()
    assert Team.objects.get(pk=delivery.pk).parent is None
    answer = admin.post(f"/teams/{risk.pk}/edit", {"name": "Risk and issues", "parent": ""})
    assert answer.status_code == 302
    risk = Team.objects.get(pk=risk.pk)
    assert risk.name == "Risk and issues"
    assert risk.parent_id is None
    entry = AuditEntry.objects.filter(model="Team", object_id=str(risk.pk), action="update").last()
    assert entry is not None
    assert (entry.old or {})["name"] == "Risk"
    assert (entry.new or {})["parent_id"] is None
    answer = admin.post("/teams/new", {"name": "Change", "parent": ""})
    assert answer.status_code == 422
    assert "there is a team &#x27;Change&#x27; in the top level already" in answer.content.decode()
    tree = admin.get("/teams").content.decode()
    assert tree.index("Delivery") < tree.index("Finance PMO")


def test_pmos_create_rename_context_and_leads(org: Org, admin: Client, office: Pmo) -> None:
    answer = admin.post("/pmos/new", {"name": "Portfolio Office", "context": "portfolio"})
    assert answer.status_code == 302
    answer = admin.post(
        f"/pmos/{office.pk}/edit",
        {"name": "Programme Management Office", "context": "project", "leads": ["linda", "ada"]},
    )
    assert answer.status_code == 302
    office.refresh_from_db()
    assert office.name == "Programme Management Office"
    assert sorted(u.username for u in office.leads.all()) == ["ada", "linda"]
    entry = AuditEntry.objects.filter(model="Pmo", summary__endswith="leads").last()
    assert entry is not None
    assert (entry.old, entry.new) == (
        {"leads": ["linda"]},
        {"leads": ["ada", "linda"]},
    )
    answer = admin.post(f"/pmos/{office.pk}/edit", {"name": "", "context": "x", "leads": ["zed"]})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert 'id="e-name"' in page
    assert 'id="e-context"' in page
    assert "no user named" in page
    office.refresh_from_db()
    assert office.context == "project"
