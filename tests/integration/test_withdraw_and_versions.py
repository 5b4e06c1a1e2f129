"""Withdrawing a submitted self-assessment, and versions: a save made from an older version of
an assessment never overwrites what was saved in between."""

from __future__ import annotations

import pytest
from django.core import mail

from competence.domain import Rating
from competence.errors import WorkflowError
from competence.services import records
from competence.store.models import Cycle, Person
from tests.integration.conftest import ratings


def test_a_person_withdraws_until_the_assessor_starts_the_review(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada, cycle = people["ada"], cycles[1]
    own = records.record_assessment(ada, cycle, ratings(life_cycles=(4, 4)))
    records.submit(own)
    mail.outbox.clear()
    back = records.withdraw(own)
    assert back.status == "draft"
    assert [m.to for m in mail.outbox] == [["grace@example.org"]]
    assert "withdrew" in mail.outbox[0].subject
    records.submit(back)
    records.record_assessment(ada, cycle, ratings(life_cycles=(3, 3)), kind="assessor")
    with pytest.raises(WorkflowError, match="assessor has started the review"):
        records.withdraw(back)
    back.refresh_from_db()
    assert back.status == "submitted"


def test_only_a_submitted_self_assessment_is_withdrawn(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    own = records.record_assessment(people["ada"], cycles[1], ratings(life_cycles=(4, 4)))
    with pytest.raises(WorkflowError, match="cannot withdraw an assessment that is draft"):
        records.withdraw(own)


def test_a_save_from_an_older_version_is_refused_and_changes_nothing(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada, cycle = people["ada"], cycles[1]
    first = records.save_draft(ada, cycle, ratings(life_cycles=(5, 5)), version=0)
    assert first.version == 1
    # A second tab, opened before the first save (version 0), saves other ratings.
    with pytest.raises(records.Conflict) as caught:
        records.save_draft(
            ada, cycle, {**ratings(governance=(2, 2)), 1: Rating(None, None)}, version=0
        )
    assert caught.value.version == 1
    assert [c["competence"] for c in caught.value.changes] == [1, 2]
    assert caught.value.changes[0]["saved"]["knowledge"] == 5
    assert caught.value.changes[0]["yours"]["knowledge"] is None
    kept = records.assessment_of(ada, cycle, "self")
    assert kept is not None
    assert {r.competence: (r.knowledge, r.application) for r in kept.ratings.all()} == {1: (5, 5)}
    assert kept.version == 1
    # Keeping either: the save sent again with the version now stored goes through.
    again = records.save_draft(
        ada, cycle, ratings(life_cycles=(5, 5), governance=(2, 2)), version=1
    )
    assert again.version == 2


def test_a_save_from_an_older_version_that_changes_nothing_new_goes_through(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada, cycle = people["ada"], cycles[1]
    records.save_draft(ada, cycle, ratings(life_cycles=(5, 5)), version=0)
    same = records.save_draft(ada, cycle, ratings(life_cycles=(5, 5)), version=0)
    assert same.version == 1


def test_every_change_raises_the_version(people: dict[str, Person], cycles: list[Cycle]) -> None:
    ada, cycle = people["ada"], cycles[1]
    own = records.save_draft(ada, cycle, ratings(life_cycles=(5, 5)), version=0)
    seen = [own.version]
    for step in (records.submit, records.withdraw):
        own = step(own)
        seen.append(own.version)
    own = records.save_draft(ada, cycle, ratings(life_cycles=(4, 5)), version=own.version)
    seen.append(own.version)
    assert seen == [1, 2, 3, 4]


def test_every_step_of_the_workflow_table_has_its_service() -> None:
    from competence.domain import workflow

    assert set(records.STEP_ACTIONS) == set(workflow.STEPS)


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_from_one_version_one_is_saved_and_the_other_refused(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    """Two real clients (threads, each with its own database connection) save at the same
    moment from the same version: never both, never a lost update, never a database error."""
    import threading

    from django.db import connection

    from competence.store import audit
    from competence.store.models import Assessment

    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's test database is in memory with a shared cache, whose table locks refuse "
            "a second writer at once; on a SQLite file, IMMEDIATE transactions queue writers"
        )
    ada, cycle = people["ada"], cycles[1]

    def save(
        competence: int, version: int, start: threading.Barrier, outcomes: dict[int, str]
    ) -> None:
        try:
            with audit.acting_as("ada"):
                start.wait()
                records.save_draft(ada, cycle, {competence: Rating(3, 3)}, version=version)
            outcomes[competence] = "saved"
        except records.Conflict:
            outcomes[competence] = "refused"
        finally:
            connection.close()

    for trial in range(4):
        own = records.save_draft(ada, cycle, ratings(life_cycles=(trial, trial)), version=None)
        start = threading.Barrier(2)
        outcomes: dict[int, str] = {}
        threads = [
            threading.Thread(target=save, args=(n, own.version, start, outcomes)) for n in (2, 23)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
        winner = next(n for n, o in outcomes.items() if o == "saved")
        stored = Assessment.objects.get(pk=own.pk)
        assert stored.version == own.version + 1
        assert {r.competence for r in stored.ratings.all()} == {1, winner}
        stored.ratings.exclude(competence=1).delete()
