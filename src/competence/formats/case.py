"""CASE 1.1 framework interchange: write our framework as a CFPackage, read any CFPackage back.

:func:`export_case` turns a :class:`~competence.domain.framework.Catalogue` into a JSON-ready
CASE 1.1 CFPackage. Every identifier is a UUID 5 derived from the framework id, its version and
the thing it names, and every timestamp is fixed, so two exports of the same data are identical.

:func:`parse_case` reads a CFPackage (already parsed from JSON) into an
:class:`ImportedFramework`: its items, their hierarchy (from ``isChildOf`` associations) and the
levels of its rubrics. It accepts what it can of a file that strays from CASE 1.1 and lists in
``skipped`` what it left out and why. Input it cannot use at all raises
:class:`~competence.errors.InputError`.
"""

from __future__ import annotations

import json
import math
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from competence.domain.framework import (
    AXES,
    CONTEXTS,
    MAX_LEVEL,
    MIN_LEVEL,
    Attribution,
    Catalogue,
    Competence,
    Framework,
    Level,
    slugify,
)
from competence.errors import InputError

CASE_VERSION = "1.1"
ITEM_TYPE = "Competence"
DATA_CHANGED = datetime(2026, 11, 28, tzinfo=UTC)
"""The ``lastChangeDateTime`` of every exported record: when version 3.0.0 of the APM data files
was made. Change it together with the data, so that an export stays reproducible."""

# The properties CASE 1.1 defines for each record of a CFPackage (case-v1p1-cfpackage.schema.json).
PACKAGE_FIELDS = frozenset(
    {"CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics", "extensions"}
)
DOCUMENT_FIELDS = frozenset(
    {
        "identifier",
        "uri",
        "frameworkType",
        "caseVersion",
        "creator",
        "title",
        "lastChangeDateTime",
        "officialSourceURL",
        "publisher",
        "description",
        "subject",
        "subjectURI",
        "language",
        "version",
        "adoptionStatus",
        "statusStartDate",
        "statusEndDate",
        "licenseURI",
        "notes",
        "extensions",
    }
)
ITEM_FIELDS = frozenset(
    {
        "identifier",
        "fullStatement",
        "alternativeLabel",
        "CFItemType",
        "uri",
        "humanCodingScheme",
        "listEnumeration",
        "abbreviatedStatement",
        "conceptKeywords",
        "conceptKeywordsURI",
        "notes",
        "subject",
        "subjectURI",
        "language",
        "educationLevel",
        "CFItemTypeURI",
        "licenseURI",
        "statusStartDate",
        "statusEndDate",
        "lastChangeDateTime",
        "extensions",
    }
)
ASSOCIATION_FIELDS = frozenset(
    {
        "identifier",
        "associationType",
        "sequenceNumber",
        "uri",
        "originNodeURI",
        "destinationNodeURI",
        "CFAssociationGroupingURI",
        "lastChangeDateTime",
        "notes",
        "extensions",
    }
)
RUBRIC_FIELDS = frozenset(
    {
        "identifier",
        "uri",
        "title",
        "description",
        "lastChangeDateTime",
        "CFRubricCriteria",
        "extensions",
    }
)
CRITERION_FIELDS = frozenset(
    {
        "identifier",
        "uri",
        "category",
        "description",
        "CFItemURI",
        "weight",
        "position",
        "rubricId",
        "lastChangeDateTime",
        "CFRubricCriterionLevels",
        "extensions",
    }
)
LEVEL_FIELDS = frozenset(
    {
        "identifier",
        "uri",
        "description",
        "quality",
        "score",
        "feedback",
        "position",
        "rubricCriterionId",
        "lastChangeDateTime",
        "extensions",
    }
)

RENAMED = {"educationalLevel": "educationLevel"}
"""Fields of CASE 1.0-era files that CASE 1.1 names differently (we do not import either)."""

# -- export ----------------------------------------------------------------------------------


