"""Writers and readers at once, in real processes on a brand-new database of each engine: an
export reads one snapshot, saves wait for an import instead of failing, and races of first saves
and imports end with every save kept and no error."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_cli_database import SCRIPT, competence, database_url, new_database
from tests.serving import serving as served_by

__all__ = ["database_url", "new_database"]

pytestmark = pytest.mark.db

PEOPLE = 1100  # more than the thousand people an export reads at a time


def people_file(folder: Path, count: int = PEOPLE) -> Path:
    path = folder / "people.csv"
    with path.open("w") as f:
        f.write("name,email,team,context,profile\n")
        for i in range(count):
            f.write(f"Person {i},p{i:05d}@example.org,Delivery,programme,pmo-officer\n")
    return path


def ratings_file(
    folder: Path, name: str, level: int, count: int = PEOPLE, competences: int = 1
) -> Path:
    path = folder / name
    with path.open("w") as f:
        f.write("person,competence,knowledge,application,evidence\n")
        for i in range(count):
            for n in range(1, competences + 1):
                f.write(f"p{i:05d}@example.org,{n},{level},{level},\n")
    return path


EXPORT_AROUND_AN_IMPORT = """
import json, subprocess, sys
from competence.services import database
database.ready()
from competence.services.export import export_rows, iter_export_json
script, ratings = sys.argv[1], sys.argv[2]
before = (json.loads("".join(iter_export_json())), list(export_rows(history=True)))
document, rows = iter_export_json(), export_rows(history=True)
started = (next(document), next(rows))  # each export's snapshot is taken here
subprocess.run([script, "import", ratings, "--cycle", "during"], check=True, capture_output=True)
after = (json.loads(started[0] + "".join(document)), [started[1], *rows])
print(json.dumps({"same": after == before, "cycles": [c["name"] for c in after[0]["cycles"]],
                  "assessments": len(after[0]["assessments"]), "rows": len(after[1])}))
