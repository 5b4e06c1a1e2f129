"""An organisation's own profiles: stored as versions, tailored from a copy of APM's, checked
field by field, and pinned: a signed-off verdict never changes when the profile changes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from competence.cli import main
from competence.data import load_catalogue, profile_document
from competence.domain import Rating
from competence.errors import DataError, InputError
from competence.services import profiles, records
from competence.services.results import person_gap, person_results
from competence.store.models import Cycle, Person, ProfileVersion


def analyst(**changes: Any) -> dict[str, Any]:
    """A copy of APM's PMO officer profile, as an organisation would start tailoring it."""
    doc = profiles.export("pmo-officer")
    doc.pop("owner")
    return {**doc, "id": "pmo-analyst", "name": "PMO analyst", **changes}


def test_apm_profiles_are_stored_as_version_one_and_are_read_only(actor: str) -> None:
    profiles.current_framework()
    listed = {p["id"]: p for p in profiles.listing()}
    assert {k: (p["version"], p["owner"], p["read_only"]) for k, p in listed.items()} == {
        "pmo-officer": (1, "apm", True),
        "pmo-specialist": (1, "apm", True),
    }
    with pytest.raises(DataError, match="is APM's profile and read-only"):
        profiles.publish({**profiles.export("pmo-officer"), "owner": "organisation"})
    assert ProfileVersion.objects.count() == 2
    assert profiles.seed_apm() == []  # the data files again: nothing new


def test_a_tailored_profile_round_trips_and_each_publish_is_a_new_version(
    actor: str, tmp_path: Path
) -> None:
    first = profiles.publish(analyst())
    assert (first.profile_id, first.number, first.owner) == ("pmo-analyst", 1, "organisation")
    exported = profiles.export("pmo-analyst")
    path = tmp_path / "analyst.yaml"
    path.write_text(yaml.safe_dump(exported, sort_keys=False), "utf-8")
    assert profiles.import_file(path, dry_run=True)["version"] == 2
    assert ProfileVersion.objects.filter(profile_id="pmo-analyst").count() == 1  # dry run
    assert profiles.import_file(path)["version"] == 2
    again = profiles.export("pmo-analyst")
    assert {**again, "version": 1} == {**exported, "version": 1}  # the same data
    assert [v["version"] for v in profiles.versions("pmo-analyst")] == [1, 2]
    assert profiles.catalogue().profile("pmo-analyst").version == 2


def test_an_exported_profile_lists_its_keys_in_the_files_order(actor: str) -> None:
    """However the database keeps a stored document's keys (PostgreSQL's jsonb in an order of
    its own), the export lists them as a profile file does, at every level."""

    def keys(value: Any) -> Any:
        if isinstance(value, dict):
            return [(k, keys(v)) for k, v in value.items()]
        return [keys(v) for v in value] if isinstance(value, list) else None

    for slug in ("pmo-officer", "pmo-specialist"):
        exported = profiles.export(slug)
        assert keys(exported) == keys(profile_document(load_catalogue().profile(slug)))
        assert next(iter(exported)) == "schema"


def test_a_bad_profile_gets_one_message_per_field_and_stores_nothing(actor: str) -> None:
    doc = analyst()
    doc["requirements"][0]["knowledge"] = 9
    doc["requirements"][1]["contexts"] = ["everywhere"]
    doc["rule"] = {
        "kind": "builds-on",
        "statement": "",
        "base_profile": "no-such-profile",
        "required": [1],
        "specialisms": [2],
        "deciding": [2],
        "at_least": 1,
    }
    with pytest.raises(DataError) as caught:
        profiles.publish(doc, "analyst.yaml")
    problems = caught.value.problems
    assert any("requirements[0].knowledge" in p for p in problems)
    assert any("requirements[1].contexts[0]" in p for p in problems)
    assert len(problems) == 2  # the schema's two, before any cross-check
    doc = analyst(rule={**doc["rule"], "deciding": [3]})
    doc["requirements"][0]["knowledge"] = 3
    doc["requirements"][1]["contexts"] = ["project"]
    with pytest.raises(DataError) as caught:
        profiles.publish(doc, "analyst.yaml")
    assert caught.value.problems == ["analyst.yaml: rule.deciding: 3 is not in rule.specialisms"]
    doc["rule"]["deciding"] = [2]
    with pytest.raises(DataError, match=r"rule\.base_profile: no profile 'no-such-profile'"):
        profiles.publish(doc, "analyst.yaml")
    assert not ProfileVersion.objects.filter(profile_id="pmo-analyst").exists()


