"""A team's capability: who meets each requirement, coverage per competence, single points of
failure, competences nobody meets, and where two views of a rating disagree.

People's levels are plain ``(knowledge, application)`` pairs (``None`` is not rated), because a
team view reads thousands of them on every request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from competence.domain.framework import CONTEXTS, Profile, Target

Levels = tuple[int | None, int | None]
P = TypeVar("P")

DISAGREEMENT = 2
"""Self and assessor ratings that differ by this many levels or more, on either axis, disagree."""


def meets(levels: Levels | None, target: Target) -> bool:
    """Whether these levels meet the target (not rated counts as 0)."""
    if levels is None:
        return False
    return target.met_by(levels[0], levels[1])


def rated(levels: Levels | None) -> bool:
    return levels is not None and levels != (None, None)


def disagreement(first: Levels | None, second: Levels | None) -> bool:
    """Two views of one competence differ by :data:`DISAGREEMENT` or more on an axis that both
    rate."""
    if first is None or second is None:
        return False
    return any(
        x is not None and y is not None and abs(x - y) >= DISAGREEMENT
        for x, y in zip(first, second, strict=True)
    )


@dataclass(frozen=True)
class Coverage:
    """How many people one competence applies to, how many are rated on it, how many meet the
    officer target and how many are at the specialist target."""

    number: int
    applies_to: int = 0
    rated: int = 0
    meets_officer: int = 0
    at_specialist: int = 0

    @property
    def uncovered(self) -> bool:
        """It applies to someone, and nobody meets the officer target."""
        return self.applies_to > 0 and self.meets_officer == 0

    @property
    def single_point_of_failure(self) -> bool:
        """Exactly one person meets the officer target."""
        return self.meets_officer == 1

    @property
    def exposed(self) -> bool:
        """Uncovered, or a single point of failure."""
        return self.uncovered or self.single_point_of_failure

    @property
    def exposure(self) -> str:
        """The exposure in words ("" when there is none)."""
        if self.uncovered:
            return "nobody meets the officer target"
        if self.single_point_of_failure:
            return "single point of failure"
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "uncovered": self.uncovered,
            "single_point_of_failure": self.single_point_of_failure,
            "exposed": self.exposed,
            "exposure": self.exposure,
        }


@dataclass(frozen=True)
class Targets:
    """Per context, the competences the officer profile asks for there, with the officer and
    specialist targets: the table a team's figures are counted against."""

    by_context: Mapping[str, Sequence[tuple[int, Target, Target | None]]]

    @classmethod
    def of(cls, officer: Profile, specialist: Profile, numbers: Iterable[int]) -> Targets:
        numbers = list(numbers)
        table: dict[str, list[tuple[int, Target, Target | None]]] = {}
        for context in CONTEXTS:
            rows = table.setdefault(context, [])
            for n in numbers:
                req = officer.requirement(n)
                if req is None or not req.applies_in(context):
                    continue
                spec = specialist.requirement(n)
                rows.append((n, req.target, spec.target if spec else None))
        return cls(table)

    def applies(self, number: int, context: str) -> bool:
        return any(n == number for n, _, _ in self.by_context[context])


def coverage(
    members: Iterable[tuple[str, Mapping[int, Levels]]], targets: Targets, numbers: Iterable[int]
) -> dict[int, Coverage]:
    """Coverage per competence over ``members``, each a (context, levels by competence)."""
    cells = {n: [0, 0, 0, 0] for n in numbers}
    # Each target is asked once per pair of levels (there are 49 pairs at most), not once per
    # person: thousands of people share them.
    met: dict[tuple[Target, Levels], bool] = {}

    def meets_target(target: Target, found: Levels) -> bool:
        key = (target, found)
        if key not in met:
            met[key] = target.met_by(*found)
        return met[key]

    for context, levels in members:
        for number, officer, specialist in targets.by_context[context]:
            cell = cells[number]
            cell[0] += 1
            found = levels.get(number)
            if not rated(found):
                continue
            cell[1] += 1
            assert found is not None
            if meets_target(officer, found):
                cell[2] += 1
            if specialist is not None and meets_target(specialist, found):
                cell[3] += 1
    return {n: Coverage(n, *cell) for n, cell in cells.items()}


def who_meets(
    members: Iterable[tuple[P, str, Mapping[int, Levels]]], targets: Targets, number: int
) -> list[P]:
    """The members who meet the officer target of one competence (where it applies to them)."""
    found = []
    for who, context, levels in members:
        for n, officer, _ in targets.by_context[context]:
            if n == number and meets(levels.get(n), officer):
                found.append(who)
    return found


def single_points_of_failure(
    members: Sequence[tuple[P, str, Mapping[int, Levels]]], targets: Targets, numbers: Iterable[int]
) -> list[tuple[int, P]]:
    """Each competence that exactly one member meets at the officer target, with that member."""
    out = []
    for number in numbers:
        found = who_meets(members, targets, number)
        if len(found) == 1:
            out.append((number, found[0]))
    return out
