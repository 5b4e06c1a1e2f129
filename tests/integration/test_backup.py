"""Backup and restore: every table comes back, on either database, and a wrong file is refused.

The tables are found here from Django's model registry, independently of the backup's own list:
a model or a field that the backup does not carry, or that a restore does not give back, fails
these tests.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.db import connection, models
from django.utils import timezone

from competence.domain import Rating as DomainRating
from competence.errors import InputError
from competence.formats.case import read_case
from competence.services import accounts, evidence, profiles, records, second_views, webhooks
from competence.services.backup import restore, write_backup
from competence.services.frameworks import store_case_framework
from competence.services.policy import role
from competence.store import registry
from competence.store.models import (
    Assessment,
    AuditEntry,
    Cycle,
    Delivery,
    EvidenceFile,
    FrameworkVersion,
    Person,
    PlanItem,
    Pmo,
    Rating,
    Reply,
    SingleSignOn,
    Webhook,
)
from tests.conftest import CASE_FILES
from tests.evidence_files import png
from tests.integration.conftest import wipe
from tests.integration.test_transfer import populate
from tests.web.conftest import PASSWORD, hashed


def expected_models() -> list[type[models.Model]]:
    """Every model of every installed app that is not left out on purpose."""
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.label not in registry.LEFT_OUT
    ]


def dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a backup must hold, by primary key."""
    return {
        m._meta.label: list(m._base_manager.order_by("pk").values_list()) for m in expected_models()
    }


@dataclass
class World:
    secret: str
    people: dict[str, Person]
    webhook_secret: str


@pytest.fixture
def world(people: dict[str, Person], cycles: list[Cycle]) -> World:
    """Something in every table, and in every field a value other than its default or null."""
    populate(people, cycles)
    ada, grace, alan = people["ada"], people["grace"], people["alan"]
    users = {}
    for name, r in (
        ("hr", "admin"),
        ("grace", "assessor"),
        ("ada", "member"),
        ("lead", "pmo-lead"),
        ("gone", "member"),
    ):
        users[name] = User.objects.create(
            username=name, email=f"{name}@example.org", password=hashed()
        )
        accounts.set_role(users[name], r)
    User.objects.filter(username="hr").update(is_superuser=True, first_name="Hedy", last_name="Ray")
    User.objects.filter(username="ada").update(last_login=timezone.now())
    User.objects.filter(username="gone").update(is_active=False)
    Person.objects.filter(pk=ada.pk).update(user=users["ada"])
    Person.objects.filter(pk=grace.pk).update(user=users["grace"])
    member, lead = users["ada"], users["lead"]
    Pmo.objects.get(name="Programme Office").leads.add(lead)
    member.user_permissions.add(Permission.objects.get(codename="view_person"))
    Group.objects.get(name="pmo-lead").permissions.add(Permission.objects.get(codename="view_team"))
    alan.left_on = dt.date(2026, 3, 31)
    alan.save()
    rating = Rating.objects.filter(assessment__person=grace, assessment__kind="self").first()
    assert rating is not None
    Rating.objects.filter(pk=rating.pk).update(
        confidence=3, evidence_links=["https://example.org/evidence"]
    )
    PlanItem.objects.create(
        person=grace,
        competence=23,
        axis="knowledge",
        target_level=4,
        action="Scheduling course — « advanced » ✓",
        due_on=dt.date(2026, 6, 30),
        status="in-progress",
    )
    own = Assessment.objects.get(person=ada, cycle=cycles[1], kind="self")
    Assessment.objects.filter(pk=own.pk).update(status="draft")
    own.refresh_from_db()
    evidence.attach(own, 1, "gate review.png", png())  # a file, with its bytes
    # A comment longer than the backup reader's buffer, and one with every kind of character.
    records.add_comments(own, {1: "A very long remark. " * 20_000, 2: 'Quotes " \\ and ☃\n'})
    Reply.objects.create(
        assessment=own, competence=1, accepted=False, text="Réponse ✓", author="ada",
        at=timezone.now(),
    )  # fmt: skip
    secret = accounts.create_token(member, "reports", scope="write")[1]
    assert accounts.user_for_token(secret, "GET") is not None  # sets last_used_at
    revoked, _ = accounts.create_token(member, "old")
    accounts.revoke_token(revoked.pk)
    SingleSignOn.objects.create(
        user=member, issuer="https://id.example.org", subject="ada-1", linked_at=timezone.now()
    )
    analyst = {**profiles.export("pmo-officer"), "id": "pmo-analyst", "name": "PMO analyst"}
    analyst.pop("owner")
    profiles.publish(analyst)
    profiles.publish({**analyst, "description": "Second version"})  # version 2
    Person.objects.filter(pk=ada.pk).update(target_profile="pmo-analyst")
    FrameworkVersion.objects.create(
        framework_id="urn:example:case",
        version="1.0",
        title="An organisation's framework",
        source="case",
        document={"items": [{"id": "a", "title": "Életrajz"}]},
        checksum="0" * 64,
        loaded_at=timezone.now(),
    )
    hook = webhooks.add("https://hr.example.org/hook", ["person.updated", "person.left"])
    webhooks.enqueue("person.updated", {"person": {"id": ada.pk, "changed": ["name"]}})
    webhooks.set_active(hook.pk, False)
    Delivery.objects.update(
        status="delivered",
        attempts=2,
        last_status_code=204,
        last_error="no answer within 5 seconds",
        last_attempt_at=timezone.now(),
        delivered_at=timezone.now(),
    )
    # A second view of Ada by the lead, given: status, ratings and the day it was given.
    view = second_views.invite(ada, "lead", "project-manager", cycle=cycles[1].name)
    second_views.give(view, {2: DomainRating(3, None)}, final=True)
    return World(secret=secret, people=people, webhook_secret=hook.secret)


