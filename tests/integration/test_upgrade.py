"""A database made by an earlier release upgrades to the current migrations and keeps every row.

The test migrates the ``competence`` app back to the last released migration, fills every table
through the models as they were then, migrates forward to the latest migrations and compares a
dump of every table, row by row, for the columns that existed before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

# The last migration released before the move to competence.store.
LAST_RELEASED = "0003_comments_and_tokens"

AT = dt.datetime(2025, 3, 14, 9, 26, 53, tzinfo=dt.UTC)

Dump = dict[str, dict[Any, tuple[Any, ...]]]
# Each table: its primary key, its columns and which of them hold JSON.
Layout = dict[str, tuple[str, list[str], frozenset[str]]]


def released(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """Every other app at its latest migration, ``competence`` at the last released one."""
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "competence"]
    return [*others, ("competence", LAST_RELEASED)]


@pytest.fixture
def executor(transactional_db: None) -> Iterator[MigrationExecutor]:
    """The migration executor; the database is fully migrated again afterwards, pass or fail."""
    yield MigrationExecutor(connection)
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())


def tables(apps: StateApps) -> Layout:
    """Each table of the app (and the users' table): its primary key, its columns and its JSON
    columns."""
    models = [
        *apps.get_app_config("competence").get_models(include_auto_created=True),
        apps.get_model(settings.AUTH_USER_MODEL),
    ]
    return {
        m._meta.db_table: (
            m._meta.pk.column,
            [f.column for f in m._meta.concrete_fields],
            frozenset(
                f.column for f in m._meta.concrete_fields if f.get_internal_type() == "JSONField"
            ),
        )
        for m in models
        if m._meta.pk is not None
    }


def dump(layout: Layout) -> Dump:
    """Every row of every table in ``layout``, by primary key, as the database returns it, with
    the JSON columns decoded: their value is what the upgrade keeps, not their spelling
    (PostgreSQL's jsonb keeps an object's keys in an order of its own)."""
    quote = connection.ops.quote_name
    found: Dump = {}
    with connection.cursor() as cursor:
        for table, (pk, columns, json_columns) in layout.items():
            cursor.execute(
                f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} "
                f"FROM {quote(table)} ORDER BY {quote(pk)}"
            )
            found[table] = {
                row[0]: tuple(
                    json.loads(value) if column in json_columns and value is not None else value
                    for column, value in zip(columns, row[1:], strict=True)
                )
                for row in cursor.fetchall()
            }
    return found


def fill(apps: StateApps) -> None:
    """A row in every table, through the models as they were at the last release."""

    def model(name: str) -> Any:
        return apps.get_model("competence", name)

    user = apps.get_model(settings.AUTH_USER_MODEL)
    lead = user.objects.create(username="lead", email="lead@example.org", password="!")
    ada_user = user.objects.create(
        username="ada", email="ada@example.org", password="!", first_name="Ada", date_joined=AT
    )
    framework = model("FrameworkVersion").objects.create(
        framework_id="apm-competence-framework",
        version="3",
        title="APM Competence Framework",
        source="builtin",
        document={"competences": [{"number": 1, "name": "Life cycles"}], "levels": [0, 5]},
        checksum="a" * 64,
        loaded_at=AT,
    )
    model("ProfileVersion").objects.create(
        framework=framework,
        profile_id="pmo-officer",
        name="PMO officer",
        document={"requirements": {"1": {"knowledge": 3, "application": 3}}},
    )
    pmo = model("Pmo").objects.create(name="Programme Office", context="programme")
    pmo.leads.add(lead)
    department = model("Team").objects.create(name="Delivery", pmo=pmo)
    team = model("Team").objects.create(name="Finance PMO", parent=department, pmo=pmo)
    person = model("Person")
    grace = person.objects.create(
        name="Grace Hopper",
        email="grace@example.org",
        employee_id="E2",
        team=team,
        context="programme",
        profile="pmo-officer",
        left_on=dt.date(2026, 6, 30),
    )
    ada = person.objects.create(
        name="Ada Lovelace ✓",
        email="ada@example.org",
        employee_id="E1",
        team=team,
        context="programme",
        profile="pmo-specialist",
        assessor=grace,
        user=ada_user,
    )
    cycle = model("Cycle").objects.create(
        name="2025", opens_on=dt.date(2025, 1, 1), closes_on=dt.date(2025, 12, 31)
    )
    assessment = model("Assessment").objects.create(
        person=ada,
        cycle=cycle,
        kind="self",
        status="reviewed",
        assessed_on=dt.date(2025, 3, 14),
        framework=framework,
        profile="pmo-specialist",
        context="programme",
        signed_off_by="grace",
        signed_off_at=AT,
    )
    rating = model("Rating")
    rating.objects.create(
        assessment=assessment,
        competence=1,
        knowledge=4,
        application=3,
        evidence="Ran the stage gates of two programmes.",
        evidence_links=["https://example.org/gates"],
        confidence=4,
        rated_by="ada",
        rated_at=AT,
    )
    rating.objects.create(
        assessment=assessment,
        competence=2,
        knowledge=None,
        application=2,
        rated_by="ada",
        rated_at=AT + dt.timedelta(minutes=1),
    )
    model("Comment").objects.create(
        assessment=assessment, competence=2, author="grace", text="Which board?", at=AT
    )
    model("ApiToken").objects.create(
        user=ada_user,
        name="reporting",
        prefix="cmp_abc",
        digest="b" * 64,
        scope="write",
        created_at=AT,
        last_used_at=AT + dt.timedelta(days=1),
    )
    model("PlanItem").objects.create(
        person=ada,
        competence=2,
        axis="application",
        target_level=4,
        action="Shadow the portfolio board's secretary.",
        due_on=dt.date(2025, 9, 30),
        status="in-progress",
    )
    model("AuditEntry").objects.create(
        at=AT,
        actor="cli:tester",
        action="update",
        model="Rating",
        object_id="1",
        person=str(ada.pk),
        summary="competence 1",
        old={"knowledge": 3},
        new={"knowledge": 4, "evidence": "Ran the stage gates"},
    )


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_last_release_upgrades_and_keeps_every_row(
    executor: MigrationExecutor,
) -> None:
    executor.migrate([("competence", LAST_RELEASED)])
    executor.loader.build_graph()
    old_apps = executor.loader.project_state(released(executor)).apps
    fill(old_apps)
    layout = tables(old_apps)
    before = dump(layout)
    assert [table for table, rows in before.items() if not rows] == []
    assert len(before["competence_person"]) == len(before["competence_rating"]) == 2

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []

    assert dump(layout) == upgraded(before, layout)


def upgraded(before: Dump, layout: Layout) -> Dump:
    """What the upgrade changes on purpose: 0005 keeps only the framework in the built-in
    framework's document (profiles are versioned on their own), with its checksum, and writes
    each profile version's number into its document; 0006 caps a rating's confidence at 3 (the
    three choices: not sure, fairly sure, sure)."""
    out = {table: dict(rows) for table, rows in before.items()}
    columns = layout["competence_frameworkversion"][1]
    doc, checksum = columns.index("document"), columns.index("checksum")
    for pk, row in out["competence_frameworkversion"].items():
        framework = row[doc]
        text = json.dumps(framework, sort_keys=True, ensure_ascii=False)
        values = list(row)
        values[doc] = {"framework": framework}
        values[checksum] = hashlib.sha256(text.encode()).hexdigest()
        out["competence_frameworkversion"][pk] = tuple(values)
    columns = layout["competence_profileversion"][1]
    doc = columns.index("document")
    for pk, row in out["competence_profileversion"].items():
        values = list(row)
        values[doc] = {**row[doc], "version": 1}
        out["competence_profileversion"][pk] = tuple(values)
    columns = layout["competence_rating"][1]
    sure = columns.index("confidence")
    for pk, row in out["competence_rating"].items():
        if row[sure] is not None and row[sure] > 3:  # 0006: three choices, "sure" the highest
            out["competence_rating"][pk] = (*row[:sure], 3, *row[sure + 1 :])
    return out


@pytest.mark.django_db(transaction=True)
def test_the_upgraded_rows_read_through_todays_models(executor: MigrationExecutor) -> None:
    from competence.store.models import Assessment, AuditEntry, Person
    from competence.store.queries import team_tree

    executor.migrate([("competence", LAST_RELEASED)])
    executor.loader.build_graph()
    fill(executor.loader.project_state(released(executor)).apps)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    ada = Person.objects.get(email="ada@example.org")
    assert ada.assessor is not None
    assert ada.assessor.email == "grace@example.org"
    assert ada.user is not None
    assert ada.user.username == "ada"
    assert ada.team is not None
    assert team_tree().path(ada.team.pk) == "Delivery / Finance PMO"
    assert ada.team.pmo is not None
    assert [u.username for u in ada.team.pmo.leads.all()] == ["lead"]
    assessment = Assessment.objects.get(person=ada)
    assert [(r.competence, r.knowledge, r.application) for r in assessment.ratings.all()] == [
        (1, 4, 3),
        (2, None, 2),
    ]
    assert assessment.ratings.get(competence=1).evidence_links == ["https://example.org/gates"]
    assert [c.text for c in assessment.comments.all()] == ["Which board?"]
    framework = assessment.framework.document["framework"]  # 0005 keeps the framework only
    assert framework["competences"][0]["name"] == "Life cycles"
    assert ada.plan_items.get().status == "in-progress"
    assert AuditEntry.objects.get().new == {"knowledge": 4, "evidence": "Ran the stage gates"}
    assert ada.user.api_tokens.get().scope == "write"
