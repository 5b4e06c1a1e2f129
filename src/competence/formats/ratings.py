"""Read ratings files (CSV, JSON, XLSX) in the formats of CONTRACT.md.

One bad row rejects the whole file, and the error lists every bad row as
``FILE, line N: field: reason`` (``FILE, sheet S, row N: ...`` for a workbook).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from competence.domain.framework import MAX_LEVEL, MIN_LEVEL, Competence, Framework
from competence.domain.ratings import Rating
from competence.errors import InputError, Problems
from competence.formats import json_stream
from competence.formats.tables import (
    TEMPLATE_SHEET,
    Label,
    Row,
    check_path,
    file_kind,
    open_table,
    read_text,
)

REQUIRED = ("competence", "knowledge", "application")
ALIASES = {"number": "competence"}  # the template's Number column identifies the competence
ALL_CONTEXTS = "all contexts"

__all__ = ["ALL_CONTEXTS", "TEMPLATE_SHEET", "PersonRatings", "RatingsFile", "read_ratings"]


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
    profile_where: str | None = None
    context_where: str | None = None


@dataclass(frozen=True)
class CheckedRow:
    where: str
    person: str | None
    competence: Competence
    rating: Rating
    values: dict[str, Any]


def parse_level(value: Any) -> int | None:
    """A level 0-5, or None for an empty cell. Raise ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or not MIN_LEVEL <= value <= MAX_LEVEL:
        raise ValueError
    return value


def shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def text(value: Any) -> str:
    """A cell as trimmed text ("" for empty); whole floats from a workbook lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_row(
    row: Row, framework: Framework, with_person: bool
) -> tuple[CheckedRow | None, list[str]]:
    """Check one row: the checked row, or the problems (``where: field: reason``)."""
    if row.problem:
        return None, [f"{row.where}: {row.problem}"]
    v = row.values
    bad: list[str] = []
    person = None
    if with_person:
        person = text(v.get("person"))
        if not person:
            bad.append("person: is empty")
    raw = v.get("competence")
    competence = None
    if isinstance(raw, bool) or not text(raw):
        bad.append("competence: is empty" if not text(raw) else f"competence: got {raw}")
    else:
        competence = framework.find(text(raw))
        if competence is None:
            bad.append(
                f"competence: unknown competence {shown(raw)} "
                f"(use a number 1-{len(framework.competences)}, a slug or the exact name)"
            )
    levels: dict[str, int | None] = {}
    for axis in ("knowledge", "application"):
        try:
            levels[axis] = parse_level(v.get(axis))
        except ValueError:
            bad.append(
                f"{axis}: must be a whole number from {MIN_LEVEL} to {MAX_LEVEL}, "
                f"got {shown(v.get(axis))}"
            )
    if bad or competence is None:
        return None, [f"{row.where}: {b}" for b in bad]
    evidence = text(v.get("evidence")) or None
    rating = Rating(levels["knowledge"], levels["application"], evidence)
    return CheckedRow(row.where, person, competence, rating, dict(v)), []


def check_rows(
    source: str,
    rows: Iterable[Row],
    framework: Framework,
    with_person: bool,
    allow_empty: bool = False,
) -> list[PersonRatings]:
    """Check every row; return people in order of first appearance, or raise with all problems."""
    problems = Problems()
    people: dict[str | None, PersonRatings] = {}
    first_seen: dict[tuple[str | None, int], str] = {}
    count = 0
    for row in rows:
        if problems.full:
            break  # the report lists the first ones and counts the rest: read no further
        count += 1
        checked, bad = check_row(row, framework, with_person)
        if checked is None:
            problems.extend(bad)
            continue
        key = (checked.person, checked.competence.number)
        if key in first_seen:
            who = f" for {checked.person}" if checked.person else ""
            c = checked.competence
            problems.add(
                f"{row.where}: competence: {c.name} ({c.number}) appears twice{who} "
                f"(first at {first_seen[key]})"
            )
            continue
        first_seen[key] = row.where.split(", ", 1)[-1]
        entry = people.setdefault(checked.person, PersonRatings(checked.person))
        entry.ratings[checked.competence.number] = checked.rating
    if problems:
        raise problems.error()
    if count == 0 and not allow_empty:
        raise InputError(f"{source}: holds no ratings")
    return list(people.values())


def read_ratings(path: str | Path, framework: Framework) -> RatingsFile:
    """Read and check a ratings file; raise :class:`InputError` listing every problem."""
    path = Path(path)
    check_path(path)
    if file_kind(path) == "json":
        return _read_json(str(path), read_text(path), framework)
    with open_table(path, REQUIRED, ALIASES) as table:
        with_person = "person" in table.columns
        people = check_rows(table.source, table.rows, framework, with_person)
        labels = table.labels
    if table.kind == "csv":
        return RatingsFile(table.source, people, several=with_person)
    person_label = label_text(labels, "person")
    if not with_person and person_label:
        people[0].person = person_label
    context = label_text(labels, "context").lower()
    profile = label_text(labels, "profile").lower()
    return RatingsFile(
        table.source,
        people,
        several=with_person,
        profile=profile or None,
        context=None if context in ("", ALL_CONTEXTS) else context,
        profile_where=labels["profile"].where if "profile" in labels else None,
        context_where=labels["context"].where if "context" in labels else None,
    )


def label_text(labels: dict[str, Label], name: str) -> str:
    label = labels.get(name)
    return text(label.value) if label else ""


def iter_json_rows(name: str, doc: Any, problems: list[str]) -> Iterator[Row]:
    """The rows of a ratings JSON document; document-level problems go to ``problems``."""
    several = isinstance(doc, list)
    objects = doc if several else [doc]
    persons: dict[str, str] = {}
    for i, obj in enumerate(objects):
        at = f"[{i}]" if several else ""
        dot = at + "." if at else ""
        if not isinstance(obj, dict):
            problems.append(f'{name}, {at or "top level"}: expected an object with "ratings"')
            continue
        person = obj.get("person")
        if (person is not None and not isinstance(person, str | int)) or isinstance(person, bool):
            problems.append(f"{name}, {dot}person: must be text, got {shown(person)}")
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
            problems.append(f"{name}, {dot}ratings: must be a list")
            continue
        for j, r in enumerate(ratings):
            where = f"{name}, {dot}ratings[{j}]"
            if not isinstance(r, dict):
                problems.append(f'{where}: expected an object with "competence"')
                continue
            values = {k: r.get(k) for k in (*REQUIRED, "evidence")}
            values["person"] = person
            yield Row(where, values)


def _read_json(name: str, content: str, framework: Framework) -> RatingsFile:
    doc = json_stream.loads(content, name)
    problems: list[str] = []
    rows = list(iter_json_rows(name, doc, problems))
    if problems:
        raise InputError(problems + check_rows_problems(name, rows, framework))
    objects = doc if isinstance(doc, list) else [doc]
    named = [str(o["person"]).strip() if o.get("person") is not None else None for o in objects]
    found = {p.person: p for p in check_rows(name, rows, framework, any(named), allow_empty=True)}
    people = [found.get(n) or PersonRatings(n) for n in named]  # everyone, in file order
    if not any(p.ratings for p in people):
        raise InputError(f"{name}: holds no ratings")
    return RatingsFile(name, people, several=isinstance(doc, list))


def check_rows_problems(name: str, rows: list[Row], framework: Framework) -> list[str]:
    try:
        check_rows(name, rows, framework, with_person=False, allow_empty=True)
    except InputError as exc:
        return [p for p in exc.problems if "appears twice" not in p]
    return []
