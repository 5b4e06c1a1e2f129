"""A command line process sends the events of its changes before it ends, signed, to a real
receiver on 127.0.0.1; and `webhooks deliver` sends a retry from cron's own process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.test_cli_database import competence, database_url  # noqa: F401 - a fixture
from tests.integration.conftest import PEOPLE
from tests.webhook_receiver import receiving


def test_a_command_sends_its_events_before_it_ends(
    database_url: str,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    with receiving() as receiver:
        assert competence(database_url, "db", "upgrade").returncode == 0
        added = competence(
            database_url, "webhooks", "add", receiver.url, "--event", "person.erased"
        )
        assert added.returncode == 0, added.stderr
        receiver.secret = added.stdout.strip()
        people = tmp_path / "people.csv"
        people.write_text(PEOPLE, encoding="utf-8")
        assert competence(database_url, "import", str(people)).returncode == 0
        receiver.answers = [500]
        erased = competence(database_url, "person", "erase", "alan@example.org", "--yes")
        assert erased.returncode == 0, erased.stderr
        # The process has ended: what it sent has arrived, with no waiting here.
        assert receiver.events() == ["person.erased"]
        assert receiver.seen[0].valid
        assert set(receiver.seen[0].body["data"]["person"]) == {"pseudonym"}
        if database_url.startswith("sqlite"):  # make the retry due, as time would
            path = database_url.removeprefix("sqlite:///")
            with sqlite3.connect(path) as db:
                db.execute("UPDATE competence_delivery SET next_attempt_at = '2000-01-01'")
            sent = competence(database_url, "webhooks", "deliver")
            assert sent.returncode == 0, sent.stderr
            assert "1 delivered" in sent.stderr
            assert receiver.events() == ["person.erased", "person.erased"]
            assert receiver.seen[1].valid
