"""Read ratings files (CSV, JSON, XLSX) in the formats of CONTRACT.md.

One bad row rejects the whole file, and the error lists every bad row as
``FILE, line N: field: reason`` (``FILE, sheet S, row N: ...`` for a workbook).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from competence.domain.framework import MAX_LEVEL, MIN_LEVEL, Framework
from competence.domain.ratings import Rating
from competence.errors import InputError

REQUIRED = ("competence", "knowledge", "application")
TEMPLATE_SHEET = "Self-assessment"
HEADER_SEARCH_ROWS = 10
ALL_CONTEXTS = "all contexts"


@dataclass
class PersonRatings:
    """One person's ratings, keyed by competence number."""

    person: str | None
    ratings: dict[int, Rating] = field(default_factory=dict)


@dataclass
class RatingsFile:
    """What a ratings file holds: one entry per person, in file order."""

    source: str
    people: list[PersonRatings]
    several: bool
    """True when the file names people (a ``person`` column, or a JSON list): output is a list."""
    profile: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class Row:
    """One row of any format, before it is checked. ``where`` locates it for messages."""

    where: str
    values: Mapping[str, Any]


def read_ratings(path: str | Path, framework: Framework) -> RatingsFile:
    """Read and check a ratings file; raise :class:`InputError` listing every problem."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a folder, not a ratings file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise InputError(f"{name}: the file is empty")
    kind = _kind(path, data)
    if kind == "xlsx":
        return _read_xlsx(name, data, framework)
    text = _text(name, data)
    if kind == "json":
        return _read_json(name, text, framework)
    return _read_csv(name, text, framework)


def _kind(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".txt"):
        return "csv"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    return "json" if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else "csv"


def _text(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise InputError(f"{name}: not a text file (save it as CSV UTF-8, or use .xlsx or .json)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}, line {line}: not UTF-8 text; save it as CSV UTF-8 (or use .xlsx)"
        ) from None


# -- checking rows, shared by every format ---------------------------------------------------


def parse_level(value: Any) -> int | None:
    """A level 0-5, or None for an empty cell. Raise ValueError with the reason otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not MIN_LEVEL <= value <= MAX_LEVEL:
        raise ValueError
    return value


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def check_rows(
    source: str, rows: Iterable[Row], framework: Framework, with_person: bool
) -> list[PersonRatings]:
    """Check every row; return people in order of first appearance, or raise with all problems."""
    problems: list[str] = []
    people: dict[str | None, PersonRatings] = {}
    first_seen: dict[tuple[str | None, int], str] = {}
    count = 0
    for row in rows:
        count += 1
        v = row.values
        bad: list[str] = []
        person: str | None = None
        if with_person:
            raw_person = v.get("person")
            person = str(raw_person).strip() if raw_person is not None else ""
            if not person:
                bad.append("person: is empty")
        raw = v.get("competence")
        competence = None
        if raw is None or not str(raw).strip():
            bad.append("competence: is empty")
        else:
            key = int(raw) if isinstance(raw, float) and raw.is_integer() else raw
            competence = framework.find(key)
            if competence is None:
                bad.append(
                    f"competence: unknown competence {_shown(raw)} "
                    f"(use a number 1-{len(framework.competences)}, a slug or the exact name)"
                )
        levels: dict[str, int | None] = {}
        for axis in ("knowledge", "application"):
            try:
                levels[axis] = parse_level(v.get(axis))
            except ValueError:
                bad.append(
                    f"{axis}: must be a whole number from {MIN_LEVEL} to {MAX_LEVEL}, "
                    f"got {_shown(v.get(axis))}"
                )
        if competence is not None and not bad:
            key2 = (person, competence.number)
            if key2 in first_seen:
                who = f" for {person}" if person else ""
                bad.append(
                    f"competence: {competence.name} ({competence.number}) appears twice{who} "
                    f"(first at {first_seen[key2]})"
                )
            else:
                first_seen[key2] = row.where.split(", ", 1)[-1]
        if bad:
            problems.extend(f"{row.where}: {b}" for b in bad)
            continue
        assert competence is not None
        evidence = v.get("evidence")
        evidence_text = str(evidence).strip() if evidence is not None else ""
        entry = people.setdefault(person, PersonRatings(person))
        entry.ratings[competence.number] = Rating(
            levels["knowledge"], levels["application"], evidence_text or None
        )
    if problems:
        raise InputError(problems)
    if count == 0:
        raise InputError(f"{source}: holds no ratings")
    return list(people.values())


def _columns(source: str, header: Iterable[Any], where: str) -> dict[str, int]:
    """Map normalised column names to positions; ``number`` stands for ``competence``."""
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        if n and n not in index:
            index[n] = i
    if "number" in index:
        index["competence"] = index["number"]
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        has = ", ".join(n for n in names if n) or "nothing"
        cols = ", ".join(f'"{m}"' for m in missing)
        raise InputError(
            f"{where}: missing column{'s' if len(missing) > 1 else ''} {cols} "
            f"(the header has: {has}; needed: competence, knowledge, application)"
        )
    return index


