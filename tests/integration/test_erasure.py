"""Erasing a person leaves none of their identifiers anywhere in the database: not in the
ratings and comments they gave others, not in their API tokens, not in any audit entry, tagged
with them or not. What must stay stays: the pseudonym, the fact of the erasure, and everyone
else's data (docs/admin.md "Privacy")."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from competence.cli import main
from competence.domain import Rating
from competence.domain.review import ACCEPTED, Answer
from competence.services import privacy, records, review
from competence.services.accounts import create_user, user_for_token
from competence.store import audit
from competence.store.models import (
    ApiToken,
    Assessment,
    AuditEntry,
    Comment,
    Cycle,
    Person,
    Reply,
)
from competence.store.models import Rating as RatingRow
from tests.integration.conftest import write

NAME, EMAIL, EMPLOYEE_ID = "Zoë Quillfeather", "zoe.quillfeather@example.org", "EMP-7741"
USERNAME, USER_EMAIL = "zquill", "zoe.q@private.example.net"
SECRETS = (NAME, EMAIL, EMPLOYEE_ID, USERNAME, USER_EMAIL)
PASSWORD = "a long pass phrase for zoe"

PEOPLE = f"""name,email,team,context,profile,employee_id,assessor,pmo
Grace Hopper,grace@example.org,Delivery / Finance PMO,programme,pmo-officer,E2,,Programme Office
{NAME},{EMAIL},Delivery / Finance PMO,programme,pmo-specialist,{EMPLOYEE_ID},grace@example.org,\
Programme Office
Alan Turing,alan@example.org,Delivery / Finance PMO,programme,pmo-officer,E3,{EMAIL},
Ada Lovelace,ada@example.org,Delivery / Finance PMO,programme,pmo-officer,E4,{EMPLOYEE_ID},
"""


@dataclass
class World:
    zoe: Person
    alan: Person
    grace: Person
    tokens: list[str]
    """The secrets of Zoë's API tokens."""
    grace_token: str


