"""The individual report: real, searchable text on numbered A4 pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from competence.cli import main
from competence.domain import Rating
from competence.formats.tables import escape_cell
from competence.services import plans, records
from competence.services.people import file_stem
from competence.store.models import Cycle, Person, Team


def test_the_pdf_report_holds_the_verdicts_gaps_plan_and_attribution(
    people: dict[str, Person],
    cycles: list[Cycle],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ada = people["ada"]
    own = records.record_assessment(ada, cycles[0], {1: Rating(2, 2, "Ran the stage gates")})
    records.submit(own)
    records.review(own)
    records.sign_off(records.agree(ada, cycles[0]))
    plans.generate(ada)
    out = tmp_path / "ada.pdf"
    assert main(["report", "E1", "--format", "pdf", "--out", str(out)]) == 0
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Competence report: Ada Lovelace" in flat
    assert "PMO officer: not yet met" in flat
    assert "Life cycles: knowledge 2, the PMO officer profile needs 3" in flat
    assert "Development plan" in flat
    assert "Ran the stage gates" in flat
    assert "signed off by cli:tester" in flat
    assert "Association for Project Management" in flat
    assert (  # the chart's caption: true of any framework
        "one row per competence that applies: 29 of the 29 competences of APM Competence "
        "Framework, 3rd edition" in flat
    )
    assert "spoke" not in flat
    assert f"Page 1 of {len(reader.pages)}" in flat
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    html = tmp_path / "ada.html"
    assert main(["report", "E1", "--format", "html", "--out", str(html)]) == 0
    assert "<svg" in html.read_text()


def test_the_report_downloads_from_the_results_page(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    ada = people["ada"]
    ada.user = User.objects.create(username="ada")
    ada.save()
    client = Client()
    client.force_login(ada.user)
    assert "Report (PDF)" in client.get(f"/people/{ada.pk}").content.decode()
    response = client.get(f"/people/{ada.pk}/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert PdfReader(io.BytesIO(response.content)).pages
    assert client.get(f"/people/{people['grace'].pk}/report.pdf").status_code == 403


def test_the_team_workbook_has_heatmaps_coverage_and_gaps(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    records.submit(records.record_assessment(people["ada"], cycles[1], {1: Rating(4, 1)}))
    out = tmp_path / "team.xlsx"
    assert main(["report", "--team", "Delivery", "--format", "xlsx", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames == [
        "Knowledge",
        "Application",
        "Coverage",
        "Gaps",
        "Knowledge targets",
        "Application targets",
        "Calibration",
        "Trends",
    ]
    knowledge = book["Knowledge"]
    assert [c.value for c in knowledge[1]][:4] == ["Person", "Team", "Context", "1"]
    assert knowledge.freeze_panes == "D2"
    assert knowledge.auto_filter.ref == "A1:AF4"
    ada_row = next(r for r in knowledge.iter_rows(min_row=2) if r[0].value == "Ada Lovelace")
    assert ada_row[3].value == 4
    rules = {
        str(r.sqref): [x.formula[0] for x in r.rules] for r in knowledge.conditional_formatting
    }
    # Each cell against the same cell of the targets sheet: the row's own profile's target.
    assert rules["D2:D4"] == [
        "'Knowledge targets'!D2=\"\"",
        "AND(D2<>\"\",D2>'Knowledge targets'!D2)",
        "AND(D2<>\"\",D2='Knowledge targets'!D2)",
        "AND(D2<>\"\",D2='Knowledge targets'!D2-1)",
        "AND(D2<>\"\",D2<'Knowledge targets'!D2-1)",
    ]
    targets = {r[0].value: [c.value for c in r] for r in book["Knowledge targets"].iter_rows()}
    assert targets["Ada Lovelace"][1:5] == ["programme", "PMO specialist v1", 4, 4]
    assert targets["Grace Hopper"][1:5] == ["programme", "PMO officer v1", 3, 3]
    assert targets["Alan Turing"][13] is None  # 11 applies only in a programme
    coverage = {r[0].value: r for r in book["Coverage"].iter_rows(min_row=2)}
    assert (coverage[1][3].value, coverage[1][4].value) == (1, 0)  # rated, but 4/1 is short
    gaps = [tuple(c.value for c in r) for r in book["Gaps"].iter_rows(min_row=2)]
    assert ("Ada Lovelace", 1, "Life cycles", "application", 1, 4, 3) in gaps  # a specialist


def test_gaps_past_a_sheets_rows_go_on_in_another_sheet(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel holds 1,048,576 rows a sheet: a team of 100,000 people has more gaps than that. (The
    limit is made small here: the rows of a real one take minutes to write.)"""
    from openpyxl import load_workbook

    from competence.reports import team

    out = tmp_path / "whole.xlsx"
    assert main(["report", "--team", "", "--format", "xlsx", "--out", str(out)]) == 0
    whole = [tuple(c.value for c in r) for r in load_workbook(out)["Gaps"].iter_rows(min_row=2)]
    assert len(whole) > 20
    monkeypatch.setattr(team, "SHEET_ROWS", 11)  # a header and 10 gaps a sheet
    split = tmp_path / "split.xlsx"
    assert main(["report", "--team", "", "--format", "xlsx", "--out", str(split)]) == 0
    book = load_workbook(split)
    sheets = [n for n in book.sheetnames if n.startswith("Gaps")]
    assert sheets == ["Gaps", *(f"Gaps {n}" for n in range(2, len(sheets) + 1))]
    assert len(sheets) == -(-len(whole) // 10)
    rows = []
    for name in sheets:
        ws = book[name]
        assert ws["A1"].value == "Person"
        assert ws.max_row <= 11
        rows += [tuple(c.value for c in r) for r in ws.iter_rows(min_row=2)]
    assert rows == whole


def test_the_team_workbook_writes_names_as_text_never_as_formulas(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    name = '=HYPERLINK("http://evil","x")'
    Person.objects.filter(pk=people["ada"].pk).update(name=name)
    Team.objects.filter(name="Delivery").update(name="+Delivery")
    records.submit(records.record_assessment(people["ada"], cycles[1], {1: Rating(1, 1)}))
    out = tmp_path / "team.xlsx"
    assert main(["report", "--team", "", "--format", "xlsx", "--out", str(out)]) == 0
    book = load_workbook(out)
    formulas = [
        f"{ws.title}!{c.coordinate}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []
    for sheet in ("Knowledge", "Application", "Gaps"):
        assert escape_cell(name) in [r[0].value for r in book[sheet].iter_rows(min_row=2)]
    teams = {r[1].value for r in book["Knowledge"].iter_rows(min_row=2)}
    assert escape_cell("+Delivery / Finance PMO") in teams


def test_the_team_pdf_and_every_persons_report(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    out = tmp_path / "team.pdf"
    assert main(["report", "--team", "", "--format", "pdf", "--out", str(out)]) == 0
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "Team capability: Everyone" in text
    assert "3 people" in text
    folder = tmp_path / "all"
    assert main(["report", "--all", "--out", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{file_stem(p)}.pdf" for p in Person.objects.all()
    )
    assert main(["report", "--all", "--team", "x", "--out", str(folder)]) == 2
