"""Team capability planning: the fewest levels raised, in total across people, that meet a team's
requirements; with who is closest for each requirement.

The problem splits by competence: requirements name one competence each, and raising a person on
one competence does nothing for another. On one competence a person ends as they are or raised
to some level (K, A); only the levels the requirements name matter (raising past a target that
is not needed only costs), so each axis takes one of at most six values and a person ends at one
of at most 36 *tiers*. People who stand at the same levels and count for the same requirements
are interchangeable, so the integer program (HiGHS, through SciPy) chooses how many of each such
*class* end at each tier: at most 36 classes of a kind by 36 tiers, whatever the team's size. It
is exact, and its size is bounded by the requirements, never by the number of people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from competence.domain import budget
from competence.domain.errors import InputError
from competence.domain.framework import Target
from competence.domain.words import people as people_count

Levels = tuple[int, int]  # (knowledge, application); not rated counts as 0

MAX_NEEDS = 200
"""The most requirements one plan takes (a requirements file of more is refused)."""
TIME_LIMIT = 10.0
"""Seconds the integer program may take for one competence before the plan is refused."""


class TooManyRequirements(InputError):
    """The requirements are too many to plan exactly within the limits."""


@dataclass(frozen=True)
class Need:
    """At least ``at_least`` people at ``target`` or above on ``competence``."""

    competence: int
    target: Target
    at_least: int
    label: str
    among: frozenset[str] | None = None  # only these people count (those it applies to)

    def counts(self, person: str) -> bool:
        return self.among is None or person in self.among


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


def cost(levels: Levels, to: Levels) -> int:
    """Levels raised to go from ``levels`` to at least ``to`` on both axes."""
    return max(0, to[0] - levels[0]) + max(0, to[1] - levels[1])


def tiers(current: Levels, targets: Sequence[Target]) -> list[Levels]:
    """Where a person may end: each axis as it is or at one of the targets' levels above it."""
    ks = {current[0]} | {t.knowledge for t in targets if t.knowledge > current[0]}
    as_ = {current[1]} | {t.application for t in targets if t.application > current[1]}
    return sorted((k, a) for k in ks for a in as_)


def plan(people: Mapping[str, Mapping[int, Levels]], needs: Sequence[Need]) -> Plan:
    """The cheapest development steps that meet every need that can be met."""
    if len(needs) > MAX_NEEDS:
        raise TooManyRequirements(
            f"{len(needs)} requirements: a plan takes at most {MAX_NEEDS}; plan in parts"
        )
    result = Plan()
    names = sorted(people)
    by_competence: dict[int, list[Need]] = {}
    for need in needs:
        eligible = [p for p in names if need.counts(p)]
        if need.at_least > len(eligible):
            result.unmet.append(
                f"{need.label}: needs {people_count(need.at_least)}, but only "
                f"{len(eligible)} can count (those it applies to)"
            )
            continue
        by_competence.setdefault(need.competence, []).append(need)
        target = (need.target.knowledge, need.target.application)
        ranked = sorted((cost(people[p].get(need.competence, (0, 0)), target), p) for p in eligible)
        result.closest[need.label] = [(p, c) for c, p in ranked[: max(need.at_least, 3)]]
    for competence, wanted in sorted(by_competence.items()):
        budget.check()
        result.steps.extend(_solve(competence, names, people, wanted))
    return result


def _solve(
    competence: int,
    names: list[str],
    people: Mapping[str, Mapping[int, Levels]],
    needs: list[Need],
) -> list[Step]:
    import numpy as np  # on first use, as SciPy: a server's start does not wait for it

    targets = [n.target for n in needs]
    # Classes: people at the same levels who count for the same needs.
    classes: dict[tuple[Levels, tuple[bool, ...]], list[str]] = {}
    for p in names:
        current = people[p].get(competence, (0, 0))
        signature = tuple(n.counts(p) for n in needs)
        classes.setdefault((current, signature), []).append(p)
    options: list[tuple[tuple[Levels, tuple[bool, ...]], Levels, int]] = [
        (key, tier, cost(key[0], tier)) for key in classes for tier in tiers(key[0], targets)
    ]
    keys = list(classes)
    rows = np.zeros((len(keys) + len(needs), len(options)))
    lower = np.zeros(len(keys) + len(needs))
    upper = np.full(len(keys) + len(needs), np.inf)
    for j, (key, tier, _) in enumerate(options):
        rows[keys.index(key), j] = 1.0  # each class's people are all placed
        for i, need in enumerate(needs):
            if key[1][i] and need.target.met_by(*tier):
                rows[len(keys) + i, j] = 1.0  # enough people at or above each target
    for c, key in enumerate(keys):
        lower[c] = upper[c] = len(classes[key])
    for i, need in enumerate(needs):
        lower[len(keys) + i] = need.at_least
    sizes = np.array([len(classes[key]) for key, _, _ in options], dtype=float)
    # SciPy loads on first use: a server's start, and the pages that plan nothing, never wait.
    from scipy.optimize import Bounds, LinearConstraint, milp

    left = budget.remaining()
    seconds = TIME_LIMIT if left is None else max(0.1, min(TIME_LIMIT, left))
    solution = milp(
        np.array([c for _, _, c in options], dtype=float),
        constraints=LinearConstraint(rows, lower, upper),
        integrality=np.ones(len(options)),
        bounds=Bounds(0, sizes),
        options={"time_limit": seconds},
    )
    if solution.status == 1:  # the time limit
        budget.check()
        raise TooManyRequirements(
            f"competence {competence}: {len(needs)} requirements could not be planned exactly "
            f"in {seconds:g} seconds; plan fewer at once"
        )
    if not solution.success:  # cannot happen once the counts were checked, but say so
        raise ValueError(f"competence {competence}: {solution.message}")
    steps = []
    placed = {key: iter(members) for key, members in classes.items()}
    for (key, tier, c), x in zip(options, solution.x, strict=True):
        for _ in range(round(x)):
            p = next(placed[key])  # interchangeable: the first by name
            if c == 0:
                continue
            current = key[0]
            for axis, before, after in (
                ("knowledge", current[0], tier[0]),
                ("application", current[1], tier[1]),
            ):
                if after > before:
                    steps.append(Step(p, competence, axis, before, after))
    return steps
