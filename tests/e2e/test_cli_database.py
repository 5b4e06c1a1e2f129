"""The database commands end to end, in a real process, on a brand-new database of each engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from competence.services.records import cli_actor
from tests.conftest import CASE_FILES, EXAMPLES
from tests.integration.conftest import PEOPLE

SCRIPT = Path(sys.executable).parent / "competence"


def engines() -> list[str]:
    return (
        ["sqlite", "postgresql"] if os.environ.get("COMPETENCE_TEST_DATABASE_URL") else ["sqlite"]
    )


@contextmanager
def new_database(engine: str, folder: Path) -> Iterator[str]:
    """The URL of a brand-new, empty database of the engine, dropped afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{folder / uuid.uuid4().hex[:8] / 'fresh.sqlite3'}"
        return
    import psycopg

    base = os.environ["COMPETENCE_TEST_DATABASE_URL"]
    name = f"competence_cli_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=engines())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with new_database(request.param, tmp_path) as url:
        yield url


def other_engine(url: str) -> str:
    """Restore across engines when both are here: SQLite to PostgreSQL and back."""
    if len(engines()) == 1:
        return "sqlite"
    return "postgresql" if url.startswith("sqlite") else "sqlite"


def competence(url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMPETENCE_DATABASE_URL": url}
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
        timeout=120,
    )


pytestmark = pytest.mark.db


