"""Importing a file: a people file, a ratings file or a JSON export; its header tells which.

An import is all or nothing: every row is checked first (streaming, in bounded memory), every bad
row is reported, and only a clean file is written, in one transaction, as one audit entry. This
module tells the files apart and turns a ratings file into rows of text cells; the work is done
by :mod:`competence.services.people_import`, :mod:`competence.services.bulk_ratings` and
:mod:`competence.services.document`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from competence.domain import workflow
from competence.errors import InputError
from competence.formats import json_stream
from competence.formats.ratings import (
    ALIASES,
    JSON_RATING_KEYS,
    REQUIRED,
    check_columns,
    iter_json_rows,
    label_text,
)
from competence.formats.tables import check_path, file_kind, open_table, read_text
from competence.services.bulk_ratings import Progress, RatingsSource, import_ratings, text_cell
from competence.services.document import import_document
from competence.services.export import EXPORT_FORMAT
from competence.services.people_import import PEOPLE_REQUIRED, import_people
from competence.store import audit


@dataclass
class ImportReport:
    """What an import read and did: the file, its kind and digest, and the counts."""

    file: str
    kind: str  # people | ratings | export
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "sha256": self.sha256,
            "counts": self.counts,
            "dry_run": self.dry_run,
        }


def sha256_of(path: Path) -> str:
    """The SHA-256 digest of a file, in hex, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quiet(stage: str, done: int, total: int | None) -> None:
    """The default progress callback: say nothing."""


def import_file(
    path: str | Path,
    *,
    cycle: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
    progress: Progress = _quiet,
    name: str | None = None,
) -> ImportReport:
    """Import a people file, a ratings file or a JSON export; the header tells which."""
    path = Path(path)
    check_path(path)
    if cycle is not None and not 0 < len(cycle.strip()) <= 100:
        raise InputError("--cycle: a cycle name has 1 to 100 characters")
    if kind is not None and kind not in workflow.KINDS:
        raise InputError(f"--kind: unknown kind {kind!r}: choose one of self, assessor, agreed")
    report = ImportReport(name or str(path), "", sha256_of(path), dry_run=dry_run)

    def record(counts: dict[str, int]) -> None:
        _record_import(report, counts)

    if file_kind(path) == "json":
        doc = _load_json(path)
        if isinstance(doc, dict) and doc.get("format") == EXPORT_FORMAT:
            report.kind = "export"
            report.counts = import_document(doc, str(path), dry_run=dry_run, on_success=record)
            return report
        report.kind = "ratings"
        source = _json_source(str(path), doc)
    else:
        with open_table(path, (), is_header=_any_known_header) as table:
            columns = set(table.columns)
        if not {"competence", "number"} & columns:
            report.kind = "people"
            with open_table(path, PEOPLE_REQUIRED) as table:
                report.counts = import_people(
                    report.file, table.rows, dry_run=dry_run, progress=progress, on_success=record
                )
            return report
        report.kind = "ratings"
        source = _table_source(path)
    report.counts = import_ratings(
        source, cycle=cycle, kind=kind, dry_run=dry_run, progress=progress, on_success=record
    )
    return report


def upload_suffix(name: str | None) -> str:
    """The suffix an upload's temporary file takes from the upload's own name."""
    return Path(name or "upload.csv").suffix.lower() or ".csv"


def import_named(
    path: Path,
    name: str,
    *,
    cycle: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Import a file kept under another name (an upload in a temporary file, the web's and a
    job's): its report, or :class:`InputError` naming ``name`` (never the temporary file) in
    each problem."""
    try:
        report = import_file(
            path, cycle=cycle, kind=kind, dry_run=dry_run, progress=progress, name=name
        )
    except InputError as exc:
        shown = str(path)
        problems = [p.replace(shown, name) for p in exc.problems]
        raise InputError(problems, exc.more, exc.stopped) from None
    return report.as_dict()


def _record_import(report: ImportReport, counts: dict[str, int]) -> None:
    audit.record(
        "import",
        "file",
        object_id=report.sha256[:16],
        summary=f"{report.kind} file {Path(report.file).name}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items()),
        new={"file": report.file, "sha256": report.sha256, "kind": report.kind, "counts": counts},
    )


def _table_source(path: Path) -> RatingsSource:
    """A CSV file or workbook as text rows (a workbook's cells turned into text)."""
    with open_table(path, REQUIRED, ALIASES) as table:
        check_columns(table.header_where, table.columns)
        index, labels, where_prefix, kind = (
            table.index,
            table.labels,
            table.where_prefix,
            table.kind,
        )
    person = None
    if "person" not in index:
        person = label_text(labels, "person") or None
        if not person:
            raise InputError(
                f'{path}: missing column "person" (an email or employee id on each row)'
            )

    def rows() -> Iterator[tuple[int, list[str], str | None]]:
        with open_table(path, REQUIRED, ALIASES) as table:
            if table.kind == "csv":
                yield from table.raw
            else:
                for number, cells, problem in table.raw:
                    yield number, [text_cell(c) for c in cells], problem

    return RatingsSource(
        str(path), index, rows, lambda n: f"{where_prefix}{n}", person, escaped=kind != "json"
    )


def _json_source(name: str, doc: Any) -> RatingsSource:
    """A JSON ratings file (one person or a list of them) as text rows."""
    problems: list[str] = []
    rows = list(iter_json_rows(name, doc, problems))
    if problems:
        raise InputError(problems)
    columns = ("person", *JSON_RATING_KEYS)
    wheres = [r.where for r in rows]

    def cell(value: Any) -> str:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return " ".join(value)  # links, as a cell holds them
        return text_cell(value)

    def cells() -> Iterator[tuple[int, list[str], str | None]]:
        for i, r in enumerate(rows):
            yield i, [cell(r.values.get(c)) for c in columns], None

    return RatingsSource(name, {c: i for i, c in enumerate(columns)}, cells, lambda i: wheres[i])


def _any_known_header(present: set[str]) -> bool:
    return bool({"competence", "number", "email"} & present)


def _load_json(path: Path) -> Any:
    """A JSON file, gzipped or not, within the limits of :mod:`competence.formats.limits`."""
    return json_stream.loads(read_text(path), str(path))
