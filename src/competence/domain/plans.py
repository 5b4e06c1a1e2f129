"""Development plans: the gaps a person should close, in order, each with a kind of activity.

The largest gaps on what the person's own profile requires come first, a few at a time; the steps
toward the next profile (for a PMO officer, the PMO specialist profile) are asked for separately.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from competence.domain.analysis import assess
from competence.domain.framework import AXES, Catalogue
from competence.domain.ratings import Rating
from competence.domain.words import in_sentence

KINDS = ("training", "qualification", "mentoring", "on-the-job", "reading")


class PlanStatus(StrEnum):
    """Where a step of a development plan stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    DROPPED = "dropped"


OPEN = (PlanStatus.PLANNED, PlanStatus.IN_PROGRESS)
"""Steps still to do: a gap with one of these is already planned."""
NEXT_PROFILE = {"pmo-officer": "pmo-specialist"}


def next_step(profile: str, target_profile: str | None) -> str | None:
    """The profile a person works toward next: their target profile, else the profile after
    their own (for a PMO officer, the specialist's), else none."""
    return target_profile or NEXT_PROFILE.get(profile)


@dataclass(frozen=True)
class Suggestion:
    competence: int
    axis: str
    current: int | None
    target: int
    profile: str
    kind: str
    action: str

    @property
    def levels_short(self) -> int:
        return self.target - (self.current or 0)

    @property
    def priority(self) -> str:
        return priority(self.levels_short)


def kind_for(axis: str, short: int, target: int) -> str:
    """Knowledge grows by courses, qualifications and reading; application by doing, with help."""
    if axis == "knowledge":
        if target >= 4 and short >= 2:
            return "qualification"
        return "training" if short >= 2 else "reading"
    return "on-the-job" if short >= 2 else "mentoring"


PRIORITIES = ("gap", "top-up")
"""A step's priority: closing a gap (two levels or more short) before a top-up (one level)."""
STEPS_AT_A_TIME = 5
"""How many steps a suggestion adds at once."""


def priority(levels_short: int) -> str:
    return PRIORITIES[0] if levels_short >= 2 else PRIORITIES[1]


def suggest(
    catalogue: Catalogue,
    profile: str,
    context: str,
    ratings: Mapping[int, Rating],
    activities: Mapping[str, Mapping[str, str]],
    *,
    toward: str | None = None,
) -> list[Suggestion]:
    """Steps toward ``toward`` (the person's own ``profile`` by default; ask for
    ``NEXT_PROFILE[profile]`` separately), largest shortfall first.

    Only the competences the person rates are proposed: those the person's own profile applies
    in their context (a step for a competence they were never asked to rate is no step).
    ``activities`` maps ``kinds`` and competence numbers to sentences (see
    ``data/apm/activities.yaml``).
    """
    names = {c.number: c.name for c in catalogue.framework.competences}
    rated = {n for n, r in catalogue.profile(profile).requirements.items() if r.applies_in(context)}
    toward = toward or profile
    verdict = assess(catalogue, toward, context, ratings)
    gaps = sorted(
        (
            (r.competence.number, axis, r.gap.level(axis), r.target.level(axis))
            for r in verdict.competences
            if r.applicable and r.gap and r.target and r.competence.number in rated
            for axis in r.target.axes
            if r.gap.level(axis) > 0
        ),
        key=lambda g: (-g[2], g[0], AXES.index(g[1])),
    )
    out: list[Suggestion] = []
    for number, axis, short, target in gaps:
        kind = kind_for(axis, short, target)
        sentence = (activities.get(str(number)) or {}).get(kind) or activities["kinds"][kind]
        rating = ratings.get(number)
        out.append(
            Suggestion(
                number,
                axis,
                rating.level(axis) if rating else None,
                target,
                toward,
                kind,
                sentence.format(name=in_sentence(names[number])),
            )
        )
    return out
