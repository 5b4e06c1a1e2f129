"""The audit trail page (admins; PMO leads for the people they may see): filters, old and new
values, pages, the CSV export (escaped), pseudonyms after an erasure, and no way to change it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from competence.services import privacy
from competence.store import audit
from competence.store.models import AuditEntry, Pmo, Team
from tests.web.conftest import Org, hashed, signed_in


@pytest.fixture
def admin(org: Org) -> Client:
    return signed_in(org.lead)  # a staff user: an admin


def lead_of(team: str, context: str = "programme") -> User:
    """A new PMO lead, of a new PMO over the team of this name (and the teams below it)."""
    with audit.acting_as("test-setup"):
        user = User.objects.create(username="pat", password=hashed())
        user.groups.add(Group.objects.get_or_create(name="pmo-lead")[0])
        office = Pmo.objects.create(name=f"{team} office", context=context)
        office.leads.add(user)
        led = Team.objects.get(name=team)
        led.pmo = office
        led.save()
    return user


@pytest.fixture
def lead(org: Org) -> User:
    """A PMO lead of the PMO over Delivery (Ada and Grace's team), not over Change (Alan's)."""
    return lead_of("Delivery")


def _entry(at: dt.datetime, **fields: str) -> AuditEntry:
    return AuditEntry.objects.create(
        at=at, actor=fields.pop("actor", "cli:ops"), action="update", model="Person", **fields
    )


def test_filters_by_person_actor_kind_and_dates(org: Org, admin: Client) -> None:
    _entry(dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), person=str(org.alan.pk), summary="old one")
    _entry(
        dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC),
        actor="hr-bot",
        person=str(org.alan.pk),
        summary="by the bot",
    )
    page = admin.get("/audit?person=alan@example.org").content.decode()
    assert "old one" in page
    assert "by the bot" in page
    assert "Ada Lovelace" not in page
    page = admin.get("/audit?actor=hr-bot").content.decode()
    assert "by the bot" in page
    assert "old one" not in page
    page = admin.get("/audit?since=2024-05-15&until=2024-06-01").content.decode()
    assert "by the bot" in page
    assert "old one" not in page
    page = admin.get("/audit?model=Cycle&action=create").content.decode()
    assert "create Cycle" in page
    assert "update Person" not in page
    bad = admin.get("/audit?since=yesterday&until=2024-01-01&person=nobody@example.org")
    assert bad.status_code == 422
    assert "since: a date as YYYY-MM-DD" in bad.content.decode()


def test_old_and_new_values_are_shown_field_by_field(org: Org, admin: Client) -> None:
    with audit.acting_as("admin"):
        org.alan.name = "Alan M. Turing"
        org.alan.save()
    page = admin.get("/audit?person=alan@example.org&action=update").content.decode()
    assert "<dt>name</dt>" in page
    assert "Alan Turing</del>" in page
    assert "Alan M. Turing</ins>" in page


def test_pages_are_bounded_and_link_to_each_other(org: Org, admin: Client) -> None:
    start = timezone.now() - dt.timedelta(days=1)
    for i in range(120):
        _entry(start + dt.timedelta(seconds=i), summary=f"change number {i:03d}", actor="pager")
    first = admin.get("/audit?actor=pager").content.decode()
    assert "120 entries, page 1 of 3" in first
    assert "change number 119" in first
    assert "change number 069" not in first
    assert 'href="?actor=pager&amp;page=2"' in first
    last = admin.get("/audit?actor=pager&page=3").content.decode()
    assert "change number 000" in last
    assert "Older entries" not in last
    assert "Newer entries" in last


def test_the_csv_export_is_filtered_streamed_and_escaped(org: Org, admin: Client) -> None:
    _entry(
        timezone.now(),
        actor='=HYPERLINK("http://evil")',
        person=str(org.alan.pk),
        summary="+1 formula",
    )
    answer = admin.get("/audit.csv?person=alan@example.org")
    assert answer.status_code == 200
    assert answer.streaming
    assert answer["Content-Type"].startswith("text/csv")
    assert "attachment" in answer["Content-Disposition"]
    text = b"".join(answer.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    evil = next(r for r in rows if r[7] == "'+1 formula")
    assert evil[2] == '\'=HYPERLINK("http://evil")'
    assert all(r[6] == str(org.alan.pk) for r in rows[1:])
    assert admin.get("/audit.csv?since=never").status_code == 422


def test_an_erased_person_appears_only_as_a_pseudonym(org: Org, admin: Client) -> None:
    with audit.acting_as("admin"):
        pseudonym = privacy.erase("alan@example.org")
    page = admin.get("/audit").content.decode()
    assert "Alan Turing" not in page
    assert "alan@example.org" not in page
    assert pseudonym in page
    text = b"".join(admin.get("/audit.csv").streaming_content).decode()  # type: ignore[attr-defined]
    assert "Alan Turing" not in text
    assert pseudonym in text


def test_the_trail_is_append_only(org: Org, admin: Client) -> None:
    before = AuditEntry.objects.count()
    for path in ("/audit", "/audit.csv", "/api/v1/audit"):
        assert admin.post(path, {"summary": "rewritten"}).status_code == 405
        assert admin.delete(path).status_code == 405
        assert admin.put(path, "{}", content_type="application/json").status_code == 405
    some = AuditEntry.objects.first()
    assert some is not None
    assert admin.delete(f"/api/v1/audit/{some.pk}").status_code == 404  # no such route
    assert AuditEntry.objects.count() == before


def test_a_lead_reads_only_the_entries_about_their_people(org: Org, lead: User) -> None:
    client = signed_in(lead)
    page = client.get("/audit").content.decode()
    assert "Alan Turing" not in page
    assert "Ada Lovelace" in client.get("/audit?model=Person").content.decode()
    assert "create Cycle" not in page  # not about a person they see
    assert "You see the entries about the people you may see" in page
    alan = client.get("/audit?person=alan@example.org").content.decode()
    assert "Alan Turing" not in alan
    assert "0 entries" in alan
    text = b"".join(client.get("/audit.csv").streaming_content).decode()  # type: ignore[attr-defined]
    assert "Ada Lovelace" in text
    assert "Alan Turing" not in text
    assert signed_in(org.ada_user).get("/audit").status_code == 403
