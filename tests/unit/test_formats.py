"""Reading ratings from CSV, JSON and XLSX, and rejecting bad files with every problem listed; the
formula escape of every spreadsheet and CSV file the product writes, and its undoing on import."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell

from competence.domain import Catalogue, Rating
from competence.errors import MAX_REPORTED, InputError
from competence.formats.exports import EXPORT_COLUMNS, write_csv, write_csv_cells, write_xlsx
from competence.formats.moodle import export_moodle
from competence.formats.ratings import TEMPLATE_HEADER as HEADER
from competence.formats.ratings import read_ratings
from competence.formats.tables import escape_cell, unescape_cell
from competence.formats.template import HEADER_ROW, write_template
from competence.reports.team import write_xlsx as write_team_xlsx


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def problems(path: Path, catalogue: Catalogue) -> list[str]:
    with pytest.raises(InputError) as info:
        read_ratings(path, catalogue.framework)
    return info.value.problems


# -- CSV -------------------------------------------------------------------------------------


def test_csv_accepts_number_slug_and_exact_name(tmp_path: Path, catalogue: Catalogue) -> None:
    path = write(
        tmp_path,
        "r.csv",
        "competence,knowledge,application,evidence\n"
        "1,4,3,ran the gates\nGOVERNANCE-ARRANGEMENTS,3,,\nRisk and issue management,,2,\n",
    )
    file = read_ratings(path, catalogue.framework)
    assert not file.several
    assert len(file.people) == 1
    assert file.people[0].person is None
    assert file.people[0].ratings == {
        1: Rating(4, 3, "ran the gates"),
        2: Rating(3, None),
        28: Rating(None, 2),
    }


def test_csv_with_bom_semicolons_and_untidy_headers(tmp_path: Path, catalogue: Catalogue) -> None:
    path = write(
        tmp_path, "r.csv", " Competence ;KNOWLEDGE; Application\r\n23;4;4\r\n", encoding="utf-8-sig"
    )
    assert read_ratings(path, catalogue.framework).people[0].ratings == {23: Rating(4, 4)}


def test_csv_person_column_gives_people_in_file_order(tmp_path: Path, catalogue: Catalogue) -> None:
    path = write(
        tmp_path,
        "team.csv",
        "person,competence,knowledge,application\ngrace,1,3,3\nada,1,4,4\ngrace,2,3,2\n",
    )
    file = read_ratings(path, catalogue.framework)
    assert file.several
    assert [p.person for p in file.people] == ["grace", "ada"]
    assert file.people[0].ratings == {1: Rating(3, 3), 2: Rating(3, 2)}


def test_every_bad_row_is_reported_with_line_field_and_reason(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = write(
        tmp_path,
        "ratings.csv",
        "competence,knowledge,application\n"
        "1,3,3\n2,3,3\n3,1,1\n4,2,2\n5,2,2\n7,6,1\n99,1,1\n1,2,2\n8,x,-1\n",
    )
    assert problems(path, catalogue) == [
        f'{path}, line 7: knowledge: must be a whole number from 0 to 5, got "6"',
        f'{path}, line 8: competence: unknown competence "99" '
        "(use a number 1-29, a slug or the exact name)",
        f"{path}, line 9: competence: Life cycles (1) appears twice (first at line 2)",
        f'{path}, line 10: knowledge: must be a whole number from 0 to 5, got "x"',
        f'{path}, line 10: application: must be a whole number from 0 to 5, got "-1"',
    ]


def test_the_same_competence_twice_for_one_person_names_the_person(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = write(
        tmp_path,
        "t.csv",
        "person,competence,knowledge,application\n"
        "ada,1,3,3\ngrace,1,3,3\nada,life-cycles,4,4\n,2,1,1\n",
    )
    assert problems(path, catalogue) == [
        f"{path}, line 4: competence: Life cycles (1) appears twice for ada (first at line 2)",
        f"{path}, line 5: person: is empty",
    ]


def test_report_stops_listing_after_a_hundred_problems(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    rows = "".join(f"1,{i % 3 + 6},1\n" for i in range(150))
    path = write(tmp_path, "many.csv", "competence,knowledge,application\n" + rows)
    with pytest.raises(InputError) as info:
        read_ratings(path, catalogue.framework)
    report = info.value.report().splitlines()
    assert len(report) == MAX_REPORTED + 1
    assert report[-1] == "... and 50 more problems"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "{path}: the file is empty"),
        ("blank.csv", b"  \n\n", "{path}: the file is empty"),
        (
            "cols.csv",
            b"competence,knowledge\n1,2\n",
            '{path}, line 1: missing column "application" (the header has: competence, knowledge; '
            "needed: competence, knowledge, application)",
        ),
        ("header.csv", b"competence,knowledge,application\n", "{path}: holds no ratings"),
        (
            "binary.csv",
            b"\x00\x01\x02PK",
            "{path}: not a text file (save it as CSV UTF-8, or use .xlsx or .json)",
        ),
        (
            "latin1.csv",
            "competence,knowledge,application\n1,3,3,café\n".encode("latin-1"),
            "{path}, line 2: not UTF-8 text; save it as CSV UTF-8 (or use .xlsx)",
        ),
    ],
)
def test_bad_files_get_one_clear_message(
    tmp_path: Path, catalogue: Catalogue, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert problems(path, catalogue) == [message.format(path=path)]


def test_missing_file_and_folder(tmp_path: Path, catalogue: Catalogue) -> None:
    assert problems(tmp_path / "nope.csv", catalogue) == [f"{tmp_path / 'nope.csv'}: no such file"]
    assert problems(tmp_path, catalogue) == [f"{tmp_path}: is a folder, not a file"]


# -- JSON ------------------------------------------------------------------------------------


def test_json_one_person(tmp_path: Path, catalogue: Catalogue) -> None:
    doc = {
        "person": "ada@example.org",
        "ratings": [
            {"competence": 1, "knowledge": 3, "application": 2, "evidence": "gates"},
            {"competence": "governance-arrangements", "knowledge": 2},
            {"competence": 3, "knowledge": None, "application": 1},
        ],
    }
    path = write(tmp_path, "ada.json", json.dumps(doc))
    file = read_ratings(path, catalogue.framework)
    assert not file.several
    assert file.people[0].person == "ada@example.org"
    assert file.people[0].ratings == {
        1: Rating(3, 2, "gates"),
        2: Rating(2, None),
        3: Rating(None, 1),
    }


def test_json_several_people_and_every_problem(tmp_path: Path, catalogue: Catalogue) -> None:
    doc = [
        {"person": "ada", "ratings": [{"competence": 1, "knowledge": 7, "application": 1}]},
        {"person": "ada", "ratings": [{"competence": "nope", "knowledge": 1}]},
        {"ratings": "none"},
    ]
    path = write(tmp_path, "team.json", json.dumps(doc))
    assert problems(path, catalogue) == [
        f"{path}, [1]: person: ada appears twice (first at [0])",
        f"{path}, [2]: person: is missing (needed when there are several)",
        f"{path}, [2].ratings: must be a list",
        f"{path}, [0].ratings[0]: knowledge: must be a whole number from 0 to 5, got 7",
        f'{path}, [1].ratings[0]: competence: unknown competence "nope" '
        "(use a number 1-29, a slug or the exact name)",
    ]


def test_json_syntax_error_says_the_line(tmp_path: Path, catalogue: Catalogue) -> None:
    path = write(tmp_path, "bad.json", '{"ratings": [\n  {"competence": 1,}\n]}')
    (message,) = problems(path, catalogue)
    assert message.startswith(f"{path}, line 2: not valid JSON: ")


# -- XLSX ------------------------------------------------------------------------------------


def fill(path: Path, values: dict[int, tuple[object, object]], person: str | None = None) -> None:
    book = load_workbook(path)
    ws = book["Self-assessment"]
    header = [c.value for c in ws[HEADER_ROW]]
    k, a = header.index("Knowledge") + 1, header.index("Application") + 1
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        number = ws.cell(row, 1).value
        if isinstance(number, int) and number in values:
            ws.cell(row, k).value, ws.cell(row, a).value = values[number]  # type: ignore[assignment]
    if person:
        ws["B4"] = person
    book.save(path)


def test_template_layout_follows_the_contract(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "self.xlsx"
    assert write_template(catalogue, "pmo-officer", "programme", path) == 28
    book = load_workbook(path)
    assert book.sheetnames == ["Self-assessment", "Levels"]
    ws = book["Self-assessment"]
    labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, HEADER_ROW)}
    assert labels["Profile"] == "pmo-officer"
    assert labels["Context"] == "programme"
    assert tuple(c.value for c in ws[HEADER_ROW]) == HEADER
    numbers = [ws.cell(r, 1).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    assert numbers == [n for n in range(1, 30) if n != 6]  # portfolio shaping: portfolio only
    first = HEADER_ROW + 1
    assert [ws.cell(first, c).value for c in (7, 8)] == [3, 3]
    assert ws.protection.sheet
    assert not ws.cell(first, 4).protection.locked  # knowledge
    assert not ws.cell(first, 6).protection.locked  # evidence
    assert ws.cell(first, 7).protection.locked  # target
    validation, sure = ws.data_validations.dataValidation
    assert validation.formula1 == '"0,1,2,3,4,5"'
    assert str(validation.sqref) == f"D{first}:D{ws.max_row} E{first}:E{ws.max_row}"
    # The optional confidence: a drop-down of the three choices, beside the targets.
    assert ws.cell(HEADER_ROW, 9).value == "Confidence"
    assert sure.formula1 == '"not sure,fairly sure,sure"'
    assert str(sure.sqref) == f"I{first}:I{ws.max_row}"
    assert not ws.cell(first, 9).protection.locked
    assert not ws.cell(first, 10).protection.locked  # evidence links
    levels = book["Levels"]
    assert [levels.cell(r, 2).value for r in range(2, 8)] == [
        "Unaware",
        "Aware",
        "Practised",
        "Competent",
        "Proficient",
        "Expert",
    ]


def test_template_without_context_lists_all_29_with_where_each_applies(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "all.xlsx"
    assert write_template(catalogue, "pmo-specialist", None, path) == 29
    ws = load_workbook(path)["Self-assessment"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == [*HEADER, "Applies in"]
    applies = {
        ws.cell(r, 1).value: ws.cell(r, len(HEADER) + 1).value
        for r in range(HEADER_ROW + 1, ws.max_row + 1)
    }
    assert applies[11] == "programme"
    assert applies[6] == "project, programme, portfolio"
    file = read_ratings(path, catalogue.framework)
    assert (file.profile, file.context) == ("pmo-specialist", None)


def test_filled_template_reads_back_with_profile_context_and_person(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "self.xlsx"
    write_template(catalogue, "pmo-specialist", "portfolio", path)
    fill(path, {1: (4, 4), 2: (3, None), 6: (1.0, 1)}, person="ada@example.org")
    file = read_ratings(path, catalogue.framework)
    assert (file.profile, file.context) == ("pmo-specialist", "portfolio")
    assert file.people[0].person == "ada@example.org"
    assert file.people[0].ratings[1] == Rating(4, 4)
    assert file.people[0].ratings[2] == Rating(3, None)
    assert file.people[0].ratings[6] == Rating(1, 1)
    assert file.people[0].ratings[7] == Rating(None, None)


def test_bad_cells_in_a_workbook_name_the_sheet_and_row(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "self.xlsx"
    write_template(catalogue, "pmo-officer", "project", path)
    fill(path, {1: (9, 1), 3: ("lots", 2)})
    first = HEADER_ROW + 1
    assert problems(path, catalogue) == [
        f"{path}, sheet Self-assessment, row {first}: knowledge: must be a whole number from 0 "
        "to 5, got 9",
        f"{path}, sheet Self-assessment, row {first + 2}: knowledge: must be a whole number from "
        '0 to 5, got "lots"',
    ]


def test_a_plain_workbook_with_the_csv_columns_is_read(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Person", "Competence", "Knowledge", "Application"])
    ws.append(["ada", "life-cycles", 4, 4])
    ws.append(["ada", "reviews", 3, 2])
    path = tmp_path / "plain.xlsx"
    book.save(path)
    file = read_ratings(path, catalogue.framework)
    assert file.several
    assert file.people[0].ratings == {1: Rating(4, 4), 8: Rating(3, 2)}


def test_a_file_named_xlsx_that_is_not_a_workbook(tmp_path: Path, catalogue: Catalogue) -> None:
    path = write(tmp_path, "fake.xlsx", "competence,knowledge,application\n1,1,1\n")
    (message,) = problems(path, catalogue)
    assert message.startswith(f"{path}: not an Excel workbook (.xlsx)")


def test_a_broken_quote_is_reported_and_the_other_bad_rows_too(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = write(
        tmp_path,
        "q.csv",
        'competence,knowledge,application,evidence\n1,9,3,fine\n2,3,3,"unterminated\n3,3,3,x\n',
    )
    found = problems(path, catalogue)
    assert found[0] == f'{path}, line 2: knowledge: must be a whole number from 0 to 5, got "9"'
    assert found[1].startswith(f"{path}, line 3: not valid CSV: ")


def test_a_csv_with_only_a_byte_order_mark_is_empty(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf\n")
    assert problems(path, catalogue) == [f"{path}: the file is empty"]


def test_levels_are_ascii_digits_only(tmp_path: Path, catalogue: Catalogue) -> None:
    path = write(tmp_path, "d.csv", "competence,knowledge,application\n1,٣,3\n")
    assert problems(path, catalogue) == [
        f'{path}, line 2: knowledge: must be a whole number from 0 to 5, got "٣"'
    ]


def test_json_keeps_a_person_without_ratings_in_file_order(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    doc = [
        {"person": "a", "ratings": []},
        {"person": "b", "ratings": [{"competence": 1, "knowledge": 1, "application": 1}]},
    ]
    path = write(tmp_path, "t.json", json.dumps(doc))
    file = read_ratings(path, catalogue.framework)
    assert [(p.person, len(p.ratings)) for p in file.people] == [("a", 0), ("b", 1)]


@pytest.mark.parametrize("doc", [3, "x", None, {"person": True, "ratings": []}])
def test_json_that_is_not_a_ratings_document(
    tmp_path: Path, catalogue: Catalogue, doc: object
) -> None:
    path = write(tmp_path, "odd.json", json.dumps(doc))
    (message,) = problems(path, catalogue)
    assert message.startswith(f"{path}, ")


def test_a_damaged_workbook_is_bad_input(tmp_path: Path, catalogue: Catalogue) -> None:
    import zipfile

    good = tmp_path / "good.xlsx"
    write_template(catalogue, "pmo-officer", "project", good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    (message,) = problems(bad, catalogue)
    assert "not a readable workbook" in message


# -- Spreadsheet cells: the formula escape -----------------------------------------------------

STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
"""What a text cell must not start with: OWASP's `=`, `+`, `-`, `@`, tab and carriage return, and
the line feed that a carriage return turns into in a workbook (XML)."""

HOSTILE = (
    '=HYPERLINK("http://evil","x")',
    "+SUM(1)",
    "-1",
    "- see the dashboard",
    "@mention",
    "\t=1+1",
    "\r=cmd|'/c calc'!A1",
    "'=already",
    "''-twice",
)

hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.builds(
        lambda quotes, start, rest: "'" * quotes + start + rest,
        st.integers(0, 3),
        st.sampled_from(("", *STARTS)),
        st.text(
            st.characters(
                codec="utf-8",
                exclude_categories=["Cs", "Cc"],
                include_characters="\t\r\n",
                exclude_characters="\ufffe\uffff",  # not characters XML may hold
            ),
            max_size=20,
        ),
    ),
)
"""Texts that start with a formula character, after none or a few `'`, or anything at all."""


def in_workbook(text: str) -> str:
    """What a workbook gives back for ``text``: XML reads a carriage return as a line feed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def export_row(text: str, evidence: str) -> dict[str, object]:
    return {
        "person": f"{text}@example.org",
        "name": text,
        "employee_id": text,
        "team": text,
        "context": "programme",
        "profile": "pmo-officer",
        "cycle": text,
        "kind": "self",
        "status": "submitted",
        "assessed_on": "2026-01-31",
        "competence": 1,
        "slug": "life-cycles",
        "knowledge": 3,
        "application": "",
        "evidence": evidence,
        "confidence": "fairly sure",
        "evidence_links": "https://example.org/a",
    }