def _pick(index: Mapping[str, int], cells: list[Any]) -> dict[str, Any]:
    return {
        name: (cells[i] if i < len(cells) else None)
        for name, i in index.items()
        if name in (*REQUIRED, "person", "evidence")
    }


# -- CSV ---------------------------------------------------------------------------------------


def _read_csv(name: str, text: str, framework: Framework) -> RatingsFile:
    first = text.lstrip().split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InputError(f"{name}, line 1: cannot read the header: {exc}") from None
    index = _columns(name, header, f"{name}, line {reader.line_num}")

    def rows() -> Iterator[Row]:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"{name}, line {start}: not valid CSV: {exc}") from None
            if not any(c.strip() for c in cells):
                continue
            yield Row(f"{name}, line {start}", _pick(index, cells))

    with_person = "person" in index
    people = check_rows(name, rows(), framework, with_person)
    return RatingsFile(name, people, several=with_person)


# -- JSON --------------------------------------------------------------------------------------


def _read_json(name: str, text: str, framework: Framework) -> RatingsFile:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name}, line {exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    several = isinstance(doc, list)
    objects = doc if several else [doc]
    problems: list[str] = []
    rows: list[Row] = []
    persons: dict[str, str] = {}
    for i, obj in enumerate(objects):
        at = f"[{i}]" if several else ""
        if not isinstance(obj, dict):
            problems.append(f'{name}, {at or "top level"}: expected an object with "ratings"')
            continue
        person = obj.get("person")
        if person is not None and not isinstance(person, str | int):
            problems.append(f"{name}, {at}person: must be text, got {_shown(person)}")
            person = None
        if several and (person is None or not str(person).strip()):
            problems.append(f"{name}, {at}: person: is missing (needed when there are several)")
        elif person is not None:
            key = str(person).strip()
            if key in persons:
                problems.append(
                    f"{name}, {at}: person: {key} appears twice (first at {persons[key]})"
                )
            persons[key] = at
        ratings = obj.get("ratings")
        if not isinstance(ratings, list):
            problems.append(f"{name}, {at + '.' if at else ''}ratings: must be a list")
            continue
        for j, r in enumerate(ratings):
            where = f"{name}, {at + '.' if at else ''}ratings[{j}]"
            if not isinstance(r, dict):
                problems.append(f'{where}: expected an object with "competence"')
                continue
            values = {k: r.get(k) for k in (*REQUIRED, "evidence")}
            values["person"] = person
            rows.append(Row(where, values))
    try:
        people = check_rows(
            name,
            rows,
            framework,
            with_person=any(o.get("person") is not None for o in objects if isinstance(o, dict)),
        )
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return RatingsFile(name, people, several=several)


# -- XLSX --------------------------------------------------------------------------------------


def _read_xlsx(name: str, data: bytes, framework: Framework) -> RatingsFile:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{name}: not an Excel workbook (.xlsx): {exc}") from None
    try:
        sheet = book[TEMPLATE_SHEET] if TEMPLATE_SHEET in book.sheetnames else book.worksheets[0]
        title = sheet.title
        labels: dict[str, Any] = {}
        all_rows = sheet.iter_rows(values_only=True)
        header_row = 0
        index: dict[str, int] | None = None
        for number, cells in enumerate(all_rows, start=1):
            lowered = {str(c).strip().lower() for c in cells if c is not None}
            if {"knowledge", "application"} <= lowered and (
                "number" in lowered or "competence" in lowered
            ):
                header_row = number
                index = _columns(name, cells, f"{name}, sheet {title}, row {number}")
                break
            if cells and cells[0] is not None and len(cells) > 1:
                labels[str(cells[0]).strip().lower()] = cells[1]
            if number >= HEADER_SEARCH_ROWS:
                break
        if index is None:
            raise InputError(
                f"{name}, sheet {title}: no header row with Number (or Competence), Knowledge "
                f"and Application in the first {HEADER_SEARCH_ROWS} rows"
            )

        def rows() -> Iterator[Row]:
            assert index is not None
            for number, cells in enumerate(all_rows, start=header_row + 1):
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                yield Row(f"{name}, sheet {title}, row {number}", _pick(index, list(cells)))

        with_person = "person" in index
        people = check_rows(name, rows(), framework, with_person)
    finally:
        book.close()
    person_label = labels.get("person")
    if not with_person and person_label is not None and str(person_label).strip():
        people[0].person = str(person_label).strip()
    profile = labels.get("profile")
    context = labels.get("context")
    context_text = str(context).strip().lower() if context is not None else ""
    return RatingsFile(
        name,
        people,
        several=with_person,
        profile=str(profile).strip() if profile is not None and str(profile).strip() else None,
        context=None if context_text in ("", ALL_CONTEXTS) else context_text,
    )
