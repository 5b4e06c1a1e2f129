"""Second views (optional 360): a person's raters, invited by an admin (``people/ID/raters``);
the views a user is asked for (``raters``); and a rater's own form (``raters/ID``). The reviewer
sees the given views on the review page. Every change is a service of
:mod:`competence.services.second_views`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from competence.domain import second_views as rules
from competence.domain.ratings import Rating
from competence.errors import InputError
from competence.services import catalogue, policy, profiles, records, second_views
from competence.web.views.common import person_for, posted_values, problems_by_field
from competence.web.views.review import level_choices

FIELDS = ("rater", "relation", "cycle")


@login_required
@require_http_methods(["GET", "POST"])
def person_raters(request: HttpRequest, person_id: int) -> HttpResponse:
    """An admin invites raters for a person in the open cycle, and removes them."""
    person = person_for(request, person_id, "second-view.invite")
    cycle = records.current_cycle()
    form = {"rater": "", "relation": "peer"}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "invite":
                form = {**form, **posted_values(request, ("rater", "relation"))}
                made = second_views.invite(person, form["rater"], form["relation"])
                messages.success(
                    request,
                    f"{made.rater.get_username()} is asked for their view of {person.name}; "
                    "an email tells them where to give it.",
                )
                return redirect("person_raters", person_id=person.pk)
            if action == "remove":
                chosen = request.POST.get("view") or ""
                view = second_views.get(int(chosen)) if chosen.isdigit() else None
                if view is None or view.person_id != person.pk:
                    raise Http404("no such rater")
                second_views.remove(view.pk)
                messages.success(request, f"{view.rater.get_username()} is no longer asked.")
                return redirect("person_raters", person_id=person.pk)
            raise Http404("no such action")
        except second_views.NotFound:
            raise Http404("no such rater") from None
        except InputError as exc:
            errors, status = problems_by_field(exc, FIELDS), 422
    context = {
        "person": person,
        "cycle": cycle,
        "invited": [second_views.data(v) for v in second_views.invited(person, cycle)],
        "relations": list(rules.RELATIONS.items()),
        "form": form,
        "errors": errors,
        "min_named": rules.MIN_NAMED_RATERS,
        "max_raters": second_views.MAX_RATERS,
    }
    return render(request, "competence/raters.html", context, status=status)


@login_required
@require_GET
def asked(request: HttpRequest) -> HttpResponse:
    """The views the signed-in user is asked for, and where each stands."""
    views = [second_views.data(v) for v in second_views.asked_of(request.user)]
    return render(request, "competence/raters_asked.html", {"views": views})


def _view_for(request: HttpRequest, view_id: int) -> Any:
    try:
        view = second_views.get(view_id)
    except second_views.NotFound:
        raise Http404("no such view") from None
    if not policy.allowed(request.user, "second-view.give", view):
        raise PermissionDenied
    return view


@login_required
@require_http_methods(["GET", "POST"])
def second_view(request: HttpRequest, view_id: int) -> HttpResponse:
    """A rater rates the person on each competence of their profile, and gives the view."""
    view = _view_for(request, view_id)
    person = view.person
    framework = profiles.catalogue_for(person.profile).framework
    competences = catalogue.applicable(person.profile, person.context)
    axes = framework.axes
    problems: list[str] = []
    status = 200
    mine = second_views.own_data(view)
    levels = {r["competence"]: r for r in mine["ratings"]}
    if request.method == "POST":
        given = {}
        for c in competences:
            n = c["number"]
            chosen = {}
            for axis in axes:
                value = request.POST.get(f"{axis}-{n}") or ""
                chosen[axis] = int(value) if value.isdigit() and len(value) < 3 else None
            given[n] = Rating(chosen.get("knowledge"), chosen.get("application"))
        final = request.POST.get("action") == "give"
        try:
            second_views.give(view, given, final=final)
        except InputError as exc:
            problems, status = exc.problems, 422
            levels = {n: {"competence": n, **r.as_dict()} for n, r in given.items()}
        else:
            messages.success(
                request,
                f"Your view of {person.name} is given: their assessor sees it beside the "
                "self-assessment."
                if final or view.status == rules.GIVEN
                else "Your ratings are saved; give your view when you are done.",
            )
            return redirect("second_view", view_id=view.pk)
    choices = level_choices(framework)
    rows = [
        {
            "competence": c,
            "axes": [
                {
                    "axis": axis,
                    "name": f"{axis}-{c['number']}",
                    "value": "" if (v := levels.get(c["number"], {}).get(axis)) is None else str(v),
                }
                for axis in axes
            ],
        }
        for c in competences
    ]
    context = {
        "view": mine,
        "person": person,
        "rows": rows,
        "choices": choices,
        "problems": problems,
        "relation": rules.RELATIONS.get(view.relation, view.relation),
        "min_named": rules.MIN_NAMED_RATERS,
    }
    return render(request, "competence/second_view.html", context, status=status)
