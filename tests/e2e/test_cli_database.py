"""The database commands end to end, in a real process, on a brand-new database of each engine."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
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


def execute(url: str, sql: str) -> None:
    """Run one statement on the database at ``url``, from a connection of its own."""
    if url.startswith("sqlite:"):
        with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as conn:
            conn.execute(sql)
            conn.commit()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.encode())


def backup_tables(path: Path) -> dict[str, list[list[object]]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {t["model"]: t["rows"] for t in json.load(f)["tables"]}


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
    theirs = tmp_path / "a.csv"
    theirs.write_text("person,competence,knowledge,application\nE1,1,3,4\n")
    result = competence(url, "import", str(theirs), "--cycle", "2027", "--kind", "assessor")
    assert result.returncode == 0, result.stderr
    # An import submits what it brings in: the assessor's ratings are the person's to answer.
    result = competence(url, "assessment", "review", "E1", "--cycle", "2027")
    assert result.returncode == 0, result.stderr
    # The person answers before the ratings can be agreed; where they differ, explicitly.
    early = competence(url, "assessment", "agree", "E1", "--cycle", "2027")
    assert early.returncode == 2
    assert "has not answered the assessor's ratings" in early.stderr
    unanswered = competence(url, "assessment", "review", "E1", "--cycle", "2027", "--kind",
                            "assessor")  # fmt: skip
    assert unanswered.returncode == 2
    assert "Life cycles: your assessor rated it differently" in unanswered.stderr
    steps = [
        ["assessment", "review", "E1", "--cycle", "2027", "--kind", "assessor",
         "--reply", "life-cycles", "I ran the stage gates"],
        ["assessment", "agree", "E1", "--cycle", "2027"],
        ["assessment", "sign-off", "E1", "--cycle", "2027"],
    ]  # fmt: skip
    for step in steps:
        result = competence(url, *step)
        assert result.returncode == 0, result.stderr
        if "--reply" in step:
            assert "answered (1 reply, 0 accepted)" in result.stderr
    assert "agreed: signed-off" in result.stderr
    again = competence(url, "assessment", "sign-off", "E1", "--cycle", "2027")
    assert again.returncode == 2
    assert "signed off and read-only" in again.stderr
    history = json.loads(competence(url, "history", "E1", "--json").stdout)
    # Every record of the signed-off cycle says so.
    assert [(a["kind"], a["status"]) for a in history["assessments"]] == [
        ("self", "signed-off"),
        ("assessor", "signed-off"),
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


def test_restore_refuses_a_backup_of_the_wrong_shape_with_its_place(
    database_url: str, tmp_path: Path
) -> None:
    assert competence(database_url, "db", "upgrade").returncode == 0
    wrong = tmp_path / "backup.json.gz"
    wrong.write_bytes(
        gzip.compress(
            json.dumps(
                {
                    "format": "competence-backup",
                    "version": 2,
                    "created_at": "2026-01-05T09:00:00+00:00",
                    "tables": [
                        {
                            "model": "auth.Group",
                            "fields": ["id", "name"],
                            "count": 1,
                            "rows": [[1, 2]],
                        }
                    ],
                }
            ).encode()
        )
    )
    result = competence(database_url, "restore", str(wrong))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{wrong}, tables[0].rows[0][1]: name: must be text, got 2"
    ]
    old = tmp_path / "old.json.gz"
    old.write_bytes(gzip.compress(b'{"format": "competence-backup", "version": 1, "users": []}'))
    result = competence(database_url, "restore", str(old))
    assert result.returncode == 2
    assert "this is a version 1 backup; this release reads version 2 backups only" in result.stderr
    assert "internal error" not in result.stderr


FILLER = {
    # About 20 MB of audit entries that compress poorly: a backup that takes a while to write.
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) "
    "INSERT INTO competence_auditentry (at, actor, action, model, object_id, person, summary) "
    "SELECT '2026-01-05 09:00:00', 'filler', 'note', 'Filler', i, '', hex(randomblob(240)) "
    "FROM n",
    "postgresql": "INSERT INTO competence_auditentry "
    "(at, actor, action, model, object_id, person, summary) "
    "SELECT now(), 'filler', 'note', 'Filler', i::text, '', "
    "(SELECT string_agg(md5(random()::text || i || g), '') FROM generate_series(1, 15) g) "
    "FROM generate_series(1, 40000) i",
}


def test_a_backup_killed_part_way_leaves_the_previous_one_intact(
    database_url: str, tmp_path: Path
) -> None:
    assert competence(database_url, "db", "upgrade").returncode == 0
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    assert competence(database_url, "import", str(people)).returncode == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    backup = folder / "competence.json.gz"
    result = competence(database_url, "backup", "--out", str(backup))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in folder.iterdir()] == [backup.name]  # no temporary file left behind
    good = backup.read_bytes()
    execute(database_url, FILLER["sqlite" if database_url.startswith("sqlite") else "postgresql"])
    process = subprocess.Popen(
        [str(SCRIPT), "backup", "--out", str(backup)],
        env={**os.environ, "COMPETENCE_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def written_part_way() -> Path | None:
        """The file the new backup is writing, once it holds a good part of it."""
        for candidate in [backup, *folder.glob(f".{backup.name}.*.tmp")]:
            try:
                if candidate.stat().st_size > 2_000_000:  # the old backup is far smaller
                    return candidate
            except FileNotFoundError:
                pass
        return None

    try:
        partial = None
        while partial is None and process.poll() is None:
            partial = written_part_way()
            time.sleep(0.002)
    finally:
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"the backup ended first: {stderr!r}"
    assert backup.read_bytes() == good
    assert partial is not None
    assert partial != backup
    assert partial.exists()  # what the killed backup left behind: never the backup itself
    with new_database(other_engine(database_url), tmp_path) as other:
        assert competence(other, "db", "upgrade").returncode == 0
        result = competence(other, "restore", str(backup))
        assert result.returncode == 0, result.stderr
        assert "people 3" in result.stderr
        result = competence(other, "audit", "--json")
        assert not [e for e in json.loads(result.stdout) if e["actor"] == "filler"]


SNAPSHOT_HOLDER = """
import sys
from pathlib import Path

