"""Read ratings files (CSV, JSON, XLSX) in the formats of CONTRACT.md.

One bad row rejects the whole file, and the error lists every bad row as
``FILE, line N: field: reason`` (``FILE, sheet S, row N: ...`` for a workbook).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from competence.domain.evidence import Confidence, check_links, parse_confidence, split_links
from competence.domain.framework import AXES, MAX_LEVEL, MIN_LEVEL, Competence, Framework
from competence.domain.ratings import Rating
from competence.errors import InputError, Problems
from competence.formats import json_stream
from competence.formats.tables import (
    TEMPLATE_SHEET,
    Label,
    Row,
    check_path,
    file_kind,
    normalise,
    open_table,
    read_text,
)

REQUIRED = ("competence", "knowledge", "application")
OPTIONAL = ("person", "evidence", "confidence", "evidence_links")
"""The optional columns a ratings file may give, and the keys of a JSON rating beside REQUIRED."""
IMPORTED = ("cycle", "kind", "assessed_on")
"""Columns that ``competence import`` reads as well (``gap`` reads neither)."""
ALIASES = {
    "number": "competence",  # the template's Number column identifies the competence
    "evidence links": "evidence_links",  # the template's header
}
ALL_CONTEXTS = "all contexts"
LINKS_HELP = "links separated by spaces or new lines"
TEMPLATE_HEADER = (
    "Number",
    "Competence",
    "Definition",
    "Knowledge",
    "Application",
    "Evidence",
    "Target knowledge",
    "Target application",
    "Confidence",
    "Evidence links",
)
"""The columns of the self-assessment workbook (:mod:`competence.formats.template`), here so
that reading a ratings file knows them without loading openpyxl."""
APPLIES_IN = "Applies in"
"""The template's column added when no context is given."""

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


class CheckedRow(NamedTuple):
    where: str
    person: str | None
    competence: Competence
    rating: Rating


_LEVEL_TEXTS = {str(level): level for level in range(MIN_LEVEL, MAX_LEVEL + 1)}


def parse_level(value: Any) -> int | None:
    """A level 0-5, or None for an empty cell. Raise ValueError otherwise."""
    if value.__class__ is str and (level := _LEVEL_TEXTS.get(value)) is not None:
        return level  # the common case, a cell of one digit
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
    if value.__class__ is str:
        return value.strip()  # type: ignore[no-any-return]
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


REMEMBERED_CELLS = 20_000
"""How many different sets of rating cells one reading remembers (see :func:`check_row`)."""

Checked = tuple[Competence | None, Rating | None, list[str]]


def check_row(
    row: Row,
    framework: Framework,
    with_person: bool,
    seen: dict[tuple[Any, ...], Checked] | None = None,
) -> tuple[CheckedRow | None, list[str]]:
    """Check one row: the checked row, or the problems (``where: field: reason``).

    With ``seen`` (one dict for one reading of a file), the competence and rating checked for
    each different set of cells are remembered, up to :data:`REMEMBERED_CELLS` of them: a file
    of many people repeats the same few, and those rows then share one Rating.
    """
    if row.problem:
        return None, [f"{row.where}: {row.problem}"]
    v = row.values
    if seen is None:
        competence, rating, bad = _check_cells(v, framework)
    else:
        try:
            key = tuple(map(v.get, _RATING_CELLS))
            found = seen.get(key)
        except TypeError:  # a JSON rating's links as a list: not remembered
            key, found = None, None
        if found is None:
            found = _check_cells(v, framework)
            if key is not None and len(seen) < REMEMBERED_CELLS:
                seen[key] = found
        competence, rating, bad = found
    person = None
    if with_person:
        person = text(v.get("person"))
        if not person:
            bad = ["person: is empty", *bad]
    if bad or competence is None or rating is None:
        return None, [f"{row.where}: {b}" for b in bad]
    return CheckedRow(row.where, person, competence, rating), []


_RATING_CELLS = ("competence", *AXES, "evidence", "confidence", "evidence_links")


