"""`competence serve --demo` from the kept copy of the demo database: the later starts, the ones
that must be quick, serve their first page (the first start, which builds the demo, is what the
browser tests use)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import urllib.request
from pathlib import Path

from competence.services.demo_start import DEFAULT_SEED, KEPT_PREFIX, DemoSummary, demo_version
from tests.serving import serving
from tests.web.test_deployment import competence, environment

KEPT_SUMMARY = DemoSummary(25, 4, 3, 2, 110, 3035, (("lead", "Head of PMO"),))


def kept_copy(home: Path) -> Path:
    """A kept demo database of today's version, as a first start leaves it (here only the
    tables: building the demo itself takes tens of seconds); the folder the demo lives in."""
    folder = home / "competence"
    folder.mkdir(parents=True)
    kept = folder / f"{KEPT_PREFIX}{demo_version(DEFAULT_SEED, dt.date.today())}.sqlite3"
    env = environment(home, COMPETENCE_DATABASE_URL=f"sqlite:///{kept}")
    done = competence(env, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    kept.with_suffix(".json").write_text(json.dumps(dataclasses.asdict(KEPT_SUMMARY)), "utf-8")
    return folder


def test_a_later_start_serves_the_first_page_from_the_kept_copy(tmp_path: Path) -> None:
    folder = kept_copy(tmp_path)
    env = environment(tmp_path, PYTHONUNBUFFERED="1")
    with serving(env, "--demo", "--workers", "1") as served:
        with urllib.request.urlopen(f"{served.url}/signin", timeout=60) as page:
            assert page.status == 200
            assert b"Sign in" in page.read()
        output = "".join(served.output)
    assert "Building the demo" not in output  # copied, not built
    assert "Demo data: 25 people in 4 teams" in output
    assert "internal error" not in output
    assert (folder / "demo.sqlite3").is_file()