def an_analyst_at_the_officer_targets(person: Person) -> tuple[Person, dict[int, Rating]]:
    """The analyst profile published and given to ``person``; ratings at APM's officer targets."""
    profiles.publish(analyst())
    Person.objects.filter(pk=person.pk).update(profile="pmo-analyst")
    person.refresh_from_db()
    officer = load_catalogue().profile("pmo-officer")
    at_target = {
        n: Rating(r.target.knowledge, r.target.application) for n, r in officer.requirements.items()
    }
    return person, at_target


def test_a_signed_off_verdict_is_pinned_to_the_version_it_was_judged_against(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    grace, at_target = an_analyst_at_the_officer_targets(people["grace"])
    own = records.record_assessment(grace, cycles[1], at_target)
    records.submit(own)
    records.sign_off(records.agree(grace, cycles[1]))
    before = person_results(grace)
    assert before["judged_against"]["label"] == "PMO analyst v1"
    assert before["own"]["meets_profile"] is True
    assert before["current"] is None
    # v2 raises life cycles to 5/5: the signed-off verdict stays met, against v1.
    raised = analyst()
    raised["requirements"][0].update(knowledge=5, application=5)
    profiles.publish(raised)
    after = person_results(grace)
    assert after["judged_against"] == {**before["judged_against"], "current_version": 2}
    assert after["own"] == before["own"]
    assert after["current"] is not None
    assert after["current"]["meets_profile"] is False  # against the current version, side by side
    assert (
        "Life cycles: knowledge 3, the PMO analyst profile needs 5" in after["current"]["reasons"]
    )


def test_a_draft_is_judged_against_the_current_version_until_it_is_submitted(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    profiles.publish(analyst())
    alan = people["alan"]
    Person.objects.filter(pk=alan.pk).update(profile="pmo-analyst")
    alan.refresh_from_db()
    draft = records.record_assessment(alan, cycles[1], {1: Rating(2, 2)})
    assert draft.profile_version is not None
    assert draft.profile_version.number == 1
    profiles.publish(analyst(description="v2"))
    draft = records.record_assessment(alan, cycles[1], {1: Rating(3, 2)})
    assert draft.profile_version is not None
    assert draft.profile_version.number == 2
    records.submit(draft)
    profiles.publish(analyst(description="v3"))
    kept = records.record_assessment(alan, cycles[1], {1: Rating(3, 3)})
    assert kept.profile_version is not None
    assert kept.profile_version.number == 2  # submitted: pinned


def test_gap_takes_a_profile_file_without_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "schema": "competence/profile/1",
        "id": "pmo-analyst",
        "name": "PMO analyst",
        "framework": "apm-pmo",
        "requirements": [
            {"competence": 23, "knowledge": 4, "application": 3, "contexts": ["programme"]},
        ],
    }
    path = tmp_path / "analyst.json"
    path.write_text(json.dumps(doc), "utf-8")
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("competence,knowledge,application\n23,4,2\n", "utf-8")
    assert (
        main(["gap", str(ratings), "--profile", str(path), "--context", "programme", "--json"]) == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert (result["profile"], result["meets_profile"]) == ("pmo-analyst", False)
    assert result["missing"] == [
        {
            "number": 23,
            "slug": "schedule-management",
            "axis": "application",
            "target": 3,
            "actual": 2,
        }
    ]
    path.write_text(json.dumps({**doc, "id": "pmo-officer"}), "utf-8")
    assert main(["gap", str(ratings), "--profile", str(path), "--context", "programme"]) == 2
    assert "is APM's profile and read-only" in capsys.readouterr().err


def test_the_people_import_takes_an_organisations_profile_and_a_target_profile(
    actor: str, tmp_path: Path
) -> None:
    from competence.services.imports import import_file

    profiles.publish(analyst())
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email,team,context,profile,target_profile\n"
        "Ada Lovelace,ada@example.org,Delivery,programme,pmo-analyst,pmo-specialist\n",
        "utf-8",
    )
    import_file(path)
    ada = Person.objects.get(email="ada@example.org")
    assert (ada.profile, ada.target_profile) == ("pmo-analyst", "pmo-specialist")
    path.write_text(
        "name,email,team,context,profile,target_profile\n"
        "Ada Lovelace,ada@example.org,Delivery,programme,pmo-nothing,pmo-none\n",
        "utf-8",
    )
    with pytest.raises(InputError) as caught:
        import_file(path)
    assert any("profile: unknown profile 'pmo-nothing'" in p for p in caught.value.problems)
    assert any("target_profile: unknown profile 'pmo-none'" in p for p in caught.value.problems)


__all__ = ["dt"]


def test_the_worked_example_in_the_profiles_guide() -> None:
    """docs/profiles.md: a PMO analyst who builds on the officer profile."""
    from competence.data import check_profile_document, profile_document
    from competence.domain import assess
    from competence.domain.framework import Catalogue

    builtin = load_catalogue()
    doc = profile_document(builtin.profile("pmo-officer"))
    doc.update(id="pmo-analyst", name="PMO analyst", owner="organisation", version=1)
    for r in doc["requirements"]:
        if r["competence"] == 23:
            r.update(knowledge=4, application=4)
        if r["competence"] == 26:
            r.update(knowledge=4, application=3)
    doc["rule"] = {
        "kind": "builds-on",
        "statement": "The officer profile, plus schedule management and budgeting or risk.",
        "base_profile": "pmo-officer",
        "required": [23],
        "specialisms": [26, 28],
        "deciding": [26],
        "at_least": 1,
    }
    analyst_profile = check_profile_document(doc, builtin.framework, "analyst.yaml")
    catalogue = Catalogue.of(builtin.framework, [*builtin.profiles.values(), analyst_profile])
    officer = builtin.profile("pmo-officer")
    ratings = {
        n: Rating(r.target.knowledge, r.target.application) for n, r in officer.requirements.items()
    }
    ratings[23] = Rating(4, 4)
    ratings[26] = Rating(4, 3)
    assert assess(catalogue, "pmo-analyst", "programme", ratings).meets_profile
    ratings[26] = Rating(3, 3)
    verdict = assess(catalogue, "pmo-analyst", "programme", ratings)
    assert not verdict.meets_profile
    reason = "Budgeting and cost control: knowledge 3, the PMO analyst profile needs 4"
    assert reason in verdict.reasons
    assert any(
        "Risk and issue management is on the role profile's list" in r for r in verdict.reasons
    )


def test_profile_commands_on_the_database(
    actor: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", "show", "nobody"]) == 2
    assert "unknown profile 'nobody'" in capsys.readouterr().err
    path = tmp_path / "analyst.yaml"
    path.write_text(yaml.safe_dump(analyst()), "utf-8")
    assert main(["profile", "import", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 1
    assert main(["profile", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(p["id"], p["owner"]) for p in listed][-1] == ("pmo-analyst", "organisation")
    assert main(["profile", "show", "pmo-analyst", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["id"], shown["version"], len(shown["requirements"])) == ("pmo-analyst", 1, 29)
    out = tmp_path / "again.yaml"
    assert main(["profile", "export", "pmo-analyst", "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text("utf-8"))["id"] == "pmo-analyst"


def test_publishing_a_profile_version_changes_the_verdict_remembered(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    """Verdicts are remembered (:func:`competence.domain.analysis.assess`) until a profile
    version is published: the same ratings are then judged against the new version."""
    alan, at_target = an_analyst_at_the_officer_targets(people["alan"])
    records.submit(records.record_assessment(alan, cycles[1], at_target))
    assert person_gap(alan)["meets_profile"] is True
    assert person_gap(alan) == person_gap(alan)  # asked again: the same, from the memo
    raised = analyst()
    raised["requirements"][0].update(knowledge=5, application=5)
    profiles.publish(raised)
    after = person_gap(alan)
    assert after["meets_profile"] is False
    assert "Life cycles: knowledge 3, the PMO analyst profile needs 5" in after["reasons"]
    assert person_results(alan)["current"]["meets_profile"] is False  # v1's stays pinned
