"""Capability over time: per cycle, how many people meet the officer target and how many stand at
specialist level on each competence and axis, how many meet each profile, and who moved up or
down between two cycles.

Pure: each cycle's members in (a person's id, context and the levels of their assessment that
counts in that cycle), figures out. Which assessment counts is :mod:`competence.domain.workflow`'s
rule; who may see which figure (the minimum group size, names) is the services'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from competence.domain.analysis import meets_profile, profile_check
from competence.domain.framework import AXES, CONTEXTS, Catalogue
from competence.domain.team import Levels, Targets

OFFICER, SPECIALIST = "pmo-officer", "pmo-specialist"
MAX_CYCLES = 6
"""The most cycles one trend shows (the page's default: the latest six with results)."""
MAX_MEMBERS = 600_000
"""The most (person, cycle) results one trend takes: 100,000 people over six cycles."""


UNREACHED = 1_000
"""A level nobody reaches: the specialist target of a competence the specialist profile does not
name."""


class TooManyMembers(ValueError):
    """More results than :data:`MAX_MEMBERS`."""


@dataclass(frozen=True)
class Member:
    """One person's result in one cycle: their context and their levels per competence."""

    person: int
    context: str
    levels: Mapping[int, Levels]


@dataclass(frozen=True)
class Share:
    """On one competence and axis in one cycle: how many it applies to, how many reach the
    officer target on that axis and how many the specialist target (not rated counts as 0)."""

    number: int
    axis: str
    applies_to: int = 0
    meets_officer: int = 0
    at_specialist: int = 0

    @property
    def share_officer(self) -> float | None:
        return round(self.meets_officer / self.applies_to, 4) if self.applies_to else None

    @property
    def share_specialist(self) -> float | None:
        return round(self.at_specialist / self.applies_to, 4) if self.applies_to else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "axis": self.axis,
            "applies_to": self.applies_to,
            "meets_officer": self.meets_officer,
            "at_specialist": self.at_specialist,
            "share_officer": self.share_officer,
            "share_specialist": self.share_specialist,
        }


@dataclass(frozen=True)
class CycleFigures:
    """One cycle's figures over the people with a result in it."""

    cycle: str
    people: int
    meets_officer: int
    meets_specialist: int
    shares: tuple[Share, ...]


class Change(NamedTuple):
    """One axis of one competence whose level changed between two cycles."""

    number: int
    axis: str
    before: int | None
    after: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "axis": self.axis, "from": self.before, "to": self.after}


@dataclass(frozen=True)
class Move:
    """How one person moved between two cycles: the levels that rose and fell (an axis not rated
    counts as 0, as for a verdict), and the profiles gained or lost."""

    person: int
    rose: tuple[Change, ...] = ()
    fell: tuple[Change, ...] = ()
    verdicts: Mapping[str, str] = field(default_factory=dict)
    """Profile id → ``gained`` or ``lost`` (only profiles whose verdict changed)."""
    net: int = 0
    """Levels risen less levels fallen."""
    changes: int = 0
    """How many axes of competences rose or fell (``rose`` and ``fell`` may be left empty for a
    move not shown in detail)."""

    @property
    def direction(self) -> str:
        """``up`` (more levels rose than fell), ``down``, ``mixed`` (as many), or ``same``."""
        if not self.changes:
            return "same"
        return "up" if self.net > 0 else "down" if self.net < 0 else "mixed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "direction": self.direction,
            "net": self.net,
            "rose": [c.as_dict() for c in self.rose],
            "fell": [c.as_dict() for c in self.fell],
            "verdicts": dict(self.verdicts),
        }


def _verdicts(catalogue: Catalogue, member: Member) -> tuple[bool, bool]:
    return (
        meets_profile(catalogue, OFFICER, member.context, member.levels),
        meets_profile(catalogue, SPECIALIST, member.context, member.levels),
    )


def verdicts_of(catalogue: Catalogue, members: Iterable[Member]) -> dict[int, tuple[bool, bool]]:
    """Each member's (officer, specialist) verdicts, the checks made once per context."""
    checks = {
        context: (
            profile_check(catalogue, OFFICER, context),
            profile_check(catalogue, SPECIALIST, context),
        )
        for context in CONTEXTS
    }
    out = {}
    for m in members:
        officer, specialist = checks[m.context]
        out[m.person] = (officer(m.levels), specialist(m.levels))
    return out