def hostile_catalogue(catalogue: Catalogue, text: str) -> Catalogue:
    """The APM catalogue with ``text`` as competence 1's name and definition, level 0's name and
    descriptors, the framework's title and every profile's name."""
    fw = catalogue.framework
    first = replace(fw.competences[0], name=text, definition=text)
    level = replace(fw.levels[0], name=text, knowledge=text, application=text)
    framework = replace(
        fw, title=text, levels=(level, *fw.levels[1:]), competences=(first, *fw.competences[1:])
    )
    profiles = {
        key: replace(
            p,
            name=text,
            requirements={**p.requirements, 1: replace(p.requirements[1], definition=None)},
        )
        for key, p in catalogue.profiles.items()
    }
    return Catalogue(framework, profiles)


def team_summary(text: str, catalogue: Catalogue) -> dict[str, object]:
    person = {
        "name": text,
        "team": text,
        "context": "programme",
        "ratings": {"1": {"knowledge": 1, "application": None}},
        "targets": {"1": {"knowledge": 3, "application": 3}},
        "judged_against": {"id": "pmo-analyst", "version": 1, "label": text},
    }
    coverage = [
        {
            "number": c.number,
            "name": text,
            "applies_to": 1,
            "rated": 1,
            "meets_officer": 0,
            "at_specialist": 0,
            "exposure": text,
            "exposed": True,
        }
        for c in catalogue.framework.competences
    ]
    framework = {
        "id": catalogue.framework.id,
        "title": text,
        "axes": list(catalogue.framework.axes),
        "attribution": {"source": text, "owner": text, "notice": text},
        "apm": True,
        "competences": [
            {"number": c.number, "slug": c.slug, "name": text}
            for c in catalogue.framework.competences
        ],
    }
    return {"people": [person], "coverage": coverage, "framework": framework}