class _Ids:
    """Deterministic identifiers and URIs for one framework version."""

    def __init__(self, framework: Framework, base_uri: str) -> None:
        self.namespace = uuid.uuid5(
            uuid.NAMESPACE_URL, f"urn:competence:{framework.id}:{framework.version}"
        )
        self.base_uri = base_uri

    def id(self, *parts: object) -> str:
        return str(uuid.uuid5(self.namespace, "/".join(str(p) for p in parts)))

    def uri(self, identifier: str) -> str:
        return f"{self.base_uri}{identifier}"

    def link(self, title: str, identifier: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": self.uri(identifier)}


def _timestamp(changed: datetime) -> str:
    if changed.tzinfo is None:
        raise ValueError("changed must be an aware datetime")
    return changed.astimezone(UTC).isoformat()


def _profiles_of(catalogue: Catalogue, number: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for profile in catalogue.profiles.values():
        req = profile.requirement(number)
        if req is None:
            continue
        out[profile.id] = {
            **req.target.as_dict(),
            "contexts": [c for c in CONTEXTS if c in req.contexts],
            "qualifier": req.qualifier,
            "definition": req.definition,
        }
    return out


def _document_extensions(catalogue: Catalogue) -> dict[str, Any]:
    fw = catalogue.framework
    a = fw.attribution
    profiles: dict[str, Any] = {}
    for p in catalogue.profiles.values():
        rule = p.rule.as_dict() if p.rule is not None else None
        profiles[p.id] = {
            "name": p.name,
            "description": p.description,
            "notes": list(p.notes),
            "rule": rule,
        }
    return {
        "framework": {"id": fw.id, "version": fw.version},
        "attribution": {"source": a.source, "owner": a.owner, "notice": a.notice},
        "contexts": list(CONTEXTS),
        "scale": [
            {"level": lv.level, "name": lv.name, "from_source": lv.from_source} for lv in fw.levels
        ],
        "profiles": profiles,
    }


def _document_notes(framework: Framework) -> str:
    ours = [lv for lv in framework.levels if not lv.from_source]
    notes = [framework.attribution.notice]
    names = ", ".join(f"{lv.level} {lv.name}" for lv in ours)
    if ours and framework.axes == AXES:  # APM's framework: level 0 is from its ratings chart
        notes.append(
            f"Level {names} is not in the APM role profile (it comes from APM's ratings chart); "
            "its descriptors were written by the competence project."
        )
    elif ours:
        notes.append(
            f"Level {names} is not in the framework's source: the competence tool's scale."
        )
    notes.append("Exported by the competence tool; role profile targets are in extensions.")
    return " ".join(notes)


def export_case(
    catalogue: Catalogue, *, base_uri: str = "urn:competence:", changed: datetime = DATA_CHANGED
) -> dict[str, Any]:
    """The framework and its profiles as a CASE 1.1 CFPackage, ready for :func:`json.dumps`.

    The framework is the CFDocument, each competence a CFItem (``humanCodingScheme`` is its
    number) linked to the document by an ``isChildOf`` association, and each axis of the framework
    (knowledge and application for APM's) a CFRubric with one criterion per competence and its
    levels. Profile targets and the
    specialist rule are kept in ``extensions``. A record's URI is ``base_uri`` + its identifier.
    """
    fw = catalogue.framework
    ids = _Ids(fw, base_uri)
    when = _timestamp(changed)
    doc_id = ids.id("CFDocument")
    license_id = ids.id("CFLicense")
    type_id = ids.id("CFItemType", ITEM_TYPE)

    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": ids.uri(doc_id),
        "caseVersion": CASE_VERSION,
        "creator": fw.attribution.owner,
        "title": fw.title,
        "lastChangeDateTime": when,
        "description": fw.attribution.source,
        "language": "en",
        "version": fw.version,
        "licenseURI": ids.link(f"{fw.title}: copyright and licence", license_id),
        "notes": _document_notes(fw),
        "extensions": _document_extensions(catalogue),
    }
    items = [_item(catalogue, c, ids, type_id, when) for c in fw.competences]
    associations = [
        {
            "identifier": ids.id("CFAssociation", "isChildOf", c.number),
            "associationType": "isChildOf",
            "sequenceNumber": c.number,
            "uri": ids.uri(ids.id("CFAssociation", "isChildOf", c.number)),
            "originNodeURI": ids.link(c.name, ids.id("CFItem", c.number)),
            "destinationNodeURI": ids.link(fw.title, doc_id),
            "lastChangeDateTime": when,
        }
        for c in fw.competences
    ]
    definitions = {
        "CFItemTypes": [
            {
                "identifier": type_id,
                "uri": ids.uri(type_id),
                "title": ITEM_TYPE,
                "description": f"A competence of the framework, rated on {' and '.join(fw.axes)}.",
                "hierarchyCode": "1",
                "typeCode": ITEM_TYPE,
                "lastChangeDateTime": when,
            }
        ],
        "CFLicenses": [
            {
                "identifier": license_id,
                "uri": ids.uri(license_id),
                "title": f"{fw.title}: copyright and licence",
                "description": f"{fw.attribution.source}. Owner: {fw.attribution.owner}.",
                "licenseText": fw.attribution.notice,
                "lastChangeDateTime": when,
            }
        ],
    }
    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": definitions,
        "CFRubrics": [_rubric(fw, axis, ids, when) for axis in fw.axes],
    }