def test_a_whole_session_on_a_new_database(database_url: str, tmp_path: Path) -> None:
    # Before the upgrade, commands say what to do.
    result = competence(database_url, "history", "ada@example.org")
    assert result.returncode == 2
    assert "needs upgrading: run `competence db upgrade`" in result.stderr
    # The upgrade creates everything, and running it again changes nothing.
    for _ in range(2):
        result = competence(database_url, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        assert "is up to date (framework apm-pmo 3.0.0)" in result.stderr
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    result = competence(database_url, "import", str(people), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["created"] == 3
    made = subprocess.run(
        [
            str(SCRIPT),
            "user",
            "create",
            "hr-admin",
            "--role",
            "admin",
            "--email",
            "hr@example.org",
            "--password-stdin",
        ],
        input="a long pass phrase\n",
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COMPETENCE_DATABASE_URL": database_url},
    )
    assert made.returncode == 0, made.stderr
    result = competence(
        database_url, "--as", "hr-admin", "import", str(EXAMPLES / "team.csv"), "--cycle", "2026"
    )
    assert result.returncode == 0, result.stderr
    assert "Imported ratings file" in result.stdout
    # A bad file: exit 2, every row, nothing written.
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "person,competence,knowledge,application\nada@example.org,1,9,1\nzed@example.org,2,1,1\n"
    )
    result = competence(database_url, "import", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f'{bad}, line 2: knowledge: must be a whole number from 0 to 5, got "9"',
        f"{bad}, line 3: person: no person with the email or employee id 'zed@example.org' "
        "(import the people file first)",
    ]
    result = competence(database_url, "history", "E1", "--json")
    assert json.loads(result.stdout)["assessments"][0]["cycle"] == "2026"
    result = competence(database_url, "audit", "--json")
    audit = json.loads(result.stdout)
    assert [(e["actor"], e["action"]) for e in audit if e["action"] == "import"] == [
        (cli_actor(), "import"),
        ("hr-admin", "import"),
    ]
    # Export, back up, and restore into another new database.
    out = tmp_path / "all.json"
    assert competence(database_url, "export", "--format", "json", "--out", str(out)).returncode == 0
    assert (
        competence(
            database_url, "export", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")
        ).returncode
        == 0
    )
    csv_out = competence(database_url, "export", "--format", "csv", "--history")
    assert csv_out.stdout.splitlines()[0].startswith("person,name,employee_id,team")
    assert len(csv_out.stdout.splitlines()) == 1 + 7
    backup = tmp_path / "b.json.gz"
    assert competence(database_url, "backup", "--out", str(backup)).returncode == 0
    with new_database(other_engine(database_url), tmp_path) as other:
        assert competence(other, "db", "upgrade").returncode == 0
        result = competence(other, "restore", str(backup))
        assert result.returncode == 0, result.stderr
        again = tmp_path / "again.json"
        assert competence(other, "export", "--format", "json", "--out", str(again)).returncode == 0
        assert json.loads(again.read_text()) == json.loads(out.read_text())
        # A second restore into a database that is no longer empty is refused.
        assert competence(other, "restore", str(backup)).returncode == 2


def test_framework_interchange_commands(database_url: str, tmp_path: Path) -> None:
    case = tmp_path / "apm.json"
    result = competence(database_url, "framework", "export", "--format", "case", "--out", str(case))
    assert result.returncode == 0, result.stderr
    assert json.loads(case.read_text())["CFDocument"]["title"]
    moodle = tmp_path / "apm.csv"
    assert (
        competence(
            database_url, "framework", "export", "--format", "moodle", "--out", str(moodle)
        ).returncode
        == 0
    )
    assert len(moodle.read_text().splitlines()) == 1 + 1 + 29 * 3
    assert competence(database_url, "db", "upgrade").returncode == 0
    messy = CASE_FILES / "opensalt-sample-framework.json"
    result = competence(database_url, "framework", "import", str(messy), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["items"] == 16
    assert any("educationalLevel" in s for s in data["skipped"])
    result = competence(database_url, "framework", "import", str(tmp_path / "missing.json"))
    assert result.returncode == 2


def test_cycles_and_the_review_workflow_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    assert competence(url, "db", "upgrade").returncode == 0
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    assert competence(url, "import", str(people)).returncode == 0
    result = competence(url, "cycle", "create", "2027", "--opens", "2027-01-04")
    assert result.returncode == 0, result.stderr
    assert competence(url, "cycle", "create", "2027", "--opens", "2027-01-04").returncode == 2
    ratings = tmp_path / "r.csv"
    ratings.write_text("person,competence,knowledge,application\nE1,1,4,4\n")
    assert competence(url, "import", str(ratings), "--cycle", "2027").returncode == 0
    steps = [
        ["assessment", "review", "E1", "--cycle", "2027"],
        ["assessment", "agree", "E1", "--cycle", "2027"],
        ["assessment", "sign-off", "E1", "--cycle", "2027"],
    ]
    for step in steps:
        result = competence(url, *step)
        assert result.returncode == 0, result.stderr
    assert "agreed: signed-off" in result.stderr
    again = competence(url, "assessment", "sign-off", "E1", "--cycle", "2027")
    assert again.returncode == 2
    assert "signed off and read-only" in again.stderr
    history = json.loads(competence(url, "history", "E1", "--json").stdout)
    assert [(a["kind"], a["status"]) for a in history["assessments"]] == [
        ("self", "reviewed"),
        ("agreed", "signed-off"),
    ]


def test_reports_and_plans_in_a_new_process(database_url: str, tmp_path: Path) -> None:
    """Each reporting command sets up its own database connection (no help from the test)."""
    assert competence(database_url, "db", "upgrade").returncode == 0
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    assert competence(database_url, "import", str(people)).returncode == 0
    result = competence(database_url, "import", str(EXAMPLES / "team.csv"), "--cycle", "2026")
    assert result.returncode == 0, result.stderr
    result = competence(database_url, "plan", "ada@example.org", "--generate", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)
    pdf = tmp_path / "ada.pdf"
    result = competence(database_url, "report", "E1", "--format", "pdf", "--out", str(pdf))
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    xlsx = tmp_path / "team.xlsx"
    result = competence(
        database_url, "report", "--team", "Delivery", "--format", "xlsx", "--out", str(xlsx)
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stderr + result.stdout
    result = competence(
        database_url,
        "team",
        "plan",
        "--team",
        "Delivery",
        "--requirements",
        str(EXAMPLES / "team-requirements.yaml"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["people"] == 3
