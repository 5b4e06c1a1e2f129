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
from openpyxl.cell import WriteOnlyCell
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
    """The sheet's first row, styled. The workbook is written row by row (openpyxl's write-only
    mode: constant memory whatever the team's size), so a sheet's widths, frozen panes and page
    set-up are given before its header, and its rows follow in order."""
    ws.row_dimensions[1].height = 30
    ws.append(
        [_styled(ws, name, font=WHITE_BOLD, fill=HEAD, alignment=HEAD_ALIGN) for name in names]
    )


HEAD_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
BOLD = Font(bold=True)


def _styled(ws: Any, value: Any, **style: Any) -> Any:
    """One escaped cell with a style (``font``, ``fill``, ``alignment``)."""
    cell = WriteOnlyCell(ws, escape_cell(value))
    for name, given in style.items():
        setattr(cell, name, given)
    return cell


def _people_sheet(ws: Any, competences: Any, first: list[str], wide: tuple[str, int]) -> list[str]:
    """A sheet of one person a row, a column per competence: the widths, then the header (three
    columns ``first``, the competences' numbers); returns the competences' keys in order."""
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions[wide[0]].width = wide[1]
    keys = [str(c["number"]) for c in competences]
    for j in range(4, 4 + len(keys)):
        ws.column_dimensions[get_column_letter(j)].width = 5
    _header(ws, [*first, *keys])
    return keys


def _row(values: list[Any]) -> list[Any]:
    """A row of escaped cells (an empty cell for None)."""
    return [None if v is None else escape_cell(v) for v in values]


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
    book = Workbook(write_only=True)
    last_col = get_column_letter(3 + len(competences))
    bottom = max(2, len(people) + 1)
    for axis in axes:
        ws = book.create_sheet(axis.capitalize())
        ws.freeze_panes = "D2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_title_rows = "1:1"
        keys = _people_sheet(ws, competences, ["Person", "Team", "Context"], ("B", 28))
        for p in people:
            ratings = p["ratings"]
            ws.append(
                _row(
                    [p["name"], p["team"] or "", p["context"]]
                    + [(ratings.get(k) or {}).get(axis) for k in keys]
                )
            )
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
        ws.auto_filter.ref = f"A1:{last_col}{len(people) + 1}"
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
                    ws.append(
                        _row(
                            [
                                p["name"],
                                c["number"],
                                names[c["number"]],
                                axis,
                                "" if actual is None else actual,
                                target[axis],
                                short,
                            ]
                        )
                    )
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
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["C"].width = 36
    _header(ws, ["Cycle", "With a result", "Meet PMO officer", "Meet PMO specialist", "Note"])
    for c in data["per_cycle"]:
        values = [c["cycle"], c["people"], c["meets_officer"], c["meets_specialist"]]
        ws.append(_row(["" if v is None else v for v in [*values, c["hidden_reason"]]]))
    movers = data["movers"]
    ws.append([])
    if movers is not None:
        heads = ["From", "To", "In both", "Up", "Down", "Mixed", "Note"]
        ws.append([_styled(ws, v, font=BOLD) for v in heads])
        values = [movers[k] for k in ("from", "to", "people", "up", "down", "mixed")]
        ws.append(_row(["" if v is None else v for v in [*values, movers["hidden_reason"]]]))
        ws.append([])
    names = {c["number"]: c["name"] for c in data["competences"]}
    heading = ["Cycle", "No.", "Competence", "Axis", "Applies to", "Meet officer target",
               "At specialist level", "Share meeting officer", "Share at specialist"]  # fmt: skip
    ws.append([_styled(ws, v, font=BOLD) for v in heading])
    for c in data["per_cycle"]:
        for r in c["competences"]:
            values = [c["cycle"], r["number"], names.get(r["number"], ""), r["axis"],
                      r["applies_to"], r["meets_officer"], r["at_specialist"],
                      r["share_officer"], r["share_specialist"]]  # fmt: skip
            ws.append(_row(["" if v is None else v for v in values]))
    ws.append([])
    ws.append(_row([data["notice"] or f"{data['label']}."]))


def _write_calibration(ws: Any, data: dict[str, Any]) -> None:
    """Per competence and axis, then per assessor (when the figures have them): the figures as
    the calibration page shows them, hidden ones with their reason."""
    ws.freeze_panes = "A2"
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["F"].width = 60
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
        ws.append(_row(values))
    notes = [f"Cycle: {data['cycle'] or 'none has results'}", data["notice"]]
    if data["assessors"] is not None:
        ws.append([])
        heads = ["Assessor", "People", "Mean agreed − self", "Against the team"]
        ws.append([_styled(ws, name, font=BOLD) for name in heads])
        for a in data["assessors"]["assessors"]:
            ws.append(_row([a["assessor"], a["people"], a["mean_agreed_minus_self"], a["text"]]))
        notes.append(
            f"Assessors of at least {data['min_group']} people only; "
            f"{data['assessors']['left_out']} left out."
        )
    ws.append([])
    for note in filter(None, notes):
        ws.append(_row([note]))


SHEET_ROWS = 1_048_576
"""The most rows a sheet holds in Excel (and in openpyxl)."""


def _gap_sheets(book: Any) -> Iterator[tuple[Any, int]]:
    """The Gaps sheet, then "Gaps 2", "Gaps 3" and so on, each with its header, and the first
    row to write in it: a team of 100,000 people has more gaps than one sheet holds."""
    for n in count(1):
        ws = book.create_sheet("Gaps" if n == 1 else f"Gaps {n}")
        ws.freeze_panes = "A2"
        ws.column_dimensions["A"].width = 26
        ws.column_dimensions["C"].width = 40
        _header(ws, ["Person", "No.", "Competence", "Axis", "Rating", "Target", "Short by"])
        yield ws, 2


def _finish_gaps(ws: Any, row: int) -> None:
    ws.auto_filter.ref = f"A1:G{max(row - 1, 1)}"


def _write_coverage(ws: Any, summary: dict[str, Any]) -> None:
    """Coverage per competence against APM's officer and specialist targets."""
    ws.freeze_panes = "A2"
    ws.column_dimensions["G"].width = 30
    ws.column_dimensions["B"].width = 44
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
    for c in summary["coverage"]:
        row = _row([c[key] for key in ("number", "name", "applies_to", "rated")])
        meets = _styled(ws, c["meets_officer"], fill=FILLS["short2"]) if c["exposed"] else None
        row.append(meets or escape_cell(c["meets_officer"]))
        row += _row([c["at_specialist"], c["exposure"]])
        ws.append(row)
    ws.auto_filter.ref = f"A1:G{len(summary['coverage']) + 1}"


def _targets_sheet(axis: str) -> str:
    return f"{axis.capitalize()} targets"


def _write_targets(ws: Any, people: list[dict[str, Any]], competences: Any, axis: str) -> None:
    """Each person's target per competence on one axis, from the profile version they are
    judged against (named in column C); empty where the competence does not apply."""
    ws.freeze_panes = "D2"
    keys = _people_sheet(ws, competences, ["Person", "Context", "Judged against"], ("C", 24))
    for p in people:
        targets = p["targets"]
        ws.append(
            _row(
                [p["name"], p["context"], p["judged_against"]["label"]]
                + [None if targets.get(k) is None else targets[k][axis] for k in keys]
            )
        )


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