def test_every_model_is_backed_up_or_left_out_on_purpose() -> None:
    """A new table of any installed app needs a decision here."""
    assert registry.unclassified() == []
    labels = {m._meta.label for m in apps.get_models(include_auto_created=True)}
    assert sorted(set(registry.LEFT_OUT) - labels) == []  # nothing stale in the list
    assert {m._meta.label for m in registry.backed_up()} == {
        m._meta.label for m in expected_models()
    }
    must = {"auth.User", "auth.Group", "auth.User_groups", "competence.Pmo_leads"}
    assert must <= {m._meta.label for m in registry.backed_up()}
    own = {m._meta.label for m in apps.get_app_config("competence").get_models()}
    assert own - set(registry.LEFT_OUT) <= {m._meta.label for m in registry.backed_up()}


def test_jobs_are_not_in_a_backup_and_the_registry_says_why() -> None:
    """Jobs are work in progress (and their files the uploads and reports they made): a restore
    into another database starts no half-done job and carries no upload over."""
    held = {m._meta.label for m in registry.backed_up()}
    for label in ("competence.Job", "competence.JobChunk", "competence.ScheduledRun"):
        assert label not in held
        assert "job" in registry.LEFT_OUT[label] or "schedule" in registry.LEFT_OUT[label]


def test_the_tables_come_each_after_the_tables_it_refers_to() -> None:
    order = registry.backed_up()
    for i, model in enumerate(order):
        for target in registry.references(model):
            if target is model:
                continue
            if target._meta.label in registry.BY_NATURAL_KEY:
                assert target._meta.label in registry.LEFT_OUT
            else:
                assert order.index(target) < i, f"{model._meta.label} before {target}"


