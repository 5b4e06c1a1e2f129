from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.test import Client

from competence.data import load_catalogue
from competence.domain import Rating
from competence.services import records
from competence.store import audit
from competence.store.models import Cycle, Person, Team

PASSWORD = "a long test password"
_HASH: list[str] = []


def hashed() -> str:
    """Argon2 is slow on purpose: hash the test password once."""
    if not _HASH:
        _HASH.append(make_password(PASSWORD))
    return _HASH[0]


@dataclass
class Org:
    ada: Person
    grace: Person
    alan: Person
    ada_user: User
    grace_user: User
    lead: User
    cycles: list[Cycle]


def user(username: str, staff: bool = False) -> User:
    return User.objects.create(username=username, password=hashed(), is_staff=staff)


@pytest.fixture
def org(db: None) -> Org:
    with audit.acting_as("test-setup"):
        delivery = Team.objects.create(name="Delivery")
        finance = Team.objects.create(name="Finance PMO", parent=delivery)
        change = Team.objects.create(name="Change")
        ada_user, grace_user = user("ada"), user("grace")
        ada = Person.objects.create(
            name="Ada Lovelace",
            email="ada@example.org",
            employee_id="E1",
            team=finance,
            context="programme",
            profile="pmo-specialist",
            user=ada_user,
        )
        grace = Person.objects.create(
            name="Grace Hopper",
            email="grace@example.org",
            team=finance,
            context="programme",
            profile="pmo-officer",
            user=grace_user,
        )
        alan = Person.objects.create(
            name="Alan Turing",
            email="alan@example.org",
            team=change,
            context="project",
            profile="pmo-officer",
        )
        ada.assessor = grace
        ada.save()
        cycles = [
            Cycle.objects.create(
                name="2025", opens_on=dt.date(2025, 1, 6), closes_on=dt.date(2025, 12, 19)
            ),
            Cycle.objects.create(name="2026", opens_on=dt.date(2026, 1, 5)),
        ]
        officer = load_catalogue().profile("pmo-officer")
        catalogue_targets = {
            n: Rating(r.target.knowledge, r.target.application)
            for n, r in officer.requirements.items()
        }
        first = records.record_assessment(
            ada, cycles[0], catalogue_targets, assessed_on=dt.date(2025, 3, 1)
        )
        records.submit(first)
        records.sign_off(records.agree(ada, cycles[0]))
        records.record_assessment(alan, cycles[1], {1: Rating(2, 1)})
        lead = user("lead", staff=True)
    return Org(ada, grace, alan, ada_user, grace_user, lead, cycles)


def signed_in(who: User) -> Client:
    client = Client()
    client.force_login(who)
    return client


def planner_rows(*wanted: dict[str, object], total: int = 5) -> dict[str, object]:
    """The team planner's form: ``wanted`` requirements, then blank rows up to ``total``."""
    data: dict[str, object] = {
        "need-TOTAL_FORMS": str(total),
        "need-INITIAL_FORMS": str(total),
        "need-MIN_NUM_FORMS": "0",
        "need-MAX_NUM_FORMS": "30",
    }
    for i in range(total):
        row = wanted[i] if i < len(wanted) else {}
        data |= {f"need-{i}-{k}": v for k, v in ({"level": "officer", "at_least": 1} | row).items()}
        data.setdefault(f"need-{i}-competence", "")
    return data


def submit_self_assessment(client: Client, form: dict[str, str]) -> None:
    """Fill in the self-assessment and submit it as a person does: save the form, then submit
    from the check-your-answers page (confirming the unrated competences it names)."""
    import re

    loaded = re.search(
        r'name="version" value="(\d*)"', client.get("/me/assessment").content.decode()
    )
    version = {"version": loaded.group(1)} if loaded else {}
    saved = client.post("/me/assessment", {**version, **form, "action": "check"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    page = client.get("/me/assessment/check").content.decode()
    checked = re.search(r'name="version" value="(\d+)"', page)
    assert checked is not None, page[:2000]
    data = {"version": checked.group(1)}
    unrated = re.search(r'name="confirm_unrated" value="(\d+)"', page)
    if unrated:
        data["confirm_unrated"] = unrated.group(1)
    done = client.post("/me/assessment/check", data)
    assert done.status_code == 302, done.content.decode()[:2000]
