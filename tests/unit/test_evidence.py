"""The rules of evidence: confidence choices, links, and file types told by their content."""

from __future__ import annotations

from pathlib import Path

import pytest

from competence.domain import Catalogue, Rating
from competence.domain.evidence import (
    CONFIDENCE_WORDS,
    DOCX,
    JPEG,
    MAX_FILE_BYTES,
    MAX_LINK_LENGTH,
    MAX_LINKS,
    PDF,
    PNG,
    TEXT,
    XLSX,
    Confidence,
    check_file,
    check_links,
    confidence_words,
    parse_confidence,
    safe_name,
    sniff,
    split_links,
)
from competence.errors import InputError
from competence.formats.ratings import TEMPLATE_HEADER as HEADER
from competence.formats.ratings import read_ratings
from competence.formats.template import HEADER_ROW, write_template
from tests.evidence_files import exe, office, pdf, png


def test_confidence_has_three_choices_in_words() -> None:
    assert CONFIDENCE_WORDS == ("not sure", "fairly sure", "sure")
    assert [parse_confidence(w) for w in ("Not sure", "fairly-sure", " SURE ")] == list(Confidence)
    assert parse_confidence("") is None
    assert parse_confidence(None) is None
    assert confidence_words(2) == "fairly sure"
    with pytest.raises(ValueError, match="must be one of not sure, fairly sure, sure"):
        parse_confidence("very")
    with pytest.raises(ValueError, match="got 3"):
        parse_confidence(3)  # the number is how it is stored, not how it is written


def test_a_rating_with_only_a_confidence_is_not_empty() -> None:
    assert Rating().empty
    assert not Rating(confidence=Confidence.SURE).empty
    assert not Rating(links=("https://example.org",)).empty
    assert Rating(confidence=3).confidence is Confidence.SURE  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://example.org/file",
        "https://",
        "example.org/page",
        "https://exa mple.org",
        "http://example.org:99999/",
        "https://example.org/" + "a" * MAX_LINK_LENGTH,
    ],
)
def test_a_link_that_is_not_http_or_https_to_a_host_is_refused(link: str) -> None:
    with pytest.raises(ValueError, match="link"):
        check_links([link])


def test_links_are_trimmed_kept_once_and_bounded() -> None:
    assert check_links([" https://example.org/a ", "", "https://example.org/a"]) == (
        "https://example.org/a",
    )
    assert split_links("https://a.example\nhttp://b.example  ") == (
        "https://a.example",
        "http://b.example",
    )
    too_many = [f"https://example.org/{i}" for i in range(MAX_LINKS + 1)]
    with pytest.raises(ValueError, match=f"at most {MAX_LINKS} links"):
        check_links(too_many)


def test_file_types_are_told_by_their_content() -> None:
    assert sniff(png()) is PNG
    assert sniff(pdf()) is PDF
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") is JPEG
    assert sniff("Notes: ran the gate — ✓\n".encode()) is TEXT
    assert sniff(office("word/document.xml")) is DOCX
    assert sniff(office("xl/workbook.xml")) is XLSX
    assert sniff(exe()) is None
    assert sniff(b"PK\x03\x04 not really a zip") is None
    assert sniff(b"text with a NUL\x00") is None
    assert sniff(b"\xc3\x28 not UTF-8") is None


def test_a_file_is_refused_when_empty_too_large_or_of_no_accepted_type() -> None:
    with pytest.raises(ValueError, match="empty"):
        check_file("a.txt", b"")
    with pytest.raises(ValueError, match="at most"):
        check_file("a.txt", b"a" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ValueError, match="whatever its name says"):
        check_file("photo.png", exe())
    assert check_file("a.txt", b"a" * MAX_FILE_BYTES) is TEXT


def test_a_kept_name_is_the_last_part_and_ends_in_its_real_type() -> None:
    assert safe_name("../../etc/passwd", TEXT) == "passwd.txt"
    assert safe_name("C:\\docs\\plan.docx", DOCX) == "plan.docx"
    assert safe_name("photo.JPEG", JPEG) == "photo.JPEG"
    assert safe_name("tool.exe", PNG) == "tool.exe.png"
    assert safe_name("bad\r\nname.pdf", PDF) == "badname.pdf"
    assert safe_name("...", PDF) == "evidence.pdf"
    assert len(safe_name("x" * 500 + ".pdf", PDF)) == 200


def test_gap_reads_a_confidence_and_refuses_an_unknown_column(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "competence,knowledge,application,confidence,evidence_links\n"
        "1,3,2,not sure,https://example.org/a\n",
        encoding="utf-8",
    )
    (person,) = read_ratings(good, catalogue.framework).people
    assert person.ratings[1] == Rating(3, 2, None, Confidence.NOT_SURE, ("https://example.org/a",))
    bad = tmp_path / "bad.csv"
    bad.write_text("competence,knowledge,application,notes\n1,3,2,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r'bad.csv, line 1: unknown column "notes"'):
        read_ratings(bad, catalogue.framework)


def test_a_filled_in_template_reads_back_its_confidence(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "self.xlsx"
    write_template(catalogue, "pmo-officer", "programme", path)
    book = load_workbook(path)
    ws = book["Self-assessment"]
    ws.cell(HEADER_ROW + 1, 4, 3)
    ws.cell(HEADER_ROW + 1, 5, 2)
    ws.cell(HEADER_ROW + 1, HEADER.index("Confidence") + 1, "Fairly sure")
    ws.cell(HEADER_ROW + 1, HEADER.index("Evidence links") + 1, "https://example.org/a")
    book.save(path)
    (person,) = read_ratings(path, catalogue.framework).people
    assert person.ratings[1].confidence is Confidence.FAIRLY_SURE
    assert person.ratings[1].links == ("https://example.org/a",)
