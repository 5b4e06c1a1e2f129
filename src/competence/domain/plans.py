"""Development plans: the gaps a person should close, in order, each with a kind of activity.

First the largest gaps on what the person's target profile requires, then what the next profile
requires (for a PMO officer, the PMO specialist profile).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from competence.domain.analysis import assess
from competence.domain.framework import AXES, Catalogue
from competence.domain.ratings import Rating

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


def kind_for(axis: str, short: int, target: int) -> str:
    """Knowledge grows by courses, qualifications and reading; application by doing, with help."""
    if axis == "knowledge":
        if target >= 4 and short >= 2:
            return "qualification"
        return "training" if short >= 2 else "reading"
    return "on-the-job" if short >= 2 else "mentoring"


def suggest(
    catalogue: Catalogue,
    profile: str,
    context: str,
    ratings: Mapping[int, Rating],
    activities: Mapping[str, Mapping[str, str]],
) -> list[Suggestion]:
    """Suggestions in priority order; ``activities`` maps ``kinds`` and competence numbers to
    sentences (see ``data/apm/activities.yaml``)."""
    names = {c.number: c.name for c in catalogue.framework.competences}
    out: list[Suggestion] = []
    seen: set[tuple[int, str]] = set()
    for profile_id in (profile, NEXT_PROFILE.get(profile)):
        if profile_id is None:
            continue
        verdict = assess(catalogue, profile_id, context, ratings)
        gaps = sorted(
            (
                (r.competence.number, axis, getattr(r.gap, axis), getattr(r.target, axis))
                for r in verdict.competences
                if r.applicable and r.gap and r.target
                for axis in AXES
                if getattr(r.gap, axis) > 0
            ),
            key=lambda g: (-g[2], g[0], AXES.index(g[1])),
        )
        for number, axis, short, target in gaps:
            if (number, axis) in seen:
                continue
            seen.add((number, axis))
            kind = kind_for(axis, short, target)
            sentence = (activities.get(str(number)) or {}).get(kind) or activities["kinds"][kind]
            rating = ratings.get(number)
            out.append(
                Suggestion(
                    number,
                    axis,
                    rating.level(axis) if rating else None,
                    target,
                    profile_id,
                    kind,
                    sentence.format(name=names[number].lower()),
                )
            )
    return out
