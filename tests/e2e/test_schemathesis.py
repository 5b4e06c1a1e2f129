"""schemathesis against the served OpenAPI description: the app served with its demo data on a
throwaway SQLite database on 127.0.0.1, with an admin's write token and then a read token, with a
bounded number of examples and a fixed seed. Every answer must be declared (status code, content
type and body schema), and none a server error (docs/web.md, "The schemathesis run")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.browser.conftest import Server, server  # noqa: F401  (the served demo)

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
# Existing things, so that the operations on one person or profile get past 404 as well.
CONFIG = """
[parameters]
"path.person_id" = {person_id}
"path.profile_id" = "pmo-officer"
"path.first" = "pmo-officer"
"path.second" = "pmo-specialist"
"path.number" = 1
"""
BIN = Path(sys.executable).parent


def token(served: Server, scope: str) -> str:
    env = {**os.environ, "COMPETENCE_DATABASE_URL": f"sqlite:///{served.database}"}
    made = subprocess.run(
        [str(BIN / "competence"), "token", "create", "admin", "--name", scope, "--scope", scope],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return made.stdout.strip()


def schemathesis(served: Server, secret: str, config: Path, examples: int, phases: str) -> str:
    run = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "--no-color",
            "--config-file",
            str(config),
            "run",
            f"{served.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {secret}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(examples),
            "--phases",
            phases,
            "--seed",
            "1",
            "--workers",
            "1",
            "--request-timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=config.parent,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    return report


def test_schemathesis_finds_no_server_error_and_no_undeclared_answer(
    server: Server,  # noqa: F811
    tmp_path: Path,
) -> None:
    import sqlite3

    with sqlite3.connect(server.database) as db:
        (person_id,) = db.execute(
            "SELECT id FROM competence_person WHERE assessor_id IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(person_id=person_id))
    write = schemathesis(server, token(server, "write"), config, 8, "coverage,fuzzing")
    read = schemathesis(server, token(server, "read"), config, 4, "fuzzing")
    for report in (write, read):
        generated = re.search(r"(\d+) generated, (\d+) passed", report)
        assert generated is not None, report[-3000:]
        assert generated.group(1) == generated.group(2)
        print(generated.group(0))  # the figures, with pytest -s
        assert "Tested: " in report
    said = "".join(server.output)
    assert "Traceback" not in said, said[said.find("Traceback") - 300 :][:3000]