def file_tables(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    assert isinstance(data, dict)
    tables = data["tables"]
    assert isinstance(tables, list)
    return tables


def test_a_backup_file_carries_every_field_of_every_table(world: World, tmp_path: Path) -> None:
    path = tmp_path / "backup.json.gz"
    write_backup(path)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    assert (data["format"], data["version"]) == ("competence-backup", 2)
    assert dt.datetime.fromisoformat(data["created_at"]).tzinfo is not None
    carried = {t["model"]: t["fields"] for t in data["tables"]}
    expected = {
        m._meta.label: [
            f.name if f.related_model is Permission else f.attname for f in m._meta.concrete_fields
        ]
        for m in expected_models()
    }
    assert carried == expected
    for table in data["tables"]:
        model = apps.get_model(table["model"])
        assert table["count"] == len(table["rows"]) == model._base_manager.count()


def differs_from_default(field: models.Field[Any, Any]) -> Callable[[Any], bool]:
    if field.null:
        return lambda value: value is not None
    if field.has_default():
        default = field.get_default()
        return lambda value: value != default
    return lambda value: True


def test_the_round_trip_world_fills_every_table_and_field(world: World) -> None:
    """So that the round trip below checks them all: a new field needs a value in ``world``."""
    unfilled = []
    for model in expected_models():
        fields = model._meta.concrete_fields
        rows = list(model._base_manager.values_list(*(f.attname for f in fields)))
        if not rows:
            unfilled.append(model._meta.label)
        for k, field in enumerate(fields):
            check = differs_from_default(field)
            if not any(check(row[k]) for row in rows):
                unfilled.append(f"{model._meta.label}.{field.attname}")
    assert unfilled == []


def test_backup_then_restore_gives_back_every_table_row_for_row(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "backup.json.gz"
    counts = write_backup(path)
    assert counts["people"] == 3
    assert counts["user groups"] == 5
    assert counts["pmo leads"] == 1
    assert counts["comments"] == 2
    assert counts["api tokens"] == 2
    assert counts["evidence files"] == 1
    before = dump()
    wipe()
    assert restore(path) == counts
    after = dump()
    restored_audit = after.pop("competence.AuditEntry")
    assert after == {k: v for k, v in before.items() if k != "competence.AuditEntry"}
    assert restored_audit[:-1] == before["competence.AuditEntry"]
    entry = AuditEntry.objects.order_by("id").last()
    assert entry is not None
    assert (entry.action, entry.model) == ("restore", "backup")
    assert entry.summary == f"restored {path.name}"
    assert entry.new is not None
    assert entry.new["counts"] == counts
    # What the rows mean comes back too.
    roles = {u.username: role(u) for u in User.objects.all()}
    assert roles == {
        "hr": "admin",
        "grace": "assessor",
        "ada": "member",
        "lead": "pmo-lead",
        "gone": "member",
    }
    assert list(Pmo.objects.get(name="Programme Office").leads.values_list("username", flat=True))
    assert User.objects.get(username="ada").check_password(PASSWORD)
    assert Person.objects.get(email="ada@example.org").user == User.objects.get(username="ada")
    token_user = accounts.user_for_token(world.secret, "POST")
    assert token_user is not None
    assert token_user.username == "ada"
    assert User.objects.get(username="ada").has_perm("competence.view_person")
    # The signed-off cycle: its self-assessment and its agreed assessment.
    assert Assessment.objects.filter(status="signed-off").count() == 2
    (kept,) = EvidenceFile.objects.all()  # a file comes back with its bytes and its type
    assert (bytes(kept.content), kept.name, kept.content_type) == (
        png(),
        "gate review.png",
        "image/png",
    )
    # New rows get new ids (on PostgreSQL the sequences were moved past the restored rows).
    cycle = Cycle.objects.create(name="2027", opens_on=dt.date(2027, 1, 1))
    assert cycle.pk > max(pk for pk, *_ in before["competence.Cycle"])
    token, _ = accounts.create_token(User.objects.get(username="lead"), "new")
    assert token.pk > max(pk for pk, *_ in before["competence.ApiToken"])
    # A webhook keeps its secret, so that its receiver still checks the signatures.
    assert webhooks.secret(Webhook.objects.get().pk) == world.webhook_secret


def test_wipe_empties_every_table_a_backup_holds(world: World) -> None:
    assert all(m._base_manager.exists() for m in expected_models())
    wipe()
    assert [m._meta.label for m in expected_models() if m._base_manager.exists()] == []


def test_restore_refuses_a_database_that_is_not_empty(
    people: dict[str, Person], tmp_path: Path
) -> None:
    path = tmp_path / "b.json.gz"
    write_backup(path)
    with pytest.raises(InputError, match="the database is not empty"):
        restore(path)


def test_restore_refuses_a_database_that_holds_only_a_role(actor: str, tmp_path: Path) -> None:
    profiles.current_framework()
    path = tmp_path / "b.json.gz"
    write_backup(path)
    Group.objects.create(name="assessor")
    with pytest.raises(InputError, match=r"the database is not empty \(it holds groups\)"):
        restore(path)


def test_restore_takes_the_place_of_the_framework_that_db_upgrade_recorded(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "b.json.gz"
    write_backup(path)
    before = dump()
    wipe()
    builtin = profiles.current_framework()  # what `competence db upgrade` records
    assert builtin.pk not in [pk for pk, *_ in before["competence.FrameworkVersion"]]
    restore(path)
    assert dump()["competence.FrameworkVersion"] == before["competence.FrameworkVersion"]


def rewrite(path: Path, change: Callable[[dict[str, Any]], object], name: str) -> Path:
    """The backup at ``path`` changed and written again, on one line, by the standard library."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    change(data)
    out = path.with_name(name)
    out.write_bytes(gzip.compress(json.dumps(data).encode()))
    return out


def table(data: dict[str, Any], label: str) -> tuple[int, dict[str, Any]]:
    for i, t in enumerate(data["tables"]):
        if t["model"] == label:
            return i, t
    raise AssertionError(label)


_BACKUPS: dict[str, bytes] = {}


@pytest.fixture
def backup(actor: str, request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A backup of ``world``, and an empty database to restore it into (made once a run)."""
    path = tmp_path / "good.json.gz"
    if connection.vendor not in _BACKUPS:
        request.getfixturevalue("world")
        write_backup(path)
        wipe()
        _BACKUPS[connection.vendor] = path.read_bytes()
    path.write_bytes(_BACKUPS[connection.vendor])
    return path


def test_a_backup_rewritten_by_another_json_writer_still_restores(backup: Path) -> None:
    again = rewrite(backup, lambda data: None, "again.json.gz")
    restore(again)
    assert Person.objects.count() == 3


def place(data: dict[str, Any], label: str, row: int, field: str) -> str:
    i, t = table(data, label)
    return f"tables[{i}].rows[{row}][{t['fields'].index(field)}]"


def set_value(label: str, row: int, field: str, value: Any) -> Callable[[dict[str, Any]], str]:
    def change(data: dict[str, Any]) -> str:
        _, t = table(data, label)
        t["rows"][row][t["fields"].index(field)] = value
        return place(data, label, row, field)

    return change


BAD_VALUES = [
    ("competence.Person", 1, "email", 5, "email: must be text, got 5"),
    ("competence.Person", 2, "left_on", "31/03/2026", "left_on: must be a date as YYYY-MM-DD"),
    ("competence.Person", 0, "name", None, "name: must not be null"),
    ("competence.Person", 0, "name", "x" * 201, "name: longer than 200 characters"),
    ("competence.Rating", 2, "knowledge", "3", 'knowledge: must be a whole number, got "3"'),
    ("competence.Rating", 0, "rated_at", "2026-01-05T09:00:00", "rated_at: must be a date and"),
    ("auth.User", 0, "is_active", 1, "is_active: must be true or false, got 1"),
    ("auth.User_user_permissions", 0, "permission", ["x", "auth", "user"], "permission: no "),
]


@pytest.mark.parametrize(("label", "row", "field", "value", "reason"), BAD_VALUES)
def test_a_value_of_the_wrong_type_is_refused_with_its_place(
    backup: Path, label: str, row: int, field: str, value: Any, reason: str
) -> None:
    where: list[str] = []
    bad = rewrite(backup, lambda data: where.append(set_value(label, row, field, value)(data)), "b")
    with pytest.raises(InputError) as caught:
        restore(bad)
    assert str(caught.value).startswith(f"{bad}, {where[0]}: {reason}")
    assert not Person.objects.exists()
    assert not AuditEntry.objects.exists()


def test_every_wrong_value_is_reported_at_once(backup: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        _, people = table(data, "competence.Person")
        for row in people["rows"]:
            row[people["fields"].index("email")] = None

    with pytest.raises(InputError) as caught:
        restore(rewrite(backup, change, "b"))
    assert len(caught.value.problems) == 3


def drop(label: str) -> Callable[[dict[str, Any]], object]:
    return lambda data: data["tables"].remove(table(data, label)[1])


STRUCTURE = [
    (lambda d: d.update(version=1), "{path}, version: this is a version 1 backup; this release "),
    (lambda d: d.update(format="other"), '{path}: not a competence backup (no "format": '),
    (lambda d: d.pop("tables"), '{path}: no "tables"'),
    (lambda d: d.update(extra=1), "{path}, extra: unexpected key 'extra' in a version 2 backup"),
    (lambda d: d["tables"][3].update(model="nothing"), '{path}, tables[3].model: unknown table "'),
    (lambda d: d["tables"][3]["fields"].append("colour"), "{path}, tables[3].fields[{n}]: "),
    (lambda d: d["tables"][3]["fields"].pop(0), "{path}, tables[3].fields: "),
    (lambda d: d["tables"][3]["rows"][0].append(1), "{path}, tables[3].rows[0]: must be a list "),
    (lambda d: d["tables"][3].update(rows={}), "{path}, tables[3].rows: expected '[', found '{{'"),
    (lambda d: d["tables"][3].update(count=99), "{path}, tables[3].count: is 99, but the table "),
    (lambda d: d["tables"].reverse(), "{path}, tables[1].model: "),
    (lambda d: d["tables"][3].pop("count"), '{path}, tables[3]: missing "count"'),
    (lambda d: d["tables"][3].update(rows=[[]] + d["tables"][3]["rows"]), "{path}, tables[3].rows"),
]


@pytest.mark.parametrize(("change", "message"), STRUCTURE)
def test_a_file_of_the_wrong_shape_is_refused_with_its_place(
    backup: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    with gzip.open(backup, "rt", encoding="utf-8") as f:
        n = len(json.load(f)["tables"][3]["fields"])
    bad = rewrite(backup, change, "bad.json.gz")
    with pytest.raises(InputError) as caught:
        restore(bad)
    assert str(caught.value).startswith(message.format(path=bad, n=n))
    assert not Person.objects.exists()


def test_a_version_1_backup_is_refused_saying_which_versions(actor: str, tmp_path: Path) -> None:
    old = tmp_path / "old.json.gz"
    old.write_bytes(
        gzip.compress(
            b'{"format": "competence-backup", "version": 1, "created_at": "2025-01-01T00:00:00", '
            b'"frameworks": [], "users": [], "export": {}, "audit": []}'
        )
    )
    with pytest.raises(InputError) as caught:
        restore(old)
    assert str(caught.value) == (
        f"{old}, version: this is a version 1 backup; this release reads version 2 backups only "
        "(restore it with the release that made it, then back up again with this one)"
    )


def test_a_file_cut_short_is_refused(backup: Path) -> None:
    with gzip.open(backup, "rb") as f:
        text = f.read()
    cut = backup.with_name("cut.json.gz")
    cut.write_bytes(gzip.compress(text[: len(text) // 2]))
    with pytest.raises(InputError, match=r"cut\.json\.gz, tables\[\d+\]"):
        restore(cut)
    truncated = backup.with_name("truncated.json.gz")
    truncated.write_bytes(backup.read_bytes()[:-100])
    with pytest.raises(InputError, match="not a competence backup"):
        restore(truncated)
    assert not Person.objects.exists()


def test_rows_that_do_not_fit_together_are_refused(backup: Path) -> None:
    bad = rewrite(backup, set_value("competence.Person", 0, "team_id", 9999), "b")
    with pytest.raises(InputError, match="the rows of this backup do not fit together"):
        restore(bad)
    assert not Person.objects.exists()


def test_a_framework_that_differs_from_the_one_recorded_is_refused(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "b.json.gz"
    write_backup(path)
    wipe()
    profiles.current_framework()  # what `db upgrade` records

    def change(data: dict[str, Any]) -> None:
        _, t = table(data, "competence.FrameworkVersion")
        t["rows"][0][t["fields"].index("checksum")] = "f" * 64

    bad = rewrite(path, change, "b")
    with pytest.raises(InputError, match=r"rows\[0\]: framework apm-pmo .* differs from the one"):
        restore(bad)


def test_restore_refuses_a_file_that_is_not_a_backup(actor: str, tmp_path: Path) -> None:
    plain = tmp_path / "x.json.gz"
    plain.write_text("not gzip")
    with pytest.raises(InputError, match="not a competence backup"):
        restore(plain)
    other = tmp_path / "y.json.gz"
    other.write_bytes(gzip.compress(json.dumps({"format": "other"}).encode()))
    with pytest.raises(InputError, match="not a competence backup"):
        restore(other)
    not_json = tmp_path / "z.json.gz"
    not_json.write_bytes(gzip.compress(b"[1, 2"))
    with pytest.raises(InputError, match=r"z\.json\.gz: expected '\{', found '\['"):
        restore(not_json)
    with pytest.raises(InputError, match="no such file"):
        restore(tmp_path / "missing.json.gz")


def test_a_backup_replaces_the_file_only_when_it_is_whole(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    path = folder / "b.json.gz"
    path.write_bytes(b"the previous backup")
    path.chmod(0o640)
    write_backup(path)
    assert sorted(p.name for p in folder.iterdir()) == ["b.json.gz"]
    assert path.stat().st_mode & 0o777 == 0o640
    new = folder / "new.json.gz"
    write_backup(new)
    assert new.stat().st_mode & 0o777 == 0o600  # it holds password hashes
    with pytest.raises(InputError, match="cannot write"):
        write_backup(tmp_path / "no-such-folder" / "b.json.gz")


@pytest.mark.parametrize(
    "name",
    [
        "opensalt-sample-framework.json",
        "opensalt-smart-level-framework.json",
        "opensalt-utf8-framework.json",
    ],
)
def test_case_frameworks_are_stored_as_additional_versions(actor: str, name: str) -> None:
    imported = read_case(CASE_FILES / name)
    stored = store_case_framework(imported)
    assert stored.source == "case"
    assert len(stored.document["items"]) == len(imported.items) > 0
    assert store_case_framework(imported).pk == stored.pk  # importing again changes nothing
    assert FrameworkVersion.objects.filter(source="case").count() == 1
    entry = AuditEntry.objects.get(action="import", model="framework")
    assert entry.new is not None
    assert entry.new["skipped"] == list(imported.skipped)


def written_a_row_a_line(data: dict[str, Any], path: Path) -> Path:
    """``data`` laid out as a backup writes it: a row a line, each but the last with its comma."""
    tables = []
    for t in data["tables"]:
        head = json.dumps({k: v for k, v in t.items() if k != "rows"})[:-1]
        rows = ",\n".join(json.dumps(r) for r in t["rows"])
        tables.append(f'{head}, "rows": [\n{rows}\n]}}')
    top = json.dumps({k: v for k, v in data.items() if k != "tables"})[:-1]
    text = f'{top},\n"tables": [\n' + ",\n".join(tables) + "\n]}\n"
    path.write_bytes(gzip.compress(text.encode()))
    return path


def many_audit_entries(data: dict[str, Any], count: int) -> tuple[int, list[Any]]:
    """The audit trail of ``data`` made ``count`` rows long, each a copy of its first row."""
    i, audit_table = table(data, "competence.AuditEntry")
    first, pk = audit_table["rows"][0], audit_table["fields"].index("id")
    rows = [[n + 1 if k == pk else v for k, v in enumerate(first)] for n in range(count)]
    audit_table.update(rows=rows, count=count)
    return i, audit_table["fields"]


@pytest.mark.parametrize("layout", ["a row a line", "one line"])
@pytest.mark.parametrize("bad", ["a value", "an id taken"])
def test_a_backup_whose_ten_thousandth_row_is_bad_restores_nothing(
    backup: Path, layout: str, bad: str
) -> None:
    with gzip.open(backup, "rt", encoding="utf-8") as f:
        data = json.load(f)
    i, fields = many_audit_entries(data, 10_000)
    last = data["tables"][i]["rows"][9_999]
    if bad == "a value":
        last[fields.index("actor")] = 7
    else:  # the first row's id again: found only when the rows are inserted
        last[fields.index("id")] = 1
    path = backup.with_name("many.json.gz")
    if layout == "one line":
        path.write_bytes(gzip.compress(json.dumps(data).encode()))
    else:
        written_a_row_a_line(data, path)
    with pytest.raises(InputError) as caught:
        restore(path)
    if bad == "a value":
        where = f"tables[{i}].rows[9999][{fields.index('actor')}]"
        assert caught.value.problems == [f"{path}, {where}: actor: must be text, got 7"]
    else:
        assert "the rows of this backup do not fit together" in str(caught.value)
    assert not Person.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_backup_laid_out_a_row_a_line_restores_every_row(backup: Path) -> None:
    with gzip.open(backup, "rt", encoding="utf-8") as f:
        data = json.load(f)
    many_audit_entries(data, 5_000)
    restore(written_a_row_a_line(data, backup.with_name("lines.json.gz")))
    assert AuditEntry.objects.count() == 5_001  # and the restore's own entry
    assert Person.objects.count() == 3


def test_a_whole_number_beyond_64_bits_is_read_whole_in_a_row_a_line(backup: Path) -> None:
    """orjson, which reads a backup's lines, reads 2**64 as a float: such a line is read by the
    standard decoder, so a JSON value keeps the number and a column's is refused as too big."""
    with gzip.open(backup, "rt", encoding="utf-8") as f:
        data = json.load(f)
    i, fields = many_audit_entries(data, 3)
    data["tables"][i]["rows"][1][fields.index("new")] = {"n": 2**64, "m": -(2**63) - 1}
    restore(written_a_row_a_line(data, backup.with_name("long.json.gz")))
    assert AuditEntry.objects.get(pk=2).new == {"n": 2**64, "m": -(2**63) - 1}

    wipe()
    where = set_value("competence.Rating", 1, "knowledge", 2**64)(data)
    path = written_a_row_a_line(data, backup.with_name("too-big.json.gz"))
    with pytest.raises(InputError) as caught:
        restore(path)
    assert caught.value.problems == [f"{path}, {where}: knowledge: out of range, got {2**64}"]
    assert not Person.objects.exists()
