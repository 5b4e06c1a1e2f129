"""Frameworks other than the built-in one: CASE 1.1 packages imported as additional framework
versions, and the built-in framework exported for other systems."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from competence.errors import InputError
from competence.formats.case import ImportedFramework, imported_to_dict, read_case
from competence.store import audit
from competence.store.models import FrameworkVersion


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
        source="case",
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
