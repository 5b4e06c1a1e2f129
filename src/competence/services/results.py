"""What the results pages, the team view and the API show: plain data, computed by the domain."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from competence.data import activities_for, load_catalogue
from competence.domain.analysis import Verdict, assess
from competence.domain.framework import AXES, Framework
from competence.domain.plans import STEPS_AT_A_TIME, next_step, suggest
from competence.domain.ratings import Rating, unrated
from competence.domain.team import Coverage, Group, Targets, coverage_of, lone_holders
from competence.domain.words import people as people_count
from competence.services import profiles
from competence.services.people import data as person_data
from competence.services.policy import FiguresOver
from competence.services.records import assessments_in_order, domain_ratings, history
from competence.store import scope
from competence.store.models import Assessment, AuditEntry, Person
from competence.store.queries import (
    counting_assessment,
    counting_levels_of,
    grouped_levels,
    lone_holder_names,
    people_groups,
    team_tree,
    versions_recorded,
)

SPECIALIST, OFFICER = "pmo-specialist", "pmo-officer"


def assessment_data(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "cycle": assessment.cycle.name,
        "kind": assessment.kind,
        "status": assessment.status,
        "assessed_on": assessment.assessed_on.isoformat(),
        "profile": assessment.profile,
        "context": assessment.context,
        "signed_off_by": assessment.signed_off_by or None,
        "signed_off_at": assessment.signed_off_at.isoformat() if assessment.signed_off_at else None,
    }


def person_results(person: Person) -> dict[str, Any]:
    """Where a person stands, from the assessment that counts, and the history.

    ``own`` is the verdict against the person's profile in the version the assessment is judged
    against (``judged_against``; pinned, so a signed-off verdict never changes), and ``current``
    the verdict against the profile's current version when a newer one exists; ``toward`` is the
    verdict against the target profile (the person's ``target_profile``, else the next profile).
    ``officer`` and ``specialist`` are the two APM verdicts, as always. ``standing``,
    ``next_steps``, ``notes`` and ``by_competence`` are the page's summary: where the person
    stands, the few largest gaps to work on, and the reasons grouped by competence.
    """
    now = profiles.catalogue_for(person.profile)
    names = {c.number: c.name for c in now.framework.competences}
    assessment = counting_assessment(person)
    assessments = assessments_in_order(person)  # with their ratings, for the history too
    if assessment is not None:  # its twin in the history has its ratings read
        assessment = next((a for a in assessments if a.pk == assessment.pk), assessment)
    ratings = domain_ratings(assessment) if assessment else {}
    context = assessment.context if assessment else person.context
    if assessment is not None:
        judged, profile = profiles.judged_against(assessment)
    else:
        judged, profile = now, now.profile(person.profile)
    own = assess(judged, profile.id, context, ratings, person.email)
    latest = now.profile(profile.id)
    current = (
        assess(now, profile.id, context, ratings, person.email)
        if latest.version != profile.version
        else None
    )
    toward_id = next_step(profile.id, person.target_profile)
    toward = (
        assess(now, toward_id, context, ratings, person.email)
        if toward_id and toward_id in now.profiles and toward_id != profile.id
        else None
    )
    apm = load_catalogue()
    on_apm = now.framework.id == apm.framework.id  # APM's two verdicts: over APM's framework
    officer = assess(apm, OFFICER, context, ratings, person.email).as_dict() if on_apm else None
    specialist = (
        assess(apm, SPECIALIST, context, ratings, person.email).as_dict() if on_apm else None
    )
    verdicts = {"own": own, **({"toward": toward} if toward else {})}
    ahead = toward.profile.id if own.meets_profile and toward else None
    steps = suggest(judged if ahead is None else now, profile.id, context, ratings,
                    activities_for(now.framework), toward=ahead)  # fmt: skip
    pathway = toward or own
    return {
        "person": person_data(person),
        "assessment": assessment_data(assessment) if assessment else None,
        "officer": officer,
        "specialist": specialist,
        "judged_against": {
            "id": profile.id,
            "name": profile.name,
            "version": profile.version,
            "label": profile.label,
            "current_version": latest.version,
        },
        "base": own.base.as_dict() if own.base else None,
        "base_name": own.base.profile.name if own.base else None,
        "own": own.as_dict(),
        "current": current.as_dict() if current else None,
        "current_standing": standing(current) if current else None,
        "judged_standing": standing(own),
        "toward": toward.as_dict() if toward else None,
        "toward_name": toward.profile.name if toward else None,
        "target_name": profile.name,
        "rated": sum(1 for r in ratings.values() if r.rated),
        "axes": list(now.framework.axes),
        "framework": {
            "id": now.framework.id,
            "title": now.framework.title,
            "competences": len(now.framework.competences),
        },
        "on_apm": on_apm,
        "attribution": {
            "source": now.framework.attribution.source,
            "owner": now.framework.attribution.owner,
            "notice": now.framework.attribution.notice,
        },
        "standing": [
            standing(v) for v in ([own.base] if own.base else []) + list(verdicts.values())
        ],
        "next_steps_toward": toward.profile.name if ahead and toward else None,
        "next_steps": [
            {
                "number": s.competence,
                "name": names[s.competence],
                "axis": s.axis,
                "current": s.current,
                "target": s.target,
                "priority": s.priority,
                "kind": s.kind,
                "action": s.action,
            }
            for s in steps[:STEPS_AT_A_TIME]
        ],
        "notes": {key: list(v.notes) for key, v in verdicts.items()},
        "by_competence_columns": [v.profile.name for v in verdicts.values()],
        "by_competence": by_competence(list(verdicts.values())),
        "still_needed": [{**m.as_dict(), "name": m.competence.name} for m in pathway.missing],
        "closest_specialisms": [
            {**d.as_dict(), "name": d.competence.name}
            for d in (pathway.closest_specialisms or ())[:4]
        ],
        "evidence": [
            {
                "number": n,
                "name": names[n],
                "evidence": r.evidence or "",
                "confidence": r.confidence.words if r.confidence else None,
                "evidence_links": list(r.links),
            }
            for n, r in sorted(ratings.items())
            if r.evidence or r.links or r.confidence
        ],
        "history": history(person, assessments),
    }


def standing(verdict: Verdict) -> dict[str, Any]:
    """One line on where a person stands against a profile, with counts."""
    applicable = [r for r in verdict.competences if r.applicable]
    short = sorted({s.competence.number for s in verdict.missing})
    if verdict.meets_profile:
        text = f"met ({len(applicable)} requirements that apply)"
    elif verdict.profile.rule is None:
        text = f"not yet met: {len(short)} of {len(applicable)} requirements that apply are short"
    else:
        text = f"not yet met: {len(short)} competence{'s' if len(short) != 1 else ''} hold it back"
    return {
        "profile": verdict.profile.id,
        "name": verdict.profile.name,
        "version": verdict.profile.version,
        "met": verdict.meets_profile,
        "short": len(short),
        "applicable": len(applicable),
        "text": text,
    }


def by_competence(verdicts: list[Verdict]) -> list[dict[str, Any]]:
    """The shortfalls of the verdicts, one row per competence, with each axis that is short:
    its rating and what each verdict's profile needs (None where that one is not short)."""
    rows: dict[int, dict[str, Any]] = {}
    for i, verdict in enumerate(verdicts):
        for s in verdict.missing:
            row = rows.setdefault(
                s.competence.number,
                {"number": s.competence.number, "name": s.competence.name, "axes": {}},
            )
            axis = row["axes"].setdefault(
                s.axis, {"axis": s.axis, "actual": s.actual, "needs": [None] * len(verdicts)}
            )
            axis["needs"][i] = s.target
    return [
        {**rows[n], "axes": [rows[n]["axes"][a] for a in AXES if a in rows[n]["axes"]]}
        for n in sorted(rows)
    ]


def person_gap(
    person: Person, profile: str | None = None, context: str | None = None
) -> dict[str, Any]:
    """The gap analysis of the person's counting assessment against one profile (their own by
    default), as ``competence gap --json`` gives it."""
    assessment = counting_assessment(person)
    ratings = domain_ratings(assessment) if assessment else {}
    return assess(
        profiles.catalogue_for(profile or person.profile),
        profile or person.profile,
        context or person.context,
        ratings,
        person.email,
    ).as_dict()


_FIGURES: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_FIGURES_LOCK = threading.Lock()
_FIGURES_KEPT = 32

F = TypeVar("F")


def audit_position() -> tuple[Any, ...]:
    """The newest audit entry's id and time (once per request): every change to people,
    assessments and ratings adds one, so what is computed from them is kept until it moves. With
    its time: a rolled-back write (a restore, a test's transaction) can give a later entry the
    same id."""
    return scope.once(
        "audit-position",
        lambda: AuditEntry.objects.order_by("-id").values_list("id", "at").first() or (0, None),
    )


def kept_until_change(
    what: tuple[Any, ...], people: QuerySet[Person], compute: Callable[[], F]
) -> F:
    """``compute()`` for ``what`` over ``people``, kept per query (its SQL with its values) until
    the audit trail moves (:func:`audit_position`): the team figures, a page of the team view's
    rows, its heatmaps."""
    try:
        key = (*what, str(people.query), audit_position())
    except EmptyResultSet:  # a query that matches nobody by construction
        return compute()
    with _FIGURES_LOCK:
        if key in _FIGURES:
            _FIGURES.move_to_end(key)
            found: F = _FIGURES[key]
            return found
    figures = compute()
    with _FIGURES_LOCK:
        _FIGURES[key] = figures
        while len(_FIGURES) > _FIGURES_KEPT:
            _FIGURES.popitem(last=False)
    return figures


def _team_figures(people: QuerySet[Person], cycle: int | None = None) -> TeamFigures:
    """The team figures over ``people`` (in ``cycle``, a cycle's id, when given): kept per query
    until anything changes (:func:`kept_until_change`). Every change to people, assessments and
    ratings adds an audit entry (a bulk import one of its own). The key is the query's SQL with
    its values, so it stands for the same people whoever asks; figures without names come with
    their people as a subquery of the viewer's own rule (:func:`policy.figures_over`), so one
    viewer's exclusions never serve another."""
    return kept_until_change(
        ("figures", cycle), people, lambda: _compute_team_figures(people, cycle)
    )


@dataclass(frozen=True)
class TeamFigures:
    """What the team view counts over everyone chosen, from the database's ``GROUP BY``s: never
    a row per person or per rating."""

    people_count: int
    groups: list[Group]
    """Ratings counted together (:data:`competence.domain.team.Group`)."""
    coverage: dict[int, Coverage]
    judged: dict[int, int]
    """How many people are judged against each profile version (by its id)."""
    versions: dict[int, Any]
    """Each of those versions: (catalogue, profile)."""
    latest: dict[str, int]
    """Each profile's latest version (by slug): what someone whose assessment records none is
    judged against."""


def _targets() -> Targets:
    catalogue = load_catalogue()
    numbers = [c.number for c in catalogue.framework.competences]
    return Targets.of(catalogue.profile(OFFICER), catalogue.profile(SPECIALIST), numbers)


def _compute_team_figures(people: QuerySet[Person], cycle: int | None = None) -> TeamFigures:
    numbers = [c.number for c in load_catalogue().framework.competences]
    kinds = people_groups(people)
    contexts: dict[str, int] = {}
    slugs: dict[str, int] = {}
    for (context, slug), count in kinds.items():
        contexts[context] = contexts.get(context, 0) + count
        slugs[slug] = slugs.get(slug, 0) + count
    groups = grouped_levels(people, cycle)
    judged, versions, latest = profiles.judging_counts(slugs, versions_recorded(people, cycle))
    return TeamFigures(
        sum(contexts.values()), groups, coverage_of(contexts, groups, _targets(), numbers),
        judged, versions, latest,
    )  # fmt: skip


def _people_word(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def judged_mix(
    counts: dict[int, int], versions: dict[int, Any], min_group: int = 1
) -> dict[str, Any]:
    """Which profile versions the people's figures are judged against, with how many people
    each (``counts``, by version id): ``versions`` (profile, name, version, people) and
    ``text``, "Judged against PMO officer v1 (12 people) and v2 (3 people)". A version with
    fewer than ``min_group`` people is not named (figures without names): they are counted as
    "other versions"."""
    shown, others = [], 0
    for version_id, count in counts.items():
        profile = versions[version_id][1]
        if count < min_group:
            others += count
            continue
        shown.append(
            {
                "profile": profile.id,
                "name": profile.name,
                "version": profile.version,
                "people": count,
            }
        )
    shown.sort(key=lambda v: (v["name"], v["profile"], v["version"]))
    groups: dict[str, list[str]] = {}
    for v in shown:
        words = f"v{v['version']} ({_people_word(v['people'])})"
        groups.setdefault(v["name"], []).append(words)
    parts = [f"{name} {' and '.join(words)}" for name, words in groups.items()]
    if others:
        parts.append(
            f"other versions ({_people_word(others)})" if others >= min_group else "other versions"
        )
    text = f"Judged against {'; '.join(parts)}." if parts else ""
    return {"versions": shown, "text": text}


PER_PAGE = 50


def _coverage(figures: dict[int, Any]) -> list[dict[str, Any]]:
    return [
        {"slug": c.slug, "name": c.name, **figures[c.number].as_dict()}
        for c in load_catalogue().framework.competences
    ]


def _exposure(
    people: QuerySet[Person], figures: TeamFigures, named: bool, cycle: int | None
) -> dict[str, list[dict[str, Any]]]:
    """The competences nobody meets at the officer target, and those only one person meets
    (named when ``named``, from one query for them all), in framework order."""
    competences = load_catalogue().framework.competences
    spof = [c for c in competences if figures.coverage[c.number].single_point_of_failure]
    holders: dict[int, str] = {}
    if named and spof:
        found = lone_holders(figures.groups, _targets(), [c.number for c in spof])
        holders = {n: name for n, (_, name) in lone_holder_names(people, found, cycle).items()}
    return {
        "uncovered": [
            {"number": c.number, "slug": c.slug, "competence": c.name}
            for c in competences
            if figures.coverage[c.number].uncovered
        ],
        "single_points_of_failure": [
            {
                "number": c.number,
                "slug": c.slug,
                "competence": c.name,
                "name": holders.get(c.number),
            }
            for c in spof
        ],
    }


def shared_framework(counts: dict[int, int], versions: dict[int, Any]) -> Framework:
    """The framework the people's profiles are over (that of the versions they are judged
    against, ``counts`` by version id) when they share one, else APM's: the competences and
    axes a team is shown on."""
    judged = [versions[v][0].framework for v in counts if v in versions]
    found = {f.id: f for f in judged}
    return next(iter(found.values())) if len(found) == 1 else load_catalogue().framework


def _framework_data(framework: Framework) -> dict[str, Any]:
    return {
        "id": framework.id,
        "title": framework.title,
        "axes": list(framework.axes),
        "attribution": {
            "source": framework.attribution.source,
            "owner": framework.attribution.owner,
            "notice": framework.attribution.notice,
        },
        # Coverage, exposure and the two APM verdicts count against APM's officer and
        # specialist targets: they are shown for people on APM's framework only.
        "apm": framework.id == load_catalogue().framework.id,
        "competences": [
            {"number": c.number, "slug": c.slug, "name": c.name} for c in framework.competences
        ],
    }


def team_summary(
    people: QuerySet[Person],
    page: int = 1,
    per_page: int | None = PER_PAGE,
    cycle: int | None = None,
) -> dict[str, Any]:
    """The heatmap rows for one page of people, and coverage per competence for all of them:
    with names, for those who may see every one of them (team reports, the planner). Pages and
    the API show :func:`team_figures`."""
    if per_page is None:  # everyone (the team reports): not kept
        return _team_summary(people, page, per_page, cycle)
    return dict(  # one page of rows and their verdicts, kept until the audit trail moves
        kept_until_change(
            ("summary", page, per_page, cycle, profiles.generation()),
            people,
            lambda: _team_summary(people, page, per_page, cycle),
        )
    )


def _team_summary(
    people: QuerySet[Person], page: int, per_page: int | None, cycle: int | None
) -> dict[str, Any]:
    catalogue = load_catalogue()
    officer = catalogue.profile(OFFICER)  # for a person whose profile is not stored
    figures = _team_figures(people, cycle)
    framework = shared_framework(figures.judged, figures.versions)
    competences, axes = framework.competences, framework.axes
    per_page = per_page or max(1, figures.people_count)  # None: everyone on one page
    pages = max(1, -(-figures.people_count // per_page))
    page = min(max(1, page), pages)
    # Rows per person for the page shown only: its people, the versions their counting
    # assessments record and their ratings, each read through a query of the page's people.
    page_people = Person.objects.filter(pk__in=people.order_by().values("pk")).order_by(
        "name", "email"
    )[(page - 1) * per_page : page * per_page]
    shown = list(page_people.select_related("assessor"))
    pins, levels = counting_levels_of(Person.objects.filter(pk__in=page_people.values("pk")), cycle)
    paths = team_tree().paths()
    rows = []
    for person in shown:
        page_ratings = {n: Rating(k, a) for n, (k, a) in levels.get(person.pk, {}).items()}
        version_id = pins.get(person.pk) or figures.latest.get(person.profile)
        judged, own = figures.versions.get(version_id or -1) or (catalogue, officer)
        rows.append(
            {
                **person_data(person, paths),
                "meets_officer": assess(
                    catalogue, OFFICER, person.context, page_ratings
                ).meets_profile,
                "meets_specialist": assess(
                    catalogue, SPECIALIST, person.context, page_ratings
                ).meets_profile,
                "judged_against": {"id": own.id, "version": own.version, "label": own.label},
                "meets_own": assess(judged, own.id, person.context, page_ratings).meets_profile,
                "ratings": {  # none shown on another framework's competences
                    str(n): {axis: r.level(axis) for axis in axes}
                    for n, r in sorted(page_ratings.items())
                    if own.framework == framework.id
                },
                "targets": {  # None: does not apply, or the profile is over another framework
                    str(c.number): (
                        req.target.as_dict()
                        if own.framework == framework.id
                        and (req := own.requirement(c.number))
                        and req.applies_in(person.context)
                        else None
                    )
                    for c in competences
                },
            }
        )
    return {
        "people_count": figures.people_count,
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "people": rows,
        "framework": _framework_data(framework),
        "elsewhere": sum(
            count
            for v, count in figures.judged.items()
            if v in figures.versions and figures.versions[v][0].framework != framework
        ),
        "judged_against": judged_mix(figures.judged, figures.versions),
        "coverage": _coverage(figures.coverage),
        **_exposure(people, figures, named=True, cycle=cycle),
    }


def team_figures(over: FiguresOver, page: int = 1, cycle: int | None = None) -> dict[str, Any]:
    """What the team view and the API's team summary show one user, over the people
    :func:`policy.figures_over` chose for them: with rows when they may see every one of them
    by name, else :func:`private_summary`."""
    if over.individuals:
        return {
            **team_summary(over.people, page=page, cycle=cycle),
            "individuals": True,
            "hidden": False,
            "left_out": 0,
            "notice": "",
        }
    return private_summary(over, cycle)


def private_summary(over: FiguresOver, cycle: int | None = None) -> dict[str, Any]:
    """Figures without names: coverage per competence over the people :func:`policy.figures_over`
    chose (those the user may not see by name), no names and no rows; no figures either when
    they are fewer than COMPETENCE_MIN_GROUP_SIZE. ``notice`` says which, in words."""
    min_group = settings.CONFIG.min_group_size
    figures = _team_figures(over.people, cycle)
    count = figures.people_count
    hidden = count < min_group
    if hidden and over.left_out:
        notice = (
            f"Leaving out the {people_count(over.left_out)} you see by name, fewer than "
            f"{people_count(min_group)} remain, so the figures are hidden: they would tell about "
            "individuals."
        )
    elif hidden:
        notice = (
            f"The group has fewer than {people_count(min_group)}, so its figures are hidden too: "
            "they would tell about individuals."
        )
    elif over.left_out:
        notice = (
            f"The figures are over the {people_count(count)} you do not see by name: the "
            f"{people_count(over.left_out)} you see by name are left out, so that subtracting what "
            "you know of them cannot single anyone out."
        )
    else:
        notice = ""
    return {
        "people_count": count,
        "left_out": over.left_out,
        "page": 1,
        "pages": 1,
        "per_page": PER_PAGE,
        "people": [],
        "framework": _framework_data(shared_framework(figures.judged, figures.versions)),
        "coverage": [] if hidden else _coverage(figures.coverage),
        "judged_against": (
            {"versions": [], "text": ""}
            if hidden
            else judged_mix(figures.judged, figures.versions, min_group)
        ),
        **(
            {"uncovered": [], "single_points_of_failure": []}
            if hidden
            else _exposure(over.people, figures, named=False, cycle=cycle)
        ),
        "individuals": False,
        "hidden": hidden,
        "min_group": min_group,
        "notice": notice,
    }


def check_answers(person: Person, assessment: Assessment | None) -> dict[str, Any]:
    """What the check-answers page shows before a self-assessment is submitted: every
    competence that applies with the ratings given, the unrated ones, and the verdict that
    these ratings would give (against the profile version a draft is judged against)."""
    from competence.services.catalogue import applicable

    now = profiles.catalogue_for(person.profile)
    axes = now.framework.axes
    levels = {lv.level: lv.name for lv in now.framework.levels}
    ratings = domain_ratings(assessment) if assessment else {}
    competences = applicable(person.profile, person.context, now)
    numbers = [c["number"] for c in competences]
    missing = set(unrated(numbers, ratings, axes))
    verdict = assess(now, person.profile, person.context, ratings, person.email)
    rows = []
    for c in competences:
        r = ratings.get(c["number"])
        rows.append(
            {
                "number": c["number"],
                "name": c["name"],
                "rated": c["number"] not in missing,
                **{axis: _level(r.level(axis) if r else None, levels) for axis in axes},
                "target": {axis: c[axis] for axis in axes},
                "by_axis": [
                    {
                        "axis": axis,
                        "given": _level(r.level(axis) if r else None, levels),
                        "target": c[axis],
                    }
                    for axis in axes
                ],
                "evidence": r.evidence if r else None,
            }
        )
    return {
        "competences": rows,
        "unrated": [row for row in rows if not row["rated"]],
        "total": len(rows),
        "standing": [standing(v) for v in ([verdict.base] if verdict.base else []) + [verdict]],
        "notes": list(verdict.notes),
        "version": 0 if assessment is None else assessment.version,
        "axes": axes,
    }


def _level(level: int | None, names: dict[int, str]) -> dict[str, Any] | None:
    return None if level is None else {"level": level, "name": names[level]}
