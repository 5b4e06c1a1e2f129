"""A person's own data, erasing a person, retention, and reminders."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.core import mail

from competence.cli import main
from competence.services import privacy, records
from competence.services.results import team_summary
from competence.store.models import Assessment, AuditEntry, Cycle, Person, PlanItem
from competence.store.models import Rating as RatingRow
from tests.integration.conftest import ratings


def populated(people: dict[str, Person], cycles: list[Cycle]) -> Person:
    ada = people["ada"]
    ada.user = User.objects.create(username="ada", email="ada@example.org")
    ada.save()
    records.sign_off(records.agree(ada, cycles[0], ratings(life_cycles=(3, 3))))
    records.record_assessment(ada, cycles[1], ratings(governance=(2, 2)))
    PlanItem.objects.create(
        person=ada,
        competence=2,
        axis="knowledge",
        target_level=4,
        action="Shadow the board secretary",
    )
    return ada


def test_a_person_gets_all_their_data(people: dict[str, Person], cycles: list[Cycle]) -> None:
    ada = populated(people, cycles)
    data = privacy.personal_data(ada)
    assert data["person"]["email"] == "ada@example.org"
    assert [(a["cycle"], a["kind"]) for a in data["assessments"]] == [
        ("2025", "agreed"),
        ("2026", "self"),
    ]
    assert data["plan"][0]["action"] == "Shadow the board secretary"
    assert any(e["model"] == "Rating" for e in data["audit"])


def test_erasing_a_person_removes_their_data_and_pseudonymises_the_audit(
    people: dict[str, Person], cycles: list[Cycle], capsys: pytest.CaptureFixture[str]
) -> None:
    ada = populated(people, cycles)
    alan = people["alan"]
    before = team_summary(Person.objects.all())
    assert before["people_count"] == 3
    pk = ada.pk
    assert main(["person", "erase", "ada@example.org", "--yes"]) == 0
    assert not Person.objects.filter(pk=pk).exists()
    assert not Assessment.objects.filter(person_id=pk).exists()
    assert not RatingRow.objects.filter(assessment__person_id=pk).exists()
    assert not PlanItem.objects.filter(person_id=pk).exists()
    assert ada.user is not None
    user = User.objects.get(pk=ada.user.pk)
    assert (user.is_active, user.email, user.has_usable_password()) == (False, "", False)
    assert user.username == f"erased-person-{pk}"
    entries = AuditEntry.objects.filter(person=str(pk))
    text = json.dumps([[e.summary, e.old, e.new] for e in entries])
    assert "ada@example.org" not in text
    assert "Ada Lovelace" not in text
    assert entries.filter(action="erase").count() == 1
    assert f"erased-person-{pk}" in text
    after = team_summary(Person.objects.all())
    assert after["people_count"] == 2
    assert all(c["rated"] == 0 for c in after["coverage"])  # nobody else had ratings
    assert Person.objects.get(pk=alan.pk).assessor is not None  # others are untouched


def test_retention_erases_people_who_left_long_ago(
    people: dict[str, Person], settings: object, capsys: pytest.CaptureFixture[str]
) -> None:
    Person.objects.filter(email="alan@example.org").update(left_on=dt.date(2020, 1, 1))
    Person.objects.filter(email="grace@example.org").update(left_on=dt.date.today())
    assert privacy.due_for_erasure(None) == []
    assert [p.email for p in privacy.due_for_erasure(24)] == ["alan@example.org"]
    from django.conf import settings as django_settings

    config = django_settings.CONFIG
    django_settings.CONFIG = type(config)(**{**config.__dict__, "retention_months": 24})
    try:
        assert main(["retention", "--dry-run"]) == 0
        assert Person.objects.filter(email="alan@example.org").exists()
        assert main(["retention"]) == 0
    finally:
        django_settings.CONFIG = config
    assert not Person.objects.filter(email="alan@example.org").exists()
    assert Person.objects.filter(email="grace@example.org").exists()


def test_remind_emails_people_whose_assessment_is_due(
    people: dict[str, Person], cycles: list[Cycle], capsys: pytest.CaptureFixture[str]
) -> None:
    ada = people["ada"]
    records.submit(records.record_assessment(ada, cycles[1], ratings(life_cycles=(2, 2))))
    mail.outbox.clear()
    capsys.readouterr()
    assert main(["remind", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["person"] for d in data["due"]] == ["alan@example.org", "grace@example.org"]
    assert data["due"][0]["why"].startswith("The 2026 cycle is open")
    assert data["sent"] == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["alan@example.org", "grace@example.org"]
    assert main(["remind", "--dry-run"]) == 0
    assert len(mail.outbox) == 2


def test_erasing_leaves_no_account_details_or_free_text_in_the_audit(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    from competence.domain import Rating
    from competence.services.accounts import create_user
    from competence.store import audit

    user = create_user(
        "eve.smith",
        role="member",
        email="eve.private@example.org",
        password="a long pass phrase",
        person="E1",
    )
    with audit.acting_as("eve.smith"):
        own = records.record_assessment(
            people["ada"], cycles[1], {1: Rating(3, 3, "my secret evidence")}
        )
    with audit.acting_as("grace"):
        records.add_comments(own, {1: "a private remark"})
    privacy.erase("ada@example.org")
    text = json.dumps([[e.actor, e.summary, e.old, e.new] for e in AuditEntry.objects.all()])
    for secret in (
        "eve.private@example.org",
        "eve.smith",
        "my secret evidence",
        "a private remark",
        "ada@example.org",
        "Ada Lovelace",
    ):
        assert secret not in text, secret
    assert User.objects.get(pk=user.pk).is_active is False
