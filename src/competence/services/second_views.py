"""Second views (optional 360): an admin invites additional raters for a person in a cycle; each
rater gives their own ratings; the person's reviewer sees them beside the self-assessment.

A second view is kept in its own table and read only here: no verdict, trend, team figure,
calibration or export reads it (:mod:`competence.domain.second_views`). Who may invite, give,
see and name is the access policy's (``second-view.*`` rules); the anonymity rule is the domain's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from competence.domain import second_views as rules
from competence.domain.ratings import Rating
from competence.errors import InputError
from competence.services import notify, policy, records
from competence.store import audit
from competence.store.models import Cycle, Person, SecondView

MAX_RATERS = 12
"""Raters invited for one person in one cycle, at most."""


class NotFound(InputError):
    """There is no second view of that id, or not one the user may see (404)."""


def _audit(
    action: str, view: SecondView, summary: str, about_person: bool = True, **new: Any
) -> None:
    """Audit an invitation or a given view: how the rater is related and its status, never the
    rater's name or levels (the entry is about the person, who may read it: see
    :func:`competence.services.privacy.personal_data`); a rater's own change is not tagged with
    the person at all (``about_person``), since its actor is the rater."""
    audit.record(
        action,
        "SecondView",
        object_id=str(view.pk),
        person=str(view.person_id) if about_person else "",
        summary=f"second view {view.pk} of person {view.person_id}: {summary}",
        new=new or None,
    )


def _rater(key: str) -> User:
    key = key.strip()
    found = (
        User.objects.filter(is_active=True)
        .filter(Q(username=key) | Q(email__iexact=key))
        .order_by("id")
        .first()
    )
    if found is None:
        raise InputError(f"rater: no active user whose user name or email is {key!r}")
    return found


def _cycle(name: str | None) -> Cycle:
    if name:
        return records.find_cycle(name)
    cycle = records.current_cycle()
    if cycle is None:
        raise InputError("cycle: no cycle is open today; open one, or name one")
    return cycle


@transaction.atomic
def invite(person: Person, rater: str, relation: str, cycle: str | None = None) -> SecondView:
    """Ask a user (user name or email) for their view of ``person`` in a cycle (the open one by
    default). Not the person, not their assessor (whose view is the assessor's assessment), not
    twice, at most :data:`MAX_RATERS`, and not once the person's cycle is signed off."""
    problems = []
    if (p := rules.relation_problem(relation)) is not None:
        problems.append(p)
    try:
        user = _rater(rater)
    except InputError as exc:
        problems += exc.problems
        user = None
    chosen = _cycle(cycle)
    if user is not None:
        if person.user_id == user.pk:
            problems.append(
                f"rater: {user.get_username()} is {person.name}: their view is the self-assessment"
            )
        elif person.assessor is not None and person.assessor.user_id == user.pk:
            problems.append(
                f"rater: {user.get_username()} is {person.name}'s assessor: their view is the "
                "assessor's assessment"
            )
        elif SecondView.objects.filter(person=person, cycle=chosen, rater=user).exists():
            problems.append(f"rater: {user.get_username()} is invited already")
    if SecondView.objects.filter(person=person, cycle=chosen).count() >= MAX_RATERS:
        problems.append(f"rater: {MAX_RATERS} raters are invited already; remove one first")
    if problems:
        raise InputError(problems)
    records.check_unlocked(person, chosen)
    assert user is not None
    view = SecondView.objects.create(
        person=person,
        cycle=chosen,
        rater=user,
        relation=relation,
        invited_by=audit.current_actor(),
        invited_at=timezone.now(),
    )
    _audit("create", view, f"a rater invited ({relation})", relation=relation)
    transaction.on_commit(lambda: notify.view_asked(view))
    return view


def get(view_id: int) -> SecondView:
    found = SecondView.objects.select_related("person", "person__assessor", "cycle", "rater")
    view = found.filter(pk=view_id).first()
    if view is None:
        raise NotFound(f"no second view {view_id}")
    return view


@transaction.atomic
def remove(view_id: int) -> SecondView:
    """Withdraw an invitation, or remove a given view (its ratings go with it)."""
    view = get(view_id)
    records.check_unlocked(view.person, view.cycle)
    _audit("delete", view, f"a rater removed ({view.relation})")
    view.delete()
    return view


def _ratings(view: SecondView) -> dict[int, Rating]:
    return {
        int(n): Rating(levels.get("knowledge"), levels.get("application"))
        for n, levels in (view.ratings or {}).items()
    }


@transaction.atomic
def give(view: SecondView, ratings: Mapping[int, Rating], *, final: bool) -> SecondView:
    """Keep a rater's ratings (checked as an assessment's are); ``final`` gives the view, which
    the reviewer then sees. A given view can be changed until the cycle is signed off."""
    records.check_ratings(view.person, ratings)
    records.check_unlocked(view.person, view.cycle)
    view.ratings = {str(n): r.as_dict() for n, r in sorted(ratings.items()) if r.rated}
    fields = ["ratings"]
    if final and view.status != rules.GIVEN:
        view.status, view.given_at = rules.GIVEN, timezone.now()
        fields += ["status", "given_at"]
    view.save(update_fields=fields)
    # Not tagged with the person: its actor is the rater, whom the person must not learn of.
    _audit("update", view, "given" if final else "saved", about_person=False, status=view.status)
    return view


def data(view: SecondView) -> dict[str, Any]:
    """An invitation as its rater and the admins see it (the rater named: they know who they
    are, and the admin invited them)."""
    return {
        "id": view.pk,
        "person": {"id": view.person_id, "name": view.person.name},
        "cycle": view.cycle.name,
        "rater": view.rater.get_username(),
        "relation": view.relation,
        "status": view.status,
        "invited_by": view.invited_by,
        "invited_at": view.invited_at.isoformat(),
        "given_at": view.given_at.isoformat() if view.given_at else None,
    }


def own_data(view: SecondView) -> dict[str, Any]:
    """The rater's own view, with their ratings."""
    return {
        **data(view),
        "ratings": [{"competence": n, **r.as_dict()} for n, r in sorted(_ratings(view).items())],
        "editable": not records.cycle_locked(view.person, view.cycle),
    }


def asked_of(user: policy.User) -> list[SecondView]:
    """The views a user is asked for, latest cycle first."""
    if not user.is_authenticated or user.pk is None:
        return []
    return list(
        SecondView.objects.filter(rater_id=user.pk)
        .select_related("person", "cycle", "rater")
        .order_by("-cycle__opens_on", "person__name", "id")
    )


def invited(person: Person, cycle: Cycle | None) -> list[SecondView]:
    """The raters invited for a person in a cycle (for the admins who manage them)."""
    if cycle is None:
        return []
    return list(
        SecondView.objects.filter(person=person, cycle=cycle)
        .select_related("person", "cycle", "rater")
        .order_by("invited_at", "id")
    )


def _name(user: User) -> str:
    full = f"{user.first_name} {user.last_name}".strip()
    return full or user.get_username()


def shown(user: policy.User, person: Person, cycle: Cycle | None) -> dict[str, Any]:
    """The given views of a person in a cycle as ``user`` (who may review them) sees them:
    named only when the policy lets them see names and enough views were given."""
    views = (
        []
        if cycle is None
        else [
            rules.View(_name(v.rater), v.relation, _ratings(v))
            for v in SecondView.objects.filter(
                person=person, cycle=cycle, status=rules.GIVEN
            ).select_related("rater")
        ]
    )
    may_name = policy.allowed(user, "second-view.names", person)
    out = rules.shown(views, may_name)
    return {
        "cycle": cycle.name if cycle else None,
        "given": len(views),
        "named": bool(out) and may_name and rules.named(len(views)),
        "min_named": rules.MIN_NAMED_RATERS,
        "views": [
            {
                "rater": s.label,
                "relation": s.relation,
                "ratings": {n: r for n, r in sorted(s.ratings.items())},
            }
            for s in out
        ],
    }


def shown_data(user: policy.User, person: Person, cycle: Cycle | None) -> dict[str, Any]:
    """:func:`shown` as plain data (the API's and ``--json``'s)."""
    found = shown(user, person, cycle)
    return {
        **found,
        "views": [
            {
                **v,
                "ratings": [{"competence": n, **r.as_dict()} for n, r in v["ratings"].items()],
            }
            for v in found["views"]
        ],
    }


def per_competence(found: Mapping[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """:func:`shown`'s views by competence, for the review page: each rater's label and rating."""
    out: dict[int, list[dict[str, Any]]] = {}
    for v in found["views"]:
        for n, r in v["ratings"].items():
            out.setdefault(n, []).append({"rater": v["rater"], "rating": r})
    return out


def about_data(person: Person) -> list[dict[str, Any]]:
    """The views given of a person, for their own download of their data: by relation, never
    by name (:func:`competence.domain.second_views.shown` without names)."""
    by_cycle: dict[str, list[rules.View]] = {}
    for v in (
        SecondView.objects.filter(person=person, status=rules.GIVEN)
        .select_related("cycle")
        .order_by("cycle__opens_on", "id")
    ):
        by_cycle.setdefault(v.cycle.name, []).append(rules.View("", v.relation, _ratings(v)))
    return [
        {
            "cycle": cycle,
            "rater": s.label,
            "relation": s.relation,
            "ratings": [{"competence": n, **r.as_dict()} for n, r in sorted(s.ratings.items())],
        }
        for cycle, views in by_cycle.items()
        for s in rules.shown(views, may_name=False)
    ]


def given_by_data(user: Any) -> list[dict[str, Any]]:
    """The views a user gave or was asked for (their own data), with their ratings."""
    if user is None:
        return []
    return [own_data(v) for v in asked_of(user)]
