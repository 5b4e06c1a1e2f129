"""`serve --demo` starts from a kept copy of the demo database: the copy is whole, named by a
version that changes with the day and the seed, and a start from it builds nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from competence.services.demo_start import (
    KEPT_PREFIX,
    DemoSummary,
    demo_version,
    keep_demo,
    ready_demo,
)

TODAY = dt.date(2026, 3, 16)
SUMMARY = DemoSummary(25, 4, 3, 2, 110, 3035, (("lead", "Head of PMO"), ("admin", "admin")))


def built(path: Path) -> None:
    """A small database in WAL mode, as a build leaves it (its last connection closed)."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE person (name TEXT)")
        db.executemany("INSERT INTO person VALUES (?)", [("Ada",), ("Grace",)])
    db.close()


def names(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        found = [row[0] for row in db.execute("SELECT name FROM person ORDER BY name")]
    db.close()
    return found


def test_the_version_changes_with_the_day_and_the_seed_and_nothing_else() -> None:
    version = demo_version(2026, TODAY)
    assert demo_version(2026, TODAY) == version
    assert demo_version(2026, TODAY + dt.timedelta(days=1)) != version
    assert demo_version(2027, TODAY) != version


def test_a_start_copies_the_kept_database_and_builds_nothing(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    built(database)
    kept = tmp_path / f"{KEPT_PREFIX}{demo_version(2026, TODAY)}.sqlite3"
    older = tmp_path / f"{KEPT_PREFIX}0123456789abcdef.sqlite3"
    older.write_bytes(b"an older version")
    older.with_suffix(".json").write_text("{}")
    keep_demo(database, kept, SUMMARY)
    assert not older.exists()
    assert not older.with_suffix(".json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["demo.sqlite3", kept.name, kept.with_suffix(".json").name]
    )
    with sqlite3.connect(database) as db:  # what a visitor changed in the last session
        db.execute("DELETE FROM person")
    db.close()
    said: list[str] = []
    summary, fresh = ready_demo(database, said.append, seed=2026, today=TODAY)
    assert (summary, fresh, said) == (SUMMARY, False, [])
    assert names(database) == ["Ada", "Grace"]
    assert names(kept) == ["Ada", "Grace"]
