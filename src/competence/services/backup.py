"""Backups (one consistent snapshot of every table, compressed) and restores into an empty
database; CASE frameworks stored as additional framework versions.

A backup holds the tables that :mod:`competence.store.registry` lists: every model of the
``competence`` app, users, groups (the roles) and the many-to-many tables among them (a user's
groups, a PMO's leads, a user's and a group's permissions), every concrete field by its column
name, primary keys included. It leaves out, on purpose, what is not the organisation's data:
Django's content types and permissions (``competence db upgrade`` makes them again; a permission
given to a user or a group is kept by its natural key), sign-in sessions, and django-axes'
records of sign-in attempts, lockouts and sign-ins.

The file is gzip-compressed JSON::

    {"format": "competence-backup", "version": 2, "created_at": "2026-01-05T09:00:00+00:00",
     "tables": [{"model": "auth.Group", "fields": ["id", "name"], "count": 2,
                 "rows": [[1, "member"], [2, "assessor"]]}, ...]}

with the tables in dependency order (a table after those its foreign keys point to). Values are
JSON: dates and times as ISO 8601 text, JSON fields as JSON, bytes (evidence files) as base64 text,
a missing value as ``null``.

Writing streams table by table, in chunks of rows, from one snapshot that does not block writers
(a deferred read transaction on SQLite in WAL mode; REPEATABLE READ on PostgreSQL), into a
temporary file that replaces the target only once it is complete and on disk. Restoring reads the
file once, a row at a time, in one transaction: each batch of rows is checked, then inserted as
plain tuples through the cursor's ``executemany``, which calls no ``save()``; a bad file is
read to its end, to report every problem, and nothing of it is kept. The
guards of signed-off assessments and of the append-only audit trail do not stop a restore, and
the restore itself is audited.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gc
import gzip
import hashlib
import io
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.models import Permission
from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connection, models, transaction
from django.utils import timezone

from competence.errors import MAX_REPORTED, InputError, writing
from competence.formats.json_stream import JsonStream, shown
from competence.services.profiles import current_framework
from competence.store import audit, registry
from competence.store.models import FrameworkVersion, ProfileVersion
from competence.store.transactions import consistent_read

BACKUP_FORMAT = "competence-backup"
VERSION = 2
ROWS_PER_CHUNK = 2000  # rows read, written and inserted at a time

_INTEGER = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
    }
)
_TEXT = frozenset({"CharField", "TextField", "EmailField", "SlugField", "URLField"})
_SIMPLE = {
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "datetime",
    "JSONField": "json",
    "BinaryField": "binary",
}
BINARY_ROWS_PER_CHUNK = 4
"""Rows read, written and inserted at a time from a table with bytes (an evidence file is up to
5 MiB), so that memory stays bounded."""


class UnsupportedFieldError(TypeError):
    """A model has a field of a type that a backup does not know how to carry (a bug to fix)."""


@dataclass(frozen=True)
class Column:
    """One field of a backed-up model, as a backup carries it."""

    name: str  # in the file: the column name (``person_id``), or the field name for a natural key
    attname: str  # on the model
    kind: str  # integer | text | boolean | date | datetime | json | binary | natural
    null: bool
    max_length: int | None
    optional: bool  # may be missing from a file: it has a default or may be null


def _kind(field: models.Field[Any, Any]) -> str:
    if field.is_relation:
        target = field.related_model
        if isinstance(target, type) and target._meta.label in registry.BY_NATURAL_KEY:
            return "natural"
        return _kind(field.target_field)  # type: ignore[attr-defined]
    internal = field.get_internal_type()
    if internal in _INTEGER:
        return "integer"
    if internal in _TEXT:
        return "text"
    if internal in _SIMPLE:
        return _SIMPLE[internal]
    raise UnsupportedFieldError(
        f"{field.model._meta.label}.{field.name}: a backup cannot carry a {internal} yet"
    )


def columns(model: type[models.Model]) -> tuple[Column, ...]:
    """Every concrete field of ``model``, as a backup carries it."""
    found = []
    for field in model._meta.concrete_fields:
        kind = _kind(field)
        found.append(
            Column(
                name=field.name if kind == "natural" else field.attname,
                attname=field.attname,
                kind=kind,
                null=field.null,
                max_length=field.max_length if kind == "text" else None,
                optional=field.has_default() or field.null,
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    columns: tuple[Column, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def name(self) -> str:
        return registry.name(self.model)

    @property
    def rows_per_chunk(self) -> int:
        """How many rows go at a time: fewer when a row holds bytes."""
        binary = any(c.kind == "binary" for c in self.columns)
        return BINARY_ROWS_PER_CHUNK if binary else ROWS_PER_CHUNK


def tables() -> list[Table]:
    """The tables a backup holds, in dependency order."""
    return [Table(m, columns(m)) for m in registry.backed_up()]


def _natural_keys() -> dict[int, list[str]]:
    return {
        p.pk: list(p.natural_key())
        for p in Permission.objects.select_related("content_type").order_by("pk")
    }


# Writing ---------------------------------------------------------------------------------------


def _iso(value: dt.date) -> str:
    return value.isoformat()


class Snapshot:
    """The database as one consistent read sees it; make it with :func:`open_snapshot`."""

    def __init__(self) -> None:
        self.tables = tables()
        self.created_at = timezone.now()
        # The first reads: they fix the snapshot that every later read sees.
        self.counts = {t.label: t.model._base_manager.count() for t in self.tables}
        natural = any(c.kind == "natural" for t in self.tables for c in t.columns)
        self._natural = _natural_keys() if natural else {}

    def summary(self) -> dict[str, int]:
        """Rows per table, by the names people use (``people 3``, ``user groups 4``)."""
        return {t.name: self.counts[t.label] for t in self.tables}

    def _encoder(self, column: Column) -> Callable[[Any], Any] | None:
        if column.kind in ("date", "datetime"):
            return _iso
        if column.kind == "natural":
            return self._natural.__getitem__
        if column.kind == "binary":
            return _base64
        return None

    def pieces(self) -> Iterator[str]:
        """The backup as pieces of JSON text, table by table, ``ROWS_PER_CHUNK`` rows a piece."""
        encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
        yield (
            f'{{"format": "{BACKUP_FORMAT}", "version": {VERSION}, '
            f'"created_at": {encode(self.created_at.isoformat())},\n"tables": ['
        )
        for i, table in enumerate(self.tables):
            count = self.counts[table.label]
            yield (
                ("\n" if i == 0 else ",\n")
                + f'{{"model": {encode(table.label)}, '
                + f'"fields": {encode([c.name for c in table.columns])}, '
                + f'"count": {count}, "rows": ['
            )
            convert = [(k, f) for k, c in enumerate(table.columns) if (f := self._encoder(c))]
            rows = (
                table.model._base_manager.order_by("pk")
                .values_list(*(c.attname for c in table.columns))
                .iterator(chunk_size=table.rows_per_chunk)
            )
            written = 0
            chunk: list[str] = []
            for row in rows:
                if convert:
                    values = list(row)
                    for k, f in convert:
                        if values[k] is not None:
                            values[k] = f(values[k])
                    chunk.append(encode(values))
                else:
                    chunk.append(encode(row))
                if len(chunk) == table.rows_per_chunk:
                    yield ("\n" if not written else ",\n") + ",\n".join(chunk)
                    written += len(chunk)
                    chunk = []
            if chunk:
                yield ("\n" if not written else ",\n") + ",\n".join(chunk)
                written += len(chunk)
            if written != count:  # a read outside the snapshot: never write such a file
                raise RuntimeError(f"{table.label}: counted {count} rows but read {written}")
            yield "\n]}"
        yield "\n]}\n"


@contextmanager
def open_snapshot() -> Iterator[Snapshot]:
    """A snapshot of the database, held open until the block ends."""
    with consistent_read():
        yield Snapshot()


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a platform without folder handles
        return
    try:
        os.fsync(fd)
    except OSError:  # a file system that cannot sync a folder
        pass
    finally:
        os.close(fd)


@contextmanager
def replacing(path: Path) -> Iterator[IO[str]]:
    """Gzip-compressed text that takes the place of ``path`` only once it is whole and on disk.

    It is written to a temporary file in the same folder (``.NAME.*.tmp``), synced, renamed over
    ``path`` and the folder synced: a backup that fails or is killed part-way leaves the file
    that was there before untouched. A new file is readable by its owner only; a file replaced
    keeps its permissions.
    """
    folder = path.absolute().parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with suppress(FileNotFoundError):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        with os.fdopen(fd, "wb") as raw:
            with (
                gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw, compresslevel=6) as gz,
                io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as text,
            ):
                yield text
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def write_backup(path: str | Path) -> dict[str, int]:
    """Write the gzip-compressed backup, streaming from one snapshot; return its rows per table."""
    path = Path(path)
    with writing(path), open_snapshot() as snapshot, replacing(path) as out:
        for piece in snapshot.pieces():
            out.write(piece)
    return snapshot.summary()


# Reading ---------------------------------------------------------------------------------------


class _Bad(ValueError):
    """A value that does not fit its column; the message says why."""


def _reason(value: Any, expected: str) -> _Bad:
    return _Bad("must not be null" if value is None else f"{expected}, got {shown(value)}")


def _integer(value: Any) -> int:
    if type(value) is int:
        if -(2**63) <= value < 2**63:
            return value
        raise _Bad(f"out of range, got {value}")
    raise _reason(value, "must be a whole number")


def _boolean(value: Any) -> bool:
    if type(value) is bool:
        return value
    raise _reason(value, "must be true or false")


def _date(value: Any) -> dt.date:
    if isinstance(value, str) and len(value) == 10:
        with suppress(ValueError):
            return dt.date.fromisoformat(value)
    raise _reason(value, "must be a date as YYYY-MM-DD")


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, str) and "T" in value:
        with suppress(ValueError):
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                return parsed
    raise _reason(value, "must be a date and time with its UTC offset (ISO 8601)")


def _base64(value: bytes | memoryview) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _binary(value: Any) -> bytes:
    if isinstance(value, str):
        with suppress(ValueError, binascii.Error):
            return base64.b64decode(value, validate=True)
    raise _reason(value, "must be bytes as base64 text")


def _json(value: Any) -> Any:
    if value is None:
        raise _reason(value, "")
    return value


def _text(max_length: int | None) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _reason(value, "must be text")
        if max_length is not None and len(value) > max_length:
            raise _Bad(f"longer than {max_length} characters")
        return value

    return check


def _by_type(allowed: set[type], column: Column) -> Callable[[list[Any]], list[Any] | None]:
    """A column of whole numbers, true or false, or text: every value of an allowed type, and
    within the range or the length."""
    integer = column.kind == "integer"
    longest = column.max_length

    def check(values: list[Any]) -> list[Any] | None:
        if not set(map(type, values)) <= allowed:
            return None
        if integer or longest is not None:
            given = values if column.null is False else [v for v in values if v is not None]
            if given and integer and not (min(given) >= -(2**63) and max(given) < 2**63):
                return None
            if given and longest is not None and max(map(len, given)) > longest:
                return None
        return values

    return check


def _each(decode: Callable[[Any], Any], distinct: bool) -> Callable[[list[Any]], list[Any] | None]:
    """A column decoded a value at a time; a date or a time decoded once per distinct text of
    the batch (an import gives all its ratings one time)."""
    if not distinct:

        def each(values: list[Any]) -> list[Any] | None:
            try:
                return [decode(v) for v in values]
            except _Bad:
                return None

        return each

    def once(values: list[Any]) -> list[Any] | None:
        try:
            decoded = {v: decode(v) for v in set(values)}
        except (_Bad, TypeError):  # TypeError: a list or an object, which is not a date either
            return None
        return list(map(decoded.__getitem__, values))

    return once


class _Restoring:
    """What restoring needs from the database it restores into."""

    def __init__(self) -> None:
        self._permissions: dict[tuple[str, ...], int] | None = None

    def load(self) -> None:
        """Read what the checks need from this database (the permissions, by natural key)."""
        if self._permissions is None:
            self._permissions = {tuple(key): pk for pk, key in _natural_keys().items()}

    def natural(self, value: Any) -> int:
        self.load()
        assert self._permissions is not None
        if not (
            isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)
        ):
            raise _reason(value, "must be a permission as [codename, app label, model]")
        found = self._permissions.get(tuple(value))
        if found is None:
            raise _Bad(f"no permission {shown(value)} in this database")
        return found

    def decoder(self, column: Column) -> Callable[[Any], Any]:
        """A function that checks a value of the column and turns it into the field's type,
        raising :class:`_Bad` with the reason when it does not fit."""
        check: Callable[[Any], Any] = {
            "integer": _integer,
            "boolean": _boolean,
            "date": _date,
            "datetime": _datetime,
            "json": _json,
            "binary": _binary,
            "natural": self.natural,
        }.get(column.kind) or _text(column.max_length)
        if not column.null:
            return check

        def nullable(value: Any) -> Any:
            return None if value is None else check(value)

        return nullable

    def column_decoder(self, column: Column) -> Callable[[list[Any]], list[Any] | None]:
        """A function that checks a column's values in a batch of rows at once and gives them
        in the field's type, or ``None`` when any of them may not fit (the batch is then
        checked a value at a time, by :meth:`decoder`, to say why)."""
        types: dict[str, set[type]] = {"integer": {int}, "boolean": {bool}, "text": {str}}
        allowed = types.get(column.kind)
        if allowed is not None:
            if column.null:
                allowed = allowed | {type(None)}
            return _by_type(allowed, column)
        if column.kind == "json":
            return lambda values: None if not column.null and None in values else values
        return _each(self.decoder(column), column.kind in ("date", "datetime"))


@dataclass
class _Rows:
    """One table of a backup file as it is read: its rows come in batches of checked rows,
    each batch as ``(positions, columns)``, the values of each field in a list."""

    index: int
    table: Table
    attnames: list[str]  # of the values in each row, in the file's order of fields
    batches: Iterator[tuple[Sequence[int], list[list[Any]]]]

    @property
    def where(self) -> str:
        return f"tables[{self.index}]"


class _Reader:
    """Reads a backup file and checks every part of it against this release's tables.

    Problems with the structure stop the reading at once; problems with values are collected
    (see :attr:`problems`) and their rows left out, so that one pass reports all of them.
    """

    def __init__(self, source: JsonStream, restoring: _Restoring) -> None:
        self.source = source
        self.restoring = restoring
        self.problems: list[str] = []  # the first MAX_REPORTED of them
        self.found = 0
        self.known = {t.label: t for t in tables()}
        self.order = {label: i for i, label in enumerate(self.known)}
        self.counts: dict[str, int] = {}

    def problem(self, where: str, reason: str) -> None:
        self.found += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(f"{self.source.name}, {where}: {reason}")

    def failure(self) -> InputError:
        """Every problem found, the first ones by place and then how many more."""
        if self.found <= MAX_REPORTED:
            return InputError(self.problems)
        shown = self.problems[: MAX_REPORTED - 1]
        return InputError([*shown, f"... and {self.found - len(shown)} more problems"])

    def tables(self) -> Iterator[_Rows]:
        """The tables of the file in order, each to be read before the next."""
        try:
            yield from self._document()
        except InputError as exc:  # the problems found before, and what stopped the reading
            if not self.found:
                raise
            self.found += len(exc.problems)
            self.problems.extend(exc.problems[: max(0, MAX_REPORTED - len(self.problems))])
            raise self.failure() from None

    def _document(self) -> Iterator[_Rows]:
        source = self.source
        header: dict[str, Any] = {}
        for key in source.members(""):
            if key in ("format", "version", "created_at") and key not in header:
                header[key] = source.value(key)
                self._check(key, header[key])
            elif key == "tables" and "tables" not in header:
                for needed in ("format", "version", "created_at"):
                    if needed not in header:
                        self._check(needed, None)
                header["tables"] = True
                yield from self._tables()
            else:
                raise source.error(key, f"unexpected key {key!r} in a version {VERSION} backup")
        source.end()
        for needed in ("format", "version", "created_at", "tables"):
            if needed not in header:
                self._check(needed, None)

    def _check(self, key: str, value: Any) -> None:
        source = self.source
        if key == "format" and value != BACKUP_FORMAT:
            raise source.error("", f'not a competence backup (no "format": "{BACKUP_FORMAT}")')
        if key == "version" and value != VERSION:
            if value is None:
                raise source.error("", 'no "version" before the "tables"')
            raise source.error(
                "version",
                f"this is a version {shown(value)} backup; this release reads version {VERSION} "
                "backups only (restore it with the release that made it, then back up again "
                "with this one)",
            )
        if key == "created_at":
            try:
                _datetime(value)
            except _Bad as exc:
                raise source.error("created_at", str(exc)) from None
        if key == "tables":
            raise source.error("", 'no "tables"')

    def _tables(self) -> Iterator[_Rows]:
        source = self.source
        last = -1
        for index in source.elements("tables"):
            where = f"tables[{index}]"
            table: Table | None = None
            fields: list[Column] | None = None
            count: int | None = None
            read: int | None = None
            for key in source.members(where):
                if key == "model" and table is None:
                    label = source.value(f"{where}.model")
                    table = self.known.get(label) if isinstance(label, str) else None
                    if table is None:
                        raise source.error(f"{where}.model", f"unknown table {shown(label)}")
                    if self.order[table.label] <= last:
                        raise source.error(
                            f"{where}.model",
                            f"{table.label} comes twice or out of order (a backup lists its "
                            "tables each after those its foreign keys point to)",
                        )
                    last = self.order[table.label]
                elif key == "fields" and fields is None:
                    if table is None:
                        raise source.error(where, '"model" must come before "fields"')
                    fields = self._fields(where, table, source.value(f"{where}.fields"))
                elif key == "count" and count is None:
                    count = source.value(f"{where}.count")
                    if type(count) is not int or count < 0:
                        raise source.error(
                            f"{where}.count", f"must be a whole number, got {shown(count)}"
                        )
                elif key == "rows" and read is None:
                    if table is None or fields is None:
                        raise source.error(where, '"model" and "fields" must come before "rows"')
                    counter = [0]
                    rows = _Rows(
                        index,
                        table,
                        [c.attname for c in fields],
                        self._rows(where, fields, counter, table.rows_per_chunk),
                    )
                    yield rows
                    for _ in rows.batches:  # what the caller did not read
                        pass
                    read = counter[0]
                else:
                    raise source.error(where, f"unexpected key {key!r}")
            if table is None or fields is None or count is None or read is None:
                given = {"model": table, "fields": fields, "count": count, "rows": read}
                missing = ", ".join(f'"{k}"' for k, v in given.items() if v is None)
                raise source.error(where, f"missing {missing}")
            if count != read:
                self.problem(f"{where}.count", f"is {count}, but the table has {read} rows")
            self.counts[table.label] = count

    def _fields(self, where: str, table: Table, names: Any) -> list[Column]:
        source = self.source
        if not isinstance(names, list):
            raise source.error(f"{where}.fields", f"must be a list of names, got {shown(names)}")
        by_name = {c.name: c for c in table.columns}
        found: list[Column] = []
        for k, name in enumerate(names):
            column = by_name.get(name) if isinstance(name, str) else None
            if column is None:
                raise source.error(
                    f"{where}.fields[{k}]", f"{table.label} has no field {shown(name)}"
                )
            if column in found:
                raise source.error(f"{where}.fields[{k}]", f"{name!r} comes twice")
            found.append(column)
        absent = [c.name for c in table.columns if c not in found and not c.optional]
        if absent:
            raise source.error(
                f"{where}.fields", f"{table.label} needs {', '.join(repr(a) for a in absent)}"
            )
        return found

    def _rows(
        self, where: str, fields: list[Column], counter: list[int], size: int
    ) -> Iterator[tuple[Sequence[int], list[list[Any]]]]:
        """The rows, read ``size`` at a time and checked a column at a time; a batch in which
        a column does not pass whole is checked again row by row, to say where each problem is,
        and its good rows kept."""
        source = self.source
        columns = [self.restoring.column_decoder(c) for c in fields]
        width = len(fields)
        first = 0
        for raw in source.batches(f"{where}.rows", size):
            counter[0] += len(raw)
            positions = range(first, first + len(raw))
            first += len(raw)
            decoded = self._columns(raw, columns, width)
            if decoded is not None:
                yield positions, decoded
            else:
                yield self._one_by_one(where, fields, positions, raw)

    @staticmethod
    def _columns(
        raw: list[Any], columns: list[Callable[[list[Any]], list[Any] | None]], width: int
    ) -> list[list[Any]] | None:
        """Every column decoded, or ``None`` when any value may not fit."""
        if set(map(type, raw)) != {list} or set(map(len, raw)) != {width}:
            return None
        decoded = []
        for check, values in zip(columns, zip(*raw, strict=True), strict=True):
            found = check(list(values))
            if found is None:
                return None
            decoded.append(found)
        return decoded

    def _one_by_one(
        self, where: str, fields: list[Column], positions: range, raw: list[Any]
    ) -> tuple[list[int], list[list[Any]]]:
        decoders = [self.restoring.decoder(c) for c in fields]
        width = len(fields)
        kept: tuple[list[int], list[list[Any]]] = ([], [[] for _ in fields])
        for j, row in zip(positions, raw, strict=True):
            if not isinstance(row, list) or len(row) != width:
                self.problem(f"{where}.rows[{j}]", f"must be a list of {width} values, one a field")
                continue
            try:
                values = [decode(value) for decode, value in zip(decoders, row, strict=True)]
            except _Bad:  # say what is wrong with each value of the row
                for k, (decode, value) in enumerate(zip(decoders, row, strict=True)):
                    try:
                        decode(value)
                    except _Bad as exc:
                        self.problem(f"{where}.rows[{j}][{k}]", f"{fields[k].name}: {exc}")
                continue
            kept[0].append(j)
            for column, value in zip(kept[1], values, strict=True):
                column.append(value)
        return kept


@contextmanager
def reading(path: Path, restoring: _Restoring | None = None) -> Iterator[_Reader]:
    """A reader of the backup at ``path``; a file that is not gzip-compressed UTF-8 text, or not
    JSON, gives an :class:`InputError`."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            yield _Reader(JsonStream(stream, str(path)), restoring or _Restoring())
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a competence backup: {exc}") from None


