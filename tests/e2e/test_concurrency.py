"""Writers and readers at once, in real processes on a brand-new database of each engine: an
export reads one snapshot, saves wait for an import instead of failing, and races of first saves
and imports end with every save kept and no error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli_database import SCRIPT, competence, database_url, new_database

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


def ratings_file(folder: Path, name: str, level: int, count: int = PEOPLE) -> Path:
    path = folder / name
    with path.open("w") as f:
        f.write("person,competence,knowledge,application,evidence\n")
        for i in range(count):
            f.write(f"p{i:05d}@example.org,1,{level},{level},\n")
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
