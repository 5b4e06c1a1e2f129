"""A team's capability: who meets each requirement, coverage per competence, single points of
failure, competences nobody meets, and where two views of a rating disagree.

People's levels are plain ``(knowledge, application)`` pairs (``None`` is not rated), because a
team view reads thousands of them on every request.
"""

from __future__ import annotations

from collections import Counter
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


Group = tuple[str, int, int | None, int | None, int]
"""Ratings counted together: (context, competence, knowledge, application, how many people)."""


def coverage_of(
    contexts: Mapping[str, int],
    groups: Iterable[Group],
    targets: Targets,
    numbers: Iterable[int],
) -> dict[int, Coverage]:
    """Coverage per competence from ratings counted together: ``contexts``, how many people are
    in each context; ``groups``, how many of them hold each pair of levels on each competence
    (a database's ``GROUP BY``, a few thousand rows whatever the number of people)."""
    cells = {n: [0, 0, 0, 0] for n in numbers}
    applies: dict[tuple[str, int], tuple[Target, Target | None]] = {}
    for context, rows in targets.by_context.items():
        for number, officer, specialist in rows:
            applies[(context, number)] = (officer, specialist)
            if number in cells:
                cells[number][0] += contexts.get(context, 0)
    for context, number, knowledge, application, count in groups:
        found = applies.get((context, number))
        if found is None or number not in cells or not rated((knowledge, application)):
            continue
        officer, specialist = found
        cell = cells[number]
        cell[1] += count
        if officer.met_by(knowledge, application):
            cell[2] += count
        if specialist is not None and specialist.met_by(knowledge, application):
            cell[3] += count
    return {n: Coverage(n, *cell) for n, cell in cells.items()}


def grouped(
    members: Iterable[tuple[str, Mapping[int, Levels]]],
) -> tuple[dict[str, int], list[Group]]:
    """``members`` (context, levels by competence) counted as :func:`coverage_of` takes them."""
    contexts: Counter[str] = Counter()
    groups: Counter[tuple[str, int, int | None, int | None]] = Counter()
    for context, levels in members:
        contexts[context] += 1
        for number, (knowledge, application) in levels.items():
            groups[(context, number, knowledge, application)] += 1
    return dict(contexts), [(*key, count) for key, count in groups.items()]


def coverage(
    members: Iterable[tuple[str, Mapping[int, Levels]]], targets: Targets, numbers: Iterable[int]
) -> dict[int, Coverage]:
    """Coverage per competence over ``members``, each a (context, levels by competence)."""
    contexts, groups = grouped(members)
    return coverage_of(contexts, groups, targets, numbers)


def lone_holders(
    groups: Iterable[Group], targets: Targets, numbers: Iterable[int]
) -> dict[int, tuple[str, int | None, int | None]]:
    """Of ``numbers``, each competence that exactly one person meets at the officer target, with
    the (context, knowledge, application) of the group that one person is in: where to look
    them up."""
    wanted = set(numbers)
    officer = {
        (context, n): target
        for context, rows in targets.by_context.items()
        for n, target, _ in rows
        if n in wanted
    }
    meeting: dict[int, list[tuple[str, int | None, int | None, int]]] = {}
    for context, number, knowledge, application, count in groups:
        target = officer.get((context, number))
        if target is not None and meets((knowledge, application), target):
            meeting.setdefault(number, []).append((context, knowledge, application, count))
    return {n: found[0][:3] for n, found in meeting.items() if len(found) == 1 and found[0][3] == 1}


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