def _held() -> list[str]:
    """The backed-up tables that hold rows, apart from what ``competence db upgrade`` records
    (the built-in framework version and its profiles)."""
    held = []
    for model in registry.backed_up():
        rows = model._base_manager.all()
        if model is FrameworkVersion:
            rows = rows.exclude(source="builtin")
        elif model is ProfileVersion:
            rows = rows.exclude(framework__source="builtin")
        if rows.exists():
            held.append(registry.name(model))
    return held


def _refuse_unless_empty() -> None:
    held = _held()
    if held:
        raise InputError(
            f"the database is not empty (it holds {', '.join(held)}): restore into a new "
            "database (set COMPETENCE_DATABASE_URL and run competence db upgrade)"
        )


class _Inserter:
    """Inserts one table's rows a batch at a time: plain tuples through the cursor's
    ``executemany`` (no model instances, no ``save()``), each value as the field would give the
    database (:meth:`~django.db.models.Field.get_db_prep_save`, the database's own rule; an
    integer or a text needs nothing), and the names quoted by the database's rules."""

    def __init__(self, table: Table, attnames: list[str]) -> None:
        fields = {f.attname: f for f in table.model._meta.concrete_fields}
        given = [fields[a] for a in attnames]
        missing = [f for f in fields.values() if f.attname not in attnames]
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in (*given, *missing))
        marks = ", ".join(["%s"] * (len(given) + len(missing)))
        self.sql = f"INSERT INTO {quote(table.model._meta.db_table)} ({names}) VALUES ({marks})"
        kinds = {c.attname: c.kind for c in table.columns}
        self.prepare = [
            (k, _prepared(f)) for k, f in enumerate(given) if kinds[f.attname] in _PREPARED
        ]
        # A column the file leaves out: its default, as the field gives it.
        self.defaults = [f.get_db_prep_save(f.get_default(), connection) for f in missing]

    def insert(self, columns: list[list[Any]]) -> None:
        """Insert the rows whose values are ``columns``, a list a field."""
        if not columns or not columns[0]:
            return
        if self.prepare or self.defaults:
            columns = list(columns)
            for k, prepare in self.prepare:
                columns[k] = prepare(columns[k])
            columns.extend([d] * len(columns[0]) for d in self.defaults)
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, list(zip(*columns, strict=True)))


