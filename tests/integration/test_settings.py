"""Settings come from the environment in one place; SQLite runs in WAL mode with foreign keys."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from competence.config import Config, database_settings
from competence.errors import InputError


def test_defaults_follow_the_contract(tmp_path: Path) -> None:
    config = Config.from_env({})
    assert config.database_url.startswith("sqlite:///")
    assert config.database_url.endswith("competence.sqlite3")
    assert config.allowed_hosts == ("localhost", "127.0.0.1")
    assert (config.debug, config.secret_key, config.email_url) == (False, None, "console:")
    assert (config.min_group_size, config.reassess_months, config.retention_months) == (5, 12, None)


def test_values_from_the_environment() -> None:
    config = Config.from_env(
        {
            "COMPETENCE_DATABASE_URL": "postgresql://u@db:5432/comp",
            "COMPETENCE_DEBUG": "1",
            "COMPETENCE_ALLOWED_HOSTS": "a.example, b.example",
            "COMPETENCE_MIN_GROUP_SIZE": "3",
            "COMPETENCE_RETENTION_MONTHS": "24",
        }
    )
    assert config.database_url == "postgresql://u@db:5432/comp"
    assert config.debug
    assert config.allowed_hosts == ("a.example", "b.example")
    assert (config.min_group_size, config.retention_months) == (3, 24)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"COMPETENCE_DATABASE_URL": "mysql://x/y"}, "unsupported database 'mysql'"),
        (
            {"COMPETENCE_MIN_GROUP_SIZE": "five"},
            "COMPETENCE_MIN_GROUP_SIZE: must be a whole number",
        ),
    ],
)
def test_bad_configuration_says_which_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        Config.from_env(env)


def test_sqlite_file_is_created_in_wal_mode_with_foreign_keys(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    from django.db.backends.sqlite3.base import DatabaseWrapper

    path = tmp_path / "nested" / "db.sqlite3"
    settings = database_settings(f"sqlite:///{path}")
    assert path.parent.is_dir()
    wrapper = DatabaseWrapper(
        {
            **settings,
            "TIME_ZONE": None,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
        },
        alias="probe",
    )
    with django_db_blocker.unblock():
        wrapper.connect()
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
        wrapper.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
