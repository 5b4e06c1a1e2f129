"""Ratings files take an ``assessed_on`` column: the dates are kept, exported back, and shown
stale; one date per person, cycle and kind; a bad or future date is named, nothing written."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from competence.domain.freshness import months_before
from competence.errors import InputError
from competence.services import export, freshness
from competence.services.imports import import_file
from competence.store.models import Assessment, Person
from competence.store.models import Rating as RatingRow
from tests.integration.conftest import write

HEADER = "person,cycle,kind,assessed_on,competence,knowledge,application\n"


def test_a_migrated_history_keeps_its_dates_and_is_shown_stale(
    people: dict[str, Person], tmp_path: Path
) -> None:
    old = months_before(timezone.localdate(), 14)
    path = write(
        tmp_path,
        "history.csv",
        HEADER
        + f"ada@example.org,2024,agreed,{old.isoformat()},1,3,3\n"
        + f"ada@example.org,2024,agreed,{old.isoformat()},2,2,3\n"
        + "grace@example.org,2024,self,,1,2,2\n",
    )
    import_file(path)
    ada = Assessment.objects.get(person=people["ada"])
    assert ada.assessed_on == old
    assert Assessment.objects.get(person=people["grace"]).assessed_on == timezone.localdate()
    words = freshness.words_for([people["ada"].pk, people["grace"].pk])
    assert words[people["ada"].pk].startswith("assessed 14 months ago: due again")
    assert words[people["grace"].pk].startswith("assessed this month")
    out = tmp_path / "out.csv"
    export.export_to("csv", None, True, out)
    with out.open(encoding="utf-8") as f:
        exported = {(r["person"], r["competence"]): r["assessed_on"] for r in csv.DictReader(f)}
    assert exported[("ada@example.org", "1")] == old.isoformat()
    # Imported again with a later date, the same assessment takes it.
    later = write(tmp_path, "later.csv", HEADER + "ada@example.org,2024,agreed,2025-01-02,1,4,4\n")
    import_file(later)
    assert Assessment.objects.get(person=people["ada"]).assessed_on == dt.date(2025, 1, 2)


def test_a_workbook_and_a_json_file_give_dates_too(
    people: dict[str, Person], tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["person", "cycle", "competence", "knowledge", "application", "assessed_on"])
    sheet.append(["ada@example.org", "2024", 1, 3, 3, dt.datetime(2024, 5, 6)])
    book.save(tmp_path / "r.xlsx")
    import_file(tmp_path / "r.xlsx")
    assert Assessment.objects.get(person=people["ada"]).assessed_on == dt.date(2024, 5, 6)
    doc = {
        "person": "grace@example.org",
        "ratings": [
            {"competence": 1, "knowledge": 2, "application": 2, "assessed_on": "2024-07-08"}
        ],
    }
    path = write(tmp_path, "r.json", json.dumps(doc))
    import_file(path, cycle="2024")
    assert Assessment.objects.get(person=people["grace"]).assessed_on == dt.date(2024, 7, 8)


def test_one_date_per_person_cycle_and_kind_and_bad_dates_are_named(
    people: dict[str, Person], tmp_path: Path
) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    path = write(
        tmp_path,
        "bad.csv",
        HEADER
        + "ada@example.org,2024,self,2024-03-01,1,3,3\n"
        + "ada@example.org,2024,self,2024-03-02,2,3,3\n"
        + "ada@example.org,2024,agreed,2024-03-02,2,3,3\n"
        + "grace@example.org,2024,self,1 March 2024,1,3,3\n"
        + f"alan@example.org,2024,self,{tomorrow.isoformat()},1,3,3\n",
    )
    with pytest.raises(InputError) as caught:
        import_file(path)
    assert caught.value.problems == [
        f"{path}, line 3: assessed_on: ada@example.org, cycle 2024, self has one date, "
        "2024-03-01, given on its first row; got 2024-03-02",
        f'{path}, line 5: assessed_on: must be a date as YYYY-MM-DD, got "1 March 2024"',
        f"{path}, line 6: assessed_on: {tomorrow.isoformat()} is in the future (today is "
        f"{timezone.localdate().isoformat()})",
    ]
    assert not Assessment.objects.exists()
    assert not RatingRow.objects.exists()