_PREPARED = frozenset({"date", "datetime", "json", "binary"})
"""The kinds whose values the database takes in another form than the checked value."""


def _prepared(field: models.Field[Any, Any]) -> Callable[[list[Any]], list[Any]]:
    """A column's values as the database takes them, each as the field prepares it; a date or
    a time once per distinct value of the batch (an import gives all its ratings one time),
    an empty JSON list or object once."""

    def prepare(value: Any) -> Any:
        return None if value is None else field.get_db_prep_save(value, connection)

    if isinstance(field, models.JSONField):  # most often empty: the empty list's links
        empty = prepare([])

        def json_values(values: list[Any]) -> list[Any]:
            if values.count([]) == len(values):
                return [empty] * len(values)
            return [empty if v == [] else prepare(v) for v in values]

        return json_values
    if isinstance(field, models.DateField):  # a DateTimeField is a DateField too

        def distinct(values: list[Any]) -> list[Any]:
            prepared = {v: prepare(v) for v in set(values)}
            return list(map(prepared.__getitem__, values))

        return distinct
    return lambda values: [prepare(v) for v in values]


SQLITE_CACHE_KIB = 65536
"""SQLite's page cache while a restore inserts, in KiB (the default is 2,000): the pages of the
tables being filled stay in memory rather than being written to the journal and read again
before the end of the transaction. It bounds the memory the restore adds."""


