"""Starting the demo quickly: its database is built once and kept, then copied at each start.

``competence serve --demo`` serves a fresh copy of the demo at every start, so that what a
visitor changes is gone next time. Building it (the migrations, then every rating saved through
the record services with its own audit entry, see :mod:`competence.services.demo`) takes several
seconds; copying a file takes milliseconds. So the built database is kept beside the demo's, named
by :func:`demo_version`, and a start copies it. A new release, any change to the product's code or
data files, another Django or another day (the demo's cycles are dated from today) gives another
version, which is built once and then kept in its turn; older copies are removed.

Nothing here imports Django until a build needs it, so that a start from a kept copy costs no
more than the copy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

KEPT_PREFIX = "demo-kept-"
"""The kept copies' names: this, the version, then ``.sqlite3`` (and ``.json`` for the summary)."""
_PACKAGE = Path(__file__).resolve().parent.parent
_SOURCES = (".py", ".yaml", ".yml", ".json", ".txt", ".html", ".css", ".js", ".svg")
Progress = Callable[[str], None]
DEFAULT_SEED = 2026
"""The seed of the demo that ``serve --demo`` builds."""
DEMO_PASSWORD = "demo-competence"
"""The password of every demo account (the demo database is throwaway and local)."""


@dataclasses.dataclass(frozen=True)
class DemoSummary:
    """What :func:`competence.services.demo.build_demo` made, and the sign-ins to print."""

    people: int
    teams: int
    pmos: int
    cycles: int
    assessments: int
    ratings: int
    sign_ins: tuple[tuple[str, str], ...]  # (username, what signing in as them shows)
    password: str = DEMO_PASSWORD


def demo_version(seed: int, today: dt.date) -> str:
    """What the demo's database depends on, as a short digest: every source and data file of the
    installed package (its migrations, the demo's plan, the record services), Django's version,
    the seed and the day."""
    digest = hashlib.sha256(f"{seed} {today.isoformat()} {_django()}".encode())
    for path in sorted(p for p in _PACKAGE.rglob("*") if p.suffix in _SOURCES and p.is_file()):
        digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _django() -> str:
    try:
        return metadata.version("django")
    except metadata.PackageNotFoundError:  # pragma: no cover - Django is a dependency
        return ""


def ready_demo(
    database: Path, progress: Progress, *, seed: int | None = None, today: dt.date | None = None
) -> tuple[DemoSummary, bool]:
    """Make ``database`` (where this process's settings point, not yet opened) a fresh demo:
    a copy of the kept one of this version, or, when there is none, a new build that is then
    kept. Returns the summary and whether it was built now."""
    seed = DEFAULT_SEED if seed is None else seed
    today = today or dt.date.today()
    kept = database.with_name(f"{KEPT_PREFIX}{demo_version(seed, today)}.sqlite3")
    about = kept.with_suffix(".json")
    if kept.is_file() and about.is_file():
        try:
            summary = _summary(json.loads(about.read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError):
            summary = None  # a summary from another release or cut short: build again
        if summary is not None:
            _copy(kept, database)
            return summary, False
    progress(
        "Building the demo database (once for this version of the product and today; "
        "later starts copy it)..."
    )
    summary = _build(database, progress, seed, today)
    keep_demo(database, kept, summary)
    return summary, True


def _build(database: Path, progress: Progress, seed: int, today: dt.date) -> DemoSummary:
    from competence.services import database as tables

    progress("  the tables...")
    tables.upgrade()  # sets Django up
    from django.db import connections

    from competence.services.demo import build_demo

    summary = build_demo(seed=seed, today=today, progress=progress)
    connections.close_all()  # the last connection gone, SQLite folds its WAL into the file
    return summary


def keep_demo(database: Path, kept: Path, summary: DemoSummary) -> None:
    """Keep a copy of the built ``database`` as ``kept``, with its summary, and remove the
    copies of other versions."""
    for old in database.parent.glob(f"{KEPT_PREFIX}*"):
        if old.stem != kept.stem:
            old.unlink(missing_ok=True)
    partial = kept.with_name(f"{kept.name}.{os.getpid()}.part")
    _copy(database, partial)
    partial.replace(kept)  # whole or not at all: a start never copies half a database
    text = json.dumps(dataclasses.asdict(summary))
    partial_about = partial.with_suffix(".json")
    partial_about.write_text(text, encoding="utf-8")
    partial_about.replace(kept.with_suffix(".json"))


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of the SQLite database ``source`` (SQLite's online backup), in one
    file at ``target``, replacing what was there."""
    for stale in (target, target.with_name(target.name + "-wal")):
        stale.unlink(missing_ok=True)
    target.with_name(target.name + "-shm").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _summary(data: Any) -> DemoSummary:
    if set(data) != {f.name for f in dataclasses.fields(DemoSummary)}:
        raise KeyError("fields")
    sign_ins = tuple((str(username), str(what)) for username, what in data["sign_ins"])
    return DemoSummary(**{**data, "sign_ins": sign_ins})
