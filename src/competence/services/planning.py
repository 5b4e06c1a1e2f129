"""``competence team plan``: a team's requirements, read from YAML, planned by the domain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db.models import QuerySet

from competence.data import is_profile_file, with_profile_file
from competence.domain.framework import Catalogue, Profile
from competence.domain.planning import Need, plan
from competence.domain.team import Targets, coverage, single_points_of_failure
from competence.errors import InputError
from competence.services import profiles
from competence.services.team_view import Choice
from competence.store.models import Person
from competence.store.queries import counting_levels

LEVELS = ("officer", "specialist")
DEFAULT_TIERS = {"officer": "pmo-officer", "specialist": "pmo-specialist"}


def tiers(doc: dict[str, Any], path: str) -> tuple[Catalogue, Profile, Profile]:
    """The profiles the levels ``officer`` and ``specialist`` stand for (``profiles:`` in the
    requirements file: a stored profile's slug or a profile file each; APM's by default; the
    specialist tier is the officer one when only that is given), over one framework."""
    chosen = doc.get("profiles") or {}
    if not isinstance(chosen, dict) or set(chosen) - set(LEVELS):
        raise InputError(f"{path}: profiles: give officer and/or specialist, each a profile")
    officer_id = chosen.get("officer", DEFAULT_TIERS["officer"])
    specialist_id = chosen.get("specialist") or (
        officer_id if "officer" in chosen else DEFAULT_TIERS["specialist"]
    )
    catalogue, resolved = profiles.resolve(str(officer_id))
    officer_id = resolved or str(officer_id)
    if is_profile_file(str(specialist_id)):
        catalogue, specialist_id = with_profile_file(str(specialist_id), catalogue)
    if specialist_id not in catalogue.profiles:
        raise InputError(
            f"{path}: profiles.specialist: {specialist_id!r} is not a profile over the framework "
            f"of {officer_id} ({catalogue.framework.id}): choose one of "
            f"{', '.join(catalogue.profiles)}"
        )
    return catalogue, catalogue.profile(officer_id), catalogue.profile(str(specialist_id))


def read_requirements(path: str | Path) -> dict[str, Any]:
    """The requirements file: ``requirements`` (competence, level, at_least) and
    ``nobody_alone``; every problem named with its place."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a YAML file: {exc}") from None
    return parse_requirements(text, str(path))


def parse_requirements(text: str, path: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not a YAML file: {exc}") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected `requirements:` and `nobody_alone:`")
    problems = []
    framework = tiers(doc, path)[0].framework
    items = doc.get("requirements") or []
    if not isinstance(items, list):
        raise InputError(f"{path}: requirements: must be a list")
    for i, item in enumerate(items):
        where = f"{path}, requirements[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected competence, level and at_least")
            continue
        if framework.find(item.get("competence", "")) is None:
            problems.append(f"{where}.competence: unknown competence {item.get('competence')!r}")
        level = item.get("level", "officer")
        explicit = (
            isinstance(level, dict)
            and set(level) == set(framework.axes)
            and all(
                isinstance(level.get(a), int) and 0 <= level[a] <= framework.top_level
                for a in framework.axes
            )
        )
        if level not in LEVELS and not explicit:
            given = ", ".join(f"{a}: {a[0].upper()}" for a in framework.axes)
            problems.append(f"{where}.level: officer, specialist or {{{given}}}, got {level!r}")
        at_least = item.get("at_least", 1)
        if not isinstance(at_least, int) or isinstance(at_least, bool) or at_least < 1:
            problems.append(f"{where}.at_least: a whole number of people, 1 or more")
    if not isinstance(doc.get("nobody_alone", False), bool):
        problems.append(f"{path}: nobody_alone: true or false")
    if problems:
        raise InputError(problems)
    return doc


def team_plan(choice: Choice, requirements: dict[str, Any], team: str | None) -> dict[str, Any]:
    """The plan for the people chosen (the team at path ``team``, or everyone one may see)."""
    empty = f"--team: {team!r} has nobody in it" if team else ""
    return {**plan_people(choice.people, requirements, empty), "team": team}


def plan_people(
    people: QuerySet[Person], requirements: dict[str, Any], empty: str = ""
) -> dict[str, Any]:
    """The plan for these people (who the team view shows)."""
    catalogue, officer, specialist = tiers(requirements, "requirements")
    over = {p for p in profiles.known_profiles() if profiles.catalogue_for(p) is catalogue}
    over.update(catalogue.profiles)
    members = [
        (pk, email, ctx)
        for pk, email, ctx, profile in people.order_by("email")
        .values_list("id", "email", "context", "profile")
        .distinct()
        if profile in over  # rated on this framework's competences
    ]
    if not members:
        raise InputError(empty or "there is nobody in this team yet")
    rated = counting_levels(pk for pk, _, _ in members)
    levels = {
        email: {n: (k or 0, a or 0) for n, (k, a) in rated[pk].items()} for pk, email, _ in members
    }
    context = {email: ctx for _, email, ctx in members}

    def applies(number: int) -> frozenset[str]:
        req = officer.requirement(number)
        return frozenset(e for e, c in context.items() if req is not None and req.applies_in(c))

    needs: list[Need] = []
    for item in requirements.get("requirements") or []:
        c = catalogue.framework.find(item["competence"])
        assert c is not None
        level = item.get("level", "officer")
        if isinstance(level, dict):
            explicit = catalogue.framework.target(**level)
            target, among, tier = explicit, None, str(explicit)
        else:
            req = (specialist if level == "specialist" else officer).requirement(c.number)
            assert req is not None
            target, among, tier = req.target, applies(c.number), f"{level} level"
        at_least = item.get("at_least", 1)
        needs.append(
            Need(c.number, target, at_least, f"at least {at_least} at {tier} in {c.name}", among)
        )
    if requirements.get("nobody_alone"):
        for c in catalogue.framework.competences:
            req = officer.requirement(c.number)
            among = applies(c.number)
            if req is not None and among:
                needs.append(Need(c.number, req.target, 2, f"nobody alone on {c.name}", among))
    result = plan(levels, needs)
    slugs = {c.number: c.slug for c in catalogue.framework.competences}
    numbers = list(slugs)
    targets = Targets.of(officer, specialist, numbers)
    figures = coverage(((ctx, levels[e]) for _, e, ctx in members), targets, numbers)
    alone = single_points_of_failure(
        [(e, ctx, levels[e]) for _, e, ctx in members], targets, numbers
    )
    return {
        "people": len(members),
        "coverage": [
            {
                "number": n,
                "slug": slugs[n],
                "applies_to": figures[n].applies_to,
                "meets_officer": figures[n].meets_officer,
                "at_specialist": figures[n].at_specialist,
            }
            for n in numbers
        ],
        "single_points_of_failure": [
            {"number": n, "slug": slugs[n], "person": e} for n, e in alone
        ],
        "steps": [
            {
                "person": s.person,
                "number": s.competence,
                "slug": slugs[s.competence],
                "axis": s.axis,
                "from": s.level_from,
                "to": s.level_to,
            }
            for s in sorted(result.steps, key=lambda s: (s.competence, s.person, s.axis))
        ],
        "levels_raised": result.levels,
        "closest": {
            label: [{"person": p, "levels_short": n} for p, n in ranked]
            for label, ranked in result.closest.items()
        },
        "unmet": result.unmet,
    }
