"""Evidence people can show: files checked by their content and kept in the database, links,
and how sure a person is of each rating, through the forms' service, every import and export,
the data download and erasure."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import pytest

from competence.domain import Rating
from competence.domain.evidence import MAX_FILE_BYTES, MAX_FILES, Confidence
from competence.errors import InputError, WorkflowError
from competence.services import evidence, privacy, records
from competence.services.export import export_document, export_rows
from competence.services.imports import import_file
from competence.store.models import Assessment, AuditEntry, Cycle, EvidenceFile, Person
from competence.store.models import Rating as RatingRow
from tests.evidence_files import exe, office, pdf, png
from tests.integration.conftest import PEOPLE, wipe, write

SURE, FAIRLY = Confidence.SURE, Confidence.FAIRLY_SURE
LINK = "https://example.org/gate-review"


@pytest.fixture
def draft(people: dict[str, Person], cycles: list[Cycle]) -> Assessment:
    return records.save_draft(people["ada"], cycles[1], {1: Rating(3, 2)})


def test_a_rating_keeps_its_confidence_and_links(draft: Assessment) -> None:
    person, cycle = draft.person, draft.cycle
    records.save_draft(person, cycle, {1: Rating(3, 2, "gates", SURE, (LINK,))})
    row = RatingRow.objects.get(assessment=draft, competence=1)
    assert (row.confidence, row.evidence_links) == (3, [LINK])
    assert records.domain_ratings(draft)[1] == Rating(3, 2, "gates", SURE, (LINK,))
    # A confidence alone keeps the rating's row: it says something.
    records.save_draft(person, cycle, {2: Rating(confidence=FAIRLY)})
    assert RatingRow.objects.get(assessment=draft, competence=2).confidence == 2


def test_a_png_is_kept_with_its_type_told_by_its_content(draft: Assessment) -> None:
    kept = evidence.attach(draft, 1, "C:\\Users\\ada\\gate review.PNG", png())
    stored = EvidenceFile.objects.get(pk=kept.pk)
    assert (stored.name, stored.content_type, stored.size) == (
        "gate review.PNG",
        "image/png",
        len(png()),
    )
    assert bytes(stored.content) == png()
    entry = AuditEntry.objects.filter(model="EvidenceFile").get()
    assert entry.person == str(draft.person_id)
    assert entry.new is not None
    assert entry.new["file"] == "gate review.PNG"


def test_a_file_is_named_after_its_real_type(draft: Assessment) -> None:
    assert evidence.attach(draft, 1, "report", pdf()).name == "report.pdf"
    assert evidence.attach(draft, 2, "plan.docx", office("word/document.xml")).name == "plan.docx"
    assert evidence.attach(draft, 3, "costs.png", office("xl/workbook.xml")).name == (
        "costs.png.xlsx"
    )


def test_a_renamed_program_is_refused_whatever_its_name(draft: Assessment) -> None:
    with pytest.raises(InputError) as refused:
        evidence.attach(draft, 1, "holiday.png", exe())
    assert refused.value.problems == [
        "file for competence 1: holiday.png: not a file type we accept (its content is none of: "
        "PDF, PNG image, JPEG image, plain text, Word document, Excel workbook), whatever its "
        "name says"
    ]
    # A zip that is not a Word document or workbook is refused too.
    with pytest.raises(InputError):
        evidence.attach(draft, 1, "plan.docx", office("other/part.xml"))
    assert not EvidenceFile.objects.exists()


def test_a_file_over_the_limit_is_refused(draft: Assessment) -> None:
    too_big = pdf() + b" " * (MAX_FILE_BYTES + 1 - len(pdf()))
    with pytest.raises(InputError, match="at most 5,242,880 bytes"):
        evidence.attach(draft, 1, "big.pdf", too_big)
    evidence.attach(draft, 1, "fits.pdf", too_big[:MAX_FILE_BYTES])
    assert EvidenceFile.objects.count() == 1


def test_a_rating_keeps_at_most_a_few_files(draft: Assessment) -> None:
    for i in range(MAX_FILES):
        evidence.attach(draft, 1, f"{i}.png", png())
    with pytest.raises(InputError, match=f"at most {MAX_FILES} files"):
        evidence.attach(draft, 1, "one more.png", png())
    evidence.attach(draft, 2, "another competence.png", png())  # the limit is per rating


def test_clearing_a_rating_keeps_its_files_and_only_a_draft_takes_them(
    draft: Assessment,
) -> None:
    kept = evidence.attach(draft, 1, "a.png", png())
    records.save_draft(draft.person, draft.cycle, {1: Rating()})  # cleared
    assert EvidenceFile.objects.filter(pk=kept.pk).exists()
    records.submit(draft)
    with pytest.raises(WorkflowError, match="only a draft"):
        evidence.attach(draft, 1, "late.png", png())
    with pytest.raises(WorkflowError, match="only a draft"):
        evidence.remove(draft, [kept.pk])
    assert EvidenceFile.objects.filter(pk=kept.pk).exists()


def test_removing_a_file_touches_no_other_assessments_file(
    draft: Assessment, people: dict[str, Person], cycles: list[Cycle]
) -> None:
    theirs = records.save_draft(people["grace"], cycles[1], {1: Rating(1, 1)})
    other = evidence.attach(theirs, 1, "theirs.png", png())
    mine = evidence.attach(draft, 1, "mine.png", png())
    assert evidence.remove(draft, [other.pk, mine.pk]) == 1
    assert list(EvidenceFile.objects.values_list("pk", flat=True)) == [other.pk]


def test_the_data_download_holds_the_files_and_the_confidence(draft: Assessment) -> None:
    records.save_draft(draft.person, draft.cycle, {1: Rating(3, 2, None, SURE, (LINK,))})
    evidence.attach(draft, 1, "a.png", png())
    data = privacy.personal_data(draft.person)
    (assessment,) = data["assessments"]
    assert assessment["ratings"][0]["confidence"] == "sure"
    assert assessment["ratings"][0]["evidence_links"] == [LINK]
    (file,) = assessment["evidence_files"]
    assert (file["name"], file["competence"], file["content_type"]) == ("a.png", 1, "image/png")
    assert base64.b64decode(file["content_base64"]) == png()
    json.dumps(data)  # all of it is JSON


def test_erasure_removes_the_files_and_their_names(draft: Assessment) -> None:
    evidence.attach(draft, 1, "ada-lovelace-appraisal.png", png())
    signed = records.save_draft(draft.person, draft.cycle, {2: Rating(2, 2)})
    assert signed.pk == draft.pk
    privacy.erase("ada@example.org")
    assert not EvidenceFile.objects.exists()
    for entry in AuditEntry.objects.all():
        assert "appraisal" not in json.dumps([entry.summary, entry.old, entry.new])


def test_a_signed_off_cycle_takes_no_file(people: dict[str, Person], cycles: list[Cycle]) -> None:
    ada = people["ada"]
    own = records.save_draft(ada, cycles[0], {1: Rating(2, 2)})
    records.submit(own)
    records.sign_off(records.agree(ada, cycles[0]))
    with pytest.raises(WorkflowError, match="signed off"):
        evidence.attach(own, 1, "a.png", png())


# Files in and out ------------------------------------------------------------------------


def test_a_csv_with_confidence_and_links_imports_and_exports_them(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "ratings.csv",
        "person,competence,knowledge,application,confidence,evidence_links\n"
        f"ada@example.org,1,3,2,Fairly sure,{LINK} https://example.org/b\n"
        "ada@example.org,2,2,2,,\n",
    )
    import_file(path, cycle="2026")
    row = RatingRow.objects.get(assessment__person=people["ada"], competence=1)
    assert (row.confidence, row.evidence_links) == (2, [LINK, "https://example.org/b"])
    assert RatingRow.objects.get(assessment__person=people["ada"], competence=2).confidence is None
    exported = {(r["competence"], r["confidence"], r["evidence_links"]) for r in export_rows()}
    assert exported == {(1, "fairly sure", f"{LINK} https://example.org/b"), (2, "", "")}


def test_export_then_import_gives_back_the_confidence_and_links(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    from competence.formats.exports import write_csv

    ada = people["ada"]
    records.record_assessment(ada, cycles[1], {1: Rating(3, 2, "gates", SURE, (LINK,))})
    before = [
        (r["competence"], r["confidence"], r["evidence_links"]) for r in export_rows(history=True)
    ]
    out = io.StringIO(newline="")
    write_csv(export_rows(history=True), out)
    document = export_document()
    assert document["assessments"][0]["ratings"][0]["confidence"] == "sure"
    wipe()
    import_file(write(tmp_path, "people.csv", PEOPLE))
    import_file(write(tmp_path, "export.csv", out.getvalue()))
    after = [(r["competence"], r["confidence"], r["evidence_links"]) for r in export_rows()]
    assert after == before == [(1, "sure", LINK)]
    # And the JSON export document too.
    wipe()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    import_file(path)
    assert export_document() == document


def test_a_json_ratings_file_carries_confidence_and_links(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    doc = {
        "person": "ada@example.org",
        "ratings": [
            {
                "competence": 1,
                "knowledge": 3,
                "application": 2,
                "confidence": "not sure",
                "evidence_links": [LINK],
            }
        ],
    }
    import_file(write(tmp_path, "ratings.json", json.dumps(doc)), cycle="2026")
    row = RatingRow.objects.get(assessment__person=people["ada"])
    assert (row.confidence, row.evidence_links) == (1, [LINK])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "person,competence,knowledge,application,confidance\nada@example.org,1,3,2,sure\n",
            'ratings.csv, line 1: unknown column "confidance": a ratings file has the columns '
            "competence, knowledge, application and, if you like, person, evidence, confidence, "
            "evidence_links (and, for import, cycle, kind, assessed_on); rename or remove it",
        ),
        (
            "person,competence,knowledge,application,confidence\nada@example.org,1,3,2,certain\n",
            "ratings.csv, line 2: confidence: must be one of not sure, fairly sure, sure, got "
            "'certain'",
        ),
        (
            "person,competence,knowledge,application,evidence_links\n"
            "ada@example.org,1,3,2,javascript:alert(1)\n",
            "ratings.csv, line 2: evidence_links: a link starts with http:// or https:// and "
            "names a host, got 'javascript:alert(1)'",
        ),
    ],
)
def test_an_unknown_column_or_a_bad_confidence_or_link_refuses_the_file(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(InputError) as refused:
        import_file(write(tmp_path, "ratings.csv", text), cycle="2026")
    assert [p.replace(str(tmp_path) + "/", "") for p in refused.value.problems] == [problem]
    assert not RatingRow.objects.exists()


def test_an_unknown_field_of_a_json_rating_refuses_the_file(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    doc = {
        "person": "ada@example.org",
        "ratings": [{"competence": 1, "knowledge": 3, "application": 2, "sureness": "sure"}],
    }
    with pytest.raises(InputError) as refused:
        import_file(write(tmp_path, "ratings.json", json.dumps(doc)), cycle="2026")
    (problem,) = refused.value.problems
    assert problem.endswith(
        'ratings.json, ratings[0]: unknown field "sureness": a rating has the fields '
        "competence, knowledge, application and, if you like, evidence, confidence, "
        "evidence_links"
    )
    assert not RatingRow.objects.exists()


def test_the_columns_of_an_export_and_of_the_template_are_known(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    from competence.formats.exports import write_csv

    records.record_assessment(people["ada"], cycles[1], {1: Rating(3, 2)})
    out = io.StringIO(newline="")
    write_csv(export_rows(history=True), out)
    header = next(csv.reader(io.StringIO(out.getvalue())))
    assert {"confidence", "evidence_links", "slug", "team"} <= set(header)
    import_file(write(tmp_path, "export.csv", out.getvalue()))  # nothing unknown


def test_saving_the_same_rating_again_changes_nothing(draft: Assessment) -> None:
    person, cycle = draft.person, draft.cycle
    records.save_draft(person, cycle, {1: Rating(3, 2, "", SURE, (LINK,))})
    entries = AuditEntry.objects.count()
    records.save_draft(person, cycle, {1: Rating(3, 2, "", SURE, (LINK,))})
    records.save_draft(person, cycle, {1: Rating(3, 2, None, SURE, (LINK,))})
    assert AuditEntry.objects.count() == entries
