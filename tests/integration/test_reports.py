"""The individual report: real, searchable text on numbered A4 pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from competence.cli import main
from competence.domain import Rating
from competence.services import plans, records
from competence.web.models import Cycle, Person


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