"""


def test_an_export_reads_one_snapshot_while_an_import_commits(
    database_url: str, tmp_path: Path
) -> None:
    assert competence(database_url, "db", "upgrade").returncode == 0
    assert competence(database_url, "import", str(people_file(tmp_path))).returncode == 0
    first = ratings_file(tmp_path, "first.csv", 2)
    assert competence(database_url, "import", str(first), "--cycle", "before").returncode == 0
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            EXPORT_AROUND_AN_IMPORT,
            str(SCRIPT),
            str(ratings_file(tmp_path, "during.csv", 4)),
        ],
        env={**os.environ, "COMPETENCE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen == {"same": True, "cycles": ["before"], "assessments": PEOPLE, "rows": PEOPLE}
    # The import did commit: a new export holds it.
    listed = json.loads(competence(database_url, "cycle", "list", "--json").stdout)
    assert sorted(c["name"] for c in listed) == ["before", "during"]


# -- SQLite's one write lock -------------------------------------------------------------------


@dataclass
class App:
    url: str
    database: str
    tokens: dict[str, str]
    env: dict[str, str]


def create_user(env: dict[str, str], name: str, person: str) -> None:
    made = subprocess.run(
        [
            str(SCRIPT),
            "user",
            "create",
            name,
            "--role",
            "member",
            "--email",
            person,
            "--person",
            person,
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert made.returncode == 0, made.stderr


@contextmanager
def serving(tmp_path: Path, people: int, users: int) -> Iterator[App]:
    """`competence serve` on a new SQLite database holding ``people`` people, the first
    ``users`` of whom sign in (u0, u1, …) with a write token each; a cycle open today."""
    database = tmp_path / "app.sqlite3"
    env = {
        **os.environ,
        "COMPETENCE_DATABASE_URL": f"sqlite:///{database}",
        "COMPETENCE_SECRET_KEY": "a-test-secret-key-" + "0123456789abcdefghij" * 3,
        "PYTHONUNBUFFERED": "1",
    }
    url = env["COMPETENCE_DATABASE_URL"]
    assert competence(url, "db", "upgrade").returncode == 0
    assert competence(url, "import", str(people_file(tmp_path, people))).returncode == 0
    for name in ("bulk-a", "bulk-b"):  # opened long ago: the cycle open today stays the newest
        assert competence(url, "cycle", "create", name, "--opens", "2020-01-06").returncode == 0
    today = dt.date.today().isoformat()
    assert competence(url, "cycle", "create", "now", "--opens", today).returncode == 0
    tokens = {}
    for i in range(users):
        create_user(env, f"u{i}", f"p{i:05d}@example.org")
        made = competence(url, "token", "create", f"u{i}", "--name", "t", "--scope", "write")
        assert made.returncode == 0, made.stderr
        tokens[f"u{i}"] = made.stdout.strip().splitlines()[-1]
    with served_by(env, "--threads", "8") as served:
        yield App(served.url, str(database), tokens, env)


PASSWORD = "a long pass phrase"


def signed_in(app: App, username: str) -> tuple[requests.Session, str]:
    """A session signed in through the sign-in form, and the self-assessment form's CSRF token."""
    session = requests.Session()
    page = session.get(f"{app.url}/signin", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    done = session.post(
        f"{app.url}/signin",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        timeout=60,
    )
    assert done.status_code == 200
    assert "Sign out" in done.text, done.text[:300]
    form = session.get(f"{app.url}/me/assessment", timeout=60)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert found
    return session, found.group(1)


def test_a_save_that_cannot_get_the_write_lock_answers_503_and_keeps_the_answers(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, people=3, users=1) as app:
        session, csrf = signed_in(app, "u0")
        holder = sqlite3.connect(app.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock throughout
        answers: dict[str, requests.Response] = {}

        def form() -> None:
            answers["form"] = session.post(
                f"{app.url}/me/assessment",
                {"csrfmiddlewaretoken": csrf, "knowledge-1": "4", "evidence-1": "kept while busy"},
                timeout=120,
            )

        def autosave() -> None:
            answers["autosave"] = session.post(
                f"{app.url}/me/assessment",
                {"csrfmiddlewaretoken": csrf, "knowledge-1": "4"},
                headers={"X-Requested-With": "fetch"},
                timeout=120,
            )

        def token() -> None:
            answers["token"] = requests.get(
                f"{app.url}/api/v1/people",
                headers={"Authorization": f"Bearer {app.tokens['u0']}"},
                timeout=120,
            )

        try:
            workers = [threading.Thread(target=f) for f in (form, autosave, token)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        page = answers["form"]
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "30"
        assert "Your answers are still on this page" in page.text
        assert "kept while busy</textarea>" in page.text  # the answers come back as sent
        assert re.search(r'name="knowledge-1" value="4"[^>]*checked', page.text)
        assert answers["autosave"].status_code == 503
        assert answers["autosave"].json()["saved"] is False
        assert answers["autosave"].headers["Retry-After"] == "30"
        assert answers["token"].status_code == 200  # its note of last use is skipped
        # Once the lock is free, the same answers save.
        again = session.post(
            f"{app.url}/me/assessment",
            {"csrfmiddlewaretoken": csrf, "knowledge-1": "4", "evidence-1": "kept while busy"},
            headers={"X-Requested-With": "fetch"},
            timeout=60,
        )
        assert again.json()["saved"] is True


BULK = 10_000  # people: an import that holds the write lock for some seconds


def test_saves_and_a_second_import_wait_for_an_import_and_none_is_lost(tmp_path: Path) -> None:
    with serving(tmp_path, people=BULK, users=4) as app:
        first = ratings_file(tmp_path, "a.csv", 2, BULK, competences=29)
        second = ratings_file(tmp_path, "b.csv", 3, BULK, competences=29)

        def run_import(path: Path, cycle: str) -> subprocess.Popen[str]:
            return subprocess.Popen(
                [str(SCRIPT), "import", str(path), "--cycle", cycle],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=app.env,
            )

        imports = [run_import(first, "bulk-a"), run_import(second, "bulk-b")]
        statuses: list[int] = []
        last_saved: dict[str, int] = {}

        def saver(username: str) -> None:
            headers = {"Authorization": f"Bearer {app.tokens[username]}"}
            level = version = 0
            while any(i.poll() is None for i in imports) or level < 3:
                level += 1
                body: dict[str, Any] = {
                    "version": version,  # the version saved last: each save builds on it
                    "ratings": [{"competence": 1, "knowledge": level % 6, "application": 1}],
                }
                answer = requests.put(
                    f"{app.url}/api/v1/me/self-assessment", json=body, headers=headers, timeout=120
                )
                statuses.append(answer.status_code)
                if answer.status_code == 200:
                    last_saved[username] = level % 6
                    version = answer.json()["version"]
                else:
                    assert answer.status_code == 503, answer.text
                    assert answer.headers["Retry-After"] == "30"
                statuses.append(
                    requests.get(f"{app.url}/api/v1/people", headers=headers).status_code
                )

        workers = [threading.Thread(target=saver, args=(u,)) for u in app.tokens]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        outcomes = [(i.wait(timeout=300), i.stderr.read() if i.stderr else "") for i in imports]
        for i in imports:
            if i.stderr:
                i.stderr.close()
    assert [code for code, _ in outcomes] == [0, 0], outcomes  # the second waited for the first
    assert 500 not in statuses
    print(f"{len(statuses)} requests: {statuses.count(200)} ok, {statuses.count(503)} busy")
    with closing(sqlite3.connect(app.database)) as db:
        per_cycle = dict(
            db.execute(
                "SELECT c.name, COUNT(*) FROM competence_rating r "
                "JOIN competence_assessment a ON a.id = r.assessment_id "
                "JOIN competence_cycle c ON c.id = a.cycle_id GROUP BY c.name"
            ).fetchall()
        )
        saved = dict(
            db.execute(
                "SELECT u.username, r.knowledge FROM competence_rating r "
                "JOIN competence_assessment a ON a.id = r.assessment_id "
                "JOIN competence_cycle c ON c.id = a.cycle_id "
                "JOIN competence_person p ON p.id = a.person_id "
                "JOIN auth_user u ON u.id = p.user_id WHERE c.name = 'now' AND r.competence = 1"
            ).fetchall()
        )
    assert per_cycle == {"bulk-a": 29 * BULK, "bulk-b": 29 * BULK, "now": 4}
    assert saved == last_saved  # every save that answered "saved" is there


# -- races ---------------------------------------------------------------------------------------

SAVER = """
import sys
from competence.services import database
database.ready()
from competence.domain import Rating
from competence.services import records
from competence.store import audit
from competence.store.models import Cycle, Person
cycle = Cycle.objects.get(name="race")
print("ready", flush=True)
for line in sys.stdin:  # one save a line: EMAIL COMPETENCE LEVEL
    email, competence, level = line.split()
    with audit.acting_as("cli:racer"):
        records.save_draft(
            Person.objects.get(email=email), cycle, {int(competence): Rating(int(level), 1)}
        )
    print("saved", flush=True)
"""
RACERS = 4
TRIALS = 6


@contextmanager
def savers(url: str) -> Iterator[list[subprocess.Popen[str]]]:
    """Processes that save a self-assessment each time they are told to, each with its own
    connection, started once and told at the same moment."""
    env = {**os.environ, "COMPETENCE_DATABASE_URL": url}
    started = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(RACERS)
    ]
    try:
        for saver in started:
            assert saver.stdout is not None
            assert saver.stdout.readline() == "ready\n", saver.stderr.read() if saver.stderr else ""
        yield started
    finally:
        for saver in started:
            if saver.stdin:
                saver.stdin.close()
            saver.wait(timeout=60)
            for stream in (saver.stdout, saver.stderr):
                if stream:
                    stream.close()


def race(started: list[subprocess.Popen[str]], lines: list[str]) -> None:
    """Give each saver its line at once; every one must answer "saved"."""
    for saver, line in zip(started, lines, strict=True):
        assert saver.stdin is not None
        saver.stdin.write(line + "\n")
    for saver in started:
        if saver.stdin:
            saver.stdin.flush()
    for saver in started:
        assert saver.stdout is not None
        answer = saver.stdout.readline()
        assert answer == "saved\n", saver.stderr.read() if saver.stderr else answer


def ratings_of(url: str, email: str) -> list[tuple[str, int, int]]:
    """(kind, competence, knowledge) of every rating of the person in the race cycle."""
    script = (
        "import json, sys\n"
        "from competence.services import database\n"
        "database.ready()\n"
        "from competence.store.models import Rating\n"
        "rows = Rating.objects.filter(assessment__person__email=sys.argv[1], "
        "assessment__cycle__name='race').values_list('assessment__kind', 'competence', "
        "'knowledge')\n"
        "print(json.dumps(sorted(rows)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, email],
        capture_output=True,
        text=True,
        env={**os.environ, "COMPETENCE_DATABASE_URL": url},
        check=True,
    )
    return [(str(k), int(n), int(level)) for k, n, level in json.loads(done.stdout)]


def race_database(url: str, tmp_path: Path, people: int) -> None:
    assert competence(url, "db", "upgrade").returncode == 0
    assert competence(url, "import", str(people_file(tmp_path, people))).returncode == 0
    made = competence(url, "cycle", "create", "race", "--opens", "2026-01-05")
    assert made.returncode == 0, made.stderr


def test_first_saves_of_one_self_assessment_at_once_make_one_and_keep_every_rating(
    database_url: str, tmp_path: Path
) -> None:
    race_database(database_url, tmp_path, TRIALS)
    with savers(database_url) as started:
        for trial in range(TRIALS):
            email = f"p{trial:05d}@example.org"
            race(started, [f"{email} {n} 3" for n in range(1, RACERS + 1)])
    for trial in range(TRIALS):
        assert ratings_of(database_url, f"p{trial:05d}@example.org") == [
            ("self", n, 3) for n in range(1, RACERS + 1)
        ]


def test_the_same_competence_saved_at_once_ends_as_one_rating(
    database_url: str, tmp_path: Path
) -> None:
    race_database(database_url, tmp_path, TRIALS)
    with savers(database_url) as started:
        for trial in range(TRIALS):
            email = f"p{trial:05d}@example.org"
            race(started[:1], [f"{email} 29 1"])  # the assessment is there before the race
            race(started, [f"{email} 1 {level}" for level in range(2, RACERS + 2)])
    for trial in range(TRIALS):
        rows = ratings_of(database_url, f"p{trial:05d}@example.org")
        assert [(kind, n) for kind, n, _ in rows] == [("self", 1), ("self", 29)]
        assert rows[0][2] in range(2, RACERS + 2)  # one of the saves, whole


def test_two_imports_that_make_the_same_new_cycle_both_succeed(
    database_url: str, tmp_path: Path
) -> None:
    assert competence(database_url, "db", "upgrade").returncode == 0
    assert competence(database_url, "import", str(people_file(tmp_path, 1600))).returncode == 0
    halves = []
    for half in (0, 1):
        path = tmp_path / f"half{half}.csv"
        with path.open("w") as f:
            f.write("person,competence,knowledge,application,evidence\n")
            for i in range(half * 800, half * 800 + 800):
                for n in range(1, 30):
                    f.write(f"p{i:05d}@example.org,{n},2,2,\n")
        halves.append(path)
    env = {**os.environ, "COMPETENCE_DATABASE_URL": database_url}
    imports = [
        subprocess.Popen(
            [str(SCRIPT), "import", str(path), "--cycle", "new"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for path in halves
    ]
    outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in imports]
    for p in imports:
        if p.stderr:
            p.stderr.close()
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    listed = json.loads(competence(database_url, "cycle", "list", "--json").stdout)
    assert [c["name"] for c in listed] == ["new"]
    exported = competence(database_url, "export", "--format", "csv")
    assert exported.stdout.count("\n") == 1 + 1600 * 29
