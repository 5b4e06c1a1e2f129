"""The framework, its rating scale and role profiles, as plain immutable values."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from competence.domain.contexts import CONTEXTS as CONTEXTS  # its home, named here too
from competence.domain.errors import InputError

AXES: tuple[str, ...] = ("knowledge", "application")
MIN_LEVEL, MAX_LEVEL = 0, 5


def slugify(name: str) -> str:
    """Lower-case the name, turn every run of characters other than a-z and 0-9 into ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check_context(context: str | None) -> str | None:
    if context is not None and context not in CONTEXTS:
        raise InputError(f"unknown context {context!r}: choose one of {', '.join(CONTEXTS)}")
    return context


@dataclass(frozen=True)
class Level:
    """One level of the rating scale, with what it means on each axis."""

    level: int
    name: str
    knowledge: str
    application: str
    from_source: bool = True


@dataclass(frozen=True)
class Competence:
    number: int
    slug: str
    name: str
    definition: str
    also_known_as: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribution:
    source: str
    owner: str
    notice: str


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: str
    attribution: Attribution
    levels: tuple[Level, ...]
    competences: tuple[Competence, ...]
    axes: tuple[str, ...] = AXES
    """The axes a person is rated on: knowledge and application (APM's), or one of them for a
    framework with a single rubric (an imported CASE framework: application alone)."""
    _index: Mapping[str, Competence] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[str, Competence] = {}
        for c in self.competences:
            for key in (str(c.number), c.slug, c.name, *c.also_known_as):
                index[key.casefold()] = c
        object.__setattr__(self, "_index", index)

    def competence(self, number: int) -> Competence:
        for c in self.competences:
            if c.number == number:
                return c
        raise KeyError(number)

    def find(self, key: int | str) -> Competence | None:
        """The competence named by its number, its slug or its exact name (any case)."""
        text = str(key).strip()
        return self._index.get(text.casefold())

    def level(self, value: int) -> Level:
        return next(lv for lv in self.levels if lv.level == value)

    @functools.cached_property
    def top_level(self) -> int:
        return max(lv.level for lv in self.levels)

    def level_problem(self, axis: str, value: int | None) -> str | None:
        """Why a rating of ``value`` on ``axis`` does not fit this framework (``axis: reason``),
        or None: an axis the framework does not rate stays empty, and a level is at most the
        framework's top level."""
        if value is None:
            return None
        if axis not in self.axes:
            return f"{axis}: this framework rates {' and '.join(self.axes)} only; leave it empty"
        if value > self.top_level:
            return f"{axis}: {value} is above this framework's top level, {self.top_level}"
        return None

    def target(self, knowledge: int = 0, application: int = 0) -> Target:
        """A target on this framework's axes (an axis it does not rate asks for nothing)."""
        return Target(
            knowledge if "knowledge" in self.axes else 0,
            application if "application" in self.axes else 0,
            self.axes,
        )


@dataclass(frozen=True)
class Target:
    """A level on each of the framework's axes (``axes``: both, APM's, by default)."""

    knowledge: int
    application: int
    axes: tuple[str, ...] = AXES

    def level(self, axis: str) -> int:
        value: int = getattr(self, axis)
        return value

    def as_dict(self) -> dict[str, int]:
        if self.axes == AXES:
            return {"knowledge": self.knowledge, "application": self.application}
        return {axis: self.level(axis) for axis in self.axes}

    def met_by(self, knowledge: int | None, application: int | None) -> bool:
        """A requirement is met when every axis reaches the target; not rated counts as 0."""
        actual = {"knowledge": knowledge, "application": application}
        return all((actual[axis] or 0) >= self.level(axis) for axis in self.axes)

    def __str__(self) -> str:
        return "/".join(str(self.level(axis)) for axis in self.axes)


@dataclass(frozen=True)
class Requirement:
    """What a profile asks of one competence, and the contexts where it applies."""

    competence: int
    target: Target
    contexts: frozenset[str]
    qualifier: str | None = None
    definition: str | None = None

    def applies_in(self, context: str | None) -> bool:
        return context is None or context in self.contexts


@dataclass(frozen=True)
class BuildsOn:
    """A rule that builds on another profile (the PMO specialist rule of DESIGN.md §3,
    generalised): the base profile must be met in the same context, the ``required`` competences
    at this profile's rating, and at least ``at_least`` of the ``deciding`` competences at this
    profile's rating. ``specialisms`` is the list as the source states it; those of it that are
    not ``deciding`` (their target does not rise above the base's) can never decide.

    A profile without such a rule is met when every requirement that applies is met.
    """

    statement: str
    base_profile: str
    required: tuple[int, ...]
    specialisms: tuple[int, ...]
    deciding: tuple[int, ...]
    at_least: int = 1

    kind = "builds-on"

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "statement": self.statement,
            "base_profile": self.base_profile,
            "required": list(self.required),
            "specialisms": list(self.specialisms),
            "deciding": list(self.deciding),
            "at_least": self.at_least,
        }


ALL_REQUIREMENTS = "all-requirements"
"""The kind of a profile with no rule of its own: every requirement that applies is met."""
APM = "apm"
ORGANISATION = "organisation"


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    framework: str
    description: str
    notes: tuple[str, ...]
    requirements: Mapping[int, Requirement]
    rule: BuildsOn | None = None
    version: int = 1
    owner: str = APM
    """Whose profile it is: APM's (read-only: tailoring starts from a copy) or the
    organisation's."""
    source: str = ""
    based_on: str | None = None
    """The profile this one was copied from, as ``slug@version``."""

    def requirement(self, number: int) -> Requirement | None:
        return self.requirements.get(number)

    @property
    def read_only(self) -> bool:
        return self.owner == APM

    @property
    def rule_kind(self) -> str:
        return self.rule.kind if self.rule else ALL_REQUIREMENTS

    @property
    def label(self) -> str:
        """``PMO analyst v3``."""
        return f"{self.name} v{self.version}"


@dataclass(frozen=True)
class Catalogue:
    """A framework and the profiles defined on it."""

    framework: Framework
    profiles: Mapping[str, Profile]

    @classmethod
    def of(cls, framework: Framework, profiles: Iterable[Profile]) -> Catalogue:
        return cls(framework, {p.id: p for p in profiles})

    def profile(self, profile_id: str) -> Profile:
        try:
            return self.profiles[profile_id]
        except KeyError:
            known = ", ".join(sorted(self.profiles))
            raise InputError(f"unknown profile {profile_id!r}: choose one of {known}") from None
