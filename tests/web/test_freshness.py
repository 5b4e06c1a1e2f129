"""Stale and overdue in words on the pages, and the due and overdue list (page, API, CLI) for
assessors, PMO leads and admins."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from django.contrib.auth.models import Group
from django.utils import timezone

from competence.cli import cli
from competence.domain import Rating
from competence.domain.freshness import months_before
from competence.services import records
from competence.store import audit
from competence.store.models import Assessment, Pmo
from tests.web.conftest import Org, signed_in, user


def _day(day: dt.date) -> str:
    today = timezone.localdate()
    return f"{day.day} {day:%B}" + ("" if day.year == today.year else f" {day.year}")


@pytest.fixture
def due(org: Org) -> tuple[Org, dt.date]:
    """2026 closed two days ago; Ada last assessed 14 months ago, with nothing in 2026; Alan
    never assessed (a draft); Grace's self-assessment submitted, her review not sent."""
    today = timezone.localdate()
    closed = today - dt.timedelta(days=2)
    with audit.acting_as("test-setup"):
        Assessment.objects.filter(person=org.ada).update(assessed_on=months_before(today, 14))
        org.cycles[1].closes_on = closed
        org.cycles[1].save()
        grace = records.record_assessment(
            org.grace, org.cycles[1], {1: Rating(2, 2)}, assessed_on=months_before(today, 1)
        )
        records.submit(grace)
        org.grace_user.groups.add(Group.objects.create(name="assessor"))
    return org, closed


def test_the_pages_say_who_is_stale_and_overdue_in_words(due: tuple[Org, dt.date]) -> None:
    org, closed = due
    admin = signed_in(org.lead)
    ada_words = f"assessed 14 months ago: due again; self-assessment overdue since {_day(closed)}"
    people = admin.get("/people").content.decode()
    assert ada_words in people
    assert f"not assessed yet; self-assessment overdue since {_day(closed)}" in people
    assert f"assessed 1 month ago; review overdue since {_day(closed)}" in people
    results = admin.get(f"/people/{org.ada.pk}").content.decode()
    assert f"<strong>Assessed: </strong>{ada_words} (2026)." in results
    team = admin.get("/team").content.decode()
    assert ada_words in team


def test_the_due_list_is_scoped_to_whom_the_user_may_see(due: tuple[Org, dt.date]) -> None:
    org, closed = due
    # An admin: everyone still here who is due, overdue first then by email.
    everyone = signed_in(org.lead).get("/api/v1/due").json()
    assert [i["person"] for i in everyone["items"]] == [
        "ada@example.org",
        "alan@example.org",
        "grace@example.org",
    ]
    assert everyone["count"] == 3
    assert everyone["pages"] == 1
    ada = everyone["items"][0]
    assert ada["state"] == "overdue"
    assert ada["stale"]
    assert ada["overdue_step"] == "person"
    assert ada["overdue_since"] == closed.isoformat()
    assert ada["cycle"] == "2026"
    assert everyone["items"][2]["overdue_step"] == "assessor"
    paged = signed_in(org.lead).get("/api/v1/due?page=2&page_size=2").json()
    assert [i["person"] for i in paged["items"]] == ["grace@example.org"]
    assert paged["pages"] == 2
    # An assessor: their assessees only (never themselves), with a link to the review.
    grace = signed_in(org.grace_user)
    assert [i["person"] for i in grace.get("/api/v1/due").json()["items"]] == ["ada@example.org"]
    page = grace.get("/due").content.decode()
    assert f'href="/people/{org.ada.pk}/review"' in page
    assert "Assessed 14 months ago: due again" in page
    assert f'href="/people/{org.ada.pk}"' in page
    assert "Alan Turing" not in page
    # A PMO lead: the people of the PMOs they lead.
    with audit.acting_as("test-setup"):
        lead = user("change-lead")
        lead.groups.add(Group.objects.create(name="pmo-lead"))
        office = Pmo.objects.create(name="Change Office", context="project")
        office.leads.add(lead)
        team = org.alan.team
        assert team is not None
        team.pmo = office
        team.save()
    led = signed_in(lead).get("/api/v1/due").json()
    assert [i["person"] for i in led["items"]] == ["alan@example.org"]
    # A member: not theirs to see.
    assert signed_in(org.ada_user).get("/due").status_code == 403
    # Left people are not due.
    with audit.acting_as("test-setup"):
        org.alan.left_on = timezone.localdate()
        org.alan.save()
    assert signed_in(lead).get("/api/v1/due").json()["count"] == 0
    assert "Nobody you see is due or overdue." in signed_in(lead).get("/due").content.decode()


@pytest.mark.usefixtures("due")
def test_the_command_line_lists_the_same() -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["due", "--json"])
    assert shown.exit_code == 0, shown.output
    assert [d["person"] for d in json.loads(shown.stdout)] == [
        "ada@example.org",
        "alan@example.org",
        "grace@example.org",
    ]
    text = runner.invoke(cli, ["--as", "grace", "due"])
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("ada@example.org: assessed 14 months ago: due again")
    assert "1 due or overdue." in text.stderr
    member = runner.invoke(cli, ["--as", "ada", "due"])
    assert member.exit_code != 0
    assert "not allowed" in str(member.exception)


def test_remind_keeps_its_rule(due: tuple[Org, dt.date]) -> None:
    """``competence remind`` decides with the same rule (the open cycle's steps apart)."""
    from competence.services.privacy import due_for_reminder

    today = timezone.localdate()
    with audit.acting_as("test-setup"):
        org, _ = due
        org.cycles[1].closes_on = None
        org.cycles[1].save()
    reminded = {p.email: why for p, why in due_for_reminder(12, today=today)}
    assert "ada@example.org" in reminded
    Assessment.objects.filter(person=org.ada).update(assessed_on=months_before(today, 12))
    with audit.acting_as("test-setup"):
        records.submit(records.record_assessment(org.ada, org.cycles[1], {1: Rating(3, 3)}))
    assert "ada@example.org" not in {p.email for p, _ in due_for_reminder(12, today=today)}
