"""Frameworks other than the built-in one: CASE 1.1 packages imported as additional framework
versions, and the built-in framework exported for other systems."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from competence.data import load_catalogue
from competence.domain.framework import Catalogue, Framework
from competence.errors import InputError
from competence.formats.case import (
    ImportedFramework,
    assessable,
    imported_from_dict,
    imported_to_dict,
    read_case,
)
from competence.services.catalogue import framework_data
from competence.store import audit
from competence.store.models import FrameworkVersion

BUILTIN = "builtin"
CASE = "case"


def import_case_framework(path: Path) -> dict[str, Any]:
    """Read a CASE package and keep it; say what was kept and what was skipped."""
    imported = read_case(path)
    stored = store_case_framework(imported)
    return {
        "framework": stored.framework_id,
        "version": stored.version,
        "title": stored.title,
        "items": len(imported.items),
        "skipped": list(imported.skipped),
    }


@transaction.atomic
def store_case_framework(imported: ImportedFramework) -> FrameworkVersion:
    """Keep an imported CASE framework as an additional framework version."""
    document = imported_to_dict(imported)
    checksum = hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    version = imported.version or checksum[:12]
    stored = FrameworkVersion.objects.filter(framework_id=imported.id, version=version).first()
    if stored is not None:
        if stored.checksum == checksum:
            return stored
        raise InputError(
            f"{imported.source}: framework {imported.id} version {version} is already stored "
            "with different content"
        )
    stored = FrameworkVersion.objects.create(
        framework_id=imported.id,
        version=version,
        title=imported.title,
        source=CASE,
        document=document,
        checksum=checksum,
        loaded_at=timezone.now(),
    )
    audit.record(
        "import",
        "framework",
        object_id=f"{imported.id} {version}",
        summary=f"CASE framework {imported.title!r} from {Path(imported.source).name}: "
        f"{len(imported.items)} items, {len(imported.skipped)} things skipped",
        new={
            "file": imported.source,
            "items": len(imported.items),
            "skipped": list(imported.skipped),
        },
    )
    return stored


@functools.lru_cache(maxsize=32)
def _from_case(checksum: str, document: str) -> Framework:
    return assessable(imported_from_dict(json.loads(document)))


def framework_of(stored: FrameworkVersion) -> Framework:
    """The framework a stored version holds, ready to assess against: the built-in one, or an
    imported CASE framework (:func:`competence.formats.case.assessable`)."""
    if stored.source != CASE:
        return load_catalogue().framework
    return _from_case(stored.checksum, json.dumps(stored.document, sort_keys=True))


def latest(framework_id: str) -> FrameworkVersion | None:
    """The latest stored version of an imported framework (the last one imported)."""
    return (
        FrameworkVersion.objects.filter(framework_id=framework_id, source=CASE)
        .order_by("-loaded_at", "-pk")
        .first()
    )


def imported() -> list[FrameworkVersion]:
    """The latest version of each imported framework, by title."""
    ids = FrameworkVersion.objects.filter(source=CASE).values_list("framework_id", flat=True)
    found = [latest(i) for i in sorted(set(ids))]
    return sorted((f for f in found if f is not None), key=lambda f: (f.title.casefold(), f.pk))


def framework_summary(fw: Framework, source: str) -> dict[str, Any]:
    """A framework as ``framework list`` and the web show it: what it is, its axes and levels,
    and its items."""
    return {"source": source, "axes": list(fw.axes), **framework_data(Catalogue(fw, {}))}


def listing() -> list[dict[str, Any]]:
    """Every framework there is to assess against: the built-in one, then each imported one
    (its latest version)."""
    out = [framework_summary(load_catalogue().framework, BUILTIN)]
    for stored in imported():
        out.append({**framework_summary(framework_of(stored), CASE), "version": stored.version})
    return out


def page() -> list[dict[str, Any]]:
    """The frameworks page: every framework (:func:`listing`), each with the latest version of
    every profile over it."""
    from competence.services import profiles

    over = profiles.catalogues()
    return [
        {
            **fw,
            "builtin": fw["source"] == BUILTIN,
            "profiles": [
                {"id": p.id, "name": p.name, "label": p.label}
                for p in (over[fw["id"]].profiles.values() if fw["id"] in over else ())
            ],
        }
        for fw in listing()
    ]
