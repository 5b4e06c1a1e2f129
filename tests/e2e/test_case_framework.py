"""An assessment against an imported OpenSALT framework, end to end in a real process: the
framework imported and listed, a single-axis profile over its items, people and their ratings
imported, the verdict with reasons, and every non-web surface (template, gap, plan, team plan,
CASE and Moodle exports) on that profile."""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator
from openpyxl import load_workbook

from tests.conftest import CASE_FILES, CASE_SCHEMA, ROOT
from tests.e2e.test_cli_database import competence, database_url

__all__ = ["database_url"]
pytestmark = pytest.mark.db

SAMPLE_ID = "20c5134f-423d-4097-a971-3dd5152bf507"
PROFILE = f"""schema: competence/profile/1
id: ratio-analyst
name: Ratio analyst
framework: {SAMPLE_ID}
description: Ratio and proportion, for our analysts
requirements:
  - {{competence: 2, application: 3, contexts: [project, programme, portfolio]}}
  - {{competence: 3, application: 3, contexts: [project, programme, portfolio]}}
  - {{competence: 4, application: 2, contexts: [programme]}}
"""
PEOPLE = """name,email,team,context,profile
Emmy Noether,emmy@example.org,Maths,programme,ratio-analyst
Sofia Kovalevskaya,sofia@example.org,Maths,programme,ratio-analyst
"""
RATINGS = """person,competence,knowledge,application
emmy@example.org,2,,4
emmy@example.org,3,,2
emmy@example.org,4,,2
sofia@example.org,2,,3
sofia@example.org,3,,3
sofia@example.org,4,,3
"""


