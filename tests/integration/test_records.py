"""Assessments in the database: the workflow, read-only sign-off, history and the audit trail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from competence.errors import InputError, WorkflowError
from competence.services import profiles, records
from competence.store import audit
from competence.store.models import (
    Assessment,
    AuditEntry,
    Cycle,
    FrameworkVersion,
    Person,
    ReadOnlyError,
)
from competence.store.models import (
    Rating as RatingRow,
)
from tests.integration.conftest import ratings


def test_record_submit_review_agree_and_sign_off(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada, cycle = people["ada"], cycles[1]
    own = records.record_assessment(ada, cycle, ratings(life_cycles=(4, 4), governance=(3, 2)))
    assert own.status == "draft"
    assert own.framework.framework_id == "apm-pmo"
    assert (own.profile, own.context) == ("pmo-specialist", "programme")
    records.submit(own)
    assessor = records.record_assessment(ada, cycle, ratings(governance=(4, 3)), kind="assessor")
    records.submit(assessor)
    records.review(assessor)
    agreed = records.agree(ada, cycle)
    assert agreed.status == "reviewed"
    assert {r.competence: (r.knowledge, r.application) for r in agreed.ratings.all()} == {2: (4, 3)}
    # The self and assessor ratings are kept, not averaged.
    own.refresh_from_db()
    assert {r.competence: (r.knowledge, r.application) for r in own.ratings.all()} == {
        1: (4, 4),
        2: (3, 2),
    }
    records.sign_off(agreed)
    agreed.refresh_from_db()
    assert agreed.status == "signed-off"
    assert agreed.signed_off_by == "cli:tester"


def test_a_signed_off_assessment_is_read_only(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada = people["ada"]
    agreed = records.agree(ada, cycles[0], ratings(life_cycles=(3, 3)))
    records.sign_off(agreed)
    with pytest.raises(InputError, match="signed off and read-only"):
        records.record_assessment(ada, cycles[0], ratings(life_cycles=(5, 5)), kind="agreed")
    rating = agreed.ratings.get()
    rating.knowledge = 5
    with pytest.raises(ReadOnlyError):
        rating.save()
    agreed.status = "draft"
    with pytest.raises(ReadOnlyError):
        agreed.save()
    assert agreed.ratings.get().knowledge == 3


def test_a_signed_off_cycle_locks_every_record_of_it_until_an_admin_reopens_it(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    """Signed off is locked: the self-assessment, the assessor's ratings, comments and the
    agreed assessment of that person's cycle, through every path; an import into it writes
    nothing; reopening is an audited act with a reason."""
    from competence.services.imports import import_file

    ada, cycle = people["ada"], cycles[0]
    own = records.record_assessment(ada, cycle, ratings(life_cycles=(3, 3), governance=(3, 2)))
    records.submit(own)
    theirs = records.record_assessment(ada, cycle, ratings(life_cycles=(3, 3)), kind="assessor")
    records.review(records.submit(theirs))
    records.sign_off(records.agree(ada, cycle))
    before = sorted(
        RatingRow.objects.filter(assessment__person=ada).values_list(
            "assessment__kind", "competence", "knowledge", "application"
        )
    )
    for kind in ("self", "assessor", "agreed"):
        with pytest.raises(WorkflowError, match="signed off and read-only"):
            records.record_assessment(ada, cycle, ratings(life_cycles=(5, 5)), kind=kind)
    with pytest.raises(WorkflowError, match="signed off and read-only"):
        records.review(own)
    with pytest.raises(WorkflowError, match="signed off and read-only"):
        records.add_comments(theirs, {1: "changed my mind"})
    with pytest.raises(ReadOnlyError):  # the tables refuse it too
        own.ratings.get(competence=1).delete()
    path = tmp_path / "late.csv"
    path.write_text(
        "person,competence,knowledge,application,cycle,kind\n"
        "ada@example.org,1,5,5,2025,self\nada@example.org,2,5,5,2025,assessor\n",
        "utf-8",
    )
    with pytest.raises(InputError, match="the cycle is signed off and read-only"):
        import_file(path)
    after = sorted(
        RatingRow.objects.filter(assessment__person=ada).values_list(
            "assessment__kind", "competence", "knowledge", "application"
        )
    )
    assert after == before
    assert own.ratings.count() == 2
    # Reopening: a reason is needed; then the cycle takes changes again, and it is audited.
    with pytest.raises(InputError, match="say why"):
        records.reopen(ada, cycle, "  ")
    assert records.reopen(ada, cycle, "the sign-off took the wrong ratings") == 3
    records.record_assessment(ada, cycle, ratings(life_cycles=(4, 4)), kind="assessor")
    entry = AuditEntry.objects.get(action="reopen")
    assert entry.new == {"status": "reviewed", "reason": "the sign-off took the wrong ratings"}
    assert entry.person == str(ada.pk)


def test_workflow_steps_out_of_order_are_refused(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    own = records.record_assessment(people["ada"], cycles[1], ratings(life_cycles=(1, 1)))
    with pytest.raises(InputError, match="cannot review an assessment that is draft"):
        records.review(own)
    with pytest.raises(InputError, match="cannot sign off an assessment that is draft"):
        records.sign_off(own)
    with pytest.raises(InputError, match="nothing to agree yet"):
        records.agree(people["grace"], cycles[1])


def test_a_new_cycle_makes_a_new_assessment_and_history_keeps_both(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada = people["ada"]
    first = records.record_assessment(
        ada, cycles[0], ratings(life_cycles=(2, 2)), assessed_on=dt.date(2025, 3, 1)
    )
    records.submit(first)
    second = records.record_assessment(
        ada, cycles[1], ratings(life_cycles=(4, 3)), assessed_on=dt.date(2026, 3, 1)
    )
    records.submit(second)
    assert first.pk != second.pk
    data = records.history(ada)
    assert [a["cycle"] for a in data["assessments"]] == ["2025", "2026"]
    life_cycles = next(t for t in data["trend"] if t["number"] == 1)
    assert life_cycles["points"] == [
        {"cycle": "2025", "knowledge": 2, "application": 2},
        {"cycle": "2026", "knowledge": 4, "application": 3},
    ]


def test_the_trend_and_the_export_ignore_drafts(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    """An agreed 3/3 counts; an assessor's unfinished draft of 1/1 in a later cycle does not,
    in the verdict, the trend or the export (the same rule everywhere)."""
    from competence.services.export import export_rows
    from competence.services.results import person_results

    ada = people["ada"]
    first = records.record_assessment(ada, cycles[0], ratings(life_cycles=(3, 3)))
    records.submit(first)
    records.sign_off(records.agree(ada, cycles[0]))
    records.record_assessment(ada, cycles[1], ratings(life_cycles=(1, 1)), kind="assessor")
    results = person_results(ada)
    assert results["assessment"]["kind"] == "agreed"
    assert results["assessment"]["cycle"] == "2025"
    life_cycles = next(t for t in results["history"]["trend"] if t["number"] == 1)
    assert life_cycles["points"] == [{"cycle": "2025", "knowledge": 3, "application": 3}]
    exported = [r for r in export_rows() if r["person"] == ada.email]
    assert {(r["cycle"], r["kind"], r["knowledge"]) for r in exported} == {("2025", "agreed", 3)}
    everything = [r for r in export_rows(history=True) if r["person"] == ada.email]
    assert ("2026", "assessor", "draft") in {
        (r["cycle"], r["kind"], r["status"]) for r in everything
    }


def test_every_change_is_audited_with_actor_and_old_and_new_values(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada = people["ada"]
    before = AuditEntry.objects.count()
    own = records.record_assessment(ada, cycles[1], ratings(life_cycles=(2, 2)))
    records.record_assessment(ada, cycles[1], ratings(life_cycles=(3, 2)))
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [(e.action, e.model) for e in entries] == [
        ("create", "Assessment"),
        ("create", "Rating"),
        ("update", "Rating"),
    ]
    update = entries[-1]
    assert update.actor == "cli:tester"
    assert update.old is not None
    assert update.new is not None
    assert update.old == {"knowledge": 2, "rated_at": update.old["rated_at"]}
    assert update.new["knowledge"] == 3
    assert {e.person for e in entries} == {str(ada.pk)}
    with audit.acting_as("someone"):
        ada.name = "Ada King"
        ada.save()
        own.delete()
    last = list(AuditEntry.objects.order_by("-id")[:3])
    assert {(e.action, e.model) for e in last} >= {("update", "Person"), ("delete", "Assessment")}
    assert any(e.old == {"name": "Ada Lovelace"} and e.new == {"name": "Ada King"} for e in last)


def test_changes_without_an_actor_are_refused(people: dict[str, Person]) -> None:
    token = audit._actor.set(None)
    try:
        with pytest.raises(audit.NoActorError):
            Person.objects.create(name="X", email="x@example.org", context="project")
    finally:
        audit._actor.reset(token)
    assert not Person.objects.filter(email="x@example.org").exists()


def test_the_audit_trail_is_append_only(people: dict[str, Person]) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.summary = "rewritten"
    with pytest.raises(ReadOnlyError):
        entry.save()
    with pytest.raises(ReadOnlyError):
        entry.delete()


def test_the_framework_version_is_recorded_once(actor: str) -> None:
    first = profiles.current_framework()
    again = profiles.current_framework()
    assert first.pk == again.pk
    assert FrameworkVersion.objects.count() == 1
    assert sorted(first.profiles.values_list("profile_id", flat=True)) == [
        "pmo-officer",
        "pmo-specialist",
    ]
    assert len(first.document["framework"]["competences"]) == 29


def test_open_cycle_defaults(actor: str) -> None:
    made = records.open_cycle(dt.date(2026, 11, 28))
    assert made.name == "2026-11-28"
    assert records.open_cycle(dt.date(2026, 11, 29)).pk == made.pk
    assert Assessment.objects.count() == 0


def test_audit_command_lists_one_persons_changes(
    people: dict[str, Person], cycles: list[Cycle], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from competence.cli import main

    records.record_assessment(people["ada"], cycles[1], ratings(life_cycles=(2, 2)))
    records.record_assessment(people["grace"], cycles[1], ratings(life_cycles=(1, 1)))
    capsys.readouterr()
    assert main(["audit", "--person", "E1", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [(e["action"], e["model"]) for e in entries] == [
        ("create", "Assessment"),
        ("create", "Rating"),
    ]
    assert all(e["actor"] == "cli:tester" for e in entries)
    assert main(["audit", "--person", "nobody@example.org"]) == 2
    assert "no person with the email or employee id" in capsys.readouterr().err


def test_dates_given_to_record_and_agree_are_kept(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada = people["ada"]
    own = records.record_assessment(
        ada, cycles[0], ratings(life_cycles=(2, 2)), assessed_on=dt.date(2025, 3, 1)
    )
    records.record_assessment(
        ada, cycles[0], ratings(life_cycles=(3, 2)), assessed_on=dt.date(2025, 4, 1)
    )
    own.refresh_from_db()
    assert own.assessed_on == dt.date(2025, 4, 1)
    agreed = records.agree(ada, cycles[0], assessed_on=dt.date(2025, 6, 30))
    assert agreed.assessed_on == dt.date(2025, 6, 30)


def test_the_history_shows_every_record_of_a_signed_off_cycle_as_signed_off(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    ada, cycle = people["ada"], cycles[1]
    own = records.submit(records.record_assessment(ada, cycle, ratings(life_cycles=(4, 4))))
    theirs = records.record_assessment(ada, cycle, ratings(life_cycles=(3, 4)), kind="assessor")
    records.submit(theirs)
    records.review(own)
    with pytest.raises(WorkflowError, match="has not answered the assessor's ratings"):
        records.agree(ada, cycle)
    records.review(theirs)  # the person's side of the review
    records.sign_off(records.agree(ada, cycle))
    statuses = {(a["cycle"], a["kind"]): a["status"] for a in records.history(ada)["assessments"]}
    assert statuses == {
        ("2026", "self"): "signed-off",
        ("2026", "assessor"): "signed-off",
        ("2026", "agreed"): "signed-off",
    }
