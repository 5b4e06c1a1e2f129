"""Webhooks, against a real receiver on 127.0.0.1 that checks each signature with the procedure
docs/admin.md gives (its Python example, run as it is written there).

These tests commit (``transactional_db``): a delivery is only sent once the change that caused
it commits, by the background thread, which the tests wait for (never for a clock: the time of a
retry is driven through ``next_attempt_at`` and the deliver service).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.utils import timezone

from competence.domain import Rating
from competence.domain import webhooks as rules
from competence.errors import InputError
from competence.services import privacy, records, webhooks
from competence.store import audit
from competence.store.models import Cycle, Delivery, Person, Team, Webhook
from tests.web.conftest import hashed
from tests.webhook_receiver import Receiver, receiving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as found:
        yield found
        assert webhooks.WORKER.wait(10)


def settle() -> None:
    """Wait for the background thread to send what it was handed."""
    assert webhooks.WORKER.wait(10), "the deliveries were not sent within 10 seconds"


@pytest.fixture
def actor() -> Iterator[str]:
    with audit.acting_as("cli:tester") as who:
        yield who


def subscribe(receiver: Receiver, events: list[str] | None = None) -> int:
    made = webhooks.add(receiver.url, events or list(rules.EVENTS))
    receiver.secret = made.secret
    return made.pk


def rename_answered(receiver: Receiver, person: Person, *answers: int) -> Delivery:
    """Subscribe, rename the person while the receiver gives these answers; the delivery, once
    the thread has sent it."""
    subscribe(receiver)
    receiver.answers = list(answers)
    person.name = "Ada Lovelace"
    person.save()
    settle()
    return Delivery.objects.get()


@pytest.fixture
def ada(actor: str) -> Person:
    team = Team.objects.create(name="Finance")
    return Person.objects.create(name="Ada", email="ada@example.org", team=team, context="project")


def test_each_workflow_step_and_person_change_sends_its_event_once_signed(
    receiver: Receiver, actor: str
) -> None:
    subscribe(receiver)
    grace = Person.objects.create(name="Grace", email="grace@example.org", context="project")
    ada = Person.objects.create(
        name="Ada", email="ada@example.org", context="project", assessor=grace
    )
    ada.name = "Ada Lovelace"
    ada.save()
    cycle = Cycle.objects.create(name="2026", opens_on=dt.date(2026, 1, 1))
    own = records.record_assessment(ada, cycle, {1: Rating(3, 3)})
    records.submit(own)
    records.review(own)
    records.agree(ada, cycle)
    agreed = records.assessment_of(ada, cycle, "agreed")
    assert agreed is not None
    records.sign_off(agreed)
    Person.objects.filter(pk=ada.pk).update()  # nothing audited: nothing sent
    ada.refresh_from_db()
    ada.left_on = dt.date(2026, 3, 31)
    ada.save()
    privacy.erase("ada@example.org")
    settle()
    assert receiver.events() == [
        "person.created",  # grace
        "person.created",
        "person.updated",
        "assessment.submitted",
        "assessment.reviewed",
        "assessment.agreed",
        "assessment.signed_off",  # once, though the whole cycle is signed off
        "person.left",
        "person.erased",
    ]
    assert all(r.valid for r in receiver.seen)
    by_event = {r.event: r.body for r in receiver.seen}
    submitted = by_event["assessment.submitted"]
    assert submitted["event"] == "assessment.submitted"
    assert submitted["data"]["assessment"]["status"] == "submitted"
    assert submitted["data"]["assessment"]["kind"] == "self"
    assert by_event["person.updated"]["data"]["changed"] == ["name"]
    assert by_event["person.left"]["data"]["person"]["left_on"] == "2026-03-31"
    erased = by_event["person.erased"]
    assert erased["data"] == {"person": {"pseudonym": f"erased-person-{ada.pk}"}}
    # what was sent earlier about her is pseudonymised in the log too
    assert "ada@example.org" not in json.dumps(list(Delivery.objects.values_list("payload")))
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_webhook_hears_only_the_events_it_subscribes_to(
    receiver: Receiver, ada: Person, actor: str
) -> None:
    subscribe(receiver, ["person.updated"])
    Person.objects.create(name="Grace", email="grace@example.org", context="project")
    ada.context = "programme"
    ada.save()
    settle()
    assert receiver.events() == ["person.updated"]


def test_nothing_is_sent_for_a_change_that_is_rolled_back(
    receiver: Receiver, ada: Person, actor: str
) -> None:
    subscribe(receiver)
    cycle = Cycle.objects.create(name="2026", opens_on=dt.date(2026, 1, 1))
    own = records.record_assessment(ada, cycle, {1: Rating(3, 3)})

    @transaction.atomic
    def change_then_fail() -> None:
        records.submit(own)
        Person.objects.create(name="Grace", email="grace@example.org", context="project")
        raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        change_then_fail()
    settle()
    assert receiver.events() == []
    assert Delivery.objects.count() == 0


def test_a_failed_delivery_is_tried_again_after_its_backoff(
    receiver: Receiver, ada: Person, actor: str
) -> None:
    delivery = rename_answered(receiver, ada, 500)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at is not None
    waited = delivery.next_attempt_at - delivery.last_attempt_at  # type: ignore[operator]
    assert waited == rules.BACKOFF[0]
    assert webhooks.deliver_due()["sent"] == 0  # not due yet
    assert "next attempt at" in webhooks.status_words(delivery)
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    out_of_time = webhooks.deliver_due(now=later, seconds=-1)  # a run that has no time left
    assert (out_of_time["sent"], out_of_time["left"]) == (0, 1)
    assert webhooks.deliver_due(now=later) == {
        "sent": 1, "delivered": 1, "failed": 0, "waiting": 0, "left": 0, "removed": 0,
    }  # fmt: skip
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert receiver.events() == ["person.updated", "person.updated"]
    first, second = receiver.seen
    assert first.body == second.body  # the same event, signed afresh
    assert all(r.valid for r in receiver.seen)


def test_a_delivery_that_keeps_failing_fails_after_the_last_attempt_and_can_be_retried(
    receiver: Receiver, ada: Person, actor: str
) -> None:
    delivery = rename_answered(receiver, ada, *[503] * rules.MAX_ATTEMPTS)
    now = timezone.now()
    for _ in range(rules.MAX_ATTEMPTS - 1):
        now += rules.BACKOFF[-1]
        webhooks.deliver_due(now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", rules.MAX_ATTEMPTS)
    assert webhooks.status_words(delivery) == f"failed: gave up after {rules.MAX_ATTEMPTS} attempts"
    webhooks.retry_now(delivery.pk)
    settle()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", rules.MAX_ATTEMPTS + 1)
    with pytest.raises(InputError, match="already delivered"):
        webhooks.retry_now(delivery.pk)


def test_a_redirect_is_not_followed(receiver: Receiver, ada: Person, actor: str) -> None:
    delivery = rename_answered(receiver, ada, 302)
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert "not followed" in webhooks.delivery_data(delivery)["last_answer"]
    assert len(receiver.seen) == 1


def test_a_receiver_that_cannot_be_reached_is_said_in_words(ada: Person, actor: str) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    webhooks.add(f"http://127.0.0.1:{port}/", ["person.updated"])
    ada.name = "Ada Lovelace"
    ada.save()
    settle()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("could not connect")


def test_a_slow_receiver_does_not_hold_up_the_request(receiver: Receiver, ada: Person) -> None:
    with audit.acting_as("cli:tester"):
        subscribe(receiver, ["person.updated"])
        admin = User.objects.create(
            username="admin", password=hashed(), is_superuser=True, is_staff=True
        )
    receiver.delay = 3.0
    client = Client()
    client.force_login(admin)
    started = time.monotonic()
    answer = client.put(
        f"/api/v1/people/{ada.pk}/profile",
        json.dumps({"profile": "pmo-specialist"}),
        content_type="application/json",
    )
    took = time.monotonic() - started
    assert answer.status_code == 200
    assert took < 2.0, f"the request waited {took:.1f} s for the receiver"
    assert not receiver.arrived.is_set()
    assert receiver.arrived.wait(10)
    settle()
    assert receiver.events() == ["person.updated"]
    assert receiver.seen[0].body["data"]["person"]["profile"] == "pmo-specialist"


def test_a_ping_goes_to_its_webhook_only(receiver: Receiver, actor: str) -> None:
    hook = subscribe(receiver, ["person.created"])
    other = webhooks.add("https://example.invalid/hook", ["person.created"])
    webhooks.set_active(other.pk, False)
    webhooks.ping(hook)
    settle()
    assert receiver.events() == ["ping"]
    assert receiver.seen[0].valid
    assert receiver.seen[0].headers[rules.DELIVERY_HEADER.lower()] == str(Delivery.objects.get().pk)


def test_a_rotated_secret_signs_from_then_on(receiver: Receiver, actor: str) -> None:
    hook = subscribe(receiver, ["person.created"])
    old = receiver.secret
    webhooks.rotate_secret(hook)
    receiver.secret = webhooks.secret(hook)
    assert receiver.secret != old
    webhooks.ping(hook)
    settle()
    assert receiver.seen[0].valid


def test_a_deactivated_webhook_is_not_sent_to_and_the_secret_is_never_audited(
    receiver: Receiver, ada: Person, actor: str
) -> None:
    hook = subscribe(receiver)
    webhooks.set_active(hook, False)
    ada.name = "Ada Lovelace"
    ada.save()
    settle()
    assert receiver.events() == []
    webhooks.rotate_secret(hook)
    webhooks.remove(hook)
    from competence.store.models import AuditEntry

    trail = json.dumps(
        list(AuditEntry.objects.filter(model="Webhook").values("summary", "old", "new"))
    )
    assert receiver.secret not in trail
    assert "whsec_" not in trail
    assert list(AuditEntry.objects.filter(model="Webhook").values_list("action", flat=True)) == [
        "create", "update", "rotate-secret", "delete",
    ]  # fmt: skip


def test_bad_webhook_settings_are_refused_naming_the_field(actor: str) -> None:
    with pytest.raises(InputError) as caught:
        webhooks.add("ftp://example.org/hook", ["person.nope"])
    assert [p.split(":")[0] for p in caught.value.problems] == ["url", "events"]
    with pytest.raises(InputError, match="events: choose at least one event"):
        webhooks.add("https://example.org/hook", [])
    assert webhooks.listing() == []


def test_the_command_line_adds_lists_delivers_and_removes_webhooks(
    receiver: Receiver, ada: Person, capsys: pytest.CaptureFixture[str]
) -> None:
    from competence.cli import main

    assert main(["webhooks", "add", receiver.url, "--event", "person.updated"]) == 0
    made = capsys.readouterr()
    receiver.secret = made.out.strip()
    assert receiver.secret.startswith("whsec_")
    assert "secret" in made.err
    assert main(["webhooks", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    (hook,) = json.loads(listed)
    assert (hook["url"], hook["events"], hook["active"]) == (receiver.url, ["person.updated"], True)
    assert receiver.secret not in listed
    receiver.answers = [500]
    with audit.acting_as("cli:tester"):
        ada.name = "Ada Lovelace"
        ada.save()
    settle()
    Delivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert main(["webhooks", "deliver", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert (counts["sent"], counts["delivered"]) == (1, 1)
    assert [r.valid for r in receiver.seen] == [True, True]
    assert main(["webhooks", "remove", str(hook["id"])]) == 0
    assert "removed" in capsys.readouterr().err
    assert webhooks.listing() == []


def test_the_command_line_refuses_a_bad_address_naming_the_field(
    actor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from competence.cli import main

    assert main(["webhooks", "add", "file:///etc/passwd", "--event", "person.created"]) == 2
    assert "url: a link starts with http:// or https://" in capsys.readouterr().err
    assert main(["webhooks", "add", "https://example.org/", "--event", "person.nope"]) == 2
    assert main(["webhooks", "remove", "12345"]) == 2
    assert "no webhook 12345" in capsys.readouterr().err
    assert webhooks.listing() == []


def test_an_event_too_large_to_send_says_so_instead(actor: str) -> None:
    hook = webhooks.add("https://example.org/hook", ["person.updated"])
    webhooks.set_active(hook.pk, False)  # nothing is sent from here
    webhooks.enqueue("person.updated", {"text": "x" * rules.MAX_PAYLOAD_BYTES}, only=hook)
    settle()
    payload = Delivery.objects.get().payload
    assert payload["data"] == {"too_large": True}
    assert payload["event"] == "person.updated"
    assert len(webhooks.body(payload)) < rules.MAX_PAYLOAD_BYTES


def test_a_full_queue_leaves_deliveries_for_the_deliver_command(
    receiver: Receiver, actor: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The queue is bounded: what does not fit waits, pending, and is sent by the next run of
    `webhooks deliver` (here a queue of one, behind a receiver that takes its time)."""
    hook = Webhook.objects.get(pk=subscribe(receiver))
    now = timezone.now()
    ids = [
        Delivery.objects.create(
            webhook=hook,
            event="ping",
            event_id=f"e{n}",
            payload={"n": n},
            created_at=now,
            next_attempt_at=now,
        ).pk
        for n in range(4)
    ]
    receiver.delay = 0.5
    small = webhooks.Worker(size=1)
    small.hand(ids)
    assert small.wait(10)
    assert "webhook queue full" in caplog.text
    waiting = Delivery.objects.filter(status="pending").count()
    assert 1 <= waiting <= 3  # the first is sent; whether the second fit depends on timing
    assert webhooks.deliver_due()["delivered"] == waiting
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert len(receiver.seen) == 4
    assert all(r.valid for r in receiver.seen)
