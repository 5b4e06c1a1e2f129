"""Gap analysis and profile verdicts, each with the reasons a person can read.

The rules are DESIGN.md §3 and the output shape is CONTRACT.md ``competence gap --json``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from competence.domain.errors import InputError
from competence.domain.framework import (
    AXES,
    Catalogue,
    Competence,
    Profile,
    Requirement,
    Target,
    check_context,
)
from competence.domain.ratings import NOT_RATED, Rating

MET, TOP_UP, GAP = "met", "top-up", "gap"


def label_for(shortfall: int) -> str:
    """0 = met; 1 level short = top-up; 2 or more = gap."""
    if shortfall <= 0:
        return MET
    return TOP_UP if shortfall == 1 else GAP


class Shortfall(NamedTuple):
    """One axis of one requirement that is not met."""

    competence: Competence
    axis: str
    target: int
    actual: int | None
    profile: str

    @property
    def levels(self) -> int:
        return self.target - (self.actual or 0)

    def reason(self) -> str:
        actual = "not rated" if self.actual is None else str(self.actual)
        return (
            f"{self.competence.name}: {self.axis} {actual}, "
            f"the {self.profile} profile needs {self.target}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.competence.number,
            "slug": self.competence.slug,
            "axis": self.axis,
            "target": self.target,
            "actual": self.actual,
        }


class CompetenceResult(NamedTuple):
    """Where a person stands on one competence against one profile in one context.

    (A named tuple, immutable and made at a quarter of a frozen dataclass's cost: a verdict
    holds one for each competence, and a file of many people makes millions.)"""

    competence: Competence
    applicable: bool
    target: Target | None
    rating: Rating
    gap: Target | None
    met: bool | None
    label: str | None

    @property
    def shortfall(self) -> int:
        return 0 if self.gap is None else max(self.gap.as_dict().values())

    @property
    def levels_short(self) -> int:
        return 0 if self.gap is None else sum(self.gap.as_dict().values())

    @property
    def axes(self) -> tuple[str, ...]:
        return AXES if self.target is None else self.target.axes

    def as_dict(self) -> dict[str, Any]:
        c = self.competence
        return {
            "number": c.number,
            "slug": c.slug,
            "name": c.name,
            "applicable": self.applicable,
            "target": None if self.target is None else self.target.as_dict(),
            "actual": (
                (
                    self.rating.as_dict()
                    if self.axes == AXES
                    else {axis: self.rating.level(axis) for axis in self.axes}
                )
                if self.rating.rated
                else None
            ),
            "gap": None if self.gap is None else self.gap.as_dict(),
            "met": self.met,
            "label": self.label,
        }


@dataclass(frozen=True)
class SpecialismDistance:
    competence: Competence
    levels_short: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.competence.number,
            "slug": self.competence.slug,
            "levels_short": self.levels_short,
        }


@dataclass(frozen=True)
class Verdict:
    """Whether a person meets a profile in a context, and why."""

    person: str | None
    profile: Profile
    context: str | None
    meets_profile: bool
    reasons: tuple[str, ...]
    missing: tuple[Shortfall, ...]
    competences: tuple[CompetenceResult, ...]
    specialisms_met: tuple[Competence, ...] | None = None
    closest_specialisms: tuple[SpecialismDistance, ...] | None = None
    base: Verdict | None = None
    notes: tuple[str, ...] = ()
    """The reasons that are not one competence's shortfall: the verdict, and for a specialist
    rule which parts hold (shown before the shortfalls, which a page can group by competence)."""

    def result(self, number: int) -> CompetenceResult:
        return next(r for r in self.competences if r.competence.number == number)

    def as_dict(self) -> dict[str, Any]:
        """The CONTRACT.md shape of ``competence gap --json``."""
        out: dict[str, Any] = {
            "person": self.person,
            "profile": self.profile.id,
            "context": self.context,
            "meets_profile": self.meets_profile,
            "reasons": list(self.reasons),
            "missing": [s.as_dict() for s in self.missing],
            "competences": [r.as_dict() for r in self.competences],
        }
        if self.specialisms_met is not None:
            out["specialisms_met"] = [c.number for c in self.specialisms_met]
        if self.closest_specialisms is not None:
            out["closest_specialisms"] = [d.as_dict() for d in self.closest_specialisms]
        return out


def compare(
    competence: Competence,
    requirement: Requirement | None,
    rating: Rating,
    context: str | None,
) -> CompetenceResult:
    """One competence's result: target, gap per axis (not rated counts as 0), met and label."""
    if requirement is None or not requirement.applies_in(context):
        target = None if requirement is None else requirement.target
        return CompetenceResult(competence, False, target, rating, None, None, None)
    target = requirement.target
    gap, met, label = judge(target, rating.knowledge, rating.application)
    return CompetenceResult(competence, True, target, rating, gap, met, label)


