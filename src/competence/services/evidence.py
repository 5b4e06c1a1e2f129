"""Evidence files on a person's ratings: attach, remove, list and fetch them.

A file is checked by :func:`competence.domain.evidence.check_file` (its size, and its type by its
content) and kept in the database with its bytes. It belongs to one competence of one assessment,
so clearing a rating keeps it, and it goes when the assessment goes (erasure deletes it with the
person). Only a draft takes or loses files, and a signed-off cycle never does. Who may fetch one
is the policy's ``evidence.view`` rule. Each attach and removal is audited (the entry holds the
file's name, size and digest, never its bytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from competence.domain import evidence, workflow
from competence.errors import InputError, WorkflowError
from competence.services import policy
from competence.services.records import check_unlocked
from competence.store import audit
from competence.store.models import Assessment, EvidenceFile

META = ("id", "assessment_id", "competence", "name", "content_type", "size", "sha256")
"""The fields of a file's description: everything but its bytes."""


class NotFound(InputError):
    """There is no such file (404)."""


def described(files: QuerySet[EvidenceFile]) -> QuerySet[EvidenceFile]:
    """Files without their bytes, for lists."""
    return files.defer("content")


def files_by_competence(assessment: Assessment | None) -> dict[int, list[EvidenceFile]]:
    """An assessment's files (without their bytes), by competence."""
    out: dict[int, list[EvidenceFile]] = {}
    if assessment is None or assessment.pk is None:
        return out
    for f in described(EvidenceFile.objects.filter(assessment=assessment)):
        out.setdefault(f.competence, []).append(f)
    return out


def as_data(f: EvidenceFile) -> dict[str, Any]:
    """A file as plain data (no bytes): what the API and the data download list."""
    return {
        "id": f.pk,
        "competence": f.competence,
        "name": f.name,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.sha256,
        "uploaded_by": f.uploaded_by,
        "uploaded_at": f.uploaded_at.isoformat(),
    }


def _editable(assessment: Assessment) -> None:
    check_unlocked(assessment.person, assessment.cycle)
    if not workflow.editable(assessment.status):
        raise WorkflowError(
            f"{assessment.person.email}, cycle {assessment.cycle.name}, {assessment.kind}: "
            f"already {assessment.status}; only a draft takes or loses evidence files"
        )


@transaction.atomic
def attach(assessment: Assessment, competence: int, name: str, content: bytes) -> EvidenceFile:
    """Keep a file as evidence for one competence of a draft; raise :class:`InputError` saying
    why it is refused (too large, not an accepted type, too many, unknown competence)."""
    _editable(assessment)
    where = f"file for competence {competence}"
    try:
        kind = evidence.check_file(name or "the file", content)
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None
    held = EvidenceFile.objects.filter(assessment=assessment, competence=competence).count()
    if held >= evidence.MAX_FILES:
        raise InputError(
            f"{where}: {name}: a rating keeps at most {evidence.MAX_FILES} files; remove one first"
        )
    kept = EvidenceFile(
        assessment=assessment,
        competence=competence,
        name=evidence.safe_name(name, kind),
        content_type=kind.content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=audit.current_actor(),
        uploaded_at=timezone.now(),
    )
    kept.save()
    audit.record(
        "create",
        "EvidenceFile",
        object_id=str(kept.pk),
        person=str(assessment.person_id),
        summary=f"{assessment}: an evidence file on {competence} ({kept.size} bytes)",
        new=_audited(kept),
    )
    return kept


def _audited(f: EvidenceFile) -> dict[str, Any]:
    """What the audit trail keeps of a file: its name goes under ``file``, free text that an
    erasure removes from the entries about the person."""
    return {
        "competence": f.competence,
        "file": f.name,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.sha256,
    }


@transaction.atomic
def remove(assessment: Assessment, file_ids: Iterable[int]) -> int:
    """Remove files of a draft (those of another assessment are not touched); return how many."""
    _editable(assessment)
    gone = 0
    for f in described(EvidenceFile.objects.filter(assessment=assessment, pk__in=list(file_ids))):
        pk, old = f.pk, _audited(f)
        f.delete()
        gone += 1
        audit.record(
            "delete",
            "EvidenceFile",
            object_id=str(pk),
            person=str(assessment.person_id),
            summary=f"{assessment}: an evidence file on {old['competence']} removed",
            old=old,
        )
    return gone


def fetch(user: policy.User, file_id: int) -> EvidenceFile:
    """A file with its bytes, for a user the policy lets see the person's assessments.

    :class:`NotFound` when there is none; :class:`policy.Forbidden` when the user may not."""
    found = EvidenceFile.objects.select_related("assessment__person").filter(pk=file_id).first()
    if found is None:
        raise NotFound(f"no evidence file {file_id}")
    policy.require(user, "evidence.view", found.assessment.person)
    return found


def bytes_of(f: EvidenceFile) -> bytes:
    """A file's bytes (PostgreSQL gives a memoryview)."""
    return bytes(f.content)