def _check_cells(v: Mapping[str, Any], framework: Framework) -> Checked:
    """A row's competence and rating, or the problems (``field: reason``), the person aside."""
    bad: list[str] = []
    raw = v.get("competence")
    key = text(raw)
    competence = None
    if isinstance(raw, bool) or not key:
        bad.append("competence: is empty" if not key else f"competence: got {raw}")
    else:
        competence = framework.find(key)
        if competence is None:
            bad.append(
                f"competence: unknown competence {shown(raw)} "
                f"(use a number 1-{len(framework.competences)}, a slug or the exact name)"
            )
    levels: dict[str, int | None] = {}
    for axis in AXES:
        try:
            levels[axis] = parse_level(v.get(axis))
        except ValueError:
            bad.append(
                f"{axis}: must be a whole number from {MIN_LEVEL} to {MAX_LEVEL}, "
                f"got {shown(v.get(axis))}"
            )
            continue
        if (problem := framework.level_problem(axis, levels[axis])) is not None:
            bad.append(problem)
    confidence, links = v.get("confidence"), v.get("evidence_links")
    if confidence is not None or links is not None:
        extra, wrong = check_extras(confidence, links)
        bad += wrong
    else:
        extra = _NO_EXTRAS
    if bad or competence is None:
        return competence, None, bad
    evidence = text(v.get("evidence")) or None
    return competence, Rating(levels["knowledge"], levels["application"], evidence, *extra), []


_NO_EXTRAS: tuple[Confidence | None, tuple[str, ...]] = (None, ())
"""A rating's confidence and links when its row gives neither."""


def check_extras(
    confidence: Any, links: Any
) -> tuple[tuple[Confidence | None, tuple[str, ...]], list[str]]:
    """A rating's confidence and links from a cell or a JSON value: (the values, the problems
    as ``field: reason``). Links come as one text (:data:`LINKS_HELP`) or a JSON list of texts."""
    bad: list[str] = []
    found_confidence = None
    try:
        found_confidence = parse_confidence(text(confidence) if confidence is not None else None)
    except ValueError as exc:
        bad.append(f"confidence: {exc}")
    found_links: tuple[str, ...] = ()
    try:
        if links is None:
            found_links = ()
        elif isinstance(links, list):
            if not all(isinstance(link, str) for link in links):
                raise ValueError(f"must be a list of texts, got {shown(links)}")
            found_links = check_links(links)
        elif isinstance(links, str):
            found_links = split_links(links)
        else:
            raise ValueError(f"must be a list of links or {LINKS_HELP}, got {shown(links)}")
    except ValueError as exc:
        bad.append(f"evidence_links: {exc}")
    return (found_confidence, found_links), bad


def known_columns() -> frozenset[str]:
    """Every column a ratings file may have: those read, and those of the product's own files
    (an export's, the template's) that an import passes over. Any other is an error."""
    from competence.formats.exports import EXPORT_COLUMNS

    return frozenset(
        normalise(
            [
                *REQUIRED,
                *OPTIONAL,
                *IMPORTED,
                *ALIASES,
                *EXPORT_COLUMNS,
                *TEMPLATE_HEADER,
                APPLIES_IN,
            ]
        )
    )


def check_columns(header_where: str, columns: Iterable[str]) -> None:
    """Refuse a ratings file with a column that is not known: it would be dropped unread."""
    known = known_columns()
    unknown = [c for c in columns if c and c not in known]
    if unknown:
        raise InputError(
            f'{header_where}: unknown column "{c}": a ratings file has the columns '
            f"{', '.join(REQUIRED)} and, if you like, {', '.join(OPTIONAL)} (and, for import, "
            f"{', '.join(IMPORTED)}); rename or remove it"
            for c in unknown
        )


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
    seen: dict[tuple[Any, ...], Checked] = {}
    for row in rows:
        if problems.full:
            break  # the report lists the first ones and counts the rest: read no further
        count += 1
        checked, bad = check_row(row, framework, with_person, seen)
        if checked is None:
            problems.extend(bad)
            continue
        key = (checked.person, checked.competence.number)
        if key in first_seen:
            problems.add(appears_twice(checked, first_seen[key]))
            continue
        first_seen[key] = row.where.split(", ", 1)[-1]
        entry = people.setdefault(checked.person, PersonRatings(checked.person))
        entry.ratings[checked.competence.number] = checked.rating
    if problems:
        raise problems.error()
    if count == 0 and not allow_empty:
        raise InputError(f"{source}: holds no ratings")
    return list(people.values())