@contextmanager
def _bulk() -> Iterator[None]:
    """While a restore inserts: no cyclic garbage collection (the rows read are lists and tuples
    that hold no cycles, and each collection of the young objects would walk the hundreds of
    thousands of them a batch makes), and on SQLite a larger page cache for this connection.
    Neither changes what is written nor how it is made durable; both are put back."""
    collecting = gc.isenabled()
    gc.disable()
    cache = None
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        yield
    finally:
        if collecting:
            gc.enable()
        if cache is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache)}")


def _builtin_checksums() -> dict[tuple[Any, Any], str]:
    return {
        (f.framework_id, f.version): f.checksum
        for f in FrameworkVersion._base_manager.filter(source="builtin")
    }


def _insert(
    path: Path, restoring: _Restoring, stored: dict[tuple[Any, Any], str]
) -> dict[str, int]:
    """Read the backup once, checking every row and inserting the good ones, until a problem
    is found: from then on nothing more is inserted and the rest of the file is only read, so
    that every problem is reported (an :class:`InputError`, whose raising undoes the
    transaction). ``stored`` holds the checksums of the framework versions this database had.
    Returns the rows per table."""
    refused: IntegrityError | DataError | None = None
    with reading(path, restoring) as reader:
        for part in reader.tables():
            inserter = _Inserter(part.table, part.attnames)
            framework = part.table.model is FrameworkVersion
            for positions, columns in part.batches:
                if framework:
                    _same_framework(reader, part, positions, columns, stored)
                if reader.found or refused is not None:
                    continue
                try:
                    inserter.insert(columns)
                except (IntegrityError, DataError) as exc:  # said once the file is read
                    refused = exc
        if reader.found:
            raise reader.failure()
        if refused is not None:
            raise refused
        counts = reader.counts
    return {t.name: counts.get(t.label, 0) for t in tables()}


