"""Every page's result is also in the API (DESIGN.md: every page has a machine-readable twin),
and every API operation has a page or a command it is the twin of.

One mapping: page URL name -> the API operations that give its result or take its action;
pages with no result to twin are listed with the reason; operations with no page are listed with
their command. The test walks the URL configuration and the API's operations, and fails on a page
or an operation left out, or on a name here that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click
from django.urls import URLPattern, URLResolver, get_resolver

from competence.cli import cli
from competence.web.api import api

PREFIX = "/api/v1"

TWINS: dict[str, list[str]] = {
    "framework": ["GET /framework"],
    "compare": ["GET /profiles/{first}/diff/{second}"],
    "frameworks": ["GET /frameworks"],
    "profiles": ["GET /profiles"],
    "profile_new": ["POST /profiles"],
    "profile_latest": ["GET /profiles/{profile_id}"],
    "profile_edit": ["PUT /profiles/{profile_id}"],
    "profile_version": ["GET /profiles/{profile_id}/versions/{number}"],
    "self_assessment": ["PUT /me/self-assessment", "GET /people/{person_id}/assessments"],
    "my_evidence": [
        "POST /me/self-assessment/competences/{competence}/evidence",
        "DELETE /me/self-assessment/evidence/{file_id}",
    ],
    "check_answers": ["POST /me/self-assessment/submit"],
    "withdraw": ["POST /me/self-assessment/withdraw"],
    "evidence_file": ["GET /evidence/{file_id}"],
    "results": [
        "GET /people/{person_id}",
        "GET /people/{person_id}/results",
        "GET /people/{person_id}/gap",
        "GET /people/{person_id}/review",
        "GET /people/{person_id}/plan",
    ],
    "download": ["GET /people/{person_id}/assessments", "GET /assessments/{assessment_id}"],
    "report": ["GET /people/{person_id}/results"],
    "team": ["GET /team/summary", "GET /team/coverage"],
    "team_report": ["GET /team/summary"],
    "team_plan": ["POST /team/plan", "POST /team/what-if"],
    "team_calibration": ["GET /team/calibration"],
    "team_trends": ["GET /team/trends"],
    "review_list": ["GET /review"],
    "due": ["GET /due"],
    "review": [
        "GET /people/{person_id}/review/sheet",
        "GET /people/{person_id}/second-views",
        "PUT /people/{person_id}/assessor-assessment",
        "POST /people/{person_id}/review/send",
        "POST /people/{person_id}/agree",
        "POST /people/{person_id}/reopen",
    ],
    "review_sign_off": ["POST /people/{person_id}/assessments/{kind}/{step}"],
    "review_answers": ["POST /people/{person_id}/review/answers"],
    "plan_generate": ["POST /people/{person_id}/plan/generate"],
    "plan_edit": ["GET /people/{person_id}/plan", "PUT /people/{person_id}/plan"],
    "manage_import": ["POST /imports"],
    "manage_export": ["GET /exports/ratings.{fmt}"],
    "people": ["GET /people", "POST /people/bulk/assessor"],
    "person_new": ["POST /people"],
    "person_edit": ["PATCH /people/{person_id}", "POST /people/{person_id}/leave"],
    "person_erase": ["DELETE /people/{person_id}"],
    "teams": ["GET /teams", "GET /pmos"],
    "team_new": ["POST /teams"],
    "team_edit": ["PATCH /teams/{team_id}"],
    "pmo_new": ["POST /pmos"],
    "pmo_edit": ["PATCH /pmos/{pmo_id}"],
    "user_list": ["GET /users", "POST /users"],
    "user_detail": ["PATCH /users/{user_id}", "GET /tokens"],
    "user_password_reset": ["POST /users/{user_id}/password-reset"],
    "user_token_create": ["POST /users/{user_id}/tokens"],
    "token_revoke": ["DELETE /tokens/{token_id}"],
    "cycle_list": ["GET /cycles", "POST /cycles"],
    "cycle_detail": ["PATCH /cycles/{cycle_id}", "POST /cycles/{cycle_id}/reminders"],
    "cycle_reminders": ["POST /cycles/{cycle_id}/reminders"],
    "audit_trail": ["GET /audit"],
    "audit_export": ["GET /audit"],
    "webhooks": [
        "GET /webhooks",
        "POST /webhooks",
        "GET /webhooks/{webhook_id}/deliveries",
    ],
    "webhook_action": [
        "PATCH /webhooks/{webhook_id}",
        "DELETE /webhooks/{webhook_id}",
        "GET /webhooks/{webhook_id}/secret",
        "POST /webhooks/{webhook_id}/secret",
        "POST /webhooks/{webhook_id}/ping",
    ],
    "delivery_retry": ["POST /webhooks/deliveries/{delivery_id}/retry"],
    "person_raters": [
        "GET /people/{person_id}/raters",
        "POST /people/{person_id}/raters",
        "DELETE /second-views/{view_id}",
    ],
    "second_views_asked": ["GET /second-views"],
    "second_view": ["GET /second-views/{view_id}", "PUT /second-views/{view_id}"],
    "job": ["GET /jobs/{job_id}"],
    "reports_for_everyone": ["POST /reports/everyone"],
    "job_download": ["GET /jobs/{job_id}/file"],
}
"""Page URL name -> the API operations that are its twin."""

NO_RESULT: dict[str, str] = {
    "healthz": "a probe for the load balancer: says the app is up, shows nobody's data",
    "favicon": "the icon",
    "home": "sends each user to their own start page",
    "signin": "signing in: the API takes a token instead",
    "signout": "signing out: the API keeps no session of a token's",
    "password_reset": "a password reset by email, for people who sign in",
    "password_reset_done": "a password reset by email, for people who sign in",
    "password_reset_confirm": "a password reset by email, for people who sign in",
    "password_reset_complete": "a password reset by email, for people who sign in",
    "my_data": "is JSON already: a person's own data as one document",
    "admin_hub": "links to the administration pages, each of which has its twin",
}
"""Pages with no result to twin, and why."""

COMMANDS: dict[str, str] = {
    "POST /gap": "gap",
    "GET /people": "export",
    "PUT /people/{person_id}/profile": "import",
    "POST /people/{person_id}/assessments/{kind}/{step}": "assessment submit",
}
"""API operations with no page of their own, and the command they are the twin of (an
operation that also twins a page may be here too)."""


def page_names() -> Iterator[str]:
    def walk(patterns: Any, namespace: str | None = None) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace)
            elif isinstance(p, URLPattern) and namespace is None and p.name:
                yield p.name

    yield from walk(get_resolver().url_patterns)


def operations() -> set[str]:
    paths = api.get_openapi_schema(path_prefix=PREFIX)["paths"]
    return {
        f"{method.upper()} {path.removeprefix(PREFIX)}"
        for path, methods in paths.items()
        for method in methods
    }


def commands() -> set[str]:
    def walk(group: click.Group, prefix: str = "") -> Iterator[str]:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}"

    return set(walk(cli))


def test_every_page_has_an_api_twin_or_a_reason() -> None:
    pages = set(page_names())
    assert sorted(pages - set(TWINS) - set(NO_RESULT)) == []
    assert sorted((set(TWINS) | set(NO_RESULT)) - pages) == []  # names that do not exist
    assert sorted(set(TWINS) & set(NO_RESULT)) == []


def test_every_api_operation_twins_a_page_or_a_command() -> None:
    found = operations()
    named = {op for ops in TWINS.values() for op in ops}
    assert sorted(found - named - set(COMMANDS)) == []
    assert sorted((named | set(COMMANDS)) - found) == []  # operations that do not exist
    assert sorted(set(COMMANDS.values()) - commands()) == []  # commands that do not exist
