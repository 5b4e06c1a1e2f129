"""Moodle's competency framework CSV, as written and read by Moodle's ``tool_lpimportcsv``.

The file has Moodle's 14 columns in Moodle's order (the importer reads them by position; the
header row carries the English labels Moodle's own export writes). The first row is the framework
(``Is framework`` = 1) with the rating scale and its configuration; then each competence is a
competency with a child competency per axis of the framework (knowledge and application for
APM's, so that the two axes are rated separately, as the domain rules ask; application alone for
a framework with a single axis). Every field is written through
:func:`~competence.formats.tables.escape_cell`, as in every file the product writes (no field of
the APM framework starts with a formula character, so none changes).
"""

from __future__ import annotations

import csv
import html
import json
from typing import TextIO

from competence.domain.framework import CONTEXTS, Catalogue, Competence, Framework
from competence.formats.tables import escape_cell

FIELDS: tuple[str, ...] = (
    "parentidnumber",
    "idnumber",
    "shortname",
    "description",
    "descriptionformat",
    "scalevalues",
    "scaleconfiguration",
    "ruletype",
    "ruleoutcome",
    "ruleconfig",
    "relatedidnumbers",
    "exportid",
    "isframework",
    "taxonomy",
)
"""Moodle's names for the columns (``framework_importer::list_required_headers``), in order."""

HEADER: tuple[str, ...] = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)
"""The header row, as Moodle's export writes it (the English strings of ``tool_lpimportcsv``)."""

FORMAT_HTML = 1
"""Moodle's ``FORMAT_HTML``: descriptions are escaped text in ``<p>`` and ``<ul>``."""
PROFICIENT_FROM = 3
"""The lowest level Moodle counts as proficient, and the level it gives by default: Competent."""
TAXONOMY = "competency,competency"
SUFFIX = {"knowledge": "K", "application": "A"}


def idnumber(framework: Framework, number: int | None = None, axis: str | None = None) -> str:
    """``APM-PMO`` for the framework, ``APM-PMO-01`` for a competence, ``APM-PMO-01-K`` for its
    knowledge and ``APM-PMO-01-A`` for its application."""
    parts = [framework.id.upper()]
    if number is not None:
        parts.append(f"{number:02d}")
    if axis is not None:
        parts.append(SUFFIX[axis])
    return "-".join(parts)


def scale_values(framework: Framework) -> str:
    """The scale as Moodle writes it: the level names, lowest first, joined by commas."""
    return ",".join(lv.name for lv in framework.levels)


def scale_configuration(framework: Framework, proficient_from: int = PROFICIENT_FROM) -> str:
    """Moodle's scale configuration: a placeholder scale id (the importer finds or makes the
    scale), then each proficient scale item by its 1-based position; the first is the default."""
    config: list[dict[str, object]] = [{"scaleid": "0"}]
    for position, lv in enumerate(framework.levels, start=1):
        if lv.level >= proficient_from:
            config.append(
                {
                    "id": position,
                    "scaledefault": 1 if lv.level == proficient_from else 0,
                    "proficient": 1,
                }
            )
    return json.dumps(config, separators=(",", ":"))


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs if text)


def _contexts(contexts: frozenset[str]) -> str:
    if set(CONTEXTS) <= contexts:
        return "all PMO contexts"
    return " and ".join(c for c in CONTEXTS if c in contexts) + " only"


def _targets(catalogue: Catalogue, number: int, axis: str | None) -> str:
    parts = []
    for profile in catalogue.profiles.values():
        req = profile.requirement(number)
        if req is None:
            continue
        fw = catalogue.framework
        if axis is None:
            target = ", ".join(f"{a} {v}" for a, v in req.target.as_dict().items())
        else:
            level = fw.level(req.target.level(axis))
            target = f"{level.level} {level.name}"
        parts.append(f"{profile.name}: {target} ({_contexts(req.contexts)})")
    if not parts:
        return ""
    return "Role profile targets: " + "; ".join(parts) + "."


def _framework_row(catalogue: Catalogue, proficient_from: int) -> list[str]:
    fw = catalogue.framework
    a = fw.attribution
    proficient = fw.level(proficient_from)
    children = (
        "two child competencies, knowledge and application,"
        if len(fw.axes) == 2
        else f"one child competency, {fw.axes[0]},"
    )
    description = _p(
        f"{a.source}. Version {fw.version}." if fw.version else f"{a.source}.",
        a.notice,
        f"Each competence has {children} rated on the "
        f"scale {', '.join(f'{lv.level} {lv.name}' for lv in fw.levels)}. Moodle counts "
        f"{proficient.level} {proficient.name} and above as proficient.",
    )
    return [
        "",
        idnumber(fw),
        fw.title[:100],
        description,
        str(FORMAT_HTML),
        scale_values(fw),
        scale_configuration(fw, proficient_from),
        "",
        "",
        "",
        "",
        "",
        "1",
        TAXONOMY,
    ]


def _competency_row(parent: str, ident: str, shortname: str, description: str) -> list[str]:
    # As Moodle's export writes a competency without a rule: rule outcome 0, rule config "null".
    return [parent, ident, shortname, description, str(FORMAT_HTML), "", "", "", "0", "null"] + [
        ""
    ] * 4


def _axis_description(catalogue: Catalogue, c: Competence, axis: str) -> str:
    fw = catalogue.framework
    levels = "".join(
        f"<li>{lv.level} {html.escape(lv.name)}: "
        f"{html.escape(lv.knowledge if axis == 'knowledge' else lv.application)}</li>"
        for lv in fw.levels
    )
    return (
        _p(f"{axis.capitalize()} of the competence {c.name}: {c.definition}")
        + f"<ul>{levels}</ul>"
        + _p(_targets(catalogue, c.number, axis))
    )


def export_moodle(
    catalogue: Catalogue, out: TextIO, *, proficient_from: int = PROFICIENT_FROM
) -> int:
    """Write the framework as Moodle competency framework CSV; return the rows written after the
    header (1 framework row, and per competence 1 row and 1 per axis). Open ``out`` with
    ``newline=""``."""
    fw = catalogue.framework
    if proficient_from not in {lv.level for lv in fw.levels}:
        raise ValueError(f"proficient_from must be a level of the scale, not {proficient_from}")
    writer = csv.writer(out)
    writer.writerow(escape_cell(label) for label in HEADER)
    rows = [_framework_row(catalogue, proficient_from)]
    for c in fw.competences:
        parent = idnumber(fw, c.number)
        rows.append(
            _competency_row(
                "",
                parent,
                c.name[:100],
                _p(c.definition, _targets(catalogue, c.number, None)),
            )
        )
        for axis in fw.axes:
            rows.append(
                _competency_row(
                    parent,
                    idnumber(fw, c.number, axis),
                    axis.capitalize(),
                    _axis_description(catalogue, c, axis),
                )
            )
    writer.writerows([escape_cell(field) for field in row] for row in rows)
    return len(rows)