def ok(url: str, *args: str) -> str:
    result = competence(url, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_an_opensalt_framework_is_assessed_end_to_end(database_url: str, tmp_path: Path) -> None:
    url = database_url
    ok(url, "db", "upgrade")
    imported = json.loads(
        ok(url, "framework", "import", str(CASE_FILES / "opensalt-sample-framework.json"), "--json")
    )
    assert (imported["framework"], imported["items"]) == (SAMPLE_ID, 16)
    listed = {f["id"]: f for f in json.loads(ok(url, "framework", "list", "--json"))}
    assert listed[SAMPLE_ID]["axes"] == ["application"]
    assert len(listed[SAMPLE_ID]["competences"]) == 16
    assert len(listed["apm-pmo"]["competences"]) == 29
    assert "What Standards Could Be" in ok(url, "framework", "list")

    profile = tmp_path / "ratio.yaml"
    profile.write_text(PROFILE, "utf-8")
    stored = json.loads(ok(url, "profile", "import", str(profile), "--json"))
    assert (stored["id"], stored["version"], stored["requirements"]) == ("ratio-analyst", 1, 3)
    (tmp_path / "people.csv").write_text(PEOPLE, "utf-8")
    ok(url, "import", str(tmp_path / "people.csv"))
    (tmp_path / "ratings.csv").write_text(RATINGS, "utf-8")
    ok(url, "import", str(tmp_path / "ratings.csv"), "--cycle", "2026")

    # The verdict with reasons: from the file, and from the stored assessment.
    verdicts = json.loads(
        ok(
            url,
            "gap",
            str(tmp_path / "ratings.csv"),
            "--profile",
            "ratio-analyst",
            "--context",
            "programme",
            "--json",
        )
    )
    emmy, sofia = verdicts
    assert emmy["meets_profile"] is False
    assert emmy["reasons"][0] == (
        "Does not meet the Ratio analyst profile in the programme context: "
        "1 of 3 requirements that apply are not met"
    )
    assert emmy["reasons"][1].endswith("application 2, the Ratio analyst profile needs 3")
    assert [(m["number"], m["axis"], m["target"], m["actual"]) for m in emmy["missing"]] == [
        (3, "application", 3, 2)
    ]
    assert len(emmy["competences"]) == 16
    assert emmy["competences"][1]["target"] == {"application": 3}
    assert sofia["meets_profile"] is True
    history = json.loads(ok(url, "history", "emmy@example.org", "--json"))
    assert [(a["profile"], a["meets_profile"]) for a in history["assessments"]] == [
        ("ratio-analyst", False)
    ]
    assert "Ratio analyst" in ok(
        url, "gap", str(tmp_path / "ratings.csv"), "-p", "ratio-analyst", "-c", "programme"
    )

    report = tmp_path / "emmy.html"
    ok(url, "report", "emmy@example.org", "--format", "html", "--out", str(report))
    html = report.read_text("utf-8")
    assert '<th class="num">Application</th>' in html
    assert '<th class="num">Knowledge</th>' not in html
    assert "Does not meet the Ratio analyst profile" in html

    # The development plan proposes the one step, on the one axis.
    plan = json.loads(ok(url, "plan", "emmy@example.org", "--generate", "--json"))
    assert [(i["number"], i["axis"], i["target_level"]) for i in plan] == [(3, "application", 3)]

    # The team workbook: one heatmap, on the framework's items, and the gaps on that axis.
    team_book = tmp_path / "maths.xlsx"
    ok(url, "report", "--team", "Maths", "--format", "xlsx", "--out", str(team_book))
    book = load_workbook(team_book)
    assert book.sheetnames == [
        "Application",
        "Gaps",
        "Application targets",
        "Calibration",
        "Trends",
    ]
    assert book["Application"].max_column == 3 + 16
    assert {r[3] for r in book["Gaps"].iter_rows(min_row=2, values_only=True)} == {"application"}

    # The template: the three items that apply, application only.
    workbook = tmp_path / "ratio.xlsx"
    ok(
        url,
        "template",
        "--profile",
        "ratio-analyst",
        "--context",
        "programme",
        "--out",
        str(workbook),
    )
    sheet = load_workbook(workbook)["Self-assessment"]
    rows = [r for r in sheet.iter_rows(min_row=8, values_only=True) if r[0] is not None]
    assert [(r[0], r[6], r[7]) for r in rows] == [(2, None, 3), (3, None, 3), (4, None, 2)]
    assert sheet.cell(8, 4).protection.locked is True  # knowledge stays locked
    assert sheet.cell(8, 5).protection.locked is False  # application is to fill in

    # The capability planner over the profile's framework.
    needs = tmp_path / "needs.yaml"
    needs.write_text(
        "profiles: {officer: ratio-analyst}\nrequirements:\n  - {competence: 3, at_least: 2}\n",
        "utf-8",
    )
    planned = json.loads(ok(url, "team", "plan", "--requirements", str(needs), "--json"))
    assert planned["people"] == 2
    assert planned["steps"] == [
        {
            "person": "emmy@example.org",
            "name": "Emmy Noether",
            "number": 3,
            "slug": listed[SAMPLE_ID]["competences"][2]["slug"],
            "competence": listed[SAMPLE_ID]["competences"][2]["name"],
            "axis": "application",
            "from": 2,
            "to": 3,
        }
    ]

    # The exports: CASE 1.1 (valid against the schema, the profile in extensions) and Moodle.
    package = tmp_path / "ratio-case.json"
    ok(
        url,
        "framework",
        "export",
        "--format",
        "case",
        "--profile",
        "ratio-analyst",
        "--out",
        str(package),
    )
    doc = json.loads(package.read_text("utf-8"))
    schema = json.loads(CASE_SCHEMA.read_text("utf-8"))
    assert list(Draft201909Validator(schema).iter_errors(doc)) == []
    assert [r["title"] for r in doc["CFRubrics"]] == ["Application"]
    assert len(doc["CFItems"]) == 16
    assert doc["CFDocument"]["extensions"]["profiles"]["ratio-analyst"]["name"] == "Ratio analyst"
    targets = doc["CFItems"][2]["extensions"]["profiles"]["ratio-analyst"]
    assert (targets["application"], "knowledge" in targets) == (3, False)
    moodle = tmp_path / "ratio-moodle.csv"
    ok(
        url,
        "framework",
        "export",
        "--format",
        "moodle",
        "--profile",
        "ratio-analyst",
        "--out",
        str(moodle),
    )
    with moodle.open(encoding="utf-8", newline="") as f:
        moodle_rows = list(csv.reader(f))
    assert len(moodle_rows) == 1 + 1 + 16 * 2  # header, framework, each item and its one axis
    first = listed[SAMPLE_ID]["competences"][0]["name"]
    assert [r[2] for r in moodle_rows[2:5]] == [first, "Application", moodle_rows[4][2]]
    assert moodle_rows[4][2] != "Knowledge"


def blocks(markdown: str) -> list[tuple[str, str]]:
    """Every fenced block of a Markdown text: (its info string, its text)."""
    return [
        (m.group(1).strip(), m.group(2))
        for m in re.finditer(r"^```([^\n]*)\n(.*?)^```$", markdown, flags=re.M | re.S)
    ]


def test_the_worked_example_of_docs_profiles_runs_as_written(
    database_url: str, tmp_path: Path
) -> None:
    text = (ROOT / "docs" / "profiles.md").read_text("utf-8")
    section = text.split("### Worked example: a profile over an OpenSALT framework", 1)[1]
    section = section.split("\n## ", 1)[0]
    found = blocks(section)
    files = {info.split()[1]: body for info, body in found if len(info.split()) == 2}
    assert set(files) == {"ratio-analyst.yaml", "people.csv", "ratings.csv", "reasons"}
    for name, body in files.items():
        (tmp_path / name).write_text(body, "utf-8")
    shutil.copy(CASE_FILES / "opensalt-sample-framework.json", tmp_path)
    (commands,) = [body for info, body in found if info == "sh"]
    ok(database_url, "db", "upgrade")
    output = ""
    for line in commands.splitlines():
        program, *args = shlex.split(line)
        assert program == "competence"
        result = competence(database_url, *args, cwd=tmp_path)
        assert result.returncode == 0, f"{line}: {result.stderr}"
        output = result.stdout
    (verdict,) = json.loads(output)
    assert verdict["reasons"] == files["reasons"].splitlines()
    assert verdict["meets_profile"] is False
