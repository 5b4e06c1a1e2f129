from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from competence.domain import Rating
from competence.services import records
from competence.store import audit
from competence.store.models import Cycle, Person, Team


def wipe() -> None:
    """Empty every table a backup holds (users and groups too), as a new database would be:
    derived from the model registry, dependants first."""
    from competence.store.registry import backed_up

    with connection.cursor() as cursor:
        for model in reversed(backed_up()):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


@pytest.fixture
def actor(db: None) -> Iterator[str]:
    with audit.acting_as("cli:tester") as who:
        yield who


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PEOPLE = """name,email,team,context,profile,employee_id,assessor,pmo
Ada Lovelace,ada@example.org,Delivery / Finance PMO,programme,pmo-specialist,E1,grace@example.org,\
Programme Office
Grace Hopper,grace@example.org,Delivery / Finance PMO,programme,pmo-officer,E2,,Programme Office
Alan Turing,alan@example.org,Delivery / Change,project,pmo-officer,,E2,
"""


@pytest.fixture
def people(actor: str, tmp_path: Path) -> dict[str, Person]:
    from competence.services.imports import import_file

    import_file(write(tmp_path, "people.csv", PEOPLE))
    return {p.email.split("@")[0]: p for p in Person.objects.all()}


@pytest.fixture
def cycles(actor: str) -> list[Cycle]:
    return [
        Cycle.objects.create(
            name="2025", opens_on=dt.date(2025, 1, 1), closes_on=dt.date(2025, 12, 31)
        ),
        Cycle.objects.create(name="2026", opens_on=dt.date(2026, 1, 1)),
    ]


def ratings(**levels: tuple[int | None, int | None]) -> dict[int, Rating]:
    names = {"life_cycles": 1, "governance": 2, "schedule": 23}
    return {names[k]: Rating(*v) for k, v in levels.items()}


__all__ = ["PEOPLE", "Team", "ratings", "records", "wipe", "write"]
