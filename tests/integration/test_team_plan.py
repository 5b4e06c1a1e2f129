"""competence team plan: requirements from YAML, planned exactly on the team's ratings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from competence.cli import main
from competence.errors import InputError
from competence.services import records
from competence.services.planning import read_requirements, team_plan
from competence.services.policy import OPERATOR
from competence.services.team_view import choose
from competence.store.models import Cycle, Person
from tests.conftest import EXAMPLES
from tests.integration.conftest import ratings, write


def test_the_plan_raises_the_closest_people_fewest_levels(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    for who, levels in (("ada", (4, 3)), ("grace", (3, 3))):
        records.submit(records.record_assessment(people[who], cycles[1], ratings(schedule=levels)))
    wanted = {"requirements": [{"competence": 23, "level": "specialist", "at_least": 2}]}
    team = "Delivery / Finance PMO"
    data = team_plan(choose(OPERATOR, path=team), wanted, team)
    assert data["people"] == 2
    assert data["levels_raised"] == 3  # Ada +1 application, Grace +1 and +1
    assert {(s["person"], s["axis"], s["from"], s["to"]) for s in data["steps"]} == {
        ("ada@example.org", "application", 3, 4),
        ("grace@example.org", "knowledge", 3, 4),
        ("grace@example.org", "application", 3, 4),
    }
    assert data["closest"]["at least 2 people at specialist level in Schedule management"][0] == {
        "person": "ada@example.org",
        "name": "Ada Lovelace",
        "levels_short": 1,
    }
    assert {(s["name"], s["competence"]) for s in data["steps"]} == {
        ("Ada Lovelace", "Schedule management"),
        ("Grace Hopper", "Schedule management"),
    }
    assert data["unmet"] == []


def test_nobody_alone_and_what_cannot_be_met(
    people: dict[str, Person], cycles: list[Cycle], capsys: pytest.CaptureFixture[str]
) -> None:
    records.submit(records.record_assessment(people["ada"], cycles[1], ratings(life_cycles=(3, 3))))
    code = main(
        ["team", "plan", "--requirements", str(EXAMPLES / "team-requirements.yaml"), "--json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    alone = {a["number"]: a["person"] for a in data["single_points_of_failure"]}
    assert alone[1] == "ada@example.org"
    # Transition management applies only to the two programme people: both must reach 2/2.
    steps = {(s["person"], s["number"]) for s in data["steps"]}
    assert ("ada@example.org", 11) in steps
    assert ("grace@example.org", 11) in steps
    assert ("alan@example.org", 11) not in steps  # project PMO: it does not apply to Alan
    # Risk at specialist level: 1 of 3 people is enough; nothing is unmet.
    assert data["unmet"] == []
    code = main(
        [
            "team",
            "plan",
            "--team",
            "Delivery / Change",
            "--requirements",
            str(EXAMPLES / "team-requirements.yaml"),
        ]
    )
    assert code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "Cannot be met: at least 2 people at specialist level in Schedule management: needs 2 "
        "people, but only 1 can count (those it applies to)" in out
    )
    assert out.startswith("1 person in Delivery / Change.")
    assert "Uncovered (nobody meets the officer target): • 1. Life cycles" in out


def test_a_bad_requirements_file_names_each_problem(actor: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        "requirements:\n  - competence: nope\n    level: guru\n"
        "    at_least: 0\nnobody_alone: maybe\n",
    )
    with pytest.raises(InputError) as info:
        read_requirements(path)
    assert info.value.problems == [
        f"{path}, line 2: requirements[0].competence: unknown competence 'nope'",
        f"{path}, line 2: requirements[0].level: officer, specialist or {{knowledge: K, "
        "application: A}, got 'guru'",
        f"{path}, line 2: requirements[0].at_least: a whole number of people, 1 or more",
        f"{path}: nobody_alone: true or false",
    ]
