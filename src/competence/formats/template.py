"""The self-assessment workbook a person fills in (CONTRACT.md "XLSX template").

Every cell is written through :func:`~competence.formats.tables.escape_cell`, as in every other
file the product writes; the readers undo it.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

from competence.domain.evidence import CONFIDENCE_WORDS, MAX_LINKS
from competence.domain.framework import Catalogue, check_context
from competence.formats.ratings import ALL_CONTEXTS, APPLIES_IN, TEMPLATE_HEADER
from competence.formats.tables import TEMPLATE_SHEET, escape_cell

HEADER_ROW = 7
WIDTHS = {
    "Number": 9,
    "Competence": 30,
    "Definition": 60,
    "Knowledge": 12,
    "Application": 12,
    "Evidence": 45,
    "Confidence": 14,
    "Evidence links": 40,
    "Target knowledge": 11,
    "Target application": 12,
    APPLIES_IN: 28,
}
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="1F3B57")
INPUT_FILL = PatternFill("solid", fgColor="FFF6D5")
SHORT_FILL = PatternFill("solid", fgColor="F8CBAD")
UNLOCKED = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRED = Alignment(horizontal="center", vertical="top")
TEXT_COLUMNS = ("Competence", "Definition", "Evidence", "Evidence links", APPLIES_IN)
EXTRA_INPUTS = ("Evidence", "Confidence", "Evidence links")
"""The input columns beside the framework's own axes."""


def write_template(
    catalogue: Catalogue, profile_id: str, context: str | None, out: str | Path
) -> int:
    """Write the workbook; return the number of competence rows."""
    check_context(context)
    profile = catalogue.profile(profile_id)
    framework = catalogue.framework
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = TEMPLATE_SHEET

    header = list(TEMPLATE_HEADER) + ([] if context else [APPLIES_IN])
    last_col = get_column_letter(len(header))
    ws["A1"] = escape_cell(f"Self-assessment: {profile.name}")
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last_col}1")
    info = [
        ("Profile", profile.id, profile.name),
        ("Context", context or ALL_CONTEXTS, "PMO context: project, programme or portfolio"),
        ("Person", None, "Your email (or employee id)"),
    ]
    for offset, (label, value, note) in enumerate(info, start=2):
        ws.cell(offset, 1, escape_cell(label)).font = BOLD
        cell = ws.cell(offset, 2, escape_cell(value))
        ws.cell(offset, 3, escape_cell(note)).font = Font(italic=True, color="555555")
        if label == "Person":
            cell.protection = UNLOCKED
            cell.fill = INPUT_FILL
    low, top = framework.levels[0], framework.levels[-1]
    rated = {axis.capitalize() for axis in framework.axes}
    notes = {
        5: f"Source: {framework.attribution.source}. {framework.attribution.notice}",
        6: (
            f"Rate yourself from {low.level} ({low.name}) to {top.level} ({top.name}), "
            + (
                "separately for knowledge and for application"
                if len(framework.axes) == 2
                else f"on {framework.axes[0]} alone (this framework has one axis)"
            )
            + "; the Levels sheet says what each level means. Leave a "
            "cell empty if you have not rated it yet. A rating below the target turns orange. "
            f"Confidence (optional): {', '.join(CONFIDENCE_WORDS)}. Evidence links (optional): "
            f"up to {MAX_LINKS} http or https links, separated by spaces."
        ),
    }
    for r, text in notes.items():
        ws.cell(r, 1, escape_cell(text)).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(f"A{r}:{last_col}{r}")
        ws.row_dimensions[r].height = 30 if r == 5 else 45

    col = {name: i for i, name in enumerate(header, start=1)}
    for name, i in col.items():
        cell = ws.cell(HEADER_ROW, i, escape_cell(name))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS[name]
    ws.row_dimensions[HEADER_ROW].height = 30

    levels = ", ".join(f"{lv.level} {lv.name}" for lv in framework.levels)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(str(lv.level) for lv in framework.levels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Rating",
        error=f"Choose a whole number from {low.level} to {top.level}.",
        showInputMessage=True,
        promptTitle="Level",
        prompt=levels,
    )
    ws.add_data_validation(validation)
    sure = DataValidation(
        type="list",
        formula1='"' + ",".join(CONFIDENCE_WORDS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Confidence",
        error=f"Choose one of: {', '.join(CONFIDENCE_WORDS)}, or leave it empty.",
        showInputMessage=True,
        promptTitle="How sure are you?",
        prompt=", ".join(CONFIDENCE_WORDS),
    )
    ws.add_data_validation(sure)

    row = HEADER_ROW
    for competence in framework.competences:
        requirement = profile.requirement(competence.number)
        if requirement is None or not requirement.applies_in(context):
            continue
        row += 1
        values: dict[str, str | int] = {
            "Number": competence.number,
            "Competence": competence.name,
            "Definition": requirement.definition or competence.definition,
            **{
                f"Target {axis}": requirement.target.level(axis) for axis in requirement.target.axes
            },
            APPLIES_IN: ", ".join(
                c for c in ("project", "programme", "portfolio") if c in requirement.contexts
            ),
        }
        lines = -(-len(str(values["Definition"])) // int(WIDTHS["Definition"] * 1.1))
        ws.row_dimensions[row].height = 15 * max(lines, 2)
        for name, i in col.items():
            cell = ws.cell(row, i, escape_cell(values.get(name)))
            cell.alignment = WRAP if name in TEXT_COLUMNS else CENTRED
            if name in rated or name in EXTRA_INPUTS:
                cell.protection = UNLOCKED
                cell.fill = INPUT_FILL
    first, last = HEADER_ROW + 1, row
    letter = get_column_letter(col["Confidence"])
    sure.add(f"{letter}{first}:{letter}{last}")
    for axis in sorted(rated, key=TEMPLATE_HEADER.index):
        letter = get_column_letter(col[axis])
        target = get_column_letter(col[f"Target {axis.lower()}"])
        validation.add(f"{letter}{first}:{letter}{last}")
        ws.conditional_formatting.add(
            f"{letter}{first}:{letter}{last}",
            FormulaRule(  # type: ignore[no-untyped-call]
                formula=[f'AND({letter}{first}<>"",{letter}{first}<{target}{first})'],
                fill=SHORT_FILL,
            ),
        )
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    levels_ws = book.create_sheet("Levels")
    for i, name in enumerate(("Level", "Name", "Knowledge", "Application", "Source"), start=1):
        cell = levels_ws.cell(1, i, escape_cell(name))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEAD_FILL
    for r, lv in enumerate(framework.levels, start=2):
        source = (
            framework.attribution.source
            if lv.from_source
            else (
                "Not in the role profile: our own wording for level 0"
                if len(framework.axes) == 2
                else "Not in the framework's source: the competence tool's scale"
            )
        )
        row_values: tuple[int | str, ...] = (
            lv.level,
            lv.name,
            lv.knowledge,
            lv.application,
            source,
        )
        for i, shown in enumerate(row_values, 1):
            levels_ws.cell(r, i, escape_cell(shown)).alignment = CENTRED if i == 1 else WRAP
        levels_ws.row_dimensions[r].height = 48
    for letter, width in zip("ABCDE", (7, 12, 50, 50, 40), strict=True):
        levels_ws.column_dimensions[letter].width = width
    levels_ws.protection.sheet = True
    levels_ws.page_setup.orientation = "landscape"
    levels_ws.page_setup.fitToWidth = 1
    levels_ws.page_setup.fitToHeight = 0
    levels_ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    book.save(out)
    return last - HEADER_ROW