@functools.lru_cache(maxsize=4096)
def judge(
    target: Target, knowledge: int | None, application: int | None
) -> tuple[Target, bool, str]:
    """The gap per axis (not rated counts as 0), whether the target is met, and the label, for
    these levels against ``target``. Remembered: a file of many people, or a specialist verdict
    and the officer verdict under it, asks again and again about the same few."""
    gap = Target(
        knowledge=max(0, target.knowledge - (knowledge or 0)),
        application=max(0, target.application - (application or 0)),
        axes=target.axes,
    )
    met = target.met_by(knowledge, application)
    return gap, met, label_for(max(gap.as_dict().values()))


def shortfalls(result: CompetenceResult, profile: Profile) -> list[Shortfall]:
    if not result.applicable or result.target is None or result.gap is None:
        return []
    return [
        Shortfall(
            result.competence,
            axis,
            result.target.level(axis),
            result.rating.level(axis),
            profile.name,
        )
        for axis in result.target.axes
        if result.gap.level(axis) > 0
    ]


def _where(context: str | None) -> str:
    return f"in the {context} context" if context else "in any context"


def _describe(rating: Rating, axes: tuple[str, ...] = AXES) -> str:
    def shown(value: int | None) -> str:
        return "not rated" if value is None else str(value)

    return ", ".join(f"{axis} {shown(rating.level(axis))}" for axis in axes)


VERDICTS_KEPT = 1024
"""How many verdicts :func:`assess` remembers (the least recently used go first): about 10 KB
each, with their reasons."""


class _Same:
    """A catalogue as a memo's key: by identity, which a catalogue's mappings leave as the only
    cheap equality. The key holds the catalogue, so its id cannot be reused while remembered."""

    __slots__ = ("catalogue",)

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def __hash__(self) -> int:
        return id(self.catalogue)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.catalogue is self.catalogue


def assess(
    catalogue: Catalogue,
    profile_id: str,
    context: str | None,
    ratings: Mapping[int, Rating],
    person: str | None = None,
) -> Verdict:
    """The verdict for one person against one profile in one context.

    ``ratings`` maps competence numbers to ratings; a competence without one is not rated.

    Remembered on (catalogue, profile, context, ratings, person), up to :data:`VERDICTS_KEPT`: a
    page asks for the same verdicts again and again (the officer verdict under the specialist
    one, APM's two verdicts beside the person's own), and a verdict is immutable. A catalogue is
    built anew when a profile version is published, and that drops what was remembered
    (:func:`forget_verdicts`, called by the profiles' cache); :func:`assess_afresh` computes
    without the memo.
    """
    return _remembered(
        _Same(catalogue), profile_id, context, tuple(sorted(ratings.items())), person
    )


@functools.lru_cache(maxsize=VERDICTS_KEPT)
def _remembered(
    catalogue: _Same,
    profile_id: str,
    context: str | None,
    ratings: tuple[tuple[int, Rating], ...],
    person: str | None,
) -> Verdict:
    return assess_afresh(catalogue.catalogue, profile_id, context, dict(ratings), person)


def forget_verdicts() -> None:
    """Drop every remembered verdict (a profile version was published)."""
    _remembered.cache_clear()


