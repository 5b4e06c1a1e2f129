"""Who may see what: every route of the URL configuration, requested as each kind of user.

A route that is not in RULES fails the test, so a new page or API route needs its rule here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from competence.domain import Rating
from competence.services import accounts, evidence, jobs, records, second_views, webhooks
from competence.store import audit
from competence.store.models import (
    Assessment,
    Cycle,
    EvidenceFile,
    Job,
    JobChunk,
    Person,
    PlanItem,
    Pmo,
    Team,
)
from tests.evidence_files import png
from tests.web.conftest import hashed

PERSONAS = ("anonymous", "member", "other_member", "other_assessor", "pmo_lead", "admin")
SAME = "same as the page"
OWN = [302, 200, 403, 403, 200, 200]  # a page about the member's person
OWN_API = [401, 200, 403, 403, 200, 200]
EVERYONE = [302, 200, 200, 200, 200, 200]
EVERYONE_API = [401, 200, 200, 200, 200, 200]
ADMIN_ONLY = [302, 403, 403, 403, 403, 200]
ADMIN_API = [401, 403, 403, 403, 403, 200]

# (method, URL pattern) -> expected status for each persona, in PERSONAS order.
RULES: dict[tuple[str, str], list[int]] = {
    ("GET", "healthz"): [200] * 6,
    ("GET", "favicon.ico"): [301] * 6,
    ("GET", ""): [302] * 6,
    ("GET", "signin"): [200, 302, 302, 302, 302, 302],
    ("POST", "signout"): [302] * 6,
    ("GET", "password-reset"): [200] * 6,
    ("GET", "password-reset/sent"): [200] * 6,
    ("GET", "password-reset/<uidb64>/<token>"): [200] * 6,  # says the link is not valid
    ("GET", "password-reset/done"): [200] * 6,
    ("GET", "framework"): EVERYONE,
    ("GET", "framework/compare"): EVERYONE,
    ("GET", "frameworks"): EVERYONE,
    ("GET", "profiles"): EVERYONE,
    ("GET", "profiles/new"): [302, 403, 403, 403, 403, 200],
    ("POST", "profiles/new"): [302, 403, 403, 403, 403, 422],  # an empty form: field errors
    ("GET", "profiles/<slug:slug>"): [302] * 6,  # to its latest version
    ("GET", "profiles/<slug:slug>/edit"): [302, 403, 403, 403, 403, 302],  # APM's: to a copy
    ("GET", "profiles/<slug:slug>/versions/<int:number>"): EVERYONE,
    ("GET", "me/assessment"): [302, 200, 200, 200, 404, 404],  # lead and admin: no person
    ("GET", "me/assessment/check"): [302, 200, 302, 302, 404, 404],  # the others: no draft
    ("POST", "me/assessment/withdraw"): [302, 302, 302, 302, 404, 404],
    ("GET", "me/data.json"): [302, 200, 200, 200, 404, 404],
    ("POST", "me/assessment/evidence"): [302, 302, 302, 302, 404, 404],  # back to the form
    ("GET", "evidence/<int:file_id>"): OWN,
    ("GET", "people/<int:person_id>"): OWN,
    ("GET", "people/<int:person_id>/ratings.<str:fmt>"): OWN,
    ("GET", "people/<int:person_id>/report.<str:fmt>"): OWN,
    ("GET", "team"): [302, 403, 403, 200, 200, 200],  # an assessor: figures only
    ("GET", "team/report.<str:fmt>"): [302, 403, 403, 403, 200, 200],
    ("GET", "team/plan"): [302, 403, 403, 403, 200, 200],
    ("GET", "team/calibration"): [302, 403, 403, 200, 200, 200],  # an assessor: figures only
    ("GET", "team/trends"): [302, 403, 403, 200, 200, 200],  # an assessor: figures only
    ("POST", "people/<int:person_id>/plan"): [302, 302, 403, 403, 403, 302],
    ("GET", "people/<int:person_id>/plan/edit"): [302, 200, 403, 403, 403, 200],
    ("POST", "people/<int:person_id>/plan/edit"): [302, 302, 403, 403, 403, 302],
    ("GET", "review"): [302, 403, 403, 200, 200, 200],
    ("GET", "due"): [302, 403, 403, 200, 200, 200],
    ("GET", "people/<int:person_id>/review"): [302, 403, 403, 403, 403, 200],  # no assessor
    # Nothing is agreed: the admin is sent back to the review page.
    ("GET", "people/<int:person_id>/review/sign-off"): [302, 403, 403, 403, 403, 302],
    # The person's step (an admin's too); the form lacks an answer, so it is sent back.
    ("POST", "people/<int:person_id>/review/answers"): [302, 302, 403, 403, 403, 302],
    ("GET", "users"): ADMIN_ONLY,
    ("POST", "users"): [302, 403, 403, 403, 403, 422],  # an empty form: field errors
    ("GET", "users/<int:user_id>"): ADMIN_ONLY,
    # An empty form: unchecked "active", no person (Ada's user, by the admin): saved, redirect.
    ("POST", "users/<int:user_id>"): [302, 403, 403, 403, 403, 302],
    ("POST", "users/<int:user_id>/password-reset"): [302, 403, 403, 403, 403, 302],
    ("POST", "users/<int:user_id>/tokens"): [302, 403, 403, 403, 403, 422],  # no name
    ("POST", "tokens/<int:token_id>/revoke"): [302, 403, 403, 403, 403, 302],
    ("GET", "cycles"): ADMIN_ONLY,
    ("POST", "cycles"): [302, 403, 403, 403, 403, 422],  # an empty form: field errors
    ("GET", "cycles/<int:cycle_id>"): ADMIN_ONLY,
    ("POST", "cycles/<int:cycle_id>"): [302, 403, 403, 403, 403, 422],  # no opening day
    ("POST", "cycles/<int:cycle_id>/reminders"): [302, 403, 403, 403, 403, 302],
    ("GET", "audit"): [302, 403, 403, 403, 200, 200],
    ("GET", "audit.csv"): [302, 403, 403, 403, 200, 200],
    ("GET", "manage/import"): [302, 403, 403, 403, 403, 200],
    ("GET", "manage/export.<str:fmt>"): [302, 403, 403, 403, 403, 200],
    ("GET", "api/v1/openapi.json"): EVERYONE,
    ("GET", "api/v1/docs"): EVERYONE,
    ("GET", "api/v1/"): [404] * 6,
    ("GET", "api/v1/framework"): EVERYONE_API,
    ("GET", "api/v1/profiles"): EVERYONE_API,
    ("GET", "api/v1/profiles/<profile_id>"): EVERYONE_API,
    ("GET", "api/v1/profiles/<first>/diff/<second>"): EVERYONE_API,
    ("GET", "api/v1/profiles/<profile_id>/versions/<number>"): EVERYONE_API,
    ("POST", "api/v1/profiles"): [401, 403, 403, 403, 403, 422],  # an empty body: field errors
    ("PUT", "api/v1/profiles/<profile_id>"): [401, 403, 403, 403, 403, 422],  # APM's: read-only
    ("PUT", "api/v1/people/<person_id>/profile"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/gap"): EVERYONE_API,
    ("GET", "api/v1/people"): EVERYONE_API,
    ("GET", "api/v1/people/<person_id>"): OWN_API,
    ("GET", "api/v1/people/<person_id>/results"): OWN_API,
    ("GET", "api/v1/people/<person_id>/gap"): OWN_API,
    ("GET", "api/v1/people/<person_id>/assessments"): OWN_API,
    ("GET", "api/v1/assessments/<assessment_id>"): OWN_API,
    ("GET", "api/v1/evidence/<file_id>"): OWN_API,
    ("PUT", "api/v1/me/self-assessment"): [401, 200, 200, 200, 404, 404],
    ("POST", "api/v1/me/self-assessment/submit"): [401, 200, 200, 200, 404, 404],
    # Ada's assessor has started her review (the world's assessor assessment): too late.
    ("POST", "api/v1/me/self-assessment/withdraw"): [401, 409, 200, 200, 404, 404],
    ("GET", "api/v1/team/summary"): [401, 403, 403, 200, 200, 200],
    ("GET", "api/v1/team/calibration"): [401, 403, 403, 200, 200, 200],
    ("GET", "api/v1/team/trends"): [401, 403, 403, 200, 200, 200],
    ("GET", "api/v1/people/<person_id>/review"): OWN_API,
    ("POST", "api/v1/people/<person_id>/review/answers"): [401, 200, 403, 403, 403, 200],
    ("GET", "api/v1/users"): ADMIN_API,
    ("POST", "api/v1/users"): [401, 403, 403, 403, 403, 201],
    ("PATCH", "api/v1/users/<user_id>"): ADMIN_API,
    # The empty form of POST users/<id> above deactivated Ada's user: no link for them.
    ("POST", "api/v1/users/<user_id>/password-reset"): [401, 403, 403, 403, 403, 422],
    ("POST", "api/v1/users/<user_id>/tokens"): [401, 403, 403, 403, 403, 201],
    ("GET", "api/v1/tokens"): ADMIN_API,
    ("DELETE", "api/v1/tokens/<token_id>"): ADMIN_API,
    ("GET", "api/v1/cycles"): EVERYONE_API,
    ("POST", "api/v1/cycles"): [401, 403, 403, 403, 403, 201],
    ("PATCH", "api/v1/cycles/<cycle_id>"): ADMIN_API,
    ("POST", "api/v1/cycles/<cycle_id>/reminders"): ADMIN_API,  # a dry run
    ("GET", "api/v1/audit"): [401, 403, 403, 403, 200, 200],
    ("GET", "admin"): [302, 403, 403, 403, 403, 200],
    ("GET", "people"): [302, 403, 403, 403, 200, 200],  # a lead: the people of their PMO
    ("POST", "people"): [302, 403, 403, 403, 422, 422],  # nobody ticked: nothing to do
    ("GET", "people/new"): [302, 403, 403, 403, 200, 200],
    ("POST", "people/new"): [302, 403, 403, 403, 422, 422],  # an empty form: field errors
    ("GET", "people/<int:person_id>/edit"): [302, 403, 403, 403, 200, 200],
    ("POST", "people/<int:person_id>/edit"): [302, 403, 403, 403, 302, 302],  # nothing changed
    ("GET", "people/<int:person_id>/erase"): [302, 403, 403, 403, 403, 200],
    ("POST", "people/<int:person_id>/erase"): [302, 403, 403, 403, 403, 422],  # not confirmed
    ("GET", "teams"): [302, 403, 403, 403, 403, 200],
    ("GET", "teams/new"): [302, 403, 403, 403, 403, 200],
    ("POST", "teams/new"): [302, 403, 403, 403, 403, 422],  # no name
    ("GET", "teams/<int:team_id>/edit"): [302, 403, 403, 403, 403, 200],
    ("POST", "teams/<int:team_id>/edit"): [302, 403, 403, 403, 403, 302],
    ("GET", "pmos/new"): [302, 403, 403, 403, 403, 200],
    ("POST", "pmos/new"): [302, 403, 403, 403, 403, 422],  # no name
    ("GET", "pmos/<int:pmo_id>/edit"): [302, 403, 403, 403, 403, 200],
    ("POST", "pmos/<int:pmo_id>/edit"): [302, 403, 403, 403, 403, 302],
    ("POST", "api/v1/people"): [401, 403, 403, 403, 201, 201],
    ("PATCH", "api/v1/people/<person_id>"): [401, 403, 403, 403, 200, 200],
    # Someone who left, in the lead's PMO: only an admin erases.
    ("DELETE", "api/v1/people/<person_id>"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/people/<person_id>/leave"): [401, 403, 403, 403, 200, 200],
    ("POST", "api/v1/people/bulk/assessor"): [401, 403, 403, 403, 200, 200],
    ("GET", "api/v1/teams"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/teams"): [401, 403, 403, 403, 403, 201],
    ("PATCH", "api/v1/teams/<team_id>"): [401, 403, 403, 403, 403, 200],
    ("GET", "api/v1/pmos"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/pmos"): [401, 403, 403, 403, 403, 201],
    ("PATCH", "api/v1/pmos/<pmo_id>"): [401, 403, 403, 403, 403, 200],
    ("GET", "webhooks"): [302, 403, 403, 403, 403, 200],
    ("POST", "webhooks"): [302, 403, 403, 403, 403, 422],  # no address, no events
    ("POST", "webhooks/<int:webhook_id>"): [302, 403, 403, 403, 403, 302],  # a test: to the page
    ("POST", "webhooks/deliveries/<int:delivery_id>/retry"): [302, 403, 403, 403, 403, 302],
    ("GET", "api/v1/webhooks"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/webhooks"): [401, 403, 403, 403, 403, 201],
    ("PATCH", "api/v1/webhooks/<webhook_id>"): [401, 403, 403, 403, 403, 200],
    ("GET", "api/v1/webhooks/<webhook_id>/secret"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/webhooks/<webhook_id>/secret"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/webhooks/<webhook_id>/ping"): [401, 403, 403, 403, 403, 202],
    ("GET", "api/v1/webhooks/<webhook_id>/deliveries"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/webhooks/deliveries/<delivery_id>/retry"): [401, 403, 403, 403, 403, 202],
    ("DELETE", "api/v1/webhooks/<webhook_id>"): [401, 403, 403, 403, 403, 204],  # last: it goes
    # The workflow (api_workflow): Ada has no assessor, so only the admin reviews her; the
    # world's assessor assessment is sent already, so it takes no ratings (the admin has
    # answered it above, so it is agreed below).
    ("PUT", "api/v1/people/<person_id>/assessor-assessment"): [401, 403, 403, 403, 403, 409],
    ("GET", "api/v1/people/<person_id>/review/sheet"): [401, 403, 403, 403, 403, 200],
    ("POST", "api/v1/people/<person_id>/review/send"): [401, 403, 403, 403, 403, 409],
    # Submit Ada's self-assessment: hers (submitted already above) or an admin's.
    ("POST", "api/v1/people/<person_id>/assessments/<kind>/<step>"): [401, 409, 403, 403, 403, 200],
    ("POST", "api/v1/people/<person_id>/agree"): [401, 403, 403, 403, 403, 200],  # answered
    ("POST", "api/v1/people/<person_id>/reopen"): [401, 403, 403, 403, 403, 409],  # not signed off
    ("GET", "api/v1/people/<person_id>/plan"): OWN_API,
    ("POST", "api/v1/people/<person_id>/plan/generate"): [401, 200, 403, 403, 403, 200],
    ("PUT", "api/v1/people/<person_id>/plan"): [401, 200, 403, 403, 403, 200],
    ("GET", "api/v1/team/coverage"): [401, 403, 403, 200, 200, 200],
    ("POST", "api/v1/team/plan"): [401, 403, 403, 403, 200, 200],
    ("POST", "api/v1/team/what-if"): [401, 403, 403, 403, 200, 200],
    ("GET", "api/v1/frameworks"): EVERYONE_API,
    ("POST", "api/v1/imports"): [401, 403, 403, 403, 403, 200],  # a dry run
    ("GET", "api/v1/exports/ratings.<fmt>"): [401, 403, 403, 403, 403, 200],
    ("GET", "api/v1/review"): [401, 403, 403, 200, 200, 200],
    ("GET", "api/v1/due"): [401, 403, 403, 200, 200, 200],
    # Second views: Bob is asked for his view of Ada; only an admin invites and removes raters.
    ("GET", "people/<int:person_id>/raters"): ADMIN_ONLY,
    ("POST", "people/<int:person_id>/raters"): [302, 403, 403, 403, 403, 422],  # no such user
    ("GET", "raters"): EVERYONE,
    ("GET", "raters/<int:view_id>"): [302, 403, 403, 200, 403, 403],  # the rater alone
    ("POST", "raters/<int:view_id>"): [302, 403, 403, 302, 403, 403],
    ("GET", "api/v1/people/<person_id>/second-views"): [401, 403, 403, 403, 403, 200],
    ("GET", "api/v1/people/<person_id>/raters"): ADMIN_API,
    ("POST", "api/v1/people/<person_id>/raters"): [401, 403, 403, 403, 403, 201],
    ("GET", "api/v1/second-views"): EVERYONE_API,
    ("GET", "api/v1/second-views/<view_id>"): [401, 403, 403, 200, 403, 403],
    ("PUT", "api/v1/second-views/<view_id>"): [401, 403, 403, 200, 403, 403],
    ("DELETE", "api/v1/second-views/<view_id>"): [401, 403, 403, 403, 403, 204],  # last: it goes
    # One's own draft: Ada's is submitted by now; Alan and Bob get one; lead and admin have none.
    ("POST", "api/v1/me/self-assessment/competences/<competence>/evidence"): [
        *(401, 409, 201, 201, 404, 404)
    ],
    # Ada's file: her draft is submitted; it is not in Alan's or Bob's.
    ("DELETE", "api/v1/me/self-assessment/evidence/<file_id>"): [401, 409, 404, 404, 404, 404],
    # Jobs: Ada's (a finished one with a file) is hers and the admins'; starting one sends the
    # starter to its page (303).
    ("GET", "jobs/<int:job_id>"): [302, 200, 403, 403, 403, 200],
    ("GET", "jobs/<int:job_id>/download"): [302, 200, 403, 403, 403, 200],
    ("GET", "api/v1/jobs/<job_id>"): [401, 200, 403, 403, 403, 200],
    ("GET", "api/v1/jobs/<job_id>/file"): [401, 200, 403, 403, 403, 200],
    ("POST", "manage/reports"): [302, 403, 403, 403, 403, 303],
    ("POST", "api/v1/reports/everyone"): [401, 403, 403, 403, 403, 202],  # a job, not run here
    ("POST", "team/report.<str:fmt>"): [302, 403, 403, 403, 303, 303],
}


def url_patterns() -> Iterator[str]:
    def walk(patterns: Any, prefix: str = "") -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    yield from walk(get_resolver().url_patterns)


def test_every_route_has_a_rule() -> None:
    ruled = {pattern for _, pattern in RULES}
    assert [p for p in url_patterns() if p not in ruled] == []
    assert sorted(ruled - set(url_patterns())) == []


@dataclass
class World:
    ada: Person
    assessment: Assessment
    users: dict[str, User | None]
    plan_item: PlanItem
    evidence_file: EvidenceFile
    token_id: int
    webhook: int
    delivery: int
    second_view: int
    job: int


@pytest.fixture
def world(db: None) -> World:
    with audit.acting_as("test-setup"):
        groups = {n: Group.objects.create(name=n) for n in ("member", "assessor", "pmo-lead")}

        def user(name: str, role: str | None = None, **flags: Any) -> User:
            made = User.objects.create(username=name, password=hashed(), **flags)
            if role:
                made.groups.add(groups[role])
            return made

        office = Pmo.objects.create(name="Programme Office", context="programme")
        elsewhere = Pmo.objects.create(name="Project Office", context="project")
        finance = Team.objects.create(name="Finance", pmo=office)
        change = Team.objects.create(name="Change", pmo=elsewhere)
        ada_u, alan_u, bob_u = (
            user("ada", "member", email="ada@example.org"),
            user("alan", "member"),
            user("bob", "assessor"),
        )
        lead = user("lead", "pmo-lead")
        office.leads.add(lead)
        admin = user("admin", is_superuser=True, is_staff=True)
        bob = Person.objects.create(
            name="Bob", email="bob@example.org", team=change, context="project", user=bob_u
        )
        ada = Person.objects.create(
            name="Ada", email="ada@example.org", team=finance, context="programme", user=ada_u
        )
        Person.objects.create(
            name="Alan",
            email="alan@example.org",
            team=change,
            context="project",
            user=alan_u,
            assessor=bob,
        )
        cycle = Cycle.objects.create(name="2026", opens_on=dt.date(2026, 1, 5))
        assessment = records.record_assessment(ada, cycle, {1: Rating(3, 3)}, kind="assessor")
        records.submit(assessment)
    users: dict[str, User | None] = {
        "anonymous": None,
        "member": ada_u,
        "other_member": alan_u,
        "other_assessor": bob_u,
        "pmo_lead": lead,
        "admin": admin,
    }
    with audit.acting_as("test-setup"):
        item = PlanItem.objects.create(
            person=ada,
            competence=1,
            axis="knowledge",
            target_level=4,
            action="reading: the life cycle",
        )
        draft = records.record_assessment(ada, cycle, {1: Rating(2, 2)})
        kept = evidence.attach(draft, 1, "gates.png", png())
        token, _ = accounts.create_token(ada_u, "reports")
        hook = webhooks.add("https://hr.example.org/hook", ["person.created"])
        (delivery,) = webhooks.enqueue("person.created", {"person": {"id": ada.pk}})
        asked = second_views.invite(ada, "bob", "peer")
        job = finished_job(ada_u)
    return World(ada, assessment, users, item, kept, token.pk, hook.pk, delivery, asked.pk, job)


def finished_job(owner: User) -> int:
    """A job ``owner`` started, finished, with a file to download."""
    job = jobs.start("reminders", "Reminders (a dry run)", user=owner, options={"dry_run": True})
    jobs.work(burst=True, schedule=False)
    JobChunk.objects.create(job=job, role="output", part=0, data=b"due: nobody\n")
    Job.objects.filter(pk=job.pk).update(output_name="due.txt", output_type="text/plain")
    return job.pk


def request(client: Client, method: str, pattern: str, world: World) -> int:
    person = world.ada
    if method == "DELETE":  # an erasure: of someone else than Ada, whom the others are about
        with audit.acting_as("test-setup"):
            person = Person.objects.get_or_create(
                email="leaver@example.org",
                defaults={"name": "Leaver", "team": world.ada.team, "context": "programme"},
            )[0]
    path = "/" + (
        pattern.replace("<int:person_id>", str(person.pk))
        .replace("<person_id>", str(person.pk))
        .replace("<int:team_id>", str(world.ada.team_id))
        .replace("<team_id>", str(world.ada.team_id))
        .replace("<int:pmo_id>", str(Pmo.objects.get(name="Programme Office").pk))
        .replace("<pmo_id>", str(Pmo.objects.get(name="Programme Office").pk))
        .replace("<assessment_id>", str(world.assessment.pk))
        .replace("team/report.<str:fmt>", "team/report.pdf")
        .replace("report.<str:fmt>", "report.html")
        .replace("<str:fmt>", "csv")
        .replace("<profile_id>", "pmo-officer")
        .replace("<slug:slug>", "pmo-officer")
        .replace("<int:number>", "1")
        .replace("<number>", "1")
        .replace("<first>", "pmo-officer")
        .replace("<second>", "pmo-specialist")
        .replace("<uidb64>/<token>", "MQ/not-a-token")
        .replace("<int:item_id>", str(world.plan_item.pk))
        .replace("<int:file_id>", str(world.evidence_file.pk))
        .replace("<file_id>", str(world.evidence_file.pk))
        .replace("<int:user_id>", str(world.ada.user_id))
        .replace("<user_id>", str(world.ada.user_id))
        .replace("<int:token_id>", str(world.token_id))
        .replace("<token_id>", str(world.token_id))
        .replace("<int:cycle_id>", str(world.assessment.cycle_id))
        .replace("<cycle_id>", str(world.assessment.cycle_id))
        .replace("<int:webhook_id>", str(world.webhook))
        .replace("<webhook_id>", str(world.webhook))
        .replace("<int:delivery_id>", str(world.delivery))
        .replace("<delivery_id>", str(world.delivery))
        .replace("<int:view_id>", str(world.second_view))
        .replace("<view_id>", str(world.second_view))
        .replace("<kind>/<step>", "self/submit")
        .replace("<fmt>", "csv")
        .replace("<competence>", "1")
        .replace("<int:job_id>", str(world.job))
        .replace("<job_id>", str(world.job))
    )
    body = {
        "api/v1/gap": {"profile": "pmo-officer", "context": "project", "ratings": []},
        "api/v1/profiles": {},
        "api/v1/profiles/<profile_id>": {},
        "api/v1/people/<person_id>/profile": {"profile": "pmo-specialist"},
        "api/v1/me/self-assessment": {
            "ratings": [{"competence": 1, "knowledge": 2, "application": 2}]
        },
        "api/v1/people/<person_id>/review/answers": {
            "answers": [{"competence": 1, "accepted": True}]
        },
        "api/v1/users": {"username": "new", "email": "new@example.org"},
        "api/v1/users/<user_id>": {"role": "member"},
        "api/v1/users/<user_id>/tokens": {"name": "ci"},
        "api/v1/cycles": {"name": "2027", "opens_on": "2027-01-04"},
        "api/v1/cycles/<cycle_id>": {"opens_on": "2026-01-05"},
        "api/v1/cycles/<cycle_id>/reminders": {"dry_run": True},
        "api/v1/people": {
            "name": "New Person",
            "email": "new@example.org",
            "context": "programme",
            "team": "Finance",
        },
        "api/v1/people/<person_id>": {"name": "Ada"},
        "api/v1/people/<person_id>/leave": {"left_on": None},
        "api/v1/people/bulk/assessor": {"people": [world.ada.pk], "assessor": None},
        "api/v1/teams": {"name": "New team"},
        "api/v1/teams/<team_id>": {"name": "Finance"},
        "api/v1/pmos": {"name": "New PMO", "context": "project"},
        "api/v1/pmos/<pmo_id>": {"context": "programme"},
        "api/v1/webhooks": {"url": "https://example.org/hook", "events": ["person.created"]},
        "api/v1/webhooks/<webhook_id>": {"active": True},
        "api/v1/people/<person_id>/assessor-assessment": {
            "ratings": [{"competence": 1, "knowledge": 3, "application": 3}]
        },
        "api/v1/people/<person_id>/reopen": {"reason": "a typo"},
        "api/v1/people/<person_id>/plan": {"steps": []},
        "api/v1/team/plan": {"requirements": [{"competence": 1}]},
        "api/v1/team/what-if": {"leaving": ["ada@example.org"]},
        "api/v1/people/<person_id>/raters": {"rater": "alan", "relation": "peer"},
        "api/v1/second-views/<view_id>": {"ratings": [], "give": True},
    }.get(pattern)
    if pattern == "api/v1/imports":  # a file, checked and counted, nothing written
        from django.core.files.uploadedfile import SimpleUploadedFile

        rows = b"person,competence,knowledge,application\nada@example.org,1,2,2\n"
        file = SimpleUploadedFile("ratings.csv", rows)
        return client.post(f"{path}?dry_run=true", {"file": file}).status_code
    if method == "GET":
        return client.get(path).status_code
    if method == "DELETE":
        return client.delete(path).status_code
    if pattern == "api/v1/me/self-assessment/competences/<competence>/evidence":
        from django.core.files.uploadedfile import SimpleUploadedFile

        image = SimpleUploadedFile("gate.png", png(), content_type="image/png")
        return client.post(path, {"file": image}).status_code
    if pattern.startswith(("people/", "webhooks")):  # a form
        form = {
            "webhooks/<int:webhook_id>": {"action": "ping"},
            "people/<int:person_id>/raters": {"action": "invite", "rater": "x", "relation": "peer"},
        }.get(pattern)
        return client.post(path, form or {"status": "in-progress"}).status_code
    data = json.dumps(body) if body is not None else ""
    send = {"POST": client.post, "PUT": client.put, "PATCH": client.patch}.get(method)
    if send is None:
        return client.delete(path).status_code
    return send(path, data, content_type="application/json").status_code


@pytest.mark.parametrize("persona", PERSONAS)
def test_authorization_matrix(world: World, persona: str) -> None:
    client = Client()
    who = world.users[persona]
    if who is not None:
        client.force_login(who)
    wrong = {}
    for (method, pattern), expected in RULES.items():
        if (method, pattern) == ("POST", "signout"):
            continue  # signing out ends the session the other requests need: checked below
        status = request(client, method, pattern, world)
        if status != expected[PERSONAS.index(persona)]:
            wrong[f"{method} /{pattern}"] = (status, expected[PERSONAS.index(persona)])
    assert request(client, "POST", "signout", world) == RULES[("POST", "signout")][0]
    assert wrong == {}


def test_a_lead_sees_a_person_four_levels_down_on_the_web_and_the_command_line(
    world: World,
) -> None:
    """D / G / T / S: the PMO is on D; the person is in S, three levels below it."""
    from competence.cli import main

    lead = world.users["pmo_lead"]
    assert lead is not None
    with audit.acting_as("test-setup"):
        office = Pmo.objects.get(name="Programme Office")
        d = Team.objects.create(name="D", pmo=office)
        g = Team.objects.create(name="G", parent=d)
        t = Team.objects.create(name="T", parent=g)
        s = Team.objects.create(name="S", parent=t)
        deep = Person.objects.create(
            name="Deep Person", email="deep@example.org", team=s, context="programme"
        )
        other = Team.objects.create(
            name="Elsewhere", parent=s, pmo=Pmo.objects.get(name="Project Office")
        )
        beyond = Person.objects.create(
            name="Other PMO", email="beyond@example.org", team=other, context="project"
        )
    client = Client()
    client.force_login(lead)
    assert client.get(f"/people/{deep.pk}").status_code == 200
    assert client.get(f"/people/{beyond.pk}").status_code == 403  # a team of another PMO
    team = client.get("/team", {"team": d.pk}).content.decode()
    assert "Deep Person" in team
    assert "Other PMO" not in team
    assert main(["--as", "lead", "history", "deep@example.org", "--json"]) == 0
    assert main(["--as", "lead", "history", "beyond@example.org", "--json"]) == 2


def test_a_lead_chooses_only_the_teams_they_may_see(world: World) -> None:
    lead = world.users["pmo_lead"]
    assert lead is not None
    client = Client()
    client.force_login(lead)
    page = client.get("/team").content.decode()
    assert ">Finance<" in page
    assert ">Change<" not in page  # a team of a PMO the lead does not lead
    change = Team.objects.get(name="Change")
    assert client.get("/team", {"team": change.pk}).status_code == 404
    assert client.get("/team", {"team": 999999}).status_code == 404  # the same answer


API_ROUTES = [
    (method, pattern)
    for method, pattern in RULES
    if pattern.startswith("api/v1/") and pattern not in ("api/v1/", "api/v1/openapi.json")
    and pattern != "api/v1/docs"
]  # fmt: skip


def test_a_read_token_reads_as_its_user_and_never_writes(world: World) -> None:
    """Every API operation with the admin's read token: what the admin reads, and 403 on every
    write (a new operation is covered as soon as it is in RULES)."""
    from competence.services.accounts import create_token

    admin = world.users["admin"]
    assert admin is not None
    with audit.acting_as("test-setup"):
        secret = create_token(admin, "read only")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    wrong = {}
    for method, pattern in API_ROUTES:
        expected = RULES[(method, pattern)][PERSONAS.index("admin")] if method == "GET" else 403
        status = request(client, method, pattern, world)
        if status != expected:
            wrong[f"{method} /{pattern}"] = (status, expected)
    assert wrong == {}
    assert Client().get("/api/v1/people", HTTP_AUTHORIZATION="Bearer cmp_nope").status_code == 401