from competence.store import setup

setup()
from competence.services.backup import open_snapshot, replacing

with open_snapshot() as snapshot:
    pieces = snapshot.pieces()
    first = next(pieces)
    print("open", flush=True)
    sys.stdin.readline()
    with replacing(Path(sys.argv[1])) as out:
        out.write(first)
        out.writelines(pieces)
"""


def test_a_backup_reads_one_snapshot_and_lets_others_write_meanwhile(
    database_url: str, tmp_path: Path
) -> None:
    assert competence(database_url, "db", "upgrade").returncode == 0
    assert (
        competence(database_url, "cycle", "create", "2030", "--opens", "2030-01-07").returncode == 0
    )
    backup = tmp_path / "b.json.gz"
    holder = subprocess.Popen(
        [sys.executable, "-c", SNAPSHOT_HOLDER, str(backup)],
        env={**os.environ, "COMPETENCE_DATABASE_URL": database_url},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "open\n"  # the backup's snapshot is open
        # Another process writes meanwhile, and is not kept waiting for the backup.
        result = competence(database_url, "cycle", "create", "2031", "--opens", "2031-01-06")
        assert result.returncode == 0, result.stderr
        _, stderr = holder.communicate("\n", timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert holder.returncode == 0, stderr
    cycles = backup_tables(backup)["competence.Cycle"]
    assert [row[1] for row in cycles] == ["2030"]
    listed = json.loads(competence(database_url, "cycle", "list", "--json").stdout)
    assert [c["name"] for c in listed] == ["2030", "2031"]
