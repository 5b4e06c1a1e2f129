"""Importing ratings in bulk: one pass over the file, inside one transaction.

Every row is checked; valid rows are written as they come, in batches; if any row is bad, the
transaction is rolled back at the end, so nothing is kept, and every bad row is reported. A dry
run does the same and always rolls back. The loop works on plain text cells with dictionary
look-ups, so that a file of millions of rows imports at a good fraction of the speed of a plain
``executemany`` (see docs/performance.md), in memory that grows with people, not rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from competence.data import load_catalogue
from competence.domain import workflow
from competence.domain.framework import Framework
from competence.domain.ratings import EVIDENCE_LIMIT, evidence_problem
from competence.errors import InputError, Problems
from competence.formats.ratings import check_extras
from competence.formats.tables import unescape_cell
from competence.services.profiles import (
    current_framework,
    frameworks_by_profile,
    latest_version_ids,
)
from competence.services.records import cycle_named, open_cycle
from competence.store import audit
from competence.store.models import Assessment, Cycle, Person
from competence.store.models import Rating as RatingRow

BATCH = 10000
NO_LINKS = "[]"
LEVELS: dict[str, int | None] = {"": None, **{str(n): n for n in range(6)}}
BAD = -1
KINDS = frozenset(workflow.KINDS)
SUBMITTED = workflow.Status.SUBMITTED.value
Progress = Callable[[str, int, int | None], None]


@dataclass
class RatingsSource:
    """Rows of text cells, with the positions of the columns we use."""

    source: str
    index: dict[str, int]
    rows: Callable[[], Iterator[tuple[int, list[str], str | None]]]
    where: Callable[[int], str]
    person: str | None = None  # a workbook's Person cell, when there is no person column
    escaped: bool = False  # CSV and workbook cells carry the formula escape of escape_cell


@dataclass
class _Key:
    """One assessment being written: its id, or None when it is locked."""

    assessment_id: int | None
    bits: int = 0
    day: str = ""
    """The ``assessed_on`` its rows give (ISO text; "": none given, today)."""


@dataclass
class _Writer:
    """Allocates assessment ids and writes assessments and ratings in batches."""

    actor: str
    now: Any
    today: Any
    framework_id: int
    frameworks: dict[str, int] = field(default_factory=dict)  # each profile's framework version
    versions: dict[str, int] = field(default_factory=dict)  # each profile's latest version id
    next_ids: list[int] = field(default_factory=list)
    next_free: int = 0
    postgresql: bool = field(default_factory=lambda: connection.vendor == "postgresql")
    assessments: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)
    dated: dict[str, list[int]] = field(default_factory=dict)
    """Each ``assessed_on`` given: the replaced assessments that take it."""
    written: int = 0
    extras: bool = True
    """Whether rows carry links and a confidence; without (a file with neither column) the
    insert writes no links and no confidence itself, and each row binds two values fewer."""

    def allocate(self) -> int:
        """An id for a new assessment, taken before it is inserted (we hold the write lock)."""
        if self.postgresql:
            if not self.next_ids:
                self.next_ids = _sequence_ids(1000)
            return self.next_ids.pop()
        if not self.next_free:
            self.next_free = _highest_sqlite_id() + 1
        self.next_free += 1
        return self.next_free - 1

    def flush(self) -> None:
        table = Assessment._meta.db_table
        with connection.cursor() as cursor:
            if self.assessments:
                cursor.executemany(
                    f"INSERT INTO {table} (id, person_id, cycle_id, kind, status, assessed_on, "
                    "framework_id, profile, profile_version_id, context, signed_off_by, "
                    "signed_off_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', NULL)",
                    self.assessments,
                )
                self.assessments.clear()
            if self.ratings:
                extras = "%s, %s" if self.extras else f"'{NO_LINKS}', NULL"
                # Every row of an import has the same actor and time: written into the statement
                # once (quoted by the database's own rule) rather than bound on each row.
                quote = connection.schema_editor().quote_value  # not entered: no DDL
                by, at = (quote(v).replace("%", "%%") for v in (self.actor, self.now))
                cursor.executemany(
                    f"INSERT INTO {RatingRow._meta.db_table} (assessment_id, competence, "
                    "knowledge, application, evidence, evidence_links, confidence, rated_by, "
                    f"rated_at) VALUES (%s, %s, %s, %s, %s, {extras}, {by}, "
                    f"{at})",
                    self.ratings,
                )
                self.written += len(self.ratings)
                self.ratings.clear()


def _sequence_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Assessment._meta.db_table, count],
        )
        return sorted((int(row[0]) for row in cursor.fetchall()), reverse=True)


def _highest_sqlite_id() -> int:
    """The largest assessment id ever given (SQLite's AUTOINCREMENT then follows ours)."""
    table = Assessment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        highest = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
    return max(highest, int(row[0]) if row else 0)


def _competence_keys(framework: Framework) -> dict[str, int]:
    keys: dict[str, int] = {}
    for c in framework.competences:
        for key in (str(c.number), c.slug, c.name, *c.also_known_as):
            keys[key] = c.number
            keys[key.casefold()] = c.number
    return keys


@dataclass
class _Rated:
    """What the ratings of a person with one framework are checked against."""

    framework: Framework
    keys: dict[str, int]
    names: dict[int, str]

    @classmethod
    def of(cls, framework: Framework) -> _Rated:
        names = {c.number: c.name for c in framework.competences}
        return cls(framework, _competence_keys(framework), names)


def _people() -> tuple[dict[str, int], dict[int, tuple[str, str]]]:
    lookup: dict[str, int] = {}
    facts: dict[int, tuple[str, str]] = {}
    for pk, email, employee_id, profile, context in Person.objects.values_list(
        "id", "email", "employee_id", "profile", "context"
    ).iterator(chunk_size=5000):
        if employee_id:
            lookup[employee_id] = pk
        lookup[email.lower()] = pk
        facts[pk] = (profile, context)
    return lookup, facts


def import_ratings(
    src: RatingsSource,
    *,
    cycle: str | None,
    kind: str | None,
    dry_run: bool,
    progress: Progress,
    on_success: Callable[[dict[str, int]], None],
) -> dict[str, int]:
    """Import every row of ``src``, or nothing; return the counts.

    ``cycle`` and ``kind`` given here win over the file's ``cycle`` and ``kind`` columns.
    """
    builtin = _Rated.of(load_catalogue().framework)
    by_profile = frameworks_by_profile()
    rated = {builtin.framework.id: builtin}
    for framework, _ in by_profile.values():
        if framework.id not in rated:
            rated[framework.id] = _Rated.of(framework)
    people, facts = _people()
    framework_of: dict[int | None, _Rated] = {
        pk: rated[by_profile[profile][0].id] if profile in by_profile else builtin
        for pk, (profile, _) in facts.items()
    }
    idx = src.index
    ip = idx.get("person", -1)
    ic, ik, ia = idx["competence"], idx["knowledge"], idx["application"]
    ie = idx.get("evidence", -1)
    isure, ilinks = idx.get("confidence", -1), idx.get("evidence_links", -1)
    extras = isure >= 0 or ilinks >= 0
    icy = idx.get("cycle", -1) if cycle is None else -1
    iday = idx.get("assessed_on", -1)
    today = timezone.localdate()
    days: dict[str, str | None] = {"": ""}  # a cell's text: its ISO date, or None when bad
    iki = idx.get("kind", -1) if kind is None else -1
    default_kind = kind or workflow.Kind.SELF.value
    width = max(idx.values()) + 1
    label_person = src.person or ""
    last: tuple[int | None, str | None, str] = (None, None, "")
    last_state: _Key | None = None
    problems = Problems()
    where = src.where
    escaped = src.escaped
    unescape_person = escaped and ip >= 0  # a label is unescaped already
    evidence_limit = EVIDENCE_LIMIT
    count = 0
    keys: dict[tuple[int, str | None, str], _Key] = {}
    counts = {"rows": 0, "people": 0, "assessments": 0, "cycles_created": 0}
    with transaction.atomic():
        writer = _Writer(
            actor=audit.current_actor(),
            now=connection.ops.adapt_datetimefield_value(timezone.now()),
            today=connection.ops.adapt_datefield_value(timezone.localdate()),
            framework_id=current_framework().pk,
            frameworks={slug: pk for slug, (_, pk) in by_profile.items()},
            versions=latest_version_ids(),
            extras=extras,
        )
        batch = writer.ratings  # flush empties it
        cycles: dict[str | None, Cycle] = {}
        existing: dict[int, dict[tuple[int, str], tuple[int, str]]] = {}
        locked_people: dict[int, set[int]] = {}  # per cycle: people whose cycle is signed off

        def cycle_for(name: str | None) -> Cycle:
            found = cycles.get(name)
            if found is None:
                if name is None:
                    found = open_cycle(quiet=True)
                else:
                    found, made = cycle_named(name, timezone.localdate(), quiet=True)
                    counts["cycles_created"] += made
                cycles[name] = found
                rows = Assessment.objects.filter(cycle=found).values_list(
                    "id", "person_id", "kind", "status"
                )
                existing[found.pk] = {(p, k): (pk, status) for pk, p, k, status in rows}
                locked_people[found.pk] = {p for _, p, _, status in rows if workflow.locked(status)}
            return found

        last_raw: str | None = None  # the person cell of the row before, and what it gave:
        person, person_id, scale, competences = "", None, builtin, builtin.keys
        for number, cells, problem in src.rows():
            if problems.count and problems.full:  # (a plain attribute first: once a row)
                break  # the report lists the first ones and counts the rest: read no further
            count += 1
            if count % 20000 == 0:
                progress("importing", count, None)
            if problem:
                problems.add(f"{where(number)}: {problem}")
                continue
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            # The common case is clean text: look it up as it is, and tidy up only on a miss.
            raw_person = cells[ip] if ip >= 0 else label_person
            if raw_person != last_raw:  # a person's rows come together: look them up once
                last_raw = person = raw_person
                if unescape_person and person[:1] == "'":
                    person = unescape_cell(person)
                person_id = people.get(person)
                if person_id is None:
                    person = person.strip()
                    person_id = people.get(person) or people.get(person.lower())
                scale = framework_of.get(person_id, builtin)  # no person yet: the built-in one
                competences = scale.keys
            raw_c = cells[ic]
            number_c = competences.get(raw_c)
            if number_c is None:
                raw_c = raw_c.strip()
                number_c = competences.get(raw_c) or competences.get(raw_c.casefold())
            raw_k, raw_a = cells[ik], cells[ia]
            k = LEVELS.get(raw_k, BAD)
            if k == BAD:
                raw_k = raw_k.strip()
                k = LEVELS.get(raw_k, BAD)
            a = LEVELS.get(raw_a, BAD)
            if a == BAD:
                raw_a = raw_a.strip()
                a = LEVELS.get(raw_a, BAD)
            row_kind = (cells[iki].strip().lower() or default_kind) if iki >= 0 else default_kind
            if (
                number_c is None
                or k == BAD
                or a == BAD
                or person_id is None
                or (row_kind not in KINDS)
            ):
                at = where(number)
                if not person:
                    problems.add(f"{at}: person: is empty")
                elif person_id is None:
                    problems.add(
                        f"{at}: person: no person with the email or employee id {person!r} "
                        "(import the people file first)"
                    )
                if not raw_c:
                    problems.add(f"{at}: competence: is empty")
                elif number_c is None:
                    problems.add(
                        f'{at}: competence: unknown competence "{raw_c}" '
                        f"(use a number 1-{len(scale.names)}, a slug or the exact name)"
                    )
                for axis, raw, value in (("knowledge", raw_k, k), ("application", raw_a, a)):
                    if value == BAD:
                        problems.add(
                            f'{at}: {axis}: must be a whole number from 0 to 5, got "{raw}"'
                        )
                if row_kind not in KINDS:
                    problems.add(f"{at}: kind: must be self, assessor or agreed, got {row_kind!r}")
                continue
            if scale is not builtin and (
                found := [
                    p
                    for axis, value in (("knowledge", k), ("application", a))
                    if (p := scale.framework.level_problem(axis, value)) is not None
                ]
            ):
                problems.extend(f"{where(number)}: {p}" for p in found)
                continue
            row_cycle = cycle  # given: the file's column is not read (icy is -1)
            if icy >= 0:
                row_cycle = cells[icy]
                if escaped and row_cycle[:1] == "'":
                    row_cycle = unescape_cell(row_cycle)
                row_cycle = row_cycle.strip() or None
            if row_cycle is not None and len(row_cycle) > 100:
                problems.add(f"{where(number)}: cycle: longer than 100 characters")
                continue
            day = ""
            if iday >= 0:
                raw_day = cells[iday]
                day_or_bad = days.get(raw_day, BAD_DAY)
                if day_or_bad == BAD_DAY:
                    day_or_bad = days[raw_day] = _day(raw_day, escaped, today)
                if day_or_bad is None:
                    problems.add(f"{where(number)}: assessed_on: {_day_problem(raw_day, today)}")
                    continue
                day = day_or_bad
            if person_id == last[0] and row_cycle == last[1] and row_kind == last[2]:
                state = last_state
            else:
                key = (person_id, row_cycle, row_kind)
                state = keys.get(key)
                last, last_state = key, state
            if state is None:
                chosen_cycle = cycle_for(row_cycle)
                state = keys[key] = (
                    _Key(None)
                    if person_id in locked_people[chosen_cycle.pk]
                    else _open(key, chosen_cycle, existing, facts, writer, day)
                )
                last_state = state
                if state.assessment_id is None:
                    problems.add(
                        f"{where(number)}: {person}, cycle {cycles[row_cycle].name}, "
                        f"{row_kind}: the cycle is signed off and read-only; import into "
                        "a new cycle (--cycle), or have an admin reopen it"
                    )
                    continue
            elif state.assessment_id is None:
                continue
            elif day != state.day:
                problems.add(
                    f"{where(number)}: assessed_on: {person}, cycle "
                    f"{cycles[row_cycle].name if row_cycle in cycles else row_cycle}, {row_kind} "
                    f"has one date, {state.day or 'none (today)'}, given on its first row; "
                    f"got {day or 'none'}"
                )
                continue
            bit = 1 << number_c
            if state.bits & bit:
                problems.add(
                    f"{where(number)}: competence: {scale.names[number_c]} ({number_c}) "
                    f"appears twice for {person}"
                )
                continue
            state.bits |= bit
            evidence = cells[ie] if ie >= 0 else ""
            if len(evidence) > evidence_limit:
                if escaped and evidence[:1] == "'":
                    evidence = unescape_cell(evidence)
                too_long = evidence_problem(evidence.strip())
                if too_long:
                    problems.add(f"{where(number)}: {too_long}")
                    continue
            sure: int | None = None
            links = NO_LINKS
            if extras:
                raw_sure = cells[isure] if isure >= 0 else ""
                raw_links = cells[ilinks] if ilinks >= 0 else ""
                if escaped:
                    raw_sure, raw_links = unescape_cell(raw_sure), unescape_cell(raw_links)
                (found_sure, found_links), wrong = check_extras(raw_sure, raw_links)
                if wrong:
                    for w in wrong:
                        problems.add(f"{where(number)}: {w}")
                    continue
                sure = None if found_sure is None else found_sure.value
                links = json.dumps(list(found_links)) if found_links else NO_LINKS
            if problems.count:
                continue  # nothing will be kept: only look for more problems
            if escaped and evidence[:1] == "'":
                evidence = unescape_cell(evidence)
            evidence = evidence.strip()
            row = (state.assessment_id, number_c, k, a, evidence)
            batch.append((*row, links, sure) if extras else row)
            if len(batch) >= BATCH:
                writer.flush()
                progress("importing", count, None)
        if problems:
            raise problems.error()
        if count == 0:
            raise InputError(f"{src.source}: holds no ratings")
        writer.flush()
        for i in range(0, len(writer.replaced), BATCH):
            Assessment.objects.filter(id__in=writer.replaced[i : i + BATCH]).update(
                status=SUBMITTED, version=F("version") + 1
            )
        for day, ids in writer.dated.items():
            for i in range(0, len(ids), BATCH):
                Assessment.objects.filter(id__in=ids[i : i + BATCH]).update(assessed_on=day)
        counts["rows"] = count
        counts["people"] = len({p for p, _, _ in keys})
        counts["assessments"] = len(keys)
        progress("importing", count, count)
        if dry_run:
            transaction.set_rollback(True)
        else:
            on_success(counts)
    return counts


def _open(
    key: tuple[int, str | None, str],
    cycle: Cycle,
    existing: dict[int, dict[tuple[int, str], tuple[int, str]]],
    facts: dict[int, tuple[str, str]],
    writer: _Writer,
    day: str = "",
) -> _Key:
    """The assessment a key writes to: a new one, or an existing one emptied (the cycle is not
    signed off: the caller checked), dated ``day`` when given (an existing one keeps its date
    when not)."""
    person_id, _, kind = key
    found = existing[cycle.pk].get((person_id, kind))
    if found is not None:
        pk, _status = found
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {RatingRow._meta.db_table} WHERE assessment_id = %s", [pk])
        writer.replaced.append(pk)
        if day:
            writer.dated.setdefault(day, []).append(pk)
        return _Key(pk, day=day)
    pk = writer.allocate()
    profile, context = facts[person_id]
    writer.assessments.append(
        (
            pk,
            person_id,
            cycle.pk,
            kind,
            SUBMITTED,
            connection.ops.adapt_datefield_value(dt.date.fromisoformat(day))
            if day
            else writer.today,
            writer.frameworks.get(profile, writer.framework_id),
            profile,
            writer.versions.get(profile),
            context,
        )
    )
    return _Key(pk, day=day)


BAD_DAY = "?"
"""Not yet looked up (a cell's date is parsed once per file, whatever the rows)."""


def _day(raw: str, escaped: bool, today: dt.date) -> str | None:
    """An ``assessed_on`` cell as ISO text ("" for empty), or None when it is not a date from
    the past or today (:func:`_day_problem` says why)."""
    text = unescape_cell(raw) if escaped and raw[:1] == "'" else raw
    text = text.strip()
    if text.endswith("T00:00:00"):  # a workbook's date cell
        text = text[:10]
    if not text:
        return ""
    if len(text) != 10:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return None if day > today else day.isoformat()


def _day_problem(raw: str, today: dt.date) -> str:
    text = raw.strip()[:10]
    try:
        if len(text) == 10 and dt.date.fromisoformat(text) > today:
            return f"{raw.strip()} is in the future (today is {today.isoformat()})"
    except ValueError:
        pass
    return f'must be a date as YYYY-MM-DD, got "{raw.strip()}"'


def text_cell(value: Any) -> str:
    """A workbook or JSON value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
