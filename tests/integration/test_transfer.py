"""Bulk import and export: all or nothing, every bad row listed, exact round trips."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from competence.domain import Rating
from competence.domain.evidence import confidence_words
from competence.errors import InputError
from competence.formats.exports import EXPORT_COLUMNS, write_csv, write_xlsx
from competence.formats.tables import escape_cell
from competence.services import records
from competence.services.document import import_document
from competence.services.export import export_document, export_rows
from competence.services.imports import import_file
from competence.store.models import Assessment, AuditEntry, Cycle, Person, PlanItem, Pmo, Team
from competence.store.models import Rating as RatingRow
from competence.store.queries import team_tree
from tests.integration.conftest import PEOPLE, ratings, wipe, write
from tests.unit.test_formats import hostile, in_workbook


def counts() -> tuple[int, int, int, int, int]:
    return (
        Person.objects.count(),
        Team.objects.count(),
        Cycle.objects.count(),
        Assessment.objects.count(),
        RatingRow.objects.count(),
    )


# -- people ------------------------------------------------------------------------------------


def test_people_file_creates_teams_pmo_and_assessors(people: dict[str, Person]) -> None:
    ada = people["ada"]
    assert ada.team is not None
    assert team_tree().path(ada.team.pk) == "Delivery / Finance PMO"
    assert ada.team.parent is not None
    assert ada.team.parent.pmo is not None
    assert ada.team.parent.pmo.name == "Programme Office"
    assert ada.assessor == people["grace"]
    assert people["alan"].assessor == people["grace"]  # given by employee id
    assert (ada.employee_id, ada.context, ada.profile) == ("E1", "programme", "pmo-specialist")
    entry = AuditEntry.objects.get(action="import")
    assert entry.new is not None
    assert entry.new["counts"] == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "teams_created": 3,
        "pmos_created": 1,
    }
    assert len(entry.new["sha256"]) == 64


def test_importing_people_again_updates_them(people: dict[str, Person], tmp_path: Path) -> None:
    changed = PEOPLE.replace("Grace Hopper", "Grace B. Hopper")
    report = import_file(write(tmp_path, "people2.csv", changed))
    assert report.counts["updated"] == 3
    assert report.counts["created"] == 0
    assert Person.objects.get(email="grace@example.org").name == "Grace B. Hopper"
    assert Person.objects.count() == 3


def test_a_bad_people_file_writes_nothing_and_lists_every_bad_row(
    actor: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "people.csv",
        "name,email,team,context,profile,assessor\n"
        "Ada,ada@example.org,Delivery,programme,pmo-officer,\n"
        ",bob@example.org,Delivery,project,pmo-officer,\n"
        "Cy,not-an-email,Delivery,team,pmo-boss,\n"
        "Di,ada@example.org,Delivery / ,project,pmo-officer,nobody@example.org\n",
    )
    before = counts()
    with pytest.raises(InputError) as info:
        import_file(path)
    assert info.value.problems == [
        f"{path}, line 3: name: is empty",
        f"{path}, line 4: email: not an email address: 'not-an-email'",
        f"{path}, line 4: context: must be one of project, programme, portfolio, got 'team'",
        f"{path}, line 4: profile: unknown profile 'pmo-boss': choose one of pmo-officer, "
        "pmo-specialist",
        f"{path}, line 5: email: ada@example.org appears twice (first at line 2)",
        f"{path}, line 5: team: 'Delivery /' has an empty part (write Department / Team)",
    ]
    assert counts() == before
    assert not AuditEntry.objects.filter(action="import").exists()


def test_dry_run_counts_and_writes_nothing(actor: str, tmp_path: Path) -> None:
    report = import_file(write(tmp_path, "people.csv", PEOPLE), dry_run=True)
    assert report.dry_run
    assert report.counts == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "teams_created": 3,
        "pmos_created": 1,
    }
    assert counts() == (0, 0, 0, 0, 0)


# -- ratings -----------------------------------------------------------------------------------


def test_ratings_form_one_submitted_assessment_per_person(
    people: dict[str, Person], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "r.csv",
        "person,competence,knowledge,application,evidence\n"
        "ada@example.org,1,4,4,gates\nada@example.org,governance-arrangements,4,3,\n"
        "E2,Life cycles,3,3,\n",
    )
    report = import_file(path, cycle="2026")
    assert report.kind == "ratings"
    assert report.counts == {"rows": 3, "people": 2, "assessments": 2, "cycles_created": 1}
    ada = Assessment.objects.get(person__email="ada@example.org")
    assert (ada.cycle.name, ada.kind, ada.status) == ("2026", "self", "submitted")
    assert {r.competence: (r.knowledge, r.application, r.evidence) for r in ada.ratings.all()} == {
        1: (4, 4, "gates"),
        2: (4, 3, ""),
    }
    assert Assessment.objects.get(person__email="grace@example.org").ratings.count() == 1
    assert AuditEntry.objects.filter(action="import").count() == 2  # people, then ratings


def test_ratings_import_defaults_to_the_open_cycle_and_replaces_on_reimport(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    path = write(tmp_path, "r.csv", "person,competence,knowledge,application\nE1,1,2,2\n")
    import_file(path, kind="assessor")
    first = Assessment.objects.get()
    assert (first.cycle.name, first.kind) == ("2026", "assessor")
    import_file(
        write(tmp_path, "r2.csv", "person,competence,knowledge,application\nE1,5,1,1\n"),
        kind="assessor",
    )
    again = Assessment.objects.get()
    assert again.pk == first.pk
    assert list(again.ratings.values_list("competence", flat=True)) == [5]


def test_a_bad_ratings_file_writes_nothing_and_lists_every_bad_row(
    people: dict[str, Person], tmp_path: Path
) -> None:
    lines = ["person,competence,knowledge,application"]
    lines += [f"ada@example.org,{n},3,3" for n in range(1, 30)]
    lines += ["nobody@example.org,1,3,3", "ada@example.org,1,3,3", "E2,99,3,3", "E2,2,7,3"]
    path = write(tmp_path, "r.csv", "\n".join(lines) + "\n")
    before = counts()
    with pytest.raises(InputError) as info:
        import_file(path, cycle="2026")
    assert info.value.problems == [
        f"{path}, line 31: person: no person with the email or employee id "
        "'nobody@example.org' (import the people file first)",
        f"{path}, line 32: competence: Life cycles (1) appears twice for ada@example.org",
        f'{path}, line 33: competence: unknown competence "99" (use a number 1-29, a slug or '
        "the exact name)",
        f'{path}, line 34: knowledge: must be a whole number from 0 to 5, got "7"',
    ]
    assert counts() == before


def test_ratings_into_a_signed_off_assessment_are_refused(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    records.sign_off(records.agree(people["ada"], cycles[1], ratings(life_cycles=(3, 3))))
    path = write(tmp_path, "r.csv", "person,competence,knowledge,application\nE1,1,5,5\n")
    with pytest.raises(InputError, match="signed off and read-only"):
        import_file(path, cycle="2026", kind="agreed")
    assert Assessment.objects.get().ratings.get().knowledge == 3


def test_a_filled_in_template_imports_for_its_person(
    people: dict[str, Person], tmp_path: Path
) -> None:
    import competence

    path = tmp_path / "self.xlsx"
    competence.write_template(path, "pmo-officer", "project")
    book = load_workbook(path)
    ws = book["Self-assessment"]
    ws["B4"] = "alan@example.org"
    ws["D8"], ws["E8"] = 3, 2
    book.save(path)
    report = import_file(path, cycle="2026")
    assert report.counts["people"] == 1
    rating = Assessment.objects.get(person__email="alan@example.org").ratings.get(competence=1)
    assert (rating.knowledge, rating.application) == (3, 2)


# -- export and round trips --------------------------------------------------------------------


def populate(people: dict[str, Person], cycles: list[Cycle]) -> None:
    ada, grace = people["ada"], people["grace"]
    own = records.record_assessment(ada, cycles[0], ratings(life_cycles=(2, 2)))
    records.submit(own)
    records.sign_off(records.agree(ada, cycles[0]))
    records.record_assessment(
        ada, cycles[1], {1: ratings(life_cycles=(4, 3))[1], 2: ratings(governance=(None, 3))[2]}
    )
    records.record_assessment(grace, cycles[1], {23: ratings(schedule=(3, 3))[23]})
    records.record_assessment(
        grace,
        cycles[1],
        {
            1: Rating(1, 1, '=HYPERLINK("http://x")'),
            2: Rating(2, 2, "-minus"),
            3: Rating(3, 3, "+plus @at 'quoted"),
            4: Rating(1, 1, "'=already"),
        },
        kind="assessor",
    )
    PlanItem.objects.create(
        person=ada,
        competence=2,
        axis="application",
        target_level=4,
        action="Shadow the programme board secretary",
        status="planned",
    )


def test_json_export_import_export_gives_the_same_document(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    populate(people, cycles)
    first = export_document()
    # 2025 is signed off, its self-assessment with it; 2026 is a draft.
    assert [a["status"] for a in first["assessments"] if a["person"] == "ada@example.org"] == [
        "signed-off",
        "signed-off",
        "draft",
    ]
    wipe()
    import_document(json.loads(json.dumps(first)), "export.json")
    assert export_document() == first


def test_team_export_holds_that_team_only(people: dict[str, Person], cycles: list[Cycle]) -> None:
    populate(people, cycles)
    doc = export_document("Delivery / Change")
    assert [p["email"] for p in doc["people"]] == ["alan@example.org"]
    assert [t["path"] for t in doc["teams"]] == ["Delivery", "Delivery / Change"]
    assert doc["people"][0]["assessor"] is None  # outside the export
    with pytest.raises(InputError, match="no team 'Nowhere'"):
        export_document("Nowhere")


def test_exports_give_each_ratings_links_and_confidence_as_stored(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    # The exports read the links as stored JSON text and decode only a non-empty list: what
    # they give must be what the model's own JSON field decodes, with links and without.
    populate(people, cycles)
    some = RatingRow.objects.filter(assessment__cycle=cycles[1]).order_by("pk")[:2]
    links = ["https://example.org/évidence", "http://example.org/b?x=1&y=2"]
    RatingRow.objects.filter(pk=some[0].pk).update(evidence_links=links, confidence=2)
    RatingRow.objects.filter(pk=some[1].pk).update(evidence_links=links[:1], confidence=None)
    stored = {
        (r.assessment.person.email, r.assessment.cycle.name, r.assessment.kind, r.competence): r
        for r in RatingRow.objects.select_related("assessment__person", "assessment__cycle")
    }
    assert {len(r.evidence_links) for r in stored.values()} == {0, 1, 2}
    rows = list(export_rows(history=True))
    assert len(rows) == len(stored)
    for row in rows:
        r = stored[(row["person"], row["cycle"], row["kind"], row["competence"])]
        assert row["evidence_links"] == " ".join(r.evidence_links)
        assert row["confidence"] == (confidence_words(r.confidence) or "")
    exported = [(a, d) for a in export_document()["assessments"] for d in a["ratings"]]
    assert len(exported) == len(stored)
    for a, d in exported:
        r = stored[(a["person"], a["cycle"], a["kind"], d["competence"])]
        assert (d["evidence_links"], d["confidence"]) == (
            r.evidence_links,
            confidence_words(r.confidence),
        )


def test_csv_export_escapes_formulas_and_reimports_exactly(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    populate(people, cycles)
    buffer = io.StringIO()
    write_csv(export_rows(history=True), buffer)
    text = buffer.getvalue()
    rows = list(csv.DictReader(io.StringIO(text)))
    evidence = {r["evidence"] for r in rows}
    assert '\'=HYPERLINK("http://x")' in evidence
    assert "'-minus" in evidence
    assert "''=already" in evidence
    assert "+plus @at 'quoted" not in evidence
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    before = {
        (r["person"], r["cycle"], r["kind"], r["competence"]): r for r in export_rows(history=True)
    }
    path = write(tmp_path, "export.csv", text)
    wipe()
    import_file(write(tmp_path, "people.csv", PEOPLE))
    import_file(path)
    after = {
        (r["person"], r["cycle"], r["kind"], r["competence"]): r for r in export_rows(history=True)
    }
    keep = ("knowledge", "application", "evidence")
    assert {k: [v[f] for f in keep] for k, v in after.items()} == {
        k: [v[f] for f in keep] for k, v in before.items()
    }


def test_xlsx_export_stores_text_not_formulas_and_reimports(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    populate(people, cycles)
    path = tmp_path / "export.xlsx"
    assert write_xlsx(export_rows(history=True), path) > 0
    sheet = load_workbook(path)["Ratings"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    formula = next(c for c in cells if c.value == '\'=HYPERLINK("http://x")')
    assert formula.data_type == "s"
    assert not any(c.data_type == "f" for c in cells)
    wipe()
    import_file(write(tmp_path, "people.csv", PEOPLE))
    report = import_file(path)
    assert report.counts["rows"] == len(cells) // len(EXPORT_COLUMNS)
    grace = Assessment.objects.get(person__email="grace@example.org", kind="assessor")
    assert grace.ratings.get(competence=1).evidence == '=HYPERLINK("http://x")'


def test_xlsx_export_escapes_text_as_csv_does_and_reimports_exactly(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    populate(people, cycles)
    path = tmp_path / "export.xlsx"
    write_xlsx(export_rows(history=True), path)
    values = {c.value for row in load_workbook(path)["Ratings"].iter_rows(min_row=2) for c in row}
    assert {"'-minus", "''=already", "'+plus @at 'quoted"} <= values
    assert not {"-minus", "'=already", "+plus @at 'quoted"} & values
    before = {
        (r["person"], r["cycle"], r["kind"], r["competence"]): r for r in export_rows(history=True)
    }
    wipe()
    import_file(write(tmp_path, "people.csv", PEOPLE))
    import_file(path)
    after = {
        (r["person"], r["cycle"], r["kind"], r["competence"]): r for r in export_rows(history=True)
    }
    keep = ("knowledge", "application", "evidence")
    assert {k: [v[f] for f in keep] for k, v in after.items()} == {
        k: [v[f] for f in keep] for k, v in before.items()
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_cycle_named_like_a_formula_comes_back_from_an_export(
    people: dict[str, Person], tmp_path: Path, fmt: str
) -> None:
    cycle = records.create_cycle("-2027 review", dt.date(2027, 1, 1))
    records.submit(records.record_assessment(people["ada"], cycle, {1: Rating(3, 3, "+ok")}))
    path = tmp_path / f"export.{fmt}"
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            write_csv(export_rows(), out)
    else:
        write_xlsx(export_rows(), path)
    wipe()
    import_file(write(tmp_path, "people.csv", PEOPLE))
    import_file(path)
    assert list(Cycle.objects.values_list("name", flat=True)) == ["-2027 review"]
    (rating,) = RatingRow.objects.filter(assessment__cycle__name="-2027 review")
    assert (rating.competence, rating.evidence) == (1, "+ok")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_people_file_with_escaped_cells_gives_back_the_original_text(
    actor: str, tmp_path: Path, fmt: str
) -> None:
    header = ["name", "email", "team", "context", "profile", "employee_id", "pmo"]
    people = [
        ['=HYPERLINK("http://evil","x")', "=x@example.org", "+Ops / -Desk", "-7", "@PMO"],
        ["- Dash", "-d@example.org", "@Office", "+44", "=PMO"],
        ["'=already quoted", "q@example.org", "'-Team", "'+1", "'@PMO"],
    ]
    rows = [[n, e, t, "programme", "pmo-officer", i, p] for n, e, t, i, p in people]
    path = tmp_path / f"people.{fmt}"
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows([escape_cell(v) for v in row] for row in rows)
    else:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(header)
        for row in rows:
            sheet.append([escape_cell(v) for v in row])
        book.save(path)
    import_file(path)
    paths = team_tree().paths()
    stored = {
        p.email: [p.name, paths[p.team_id] if p.team_id else None, p.employee_id]
        for p in Person.objects.all()
    }
    assert stored == {e: [n, t, i] for n, e, t, i, _ in people}
    assert set(Pmo.objects.values_list("name", flat=True)) == {p for *_, p in people}


def test_a_bad_json_export_names_the_field(actor: str, tmp_path: Path) -> None:
    doc = {
        "format": "competence-export",
        "version": 1,
        "pmos": [],
        "teams": [],
        "cycles": [],
        "people": [
            {
                "email": "a@example.org",
                "name": "A",
                "employee_id": None,
                "team": None,
                "context": "team",
                "profile": "pmo-officer",
                "assessor": None,
                "left_on": None,
            }
        ],
        "assessments": [],
        "plans": [],
    }
    with pytest.raises(InputError) as info:
        import_file(write(tmp_path, "bad.json", json.dumps(doc)))
    assert info.value.problems == [
        f"{tmp_path / 'bad.json'}, people[0].context: 'team' is not one of "
        "['project', 'programme', 'portfolio']"
    ]


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    evidence=st.one_of(texts, hostile),
    knowledge=st.one_of(st.none(), st.integers(0, 5)),
    fmt=st.sampled_from(["csv", "xlsx"]),
)
def test_export_then_import_gives_back_the_same_ratings(
    people: dict[str, Person],
    cycles: list[Cycle],
    tmp_path: Path,
    evidence: str,
    knowledge: int | None,
    fmt: str,
) -> None:
    stripped = evidence.strip()
    made = records.record_assessment(
        people["ada"], cycles[1], {1: Rating(knowledge, 2, stripped or None)}
    )
    if made.status == "draft":  # drafts are not exported without --history
        records.submit(made)
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        write_csv(export_rows(), buffer)
        path = tmp_path / "x.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        expected = stripped
    else:
        path = tmp_path / "x.xlsx"
        write_xlsx(export_rows(), path)
        expected = in_workbook(stripped)  # a workbook (XML) reads a carriage return as a line feed
    import_file(path)
    rating = Assessment.objects.get(person=people["ada"], cycle=cycles[1]).ratings.get()
    assert (rating.knowledge, rating.application, rating.evidence) == (knowledge, 2, expected)


def test_cycle_and_kind_given_on_the_command_line_win_over_the_files_columns(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    populate(people, cycles)
    buffer = io.StringIO()
    write_csv(export_rows(), buffer)  # latest assessments, with cycle and kind columns
    path = write(tmp_path, "latest.csv", buffer.getvalue())
    report = import_file(path, cycle="2027", kind="assessor")
    assert report.counts["cycles_created"] == 1
    moved = Assessment.objects.filter(cycle__name="2027")
    assert {a.kind for a in moved} == {"assessor"}
    assert moved.count() == report.counts["assessments"]


def test_a_dry_run_of_ratings_counts_and_keeps_nothing(
    people: dict[str, Person], tmp_path: Path
) -> None:
    path = write(tmp_path, "r.csv", "person,competence,knowledge,application\nE1,1,2,2\n")
    before = counts()
    report = import_file(path, cycle="new-cycle", dry_run=True)
    assert report.counts == {"rows": 1, "people": 1, "assessments": 1, "cycles_created": 1}
    assert counts() == before


def test_a_json_export_with_broken_references_is_refused_field_by_field(
    people: dict[str, Person], cycles: list[Cycle], tmp_path: Path
) -> None:
    populate(people, cycles)
    doc = export_document()
    doc["assessments"].append(dict(doc["assessments"][0]))
    doc["people"][0]["team"] = "Nowhere"
    doc["people"][1]["profile"] = "pmo-boss"
    doc["cycles"][0]["opens_on"] = "2026-13-45"
    wipe()
    path = write(tmp_path, "broken.json", json.dumps(doc))
    with pytest.raises(InputError) as info:
        import_file(path, dry_run=True)
    report = "\n".join(info.value.problems)
    assert "people[0].team: Nowhere is not in teams" in report
    assert "people[1].profile: unknown profile 'pmo-boss'" in report
    assert "cycles[0].opens_on: not a valid date: '2026-13-45'" in report
    assert f"assessments[{len(doc['assessments']) - 1}]: assessment" in report
    assert counts() == (0, 0, 0, 0, 0)
    doc = json.loads(path.read_text())
    doc["assessments"].pop()
    doc["assessments"][0]["ratings"][0]["competence"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"ratings\[0\]\.competence: 99 is greater than the max"):
        import_file(path)


def test_values_too_long_for_the_database_are_refused(actor: str, tmp_path: Path) -> None:
    long_name = "x" * 201
    path = write(
        tmp_path,
        "people.csv",
        "name,email,team,context,profile\n"
        f"{long_name},a@example.org,Delivery,project,pmo-officer\n",
    )
    with pytest.raises(InputError, match="line 2: name: longer than 200 characters"):
        import_file(path)
    with pytest.raises(InputError, match="--cycle: a cycle name has 1 to 100 characters"):
        import_file(path, cycle="y" * 101)


def test_pmo_leads_survive_a_backup(people: dict[str, Person], tmp_path: Path) -> None:
    from django.contrib.auth.models import User

    from competence.services.backup import restore, write_backup
    from competence.store.models import Pmo

    lead = User.objects.create(username="lead")
    Pmo.objects.get().leads.add(lead)
    path = tmp_path / "b.json.gz"
    write_backup(path)
    wipe()
    restore(path)
    assert [u.username for u in Pmo.objects.get().leads.all()] == ["lead"]
