"""The webhooks page and its API twin, as an admin: adding (and refusing what is wrong, per
field), the secret, deactivating, deleting, a test, and the delivery log with its retry.

Nothing is sent here (these tests never commit); sending is tests/integration/test_webhooks.py.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from competence.services import accounts, webhooks
from competence.store import audit
from competence.store.models import Delivery, Webhook
from tests.web.conftest import hashed, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create(username="hr", password=hashed(), is_superuser=True, is_staff=True)


@pytest.fixture
def client(admin: User) -> Client:
    return signed_in(admin)


def add_one(url: str = "https://hr.example.org/hook") -> Webhook:
    with audit.acting_as("test-setup"):
        return webhooks.add(url, ["person.created", "person.left"])


def test_an_admin_adds_a_webhook_with_the_form_and_its_secret_stays_hidden(
    client: Client,
) -> None:
    answer = client.post(
        "/webhooks",
        {"url": "https://hr.example.org/hook", "events": ["person.created", "person.erased"]},
        follow=True,
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    hook = Webhook.objects.get()
    assert (hook.url, hook.events, hook.created_by) == (
        "https://hr.example.org/hook",
        ["person.created", "person.erased"],
        "hr",
    )
    assert f"Webhook {hook.pk} added" in page
    assert "https://hr.example.org/hook" in page
    assert hook.secret not in page
    shown = client.post(f"/webhooks/{hook.pk}", {"action": "reveal"})
    assert shown.status_code == 200
    assert hook.secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]


def test_a_bad_form_is_refused_with_each_field_marked_and_nothing_added(client: Client) -> None:
    answer = client.post("/webhooks", {"url": "ftp://example.org/x", "events": ["nope"]})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Nothing was added" in page
    assert re.search(r'id="id_url"[^>]*aria-invalid="true"', page, re.DOTALL)
    assert 'id="url-error"' in page
    assert "A link starts with http:// or https://" in page
    assert 'id="events-error"' in page
    assert "Unknown events nope" in page
    assert 'value="ftp://example.org/x"' in page  # what was typed stays
    answer = client.post("/webhooks", {"url": "https://example.org/x"})
    assert answer.status_code == 422
    assert "Choose at least one event" in answer.content.decode()
    assert Webhook.objects.count() == 0


def test_every_event_has_a_labelled_checkbox(client: Client) -> None:
    from competence.domain.webhooks import EVENTS

    page = client.get("/webhooks").content.decode()
    for i, name in enumerate(EVENTS, start=1):
        assert f'<label for="event-{i}"><input type="checkbox" id="event-{i}" name="events" ' \
               f'value="{name}"' in page  # fmt: skip


def test_deactivate_activate_rotate_and_delete_from_the_page(client: Client) -> None:
    hook = add_one()
    assert client.post(f"/webhooks/{hook.pk}", {"action": "deactivate"}).status_code == 302
    hook.refresh_from_db()
    assert not hook.active
    page = client.get("/webhooks").content.decode()
    assert "deactivated: nothing is sent" in page
    client.post(f"/webhooks/{hook.pk}", {"action": "activate"})
    assert Webhook.objects.get(pk=hook.pk).active
    hook.refresh_from_db()
    old = hook.secret
    rotated = client.post(f"/webhooks/{hook.pk}", {"action": "rotate"}).content.decode()
    hook.refresh_from_db()
    assert hook.secret != old
    assert hook.secret in rotated
    assert old not in rotated
    assert client.post(f"/webhooks/{hook.pk}", {"action": "nonsense"}).status_code == 404
    asked = client.post(f"/webhooks/{hook.pk}", {"action": "delete"})
    assert asked.status_code == 200
    assert f"Delete webhook {hook.pk}?" in asked.content.decode()
    assert Webhook.objects.count() == 1  # not before it is confirmed
    confirmed = client.post(f"/webhooks/{hook.pk}", {"action": "delete", "confirm": "yes"})
    assert confirmed.status_code == 302
    assert Webhook.objects.count() == 0
    assert client.post(f"/webhooks/{hook.pk}", {"action": "ping"}).status_code == 404


def test_the_delivery_log_says_where_each_stands_latest_first_in_pages(client: Client) -> None:
    hook = add_one()
    assert client.post(f"/webhooks/{hook.pk}", {"action": "ping"}).status_code == 302
    first = Delivery.objects.get()
    Delivery.objects.filter(pk=first.pk).update(status="failed", attempts=6, last_status_code=500)
    with audit.acting_as("test-setup"):
        for _ in range(webhooks.PAGE_SIZE):
            webhooks.enqueue("person.created", {"person": {"id": 1}})
    page = client.get("/webhooks").content.decode()
    assert "26 deliveries, the latest first" in page
    assert "Page 1 of 2" in page
    assert "Older deliveries" in page
    assert "Waiting to be sent" in page
    older = client.get("/webhooks", {"page": 2}).content.decode()
    assert "Failed: gave up after 6 attempts" in older
    assert "answered 500" in older
    assert f'action="/webhooks/deliveries/{first.pk}/retry"' in older
    assert client.get("/webhooks", {"page": 3}).status_code == 404
    assert client.post(f"/webhooks/deliveries/{first.pk}/retry").status_code == 302
    first.refresh_from_db()
    assert first.status == "pending"
    Delivery.objects.filter(pk=first.pk).update(status="delivered")
    again = client.post(f"/webhooks/deliveries/{first.pk}/retry", follow=True)
    assert "already delivered" in again.content.decode()
    assert client.post("/webhooks/deliveries/999999/retry").status_code == 404


def test_the_api_twin_adds_lists_changes_and_deletes(client: Client) -> None:
    made = client.post(
        "/api/v1/webhooks",
        json.dumps({"url": "https://hr.example.org/hook", "events": ["person.left"]}),
        content_type="application/json",
    )
    assert made.status_code == 201
    body = made.json()
    assert body["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks").json()
    assert [w["url"] for w in listed] == ["https://hr.example.org/hook"]
    assert "secret" not in listed[0]
    hook = body["id"]
    assert client.get(f"/api/v1/webhooks/{hook}/secret").json()["secret"] == body["secret"]
    rotated = client.post(f"/api/v1/webhooks/{hook}/secret").json()["secret"]
    assert rotated != body["secret"]
    changed = client.patch(
        f"/api/v1/webhooks/{hook}", json.dumps({"active": False}), content_type="application/json"
    )
    assert changed.json()["active"] is False
    ping = client.post(f"/api/v1/webhooks/{hook}/ping")
    assert ping.status_code == 202
    log = client.get(f"/api/v1/webhooks/{hook}/deliveries").json()
    assert (log["count"], log["items"][0]["event"]) == (1, "ping")
    assert log["items"][0]["status_words"] == "waiting to be sent"
    assert client.get(f"/api/v1/webhooks/{hook}/deliveries", {"page": 2}).status_code == 422
    Delivery.objects.update(status="delivered")
    retried = client.post(f"/api/v1/webhooks/deliveries/{ping.json()['delivery']}/retry")
    assert retried.status_code == 409
    assert client.delete(f"/api/v1/webhooks/{hook}").status_code == 204
    assert client.delete(f"/api/v1/webhooks/{hook}").status_code == 404
    assert client.get(f"/api/v1/webhooks/{hook}/deliveries").status_code == 404


def test_the_api_refuses_a_bad_webhook_per_field(client: Client) -> None:
    answer = client.post(
        "/api/v1/webhooks",
        json.dumps({"url": "javascript:alert(1)", "events": []}),
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", "url"], ["body", "events"]]
    assert Webhook.objects.count() == 0


def test_a_read_token_reads_and_a_write_token_writes(admin: User) -> None:
    with audit.acting_as("test-setup"):
        read = accounts.create_token(admin, "reader")[1]
        write = accounts.create_token(admin, "writer", scope="write")[1]
    add = json.dumps({"url": "https://hr.example.org/hook", "events": ["person.left"]})
    client = Client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {read}"}
    assert client.get("/api/v1/webhooks", **bearer).status_code == 200  # type: ignore[arg-type]
    refused = client.post("/api/v1/webhooks", add, content_type="application/json", **bearer)  # type: ignore[arg-type]
    assert refused.status_code == 403
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {write}"}
    made = client.post("/api/v1/webhooks", add, content_type="application/json", **bearer)  # type: ignore[arg-type]
    assert made.status_code == 201
    assert Webhook.objects.get().created_by == "hr"


def test_the_secret_is_never_logged(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    hook = add_one()
    client.post(f"/webhooks/{hook.pk}", {"action": "reveal"})
    client.post(f"/webhooks/{hook.pk}", {"action": "rotate"})
    client.post(f"/webhooks/{hook.pk}", {"action": "ping"})
    client.get(f"/api/v1/webhooks/{hook.pk}/secret")
    hook.refresh_from_db()
    assert "whsec_" not in caplog.text
    assert hook.secret not in caplog.text
