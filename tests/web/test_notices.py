"""Every email notice links to the exact page of its task, at COMPETENCE_BASE_URL."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from competence.config import DEFAULT_BASE_URL, Config
from competence.domain import Rating
from competence.errors import InputError
from competence.services import notify, records
from competence.store import audit
from tests.web.conftest import Org

BASE = "https://competence.example.org"


def only_link(body: object) -> str:
    links = [word for word in str(body).split() if word.startswith(("http://", "https://"))]
    assert len(links) == 1, body
    return links[0]


@override_settings(BASE_URL=BASE)
def test_every_workflow_notice_links_to_the_page_of_its_task(org: Org) -> None:
    with audit.acting_as("test"):
        check_every_notice(org)


def check_every_notice(org: Org) -> None:
    ada = org.ada
    mail.outbox.clear()
    own = records.record_assessment(ada, org.cycles[1], {1: Rating(3, 3)})
    records.submit(own)
    (submitted,) = mail.outbox
    assert submitted.to == ["grace@example.org"]  # the assessor: to the review page
    assert only_link(submitted.body) == f"{BASE}/people/{ada.pk}/review"
    mail.outbox.clear()
    records.review(own)
    (reviewed,) = mail.outbox
    assert reviewed.to == ["ada@example.org"]  # the person: to their results
    assert only_link(reviewed.body) == f"{BASE}/people/{ada.pk}"
    mail.outbox.clear()
    records.sign_off(records.agree(ada, org.cycles[1]))
    (signed,) = mail.outbox
    assert only_link(signed.body) == f"{BASE}/people/{ada.pk}"
    mail.outbox.clear()
    assert notify.reminder(ada, "Your last assessment is a year old.") == 1
    assert only_link(mail.outbox[0].body) == f"{BASE}/me/assessment"


def test_the_base_url_is_checked_and_has_a_default() -> None:
    assert Config.from_env({}).base_url == DEFAULT_BASE_URL
    given = {"COMPETENCE_BASE_URL": "https://competence.example.org/hr/"}
    assert Config.from_env(given).base_url == "https://competence.example.org/hr"
    for bad in ("competence.example.org", "ftp://example.org", "https://x.org/?a=1"):
        with pytest.raises(InputError) as info:
            Config.from_env({"COMPETENCE_BASE_URL": bad})
        assert info.value.problems[0].startswith(f"COMPETENCE_BASE_URL: {bad!r}")