def assess_afresh(
    catalogue: Catalogue,
    profile_id: str,
    context: str | None,
    ratings: Mapping[int, Rating],
    person: str | None = None,
) -> Verdict:
    """:func:`assess` without its memo."""
    if context is None:
        raise InputError("no context given: choose one of project, programme, portfolio")
    check_context(context)
    profile = catalogue.profile(profile_id)
    results = tuple(
        compare(c, profile.requirement(c.number), ratings.get(c.number, NOT_RATED), context)
        for c in catalogue.framework.competences
    )
    if profile.rule is None:
        return _all_requirements(person, profile, context, results)
    return _specialist(catalogue, person, profile, context, ratings, results)


def meets_profile(
    catalogue: Catalogue,
    profile_id: str,
    context: str,
    levels: Mapping[int, tuple[int | None, int | None]],
) -> bool:
    """:func:`assess`'s ``meets_profile`` alone, without its reasons, on plain
    ``(knowledge, application)`` levels (not rated counts as 0). A property test holds the two
    equal. For many people, make the check once with :func:`profile_check`."""
    return profile_check(catalogue, profile_id, context)(levels)


Check = Callable[[Mapping[int, tuple[int | None, int | None]]], bool]
_UNRATED = (None, None)


def profile_check(catalogue: Catalogue, profile_id: str, context: str) -> Check:
    """:func:`meets_profile` for one profile in one context, made once for thousands of people
    (the trends over cycles): the requirements that apply there as plain levels per axis."""
    profile = catalogue.profile(profile_id)
    index = {axis: i for i, axis in enumerate(AXES)}

    def rows(numbers: Iterable[int]) -> list[tuple[int, tuple[tuple[int, int], ...]]]:
        found = []
        for n in numbers:
            req = profile.requirement(n)
            if req is not None and req.applies_in(context):
                levels = tuple((index[a], req.target.level(a)) for a in req.target.axes)
                found.append((n, levels))
        return found

    def met(levels: Mapping[int, tuple[int | None, int | None]], n: int, needs: Any) -> bool:
        found = levels.get(n) or _UNRATED
        return all((found[i] or 0) >= level for i, level in needs)

    rule = profile.rule
    if rule is None:
        every = rows(c.number for c in catalogue.framework.competences)
        return lambda levels: all(met(levels, n, needs) for n, needs in every)
    base = profile_check(catalogue, rule.base_profile, context)
    known = {c.number for c in catalogue.framework.competences}
    required = rows(n for n in rule.required if n in known)
    deciding = rows(n for n in rule.deciding if n in known)
    at_least = rule.at_least

    def check(levels: Mapping[int, tuple[int | None, int | None]]) -> bool:
        if not base(levels) or not all(met(levels, n, needs) for n, needs in required):
            return False
        return sum(1 for n, needs in deciding if met(levels, n, needs)) >= at_least

    return check


def _all_requirements(
    person: str | None,
    profile: Profile,
    context: str | None,
    results: tuple[CompetenceResult, ...],
) -> Verdict:
    applicable = [r for r in results if r.applicable]
    missing = [s for r in applicable for s in shortfalls(r, profile)]
    unmet = [r for r in applicable if not r.met]
    if unmet:
        head = (
            f"Does not meet the {profile.name} profile {_where(context)}: "
            f"{len(unmet)} of {len(applicable)} requirements that apply are not met"
        )
    else:
        head = (
            f"Meets the {profile.name} profile {_where(context)}: "
            f"all {len(applicable)} requirements that apply are met"
        )
    reasons = (head, *(s.reason() for s in missing))
    return Verdict(
        person, profile, context, not unmet, reasons, tuple(missing), results, notes=(head,)
    )