def appears_twice(checked: CheckedRow, first: str) -> str:
    """The problem of a competence rated again for the same person (first rated at ``first``)."""
    who = f" for {checked.person}" if checked.person else ""
    c = checked.competence
    return (
        f"{checked.where}: competence: {c.name} ({c.number}) appears twice{who} (first at {first})"
    )


def read_ratings(path: str | Path, framework: Framework) -> RatingsFile:
    """Read and check a ratings file; raise :class:`InputError` listing every problem."""
    path = Path(path)
    check_path(path)
    if file_kind(path) == "json":
        return _read_json(str(path), read_text(path), framework)
    with open_table(path, REQUIRED, ALIASES) as table:
        check_columns(table.header_where, table.columns)
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


JSON_RATING_KEYS = (*(k for k in (*REQUIRED, *OPTIONAL) if k != "person"), "assessed_on")
"""A JSON rating's keys; ``competence import`` reads ``assessed_on`` (``gap`` passes it over)."""
JSON_PERSON_KEYS = ("person", "ratings")


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
        problems.extend(
            f'{name}, {dot}{k}: unknown field "{k}": a person\'s object has the fields '
            "person and ratings"
            for k in obj
            if k not in JSON_PERSON_KEYS
        )
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
            unknown = [k for k in r if k not in JSON_RATING_KEYS]
            if unknown:
                problems.extend(
                    f'{where}: unknown field "{k}": a rating has the fields '
                    f"{', '.join(REQUIRED)} and, if you like, "
                    f"{', '.join(k for k in OPTIONAL if k != 'person')}"
                    for k in unknown
                )
                continue
            values = {k: r.get(k) for k in JSON_RATING_KEYS}
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


def people_one_at_a_time(path: str | Path, framework: Framework) -> Iterator[PersonRatings] | None:
    """A CSV file with a person column, read in bounded memory: the whole file is checked first
    (raising as :func:`read_ratings` does, so a bad row anywhere rejects the file), then the
    people come one at a time from a second reading, in file order.

    None for any other file, or when a person's rows are not all together (a person seen
    again after another): read those with :func:`read_ratings`.
    """
    path = Path(path)
    check_path(path)
    if file_kind(path) != "csv":
        return None
    with open_table(path, REQUIRED, ALIASES) as table:
        check_columns(table.header_where, table.columns)
        if "person" not in table.columns:
            return None
        seen: dict[tuple[Any, ...], Checked] = {}  # both readings share what the first checked
        if not _check_runs(table.source, table.rows, framework, seen):
            return None
    return _people(path, framework, seen)


def _check_runs(
    source: str, rows: Iterable[Row], framework: Framework, seen: dict[tuple[Any, ...], Checked]
) -> bool:
    """Check every row as :func:`check_rows` does, holding one person's competences at a time;
    False as soon as a person comes back after another."""
    problems = Problems()
    done: set[str | None] = set()
    current: str | None = None
    first_seen: dict[int, str] = {}
    count = 0
    for row in rows:
        if problems.full:
            break
        count += 1
        checked, bad = check_row(row, framework, True, seen)
        if checked is None:
            problems.extend(bad)
            continue
        if checked.person != current or count == 1:
            if checked.person in done:
                return False
            done.add(current)
            current = checked.person
            first_seen = {}
        number = checked.competence.number
        if number in first_seen:
            problems.add(appears_twice(checked, first_seen[number].split(", ", 1)[-1]))
            continue
        first_seen[number] = row.where
    if problems:
        raise problems.error()
    if count == 0:
        raise InputError(f"{source}: holds no ratings")
    return True


def _people(
    path: Path, framework: Framework, seen: dict[tuple[Any, ...], Checked]
) -> Iterator[PersonRatings]:
    with open_table(path, REQUIRED, ALIASES) as table:
        entry: PersonRatings | None = None
        for row in table.rows:
            checked, _ = check_row(row, framework, True, seen)
            assert checked is not None  # the first reading checked every row
            if entry is None or checked.person != entry.person:
                if entry is not None:
                    yield entry
                entry = PersonRatings(checked.person)
            entry.ratings[checked.competence.number] = checked.rating
        if entry is not None:
            yield entry
