"""The Cycles page (admins): open a cycle, move its due date, close it, and remind the people
whose self-assessment is due (a preview first: a dry run)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from competence.store.models import AuditEntry, Cycle
from tests.web.conftest import Org, signed_in


@pytest.fixture
def admin(org: Org) -> Client:
    return signed_in(org.lead)  # a staff user: an admin


def test_an_admin_opens_a_cycle_with_a_due_date(org: Org, admin: Client) -> None:
    answer = admin.post(
        "/cycles", {"name": "2027", "opens_on": "2027-01-04", "closes_on": "2027-03-31"}
    )
    assert answer.status_code == 302
    made = Cycle.objects.get(name="2027")
    assert (made.opens_on, made.closes_on) == (dt.date(2027, 1, 4), dt.date(2027, 3, 31))
    page = admin.get("/cycles").content.decode()
    assert "2027-03-31" in page
    assert "upcoming" in page


def test_bad_dates_name_their_field_and_nothing_is_made(org: Org, admin: Client) -> None:
    answer = admin.post("/cycles", {"name": "", "opens_on": "soon", "closes_on": "2027-02-30"})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "opens_on: a date as YYYY-MM-DD" in page
    assert "closes_on: a date as YYYY-MM-DD" in page
    answer = admin.post(
        "/cycles", {"name": "2026", "opens_on": "2027-01-04", "closes_on": "2026-12-01"}
    )
    page = answer.content.decode()
    assert "name: there is already a cycle" in page
    assert "closes_on: the cycle closes before it opens" in page
    assert Cycle.objects.count() == 2


def test_the_due_date_moves_and_the_cycle_closes_audited(org: Org, admin: Client) -> None:
    cycle = org.cycles[1]
    answer = admin.post(
        f"/cycles/{cycle.pk}", {"opens_on": "2026-01-05", "closes_on": "2099-06-30"}
    )
    assert answer.status_code == 302
    cycle.refresh_from_db()
    assert cycle.closes_on == dt.date(2099, 6, 30)
    entry = AuditEntry.objects.filter(model="Cycle", action="update").latest("id")
    assert entry.old == {"closes_on": None}
    assert entry.new == {"closes_on": "2099-06-30"}
    answer = admin.post(f"/cycles/{cycle.pk}", {"close": "1", "close_on": ""})
    assert answer.status_code == 302
    cycle.refresh_from_db()
    assert cycle.closes_on == timezone.localdate()
    bad = admin.post(f"/cycles/{cycle.pk}", {"close": "1", "close_on": "2020-01-01"})
    assert bad.status_code == 422
    assert "closes_on: the cycle closes before it opens" in bad.content.decode()
    cycle.refresh_from_db()
    assert cycle.closes_on == timezone.localdate()
    assert admin.get("/cycles/99999").status_code == 404


def test_reminders_preview_who_is_due_then_send(org: Org, admin: Client) -> None:
    cycle = org.cycles[1]  # open today, nobody has submitted in it
    mail.outbox.clear()
    page = admin.get(f"/cycles/{cycle.pk}").content.decode()
    assert "3 people would be reminded" in page
    assert "alan@example.org" in page
    assert mail.outbox == []  # the preview sends nothing
    answer = admin.post(f"/cycles/{cycle.pk}/reminders", follow=True)
    assert "3 reminders sent" in answer.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "alan@example.org",
        "grace@example.org",
    ]
    assert "/me/assessment" in str(mail.outbox[0].body)


def test_a_closed_cycle_sends_no_reminders(org: Org, admin: Client) -> None:
    closed = org.cycles[0]
    page = admin.get(f"/cycles/{closed.pk}").content.decode()
    assert "Reminders are sent for an open cycle only" in page
    mail.outbox.clear()
    answer = admin.post(f"/cycles/{closed.pk}/reminders", follow=True)
    assert "reminders are for an open cycle" in answer.content.decode()
    assert mail.outbox == []


def test_cycles_are_for_admins(org: Org) -> None:
    member = signed_in(org.ada_user)
    assert member.get("/cycles").status_code == 403
    assert member.post("/cycles", {"name": "x", "opens_on": "2027-01-01"}).status_code == 403
    assert member.post(f"/cycles/{org.cycles[1].pk}/reminders").status_code == 403
    assert not Cycle.objects.filter(name="x").exists()
