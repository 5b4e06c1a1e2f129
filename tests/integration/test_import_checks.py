"""What an import refuses that it once took in silence: cut rows, workbook formulas and merged
cells, evidence longer than the form takes; and what a JSON export carries of PMO leads."""

from __future__ import annotations

from pathlib import Path

import pytest

from competence.errors import InputError
from competence.services.imports import import_file
from competence.store.models import Assessment, Person
from competence.store.models import Rating as RatingRow
from tests.integration.conftest import write

HEADER = "person,competence,knowledge,application,evidence\n"


def test_a_csv_cut_mid_row_is_refused_naming_the_line(
    people: dict[str, Person], tmp_path: Path
) -> None:
    rows = "".join(f"ada@example.org,{n},3,3,\n" for n in range(1, 29))
    cut = write(tmp_path, "r.csv", HEADER + rows + "ada@example.org,29,3")
    with pytest.raises(InputError) as caught:
        import_file(cut, cycle="2026")
    assert caught.value.problems == [
        f"{cut}, line 30: has 3 fields where the header has 5 (a row cut short or with extra "
        "fields; leave a cell empty for not rated)"
    ]
    assert not RatingRow.objects.exists()


def test_a_csv_row_with_extra_fields_is_refused_naming_the_line(
    people: dict[str, Person], tmp_path: Path
) -> None:
    shifted = write(tmp_path, "r.csv", HEADER + "ada@example.org,1,3,3,notes, more notes\n")
    with pytest.raises(InputError, match=r"r\.csv, line 2: has 6 fields where the header has 5"):
        import_file(shifted, cycle="2026")
    people_file = write(
        tmp_path,
        "people.csv",
        "name,email,team,context,profile\nBob,bob@example.org,Delivery,project\n",
    )
    with pytest.raises(InputError, match=r"people\.csv, line 2: has 4 fields where the header"):
        import_file(people_file)
    assert not Person.objects.filter(email="bob@example.org").exists()


def test_an_explicitly_empty_cell_stays_not_rated(
    people: dict[str, Person], tmp_path: Path
) -> None:
    path = write(tmp_path, "r.csv", HEADER + "ada@example.org,1,,3,\n")
    import_file(path, cycle="2026")
    rating = RatingRow.objects.get()
    assert (rating.knowledge, rating.application) == (None, 3)
    assert Assessment.objects.count() == 1


def workbook(
    tmp_path: Path, rows: list[list[object]], merge: str | None = None, extra: str = ""
) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = "Ratings"
    sheet.append(["person", "competence", "knowledge", "application", *([extra] if extra else [])])
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    path = tmp_path / "ratings.xlsx"
    book.save(path)
    return path


def test_a_formula_in_a_rating_cell_is_refused_naming_sheet_row_and_column(
    people: dict[str, Person], tmp_path: Path
) -> None:
    path = workbook(tmp_path, [["ada@example.org", 1, 3, 3], ["ada@example.org", 2, "=2+2", 3]])
    with pytest.raises(InputError) as caught:
        import_file(path, cycle="2026")
    assert caught.value.problems == [
        f"{path}, sheet Ratings, row 3, column C (knowledge): holds a formula (=2+2); type the "
        "value itself: an import does not work formulas out"
    ]
    assert not RatingRow.objects.exists()


def test_merged_cells_in_the_ratings_are_refused_naming_the_range(
    people: dict[str, Person], tmp_path: Path
) -> None:
    rows: list[list[object]] = [["ada@example.org", n, 2, 2] for n in range(1, 7)]
    path = workbook(tmp_path, rows, merge="C6:C7")
    with pytest.raises(InputError) as caught:
        import_file(path, cycle="2026")
    assert caught.value.problems == [
        f"{path}, sheet Ratings, cells C6:C7: merged cells where an import needs values; "
        "unmerge them and give each row its own value"
    ]
    assert not RatingRow.objects.exists()


def test_a_workbook_without_formulas_or_merges_imports(
    people: dict[str, Person], tmp_path: Path
) -> None:
    path = workbook(
        tmp_path, [["ada@example.org", 1, 3, None, "=C2*2"]], merge="E1:F1", extra="Definition"
    )
    import_file(
        path, cycle="2026"
    )  # a formula in a column the import passes over (the template's Definition) is let be
    rating = RatingRow.objects.get()
    assert (rating.knowledge, rating.application) == (3, None)


TOO_LONG = "evidence: longer than 2000 characters (it has 2001)"


def test_evidence_longer_than_the_form_takes_is_refused_by_an_import(
    people: dict[str, Person], tmp_path: Path
) -> None:
    path = write(tmp_path, "r.csv", HEADER + f"ada@example.org,1,3,3,{'e' * 2001}\n")
    with pytest.raises(InputError) as caught:
        import_file(path, cycle="2026")
    assert caught.value.problems == [f"{path}, line 2: {TOO_LONG}"]
    exactly = write(tmp_path, "ok.csv", HEADER + f"ada@example.org,1,3,3,{'e' * 2000}\n")
    import_file(exactly, cycle="2026")
    assert len(RatingRow.objects.get().evidence) == 2000


def test_evidence_longer_than_the_form_takes_is_refused_in_a_json_export(
    people: dict[str, Person], tmp_path: Path
) -> None:
    import json

    from competence.services.export import export_document
    from tests.integration.conftest import wipe

    import_file(write(tmp_path, "r.csv", HEADER + "ada@example.org,1,3,3,short\n"), cycle="2026")
    doc = export_document()
    doc["assessments"][0]["ratings"][0]["evidence"] = "e" * 2001
    wipe()
    path = write(tmp_path, "export.json", json.dumps(doc))
    with pytest.raises(InputError) as caught:
        import_file(path)
    assert f"{path}, assessments[0].ratings[0].{TOO_LONG}" in caught.value.problems


def test_pmo_leads_come_back_from_a_json_export_when_their_users_are_there(
    people: dict[str, Person], tmp_path: Path
) -> None:
    import json

    from django.contrib.auth.models import User

    from competence.services.export import export_document
    from competence.store.models import Pmo
    from tests.integration.conftest import wipe

    Pmo.objects.get().leads.add(User.objects.create(username="lead"))
    first = export_document()
    assert first["pmos"] == [
        {"name": "Programme Office", "context": "programme", "leads": ["lead"]}
    ]
    path = write(tmp_path, "export.json", json.dumps(first))
    # Into an empty database: a plain export carries no users, so the lead is counted, not linked.
    wipe()
    report = import_file(path)
    assert (report.counts["leads"], report.counts["leads_without_user"]) == (0, 1)
    assert export_document()["pmos"][0]["leads"] == []
    # With the lead's user there first, the round trip gives back the same document.
    wipe()
    User.objects.create(username="lead")
    report = import_file(path)
    assert (report.counts["leads"], report.counts["leads_without_user"]) == (1, 0)
    assert export_document() == first