def cells(path: Path | io.BytesIO) -> list[Cell | MergedCell]:
    book = load_workbook(path)
    found = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in found if c.data_type == "f"]  # no formula, on any sheet
    return found


def csv_fields(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert not [f for row in rows for f in row if f.startswith(STARTS)]
    return rows


def test_escape_cell_covers_tab_and_carriage_return() -> None:
    for text in ("\t=1+1", "\r=cmd|'/c calc'!A1", "\n=1", "'\t=x"):
        assert escape_cell(text) == "'" + text
        assert unescape_cell(escape_cell(text)) == text


def test_the_csv_export_escapes_a_leading_tab_or_carriage_return() -> None:
    out = io.StringIO(newline="")
    write_csv([export_row("\t@SUM(A1)", "\r=cmd|'/c calc'!A1")], out)
    header, row = csv_fields(out.getvalue())
    assert dict(zip(header, row, strict=True))["evidence"] == "'\r=cmd|'/c calc'!A1"


def test_every_writer_escapes_its_text_cells_with_the_one_rule(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    name = '=HYPERLINK("http://evil","x")'
    escaped = "'" + name
    xlsx = io.BytesIO()
    write_xlsx([export_row(name, "-minus")], xlsx)
    values = [c.value for c in cells(xlsx)]
    assert escaped in values
    assert "'-minus" in values
    team = io.BytesIO()
    write_team_xlsx(team_summary(name, catalogue), team)
    # The person and team in the two heatmaps, the person and the version judged against in the
    # two target sheets, each competence's name and exposure in coverage, and each of the two
    # gaps' person and competence.
    assert [c.value for c in cells(team)].count(escaped) == 2 * 2 + 2 * 2 + 29 * 2 + 2 * 2
    template = tmp_path / "template.xlsx"
    write_template(hostile_catalogue(catalogue, name), "pmo-officer", None, template)
    assert [c.value for c in cells(template)].count(escaped) == 6  # profile, competence, level
    moodle = io.StringIO(newline="")
    export_moodle(hostile_catalogue(catalogue, name), moodle)
    fields = [f for row in csv_fields(moodle.getvalue()) for f in row]
    assert fields.count(escaped) == 2  # the framework's title, competence 1's short name


def test_an_escaped_workbook_cell_reads_back_as_the_original_text(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "export.xlsx"
    with path.open("wb") as out:
        write_xlsx([export_row("-ada", "-3 days late")], out)
    (person,) = read_ratings(path, catalogue.framework).people
    assert (person.person, person.ratings[1].evidence) == ("-ada@example.org", "-3 days late")
    template = tmp_path / "self.xlsx"
    write_template(catalogue, "pmo-officer", "project", template)
    fill(template, {1: (4, 4)}, person="'+44 7946 0000")  # the Person cell, escaped
    assert read_ratings(template, catalogue.framework).people[0].person == "+44 7946 0000"


FIXTURE = [HealthCheck.function_scoped_fixture]
# Each example writes and reads files: a bounded number each, below the ci profile's.
EXPORT = settings(max_examples=50, suppress_health_check=FIXTURE)
WORKBOOK = settings(max_examples=20, suppress_health_check=FIXTURE)


@EXPORT
@given(text=hostile, evidence=hostile)
def test_the_export_writes_no_live_formula_and_imports_back_the_text(
    tmp_path: Path, catalogue: Catalogue, text: str, evidence: str
) -> None:
    # CSV: no field starts with a formula character; each field, unescaped, is the text; the
    # importer gives it back (trimmed, as it trims every cell).
    out = io.StringIO(newline="")
    write_csv([export_row(text, evidence)], out)
    header, row = csv_fields(out.getvalue())
    fields = dict(zip(header, row, strict=True))
    for column in ("person", "name", "employee_id", "team", "cycle", "evidence"):
        assert unescape_cell(fields[column]) == export_row(text, evidence)[column]
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    (person,) = read_ratings(path, catalogue.framework).people
    assert person.person == f"{text}@example.org".strip()
    assert (person.ratings[1].evidence or "") == evidence.strip()
    # XLSX: no formula cell; the same escaped text in each cell; the importer gives it back.
    path = tmp_path / "export.xlsx"
    with path.open("wb") as f:
        write_xlsx([export_row(text, evidence)], f)
    found = {c.coordinate: c.value for c in cells(path)}
    assert unescape_cell(found["B2"] or "") == in_workbook(text)  # name
    assert unescape_cell(found["O2"] or "") == in_workbook(evidence)
    (person,) = read_ratings(path, catalogue.framework).people
    assert person.person == in_workbook(f"{text}@example.org").strip()
    assert (person.ratings[1].evidence or "") == in_workbook(evidence).strip()


@WORKBOOK
@given(text=hostile)
def test_the_team_workbook_writes_no_live_formula(
    tmp_path: Path, catalogue: Catalogue, text: str
) -> None:
    path = tmp_path / "team.xlsx"
    write_team_xlsx(team_summary(text, catalogue), path)
    found = {(c.parent.title, c.coordinate): c.value for c in cells(path)}
    for where in (
        ("Knowledge", "A2"),  # the person's name
        ("Knowledge", "B2"),  # their team
        ("Application", "A2"),
        ("Application", "B2"),
        ("Coverage", "B2"),  # a competence's name
        ("Coverage", "G2"),  # its exposure
        ("Gaps", "A2"),
    ):
        assert unescape_cell(found[where] or "") == in_workbook(text)


@WORKBOOK
@given(text=hostile, person=hostile, evidence=hostile)
def test_the_template_writes_no_live_formula_and_reads_back_what_a_person_fills_in(
    tmp_path: Path, catalogue: Catalogue, text: str, person: str, evidence: str
) -> None:
    path = tmp_path / "self.xlsx"
    write_template(hostile_catalogue(catalogue, text), "pmo-officer", None, path)
    found = {(c.parent.title, c.coordinate): c.value for c in cells(path)}
    first = HEADER_ROW + 1
    for where in (
        ("Self-assessment", "C2"),  # the profile's name
        ("Self-assessment", f"B{first}"),  # a competence's name
        ("Self-assessment", f"C{first}"),  # its definition
        ("Levels", "B2"),  # a level's name
        ("Levels", "C2"),  # its descriptors
        ("Levels", "D2"),
    ):
        assert unescape_cell(found[where] or "") == in_workbook(text)
    # The Person and Evidence cells, filled in with the same escape.
    email = f"{person}@example.org"
    fill(path, {1: (2, 2)}, person=escape_cell(email))
    book = load_workbook(path)
    book["Self-assessment"].cell(first, 6).value = escape_cell(evidence)
    book.save(path)
    cells(path)
    (read,) = read_ratings(path, catalogue.framework).people
    assert read.person == in_workbook(email).strip()
    assert (read.ratings[1].evidence or "") == in_workbook(evidence).strip()


@EXPORT
@given(text=hostile)
def test_the_moodle_csv_starts_no_field_with_a_formula_character(
    catalogue: Catalogue, text: str
) -> None:
    out = io.StringIO(newline="")
    export_moodle(hostile_catalogue(catalogue, text), out)
    rows = csv_fields(out.getvalue())
    assert unescape_cell(rows[1][2]) == text[:100]  # the framework's title
    assert unescape_cell(rows[2][2]) == text  # competence 1's short name
    assert unescape_cell(rows[1][5]).split(",")[0] == text.split(",")[0]  # the scale's values


def test_the_csv_export_writes_an_assessments_shared_cells_once_with_the_same_bytes() -> None:
    rows = [
        export_row("=HYPERLINK(1)", "-3 days"),
        export_row("=HYPERLINK(1)", 'a "quote", a comma'),
    ]
    rows.append(export_row("Ada\r\nLovelace", "@mention"))
    split = len(EXPORT_COLUMNS) - 7  # the rating's own cells: competence to evidence_links
    by_name = io.StringIO(newline="")  # each row's cells escaped and written whole
    plain = csv.writer(by_name, lineterminator="\r\n")
    plain.writerow(EXPORT_COLUMNS)
    plain.writerows([escape_cell(r[c]) for c in EXPORT_COLUMNS] for r in rows)
    shared = [tuple(r[c] for c in EXPORT_COLUMNS[:split]) for r in rows]
    shared[1] = shared[0]  # the first two rows share one assessment's tuple, as export_cells gives
    cells = io.StringIO(newline="")
    written = write_csv_cells(
        (
            (s, tuple(r[c] for c in EXPORT_COLUMNS[split:]))
            for s, r in zip(shared, rows, strict=True)
        ),
        cells,
    )
    assert written == 3
    assert cells.getvalue() == by_name.getvalue()
    header, *fields = csv_fields(cells.getvalue())
    assert [dict(zip(header, f, strict=True))["name"] for f in fields] == [
        "'=HYPERLINK(1)",
        "'=HYPERLINK(1)",
        "Ada\r\nLovelace",
    ]
