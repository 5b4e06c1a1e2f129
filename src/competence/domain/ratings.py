"""A person's ratings: a level 0-5 on each axis, or not rated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from competence.domain.evidence import MAX_LINKS, Confidence
from competence.domain.framework import MAX_LEVEL, MIN_LEVEL

EVIDENCE_LIMIT = 2000
"""The most characters of evidence one rating keeps, wherever it comes from (the form, the API,
an import)."""


def evidence_problem(evidence: str | None) -> str | None:
    """Why this evidence cannot be kept, as ``evidence: reason`` (None when it can): the one
    check, and the one message, of every way a rating comes in."""
    if evidence is not None and len(evidence) > EVIDENCE_LIMIT:
        return f"evidence: longer than {EVIDENCE_LIMIT} characters (it has {len(evidence)})"
    return None


@dataclass(frozen=True)
class Rating:
    """Knowledge and application levels for one competence; ``None`` means not rated.

    Whether a competence applies is not part of a rating: it belongs to a requirement in a context.
    """

    knowledge: int | None = None
    application: int | None = None
    evidence: str | None = None
    confidence: Confidence | None = None
    """How sure the person is (optional): see :class:`~competence.domain.evidence.Confidence`."""
    links: tuple[str, ...] = ()
    """Links to evidence, as :func:`~competence.domain.evidence.check_links` keeps them."""

    def __post_init__(self) -> None:
        if self.confidence is not None:
            object.__setattr__(self, "confidence", Confidence(self.confidence))
        if len(self.links) > MAX_LINKS:
            raise ValueError(f"at most {MAX_LINKS} links a rating, got {len(self.links)}")
        for axis in ("knowledge", "application"):
            value = getattr(self, axis)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{axis} must be a whole number, got {value!r}")
            if not MIN_LEVEL <= value <= MAX_LEVEL:
                raise ValueError(f"{axis} must be from {MIN_LEVEL} to {MAX_LEVEL}, got {value}")

    @property
    def rated(self) -> bool:
        return self.knowledge is not None or self.application is not None

    @property
    def empty(self) -> bool:
        """Nothing rated and nothing said: no evidence, no links, no confidence."""
        return not (self.rated or self.evidence or self.links or self.confidence is not None)

    def complete(self, axes: Iterable[str] = ("knowledge", "application")) -> bool:
        """Rated on every axis (of a framework's ``axes``): what "rated" means when counting a
        form's progress."""
        return all(self.level(axis) is not None for axis in axes)

    def level(self, axis: str) -> int | None:
        value: int | None = getattr(self, axis)
        return value

    def as_dict(self) -> dict[str, int | None]:
        return {"knowledge": self.knowledge, "application": self.application}


NOT_RATED = Rating()


def unrated(
    numbers: Iterable[int],
    ratings: Mapping[int, Rating],
    axes: Iterable[str] = ("knowledge", "application"),
) -> list[int]:
    """The competences of ``numbers`` (in their order) not rated on every axis (of the
    framework's ``axes``): those a submission must confirm, since a verdict counts them as 0."""
    axes = tuple(axes)
    return [n for n in numbers if not ratings.get(n, NOT_RATED).complete(axes)]