def _item(
    catalogue: Catalogue, c: Competence, ids: _Ids, type_id: str, when: str
) -> dict[str, Any]:
    identifier = ids.id("CFItem", c.number)
    return {
        "identifier": identifier,
        "fullStatement": c.definition,
        "CFItemType": ITEM_TYPE,
        "uri": ids.uri(identifier),
        "humanCodingScheme": str(c.number),
        "listEnumeration": str(c.number),
        "abbreviatedStatement": c.name,
        "language": "en",
        "CFItemTypeURI": ids.link(ITEM_TYPE, type_id),
        "lastChangeDateTime": when,
        "extensions": {
            "number": c.number,
            "slug": c.slug,
            "also_known_as": list(c.also_known_as),
            "profiles": _profiles_of(catalogue, c.number),
        },
    }


def _rubric(fw: Framework, axis: str, ids: _Ids, when: str) -> dict[str, Any]:
    rubric_id = ids.id("CFRubric", axis)
    low, high = fw.levels[0], fw.levels[-1]
    criteria = []
    for c in fw.competences:
        criterion_id = ids.id("CFRubricCriterion", axis, c.number)
        criteria.append(
            {
                "identifier": criterion_id,
                "uri": ids.uri(criterion_id),
                "category": c.name,
                "description": f"{c.name}: {axis}",
                "CFItemURI": ids.link(c.name, ids.id("CFItem", c.number)),
                "position": c.number,
                "rubricId": rubric_id,
                "lastChangeDateTime": when,
                "CFRubricCriterionLevels": [
                    {
                        "identifier": ids.id("CFRubricCriterionLevel", axis, c.number, lv.level),
                        "uri": ids.uri(ids.id("CFRubricCriterionLevel", axis, c.number, lv.level)),
                        "description": lv.knowledge if axis == "knowledge" else lv.application,
                        "quality": lv.name,
                        "score": lv.level,
                        "position": lv.level,
                        "rubricCriterionId": criterion_id,
                        "lastChangeDateTime": when,
                    }
                    for lv in fw.levels
                ],
            }
        )
    return {
        "identifier": rubric_id,
        "uri": ids.uri(rubric_id),
        "title": axis.capitalize(),
        "description": (
            f"The {axis} of each competence, rated from {low.level} {low.name} "
            f"to {high.level} {high.name}."
        ),
        "lastChangeDateTime": when,
        "CFRubricCriteria": criteria,
    }


# -- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedItem:
    """One CFItem: ``parent`` is the identifier of its parent item, or None at the top level."""

    identifier: str
    statement: str
    code: str | None = None
    name: str | None = None
    item_type: str | None = None
    parent: str | None = None
    position: int | None = None
    notes: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ImportedLevel:
    identifier: str
    score: float | None
    quality: str | None = None
    description: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class ImportedCriterion:
    """A rubric criterion: ``item`` is the identifier of the CFItem it rates, when known."""

    identifier: str
    item: str | None
    description: str | None = None
    position: int | None = None
    levels: tuple[ImportedLevel, ...] = ()


