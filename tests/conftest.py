from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The database the tests use, chosen before Django reads its settings: PostgreSQL when
# COMPETENCE_TEST_DATABASE_URL is set, else a throwaway SQLite file (never the user's own).
_TEST_URL = os.environ.get("COMPETENCE_TEST_DATABASE_URL", "").strip()
os.environ["COMPETENCE_DATABASE_URL"] = _TEST_URL or (
    f"sqlite:///{Path(tempfile.mkdtemp(prefix='competence-tests-')) / 'test.sqlite3'}"
)


def _point_django_at_the_test_database() -> None:
    """pytest-django sets Django up before this file is read, with the database the environment
    named then: point the default connection at the one chosen above before anything connects,
    so that COMPETENCE_TEST_DATABASE_URL really runs the tests on that server."""
    from django.conf import settings as django_settings
    from django.db import connections

    from competence.config import database_settings

    django_settings.DATABASES["default"] = database_settings(os.environ["COMPETENCE_DATABASE_URL"])
    connections._settings = None  # type: ignore[attr-defined]
    connections.__dict__.pop("settings", None)
    if hasattr(connections._connections, "default"):  # type: ignore[attr-defined]
        delattr(connections._connections, "default")  # type: ignore[attr-defined]


_point_django_at_the_test_database()

from competence.data import load_catalogue  # noqa: E402
from competence.domain import Catalogue  # noqa: E402

settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True)
settings.register_profile(
    "dev", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# Files the tests read, kept in the repository with their sources and licences
# (tests/fixtures/README.md): nothing outside the repository is read.
FIXTURES = ROOT / "tests" / "fixtures"
SEED = FIXTURES / "seed" / "apm-role-profile-pmo-officers-and-specialists.txt"
CASE_SCHEMA = FIXTURES / "schemas" / "case-v1p1-cfpackage.schema.json"
CASE_FILES = FIXTURES / "case"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "django_db" in item.keywords or "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.fail(f"the source document is missing: {SEED}")
    return SEED.read_text("utf-8")
