"""Team capability planning: the fewest levels raised, in total across people, that meet a team's
requirements; with coverage, single points of failure, and who is closest for each requirement.

The problem splits by competence: requirements name one competence each, and raising a person on
one competence does nothing for another. For each competence every person ends at one *tier*: as
they are, or raised to the componentwise maximum of some of the requirement targets on it. An
integer program (HiGHS, through SciPy) chooses one tier per person at least total cost, so that
each requirement has its number of people at or above its target. That is exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from competence.domain.framework import Target

Levels = tuple[int, int]  # (knowledge, application); not rated counts as 0


@dataclass(frozen=True)
class Need:
    """At least ``at_least`` people at ``target`` or above on ``competence``."""

    competence: int
    target: Target
    at_least: int
    label: str
    among: frozenset[str] | None = None  # only these people count (those it applies to)


@dataclass(frozen=True)
class Step:
    person: str
    competence: int
    axis: str
    level_from: int
    level_to: int

    @property
    def levels(self) -> int:
        return self.level_to - self.level_from


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    closest: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def levels(self) -> int:
        return sum(s.levels for s in self.steps)


def _meets(levels: Levels, target: Target) -> bool:
    return levels[0] >= target.knowledge and levels[1] >= target.application


def _cost(levels: Levels, tier: Levels) -> int:
    return max(0, tier[0] - levels[0]) + max(0, tier[1] - levels[1])


def _tiers(current: Levels, targets: Sequence[Target]) -> list[Levels]:
    """Where a person may end: as they are, or at the top of any set of targets."""
    tiers = {current}
    for size in range(1, len(targets) + 1):
        for chosen in combinations(targets, size):
            tiers.add(
                (
                    max(current[0], *(t.knowledge for t in chosen)),
                    max(current[1], *(t.application for t in chosen)),
                )
            )
    return sorted(tiers)


def plan(people: Mapping[str, Mapping[int, Levels]], needs: Sequence[Need]) -> Plan:
    """The cheapest development steps that meet every need that can be met."""
    result = Plan()
    names = sorted(people)
    by_competence: dict[int, list[Need]] = {}
    for need in needs:
        eligible = [p for p in names if need.among is None or p in need.among]
        if need.at_least > len(eligible):
            result.unmet.append(
                f"{need.label}: needs {need.at_least} people, but only {len(eligible)} can count"
            )
            continue
        by_competence.setdefault(need.competence, []).append(need)
        ranked = sorted(
            (
                _cost(
                    people[p].get(need.competence, (0, 0)),
                    (need.target.knowledge, need.target.application),
                ),
                p,
            )
            for p in eligible
        )
        result.closest[need.label] = [(p, c) for c, p in ranked[: max(need.at_least, 3)]]
    for competence, wanted in sorted(by_competence.items()):
        result.steps.extend(_solve(competence, names, people, wanted))
    return result


def _solve(
    competence: int,
    names: list[str],
    people: Mapping[str, Mapping[int, Levels]],
    needs: list[Need],
) -> list[Step]:
    targets = [n.target for n in needs]
    options: list[tuple[str, Levels, int]] = []  # (person, tier, cost)
    for p in names:
        current = people[p].get(competence, (0, 0))
        for tier in _tiers(current, targets):
            options.append((p, tier, _cost(current, tier)))
    cost = np.array([c for _, _, c in options], dtype=float)
    rows, lower, upper = [], [], []
    for p in names:  # one tier per person
        rows.append([1.0 if o[0] == p else 0.0 for o in options])
        lower.append(1.0)
        upper.append(1.0)
    for need in needs:  # enough people at or above each target
        rows.append(
            [
                1.0
                if _meets(o[1], need.target) and (need.among is None or o[0] in need.among)
                else 0.0
                for o in options
            ]
        )
        lower.append(float(need.at_least))
        upper.append(np.inf)
    solution = milp(
        cost,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=np.ones(len(options)),
        bounds=Bounds(0, 1),
    )
    if not solution.success:  # cannot happen once the counts were checked, but say so
        raise ValueError(f"competence {competence}: {solution.message}")
    steps = []
    for (p, tier, c), x in zip(options, solution.x, strict=True):
        if x > 0.5 and c > 0:
            current = people[p].get(competence, (0, 0))
            for axis, before, after in (
                ("knowledge", current[0], tier[0]),
                ("application", current[1], tier[1]),
            ):
                if after > before:
                    steps.append(Step(p, competence, axis, before, after))
    return steps
