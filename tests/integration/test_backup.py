"""Backup and restore: everything comes back, on either database."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from competence.errors import InputError
from competence.formats.case import read_case
from competence.services.backup import (
    read_backup,
    restore,
    snapshot,
    write_backup,
)
from competence.services.frameworks import store_case_framework
from competence.store.models import AuditEntry, Cycle, FrameworkVersion, Person
from tests.conftest import CASE_FILES
from tests.integration.conftest import wipe
from tests.integration.test_transfer import populate


def test_backup_then_restore_into_an_empty_database_gives_back_everything(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    populate(people, cycles)
    user = get_user_model().objects.create_user("ada", "ada@example.org", "correct horse")
    Person.objects.filter(email="ada@example.org").update(user=user)
    store_case_framework(read_case(CASE_FILES / "opensalt-utf8-framework.json"))
    path = tmp_path / "backup.json.gz"
    counts = write_backup(path)
    assert counts["people"] == 3
    assert counts["frameworks"] == 2
    before = read_backup(path)
    wipe()
    restore(path)
    after = snapshot()
    assert after["export"] == before["export"]
    assert after["frameworks"] == before["frameworks"]
    assert after["users"] == before["users"]
    assert after["audit"][:-1] == before["audit"]
    assert after["audit"][-1]["action"] == "restore"
    restored = get_user_model().objects.get(username="ada")
    assert restored.check_password("correct horse")
    assert Person.objects.get(email="ada@example.org").user == restored


def test_restore_refuses_a_database_that_is_not_empty(
    people: dict[str, Person], tmp_path: Path
) -> None:
    path = tmp_path / "b.json.gz"
    write_backup(path)
    with pytest.raises(InputError, match="the database is not empty"):
        restore(path)


def test_restore_refuses_a_file_that_is_not_a_backup(actor: str, tmp_path: Path) -> None:
    plain = tmp_path / "x.json.gz"
    plain.write_text("not gzip")
    with pytest.raises(InputError, match="not a competence backup"):
        restore(plain)
    other = tmp_path / "y.json.gz"
    other.write_bytes(gzip.compress(json.dumps({"format": "other"}).encode()))
    with pytest.raises(InputError, match="not a competence backup"):
        restore(other)


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
