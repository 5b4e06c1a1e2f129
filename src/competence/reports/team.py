"""The team report: an XLSX workbook (heatmaps, coverage, gaps) and a one-page PDF summary,
both fed by the team summary's plain data. Every cell of the workbook is written through
:func:`~competence.formats.tables.escape_cell`: a name is text, never a formula."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from competence.formats.tables import escape_cell

HEAD = PatternFill("solid", fgColor="1F3B57")
WHITE_BOLD = Font(bold=True, color="FFFFFF")
FILLS = {
    "above": PatternFill("solid", fgColor="3F9C5A", bgColor="3F9C5A"),
    "at": PatternFill("solid", fgColor="7CC48F", bgColor="7CC48F"),
    "short1": PatternFill("solid", fgColor="F2C46D", bgColor="F2C46D"),
    "short2": PatternFill("solid", fgColor="E8826F", bgColor="E8826F"),
    "na": PatternFill("solid", fgColor="ECEFF1", bgColor="ECEFF1"),
}


def _header(ws: Any, names: list[str]) -> None:
    for i, name in enumerate(names, start=1):
        cell = ws.cell(1, i, escape_cell(name))
        cell.font, cell.fill = WHITE_BOLD, HEAD
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[1].height = 30


def write_xlsx(
    summary: dict[str, Any],
    out: str | Path | IO[bytes],
    calibration: dict[str, Any] | None = None,
    trends: dict[str, Any] | None = None,
) -> None:
    """A heatmap per axis of the people's framework (knowledge and application for APM's; people
    by competences, each row coloured against that person's own profile, in the version they
    are judged against), coverage per competence (APM's framework), every gap, one a row, each
    row's targets (the sheets the colours read), and, given the calibration figures
    (:func:`competence.services.calibration.figures`), a Calibration sheet, and given the
    trends (:func:`competence.services.trends.figures`), a Trends sheet."""
    framework = summary["framework"]
    competences = framework["competences"]
    axes = framework["axes"]
    people = summary["people"]
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    last_col = get_column_letter(3 + len(competences))
    bottom = max(2, len(people) + 1)
    for axis in axes:
        ws = book.create_sheet(axis.capitalize())
        _header(ws, ["Person", "Team", "Context", *[str(c["number"]) for c in competences]])
        for r, p in enumerate(people, start=2):
            ws.cell(r, 1, escape_cell(p["name"]))
            ws.cell(r, 2, escape_cell(p["team"] or ""))
            ws.cell(r, 3, escape_cell(p["context"]))
            for j, c in enumerate(competences, start=4):
                value = (p["ratings"].get(str(c["number"])) or {}).get(axis)
                if value is not None:
                    ws.cell(r, j, escape_cell(value))
        # Each cell against the same cell of the targets sheet: that row's own target, empty
        # where the competence does not apply to them. Each column gets its own rules.
        sheet = f"'{_targets_sheet(axis)}'"
        for j, _ in enumerate(competences, start=4):
            col = get_column_letter(j)
            cell, t = f"{col}2", f"{sheet}!{col}2"
            ws.conditional_formatting.add(
                f"{col}2:{col}{bottom}",
                FormulaRule(  # type: ignore[no-untyped-call]
                    formula=[f'{t}=""'], fill=FILLS["na"], stopIfTrue=True
                ),
            )
            for rule, fill in (
                (f'AND({cell}<>"",{cell}>{t})', "above"),
                (f'AND({cell}<>"",{cell}={t})', "at"),
                (f'AND({cell}<>"",{cell}={t}-1)', "short1"),
                (f'AND({cell}<>"",{cell}<{t}-1)', "short2"),
            ):
                ws.conditional_formatting.add(
                    f"{col}2:{col}{bottom}",
                    FormulaRule(formula=[rule], fill=FILLS[fill]),  # type: ignore[no-untyped-call]
                )
        ws.freeze_panes = "D2"
        ws.auto_filter.ref = f"A1:{last_col}{len(people) + 1}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_title_rows = "1:1"
        ws.column_dimensions["A"].width = 26
        ws.column_dimensions["B"].width = 28
        for j in range(4, 4 + len(competences)):
            ws.column_dimensions[get_column_letter(j)].width = 5
    if framework["apm"]:
        _write_coverage(book.create_sheet("Coverage"), summary)
    names = {c["number"]: c["name"] for c in competences}
    gaps = _gap_sheets(book)
    ws, row = next(gaps)
    for p in people:
        for c in competences:
            target = p["targets"].get(str(c["number"]))
            if not target:
                continue
            rating = p["ratings"].get(str(c["number"])) or {}
            for axis in axes:
                actual = rating.get(axis)
                short = target[axis] - (actual or 0)
                if short > 0:
                    if row > SHEET_ROWS:  # Excel's limit: the gaps go on in another sheet
                        _finish_gaps(ws, row)
                        ws, row = next(gaps)
                    values = [
                        p["name"],
                        c["number"],
                        names[c["number"]],
                        axis,
                        "" if actual is None else actual,
                        target[axis],
                        short,
                    ]
                    for j, v in enumerate(values, start=1):
                        ws.cell(row, j, escape_cell(v))
                    row += 1
    _finish_gaps(ws, row)
    for axis in axes:
        _write_targets(book.create_sheet(_targets_sheet(axis)), people, competences, axis)
    if calibration is not None:
        _write_calibration(book.create_sheet("Calibration"), calibration)
    if trends is not None:
        _write_trends(book.create_sheet("Trends"), trends)
    book.save(out)


def _write_trends(ws: Any, data: dict[str, Any]) -> None:
    """Per cycle, the people meeting each profile; who moved between the pair compared; then
    per cycle, competence and axis the shares, one a row (withheld cycles with their reason)."""
    _header(ws, ["Cycle", "With a result", "Meet PMO officer", "Meet PMO specialist", "Note"])
    row = 2
    for c in data["per_cycle"]:
        values = [c["cycle"], c["people"], c["meets_officer"], c["meets_specialist"]]
        for j, v in enumerate([*values, c["hidden_reason"]], start=1):
            ws.cell(row, j, escape_cell("" if v is None else v))
        row += 1
    movers = data["movers"]
    if movers is not None:
        row += 1
        for j, v in enumerate(["From", "To", "In both", "Up", "Down", "Mixed", "Note"], 1):
            ws.cell(row, j, v).font = Font(bold=True)
        values = [movers[k] for k in ("from", "to", "people", "up", "down", "mixed")]
        for j, v in enumerate([*values, movers["hidden_reason"]], start=1):
            ws.cell(row + 1, j, escape_cell("" if v is None else v))
        row += 3
    names = {c["number"]: c["name"] for c in data["competences"]}
    heading = ["Cycle", "No.", "Competence", "Axis", "Applies to", "Meet officer target",
               "At specialist level", "Share meeting officer", "Share at specialist"]  # fmt: skip
    for j, v in enumerate(heading, start=1):
        ws.cell(row, j, v).font = Font(bold=True)
    for c in data["per_cycle"]:
        for r in c["competences"]:
            row += 1
            values = [c["cycle"], r["number"], names.get(r["number"], ""), r["axis"],
                      r["applies_to"], r["meets_officer"], r["at_specialist"],
                      r["share_officer"], r["share_specialist"]]  # fmt: skip
            for j, v in enumerate(values, start=1):
                ws.cell(row, j, escape_cell("" if v is None else v))
    ws.cell(row + 2, 1, escape_cell(data["notice"] or f"{data['label']}."))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["C"].width = 36


def _write_calibration(ws: Any, data: dict[str, Any]) -> None:
    """Per competence and axis, then per assessor (when the figures have them): the figures as
    the calibration page shows them, hidden ones with their reason."""
    _header(
        ws,
        [
            "No.",
            "Competence",
            "Axis",
            "n",
            "Mean self − agreed",
            "In words",
            "Kappa",
            "Kappa, 95 % CI",
        ],
    )
    row = 2
    for r in data["competences"]:
        interval = (
            "" if r["kappa_low"] is None else f"{r['kappa_low']:.2f} to {r['kappa_high']:.2f}"
        )
        values = [
            r["number"],
            r["name"],
            r["axis"],
            r["n"],
            "" if r["mean_difference"] is None else r["mean_difference"],
            r["hidden_reason"] or r["mean_difference_text"],
            "" if r["hidden"] else (r["kappa"] if r["kappa"] is not None else r["kappa_text"]),
            interval,
        ]
        for j, v in enumerate(values, start=1):
            ws.cell(row, j, escape_cell(v))
        row += 1
    notes = [f"Cycle: {data['cycle'] or 'none has results'}", data["notice"]]
    if data["assessors"] is not None:
        row += 1
        for j, name in enumerate(
            ["Assessor", "People", "Mean agreed − self", "Against the team"], start=1
        ):
            ws.cell(row, j, escape_cell(name)).font = Font(bold=True)
        for a in data["assessors"]["assessors"]:
            row += 1
            values = [a["assessor"], a["people"], a["mean_agreed_minus_self"], a["text"]]
            for j, v in enumerate(values, start=1):
                ws.cell(row, j, escape_cell(v))
        notes.append(
            f"Assessors of at least {data['min_group']} people only; "
            f"{data['assessors']['left_out']} left out."
        )
    row += 1
    for note in filter(None, notes):
        row += 1
        ws.cell(row, 1, escape_cell(note))
    ws.freeze_panes = "A2"
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["F"].width = 60


SHEET_ROWS = 1_048_576
"""The most rows a sheet holds in Excel (and in openpyxl)."""


def _gap_sheets(book: Any) -> Iterator[tuple[Any, int]]:
    """The Gaps sheet, then "Gaps 2", "Gaps 3" and so on, each with its header, and the first
    row to write in it: a team of 100,000 people has more gaps than one sheet holds."""
    for n in count(1):
        ws = book.create_sheet("Gaps" if n == 1 else f"Gaps {n}")
        _header(ws, ["Person", "No.", "Competence", "Axis", "Rating", "Target", "Short by"])
        yield ws, 2


def _finish_gaps(ws: Any, row: int) -> None:
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:G{max(row - 1, 1)}"
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["C"].width = 40


def _write_coverage(ws: Any, summary: dict[str, Any]) -> None:
    """Coverage per competence against APM's officer and specialist targets."""
    _header(
        ws,
        [
            "No.",
            "Competence",
            "Applies to",
            "Rated",
            "Meet officer target",
            "At specialist level",
            "Exposure",
        ],
    )
    for r, c in enumerate(summary["coverage"], start=2):
        for j, key in enumerate(
            ("number", "name", "applies_to", "rated", "meets_officer", "at_specialist"), start=1
        ):
            ws.cell(r, j, escape_cell(c[key]))
        ws.cell(r, 7, escape_cell(c["exposure"]))
        if c["exposed"]:
            ws.cell(r, 5).fill = FILLS["short2"]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:G{len(summary['coverage']) + 1}"
    ws.column_dimensions["G"].width = 30
    ws.column_dimensions["B"].width = 44


def _targets_sheet(axis: str) -> str:
    return f"{axis.capitalize()} targets"


def _write_targets(ws: Any, people: list[dict[str, Any]], competences: Any, axis: str) -> None:
    """Each person's target per competence on one axis, from the profile version they are
    judged against (named in column C); empty where the competence does not apply."""
    _header(ws, ["Person", "Context", "Judged against", *[str(c["number"]) for c in competences]])
    for r, p in enumerate(people, start=2):
        ws.cell(r, 1, escape_cell(p["name"]))
        ws.cell(r, 2, escape_cell(p["context"]))
        ws.cell(r, 3, escape_cell(p["judged_against"]["label"]))
        for j, c in enumerate(competences, start=4):
            target = p["targets"].get(str(c["number"]))
            if target is not None:
                ws.cell(r, j, escape_cell(target[axis]))
    ws.freeze_panes = "D2"
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["C"].width = 24
    for j in range(4, 4 + len(competences)):
        ws.column_dimensions[get_column_letter(j)].width = 5


def render_summary_html(
    summary: dict[str, Any],
    title: str | None,
    calibration: dict[str, Any] | None = None,
    trends: dict[str, Any] | None = None,
) -> str:
    """The PDF summary; ``title`` says whom it covers (the filters), "Everyone" by default;
    with the calibration figures, a Calibration section; with the trends, a section on
    capability over time."""
    return render_to_string(
        "reports/team.html",
        {
            "s": summary,
            "team": title or "Everyone",
            "made_on": timezone.localdate().isoformat(),
            "own": sum(p["meets_own"] for p in summary["people"]),
            "officers": sum(p["meets_officer"] for p in summary["people"]),
            "specialists": sum(p["meets_specialist"] for p in summary["people"]),
            "exposed": [c for c in summary["coverage"] if c["exposed"]],
            "attribution": summary["framework"]["attribution"],
            "calibration": calibration,
            "trends": trends,
        },
    )
