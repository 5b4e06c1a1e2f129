"""Backups (a consistent, compressed snapshot of everything) and restores into an empty database;
CASE frameworks stored as additional framework versions."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from competence.errors import InputError, writing
from competence.services.document import import_document
from competence.services.document import parse_datetime as _datetime
from competence.services.export import iter_export_json
from competence.store import audit
from competence.store.models import (
    Assessment,
    AuditEntry,
    Cycle,
    FrameworkVersion,
    Person,
    ProfileVersion,
)
from competence.store.models import Rating as RatingRow

BACKUP_FORMAT = "competence-backup"


def iter_backup_json() -> Iterator[str]:
    """Everything, as pieces of JSON text: frameworks, users, the JSON export, the audit trail.

    Consume it inside one transaction (see :func:`write_backup`) for a consistent snapshot.
    """
    emails = dict(Person.objects.values_list("id", "email"))

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    frameworks = [
        {
            "framework_id": f.framework_id,
            "version": f.version,
            "title": f.title,
            "source": f.source,
            "document": f.document,
            "checksum": f.checksum,
            "loaded_at": f.loaded_at.isoformat(),
            "profiles": [
                {"profile_id": p.profile_id, "name": p.name, "document": p.document}
                for p in f.profiles.order_by("profile_id")
            ],
        }
        for f in FrameworkVersion.objects.order_by("framework_id", "version")
    ]
    users = [
        {
            "username": u.username,
            "email": u.email,
            "password": u.password,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "is_active": u.is_active,
            "is_staff": u.is_staff,
            "is_superuser": u.is_superuser,
            "date_joined": u.date_joined.isoformat(),
            "person": getattr(getattr(u, "person", None), "email", None),
        }
        for u in get_user_model().objects.order_by("username")
    ]
    yield '{"format": "' + BACKUP_FORMAT + '", "version": 1, '
    yield f'"created_at": {dump(timezone.now().isoformat())}, '
    yield f'"frameworks": {dump(frameworks)}, "users": {dump(users)}, "export": '
    yield from iter_export_json()
    yield ', "audit": ['
    first = True
    for e in AuditEntry.objects.order_by("at", "id").iterator(chunk_size=5000):
        person = emails.get(int(e.person), e.person) if e.person.isdigit() else e.person
        entry = {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "model": e.model,
            "object_id": e.object_id,
            "person": person,
            "summary": e.summary,
            "old": e.old,
            "new": e.new,
        }
        yield ("\n" if first else ",\n") + dump(entry)
        first = False
    yield "]}\n"


@contextmanager
def consistent_read() -> Iterator[None]:
    """One transaction that reads one snapshot (REPEATABLE READ on PostgreSQL)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def snapshot() -> dict[str, Any]:
    """The backup as a dict (all in memory: for tests and small databases)."""
    with consistent_read():
        return dict(json.loads("".join(iter_backup_json())))


def write_backup(path: str | Path) -> dict[str, int]:
    """Write the gzip-compressed backup, streaming; return what it holds."""
    with consistent_read(), writing(path), gzip.open(path, "wt", encoding="utf-8") as f:
        for piece in iter_backup_json():
            f.write(piece)
        return {
            "people": Person.objects.count(),
            "assessments": Assessment.objects.count(),
            "ratings": RatingRow.objects.count(),
            "frameworks": FrameworkVersion.objects.count(),
            "users": get_user_model().objects.count(),
            "audit entries": AuditEntry.objects.count(),
        }


def _counts(data: dict[str, Any]) -> dict[str, int]:
    export = data["export"]
    return {
        "people": len(export["people"]),
        "assessments": len(export["assessments"]),
        "ratings": sum(len(a["ratings"]) for a in export["assessments"]),
        "frameworks": len(data["frameworks"]),
        "users": len(data["users"]),
        "audit entries": len(data["audit"]),
    }


def read_backup(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with gzip.open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a competence backup: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
        raise InputError(f'{path}: not a competence backup (no "format": "{BACKUP_FORMAT}")')
    return data


def restore(path: str | Path) -> dict[str, int]:
    """Restore a backup into an empty database (of either engine), in one transaction."""
    data = read_backup(path)
    if Person.objects.exists() or Cycle.objects.exists() or AuditEntry.objects.exists():
        raise InputError(
            "the database is not empty: restore into a new database "
            "(set COMPETENCE_DATABASE_URL and run competence db upgrade)"
        )
    actor = audit.current_actor()
    User = get_user_model()
    with transaction.atomic():
        for f in data["frameworks"]:
            stored = FrameworkVersion.objects.filter(
                framework_id=f["framework_id"], version=f["version"]
            ).first()
            if stored is not None:
                if stored.checksum != f["checksum"]:
                    raise InputError(
                        f"{path}: framework {f['framework_id']} {f['version']} differs from the "
                        "one in this database"
                    )
                continue
            stored = FrameworkVersion.objects.create(
                framework_id=f["framework_id"],
                version=f["version"],
                title=f["title"],
                source=f["source"],
                document=f["document"],
                checksum=f["checksum"],
                loaded_at=_datetime(f["loaded_at"]),
            )
            ProfileVersion.objects.bulk_create(
                ProfileVersion(
                    framework=stored,
                    profile_id=p["profile_id"],
                    name=p["name"],
                    document=p["document"],
                )
                for p in f["profiles"]
            )
        User.objects.bulk_create(
            User(
                username=u["username"],
                email=u["email"],
                password=u["password"],
                first_name=u["first_name"],
                last_name=u["last_name"],
                is_active=u["is_active"],
                is_staff=u["is_staff"],
                is_superuser=u["is_superuser"],
                date_joined=_datetime(u["date_joined"]),
            )
            for u in data["users"]
        )
        import_document(data["export"], str(path))
        people = {e.lower(): pk for e, pk in Person.objects.values_list("email", "id")}
        users = dict(User.objects.values_list("username", "id"))
        for u in data["users"]:
            if u["person"]:
                Person.objects.filter(id=people[u["person"].lower()]).update(
                    user_id=users[u["username"]]
                )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                at=_datetime(e["at"]),
                actor=e["actor"],
                action=e["action"],
                model=e["model"],
                object_id=e["object_id"],
                person=str(people.get(e["person"].lower(), e["person"])) if e["person"] else "",
                summary=e["summary"],
                old=e["old"],
                new=e["new"],
            )
            for e in data["audit"]
        )
        counts = _counts(data)
        audit.record(
            "restore",
            "backup",
            summary=f"restored {Path(path).name}",
            new={"file": str(path), "sha256": _sha256(Path(path)), "counts": counts},
            actor=actor,
        )
    return counts


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
