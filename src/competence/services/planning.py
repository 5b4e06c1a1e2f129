"""``competence team plan``: a team's requirements, read from YAML, planned by the domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from django.db.models import QuerySet

from competence.data import is_profile_file, with_profile_file
from competence.domain.framework import Catalogue, Profile
from competence.domain.planning import MAX_NEEDS, Need, plan
from competence.domain.team import Targets, coverage, single_points_of_failure
from competence.domain.words import people as people_count
from competence.errors import InputError
from competence.services import profiles
from competence.services.team_view import Choice
from competence.store.models import Person
from competence.store.queries import counting_levels, team_tree

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
        if path.stat().st_size > MAX_REQUIREMENTS_BYTES:
            raise InputError(
                f"{path}: larger than {MAX_REQUIREMENTS_BYTES // 1024} KB: a requirements file "
                "is a few lines"
            )
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a YAML file: {exc}") from None
    return parse_requirements(text, str(path))


MAX_REQUIREMENTS_BYTES = 64 * 1024
"""The largest requirements file the planner reads."""


def _item_lines(text: str) -> list[int]:
    """The line each item of ``requirements`` starts on (empty if the shape is not as expected)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "requirements" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def parse_requirements(text: str, path: str) -> dict[str, Any]:
    """The requirements of a YAML text, checked (:func:`check_requirements`); a problem is named
    with the file, the line and the field."""
    if len(text.encode("utf-8")) > MAX_REQUIREMENTS_BYTES:
        raise InputError(
            f"{path}: larger than {MAX_REQUIREMENTS_BYTES // 1024} KB: a requirements file is "
            "a few lines"
        )
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else path
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise InputError(f"{where}: not valid YAML (look at the indentation): {problem}") from None
    return check_requirements(doc, path, _item_lines(text))


def check_requirements(doc: object, path: str, lines: list[int] | None = None) -> dict[str, Any]:
    """``requirements`` (each a competence, a level and at_least) and ``nobody_alone``, checked:
    every problem is named with its place (``lines`` gives the line of each requirement)."""
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected `requirements:` and `nobody_alone:`")
    problems = []
    framework = tiers(doc, path)[0].framework
    items = doc.get("requirements") or []
    if not isinstance(items, list):
        raise InputError(f"{path}: requirements: must be a list")
    if len(items) > MAX_NEEDS:
        raise InputError(
            f"{path}: requirements: {len(items)} of them; a plan takes at most {MAX_NEEDS}"
        )
    lines = lines or []
    for i, item in enumerate(items):
        where = f"{path}, line {lines[i]}" if i < len(lines) else path
        where = f"{where}: requirements[{i}]"
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
    """The plan for these people (who the team view shows). People are identified by email,
    and named; competences by number and slug, and named."""
    catalogue, officer, specialist = tiers(requirements, "requirements")
    over = {p for p in profiles.known_profiles() if profiles.catalogue_for(p) is catalogue}
    over.update(catalogue.profiles)
    members = [
        (pk, email, ctx, name)
        for pk, email, ctx, profile, name in people.order_by("email")
        .values_list("id", "email", "context", "profile", "name")
        .distinct()
        if profile in over  # rated on this framework's competences
    ]
    if not members:
        raise InputError(empty or "there is nobody in this team yet")
    rated = counting_levels(pk for pk, *_ in members)
    levels = {
        email: {n: (k or 0, a or 0) for n, (k, a) in rated[pk].items()} for pk, email, *_ in members
    }
    context = {email: ctx for _, email, ctx, _ in members}
    name_of = {email: name for _, email, _, name in members}

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
            tier = " and ".join(f"{axis} {explicit.level(axis)}" for axis in explicit.axes)
            target, among = explicit, None
        else:
            req = (specialist if level == "specialist" else officer).requirement(c.number)
            assert req is not None
            target, among, tier = req.target, applies(c.number), f"{level} level"
        at_least = item.get("at_least", 1)
        needs.append(
            Need(
                c.number,
                target,
                at_least,
                f"at least {people_count(at_least)} at {tier} in {c.name}",
                among,
            )
        )
    if requirements.get("nobody_alone"):
        for c in catalogue.framework.competences:
            req = officer.requirement(c.number)
            among = applies(c.number)
            if req is not None and among:
                needs.append(Need(c.number, req.target, 2, f"nobody alone on {c.name}", among))
    result = plan(levels, needs)
    slugs = {c.number: c.slug for c in catalogue.framework.competences}
    names = {c.number: c.name for c in catalogue.framework.competences}
    numbers = list(slugs)
    targets = Targets.of(officer, specialist, numbers)
    figures = coverage(((ctx, levels[e]) for _, e, ctx, _ in members), targets, numbers)
    alone = single_points_of_failure(
        [(e, ctx, levels[e]) for _, e, ctx, _ in members], targets, numbers
    )
    return {
        "people": len(members),
        "coverage": [
            {
                "number": n,
                "slug": slugs[n],
                "name": names[n],
                "applies_to": figures[n].applies_to,
                "meets_officer": figures[n].meets_officer,
                "at_specialist": figures[n].at_specialist,
                "exposure": figures[n].exposure,
            }
            for n in numbers
        ],
        "single_points_of_failure": [
            {
                "number": n,
                "slug": slugs[n],
                "competence": names[n],
                "person": e,
                "name": name_of[e],
            }
            for n, e in alone
        ],
        "uncovered": [
            {"number": n, "slug": slugs[n], "competence": names[n]}
            for n in numbers
            if figures[n].uncovered
        ],
        "steps": [
            {
                "person": s.person,
                "name": name_of[s.person],
                "number": s.competence,
                "slug": slugs[s.competence],
                "competence": names[s.competence],
                "axis": s.axis,
                "from": s.level_from,
                "to": s.level_to,
            }
            for s in sorted(result.steps, key=lambda s: (s.competence, s.person, s.axis))
        ],
        "levels_raised": result.levels,
        "closest": {
            label: [{"person": p, "name": name_of[p], "levels_short": n} for p, n in ranked]
            for label, ranked in result.closest.items()
        },
        "unmet": result.unmet,
    }