def _specialist(
    catalogue: Catalogue,
    person: str | None,
    profile: Profile,
    context: str | None,
    ratings: Mapping[int, Rating],
    results: tuple[CompetenceResult, ...],
) -> Verdict:
    rule = profile.rule
    assert rule is not None
    by_number = {r.competence.number: r for r in results}
    base = assess(catalogue, rule.base_profile, context, ratings, person)
    reasons: list[str] = []
    missing: list[Shortfall] = list(base.missing)
    shortfall_reasons: set[str] = set()

    # 1. The base profile in the same context.
    if base.meets_profile:
        reasons.append(f"Meets the {base.profile.name} profile {_where(context)}")
    else:
        reasons.append(
            f"Does not meet the {base.profile.name} profile {_where(context)}, "
            f"which the {profile.name} profile builds on"
        )
        reasons.extend(s.reason() for s in base.missing)
        shortfall_reasons.update(s.reason() for s in base.missing)

    # 2. The required competences at this profile's level.
    required_ok = True
    for number in rule.required:
        result = by_number[number]
        if not result.applicable:
            continue
        if result.met:
            reasons.append(
                f"{result.competence.name}: {_describe(result.rating, result.axes)} "
                f"meets the {profile.name} rating {result.target}"
            )
        else:
            required_ok = False
            found = shortfalls(result, profile)
            reasons.extend(s.reason() for s in found)
            shortfall_reasons.update(s.reason() for s in found)
            missing.extend(found)

    # 3. At least `at_least` of the deciding specialisms at this profile's level.
    deciding = [by_number[n] for n in rule.deciding if by_number[n].applicable]
    met = tuple(r.competence for r in deciding if r.met)
    closest = tuple(
        sorted(
            (SpecialismDistance(r.competence, r.levels_short) for r in deciding if not r.met),
            key=lambda d: (d.levels_short, d.competence.number),
        )
    )
    specialisms_ok = len(met) >= rule.at_least
    if met:
        names = ", ".join(f"{c.name} ({by_number[c.number].target})" for c in met)
        reasons.append(f"Specialism at {profile.name} level: {names}")
    if not specialisms_ok:
        needed = rule.at_least - len(met)
        options = ", ".join(r.competence.name for r in deciding)
        text = (
            f"No specialism at {profile.name} level yet: one of {options} is needed"
            if not met
            else f"{needed} more specialism(s) at {profile.name} level needed, from {options}"
        )
        if closest:
            d = closest[0]
            text += (
                f"; the closest is {d.competence.name}, {d.levels_short} "
                f"level{'s' if d.levels_short != 1 else ''} short"
            )
        reasons.append(text)
        for d in closest[:needed]:
            found = shortfalls(by_number[d.competence.number], profile)
            reasons.extend(s.reason() for s in found)
            shortfall_reasons.update(s.reason() for s in found)
            missing.extend(found)

    # A listed specialism whose rating does not rise can never decide: say so when it is met.
    for number in rule.specialisms:
        result = by_number[number]
        if number in rule.deciding or not result.met:
            continue
        base_req = base.profile.requirement(number)
        reasons.append(
            f"{result.competence.name} is on the role profile's list of specialisms and is met, "
            f"but its {profile.name} rating ({result.target}) is no higher than the "
            f"{base.profile.name} rating ({base_req.target if base_req else 'none'}), "
            "so it cannot be the deciding specialism"
        )

    meets = base.meets_profile and required_ok and specialisms_ok
    verdict_line = (
        f"Meets the {profile.name} profile {_where(context)}"
        if meets
        else f"Does not meet the {profile.name} profile {_where(context)}"
    )
    return Verdict(
        person,
        profile,
        context,
        meets,
        (verdict_line, *reasons),
        _strongest(missing),
        results,
        specialisms_met=met,
        closest_specialisms=closest,
        base=base,
        notes=tuple(r for r in (verdict_line, *reasons) if r not in shortfall_reasons),
    )


def _strongest(found: Iterable[Shortfall]) -> tuple[Shortfall, ...]:
    """One shortfall per competence and axis, the highest target; in competence order."""
    best: dict[tuple[int, str], Shortfall] = {}
    for s in found:
        key = (s.competence.number, s.axis)
        if key not in best or s.target > best[key].target:
            best[key] = s
    return tuple(sorted(best.values(), key=lambda s: (s.competence.number, AXES.index(s.axis))))
