"""Every non-web surface with a tailored profile: a copy of APM's PMO officer profile that drops
portfolio shaping (6) and raises schedule management (23) to 4/4. The template, gap, the
development plan, the capability planner, and the CASE and Moodle exports each use it, from a
profile file and as a stored profile."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft201909Validator
from openpyxl import load_workbook

from competence.cli import main
from competence.domain import Rating
from competence.services import plans, profiles, records
from competence.services.imports import import_file
from competence.store.models import Person
from tests.conftest import CASE_SCHEMA
from tests.integration.conftest import write

SCHEDULE, PORTFOLIO_SHAPING = 23, 6


def analyst() -> dict[str, Any]:
    doc = profiles.export("pmo-officer")
    doc.pop("owner")
    doc["requirements"] = [r for r in doc["requirements"] if r["competence"] != PORTFOLIO_SHAPING]
    for r in doc["requirements"]:
        if r["competence"] == SCHEDULE:
            r["knowledge"] = r["application"] = 4
    return {**doc, "id": "pmo-analyst", "name": "PMO analyst", "version": 1}


@pytest.fixture
def stored(actor: str, tmp_path: Path) -> Path:
    """The tailored profile stored, its file beside it, and Ada assigned to it."""
    path = tmp_path / "analyst.yaml"
    path.write_text(yaml.safe_dump(analyst(), sort_keys=False), "utf-8")
    profiles.publish(analyst())
    import_file(
        write(
            tmp_path,
            "people.csv",
            "name,email,team,context,profile\nAda Lovelace,ada@example.org,PMO,portfolio,"
            "pmo-analyst\nGrace Hopper,grace@example.org,PMO,portfolio,pmo-analyst\n",
        )
    )
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.mark.parametrize("as_file", [True, False], ids=["file", "stored"])
def test_the_template_and_gap_use_the_tailored_targets(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], as_file: bool
) -> None:
    chosen = str(stored) if as_file else "pmo-analyst"
    out = tmp_path / "t.xlsx"
    cli(capsys, "template", "--profile", chosen, "--context", "portfolio", "--out", str(out))
    sheet = load_workbook(out)["Self-assessment"]
    assert sheet["B2"].value == "pmo-analyst"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=8, values_only=True) if r[0] is not None}
    assert PORTFOLIO_SHAPING not in rows
    assert rows[SCHEDULE][6:8] == (4, 4)
    ratings = write(tmp_path, "r.csv", "competence,knowledge,application\n23,3,3\n6,5,5\n")
    gap = json.loads(cli(capsys, "gap", str(ratings), "-p", chosen, "-c", "portfolio", "--json"))
    by_number = {c["number"]: c for c in gap["competences"]}
    assert len(by_number) == 29
    assert by_number[PORTFOLIO_SHAPING]["applicable"] is False
    assert by_number[SCHEDULE]["target"] == {"knowledge": 4, "application": 4}
    assert "Schedule management: knowledge 3, the PMO analyst profile needs 4" in gap["reasons"]


def test_the_development_plan_works_toward_the_tailored_target(stored: Path) -> None:
    ada = Person.objects.get(email="ada@example.org")
    rated = records.record_assessment(
        ada,
        records.open_cycle(),
        {n: Rating(5, 5) for n in range(1, 30) if n != SCHEDULE} | {SCHEDULE: Rating(3, 4)},
    )
    records.submit(rated)  # a draft never counts
    made = plans.generate(ada)
    assert [(i.competence, i.axis, i.target_level) for i in made] == [(SCHEDULE, "knowledge", 4)]


def test_the_capability_planner_uses_the_tailored_profile(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for email in ("ada@example.org", "grace@example.org"):
        person = Person.objects.get(email=email)
        rated = records.record_assessment(person, records.open_cycle(), {SCHEDULE: Rating(3, 3)})
        records.submit(rated)
    needs = write(
        tmp_path,
        "needs.yaml",
        "profiles: {officer: pmo-analyst}\nrequirements:\n  - {competence: 23, at_least: 1}\n"
        "nobody_alone: true\n",
    )
    planned = json.loads(cli(capsys, "team", "plan", "--requirements", str(needs), "--json"))
    assert planned["people"] == 2
    raised = {(s["number"], s["axis"], s["to"]) for s in planned["steps"]}
    assert (SCHEDULE, "knowledge", 4) in raised  # the analyst's 4, not the officer's 3
    coverage = {c["number"]: c for c in planned["coverage"]}
    assert coverage[PORTFOLIO_SHAPING]["applies_to"] == 0  # dropped: applies to nobody
    assert all(s["number"] != PORTFOLIO_SHAPING for s in planned["steps"])
    assert planned["unmet"] == []


@pytest.mark.parametrize("as_file", [True, False], ids=["file", "stored"])
def test_the_case_and_moodle_exports_carry_the_tailored_profile(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], as_file: bool
) -> None:
    chosen = str(stored) if as_file else "pmo-analyst"
    package = tmp_path / "case.json"
    cli(capsys, "framework", "export", "--format", "case", "-p", chosen, "--out", str(package))
    doc = json.loads(package.read_text("utf-8"))
    schema = json.loads(CASE_SCHEMA.read_text("utf-8"))
    assert list(Draft201909Validator(schema).iter_errors(doc)) == []
    assert "pmo-analyst" in doc["CFDocument"]["extensions"]["profiles"]
    items = {i["extensions"]["number"]: i["extensions"]["profiles"] for i in doc["CFItems"]}
    assert items[SCHEDULE]["pmo-analyst"]["knowledge"] == 4
    assert items[SCHEDULE]["pmo-officer"]["knowledge"] == 3
    assert "pmo-analyst" not in items[PORTFOLIO_SHAPING]
    moodle = tmp_path / "moodle.csv"
    cli(capsys, "framework", "export", "--format", "moodle", "-p", chosen, "--out", str(moodle))
    with moodle.open(encoding="utf-8", newline="") as f:
        rows = {r[1]: r for r in csv.reader(f)}
    assert "PMO analyst: knowledge 4, application 4" in rows["APM-PMO-23"][3]
    assert "PMO analyst" not in rows["APM-PMO-06"][3]


def test_history_on_a_single_axis_framework_trends_its_one_axis(
    actor: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from competence.services import frameworks
    from competence.store.models import Cycle
    from tests.conftest import CASE_FILES

    sample = frameworks.import_case_framework(CASE_FILES / "opensalt-sample-framework.json")
    profiles.publish(
        {
            "schema": "competence/profile/1",
            "id": "ratio-analyst",
            "name": "Ratio analyst",
            "framework": sample["framework"],
            "requirements": [{"competence": 2, "application": 3, "contexts": ["programme"]}],
        }
    )
    import_file(
        write(
            tmp_path,
            "people.csv",
            "name,email,team,context,profile\nEmmy Noether,emmy@example.org,Maths,programme,"
            "ratio-analyst\n",
        )
    )
    emmy = Person.objects.get(email="emmy@example.org")
    for name, level in (("2025", 2), ("2026", 3)):
        cycle = Cycle.objects.create(name=name, opens_on=f"{name}-01-05")
        records.submit(records.record_assessment(emmy, cycle, {2: Rating(None, level)}))
    history = json.loads(cli(capsys, "history", "emmy@example.org", "--json"))
    assert history["axes"] == ["application"]
    shown = cli(capsys, "history", "emmy@example.org")
    assert "Trend (application per cycle)" in shown
    assert "knowledge" not in shown
