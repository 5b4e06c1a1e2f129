"""Calibration figures for a signed-in user: the pairs of self and agreed ratings of the people
the one access policy lets them count (:func:`team_view.choose`, :func:`policy.figures_over`),
in one cycle, and the privacy rules of the team view applied to every figure."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from competence.data import load_catalogue
from competence.domain import calibration
from competence.domain.framework import AXES
from competence.domain.words import people as people_count
from competence.domain.workflow import COUNTED, Kind
from competence.errors import InputError
from competence.services import team_view
from competence.store.models import Assessment, Cycle, Rating


def _cycles(person_ids: Any) -> list[Cycle]:
    """The cycles with a result (an assessment that counts) for these people, latest first."""
    ids = Assessment.objects.filter(person_id__in=person_ids, status__in=COUNTED).values("cycle_id")
    return list(Cycle.objects.filter(pk__in=ids).order_by("-opens_on", "-name"))


def pairs(person_ids: Any, cycle: Cycle) -> tuple[list[calibration.Pair], dict[str, int]]:
    """Each person's self level against the agreed level (or, with no agreed assessment that
    counts yet, the assessor's), per competence and axis, in the cycle; drafts never count.
    Also how many people were compared against each kind."""
    chosen: dict[int, dict[str, int]] = {}
    rows = Assessment.objects.filter(
        person_id__in=person_ids, cycle=cycle, status__in=COUNTED
    ).values_list("id", "person_id", "kind", "person__assessor__name")
    assessors: dict[int, str | None] = {}
    for pk, person, kind, assessor in rows:
        chosen.setdefault(person, {})[kind] = pk
        assessors[person] = assessor
    own: dict[int, tuple[int, str]] = {}  # assessment id → (person, side)
    reference = {Kind.AGREED.value: 0, Kind.ASSESSOR.value: 0}
    for person, kinds in chosen.items():
        other = kinds.get(Kind.AGREED) or kinds.get(Kind.ASSESSOR)
        if Kind.SELF not in kinds or other is None:
            continue
        reference[Kind.AGREED if Kind.AGREED in kinds else Kind.ASSESSOR] += 1
        own[kinds[Kind.SELF]] = (person, "self")
        own[other] = (person, "other")
    levels: dict[tuple[int, str], dict[tuple[int, str], int]] = {}
    ratings = Rating.objects.filter(assessment_id__in=list(own)).values_list(
        "assessment_id", "competence", *AXES
    )
    for assessment, number, *values in ratings.iterator(chunk_size=5000):
        person, side = own[assessment]
        for axis, value in zip(AXES, values, strict=True):
            if value is not None:
                levels.setdefault((person, side), {})[(number, axis)] = value
    found = []
    for person in sorted({p for p, _ in own.values()}):
        mine, theirs = levels.get((person, "self"), {}), levels.get((person, "other"), {})
        for key in sorted(mine.keys() & theirs.keys()):
            found.append(
                calibration.Pair(key[0], key[1], mine[key], theirs[key], assessors[person], person)
            )
    return found, reference


def figures(choice: team_view.Choice, cycle_name: str | None = None) -> dict[str, Any]:
    """What the calibration page, its API and CLI show: per competence and axis, and per
    assessor for those who see individuals; hidden below COMPETENCE_MIN_GROUP_SIZE, with the
    reason in words."""
    min_group = settings.CONFIG.min_group_size
    over = choice.figures
    person_ids = over.people.values("pk")
    cycles = _cycles(person_ids)
    if cycle_name:
        cycle = next((c for c in cycles if c.name == cycle_name), None)
        if cycle is None:
            raise InputError(f"cycle: no cycle {cycle_name!r} with results")
    else:
        cycle = cycles[0] if cycles else None
    found, reference = pairs(person_ids, cycle) if cycle else ([], {"agreed": 0, "assessor": 0})
    compared = len({p.person for p in found})
    hidden = not over.individuals and compared < min_group
    names = {c.number: c.name for c in load_catalogue().framework.competences}
    try:
        computed = [] if hidden else calibration.by_competence(found)
        assessors = (
            calibration.by_assessor(found, min_people=min_group) if over.individuals else None
        )
    except calibration.TooManyPairs:
        raise InputError("team: too many ratings to compare at once; choose a team") from None
    rows = []
    for row in computed:
        small = not over.individuals and row["n"] < min_group
        rows.append(
            {
                **row,
                **(
                    {
                        "mean_difference": None,
                        "mean_difference_text": "",
                        "distribution": [],
                        "kappa": None,
                        "kappa_low": None,
                        "kappa_high": None,
                        "kappa_text": "",
                    }
                    if small
                    else {}
                ),
                "name": names.get(row["number"], ""),
                "hidden": small,
                "hidden_reason": (
                    f"fewer than {people_count(min_group)} compared: the figures would tell "
                    "about individuals"
                    if small
                    else ""
                ),
            }
        )
    if hidden:
        notice = (
            f"Fewer than {people_count(min_group)} compared, so the figures are hidden: they "
            "would tell about individuals."
        )
    else:
        notice = team_view.left_out_notice(over)
    return {
        "cycle": cycle.name if cycle else None,
        "cycles": [c.name for c in cycles],
        "label": choice.label,
        "people_compared": 0 if hidden else compared,
        "compared_with": {} if hidden else reference,
        "individuals": over.individuals,
        "hidden": hidden,
        "min_group": min_group,
        "notice": notice,
        "competences": rows,
        "assessors": assessors,
    }