def cli(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(list(args)) == 0, args


def tokens_made(capsys: pytest.CaptureFixture[str]) -> str:
    """The secret `competence token create` just printed (its last line of output)."""
    return capsys.readouterr().out.strip().splitlines()[-1]


def build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> World:
    """Zoë is assessed (by Grace) and assesses others (Alan, Ada): she rated and commented on
    their assessments and signed one off; she has a user with API tokens, which she used, and
    signed in (once with a wrong password); she is named in the file name of an import, in the
    evidence it brought, and in a colleague's comment."""
    cli(monkeypatch, "import", str(write(tmp_path, "people.csv", PEOPLE)))
    people = {p.email: p for p in Person.objects.all()}
    zoe, alan, grace = people[EMAIL], people["alan@example.org"], people["grace@example.org"]
    ada = people["ada@example.org"]
    cli(monkeypatch, "cycle", "create", "2026", "--opens", "2026-01-05")
    cycle = Cycle.objects.get(name="2026")
    for username, email, role, person in (
        (USERNAME, USER_EMAIL, "assessor", EMPLOYEE_ID),
        ("grace", "grace@example.org", "assessor", "E2"),
    ):
        cli(
            monkeypatch,
            "user", "create", username, "--role", role, "--email", email,
            "--password-stdin", "--person", person,
            stdin=PASSWORD + "\n",
        )  # fmt: skip
    cli(
        monkeypatch, "token", "create", USERNAME, "--name", f"{USERNAME}-laptop", "--scope", "write"
    )
    laptop = tokens_made(capsys)
    cli(monkeypatch, "token", "create", USERNAME, "--name", f"{NAME}'s reports")
    reports = tokens_made(capsys)
    cli(monkeypatch, "token", "create", "grace", "--name", "grace-ci")
    grace_token = tokens_made(capsys)
    cli(monkeypatch, "token", "revoke", str(ApiToken.objects.get(name=f"{NAME}'s reports").pk))

    # Zoë signs in: once with a wrong password, then rightly; fills in her self-assessment
    # with her token.
    browser = Client()
    assert browser.post("/signin", {"username": USERNAME, "password": "wrong"}).status_code == 200
    assert browser.post("/signin", {"username": USERNAME, "password": PASSWORD}).status_code == 302
    body = {"ratings": [{"competence": 1, "knowledge": 3, "application": 2, "evidence": "PRINCE2"}]}
    api = Client(headers={"Authorization": f"Bearer {laptop}"})
    response = api.put("/api/v1/me/self-assessment", json.dumps(body), "application/json")
    assert response.status_code == 200, response.content
    assert api.post("/api/v1/me/self-assessment/submit").status_code == 200

    # Grace assesses Zoë, and they agree; it is signed off.
    with audit.acting_as("grace"):
        own = records.record_assessment(zoe, cycle, {1: Rating(3, 3)}, kind="assessor")
        records.add_comments(own, {1: f"{NAME} runs the gate reviews"})
        records.submit(own)
    with audit.acting_as(USERNAME):  # her answer
        review.answer(own, {1: Answer(False, f"{NAME} ran the gate reviews, not only attended")})
    with audit.acting_as("grace"):
        records.sign_off(records.agree(zoe, cycle))

    # Zoë assesses Alan and Ada: ratings, comments, an agreed assessment she signs off.
    with audit.acting_as(USERNAME):
        theirs = records.record_assessment(
            alan, cycle, {1: Rating(2, 2), 2: Rating(3, 1, "board papers")}, kind="assessor"
        )
        records.add_comments(theirs, {2: "Needs more practice with the board"})
        records.submit(theirs)
    # Grace mentions Zoë in a comment on Alan's assessor assessment, before it is signed off.
    with audit.acting_as("grace"):
        records.add_comments(theirs, {1: f"Agreed with {NAME} ({USERNAME}) on this"})
    with audit.acting_as("alan"):  # Alan answers, naming her
        review.answer(theirs, {1: ACCEPTED, 2: Answer(False, f"{EMAIL} saw me chair one")})
    with audit.acting_as(USERNAME):
        records.sign_off(records.agree(alan, cycle))
    ratings = write(
        tmp_path,
        f"ratings-from-{EMAIL}.csv",
        "person,competence,knowledge,application,evidence\n"
        f"ada@example.org,1,2,2,Reviewed by {NAME}\n"
        "ada@example.org,23,3,3,\n",
    )
    cli(monkeypatch, "import", str(ratings), "--cycle", "2026", "--kind", "assessor")
    with audit.acting_as("cli:hr"):
        records.record_assessment(ada, cycle, {5: Rating(1, 1)})  # someone else's own data
    return World(zoe, alan, grace, [laptop, reports], grace_token)


def text_fields(model: type[Any]) -> list[str]:
    kinds = ("CharField", "TextField", "EmailField", "JSONField", "SlugField", "URLField")
    return [f.attname for f in model._meta.concrete_fields if f.get_internal_type() in kinds]


def found_in(text: str) -> list[str]:
    """The erased person's identifiers in ``text``, as written or as JSON writes them."""
    low = text.casefold()
    return [s for s in SECRETS if s.casefold() in low or json.dumps(s)[1:-1].casefold() in low]


def every_model_row() -> Iterator[tuple[str, str]]:
    """(where, text) for every text and JSON value of every row of every model."""
    for model in apps.get_models(include_auto_created=True):
        fields = text_fields(model)
        if not fields:
            continue
        for row in model._base_manager.values("pk", *fields):
            for field in fields:
                value = row[field]
                if value not in (None, ""):
                    where = f"{model._meta.label}.{field} #{row['pk']}"
                    yield where, json.dumps(value, ensure_ascii=False, default=str)


def every_table_row() -> Iterator[tuple[str, str]]:
    """(where, text) for every row of every table, read with a raw SELECT."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for i, row in enumerate(cursor.fetchall()):
                cells = [c.decode("utf-8", "replace") if isinstance(c, bytes) else c for c in row]
                yield f"{table} row {i}", json.dumps(cells, ensure_ascii=False, default=str)


def test_erasure_leaves_no_identifier_of_the_person_anywhere(
    actor: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = build(tmp_path, monkeypatch, capsys)
    before = [where for where, text in every_model_row() if found_in(text)]
    assert len(before) > 20  # the world really holds them, in many places
    pk = world.zoe.pk
    cli(monkeypatch, "person", "erase", EMAIL, "--yes")
    pseudonym = f"erased-person-{pk}"

    left = {where: found_in(text) for where, text in every_model_row() if found_in(text)}
    assert left == {}, f"{len(left)} values still name them: {sorted(left)}"
    raw = {where: found_in(text) for where, text in every_table_row() if found_in(text)}
    assert raw == {}, f"{len(raw)} rows still name them"

    # What must stay: the fact of the erasure, under the pseudonym...
    assert AuditEntry.objects.filter(action="erase", person=str(pk)).count() == 1
    assert not Person.objects.filter(pk=pk).exists()
    # ... the ratings, comments and sign-off she gave others, now by the pseudonym ...
    alan = Assessment.objects.get(person=world.alan, kind="agreed")
    assert alan.signed_off_by == pseudonym
    given = RatingRow.objects.filter(assessment__person=world.alan, assessment__kind="assessor")
    assert sorted((r.competence, r.rated_by, r.evidence) for r in given) == [
        (1, pseudonym, ""),
        (2, pseudonym, "board papers"),
    ]
    comments = Comment.objects.filter(assessment__person=world.alan).order_by("competence")
    assert [(c.author, c.text) for c in comments] == [
        ("grace", f"Agreed with {pseudonym} ({pseudonym}) on this"),
        (pseudonym, "Needs more practice with the board"),
    ]
    replies = Reply.objects.filter(assessment__person=world.alan).order_by("competence")
    assert [(r.author, r.accepted, r.text) for r in replies] == [
        ("alan", True, ""),
        ("alan", False, f"{pseudonym} saw me chair one"),
    ]
    imported = RatingRow.objects.get(assessment__person__email="ada@example.org", competence=1)
    assert imported.rated_by.startswith("cli:")  # an admin imported it
    assert imported.evidence == f"Reviewed by {pseudonym}"
    # ... her account, disabled, and her tokens, revoked and renamed ...
    user = User.objects.get(person__isnull=True, username=pseudonym)
    assert (user.is_active, user.email, user.has_usable_password()) == (False, "", False)
    theirs = ApiToken.objects.filter(user=user)
    assert [(t.name, t.revoked_at is not None) for t in theirs] == [(pseudonym, True)] * 2
    assert all(user_for_token(secret, "GET") is None for secret in world.tokens)
    # ... and everyone else's data, untouched.
    assert sorted(Person.objects.values_list("email", "employee_id")) == [
        ("ada@example.org", "E4"),
        ("alan@example.org", "E3"),
        ("grace@example.org", "E2"),
    ]
    assert Person.objects.get(pk=world.alan.pk).assessor is None
    assert user_for_token(world.grace_token, "GET") == User.objects.get(username="grace")
    assert ApiToken.objects.get(user__username="grace").name == "grace-ci"
    assert AuditEntry.objects.filter(actor="grace").count() > 5
    download = json.dumps(privacy.personal_data(Person.objects.get(pk=world.alan.pk)))
    assert found_in(download) == []
    assert pseudonym in download


def test_the_api_and_downloads_of_others_show_the_pseudonym(
    actor: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = build(tmp_path, monkeypatch, capsys)
    cli(monkeypatch, "person", "erase", EMPLOYEE_ID, "--yes")
    with audit.acting_as("test-setup"):
        admin = create_user(
            "root", role="admin", email="root@example.org", password="a long admin pass phrase"
        )
    client = Client()
    client.force_login(admin)
    alan = world.alan.pk
    for path in (
        f"/api/v1/people/{alan}/assessments",
        f"/api/v1/people/{alan}/results",
        "/api/v1/people",
        f"/people/{alan}",
        f"/people/{alan}/review",
        f"/people/{alan}/ratings.csv",
        f"/people/{alan}/report.html",
        "/manage/export.json",
        "/team",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        body = (
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
            if response.streaming
            else response.content
        )
        assert found_in(body.decode()) == [], path
    grace = Client(headers={"Authorization": f"Bearer {world.grace_token}"})
    assert grace.get("/api/v1/framework").status_code == 200  # Grace's token still works
    capsys.readouterr()
    cli(monkeypatch, "token", "list", "--json")
    listing = capsys.readouterr().out
    assert found_in(listing) == []
    cli(monkeypatch, "audit", "--json")
    assert found_in(capsys.readouterr().out) == []


def test_erasure_keeps_others_whose_identifiers_contain_the_persons(actor: str) -> None:
    """The erased Ada's identifiers inside longer ones (an email that ends in hers, an employee
    id that starts with hers, a user name that starts with hers), the own records of a namesake
    and of someone called by her user name, and the role her user name is a word of, stay."""
    with audit.acting_as("test-setup"):  # one by one: an audit entry each
        made = [
            Person.objects.create(name=name, email=email, employee_id=eid, context="programme")
            for name, email, eid in (
                ("Ada Lovelace", "ada@example.org", "74"),
                ("Ada Lovelace", "ada.lovelace@example.org", "7"),
                ("Bada Lovelace", "bada@example.org", "740"),
                ("Lead", "lead.person@example.org", None),
            )
        ]
        create_user(
            "lead", role="pmo-lead", email="lead@example.org", password=PASSWORD, person="74"
        )
        create_user("leader", role="pmo-lead", email="leader@example.org", password=PASSWORD)
    namesake, lead = made[1], made[3]
    with audit.acting_as("test-setup"):
        cycle = Cycle.objects.create(name="2026", opens_on=dt.date(2026, 1, 5))
    with audit.acting_as("lead"):  # the erased Ada, signed in as "lead", rates Lead
        rated = records.record_assessment(lead, cycle, {1: Rating(2, 2)}, kind="assessor")
    pseudonym = privacy.erase("ada@example.org")
    # What she did in Lead's records is hers, even where "lead" is kept as Lead's own.
    assert rated.ratings.get().rated_by == pseudonym
    assert set(AuditEntry.objects.filter(person=str(lead.pk)).values_list("actor", flat=True)) == {
        "test-setup",
        pseudonym,
    }
    assert sorted(Person.objects.values_list("name", "email", "employee_id")) == [
        ("Ada Lovelace", "ada.lovelace@example.org", "7"),
        ("Bada Lovelace", "bada@example.org", "740"),
        ("Lead", "lead.person@example.org", None),
    ]

    def created(**about: str) -> AuditEntry:
        return AuditEntry.objects.get(action="create", **about)

    assert (
        created(model="Person", person=str(namesake.pk)).summary
        == "Ada Lovelace <ada.lovelace@example.org>"
    )
    assert created(model="Person", person=str(lead.pk)).summary == "Lead <lead.person@example.org>"
    bada = created(model="Person", new__email="bada@example.org")
    assert bada.summary == "Bada Lovelace <bada@example.org>"
    assert bada.new is not None
    assert bada.new["employee_id"] == "740"
    assert created(model="User", new__username="leader").summary == "leader (pmo-lead)"
    assert created(model="User", new__username=pseudonym).summary == f"{pseudonym} (pmo-lead)"
    assert AuditEntry.objects.filter(model="User", new__role="pmo-lead").count() == 2