MAX_LEAVING = 200
"""The most people a what-if takes as leaving (and the page offers to tick)."""


def what_if(
    people: QuerySet[Person],
    leaving: Sequence[str],
    moving: Mapping[str, int] | None = None,
    viewer: Any = None,
) -> dict[str, Any]:
    """The team once ``leaving`` (emails, among ``people``) have left, and ``moving`` (email →
    the id of the team they move to) have moved away: coverage, uncovered competences and single
    points of failure over those who stay, and the capability planner's fewest levels raised to
    recover, among them, every competence someone meets at the officer target today (at least
    one person at officer level where it applies). Moving is leaving for this team; for each
    team moved to that ``viewer`` may see (:func:`policy.visible_teams`), ``destinations`` says
    what it gains: the competences it comes to cover and the single points of failure it loses,
    with its coverage and exposure once they have arrived."""
    moves = {e.strip().lower(): team for e, team in (moving or {}).items() if e.strip()}
    gone = sorted({e.strip().lower() for e in leaving if e.strip()} | set(moves))
    if len(gone) > MAX_LEAVING:
        raise InputError(f"leaving: at most {MAX_LEAVING} people at a time")
    emails = {e.lower(): e for e in people.values_list("email", flat=True)}
    unknown = [e for e in gone if e not in emails]
    if unknown:
        field = {e: "moving" if e in moves else "leaving" for e in unknown}
        raise InputError([f"{field[e]}: {e} is not among the people you plan for" for e in unknown])
    if not gone:
        raise InputError("leaving: tick someone who leaves")
    before = plan_people(people, {"requirements": []})
    covered = [c["number"] for c in before["coverage"] if c["meets_officer"]]
    staying = people.exclude(email__in=[emails[e] for e in gone])
    after = plan_people(
        staying,
        {"requirements": [{"competence": n, "level": "officer", "at_least": 1} for n in covered]},
        empty="nobody would stay",
    )
    lost = {
        c["number"] for c in after["coverage"] if c["number"] in covered and not c["meets_officer"]
    }
    return {
        **after,
        "leaving": [emails[e] for e in gone if e not in moves],
        "moving": [{"email": emails[e], "team": team} for e, team in sorted(moves.items())],
        "before": {
            k: before[k] for k in ("people", "coverage", "single_points_of_failure", "uncovered")
        },
        "lost": [c for c in after["uncovered"] if c["number"] in lost],
        "destinations": _destinations(
            {emails[e]: team for e, team in moves.items()}, people, viewer
        ),
    }


EXPOSURE = ("people", "coverage", "single_points_of_failure", "uncovered")


def _destinations(
    moves: Mapping[str, int], people: QuerySet[Person], viewer: Any
) -> list[dict[str, Any]]:
    """For each team moved to, what it gains once the people moving there have arrived: the
    competences it comes to cover at the officer target, the single points of failure it no
    longer has, and its exposure after; a team the viewer may not see is not named."""
    from competence.services import policy

    by_team: dict[int, list[str]] = {}
    for email, team in moves.items():
        by_team.setdefault(team, []).append(email)
    visible = policy.visible_teams(viewer) if viewer is not None else set()
    tree = team_tree()
    out: list[dict[str, Any]] = []
    for team, arriving in sorted(by_team.items()):
        if team not in visible:
            out.append(
                {"team": None, "path": None, "shown": False, "arriving": len(arriving),
                 "reason": "a team you do not see: what it gains is not shown"}
            )  # fmt: skip
            continue
        there = policy.team_people(viewer).filter(team_id__in=sorted(tree.subtree([team])))
        newcomers = people.filter(email__in=arriving).values_list("pk", flat=True)
        ids = sorted({*there.values_list("pk", flat=True), *newcomers})
        after = plan_people(Person.objects.filter(pk__in=ids), {"requirements": []})
        before = (
            plan_people(there, {"requirements": []})
            if there.exists()
            else {"people": 0, "coverage": [], "single_points_of_failure": [], "uncovered": []}
        )
        covered = {c["number"] for c in before["coverage"] if c["meets_officer"]}
        now_alone = {s["number"] for s in after["single_points_of_failure"]}
        out.append(
            {
                "team": team,
                "path": tree.path(team),
                "shown": True,
                "arriving": len(arriving),
                "gained": [
                    {"number": c["number"], "slug": c["slug"], "competence": c["name"]}
                    for c in after["coverage"]
                    if c["meets_officer"] and c["number"] not in covered
                ],
                "single_points_of_failure_resolved": [
                    s for s in before["single_points_of_failure"] if s["number"] not in now_alone
                ],
                "before": {k: before[k] for k in EXPOSURE},
                **{k: after[k] for k in EXPOSURE},
            }
        )
    return out