@dataclass(frozen=True)
class ImportedRubric:
    identifier: str
    title: str | None
    description: str | None = None
    criteria: tuple[ImportedCriterion, ...] = ()

    @property
    def levels(self) -> tuple[ImportedLevel, ...]:
        """The rubric's scale: its criteria's distinct levels (same score, quality and
        description count once), lowest score first."""
        seen: dict[tuple[float | None, str | None, str | None], ImportedLevel] = {}
        for criterion in self.criteria:
            for lv in criterion.levels:
                seen.setdefault((lv.score, lv.quality, lv.description), lv)
        return tuple(
            sorted(
                seen.values(), key=lambda lv: (lv.score is None, lv.score or 0, lv.position or 0)
            )
        )


@dataclass(frozen=True)
class ImportedFramework:
    """What a CASE package holds that we keep, and what we left out (``skipped``)."""

    source: str
    id: str
    title: str
    version: str | None
    creator: str | None
    description: str | None
    notes: str | None
    licence: str | None
    items: tuple[ImportedItem, ...]
    rubrics: tuple[ImportedRubric, ...] = ()
    skipped: tuple[str, ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def item(self, identifier: str) -> ImportedItem | None:
        return next((i for i in self.items if i.identifier == identifier), None)

    def children(self, parent: str | None) -> tuple[ImportedItem, ...]:
        """The items directly under ``parent`` (None: the top level), in position order."""
        kids = [i for i in self.items if i.parent == parent]
        return tuple(sorted(kids, key=lambda i: (i.position is None, i.position or 0)))


def read_case(path: str | Path) -> ImportedFramework:
    """Read a CASE JSON file; raise :class:`InputError` if it cannot be read or is not JSON."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a UTF-8 text file") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}, line {exc.lineno}: not valid JSON: {exc.msg}") from None
    return parse_case(doc, name)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class _Reader:
    """Collects what is skipped while one package is read."""

    def __init__(self) -> None:
        self.skipped: list[str] = []

    def skip(self, message: str) -> None:
        self.skipped.append(message)

    def unknown_fields(self, where: str, records: Sequence[Any], known: frozenset[str]) -> None:
        counts: Counter[str] = Counter()
        for record in records:
            if isinstance(record, dict):
                counts.update(k for k in record if k not in known)
        for key in sorted(counts):
            n = counts[key]
            hint = f" (CASE 1.1 calls it {RENAMED[key]!r})" if key in RENAMED else ""
            self.skip(
                f"{where}: field {key!r} is not in CASE 1.1{hint}; ignored"
                + (f" in {n} records" if len(records) > 1 else "")
            )

    def integer(self, where: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            self.skip(
                f"{where}: {value!r} is a string, CASE wants an integer; read as {int(value)}"
            )
            return int(value)
        self.skip(f"{where}: {value!r} is not a whole number; ignored")
        return None

    def number(self, where: str, value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and math.isfinite(value):
            return value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                self.skip(f"{where}: {value!r} is a string, CASE wants a number; read as {value}")
                return int(number) if number.is_integer() else number
        self.skip(f"{where}: {value!r} is not a number; ignored")
        return None


def _records(doc: Mapping[str, Any], key: str, reader: _Reader) -> list[Any]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        reader.skip(f"{key}: expected a list, got {type(value).__name__}; ignored")
        return []
    return value


def _node_id(value: Any) -> str | None:
    return _text(value.get("identifier")) if isinstance(value, dict) else None


def _link_title(value: Any) -> str | None:
    return _text(value.get("title")) if isinstance(value, dict) else None


def parse_case(doc: Any, source: str) -> ImportedFramework:
    """Read a CASE CFPackage (parsed JSON) into an :class:`ImportedFramework`.

    The hierarchy comes from ``isChildOf`` associations (an item that is a child of the document
    is at the top level). What cannot be used (fields CASE 1.1 does not define, other association
    types, links to unknown items, items without a ``fullStatement``) is left out and listed in
    ``skipped``. Raise :class:`InputError` naming ``source`` and the field when the package has no
    CFDocument, no identifier or title on it, or no usable item.
    """
    if not isinstance(doc, dict):
        raise InputError(
            f"{source}: expected a JSON object holding a CASE package, got {type(doc).__name__}"
        )
    document = doc.get("CFDocument")
    if not isinstance(document, dict):
        raise InputError(f"{source}: CFDocument: missing; a CASE package needs a CFDocument")
    problems = [
        f"{source}: CFDocument.{key}: missing"
        for key in ("identifier", "title")
        if _text(document.get(key)) is None
    ]
    if problems:
        raise InputError(problems)
    doc_id = str(_text(document["identifier"]))
    reader = _Reader()
    reader.unknown_fields("CFPackage", [doc], PACKAGE_FIELDS)
    reader.unknown_fields("CFDocument", [document], DOCUMENT_FIELDS)
    if "extensions" in doc:
        reader.skip("CFPackage: extensions: package-level extensions are not imported")

    raw_items = doc.get("CFItems")
    if not isinstance(raw_items, list) or not raw_items:
        raise InputError(f"{source}: CFItems: no items; a framework needs at least one CFItem")
    reader.unknown_fields("CFItems", raw_items, ITEM_FIELDS)
    items = _items(raw_items, reader)
    if not items:
        raise InputError(
            [f"{source}: CFItems: none of the {len(raw_items)} items can be used"]
            + [f"{source}: {m}" for m in reader.skipped if m.startswith("CFItems[")]
        )
    parents, positions = _hierarchy(_records(doc, "CFAssociations", reader), doc_id, items, reader)
    rubrics = _rubrics(_records(doc, "CFRubrics", reader), items, reader)
    licence = _definitions(doc.get("CFDefinitions"), document, reader)

    ext = document.get("extensions")
    return ImportedFramework(
        source=source,
        id=doc_id,
        title=str(_text(document["title"])),
        version=_text(document.get("version")),
        creator=_text(document.get("creator")),
        description=_text(document.get("description")),
        notes=_text(document.get("notes")),
        licence=licence,
        items=tuple(
            replace(item, parent=parents.get(ident), position=positions.get(ident))
            for ident, item in items.items()
        ),
        rubrics=tuple(rubrics),
        skipped=tuple(reader.skipped),
        extensions=dict(ext) if isinstance(ext, dict) else {},
    )


def _items(raw_items: list[Any], reader: _Reader) -> dict[str, ImportedItem]:
    items: dict[str, ImportedItem] = {}
    for i, raw in enumerate(raw_items):
        where = f"CFItems[{i}]"
        if not isinstance(raw, dict):
            reader.skip(f"{where}: not an object; item skipped")
            continue
        ident = _text(raw.get("identifier"))
        if ident is None:
            reader.skip(f"{where}: no identifier; item skipped")
            continue
        where = f"{where} ({ident})"
        statement = _text(raw.get("fullStatement"))
        if statement is None:
            reader.skip(f"{where}: no fullStatement; item skipped")
            continue
        if ident in items:
            reader.skip(f"{where}: identifier appears twice; the second item is skipped")
            continue
        ext = raw.get("extensions")
        items[ident] = ImportedItem(
            identifier=ident,
            statement=statement,
            code=_text(raw.get("humanCodingScheme")),
            name=_text(raw.get("abbreviatedStatement")),
            item_type=_text(raw.get("CFItemType")) or _link_title(raw.get("CFItemTypeURI")),
            notes=_text(raw.get("notes")),
            extensions=dict(ext) if isinstance(ext, dict) else {},
        )
    return items


def _hierarchy(
    associations: list[Any], doc_id: str, items: Mapping[str, ImportedItem], reader: _Reader
) -> tuple[dict[str, str | None], dict[str, int]]:
    """Each item's parent (None: the document) and position, from ``isChildOf``."""
    reader.unknown_fields("CFAssociations", associations, ASSOCIATION_FIELDS)
    parents: dict[str, str | None] = {}
    positions: dict[str, int] = {}
    other: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    known = {doc_id, *items}
    for i, raw in enumerate(associations):
        where = f"CFAssociations[{i}]"
        if not isinstance(raw, dict):
            reader.skip(f"{where}: not an object; association skipped")
            continue
        kind = _text(raw.get("associationType"))
        if kind != "isChildOf":
            other[kind or "(no type)"] += 1
            ends = (_node_id(raw.get("originNodeURI")), _node_id(raw.get("destinationNodeURI")))
            if any(end not in known for end in ends):
                outside[kind or "(no type)"] += 1
            continue
        origin = _node_id(raw.get("originNodeURI"))
        destination = _node_id(raw.get("destinationNodeURI"))
        if origin is None or destination is None:
            reader.skip(f"{where}: isChildOf without an origin or destination identifier; skipped")
            continue
        if origin not in items:
            reader.skip(f"{where}: isChildOf from {origin}, which is not an item here; skipped")
            continue
        if destination != doc_id and destination not in items:
            reader.skip(
                f"{where}: isChildOf from {origin} to {destination}, which is neither the "
                "document nor an item here; skipped"
            )
            continue
        if destination == origin:
            reader.skip(f"{where}: {origin} isChildOf itself; skipped")
            continue
        if origin in parents:
            reader.skip(f"{where}: {origin} already has a parent; this second isChildOf is skipped")
            continue
        parents[origin] = None if destination == doc_id else destination
        position = reader.integer(f"{where}.sequenceNumber", raw.get("sequenceNumber"))
        if position is not None:
            positions[origin] = position
    for kind in sorted(other):
        n = other[kind]
        away = f", {outside[kind]} of them linking outside this file," if outside[kind] else ""
        reader.skip(
            f"CFAssociations: {n} {kind!r} association{'s' if n != 1 else ''}{away} not imported "
            "(only isChildOf, which gives the hierarchy, is imported)"
        )
    _break_cycles(parents, reader)
    return parents, positions


def _break_cycles(parents: dict[str, str | None], reader: _Reader) -> None:
    for start in list(parents):
        seen = {start}
        node = parents.get(start)
        while node is not None:
            if node in seen:
                reader.skip(
                    f"CFAssociations: isChildOf from {start} makes a cycle; {start} is "
                    "put at the top level"
                )
                parents[start] = None
                break
            seen.add(node)
            node = parents.get(node)


def _rubrics(
    raw_rubrics: list[Any], items: Mapping[str, ImportedItem], reader: _Reader
) -> list[ImportedRubric]:
    reader.unknown_fields("CFRubrics", raw_rubrics, RUBRIC_FIELDS)
    rubrics = []
    for r, raw in enumerate(raw_rubrics):
        where = f"CFRubrics[{r}]"
        ident = _text(raw.get("identifier")) if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or ident is None:
            reader.skip(f"{where}: not an object with an identifier; rubric skipped")
            continue
        raw_criteria = raw.get("CFRubricCriteria") or []
        if not isinstance(raw_criteria, list):
            reader.skip(f"{where}.CFRubricCriteria: not a list; ignored")
            raw_criteria = []
        reader.unknown_fields(f"{where}.CFRubricCriteria", raw_criteria, CRITERION_FIELDS)
        criteria = [
            criterion
            for c, raw_c in enumerate(raw_criteria)
            if (criterion := _criterion(f"{where}.CFRubricCriteria[{c}]", raw_c, items, reader))
        ]
        rubrics.append(
            ImportedRubric(
                identifier=ident,
                title=_text(raw.get("title")),
                description=_text(raw.get("description")),
                criteria=tuple(criteria),
            )
        )
    return rubrics


def _criterion(
    where: str, raw: Any, items: Mapping[str, ImportedItem], reader: _Reader
) -> ImportedCriterion | None:
    ident = _text(raw.get("identifier")) if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or ident is None:
        reader.skip(f"{where}: not an object with an identifier; criterion skipped")
        return None
    item = _node_id(raw.get("CFItemURI"))
    if item is not None and item not in items:
        reader.skip(f"{where}.CFItemURI: {item} is not an item here; the link is dropped")
        item = None
    raw_levels = raw.get("CFRubricCriterionLevels") or []
    if not isinstance(raw_levels, list):
        reader.skip(f"{where}.CFRubricCriterionLevels: not a list; ignored")
        raw_levels = []
    reader.unknown_fields(f"{where}.CFRubricCriterionLevels", raw_levels, LEVEL_FIELDS)
    levels = []
    for n, raw_level in enumerate(raw_levels):
        at = f"{where}.CFRubricCriterionLevels[{n}]"
        level_id = _text(raw_level.get("identifier")) if isinstance(raw_level, dict) else None
        if not isinstance(raw_level, dict) or level_id is None:
            reader.skip(f"{at}: not an object with an identifier; level skipped")
            continue
        levels.append(
            ImportedLevel(
                identifier=level_id,
                score=reader.number(f"{at}.score", raw_level.get("score")),
                quality=_text(raw_level.get("quality")),
                description=_text(raw_level.get("description")),
                position=reader.integer(f"{at}.position", raw_level.get("position")),
            )
        )
    return ImportedCriterion(
        identifier=ident,
        item=item,
        description=_text(raw.get("description")),
        position=reader.integer(f"{where}.position", raw.get("position")),
        levels=tuple(levels),
    )


def _definitions(definitions: Any, document: Mapping[str, Any], reader: _Reader) -> str | None:
    """The document's licence text. Item types need no definition: each item names its type."""
    if definitions is None:
        definitions = {}
    if not isinstance(definitions, dict):
        reader.skip("CFDefinitions: not an object; ignored")
        definitions = {}
    licences = {
        ident: lic
        for lic in definitions.get("CFLicenses") or []
        if isinstance(lic, dict) and (ident := _text(lic.get("identifier")))
    }
    wanted = _node_id(document.get("licenseURI"))
    licence = None
    if wanted is not None:
        if wanted in licences:
            found = licences[wanted]
            licence = _text(found.get("licenseText")) or _text(found.get("title"))
        else:
            licence = _link_title(document.get("licenseURI"))
            reader.skip(
                f"CFDocument.licenseURI: licence {wanted} is not in CFDefinitions.CFLicenses; "
                "only its title is kept"
            )
    unused = [ident for ident in licences if ident != wanted]
    if unused:
        reader.skip(
            f"CFDefinitions.CFLicenses: {len(unused)} licence(s) not used by the CFDocument "
            "not imported"
        )
    for key, value in sorted(definitions.items()):
        if key in ("CFLicenses", "CFItemTypes") or (isinstance(value, list) and not value):
            continue
        count = f"{len(value)} " if isinstance(value, list) else ""
        reader.skip(f"CFDefinitions.{key}: {count}definition(s) not imported")
    return licence


# -- storage ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def imported_to_dict(imported: ImportedFramework) -> dict[str, Any]:
    """The imported framework as plain JSON data; :func:`imported_from_dict` reads it back."""
    out: dict[str, Any] = _plain(imported)
    return out


def imported_from_dict(data: Mapping[str, Any]) -> ImportedFramework:
    """Rebuild what :func:`imported_to_dict` stored."""
    return ImportedFramework(
        source=data["source"],
        id=data["id"],
        title=data["title"],
        version=data["version"],
        creator=data["creator"],
        description=data["description"],
        notes=data["notes"],
        licence=data["licence"],
        items=tuple(ImportedItem(**item) for item in data["items"]),
        rubrics=tuple(
            ImportedRubric(
                identifier=r["identifier"],
                title=r["title"],
                description=r["description"],
                criteria=tuple(
                    ImportedCriterion(
                        identifier=c["identifier"],
                        item=c["item"],
                        description=c["description"],
                        position=c["position"],
                        levels=tuple(ImportedLevel(**lv) for lv in c["levels"]),
                    )
                    for c in r["criteria"]
                ),
            )
            for r in data["rubrics"]
        ),
        skipped=tuple(data["skipped"]),
        extensions=dict(data["extensions"]),
    )


# -- an imported framework, assessable -------------------------------------------------------

SCALE: tuple[tuple[str, str], ...] = (
    ("Not yet", "Not shown yet."),
    ("Aware", "Knows what it is and why it matters."),
    ("Practised", "Has done it with guidance."),
    ("Competent", "Does it well on their own."),
    ("Proficient", "Does it in demanding situations and guides others."),
    ("Expert", "Is a recognised authority on it."),
)
"""The levels of an imported framework without a usable rubric: the product's 0-5 scale, with
descriptors of its own."""
NAME_LENGTH = 80


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= NAME_LENGTH:
        return text
    return text[: NAME_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _in_order(imported: ImportedFramework) -> list[ImportedItem]:
    """Every item, depth first in the hierarchy's order (an item whose parent is not an item
    comes at the top level)."""
    known = {i.identifier for i in imported.items}
    out: list[ImportedItem] = []
    seen: set[str] = set()

    def walk(parent: str | None) -> None:
        kids = [
            i
            for i in imported.items
            if (i.parent if i.parent in known else None) == parent and i.identifier not in seen
        ]
        for item in sorted(kids, key=lambda i: (i.position is None, i.position or 0)):
            seen.add(item.identifier)
            out.append(item)
            walk(item.identifier)

    walk(None)
    out.extend(i for i in imported.items if i.identifier not in seen)  # in a cycle: at the end
    return out


def rubric_levels(imported: ImportedFramework) -> tuple[Level, ...] | None:
    """The scale of the framework's first rubric, when its levels are whole-number scores from
    0 to 5, each once (level 0 is added when the rubric starts higher); else None."""
    if not imported.rubrics:
        return None
    levels = imported.rubrics[0].levels
    scores = [lv.score for lv in levels]
    if (
        not levels
        or any(s is None or s != int(s) or not MIN_LEVEL <= s <= MAX_LEVEL for s in scores)
        or len(set(scores)) != len(scores)
    ):
        return None
    out = [
        Level(
            int(lv.score or 0),
            lv.quality or f"Level {int(lv.score or 0)}",
            "",
            lv.description or lv.quality or "",
        )
        for lv in levels
    ]
    if out[0].level != MIN_LEVEL:
        out.insert(0, Level(MIN_LEVEL, SCALE[0][0], "", SCALE[0][1], from_source=False))
    return tuple(out)


def assessable(imported: ImportedFramework) -> Framework:
    """An imported framework as one to assess against: every item a competence, numbered from 1
    depth first, rated on a single axis (application) on the levels of its rubric, or on the
    product's 0-5 scale when it has no usable rubric. An item is also found by its CASE
    identifier and its code."""
    levels = rubric_levels(imported) or tuple(
        Level(n, name, "", says, from_source=False) for n, (name, says) in enumerate(SCALE)
    )
    competences = []
    slugs: set[str] = set()
    for number, item in enumerate(_in_order(imported), start=1):
        name = _short(item.name or item.statement)
        if item.code and not name.startswith(item.code):
            name = f"{item.code} {name}"
        slug = slugify(name) or f"item-{number}"
        if slug in slugs:
            slug = f"{slug}-{number}"
        slugs.add(slug)
        aliases = tuple(a for a in (item.identifier, item.code) if a)
        competences.append(Competence(number, slug, name, item.statement, aliases))
    owner = imported.creator or "its publisher"
    return Framework(
        id=imported.id,
        title=imported.title,
        version=imported.version or "",
        attribution=Attribution(
            source=f"{imported.title}, a CASE framework by {owner}",
            owner=owner,
            notice=imported.licence
            or "Imported from a CASE package: its licence is its publisher's.",
        ),
        levels=levels,
        competences=tuple(competences),
        axes=("application",),
    )
