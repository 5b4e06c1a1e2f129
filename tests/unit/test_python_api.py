"""The Python API gives the same plain data as the command's --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import competence
from competence.cli import main
from tests.conftest import EXAMPLES


def test_gap_file_matches_the_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = competence.gap_file(EXAMPLES / "ada.csv", "pmo-specialist", "programme")
    assert (
        main(
            ["gap", str(EXAMPLES / "ada.csv"), "-p", "pmo-specialist", "-c", "programme", "--json"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out) == data


def test_gap_takes_numbers_slugs_names_and_pairs() -> None:
    data = competence.gap(
        {
            1: (4, 4),
            "governance-arrangements": {"knowledge": 4, "application": 4},
            "Schedule management": (4, None),
        },
        profile="pmo-specialist",
        context="project",
        person="ada",
    )
    assert data["person"] == "ada"
    by_number = {c["number"]: c for c in data["competences"]}
    assert by_number[2]["met"] is True
    assert by_number[23]["actual"] == {"knowledge": 4, "application": None}
    assert data["closest_specialisms"][0] == {
        "number": 23,
        "slug": "schedule-management",
        "levels_short": 4,
    }


def test_gap_rejects_bad_input_with_input_error() -> None:
    with pytest.raises(competence.InputError, match="unknown competence"):
        competence.gap({"planning": (1, 1)}, "pmo-officer", "project")
    with pytest.raises(competence.InputError, match="whole numbers from 0 to 5"):
        competence.gap({1: (6, 1)}, "pmo-officer", "project")


def test_catalogue_functions_return_plain_data(tmp_path: Path) -> None:
    assert len(competence.framework()["competences"]) == 29
    assert [p["builds_on"] for p in competence.profiles()] == [None, "pmo-officer"]
    assert competence.profile("pmo-officer", "portfolio")["requirements"][5]["applicable"] is True
    assert len(competence.profile_diff("pmo-officer", "pmo-specialist")["changes"]) == 15
    assert competence.write_template(tmp_path / "t.xlsx", "pmo-officer", "project") == 26
    json.dumps([competence.framework(), competence.profiles()])  # plain, serialisable data


@pytest.mark.parametrize(
    "ratings",
    [{1: 3}, {1: (1, 2, 3)}, {1: "35"}, {1: ("3", "3")}, {1: (3, 3), "life-cycles": (0, 0)}],
)
def test_gap_rejects_malformed_ratings(ratings: dict[int | str, object]) -> None:
    with pytest.raises(competence.InputError):
        competence.gap(ratings, "pmo-officer", "project")


def test_gap_needs_a_context() -> None:
    with pytest.raises(competence.InputError, match="no context given"):
        competence.gap({}, "pmo-officer", None)  # type: ignore[arg-type]


def test_write_template_to_a_missing_folder_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(competence.InputError, match="cannot write"):
        competence.write_template(tmp_path / "no" / "such" / "t.xlsx")
