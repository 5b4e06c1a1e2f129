"""The people pages (admins; PMO leads for the people of the PMOs they lead): the list, searched,
filtered and paginated, with the bulk choice of an assessor; adding and editing a person (team,
assessor, profiles, leaving date); erasing a person after a confirmation.

Every change is a service of :mod:`competence.services.people` (or the erasure of
:mod:`competence.services.privacy`); the pages only carry values and show each problem beside the
field it names.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from competence.domain.framework import CONTEXTS
from competence.errors import InputError
from competence.services import freshness, people, policy, privacy, profiles
from competence.services.teams import team_choices
from competence.store.models import Person, Pmo
from competence.web.views.common import (
    FORM_LIMIT,
    person_for,
    posted_values,
    require,
    saved_or_shown,
)


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _filters(query: QueryDict) -> people.Filters:
    left = query.get("left", "")
    return people.Filters(
        q=(query.get("q") or "")[:200],
        team=_number(query.get("team")),
        pmo=_number(query.get("pmo")),
        assessor=_number(query.get("assessor")),
        left=left if left in people.LEFT_CHOICES else "",
    )


def _teams(request: HttpRequest) -> list[dict[str, Any]]:
    """The teams the user may put people in, as the tree shows them."""
    return team_choices(policy.visible_teams(request.user))


@login_required
@require_http_methods(["GET", "POST"])
def people_list(request: HttpRequest) -> HttpResponse:
    """The people the user manages; a POST gives the chosen ones an assessor (all or none)."""
    require(request, "person.manage")
    problems: list[str] = []
    if request.method == "POST":
        chosen = [int(v) for v in request.POST.getlist("person") if v.isdigit() and len(v) < 12]
        try:
            done = people.assign_assessor(
                request.user, chosen, request.POST.get("assessor", "")[:FORM_LIMIT] or None
            )
        except InputError as exc:
            problems = exc.problems
        else:
            who = request.POST.get("assessor") or "no assessor"
            messages.success(request, f"{len(done)} people now have {who} as their assessor.")
            return redirect(request.get_full_path())
    filters = _filters(request.GET)
    page = people.page_of(
        people.search(policy.managed_people(request.user), filters),
        _number(request.GET.get("page")) or 1,
    )
    page = dataclasses.replace(page, items=freshness.with_words(page.items))
    query = request.GET.copy()
    query.pop("page", None)
    led = None if policy.allowed(request.user, "admin") else policy.visible_teams(request.user)
    pmos = Pmo.objects.order_by("name")
    if led is not None:
        pmos = pmos.filter(teams__in=led).distinct()
    return render(
        request,
        "competence/people.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "teams": _teams(request),
            "pmos": list(pmos),
            "assessors": list(people.assessor_choices(request.user)),
            "left_choices": people.LEFT_CHOICES,
            "problems": problems,
            "selected": set(request.POST.getlist("person")),
            "can_erase": policy.allowed(request.user, "admin"),
        },
        status=422 if problems else 200,
    )


def _form(
    request: HttpRequest,
    person: Person | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    assessors = list(people.assessor_choices(request.user))
    if person is not None and person.assessor and person.assessor not in assessors:
        assessors.insert(0, person.assessor)
    return render(
        request,
        "competence/person_form.html",
        {
            "person": person,
            "values": values,
            "errors": errors or {},
            "teams": _teams(request),
            "no_team": policy.allowed(request.user, "admin"),
            "contexts": CONTEXTS,
            "profiles": profiles.known_profiles(),
            "edits_profiles": policy.allowed(request.user, "profile.edit"),
            "assessors": [a for a in assessors if person is None or a.pk != person.pk],
            "can_erase": person is not None and policy.allowed(request.user, "admin"),
            "can_invite": person is not None
            and policy.allowed(request.user, "second-view.invite", person),
        },
        status=422 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    require(request, "person.manage")
    if request.method == "POST":
        values = posted_values(request, people.FIELDS)
        return saved_or_shown(
            request,
            lambda: people.create(request.user, values),
            lambda errors: _form(request, None, values, errors),
            people.FIELDS,
            lambda made: f"Added {made.name} ({made.email}).",
            "people",
        )
    return _form(request, None, {"context": "project", "profile": "pmo-officer"})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_for(request, person_id, "person.manage")
    if request.method == "POST":
        values = posted_values(request, people.FIELDS)

        def show(errors: dict[str, list[str]]) -> HttpResponse:
            stored = people.get(person_id)  # as stored: nothing was changed
            return _form(request, stored, {**people.data(stored), **values}, errors)

        return saved_or_shown(
            request,
            lambda: people.update(request.user, person, values),
            show,
            people.FIELDS,
            lambda saved: f"Saved {saved.name} ({saved.email}).",
            "people",
        )
    return _form(request, person, people.data(person))


@login_required
@require_http_methods(["GET", "POST"])
def person_erase(request: HttpRequest, person_id: int) -> HttpResponse:
    """What erasing the person removes, and a confirmation; the erasure itself is the same as
    ``competence person erase``."""
    person = person_for(request, person_id, "admin")
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") == "erase":
            pseudonym = privacy.erase(person.email)
            messages.success(
                request, f"Erased {person.name}; the audit trail now calls them {pseudonym}."
            )
            return redirect("people")
        error = "Tick the box to confirm: erasing cannot be undone."
    return render(
        request,
        "competence/person_erase.html",
        {"person": person, "erases": privacy.erasure_summary(person), "error": error},
        status=422 if error else 200,
    )
