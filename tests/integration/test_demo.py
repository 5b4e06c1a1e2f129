"""The demo organisation: its size, its spread of verdicts, its workflow, sign-ins and audit trail.

Building the demo through the record services takes a couple of seconds, so the database tests
share one build (``demo``), made inside a transaction that is rolled back after the module. Each
test still runs in its own transaction (``db``) on top of it, so nothing a test does leaks out.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db import transaction
from django.test import RequestFactory

from competence.domain import CONTEXTS, Catalogue, Rating, assess, workflow
from competence.errors import InputError
from competence.services.demo import (
    DEMO_PASSWORD,
    DemoSummary,
    build_demo,
    cycles_for,
    plan_demo,
    shown,
)
from competence.store.models import Assessment, AuditEntry, Cycle, Person, Pmo, Team
from competence.store.queries import counting_assessment, counting_per_cycle, team_tree

SEED = 2026
TODAY = dt.date(2026, 3, 16)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(seed=SEED, today=TODAY)
        transaction.set_rollback(True)


def stored_ratings(assessment: Assessment) -> dict[int, Rating]:
    return {
        r.competence: Rating(r.knowledge, r.application, r.evidence or None)
        for r in assessment.ratings.all()
    }


# --- the plan, without a database ------------------------------------------------------------


def test_the_same_seed_gives_the_same_ratings_and_another_seed_others() -> None:
    first = plan_demo(seed=SEED, today=TODAY)
    assert plan_demo(seed=SEED, today=TODAY) == first
    later = plan_demo(seed=SEED, today=TODAY + dt.timedelta(days=200))
    assert [shown(later, p) for p in later.people] == [shown(first, p) for p in first.people]
    other = plan_demo(seed=SEED + 1, today=TODAY)
    assert [p.name for p in other.people] == [p.name for p in first.people]
    assert [shown(other, p) for p in other.people] != [shown(first, p) for p in first.people]


@pytest.mark.parametrize("seed", range(12))
def test_every_seed_gives_the_promised_spread(seed: int, catalogue: Catalogue) -> None:
    plan = plan_demo(seed=seed, today=TODAY)  # checks itself with the domain, or raises
    officer = [
        assess(catalogue, "pmo-officer", p.context, shown(plan, p)).meets_profile
        for p in plan.people
    ]
    assert 5 <= sum(officer) <= len(officer) - 5


@pytest.mark.parametrize(
    ("today", "previous", "current"),
    [
        (dt.date(2026, 3, 16), ("2025", "2025-01-06", "2025-12-19"), ("2026", "2026-01-05")),
        (dt.date(2026, 1, 5), ("2025", "2025-01-06", "2025-12-19"), ("2026", "2026-01-05")),
        (dt.date(2027, 1, 1), ("2026", "2026-01-05", "2026-12-18"), ("2027", "2027-01-01")),
    ],
)
def test_the_cycles_are_last_year_and_this_year_and_this_year_contains_today(
    today: dt.date, previous: tuple[str, str, str], current: tuple[str, str]
) -> None:
    last, this = cycles_for(today)
    assert (last.name, last.opens_on.isoformat(), str(last.closes_on)) == previous
    assert (this.name, this.opens_on.isoformat(), this.closes_on) == (*current, None)
    assert this.opens_on <= today


# --- the database ----------------------------------------------------------------------------


def test_the_organisation_has_25_people_in_4_teams_across_the_three_contexts(
    demo: DemoSummary, db: None
) -> None:
    assert (demo.people, demo.teams, demo.pmos, demo.cycles) == (25, 4, 3, 2)
    assert Person.objects.count() == 25
    teams = list(Team.objects.filter(parent__isnull=False).select_related("parent", "pmo"))
    paths = team_tree().paths()
    assert sorted(paths[t.pk] for t in teams) == [
        "Change / Programme Office",
        "Delivery / Project Controls",
        "Delivery / Project Support",
        "Strategy / Portfolio Office",
    ]
    assert sorted(Pmo.objects.values_list("context", flat=True)) == sorted(CONTEXTS)
    people = list(Person.objects.select_related("team__pmo", "assessor", "user"))
    assert {p.context for p in people} == set(CONTEXTS)
    for p in people:
        assert p.team is not None
        assert p.team.pmo is not None
        assert p.context == p.team.pmo.context
        assert p.email.endswith("@example.org")
        assert p.assessor is not None
        assert p.assessor != p
        assert p.user is not None
        assert p.user.username == p.email.split("@")[0]
    assert collections.Counter(p.profile for p in people) == {
        "pmo-officer": 19,
        "pmo-specialist": 6,
    }
    assert sorted(p.employee_id or "" for p in people) == [f"E{n}" for n in range(1001, 1026)]
    assert sorted(len(t.people.all()) for t in teams) == [6, 6, 6, 7]
    assert demo.assessments == Assessment.objects.count()


def test_the_cycles_hold_the_assessments_on_dates_inside_them(demo: DemoSummary, db: None) -> None:
    cycles = list(Cycle.objects.all())
    assert [(c.name, c.opens_on, c.closes_on) for c in cycles] == [
        ("2025", dt.date(2025, 1, 6), dt.date(2025, 12, 19)),
        ("2026", dt.date(2026, 1, 5), None),
    ]
    for a in Assessment.objects.select_related("cycle"):
        assert a.cycle.opens_on <= a.assessed_on <= (a.cycle.closes_on or TODAY)


def test_the_workflow_has_signed_off_history_and_work_in_progress(
    demo: DemoSummary, db: None
) -> None:
    statuses = collections.Counter(Assessment.objects.values_list("cycle__name", "kind", "status"))
    assert statuses[("2025", "agreed", "signed-off")] == 25
    # Signing off signs off the whole cycle.
    assert statuses[("2025", "self", "signed-off")] == 25
    assert statuses[("2025", "assessor", "signed-off")] == 25
    assert statuses[("2026", "self", "draft")] >= 3
    assert statuses[("2026", "self", "submitted")] >= 10
    assert statuses[("2026", "agreed", "reviewed")] >= 3
    assert statuses[("2026", "agreed", "signed-off")] == 0
    signed = Assessment.objects.filter(status="signed-off")
    assert set(signed.values_list("signed_off_by", flat=True)) == {"demo"}
    assert Assessment.objects.filter(ratings__evidence__gt="").distinct().count() >= 10


def test_the_results_show_officers_specialists_and_people_far_off(
    demo: DemoSummary, db: None, catalogue: Catalogue
) -> None:
    officer_met = specialist_met = not_met = far = 0
    for person in Person.objects.all():
        counted = counting_assessment(person)
        assert counted is not None
        ratings = stored_ratings(counted)
        officer = assess(catalogue, "pmo-officer", person.context, ratings)
        specialist = assess(catalogue, "pmo-specialist", person.context, ratings)
        officer_met += officer.meets_profile
        not_met += not officer.meets_profile
        specialist_met += specialist.meets_profile
        far += sum(r.label == "gap" for r in officer.competences) >= 3
        assert officer.meets_profile or not specialist.meets_profile
    assert (officer_met, specialist_met, not_met, far) == (8, 3, 17, 6)
    assert specialist_met >= 3
    assert not_met >= 5
    assert officer_met >= 5


def test_the_team_view_has_an_uncovered_competence_and_a_single_point_of_failure(
    demo: DemoSummary, db: None
) -> None:
    from competence.services.results import team_summary

    summary = team_summary(Person.objects.all())
    assert [u["competence"] for u in summary["uncovered"]] == ["Portfolio shaping"]
    assert [(a["competence"], a["name"]) for a in summary["single_points_of_failure"]] == [
        ("Resource capacity planning", "Ravi Chandran")
    ]


def test_ratings_rise_from_last_year_to_this_year(demo: DemoSummary, db: None) -> None:
    rises = falls = 0
    for person in Person.objects.all():
        per_cycle = counting_per_cycle(person.assessments.select_related("cycle"))
        if len(per_cycle) < 2:  # this year's is still a draft
            continue
        before, after = (stored_ratings(a) for a in per_cycle)
        for number, now in after.items():
            then = before.get(number)
            for axis in ("knowledge", "application"):
                a = now.level(axis)
                b = None if then is None else then.level(axis)
                if a is not None and b is not None:
                    rises += a > b
                    falls += a < b
    assert falls == 0
    assert rises > 200


def test_the_database_holds_the_ratings_the_seed_decides(demo: DemoSummary, db: None) -> None:
    plan = plan_demo(seed=SEED, today=TODAY)
    cycles = {c.name: c for c in Cycle.objects.all()}
    for planned in plan.people:
        person = Person.objects.get(email=planned.email)
        for name, assessments in (("2025", planned.previous), ("2026", planned.current)):
            stored = {
                a.kind: (a.assessed_on, a.status, stored_ratings(a))
                for a in person.assessments.filter(cycle=cycles[name])
            }
            # Signing off one assessment signs off the whole cycle.
            locked = workflow.cycle_locked(a.status for a in assessments)
            assert stored == {
                a.kind: (
                    a.assessed_on,
                    workflow.Status.SIGNED_OFF if locked else a.status,
                    {n: r for n, r in a.ratings.items() if r.rated},
                )
                for a in assessments
            }


def test_every_demo_account_signs_in_with_the_demo_password(demo: DemoSummary, db: None) -> None:
    assert demo.password == DEMO_PASSWORD
    usernames = [username for username, _ in demo.sign_ins]
    assert usernames[:2] == ["lead", "admin"]
    assert len(usernames) == 5
    assert User.objects.filter(username__in=usernames, is_active=True).count() == 5
    # One Argon2 hash for all 27 accounts (hashed once): checking two of them checks them all.
    assert User.objects.count() == 27
    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    assert hashes.pop().startswith("argon2")
    request = RequestFactory().post("/signin")  # sign-in throttling needs the request
    for username in ("lead", usernames[-1]):
        found = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert found is not None, username
    assert authenticate(request, username="lead", password="wrong") is None
    lead, admin = User.objects.get(username="lead"), User.objects.get(username="admin")
    assert (lead.is_staff, lead.is_superuser, admin.is_staff, admin.is_superuser) == (
        False,
        False,
        True,
        True,
    )
    assert [g.name for g in lead.groups.all()] == ["pmo-lead"]
    assert [g.name for g in admin.groups.all()] == ["admin"]
    roles = {u.username: [g.name for g in u.groups.all()] for u in User.objects.all()}
    assert sum(r == ["assessor"] for r in roles.values()) >= 3
    assert sum(r == ["member"] for r in roles.values()) >= 10
    assert set(lead.pmos_led.values_list("context", flat=True)) == set(CONTEXTS)
    assert not Person.objects.filter(user__in=[lead, admin]).exists()


def test_every_change_is_in_the_audit_trail_as_the_demo(demo: DemoSummary, db: None) -> None:
    entries = AuditEntry.objects.all()
    assert set(entries.values_list("actor", flat=True)) == {"demo"}
    made = collections.Counter(entries.filter(action="create").values_list("model", flat=True))
    assert made["Person"] == 25
    assert made["Cycle"] == 2
    assert made["Assessment"] == demo.assessments
    assert made["Rating"] == demo.ratings
    assert entries.filter(action="update", model="Assessment", summary__contains="status").exists()


def test_the_demo_refuses_a_database_that_is_not_empty(demo: DemoSummary, db: None) -> None:
    before = (Person.objects.count(), AuditEntry.objects.count(), User.objects.count())
    with pytest.raises(InputError, match=r"needs an empty database.*25 people"):
        build_demo(seed=SEED, today=TODAY)
    assert (Person.objects.count(), AuditEntry.objects.count(), User.objects.count()) == before
