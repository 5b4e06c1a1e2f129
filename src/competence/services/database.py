"""The database as a whole: ready to use, upgraded, named. Nothing of Django is imported until a
function here is called, so that commands that need no database start quickly."""

from __future__ import annotations

from competence.errors import InputError


def name() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"])


def ready(need_tables: bool = True, busy_seconds: float | None = None) -> None:
    """Set Django up; unless ``need_tables`` is false, insist that the tables are up to date.

    ``busy_seconds``: how long a writer waits for SQLite's write lock, if not the settings'
    (a command waits longer than a web request)."""
    from competence.store import setup

    setup()
    from django.db import connection

    options = connection.settings_dict["OPTIONS"]
    if connection.vendor == "sqlite" and busy_seconds not in (None, options.get("timeout")):
        connection.close()  # the next query connects again, with the new timeout
        options["timeout"] = busy_seconds
    if not need_tables:
        return
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise InputError(f"the database at {name()} needs upgrading: run `competence db upgrade`")


def in_use() -> bool:
    """Whether there is a database with up-to-date tables to read (a SQLite file that does not
    exist yet is not made by asking). Commands that can answer from files alone ask this before
    they look for stored data they may not need."""
    from pathlib import Path

    from competence.store import setup

    setup()
    from django.db import DatabaseError, connection

    settings = connection.settings_dict
    path = str(settings["NAME"])
    in_memory = path == ":memory:" or path.startswith("file:")
    if settings["ENGINE"].endswith("sqlite3") and not in_memory and not Path(path).is_file():
        return False
    try:
        ready()
    except (InputError, DatabaseError, RuntimeError):  # not upgraded, unreachable, or not to be
        # opened here (RuntimeError: a test run that blocks the database): files alone
        return False
    return True


def upgrade() -> str:
    """Create or upgrade the tables (and the cache's) and record the built-in framework; return
    its version."""
    ready(need_tables=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared cache (throttling); kept if there
    from competence.services.profiles import current_framework, seed_apm
    from competence.store import audit

    with audit.acting_as("system"):
        framework = current_framework()
        seed_apm(framework)
        return str(framework)


def is_busy(exc: BaseException) -> bool:
    """SQLite's write lock was held by another writer for longer than the busy timeout."""
    try:
        from django.db import OperationalError
    except ImportError:  # pragma: no cover - Django is a dependency
        return False
    return isinstance(exc, OperationalError) and "is locked" in str(exc)


def is_database_error(exc: BaseException) -> bool:
    """A database that cannot be reached or used (not a bug of ours)."""
    try:
        from django.db import InterfaceError, OperationalError
    except ImportError:  # pragma: no cover - Django is a dependency
        return False
    return isinstance(exc, OperationalError | InterfaceError)