def _same_framework(
    reader: _Reader,
    part: _Rows,
    positions: Sequence[int],
    columns: list[list[Any]],
    stored: dict[tuple[Any, Any], str],
) -> None:
    """A built-in framework version in the backup must be the one this database records."""
    for j, row in zip(positions, zip(*columns, strict=True), strict=True):
        values = dict(zip(part.attnames, row, strict=True))
        key = (values.get("framework_id"), values.get("version"))
        if key in stored and stored[key] != values.get("checksum"):
            reader.problem(
                f"{part.where}.rows[{j}]",
                f"framework {key[0]} {key[1]} differs from the one in this database",
            )


def restore(path: str | Path) -> dict[str, int]:
    """Restore a backup into an empty database (of either engine), in one transaction.

    The file is read once, in the transaction: every row is checked, and inserted with its
    primary key, in dependency order, until a problem is found; then the rest is only read, to
    report every problem, and nothing is kept. Foreign keys are checked before the end, and (on
    PostgreSQL) the id sequences are moved past the rows restored. Returns the rows per table.
    """
    path = Path(path)
    actor = audit.current_actor()
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    _refuse_unless_empty()
    restoring = _Restoring()
    restoring.load()  # before anything is inserted: after a refused insert no query may run
    backed_up = registry.backed_up()
    try:
        # Foreign keys are checked once, for every table, before the end (as Django's loaddata
        # does); on SQLite not for each row inserted as well.
        with connection.constraint_checks_disabled(), transaction.atomic():
            _refuse_unless_empty()
            stored = _builtin_checksums()
            # What `db upgrade` recorded comes back from the backup, with the backup's ids.
            ProfileVersion._base_manager.all().delete()
            FrameworkVersion._base_manager.all().delete()
            with _bulk():
                counts = _insert(path, restoring, stored)
            connection.check_constraints(table_names=[m._meta.db_table for m in backed_up])
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), backed_up):
                    cursor.execute(statement)
            current_framework()  # a backup from an earlier framework version lacks this one
            audit.record(
                "restore",
                "backup",
                summary=f"restored {path.name}",
                new={"file": str(path), "sha256": _sha256(path), "counts": counts},
                actor=actor,
            )
    except (IntegrityError, DataError) as exc:
        raise InputError(f"{path}: the rows of this backup do not fit together: {exc}") from None
    return counts


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
