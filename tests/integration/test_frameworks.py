"""Imported CASE frameworks are assessable: listed, a profile defined over their items on a
single axis, people rated against it and judged with reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from competence.cli import main
from competence.errors import DataError, InputError
from competence.services import frameworks, profiles, records
from competence.services.export import export_rows
from competence.services.imports import import_file
from competence.services.results import person_gap, person_results
from competence.store.models import Assessment, Person, ProfileVersion
from tests.conftest import CASE_FILES
from tests.integration.conftest import write

SAMPLE = CASE_FILES / "opensalt-sample-framework.json"
SAMPLE_ID = "20c5134f-423d-4097-a971-3dd5152bf507"


def ratio_profile(**changes: Any) -> dict[str, Any]:
    """A profile over the OpenSALT sample framework: items 2 and 3 at application 3 everywhere,
    item 4 at 2 in a programme only."""
    return {
        "schema": "competence/profile/1",
        "id": "ratio-analyst",
        "name": "Ratio analyst",
        "framework": SAMPLE_ID,
        "requirements": [
            {"competence": 2, "application": 3, "contexts": ["project", "programme", "portfolio"]},
            {"competence": 3, "application": 3, "contexts": ["project", "programme", "portfolio"]},
            {"competence": 4, "application": 2, "contexts": ["programme"]},
        ],
        **changes,
    }


@pytest.fixture
def sample(actor: str) -> dict[str, Any]:
    return frameworks.import_case_framework(SAMPLE)


def test_an_imported_framework_is_listed_with_its_items_and_a_single_axis(
    sample: dict[str, Any],
) -> None:
    listed = {f["id"]: f for f in frameworks.listing()}
    assert next(iter(listed)) == "apm-pmo"
    assert listed["apm-pmo"]["axes"] == ["knowledge", "application"]
    assert len(listed["apm-pmo"]["competences"]) == 29
    fw = listed[SAMPLE_ID]
    assert (fw["title"], fw["source"], fw["axes"]) == (
        "What Standards Could Be",
        "case",
        ["application"],
    )
    assert len(fw["competences"]) == 16
    assert fw["competences"][0]["name"].startswith("CCSS.Math.Content.6.RP.A ")
    assert [lv["level"] for lv in fw["levels"]] == [0, 1, 2, 3, 4, 5]


def test_a_profile_over_an_imported_framework_is_checked_against_its_items_and_axis(
    sample: dict[str, Any],
) -> None:
    bad = ratio_profile(
        requirements=[
            {"competence": 2, "knowledge": 3, "application": 3, "contexts": ["project"]},
            {"competence": 17, "application": 3, "contexts": ["project"]},
            {"competence": 3, "contexts": ["project"]},
        ]
    )
    with pytest.raises(DataError) as raised:
        profiles.publish(bad, "ratio.yaml")
    assert raised.value.problems == [
        f"ratio.yaml: requirements[0].knowledge: framework {SAMPLE_ID} rates application only; "
        "leave knowledge out",
        "ratio.yaml: requirements[1].competence: no competence 17",
        f"ratio.yaml: requirements[2].application: a target is needed (framework {SAMPLE_ID} "
        "rates application)",
    ]
    with pytest.raises(DataError, match="framework: no framework 'nowhere': choose one of apm-pmo"):
        profiles.publish(ratio_profile(framework="nowhere"), "ratio.yaml")
    assert not profiles.known_profiles() or "ratio-analyst" not in profiles.known_profiles()


def test_a_person_is_assessed_against_an_imported_framework_end_to_end(
    sample: dict[str, Any], tmp_path: Path
) -> None:
    row = profiles.publish(ratio_profile())
    assert row.framework.framework_id == SAMPLE_ID
    assert "ratio-analyst" in profiles.known_profiles()
    import_file(
        write(
            tmp_path,
            "people.csv",
            "name,email,team,context,profile\n"
            "Emmy Noether,emmy@example.org,Maths,programme,ratio-analyst\n",
        )
    )
    import_file(
        write(
            tmp_path,
            "ratings.csv",
            "person,competence,knowledge,application\n"
            "emmy@example.org,2,,4\n"
            "emmy@example.org,CCSS.Math.Content.6.RP.A.2,,2\n"
            "emmy@example.org,4,,2\n",
        ),
        cycle="2026",
    )
    emmy = Person.objects.get(email="emmy@example.org")
    assessment = Assessment.objects.get(person=emmy)
    assert assessment.framework.framework_id == SAMPLE_ID
    gap = person_gap(emmy)
    assert gap["profile"] == "ratio-analyst"
    assert gap["meets_profile"] is False
    assert len(gap["competences"]) == 16
    by_number = {c["number"]: c for c in gap["competences"]}
    assert by_number[2]["target"] == {"application": 3}
    assert by_number[2]["actual"] == {"application": 4}
    assert by_number[3]["gap"] == {"application": 1}
    assert by_number[3]["label"] == "top-up"
    assert by_number[1]["applicable"] is False
    assert gap["missing"] == [
        {
            "number": 3,
            "slug": by_number[3]["slug"],
            "axis": "application",
            "target": 3,
            "actual": 2,
        }
    ]
    assert gap["reasons"][0] == (
        "Does not meet the Ratio analyst profile in the programme context: "
        "1 of 3 requirements that apply are not met"
    )
    assert gap["reasons"][1].endswith(": application 2, the Ratio analyst profile needs 3")
    exported = {r["competence"]: r["slug"] for r in export_rows(person=emmy)}
    assert exported[3] == by_number[3]["slug"]  # the framework's item, not APM's "sustainability"
    results = person_results(emmy)
    assert results["own"]["meets_profile"] is False
    assert results["judged_against"]["label"] == "Ratio analyst v1"
    assert results["officer"] is None  # APM's verdicts are not asked of another framework
    assert results["specialist"] is None
    assert results["next_steps"][0]["number"] == 3
    assert results["next_steps"][0]["axis"] == "application"


def test_a_knowledge_rating_on_a_single_axis_framework_is_refused_naming_the_line(
    sample: dict[str, Any], tmp_path: Path
) -> None:
    profiles.publish(ratio_profile())
    import_file(
        write(
            tmp_path,
            "people.csv",
            "name,email,team,context,profile\nEmmy Noether,emmy@example.org,Maths,project,"
            "ratio-analyst\n",
        )
    )
    with pytest.raises(InputError) as raised:
        import_file(
            write(
                tmp_path,
                "ratings.csv",
                "person,competence,knowledge,application\nemmy@example.org,2,3,4\n",
            )
        )
    assert [p.rsplit("/", 1)[-1] for p in raised.value.problems] == [
        "ratings.csv, line 2: knowledge: this framework rates application only; leave it empty"
    ]
    assert not Assessment.objects.exists()
    emmy = Person.objects.get(email="emmy@example.org")
    from competence.domain import Rating

    with pytest.raises(InputError, match="rates application only"):
        records.record_assessment(emmy, records.open_cycle(), {2: Rating(3, 4)})


def test_a_profile_over_an_imported_framework_round_trips_through_its_file(
    sample: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "ratio.yaml"
    first.write_text(yaml.safe_dump(ratio_profile()), "utf-8")
    assert main(["profile", "import", str(first)]) == 0
    exported = tmp_path / "exported.yaml"
    assert main(["profile", "export", "ratio-analyst", "--out", str(exported)]) == 0
    document = yaml.safe_load(exported.read_text("utf-8"))
    assert document["framework"] == SAMPLE_ID
    assert all(
        set(r) == {"competence", "application", "contexts"} for r in document["requirements"]
    )
    assert main(["profile", "import", str(exported)]) == 0  # the same data, as version 2
    again = profiles.export("ratio-analyst")
    assert again["version"] == 2
    assert {**again, "version": 1} == {**document, "version": 1}
    capsys.readouterr()


def test_an_invalid_profile_file_over_an_imported_framework_names_each_field_and_stores_nothing(
    sample: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = ratio_profile(
        id="Ratio Analyst",
        requirements=[
            {"competence": 2, "application": 9, "contexts": ["programme"]},
            {"competence": 3, "knowledge": 2, "application": 3, "contexts": ["programme"]},
            {"competence": 99, "application": 3, "contexts": ["team"]},
        ],
    )
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), "utf-8")
    before = ProfileVersion.objects.count()
    assert main(["profile", "import", str(path)]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "bad.yaml: id: 'Ratio Analyst' does not match '^[a-z0-9]+(-[a-z0-9]+)*$'",
        "bad.yaml: requirements[0].application: 9 is greater than the maximum of 5",
        "bad.yaml: requirements[2].contexts[0]: 'team' is not one of "
        "['project', 'programme', 'portfolio']",
    ]
    fixed = {**bad, "id": "ratio-analyst"}
    fixed["requirements"][0]["application"] = 3
    fixed["requirements"][2]["contexts"] = ["programme"]
    path.write_text(yaml.safe_dump(fixed), "utf-8")
    assert main(["profile", "import", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"bad.yaml: requirements[1].knowledge: framework {SAMPLE_ID} rates application only; "
        "leave knowledge out",
        "bad.yaml: requirements[2].competence: no competence 99",
    ]
    assert ProfileVersion.objects.count() == before


def test_a_workbook_made_for_a_stored_profile_is_read_back_without_naming_it(
    sample: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    profiles.publish(ratio_profile())
    book = tmp_path / "ratio.xlsx"
    args = ["template", "--profile", "ratio-analyst", "-c", "programme", "--out", str(book)]
    assert main(args) == 0
    workbook = load_workbook(book)
    sheet = workbook["Self-assessment"]
    sheet.protection.sheet = False
    for row, level in ((8, 4), (9, 2), (10, 2)):
        sheet.cell(row, 5).value = level
    workbook.save(book)
    capsys.readouterr()
    assert main(["gap", str(book), "--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert (verdict["profile"], verdict["context"]) == ("ratio-analyst", "programme")
    assert verdict["meets_profile"] is False
    assert [m["number"] for m in verdict["missing"]] == [3]
