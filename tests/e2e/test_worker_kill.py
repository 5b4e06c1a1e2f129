"""A worker killed in the middle of a big import (a real process, SIGKILL): the import's one
transaction never commits, so no rating is written, and the next worker to start marks the job
failed rather than leaving it "running" for ever."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from competence.domain import jobs as rules
from tests.e2e.test_cli_database import SCRIPT, competence, database_url
from tests.e2e.test_concurrency import people_file, ratings_file

__all__ = ["database_url"]

pytestmark = pytest.mark.db

PEOPLE = 1500  # 43,500 ratings: the first 10,000 are written long before the end

QUEUE_AN_IMPORT = """
import sys
from pathlib import Path
from competence.services import database
database.upgrade()
from competence.services import jobs
from competence.services.imports import import_file
from competence.store import audit
with audit.acting_as("cli:tester"):
    import_file(sys.argv[2])
    job = jobs.start(
        "import",
        "Import of ratings.csv",
        options={"name": "ratings.csv", "cycle": "2026", "kind": "self"},
        upload=iter([Path(sys.argv[1]).read_bytes()]),
    )
print(job.pk)
"""


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    if url.startswith("sqlite:"):
        with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as conn:
            return list(conn.execute(sql).fetchall())
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql.encode()).fetchall())


def rows_done(url: str, job: int) -> int:
    """How far the job's import is, as the job page would read it."""
    if url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite://") + "-jobs") / f"{job}.json"
        try:
            return int(json.loads(path.read_text())["done"])
        except (OSError, ValueError, KeyError):
            return 0
    (done,) = query(url, f"SELECT done FROM competence_job WHERE id = {job}")[0]
    return int(str(done))


def test_a_worker_killed_mid_import_writes_nothing_and_its_job_is_failed_next_start(
    database_url: str, tmp_path: Path
) -> None:
    url = database_url
    env = {**os.environ, "COMPETENCE_DATABASE_URL": url}
    people = people_file(tmp_path, PEOPLE)
    ratings = ratings_file(tmp_path, "ratings.csv", 3, PEOPLE, competences=29)
    queued = subprocess.run(  # one process: the tables, the people, the job
        [sys.executable, "-c", QUEUE_AN_IMPORT, str(ratings), str(people)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    job = int(queued.stdout.strip())

    worker = subprocess.Popen(
        [str(SCRIPT), "worker", "--no-schedule"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while rows_done(url, job) < 10_000:  # a first batch written, inside the transaction
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the import never started"
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        if worker.stderr:
            worker.stderr.close()

    assert query(url, "SELECT COUNT(*) FROM competence_rating") == [(0,)]
    assert query(url, f"SELECT status FROM competence_job WHERE id = {job}") == [("running",)]

    after = competence(url, "worker", "--burst", "--no-schedule")
    assert after.returncode == 0, after.stderr
    assert f"Job {job} was left running by a worker that stopped: marked failed." in after.stderr
    status, problems = query(url, f"SELECT status, problems FROM competence_job WHERE id = {job}")[
        0
    ]
    assert status == "failed"
    kept = json.loads(problems) if isinstance(problems, str) else problems
    assert kept == [rules.STOPPED]
    assert query(url, "SELECT COUNT(*) FROM competence_rating") == [(0,)]
    assert "0 jobs run." in after.stderr  # nothing else was waiting: the import is not redone