def cycle_figures(
    cycle: str,
    members: Sequence[Member],
    catalogue: Catalogue,
    numbers: Sequence[int],
    verdicts: Mapping[int, tuple[bool, bool]] | None = None,
) -> CycleFigures:
    """One cycle's figures: per competence and axis (those the officer profile asks for in each
    person's context) and the number meeting each APM profile. ``verdicts``: each member's
    (officer, specialist), when already known."""
    targets = Targets.of(catalogue.profile(OFFICER), catalogue.profile(SPECIALIST), numbers)
    # Per context, each competence that applies there with its targets as plain levels (the
    # loop below runs once per person and competence).
    table = {
        context: [
            (n, *(officer.level(a) for a in AXES),
             *(specialist.level(a) if specialist else UNREACHED for a in AXES))
            for n, officer, specialist in rows
        ]
        for context, rows in targets.by_context.items()
    }  # fmt: skip
    # applies to, then per axis (knowledge, application): meets officer, at specialist
    cells = {n: [0, 0, 0, 0, 0] for n in numbers}
    officers = specialists = 0
    unrated = (None, None)
    for member in members:
        levels = member.levels
        for n, ok, oa, sk, sa in table[member.context]:
            k, a = levels.get(n, unrated)
            k, a = k or 0, a or 0
            cell = cells[n]
            cell[0] += 1
            cell[1] += k >= ok
            cell[2] += a >= oa
            cell[3] += k >= sk
            cell[4] += a >= sa
        met = verdicts[member.person] if verdicts else _verdicts(catalogue, member)
        officers += met[0]
        specialists += met[1]
    shares = tuple(
        Share(n, axis, cells[n][0], cells[n][1 + i], cells[n][3 + i])
        for n in numbers
        for i, axis in enumerate(AXES)
    )
    return CycleFigures(cycle, len(members), officers, specialists, shares)


def _changes(
    then: Mapping[int, Levels], now: Mapping[int, Levels], numbers: Sequence[int]
) -> tuple[list[Change], list[Change]]:
    rose, fell = [], []
    unrated: Levels = (None, None)
    for number in numbers:
        old, new = then.get(number, unrated), now.get(number, unrated)
        if old == new:
            continue
        for i, axis in enumerate(AXES):
            low, high = old[i] or 0, new[i] or 0
            if high > low:
                rose.append(Change(number, axis, old[i], new[i]))
            elif high < low:
                fell.append(Change(number, axis, old[i], new[i]))
    return rose, fell


def moves(
    before: Iterable[Member],
    after: Iterable[Member],
    verdicts_before: Mapping[int, tuple[bool, bool]],
    verdicts_after: Mapping[int, tuple[bool, bool]],
    numbers: Sequence[int],
    detail: int | None = None,
) -> list[Move]:
    """Everyone with a result in both cycles whose levels or verdicts changed: the largest
    moves (levels, either way) first, then by person id; with ``detail``, only that many of them
    with each level that rose and fell (the rest with their counts)."""
    earlier = {m.person: m for m in before}
    unrated: Levels = (None, None)
    found = []
    pairs = {}
    for member in after:
        was = earlier.get(member.person)
        if was is None:
            continue
        then_levels, now_levels = was.levels, member.levels
        net = changes = 0
        for number in numbers:
            old, new = then_levels.get(number, unrated), now_levels.get(number, unrated)
            if old == new:
                continue
            for low, high in zip(old, new, strict=True):
                step = (high or 0) - (low or 0)
                net += step
                changes += step != 0
        changed = {}
        for profile, then, now in zip(
            (OFFICER, SPECIALIST),
            verdicts_before[member.person],
            verdicts_after[member.person],
            strict=True,
        ):
            if then != now:
                changed[profile] = "gained" if now else "lost"
        if changes or changed:
            found.append(Move(member.person, verdicts=changed, net=net, changes=changes))
            pairs[member.person] = (then_levels, now_levels)
    found.sort(key=lambda m: (-abs(m.net), m.person))
    shown = len(found) if detail is None else detail
    for i, move in enumerate(found[:shown]):
        rose, fell = _changes(*pairs[move.person], numbers)
        found[i] = Move(
            move.person, tuple(rose), tuple(fell), move.verdicts, move.net, move.changes
        )
    return found


@dataclass(frozen=True)
class Trend:
    """The figures of each cycle, earliest first, and the moves between a pair of them."""

    cycles: tuple[CycleFigures, ...]
    compared: tuple[str, str] | None
    both: int
    """How many people have a result in both cycles compared."""
    moves: tuple[Move, ...]


def trend(
    by_cycle: Sequence[tuple[str, Sequence[Member]]],
    catalogue: Catalogue,
    numbers: Sequence[int],
    pair: tuple[str, str] | None = None,
    detail: int | None = None,
) -> Trend:
    """Each cycle's figures (``by_cycle`` earliest first) and, for ``pair`` (two of its cycles,
    the earlier first; default: the last two), who moved up or down between them (``detail``:
    how many of the moves, the largest first, come with each level that rose and fell)."""
    if sum(len(members) for _, members in by_cycle) > MAX_MEMBERS:
        raise TooManyMembers(MAX_MEMBERS)
    verdicts = {name: verdicts_of(catalogue, members) for name, members in by_cycle}
    figures = tuple(
        cycle_figures(name, members, catalogue, numbers, verdicts[name])
        for name, members in by_cycle
    )
    names = [name for name, _ in by_cycle]
    if pair is None and len(names) >= 2:
        pair = (names[-2], names[-1])
    if pair is None:
        return Trend(figures, None, 0, ())
    members = dict(by_cycle)
    first, second = members[pair[0]], members[pair[1]]
    both = len({m.person for m in first} & {m.person for m in second})
    found = moves(first, second, verdicts[pair[0]], verdicts[pair[1]], numbers, detail)
    return Trend(figures, pair, both, tuple(found))
